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
    DROPPED_WITH_CONTENT,
    URL_SCHEMES,
)

_CITATION = re.compile(r"\[(S[0-9]+)\]")
_FOOTNOTE_ID = "fn-"


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
    raw = _markdown().reset().convert(body)
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
    linked = _CITATION.sub(
        lambda m: f'<a class="cb-cite" href="#source-{m.group(1).lower()}">[{m.group(1)}]</a>',
        clean)
    return Markup(linked)
