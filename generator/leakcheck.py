"""Prove that a built site holds nothing its profile removed.

Leaving things out is not enough without proof: after every build, each file
the build wrote (HTML, the search index, the sitemap, exports, feeds, JSON) is
read as a reader's tools would read it (HTML entities and JSON escapes decoded,
gzip opened) and searched for every removed value, case-insensitively and as a
whole word. A single hit fails the build, naming the file and the value.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.profiles import Removed

TEXT_SUFFIXES = frozenset({".html", ".htm", ".json", ".xml", ".csv", ".geojson", ".txt",
                           ".js", ".md", ".svg", ".gz"})
# The theme's own files are the same for every build and hold no case data.
SKIPPED_FOLDERS = ("assets/javascripts/", "assets/stylesheets/", "assets/images/")


@dataclass(frozen=True, slots=True)
class Leak:
    path: str
    value: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: contains {self.what}: {self.value!r}"


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def readable_text(path: Path) -> str:
    """The file's text as a reader would see it, with every encoding layer removed."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", errors="replace")
    layers = [text, html.unescape(text)]
    if path.suffix in (".json", ".geojson"):
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        if decoded is not None:
            layers.extend(html.unescape(s) for s in _strings(decoded))
    return "\n".join(layers)


def _pattern(values: list[str]) -> re.Pattern[str]:
    # One alternation for every value, longest first; whole words only, so that a
    # removed handle 'ana' does not match 'analysis'.
    alternatives = "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
    return re.compile(r"(?<![\w@.-])(?:" + alternatives + r")(?![\w@-])", re.IGNORECASE)


def scan(site_dir: Path, removed: Removed) -> list[Leak]:
    """Every removed value found in the files under `site_dir`, once per file."""
    if not removed.values:
        return []
    pattern = _pattern(list(removed.values))
    by_folded = {value.casefold(): (value, what) for value, what in removed.values.items()}
    leaks: list[Leak] = []
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES or rel.startswith(
                SKIPPED_FOLDERS):
            continue
        found: dict[str, Leak] = {}
        for match in pattern.finditer(readable_text(path)):
            text = match.group(0)
            value, what = by_folded.get(text.casefold(), (text, "a removed value"))
            found.setdefault(value, Leak(rel, value, what))
        leaks.extend(found[v] for v in sorted(found))
    return leaks
