"""Escaping for values written into generated Markdown pages.

Jinja's autoescape covers HTML templates only; our templates write Markdown, in
which a value can land in running text, a table cell, an HTML attribute or a
link target, and each needs its own escaping. Every `{{ ... }}` in the site
templates ends with one of these filters (a test enforces it), so no value from
a case reaches a page unescaped.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

from markupsafe import Markup

# Characters that Python-Markdown lets a backslash escape; escaping them all
# keeps text from turning into emphasis, links, lists, headings or attributes.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def md(value: object) -> str:
    """Text in running Markdown: shows exactly as written, never as markup."""
    text = str(value)
    if "\n" in text or "\r" in text:
        text = _NEWLINES.sub(" ", text)
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def cell(value: object) -> str:
    """Text in a Markdown table cell: as `md`, on one line, pipes escaped."""
    return md(value)


def attr(value: object) -> str:
    """Text inside a double-quoted HTML attribute, or as the content of an HTML block
    (which Markdown leaves alone). Inside inline HTML in a paragraph or table cell,
    Markdown still reads the text: use `md` there. `|` is written as an entity."""
    text = str(value)
    if "\n" in text or "\r" in text:  # most values are one line: no pattern to run
        text = _NEWLINES.sub(" ", text)
    return html.escape(text, quote=True).replace("|", "&#124;")


_SAFE_SCHEMES = frozenset({"http", "https"})


def url(value: object) -> str:
    """A link target: http(s) or relative only, percent-encoded, safe in HTML and Markdown.

    Anything else (javascript:, data:, a scheme-relative //host) becomes `#`,
    so a hostile value can at worst produce a dead link.
    """
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme:
        if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.netloc:
            return "#"
    elif text.startswith("//") or text.startswith("\\"):
        return "#"
    encoded = quote(text, safe="/:?#[]@!$&'*+,;=%~-._")
    # Parentheses and quotes end Markdown link targets and HTML attributes.
    return html.escape(encoded.replace("(", "%28").replace(")", "%29"), quote=True)


def trusted(value: object) -> Markup:
    """Markup the generator made itself (SVG charts, sanitised narrative): passed as is."""
    if not isinstance(value, Markup):
        raise TypeError("only generator-made Markup may be passed through unescaped")
    return value


FILTERS = {"md": md, "cell": cell, "attr": attr, "url": url, "trusted": trusted}
"""The filters a template may end an expression with."""
