"""What a case narrative may contain, and where it holds something that will be removed.

The allow-list is shared by the sanitiser (generator.publish.site.narrative, which
enforces it with nh3) and the validator (which warns, with the line, about
any markup the site will drop), so the two never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "ol", "p", "pre", "q",
    "s", "small", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
})
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),
    "abbr": frozenset({"title"}),
    "td": frozenset({"align"}),
    "th": frozenset({"align"}),
    "ol": frozenset({"start"}),
    # Footnotes link by id; ids are prefixed so they cannot clobber the page's own.
    "li": frozenset({"id"}),
    "sup": frozenset({"id"}),
    "div": frozenset({"class"}),
}
CITATION = re.compile(r"(?<![\\\w])\[(S[0-9]+)\](?!\()")
"""A citation of a source, `[S1]`: not escaped (`\\[S1]`), not inside a word, and not
the text of a Markdown link (`[S1](...)`). The validator checks these against the
sources; the site links them to the sources table."""
URL_SCHEMES = frozenset({"http", "https", "mailto"})
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template",
                                  "noscript", "svg", "math", "form", "textarea", "select"})

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?(?:^ {0,3}\1[ \t]*$|\Z)", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*?)?)\s*/?>")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_MD_LINK = re.compile(r"\]\(\s*<?((?:[^()\s>]|\([^()\s]*\))*)")


def _blank(match: re.Match[str]) -> str:
    # Keep offsets (and so line numbers) while hiding code from the scan.
    return re.sub(r"[^\n]", " ", match.group(0))


def _url_allowed(url: str) -> bool:
    text = url.strip()
    scheme = urlsplit(text).scheme.lower()
    if scheme:
        return scheme in URL_SCHEMES
    return not text.startswith("//")


def removed_markup(body: str) -> Iterator[tuple[int, str]]:
    """(offset in body, sentence) for each piece of markup the site will remove."""
    text = _CODE_SPAN.sub(_blank, _FENCE.sub(_blank, body))
    for match in _TAG.finditer(text):
        closing, name, attributes = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            continue
        if name not in ALLOWED_TAGS:
            what = " and its content are" if name in DROPPED_WITH_CONTENT else " is"
            yield (match.start(), f"the HTML tag <{name}>{what} removed from the site")
            continue
        allowed = ALLOWED_ATTRIBUTES.get(name, frozenset())
        for attribute in _ATTRIBUTE.finditer(attributes):
            key = attribute.group(1).lower()
            value = (attribute.group(2) or "").strip("\"'")
            if key not in allowed:
                yield (match.start(), f"the attribute {key} on <{name}> is removed from "
                                      "the site")
            elif key == "href" and not _url_allowed(value):
                yield (match.start(), f"the link to '{value}' on <{name}> is removed: only "
                                      "http, https, mailto and relative links are kept")
    for match in _MD_LINK.finditer(text):
        url = match.group(1)
        if url and not _url_allowed(url):
            yield (match.start(1), f"the link to '{url}' is removed: only http, https, mailto "
                                   "and relative links are kept")
