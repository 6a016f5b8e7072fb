"""Settings checked against the schema: what `mkdocs.yml` names must exist in a case.

The settings are read before any record (`generator.config` knows no schema),
so what they say about fields is checked here, with the cases, and reported as
diagnostics (CB901) against `mkdocs.yml` with the line where the name is written.
"""

from __future__ import annotations

import re

from generator.config import Config
from generator.records.diagnostics import Diagnostic, diagnostic
from generator.records.schema import removable_field


def check_settings(config: Config) -> list[Diagnostic]:
    """Every `restricted_fields` entry of every profile that is not a removable field."""
    problems: list[tuple[str, str, str]] = []
    for name, settings in config.settings.profiles.items():
        for dotted in settings.restricted_fields:
            problem = removable_field(dotted)
            if problem:
                problems.append((name, dotted, problem))
    if not problems:
        return []
    source = config.source
    text = source.read_text(encoding="utf-8") if source is not None else ""
    path = config.relative(source) if source is not None else "mkdocs.yml"
    return [diagnostic(path, *_position(text, name, dotted), "CB901",
                       f"plugins.casebook.profiles.{name}.restricted_fields: {problem}")
            for name, dotted, problem in problems]


def _position(text: str, profile: str, dotted: str) -> tuple[int, int]:
    """Line and column where `dotted` is written in the profile's restricted_fields,
    else 1:1 (the settings were read by a YAML loader that keeps no positions)."""
    start = text.find("restricted_fields", max(text.find(f"{profile}:"), 0))
    found = re.compile(rf"(?<![\w.]){re.escape(dotted)}(?![\w.])").search(text, max(start, 0))
    if start < 0 or found is None:
        return 1, 1
    offset = found.start()
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
