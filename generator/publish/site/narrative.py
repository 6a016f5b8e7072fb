"""A case's Markdown body, rendered to HTML and sanitised before it reaches the site.

Analysts may use the Markdown they need (headings, lists, tables, links,
emphasis, footnotes). Raw HTML passes an allow-list (nh3): no script, style,
iframe, object, form, image or event handler survives, and links are limited
to http, https, mailto and relative targets. The narrative is rendered here
rather than by mkdocs so that no build-time hook is needed for safety.
"""

from __future__ import annotations

import functools
import re

import markdown
import nh3
from markupsafe import Markup

from generator.records.markup import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    CITATION,
    DROPPED_WITH_CONTENT,
    URL_SCHEMES,
)

_FOOTNOTE_ID = "fn-"
# A citation is found in the Markdown, where the validator finds it, and marked
# with characters from the private use area that Markdown and the sanitiser pass
# through; after sanitising, each mark becomes a link, or plain `[S1]` inside a tag.
_MARK = re.compile("\ue000(S[0-9]+)\ue001")
_HTML_TAG = re.compile(r"""<(?:[^>"']|"[^"]*"|'[^']*')*>""")


@functools.cache
def _markdown() -> markdown.Markdown:
    # Made once and reset before each narrative: making one costs more than most
    # narratives take to render (a third of the site's generation time at 2,000
    # cases), and reset() clears all the state one narrative leaves (footnotes,
    # references, stashed HTML).
    return markdown.Markdown(
        extensions=["tables", "footnotes", "fenced_code", "sane_lists"],
        extension_configs={"footnotes": {"UNIQUE_IDS": False}},
        output_format="html",
    )


def render_narrative(body: str) -> Markup:
    """Markdown body -> sanitised HTML, with citations [S1] linked to the sources table."""
    marked = CITATION.sub(lambda m: f"\ue000{m.group(1)}\ue001", body)
    raw = _markdown().reset().convert(marked)
    clean = nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        id_prefix=_FOOTNOTE_ID,
        strip_comments=True,
    )
    # Footnote ids were prefixed by the sanitiser; point their links at the new ids.
    clean = clean.replace('href="#fn:', f'href="#{_FOOTNOTE_ID}fn:').replace(
        'href="#fnref:', f'href="#{_FOOTNOTE_ID}fnref:')
    return Markup(_link_citations(clean))


def _cite(match: re.Match[str]) -> str:
    key = match.group(1)
    return f'<a class="cb-cite" href="#source-{key.lower()}">[{key}]</a>'


def _link_citations(html: str) -> str:
    """Each citation mark as a link to the sources table; inside a tag, as plain text."""
    out: list[str] = []
    end = 0
    for tag in _HTML_TAG.finditer(html):
        out += (_MARK.sub(_cite, html[end:tag.start()]), _MARK.sub(r"[\1]", tag.group(0)))
        end = tag.end()
    out.append(_MARK.sub(_cite, html[end:]))
    return "".join(out)
