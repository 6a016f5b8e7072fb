"""Rewrite a case file's front matter in canonical form (`casebook fmt`).

The canonical form, so that a diff shows changed values and never re-indented ones:

- keys in the schema's order (`Case.model_fields`, and each nested record's own
  order); every key the writer wrote is kept, including an explicit `null`;
- block style for every mapping and every list, one key or item per line,
  two-space indents, list dashes indented by two under their key
  (`  - stage: intake`); an empty list is `[]`, an empty mapping `{}`;
- one exception: a casualty count known as a range is written inline,
  `{min: 3, max: 7}`;
- dates as YYYY-MM-DD, unquoted; `incident.date` likewise when it is a full date;
- text unquoted unless a YAML reader could take it for something else or could
  not read it plainly; then in double quotes, as a JSON string (`avoidable: "yes"`,
  `country: "NO"`, `admin2: "0123"`, `date: "2023"` for a bare year, `"12:30"`,
  `"TODO: fill"`). "A YAML reader" means YAML 1.1 (PyYAML, and the spec's y/n),
  YAML 1.2 (core schema) and casebook's own reader;
- text with line breaks as a literal block (`|`, `|-` or `|+`) when it can be
  written as one, else in double quotes; `null`, `true`, `false` in lower case;
  numbers as Python writes them (a float always with a decimal point);
- comments are kept: a comment at the end of a line moves with the value on that
  line; a comment on a line of its own stays above the key or list item that
  followed it; comments above the first key stay at the top, comments after the
  last value at the bottom; each is re-indented to what it precedes and put two
  spaces after its value. Blank lines in the front matter are dropped;
- LF line endings, unless the file's opening `---` line ends in CRLF: then CRLF
  for the front matter; a byte-order mark is dropped; no trailing whitespace.

The Markdown body after the closing `---` is kept byte for byte: it is cut with
`StrictYAMLHandler.split_file` and never re-serialised.

Only a file without errors is formatted: it is read by the loader and checked by
every per-case rule first. The new front matter is written by this module from
the validated record (so `NO`, `0123` and `on` come out exactly as casebook read
them), then read back; if the record or body read back differ in any way,
`FormatError` is raised and nothing is written. The comments are found with
libyaml's scalar positions, the same parser the loader uses: a `#` outside
every scalar, at a line start or after a blank, starts a comment. (ruamel.yaml's
round-trip emitter was tried: it ties a comment line to the value *before* it, so
reordering keys moved comments to the wrong key, and it picks quotes by YAML 1.2
only; writing the small canonical form here is simpler and exact.)

Writes are atomic: a temporary file in the same folder, flushed and fsynced, then
renamed over the case file with its permissions; an interrupted run leaves the
old file or the new one, never a truncated one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
import yaml.emitter
import yaml.resolver
from pydantic import BaseModel

from generator.checks.rules import Context, check_case
from generator.config import Config
from generator.files import write_atomic
from generator.records.diagnostics import Diagnostic, Severity
from generator.records.frontmatter import Path_, StrictYAMLHandler
from generator.records.loader import CaseFile, load_bytes, load_file
from generator.records.schema import Case, CountRange, FuzzyDate

__all__ = ["FormatError", "FormatResult", "case_text", "format_file", "format_text",
           "needs_quotes", "scalar_text", "write_atomic"]

_HANDLER = StrictYAMLHandler()

try:
    _Parser: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader


class FormatError(RuntimeError):
    """The formatted text would not read back as the same record: a bug in fmt.

    Raised instead of writing anything; never raised for a bad case file (those
    come back as diagnostics)."""


@dataclass(frozen=True)
class FormatResult:
    """What `format_file` did to one file."""

    path: Path
    changed: bool
    """The file was rewritten (with `check=True`: it would have been)."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """The file's problems when it has errors; then it was left untouched."""


# --------------------------------------------------------------------------
# Scalars.

_STR_TAG = "tag:yaml.org,2002:str"
_YAML11 = yaml.resolver.Resolver()
_YAML11_SPEC_BOOLS = frozenset({"y", "Y", "n", "N"})
"""Booleans in the YAML 1.1 specification that PyYAML does not resolve."""
_YAML12_CORE = re.compile(r"""
    ~ | null | Null | NULL
  | true | True | TRUE | false | False | FALSE
  | [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
  | [-+]?(?: \.[0-9]+ | [0-9]+(?:\.[0-9]*)? )(?:[eE][-+]?[0-9]+)?
  | [-+]?\.(?:inf|Inf|INF) | \.(?:nan|NaN|NAN)
""", re.VERBOSE)
"""Plain scalars that the YAML 1.2 core schema reads as null, a boolean or a number.
It includes everything casebook's own reader resolves (see generator.records.frontmatter)."""
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MUST_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
"""Characters that JSON leaves alone but YAML would read as a line break or refuses."""
_ODD_BREAKS = re.compile("[\r\x85\u2028\u2029]")


class _Analyzer(yaml.emitter.Emitter):
    """PyYAML's own judgement of which styles can write a string (nothing is emitted)."""

    def __init__(self) -> None:  # no stream: only analyze_scalar is used
        self.allow_unicode = True


_ANALYZER = _Analyzer()


@lru_cache(maxsize=16384)
def needs_quotes(text: str) -> bool:
    """Whether `text` must be quoted so that every YAML reader reads it as this text."""
    analysis = _ANALYZER.analyze_scalar(text)
    if analysis.empty or analysis.multiline or not analysis.allow_block_plain:
        return True
    if _YAML11.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG:  # type: ignore[no-untyped-call]
        return True
    return text in _YAML11_SPEC_BOOLS or _YAML12_CORE.fullmatch(text) is not None


def _double_quoted(text: str) -> str:
    """A JSON string, which is also a YAML double-quoted scalar."""
    encoded = json.dumps(text, ensure_ascii=False)
    return _MUST_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def _float_text(value: float) -> str:
    text = repr(value)
    if not all(c in "0123456789.-+e" for c in text):
        raise FormatError(f"cannot write the number {text} in a case file")
    if "." not in text:  # 1e-05: every reader (casebook's too) needs the point
        mantissa, _, exponent = text.partition("e")
        text = f"{mantissa}.0" + (f"e{exponent}" if exponent else "")
    return text


def scalar_text(value: object) -> str:
    """A value as it is written on one line of canonical front matter."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)  # null, true, false: YAML 1.2 spells them as JSON does
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, dt.datetime):
        raise TypeError("a case file holds dates, not times")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, FuzzyDate):
        value = value.text
        if _ISO_DATE.fullmatch(value):
            return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, str):
        return _double_quoted(value) if needs_quotes(value) else value
    raise TypeError(f"cannot write {type(value).__name__} in front matter")


def _literal(text: str) -> tuple[str, list[str]] | None:
    """Text with line breaks as a literal block: its header and its lines, if it can be."""
    if "\n" not in text or text[0] in " \n" or _ODD_BREAKS.search(text):
        return None
    if not _ANALYZER.analyze_scalar(text).allow_block:
        return None
    if not text.endswith("\n"):
        return "|-", text.split("\n")
    if text.endswith("\n\n"):
        return "|+", text[:-1].split("\n")
    return "|", text[:-1].split("\n")


# --------------------------------------------------------------------------
# The front matter as a tree of what to write, built from the validated record.


@dataclass(slots=True)
class _Scalar:
    path: Path_
    text: str
    block: list[str] | None = None
    """The lines of a literal block scalar; `text` is then its header."""


@dataclass(slots=True)
class _Map:
    path: Path_
    entries: list[tuple[str, _Node]]
    flow: bool = False


@dataclass(slots=True)
class _Seq:
    path: Path_
    items: list[_Node]


_Node = _Scalar | _Map | _Seq


def _tree(value: object, path: Path_) -> _Node:
    if isinstance(value, BaseModel):
        written = value.model_fields_set
        entries = [(name, _tree(getattr(value, name), (*path, name)))
                   for name in type(value).model_fields if name in written]
        return _Map(path, entries, flow=isinstance(value, CountRange))
    if isinstance(value, list):
        return _Seq(path, [_tree(item, (*path, i)) for i, item in enumerate(value)])
    if isinstance(value, str) and not isinstance(value, enum.Enum):
        block = _literal(value)
        if block is not None:
            return _Scalar(path, block[0], block[1])
    return _Scalar(path, scalar_text(value))


def _children(node: _Node) -> list[_Node]:
    if isinstance(node, _Map):
        return [child for _, child in node.entries]
    if isinstance(node, _Seq):
        return list(node.items)
    return []


def _inline(node: _Node) -> str | None:
    """The node written on one line, or None when it is written as a block."""
    if isinstance(node, _Scalar):
        return node.text if node.block is None else None
    if isinstance(node, _Map):
        if not node.entries:
            return "{}"
        if node.flow:
            parts = [f"{key}: {_inline(child)}" for key, child in node.entries]
            return "{" + ", ".join(parts) + "}"
        return None
    return "[]" if not node.items else None


# --------------------------------------------------------------------------
# Comments: where each one is, and what it belongs to.

Position = tuple[int, int]
"""(line, column), both from 0, within the front matter text."""


_Comment = tuple[int, str]
"""A comment's line in the front matter (to keep comments merged on one line in order)
and its text from `#`."""


@dataclass(slots=True)
class _Comments:
    header: list[_Comment] = field(default_factory=list)
    before: dict[Path_, list[_Comment]] = field(default_factory=dict)
    """Comment lines above a key or list item."""
    eol: dict[Path_, list[_Comment]] = field(default_factory=dict)
    """Comments at the end of the line of a key or value."""
    footer: list[_Comment] = field(default_factory=list)


@dataclass(slots=True)
class _Layout:
    spans: list[tuple[Position, Position]] = field(default_factory=list)
    """Start and end of every scalar: a `#` inside one is text, not a comment."""
    anchors: list[tuple[Position, int, Path_]] = field(default_factory=list)
    """Where each key, list item and scalar value starts: what a comment line precedes."""
    ends: list[tuple[Position, Path_]] = field(default_factory=list)
    """Where each key, scalar and flow collection ends: what an end-of-line comment follows."""


def _mark(mark: Any) -> Position:
    return (int(mark.line), int(mark.column))


def _layout(text: str) -> _Layout:
    layout = _Layout()
    parser = _Parser(text)

    def node(path: Path_) -> None:
        event = parser.get_event()
        if isinstance(event, yaml.ScalarEvent):
            start = _mark(event.start_mark)
            if event.style in ("|", ">"):  # the header line's rest can only be a comment
                start = (start[0] + 1, 0)
            layout.spans.append((start, _mark(event.end_mark)))
            layout.anchors.append((_mark(event.start_mark), len(path), path))
            layout.ends.append((_mark(event.end_mark), path))
            return
        if isinstance(event, yaml.SequenceStartEvent):
            index = 0
            while not parser.check_event(yaml.SequenceEndEvent):
                item = (*path, index)
                layout.anchors.append((_mark(parser.peek_event().start_mark), len(item), item))
                node(item)
                index += 1
        else:  # a mapping: the file was valid, so every key is plain text
            while not parser.check_event(yaml.MappingEndEvent):
                key = parser.get_event()
                child = (*path, str(key.value))
                layout.spans.append((_mark(key.start_mark), _mark(key.end_mark)))
                layout.anchors.append((_mark(key.start_mark), len(child), child))
                layout.ends.append((_mark(key.end_mark), child))
                node(child)
        end = parser.get_event()
        if event.flow_style:
            layout.ends.append((_mark(end.end_mark), path))

    try:
        parser.get_event()  # stream start
        if parser.check_event(yaml.DocumentStartEvent):
            parser.get_event()
            node(())
    finally:
        parser.dispose()
    layout.anchors.sort()
    return layout


def _covered(spans: list[tuple[Position, Position]]) -> dict[int, list[tuple[int, float]]]:
    """For each line, the column ranges that belong to scalars."""
    covered: dict[int, list[tuple[int, float]]] = {}
    for (start_line, start_col), (end_line, end_col) in spans:
        if start_line == end_line:
            covered.setdefault(start_line, []).append((start_col, end_col))
            continue
        covered.setdefault(start_line, []).append((start_col, float("inf")))
        for line in range(start_line + 1, end_line):
            covered.setdefault(line, []).append((0, float("inf")))
        covered.setdefault(end_line, []).append((0, end_col))
    return covered


def _comment_column(line: str, ranges: list[tuple[int, float]]) -> int | None:
    start = 0
    while (column := line.find("#", start)) >= 0:
        if (column == 0 or line[column - 1] in " \t") and not any(
                low <= column < high for low, high in ranges):
            return column
        start = column + 1
    return None


def _find_comments(text: str) -> _Comments:
    layout = _layout(text)
    covered = _covered(layout.spans)
    anchor_lines = [position[0] for position, _, _ in layout.anchors]
    ends_by_line: dict[int, list[tuple[int, Path_]]] = {}
    for (end_line, end_column), path in layout.ends:
        ends_by_line.setdefault(end_line, []).append((end_column, path))
    comments = _Comments()
    for number, line in enumerate(text.split("\n")):
        if "#" not in line:
            continue
        found = _comment_column(line, covered.get(number, []))
        if found is None:
            continue
        comment = (number, line[found:].rstrip())
        if line[:found].strip():
            before_it = [(end, path) for end, path in ends_by_line.get(number, ())
                         if end <= found]
            if before_it:
                _, path = max(before_it, key=lambda pair: pair[0])
                comments.eol.setdefault(path, []).append(comment)
                continue
        # A comment line (or one after a bare `-`): it belongs to what comes next.
        following = bisect_right(anchor_lines, number)
        if following == len(layout.anchors):
            comments.footer.append(comment)
        elif following == 0:  # above the first key: the front matter's own comments
            comments.header.append(comment)
        else:
            comments.before.setdefault(layout.anchors[following][2], []).append(comment)
    return comments


# --------------------------------------------------------------------------
# Writing.


class _Writer:
    def __init__(self, comments: _Comments) -> None:
        self.comments = comments
        self.lines: list[str] = []

    def document(self, root: _Map) -> list[str]:
        self.comment_lines(0, self.comments.header)
        for key, child in root.entries:
            self.entry(key, child, indent=0)
        # Nothing is ever dropped: a comment whose value was not written (there is
        # none in a valid file) ends up at the bottom.
        left = [c for table in (self.comments.before, self.comments.eol)
                for texts in table.values() for c in texts]
        self.comment_lines(0, self.comments.footer + left)
        return self.lines

    def own(self, node: _Node) -> tuple[list[_Comment], list[_Comment]]:
        return (self.comments.before.pop(node.path, []), self.comments.eol.pop(node.path, []))

    def subtree(self, node: _Node) -> tuple[list[_Comment], list[_Comment]]:
        """The comments of a node written on one line, and of everything inside it."""
        before, eol = self.own(node)
        for child in _children(node):
            inner_before, inner_eol = self.subtree(child)
            before += inner_before
            eol += inner_eol
        return before, eol

    def comment_lines(self, indent: int, comments: list[_Comment]) -> None:
        self.lines.extend(" " * indent + text for _, text in sorted(comments))

    def line(self, text: str, eol: list[_Comment]) -> None:
        if eol:
            text += "  " + " ".join(comment for _, comment in sorted(eol))
        self.lines.append(text)

    def block_lines(self, lines: list[str], indent: int) -> None:
        self.lines.extend(" " * indent + line if line else "" for line in lines)

    def entry(self, key: str, child: _Node, *, indent: int, lead: str | None = None,
              extra: tuple[list[_Comment], list[_Comment]] = ([], [])) -> None:
        """`key: value` at `indent`; `lead` ("  - ") replaces the indent of the first line,
        and the comments above then go above the dash."""
        text = _inline(child)
        before, eol = self.subtree(child) if text is not None else self.own(child)
        before, eol = extra[0] + before, extra[1] + eol
        comment_indent = indent if lead is None else len(lead) - 2
        self.comment_lines(comment_indent, before)
        head = f"{' ' * indent if lead is None else lead}{key}:"
        if text is not None:
            self.line(f"{head} {text}", eol)
        elif isinstance(child, _Scalar):
            self.line(f"{head} {child.text}", eol)
            self.block_lines(child.block or [], indent + 2)
        elif isinstance(child, _Map):
            self.line(head, eol)
            for inner_key, inner in child.entries:
                self.entry(inner_key, inner, indent=indent + 2)
        else:
            self.line(head, eol)
            self.sequence(child, indent + 2)

    def sequence(self, node: _Seq, dash: int) -> None:
        for item in node.items:
            if isinstance(item, _Map) and item.entries and not item.flow:
                own = self.own(item)
                (first_key, first), *rest = item.entries
                self.entry(first_key, first, indent=dash + 2, lead=" " * dash + "- ", extra=own)
                for key, child in rest:
                    self.entry(key, child, indent=dash + 2)
                continue
            text = _inline(item)
            before, eol = self.subtree(item) if text is not None else self.own(item)
            self.comment_lines(dash, before)
            if text is not None:
                self.line(f"{' ' * dash}- {text}", eol)
            elif isinstance(item, _Scalar):
                self.line(f"{' ' * dash}- {item.text}", eol)
                self.block_lines(item.block or [], dash + 2)
            else:  # pragma: no cover - no list in the schema holds lists
                raise FormatError(f"cannot write a list inside a list at {item.path}")


# --------------------------------------------------------------------------
# Files.


def _check(text: str, path: Path, rel: str, config: Config, today: dt.date | None) -> CaseFile:
    """The file read and checked as `casebook validate` checks a single file."""
    record = load_bytes(text.encode("utf-8", errors="surrogatepass"),
                        CaseFile(path=path, rel=rel), config)
    return record.adding(check_case(record, Context(config, today or dt.date.today())))


def _has_errors(record: CaseFile) -> bool:
    return record.case is None or any(
        d.severity is Severity.ERROR for d in record.diagnostics)


def _canonical(text: str, record: CaseFile) -> str:
    assert record.case is not None
    text = text.removeprefix("\ufeff")
    parts = _HANDLER.split_file(text)
    assert parts is not None, "the loader accepted a file without front matter"
    first_line = text[: text.find("\n") + 1]
    newline = "\r\n" if first_line.endswith("\r\n") else "\n"
    front_matter = parts.front_matter.replace("\r\n", "\n").replace("\r", "\n")
    root = _tree(record.case, ())
    assert isinstance(root, _Map)
    # No `#` at all (most files): no comment to look for.
    comments = _find_comments(front_matter) if "#" in front_matter else _Comments()
    # Every `#` is in a value or in a comment found: else a comment would be lost.
    placed = sum(c.count("#") for c in _all_comments(comments))
    if front_matter.count("#") > placed + _hashes(record.data):
        raise FormatError(f"{record.rel}: a comment in the front matter could not be placed; "
                          "the file is left as it is. This is a bug in casebook fmt: please "
                          "report it with the file.")
    lines = _Writer(comments).document(root)
    return "".join(["---", newline, *(line + newline for line in lines), "---", newline,
                    parts.body])


def case_text(case: Case, body: str) -> str:
    """A new case file in canonical form, written from its validated record: the
    keys it was given (`model_fields_set`), then `body` after the closing line."""
    root = _tree(case, ())
    assert isinstance(root, _Map)
    lines = _Writer(_Comments()).document(root)
    return "".join(["---\n", *(line + "\n" for line in lines), "---\n", body])


def _all_comments(comments: _Comments) -> list[str]:
    found = [*comments.header, *comments.footer]
    for table in (comments.before, comments.eol):
        for texts in table.values():
            found += texts
    return [text for _, text in found]


def _hashes(data: object) -> int:
    """How many `#` the values read from the front matter hold."""
    if isinstance(data, str):
        return data.count("#")
    if isinstance(data, dict):
        return sum(_hashes(value) for value in data.values())
    if isinstance(data, list):
        return sum(_hashes(value) for value in data)
    return 0


def _verify(record: CaseFile, formatted: str, config: Config) -> None:
    again = load_bytes(formatted.encode("utf-8"), CaseFile(path=record.path, rel=record.rel),
                       config)
    before, after = record.case, again.case
    assert before is not None
    problem = ""
    if after is None:
        problem = "; ".join(d.message for d in again.diagnostics) or "it does not load"
    elif again.body != record.body:
        problem = "the body differs"
    elif after.model_dump() != before.model_dump():
        problem = "the record differs"
    elif after.model_dump(exclude_unset=True) != before.model_dump(exclude_unset=True):
        problem = "the keys written differ"
    if problem:
        raise FormatError(f"{record.rel}: the formatted file would not read back the same "
                          f"({problem}); the file is left as it is. This is a bug in "
                          "casebook fmt: please report it with the file.")


def _format(text: str, path: Path, rel: str, config: Config,
            today: dt.date | None) -> tuple[str | None, list[Diagnostic]]:
    record = _check(text, path, rel, config, today)
    if _has_errors(record):
        return None, sorted(record.diagnostics, key=Diagnostic.sort_key)
    formatted = _canonical(text, record)
    if formatted != text:
        _verify(record, formatted, config)
    return formatted, []


def format_text(text: str, *, rel: str, config: Config,
                today: dt.date | None = None) -> tuple[str | None, list[Diagnostic]]:
    """The canonical text of the case file `rel` (relative to the root) whose text is
    `text`; or None and the file's diagnostics when it has errors.

    `today` is the date the rules check against (opened in the future...); by
    default, today.
    """
    return _format(text, config.root / rel, rel, config, today)


def format_file(path: Path, config: Config, *, check: bool = False,
                today: dt.date | None = None) -> FormatResult:
    """Put the case file at `path` in canonical form; with `check`, only say whether it
    would change. A file with errors is left untouched and its diagnostics returned."""
    rel = config.relative(path)
    text: str | None = None
    if not path.is_symlink() or path.resolve().is_relative_to(config.root.resolve()):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            raw = path.read_bytes()
            text = raw.decode("utf-8")
    if text is None:  # unreadable, not UTF-8, a link out of the repository: the loader says so
        problems = list(load_file(path, config).diagnostics)
        return FormatResult(path, False, sorted(problems, key=Diagnostic.sort_key))
    formatted, problems = _format(text, path, rel, config, today)
    if formatted is None:
        return FormatResult(path, False, problems)
    data = formatted.encode("utf-8")
    changed = data != raw
    if changed and not check:
        write_atomic(path, data)
    return FormatResult(path, changed, [])
