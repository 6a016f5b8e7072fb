"""Read case files into records and diagnostics; never raise for bad input.

`load_file` reads one file through every check it can pass (bytes, front
matter, schema) and returns what it found; `load_corpus` does that for every
case file of the cases folder, so one bad file never hides the others.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.config import Config
from generator.records.diagnostics import Diagnostic, diagnostic
from generator.records.fields import field_at, model_of
from generator.records.frontmatter import FrontMatter, Path_, StrictYAMLHandler, compose
from generator.records.schema import COUNT_UNION_TAGS, Case, describe_value

_HANDLER = StrictYAMLHandler()
SKIPPED_NAMES = frozenset({"README.md"})


@dataclass(slots=True)
class CaseFile:
    """One case file as read: its record when the schema accepted it, and where things are."""

    path: Path
    rel: str
    case: Case | None = None
    data: Any = None
    front_matter: FrontMatter | None = None
    body: str = ""
    body_line: int = 1
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def declared_id(self) -> str | None:
        """The id the file claims, even when the rest of its record is invalid."""
        if self.case is not None:
            return self.case.id
        if isinstance(self.data, dict) and isinstance(self.data.get("id"), str):
            return str(self.data["id"])
        return None

    def at(self, path: Path_) -> tuple[int, int]:
        """Line and column for a problem with the value at `path`."""
        if self.front_matter is None:
            return (1, 1)
        return self.front_matter.position(path)

    def report(self, path: Path_, code: str, message: str) -> None:
        line, column = self.at(path)
        self.diagnostics.append(diagnostic(self.rel, line, column, code, message))


def _bytes_problem(raw: bytes, limit: int) -> tuple[int, int, str] | None:
    if len(raw) > limit:
        return (1, 1, f"the file is {len(raw):,} bytes, over the limit of {limit:,} bytes "
                      "(max_file_bytes in mkdocs.yml)")
    nul = raw.find(b"\0")
    if nul >= 0:
        line, column = _byte_position(raw, nul)
        return (line, column, "the file contains a NUL byte: it looks like a binary file, "
                              "not Markdown")
    return None


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return (raw.count(b"\n", 0, offset) + 1, column)


def load_file(path: Path, config: Config) -> CaseFile:
    """Read one case file through every check that applies to it alone."""
    record = CaseFile(path=path, rel=config.relative(path))

    def fail(line: int, column: int, code: str, message: str) -> CaseFile:
        record.diagnostics.append(diagnostic(record.rel, line, column, code, message))
        return record

    if path.is_symlink() and not path.resolve().is_relative_to(config.root.resolve()):
        return fail(1, 1, "CB100", "the file is a symbolic link to a place outside the "
                                   "repository; case files must live in the repository")
    try:
        raw = path.read_bytes()
    except OSError as err:
        return fail(1, 1, "CB100", f"the file cannot be read: {err.strerror}")
    return load_bytes(raw, record, config)


def load_bytes(raw: bytes, record: CaseFile, config: Config) -> CaseFile:
    """Read a case file's bytes into `record` (also for versions read from git)."""

    def fail(line: int, column: int, code: str, message: str) -> CaseFile:
        record.diagnostics.append(diagnostic(record.rel, line, column, code, message))
        return record

    problem = _bytes_problem(raw, config.settings.max_file_bytes)
    if problem:
        return fail(problem[0], problem[1], "CB100", problem[2])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line, column = _byte_position(raw, err.start)
        return fail(line, column, "CB100",
                    f"the file is not valid UTF-8 (byte 0x{raw[err.start]:02x}); save it "
                    "as UTF-8")
    text = text.removeprefix("\ufeff")

    parts = _HANDLER.split_file(text)
    if parts is None:
        if text.startswith("---"):
            return fail(1, 1, "CB104", "the front matter is not closed: add a line `---` "
                                       "after the last key")
        return fail(1, 1, "CB104", "the file must start with a line `---`, then the front "
                                   "matter, then another `---`")
    record.body, record.body_line = parts.body, parts.body_line
    front_matter, problems = compose(parts.front_matter, record.rel, parts.first_line,
                                     max_depth=config.settings.max_depth)
    record.front_matter = front_matter
    record.data = front_matter.data
    record.diagnostics.extend(problems)
    if problems and (front_matter.data is None
                     or any(p.code == "CB102" for p in problems)):
        return record
    if not isinstance(front_matter.data, dict):
        what = "empty" if front_matter.data is None else "not a mapping of keys to values"
        return fail(parts.first_line - 1, 1, "CB105", f"the front matter is {what}")
    # A placeholder left by `casebook new` says what to fill in: report it as such,
    # and not again as whatever the schema would make of the word TODO.
    for path in front_matter.placeholders:
        value = record.data
        for part in path:
            value = value[part]
        record.report(path, "CB211", f"{dotted(path)} still holds the placeholder '{value}'")
        front_matter.refused.add(path)
    try:
        record.case = Case.model_validate(front_matter.data)
    except ValidationError as err:
        for error in err.errors(include_url=False):
            if not front_matter.is_refused(_clean_loc(tuple(error["loc"]))):
                _report_schema_error(record, error)
    if problems:
        # The record was read, but from data the loader had to guess at (a duplicate
        # key, an alias): keep the diagnostics, and do not trust the record.
        record.case = None
    return record


def case_files(config: Config, paths: Iterable[Path] = ()) -> list[Path]:
    """The case files to read: every `*.md` under the cases folder, plus `paths`."""
    found: set[Path] = set()
    cases_dir = config.cases_dir
    if cases_dir.is_dir():
        for folder, _, names in os.walk(cases_dir):
            for name in names:
                if name.endswith(".md") and name not in SKIPPED_NAMES:
                    found.add(Path(folder) / name)
    for path in paths:
        if path.is_dir():
            found.update(p for p in path.rglob("*.md") if p.name not in SKIPPED_NAMES)
        else:
            found.add(path)
    # abspath, not resolve: a symbolic link must stay visible as one (see load_file).
    unique = {Path(os.path.abspath(p)) for p in found}  # noqa: PTH100
    return sorted(unique, key=lambda p: p.as_posix())


def load_files(paths: Iterable[Path], config: Config,
               cache: LoadCache | None = None) -> Iterator[CaseFile]:
    for path in paths:
        yield cache.load(path, config) if cache is not None else load_file(path, config)


class LoadCache:
    """Files read before, reused while they are unchanged on disk.

    For a process that reads the same cases again and again (`mkdocs serve`
    rebuilding after each save): a file whose size, modification time and inode
    are as they were is not read again. Each use gets its own copy of the
    record's problems, since later checks add to them.
    """

    def __init__(self) -> None:
        self.entries: dict[Path, tuple[tuple[int, int, int], CaseFile, tuple[Diagnostic, ...]]] = {}
        self.checked: dict[Path, tuple[CaseFile, object, tuple[Diagnostic, ...]]] = {}

    def check(self, record: CaseFile, day: object, run: Callable[[], None]) -> None:
        """Run the per-case rules on `record` (`run`), or give it the problems they found
        in the same file on the same `day` (some rules compare dates with today)."""
        entry = self.entries.get(record.path)
        done = self.checked.get(record.path)
        if entry is not None and done is not None and done[0] is entry[1] and done[1] == day:
            record.diagnostics[:] = done[2]
            return
        run()
        if entry is not None:
            self.checked[record.path] = (entry[1], day, tuple(record.diagnostics))

    def load(self, path: Path, config: Config) -> CaseFile:
        try:
            stat = path.lstat()
        except OSError:
            return load_file(path, config)
        if not path.is_file() or path.is_symlink():
            return load_file(path, config)  # the reader says what is wrong, every time
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        hit = self.entries.get(path)
        if hit is None or hit[0] != key:
            record = load_file(path, config)
            hit = (key, record, tuple(record.diagnostics))
            self.entries[path] = hit
        return replace(hit[1], diagnostics=list(hit[2]))


# --------------------------------------------------------------------------
# Schema errors, in words an analyst can act on.

_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "bool_type": "true or false",
}
_CUSTOM_CODES = {"cb_bad_date": "CB206", "cb_bad_format": "CB207", "cb_bad_range": "CB208",
                 "cb_wrong_type": "CB203"}


def _clean_loc(loc: tuple[Any, ...]) -> Path_:
    return tuple(p for p in loc if not (isinstance(p, str) and p in COUNT_UNION_TAGS))


def dotted(path: Path_) -> str:
    """`('sources', 0, 'url')` as `sources[0].url`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _model_at(path: Path_) -> type[BaseModel] | None:
    """The schema record that holds the keys at `path`, for 'did you mean' hints."""
    names = ".".join(p for p in path if isinstance(p, str))
    if not names:
        return Case
    found = field_at(names)
    return found.holds if found is not None else None


_find_model = model_of
"""The record an annotation holds (the schema's one walker; kept for the formatter's tests)."""


def _suggest(word: str, choices: Iterable[str]) -> str:
    options = list(choices)
    same_letters = [c for c in options if c.lower() == word.lower()]
    close = same_letters or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+")
_NUMBER_TEXT = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")


def _number_hint(value: object) -> str:
    """Why text that looks like a number was not read as one."""
    if not isinstance(value, str):
        return ""
    if _LEADING_ZERO.fullmatch(value):
        return f", which has a leading zero: write {int(value)}"
    if _NUMBER_TEXT.fullmatch(value):
        return "; write the number without quotes"
    return ""


def _report_schema_error(record: CaseFile, error: Any) -> None:
    loc = _clean_loc(tuple(error["loc"]))
    kind: str = error["type"]
    name = dotted(loc) or "front matter"
    value = error.get("input")
    fm = record.front_matter
    assert fm is not None

    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(loc[:-1])
        hint = _suggest(key, model.model_fields) if model else ""
        line, column = fm.key_position(loc)
        record.diagnostics.append(diagnostic(
            record.rel, line, column, "CB201", f"unknown key '{name}'{hint}"))
        return
    if kind == "missing":
        parent = dotted(loc[:-1])
        where = f" in {parent}" if parent else ""
        record.report(loc, "CB202", f"missing required key '{loc[-1]}'{where}")
        return
    if kind == "too_short":
        record.report(loc, "CB202", f"{name} needs at least one entry")
        return
    if kind in _CUSTOM_CODES:
        got = f", got {describe_value(value)}{_number_hint(value)}" \
            if kind == "cb_wrong_type" else ""
        record.report(loc, _CUSTOM_CODES[kind], f"{name}: {error['msg']}{got}")
        return
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip().strip("'") for c in
                   expected.replace(" or ", ", ").split(", ") if c.strip()]
        hint = _suggest(str(value), choices) if isinstance(value, str) else ""
        shown = f"'{value}'" if isinstance(value, str) else describe_value(value)
        record.report(loc, "CB205",
                      f"{name}: {shown} is not allowed{hint}; choose one of: "
                      f"{', '.join(choices)}")
        return
    if kind in _TYPE_WORDS:
        hint = ""
        if kind == "string_type" and isinstance(value, int | float | bool):
            hint = "; put it in quotes to keep it as text"
        elif kind in ("int_type", "float_type"):
            hint = _number_hint(value)
        record.report(loc, "CB203",
                      f"{name}: expected {_TYPE_WORDS[kind]}, got {describe_value(value)}{hint}")
        return
    if kind == "string_too_short":
        record.report(loc, "CB203", f"{name} must not be empty")
        return
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        record.report(loc, "CB208",
                      f"{name} is {len(value)} characters long; the limit is {limit}")
        return
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        record.report(loc, "CB208", f"{name}: {error['msg'].lower()}")
        return
    record.report(loc, "CB203", f"{name}: {error['msg']}")
