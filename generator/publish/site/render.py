"""Render pages from the Jinja2 templates in `templates/site/`."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import jinja2

from generator import templating
from generator.escape import FILTERS
from generator.publish.site.pages import Page, safe_title


@functools.lru_cache(maxsize=4)
def environment(templates: Path) -> jinja2.Environment:
    """Templates write Markdown, so autoescape is off and every expression ends with an
    escaping filter from `generator.escape`; undefined names are errors.

    One per folder and process: Jinja compiles each template once and compiles it
    again when its file changes (`auto_reload`), so a watching server that builds
    again does not pay for compiling every template each time."""
    return templating.environment(templates, FILTERS)


def front_matter(page: Page) -> str:
    # JSON strings are valid YAML scalars, so the title can never break out.
    lines = ["---", f"title: {json.dumps(safe_title(page.title), ensure_ascii=False)}"]
    if not page.search:
        # Listings: found through their cases, and wide, so without the page outline.
        lines += ["search:", "  exclude: true", "hide:", "  - toc"]
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def render_page(env: jinja2.Environment, page: Page) -> bytes:
    """The page's Markdown file, front matter and body."""
    text = front_matter(page) + env.get_template(page.template).render(page=page.context)
    return text.encode("utf-8")
