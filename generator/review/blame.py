"""Who last set each front matter value: `git blame --porcelain` mapped onto YAML keys.

`git blame` has no multi-file form, so this runs on demand for one case (the
`casebook blame` command), never for every case in a build. Commits listed in
`.git-blame-ignore-revs` (a mass reformat by `casebook fmt`) are passed over,
as git and the big repository hosts do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.records.frontmatter import FrontMatter, Path_, StrictYAMLHandler, compose
from generator.records.loader import dotted
from generator.repository.git import Repository

IGNORE_REVS = ".git-blame-ignore-revs"
UNCOMMITTED = "0" * 40


@dataclass(frozen=True, slots=True)
class LineOrigin:
    hash: str
    author: str
    email: str
    date: dt.datetime
    subject: str

    @property
    def committed(self) -> bool:
        return self.hash != UNCOMMITTED


@dataclass(frozen=True, slots=True)
class FieldBlame:
    field: str
    value: Any
    line: int
    origin: LineOrigin


def parse_porcelain(text: str) -> dict[int, LineOrigin]:
    """Line number (from 1) -> the commit that last changed it."""
    commits: dict[str, dict[str, str]] = {}
    lines: dict[int, LineOrigin] = {}
    current: str | None = None
    final_line = 0
    for raw in text.splitlines():
        if raw.startswith("\t"):
            if current is not None:
                info = commits[current]
                stamp = int(info.get("author-time", "0"))
                offset = info.get("author-tz", "+0000")
                sign = -1 if offset.startswith("-") else 1
                tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]),
                                                     minutes=int(offset[3:5])))
                lines[final_line] = LineOrigin(
                    current, info.get("author", ""), info.get("author-mail", "").strip("<>"),
                    dt.datetime.fromtimestamp(stamp, tz), info.get("summary", ""))
            continue
        head, _, rest = raw.partition(" ")
        if len(head) == 40 and all(c in "0123456789abcdef" for c in head):
            current = head
            final_line = int(rest.split()[1])
            commits.setdefault(current, {})
        elif current is not None:
            commits[current][head] = rest
    return lines


def _leaves(fm: FrontMatter, value: Any, path: Path_) -> list[tuple[Path_, Any]]:
    """The values people edit one at a time: scalars, lists of scalars, and mappings
    written on one line (`killed: {min: 3, max: 7}`)."""
    if isinstance(value, dict) and value and not _one_line(fm, value, path):
        return [leaf for key, item in value.items()
                for leaf in _leaves(fm, item, (*path, key))]
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return [leaf for i, item in enumerate(value)
                for leaf in _leaves(fm, item, (*path, i))]
    return [(path, value)]


def _one_line(fm: FrontMatter, value: dict[str, Any], path: Path_) -> bool:
    line = fm.values.get(path, (0, 0))[0]
    return all(not isinstance(v, dict | list) and fm.values.get((*path, k), (-1, 0))[0] == line
               for k, v in value.items())


def blame_fields(text: str, origins: dict[int, LineOrigin]) -> list[FieldBlame]:
    """Every leaf of the front matter, with the origin of the line its value starts on."""
    parts = StrictYAMLHandler().split_file(text.removeprefix("\ufeff"))
    if parts is None:
        return []
    fm, _ = compose(parts.front_matter, "", parts.first_line)
    result = []
    for path, value in _leaves(fm, fm.data, ()):
        line, _ = fm.values.get(path) or fm.position(path)
        origin = origins.get(line)
        if origin is not None:
            result.append(FieldBlame(dotted(path), value, line, origin))
    return result


def blame_file(path: Path) -> list[FieldBlame]:
    """Blame the working-tree version of one case file. Raises `GitError`."""
    with Repository.open(path.parent) as repo:
        top = repo.working_tree or Path()
        ignore = top / IGNORE_REVS
        rel = path.resolve().relative_to(top.resolve()).as_posix()
        porcelain = repo.blame(rel, ignore_revs=ignore if ignore.is_file() else None)
    return blame_fields(path.read_text(encoding="utf-8"), parse_porcelain(porcelain))
