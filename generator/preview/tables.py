"""The site's HTML tables kept out of Markdown's way while mkdocs converts a page.

The templates write every long table (a listing's rows, its pager) as one HTML
block, `<div class="cb-table" ...>` to its `</div>`, which Markdown passes
through as it is. Passing it through still costs Python-Markdown a parse of
every tag (its `md_in_html` extension reads raw HTML with Python's HTML
parser): at 200 rows a page, about 20 ms of the 25 ms a listing page takes,
and a saved title is on a dozen listings. Each such block is set aside before
the conversion, a comment left in its place, and put back in the HTML after:
the same page, byte for byte, without the parse. A block that asks for
Markdown inside (`markdown` attribute) or holds another `<div>` is left to
Markdown, and a page whose placeholders do not all come back is converted whole.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(r'^<div class="cb-table[^\n]*\n.*?</div>$(?=\n\n|\n?\Z)',
                    re.MULTILINE | re.DOTALL)
_ASKS_FOR_MARKDOWN = re.compile(r"\smarkdown(?=[\s=>])")
_MARK = "<!--casebook:table:"
_PLACED = re.compile(re.escape(_MARK) + r"(\d+)-->")


def set_aside(markdown: str) -> tuple[str, list[str]]:
    """The page's Markdown with each raw table block replaced by a placeholder, and
    the blocks, in order; the Markdown as it is when there is nothing to set aside."""
    if _MARK in markdown or '<div class="cb-table' not in markdown:
        return markdown, []
    blocks: list[str] = []

    def place(found: re.Match[str]) -> str:
        block = found.group(0)
        head, _, rest = block.partition("\n")
        if _ASKS_FOR_MARKDOWN.search(head) or "<div" in rest:
            return block
        blocks.append(block)
        return f"{_MARK}{len(blocks) - 1}-->"

    return _BLOCK.sub(place, markdown), blocks


def put_back(html: str, blocks: list[str]) -> str | None:
    """The converted page with its blocks where their placeholders are, or None when
    a placeholder is missing or repeated (the page is then converted as it is)."""
    if not blocks:
        return html
    seen: list[int] = []

    def block(found: re.Match[str]) -> str:
        index = int(found.group(1))
        seen.append(index)
        return blocks[index] if index < len(blocks) else found.group(0)

    restored = _PLACED.sub(block, html)
    return restored if sorted(seen) == list(range(len(blocks))) else None
