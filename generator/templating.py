"""The one Jinja2 setup for every template casebook renders (site pages, new cases).

Templates write Markdown and YAML, never HTML, so autoescape is off and each
caller names the filters its templates escape values with; an undefined name
is an error rather than an empty string; block tags leave no blank lines and
the file's last newline is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import jinja2

Filter = Callable[..., str]


def environment(folder: Path, filters: Mapping[str, Filter]) -> jinja2.Environment:
    """An environment that loads templates from `folder` and knows `filters`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters)
    return env
