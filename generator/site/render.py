"""Render pages from the Jinja2 templates in `templates/site/`."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from generator.site.escape import FILTERS
from generator.site.pages import Page, safe_title


def environment(templates: Path) -> jinja2.Environment:
    """Templates write Markdown, so autoescape is off and every expression ends with an
    escaping filter from `generator.site.escape`; undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def front_matter(page: Page) -> str:
    # JSON strings are valid YAML scalars, so the title can never break out.
    lines = ["---", f"title: {json.dumps(safe_title(page.title), ensure_ascii=False)}"]
    if not page.search:
        # Listings: found through their cases, and wide, so without the page outline.
        lines += ["search:", "  exclude: true", "hide:", "  - toc"]
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def render_page(env: jinja2.Environment, page: Page) -> str:
    return front_matter(page) + env.get_template(page.template).render(page=page.context)
