"""Read case files into records and diagnostics; never raise for bad input.

`load_file` reads one file through every check it can pass (bytes, front
matter, schema) and returns what it found, as a record that carries its
problems and never changes; `load_corpus` does that for every case file of the
cases folder, so one bad file never hides the others.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.config import Config
from generator.records.diagnostics import Diagnostic, diagnostic
from generator.records.fields import field_at
from generator.records.frontmatter import FrontMatter, Path_, StrictYAMLHandler, compose
from generator.records.schema import COUNT_UNION_TAGS, Case, describe_value

_HANDLER = StrictYAMLHandler()
SKIPPED_NAMES = frozenset({"README.md"})


@dataclass(frozen=True, slots=True)
class CaseFile:
    """One case file as read: its record when the schema accepted it, where things
    are, and the problems found while reading it (later checks return their own)."""

    path: Path
    rel: str
    case: Case | None = None
    data: Any = None
    front_matter: FrontMatter | None = None
    body: str = ""
    body_line: int = 1
    diagnostics: tuple[Diagnostic, ...] = ()

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

    def problem(self, path: Path_, code: str, message: str) -> Diagnostic:
        """The diagnostic `code` about the value at `path` of this file."""
        line, column = self.at(path)
        return diagnostic(self.rel, line, column, code, message)

    def adding(self, problems: Iterable[Diagnostic]) -> CaseFile:
        """A copy of this record that also carries `problems` (for a file checked on
        its own, as `casebook fmt` does)."""
        return replace(self, diagnostics=(*self.diagnostics, *problems))


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

    def fail(message: str) -> CaseFile:
        return record.adding([diagnostic(record.rel, 1, 1, "CB100", message)])

    if path.is_symlink() and not path.resolve().is_relative_to(config.root.resolve()):
        return fail("the file is a symbolic link to a place outside the repository; case "
                    "files must live in the repository")
    try:
        raw = path.read_bytes()
    except OSError as err:
        return fail(f"the file cannot be read: {err.strerror}")
    return load_bytes(raw, record, config)


def load_bytes(raw: bytes, record: CaseFile, config: Config) -> CaseFile:
    """Read a case file's bytes as the file `record` names (also versions read from
    git): a new record, with `record`'s problems and those found in the bytes."""
    found: list[Diagnostic] = []
    read = _read_bytes(raw, record, config, found)
    return read.adding(found) if found else read


def _read_bytes(raw: bytes, record: CaseFile, config: Config,
                found: list[Diagnostic]) -> CaseFile:
    """The record read from `raw` so far, adding each problem to `found`."""

    def fail(line: int, column: int, code: str, message: str) -> CaseFile:
        found.append(diagnostic(record.rel, line, column, code, message))
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
    front_matter, problems = compose(parts.front_matter, record.rel, parts.first_line,
                                     max_depth=config.settings.max_depth)
    record = replace(record, body=parts.body, body_line=parts.body_line,
                     front_matter=front_matter, data=front_matter.data)
    found.extend(problems)
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
        found.append(record.problem(path, "CB211",
                                    f"{dotted(path)} still holds the placeholder '{value}'"))
        front_matter.refused.add(path)
    try:
        case = Case.model_validate(front_matter.data)
    except ValidationError as err:
        found.extend(_schema_problem(record, error) for error in err.errors(include_url=False)
                     if not front_matter.is_refused(_clean_loc(tuple(error["loc"]))))
        return record
    # A record read from data the loader had to guess at (a duplicate key, an alias)
    # keeps its diagnostics, and is not trusted.
    return record if problems else replace(record, case=case)


def case_files(config: Config, paths: Iterable[Path] = ()) -> list[Path]:
    """The case files to read: every `*.md` under the cases folder, plus `paths`."""
    # Strings until the end: a watching server lists thousands of files before every
    # rebuild. abspath, not resolve: a symbolic link must stay visible as one (see
    # load_file).
    found: set[str] = set()
    cases_dir = config.cases_dir
    if cases_dir.is_dir():
        for folder, _, names in os.walk(cases_dir):
            base = os.path.abspath(folder)  # noqa: PTH100
            found.update(os.path.join(base, name) for name in names  # noqa: PTH118
                         if name.endswith(".md") and name not in SKIPPED_NAMES)
    for path in paths:
        if path.is_dir():
            found.update(os.path.abspath(p) for p in path.rglob("*.md")  # noqa: PTH100
                         if p.name not in SKIPPED_NAMES)
        else:
            found.add(os.path.abspath(path))  # noqa: PTH100
    return [Path(p) for p in sorted(found, key=lambda p: p.replace(os.sep, "/"))]


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


def _schema_problem(record: CaseFile, error: Any) -> Diagnostic:
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
        return diagnostic(record.rel, line, column, "CB201", f"unknown key '{name}'{hint}")
    if kind == "missing":
        parent = dotted(loc[:-1])
        where = f" in {parent}" if parent else ""
        return record.problem(loc, "CB202", f"missing required key '{loc[-1]}'{where}")
    if kind == "too_short":
        return record.problem(loc, "CB202", f"{name} needs at least one entry")
    if kind in _CUSTOM_CODES:
        got = f", got {describe_value(value)}{_number_hint(value)}" \
            if kind == "cb_wrong_type" else ""
        return record.problem(loc, _CUSTOM_CODES[kind], f"{name}: {error['msg']}{got}")
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        choices = [c.strip().strip("'") for c in
                   expected.replace(" or ", ", ").split(", ") if c.strip()]
        hint = _suggest(str(value), choices) if isinstance(value, str) else ""
        shown = f"'{value}'" if isinstance(value, str) else describe_value(value)
        return record.problem(loc, "CB205",
                              f"{name}: {shown} is not allowed{hint}; choose one of: "
                              f"{', '.join(choices)}")
    if kind in _TYPE_WORDS:
        hint = ""
        if kind == "string_type" and isinstance(value, int | float | bool):
            hint = "; put it in quotes to keep it as text"
        elif kind in ("int_type", "float_type"):
            hint = _number_hint(value)
        return record.problem(loc, "CB203", f"{name}: expected {_TYPE_WORDS[kind]}, "
                                            f"got {describe_value(value)}{hint}")
    if kind == "string_too_short":
        return record.problem(loc, "CB203", f"{name} must not be empty")
    if kind == "string_too_long":
        limit = error.get("ctx", {}).get("max_length")
        return record.problem(loc, "CB208",
                              f"{name} is {len(value)} characters long; the limit is {limit}")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return record.problem(loc, "CB208", f"{name}: {error['msg'].lower()}")
    return record.problem(loc, "CB203", f"{name}: {error['msg']}")
