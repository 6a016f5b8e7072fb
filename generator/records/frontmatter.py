"""Split a case file and read its front matter strictly, keeping every position.

Front matter is typed by hand, so this reader is stricter than YAML's defaults:
duplicate keys, anchors, aliases and explicit tags are refused; plain scalars
are resolved by a small set of rules of our own (only `true`/`false` are
booleans, only decimal numbers without leading zeros are numbers, dates stay
text for the schema to check), so `NO`, `on`, `0123` and `12:30` reach the
schema exactly as written. libyaml does the parsing; we compose the events
ourselves so that every key and value keeps its line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from generator.records.diagnostics import Diagnostic, diagnostic

Path_ = tuple[str | int, ...]
"""Where a value sits in the front matter: keys and list indexes from the top."""

_BOUNDARY = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)

_SCALAR = yaml.ScalarEvent
PLACEHOLDER_PREFIX = "TODO"
"""How a front matter value that `casebook new` leaves for the writer starts."""
BODY_PLACEHOLDER = f"[{PLACEHOLDER_PREFIX}]"
"""How `casebook new` marks each passage of the body the writer must replace. The
brackets set the template's own placeholders apart from the word TODO in a
narrative; the template writes this value, and the validator looks for it."""
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

try:
    _Parser: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = yaml.SafeLoader


@dataclass(slots=True)
class FrontMatter:
    """The parsed front matter of one file, with where each part was written."""

    data: Any
    first_line: int
    """Line of the file on which the front matter's first line stands."""
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """Line and column of each mapping key, by the path of its value."""
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    """Line and column of each value, by its path."""
    placeholders: list[Path_] = field(default_factory=list)
    """Values left as placeholders (text starting with TODO), as `casebook new` writes them."""
    refused: set[Path_] = field(default_factory=set)
    """Values the reader refused (an alias, a tag, too deep): already reported, so the
    schema's complaints about them would only repeat the problem."""

    def is_refused(self, path: Path_) -> bool:
        return any(path[:n] in self.refused for n in range(len(path) + 1))

    def position(self, path: Path_) -> tuple[int, int]:
        """The best place to point at for a problem with `path`.

        A value that exists points at itself; a missing key points at its
        parent's key (so `incident` for a missing `incident.country`), and the
        whole front matter falls back to its opening line.
        """
        for end in range(len(path), 0, -1):
            prefix = path[:end]
            if end == len(path) and prefix in self.values:
                return self.values[prefix]
            if prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return (max(self.first_line - 1, 1), 1)

    def key_position(self, path: Path_) -> tuple[int, int]:
        """The place of the key itself (for unknown keys), else `position`."""
        return self.keys.get(path) or self.position(path)


@dataclass(slots=True)
class SplitFile:
    """A case file cut into its front matter text and its Markdown body."""

    front_matter: str
    first_line: int
    body: str
    body_line: int


class StrictYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler with casebook's strict reading.

    `split` keeps line numbers and insists on a closing `---`; `load` refuses
    what YAML would silently drop or convert. Use `compose` to keep positions
    and problems; `load` is for callers that only want the data.
    """

    def split_file(self, text: str) -> SplitFile | None:
        """Cut `text` at its front matter boundaries; None when it has none."""
        opening = _BOUNDARY.match(text)
        if opening is None:
            return None
        start = opening.end() + 1
        closing = _CLOSING.search(text, start - 1) if start <= len(text) else None
        if closing is None or closing.start() < start - 1:
            return None
        fm_end = closing.start()
        body_start = closing.end() + 1
        fm_text = text[start:fm_end] if fm_end >= start else ""
        first_line = 2
        body_line = text.count("\n", 0, min(body_start, len(text))) + 1
        return SplitFile(fm_text, first_line, text[body_start:], body_line)

    def split(self, text: str) -> tuple[str, str]:
        parts = self.split_file(text)
        if parts is None:
            return "", text
        return parts.front_matter, parts.body

    def load(self, fm: str, **kwargs: object) -> Any:
        result, problems = compose(fm, "<front matter>", 2)
        if problems:
            raise ValueError("; ".join(p.message for p in problems))
        return result.data


class _Composer:
    """Builds plain Python values from libyaml's events, recording positions."""

    def __init__(self, text: str, path: str, first_line: int, max_depth: int) -> None:
        self.parser = _Parser(text)
        self.path = path
        self.offset = first_line - 1
        self.max_depth = max_depth
        self.fm = FrontMatter(None, first_line)
        self.problems: list[Diagnostic] = []
        self.text = text
        self.skipping = False

    def where(self, event: Any) -> tuple[int, int]:
        mark = event.start_mark
        return (mark.line + 1 + self.offset, mark.column + 1)

    def report(self, event: Any, code: str, message: str) -> None:
        line, column = self.where(event)
        self.problems.append(diagnostic(self.path, line, column, code, message))

    def run(self) -> FrontMatter:
        parser = self.parser
        try:
            parser.get_event()  # stream start
            if parser.check_event(yaml.DocumentStartEvent):
                parser.get_event()
                self.fm.data = self.node(parser.get_event(), (), 0)
                parser.get_event()  # document end
            if parser.check_event(yaml.DocumentStartEvent):
                self.report(parser.get_event(), "CB102",
                            "the front matter holds more than one YAML document")
        except yaml.MarkedYAMLError as err:
            self.fm.data = None
            if self.skipping:
                # libyaml has a nesting limit of its own; past ours, CB107 says it all.
                return self.fm
            mark = err.problem_mark or err.context_mark
            line = (mark.line + 1 + self.offset) if mark else self.fm.first_line
            column = (mark.column + 1) if mark else 1
            problem = err.problem or err.context or "invalid YAML"
            if "maximum nesting depth" in problem:
                # libyaml reads ahead and stops at 1,000 levels before we see the 17th.
                self.problems.append(diagnostic(
                    self.path, line, column, "CB107",
                    f"the front matter nests more than {self.max_depth} levels deep"))
                return self.fm
            hint = _syntax_hint(problem, self._char_at(mark))
            self.problems.append(diagnostic(self.path, line, column, "CB102",
                                            f"YAML syntax: {problem}{hint}"))
        except yaml.YAMLError as err:  # pragma: no cover - libyaml always marks errors
            self.problems.append(diagnostic(self.path, self.fm.first_line, 1, "CB102",
                                            f"YAML syntax: {err}"))
            self.fm.data = None
        finally:
            parser.dispose()
        return self.fm

    def _char_at(self, mark: Any) -> str:
        """The character at an error mark; a tab also when the line is indented by one."""
        if mark is None:
            return ""
        lines = self.text.splitlines()
        if 0 <= mark.line < len(lines):
            line = lines[mark.line]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            if "\t" in indent:
                return "\t"
            if 0 <= mark.column < len(line):
                return str(line[mark.column])
        return ""

    def node(self, event: Any, path: Path_, depth: int) -> Any:
        mark = event.start_mark
        self.fm.values[path] = (mark.line + 1 + self.offset, mark.column + 1)
        kind = event.__class__
        # The common case first, with nothing refused: a plain or quoted scalar.
        if kind is _SCALAR and event.anchor is None and event.tag is None:
            value = event.value
            if value.startswith(PLACEHOLDER_PREFIX):
                self.fm.placeholders.append(path)
            if not event.style:
                return _resolve_plain(value)
            return value
        if isinstance(event, yaml.AliasEvent):
            self.report(event, "CB103",
                        f"alias *{event.anchor} is not allowed: write the value out in full")
            self.fm.refused.add(path)
            return None
        if event.anchor is not None:
            self.report(event, "CB103",
                        f"anchor &{event.anchor} is not allowed: write each value out in full")
        if isinstance(event, yaml.ScalarEvent):
            if event.tag is not None and event.tag != "!":
                self.report(event, "CB106",
                            f"explicit tag {_short_tag(event.tag)} is not allowed: "
                            "write the plain value")
                self.fm.refused.add(path)
            # libyaml marks plain style as None in block context and '' in flow.
            if not event.style and event.tag is None:
                return _resolve_plain(event.value)
            return event.value
        if event.tag is not None:
            self.report(event, "CB106",
                        f"explicit tag {_short_tag(event.tag)} is not allowed")
            self.fm.refused.add(path)
        if depth >= self.max_depth:
            self.report(event, "CB107",
                        f"the front matter nests more than {self.max_depth} levels deep here")
            self.fm.refused.add(path)
            self.skipping = True
            self.skip()
            self.skipping = False
            return None
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            while not self.parser.check_event(yaml.SequenceEndEvent):
                index = len(items)
                items.append(self.node(self.parser.get_event(), (*path, index), depth + 1))
            self.parser.get_event()
            return items
        mapping: dict[str, Any] = {}
        while not self.parser.check_event(yaml.MappingEndEvent):
            key_event = self.parser.get_event()
            key = self.key(key_event, depth)
            value_event = self.parser.get_event()
            if key is None:
                self.node(value_event, (*path, "?"), depth + 1)
                continue
            child = (*path, key)
            if key in mapping:
                first_line, _ = self.fm.keys[child]
                self.report(key_event, "CB101",
                            f"duplicate key '{key}' (first written on line {first_line}); "
                            "YAML would silently keep only the last value")
                self.node(value_event, (*path, f"{key} (duplicate)"), depth + 1)
                continue
            self.fm.keys[child] = self.where(key_event)
            mapping[key] = self.node(value_event, child, depth + 1)
        self.parser.get_event()
        return mapping

    def key(self, event: Any, depth: int) -> str | None:
        if isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                self.report(event, "CB103", f"anchor &{event.anchor} is not allowed")
            if event.tag is not None and event.tag != "!":
                self.report(event, "CB106",
                            f"explicit tag {_short_tag(event.tag)} is not allowed")
            return str(event.value)
        if isinstance(event, yaml.AliasEvent):
            self.report(event, "CB103", f"alias *{event.anchor} is not allowed")
            return None
        self.report(event, "CB108", "a key must be plain text, not a list or mapping")
        self.skip()
        return None

    def skip(self) -> None:
        """Consume the events of the collection just opened, without building it."""
        level = 1
        while level:
            event = self.parser.get_event()
            if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
                level += 1
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                level -= 1


def _resolve_plain(value: str) -> Any:
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    first = value[0]
    if first.isdigit() or first in "+-":
        if _INT.fullmatch(value):
            return int(value)
        if _FLOAT.fullmatch(value):
            return float(value)
    return value


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml") else tag


def _syntax_hint(problem: str, char: str = "") -> str:
    if char == "\t" or "found character '\\t'" in problem or "found a tab" in problem:
        return " (use spaces, not tabs, to indent)"
    if "mapping values are not allowed" in problem:
        return " (a value containing ': ' must be put in quotes)"
    if "found undefined alias" in problem:
        return " (aliases are not allowed in case files)"
    return ""


def compose(
    text: str, path: str, first_line: int, *, max_depth: int = 16
) -> tuple[FrontMatter, list[Diagnostic]]:
    """Read front matter `text` that starts on line `first_line` of the file at `path`."""
    composer = _Composer(text, path, first_line, max_depth)
    result = composer.run()
    return result, composer.problems


class _Unusual(Exception):
    """The fast reader met something only the full composer handles."""


_MAPPING_START = yaml.MappingStartEvent
_MAPPING_END = yaml.MappingEndEvent
_SEQUENCE_START = yaml.SequenceStartEvent
_SEQUENCE_END = yaml.SequenceEndEvent


def read_data(text: str, *, max_depth: int = 16) -> tuple[Any, bool]:
    """The data `compose` reads from front matter `text`, and whether it is readable
    (False where `compose` reports a YAML syntax problem, CB102), without positions.

    Reading the history composes every version of every case, where positions
    are never used; this reader handles the plain shapes case files are made of
    at about twice the speed, and hands anything else (anchors, aliases, tags,
    duplicate keys, complex keys, deep nesting, syntax errors, more than one
    document) to `compose`, so that both always give the same answer.
    """
    parser = _Parser(text)
    get = parser.get_event

    def node(event: Any, depth: int) -> Any:
        kind = event.__class__
        if kind is _SCALAR and event.anchor is None and event.tag is None:
            return event.value if event.style else _resolve_plain(event.value)
        if event.anchor is not None or getattr(event, "tag", None) is not None \
                or depth >= max_depth:
            raise _Unusual
        if kind is _MAPPING_START:
            mapping: dict[str, Any] = {}
            while True:
                key = get()
                if key.__class__ is _MAPPING_END:
                    return mapping
                if key.__class__ is not _SCALAR or key.anchor is not None \
                        or key.tag is not None or key.value in mapping:
                    raise _Unusual
                mapping[key.value] = node(get(), depth + 1)
        if kind is _SEQUENCE_START:
            items: list[Any] = []
            while True:
                item = get()
                if item.__class__ is _SEQUENCE_END:
                    return items
                items.append(node(item, depth + 1))
        raise _Unusual  # an alias, or a scalar with a tag or anchor

    try:
        get()  # stream start
        data = None
        if parser.check_event(yaml.DocumentStartEvent):
            get()
            data = node(get(), 0)
            get()  # document end
        if not parser.check_event(yaml.StreamEndEvent):
            raise _Unusual
    except (_Unusual, yaml.YAMLError):
        result, problems = compose(text, "", 2, max_depth=max_depth)
        return result.data, not any(p.code == "CB102" for p in problems)
    finally:
        parser.dispose()
    return data, True

