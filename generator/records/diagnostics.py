"""Problems found in case files, as values.

Every check in casebook reports what it finds as a `Diagnostic` with a stable
code from the `RULES` registry; nothing about a case file is ever raised as an
exception. The command line collects diagnostics from every file, then decides
the exit code once (see `Report`).
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of problem: its code never changes once published."""

    code: str
    name: str
    severity: Severity
    summary: str


def _table(text: str) -> list[Rule]:
    """The rules written as a table: a line `CODE SEVERITY NAME` for each, then its
    summary on the indented lines below it."""
    rules = []
    for entry in re.split(r"\n(?=\S)", text.strip()):
        head, *summary = entry.split("\n")
        code, severity, name = head.split()
        rules.append(Rule(code, name, Severity(severity), " ".join(s.strip() for s in summary)))
    return rules


# The registry is the single list of everything the validator can say; the
# README's table of messages is generated from it (see `generator.publish.reference`).
# CB1xx: reading the file; CB2xx: one record against the schema and the stage
# gates; CB3xx: rules across records (CB36x: data-quality warnings); CB5xx: a
# spreadsheet or mapping read by `casebook import`; CB9xx: configuration.
_RULES = _table("""
CB100 error unreadable-file
    The file could not be read: too large, not UTF-8, or contains a NUL byte.
CB101 error duplicate-key
    A key appears twice in the same mapping; YAML would silently keep only the last.
CB102 error yaml-syntax
    The front matter is not valid YAML.
CB103 error yaml-alias
    Anchors and aliases (&name, *name) are not allowed in case files.
CB104 error no-front-matter
    The file does not start with a front matter block between two `---` lines.
CB105 error front-matter-not-mapping
    The front matter must be a mapping of keys to values.
CB106 error yaml-tag
    Explicit YAML tags (!!int, !custom) are not allowed; write the plain value.
CB107 error too-deep
    The front matter nests deeper than the configured limit.
CB108 error non-string-key
    Every key must be plain text.
CB201 error unknown-key
    A key that the schema does not define.
CB202 error missing-key
    A key that every case must have is missing.
CB203 error wrong-type
    A value has the wrong shape (text where a number or list is expected, ...).
CB204 error stage-gate
    The case lacks something that its stage requires.
CB205 error bad-enum
    A value is not one of the allowed choices.
CB206 error bad-date
    A date is malformed or impossible.
CB207 error bad-format
    A value does not match its required pattern (id, country code, URL, slug...).
CB208 error bad-range
    A number is out of range, a minimum exceeds its maximum, or a breakdown exceeds its total.
CB209 error stage-history
    The stage history is out of order or does not end at the current stage.
CB210 error conditional-key
    A key is required, or not allowed, because of another key's value.
CB211 error placeholder
    A placeholder left by `casebook new` has not been filled in.
CB301 error duplicate-id
    Two files declare the same case id.
CB302 error file-name-mismatch
    The file name is not the case id followed by `.md`.
CB303 error unknown-case
    `related`, `duplicate_of` or `not_duplicate_of` names a case that does not exist.
CB304 error duplicate-cycle
    `duplicate_of` links form a cycle.
CB305 error date-order
    Dates contradict each other: opened before the incident, in the future, or stage history
    before opened.
CB306 error uncited-source
    The body cites a source key that the case does not define.
CB307 error duplicate-source-key
    Two sources share a key.
CB308 error id-year
    The year in the case id differs from the year the case was opened.
CB351 warning overdue-review
    The next review date has passed.
CB352 warning no-citation
    The body cites none of the case's sources.
CB353 warning unused-source
    A source is never cited in the body.
CB354 warning self-reference
    A case lists itself as related.
CB357 warning unsafe-markup
    The narrative holds HTML or a link that the site removes (script, event handlers,
    javascript: links...).
CB355 warning history-disagrees
    A stage_history date differs from the date git recorded the move by more than
    history_tolerance_days (checked by `casebook build` and `validate --history`).
CB361 warning coordinates-outside-country
    The coordinates lie outside the country in incident.country by more than
    coordinates_tolerance_km (with a hint when latitude and longitude look swapped).
CB362 warning source-before-incident
    A source was published before the incident happened.
CB401 error stage-transition
    Compared with the base branch, the stage moved backward or skipped a stage; only one step
    forward, or to closed from any stage, is allowed.
CB402 error reopen
    A closed case was reopened into a stage other than incident-analysis, or without a
    stage_history note giving the reason.
CB403 error stage-history-entry
    A stage change did not add exactly one stage_history entry for the new stage, dated on or
    after the one before it.
CB404 error stage-history-rewritten
    A stage_history entry that is on the base branch was edited or removed.
CB405 error immutable-field
    A case's id or opened date changed.
CB406 error case-removed
    A case file on the base branch was deleted or renamed; close the case instead.
CB407 error id-reused
    A new case takes an id that a case on the base branch has or had.
CB408 error id-not-next
    A new case's id is not the next free number for its year on the base branch, or two new
    cases claim the same number.
CB501 error unknown-column
    A column of the imported sheet is not one that `casebook import` takes, or a column the
    mapping names is missing.
CB502 error bad-cell
    A cell of the imported sheet cannot be read: a date, count, number or choice that its
    column does not allow.
CB503 error invalid-row
    The case made from a row of the imported sheet is not valid; the row is not imported.
CB504 error bad-mapping
    The import mapping is not valid: unknown keys, columns or fields, or a bad template.
CB505 error unreadable-sheet
    The imported file cannot be read: not UTF-8, not CSV or JSON Lines, or empty.
CB506 error repeated-row
    Two rows of the imported sheet share an alias (the same incident twice).
CB507 warning no-alias
    A row has no alias: importing the sheet again would import it again.
CB901 error bad-config
    The casebook settings in mkdocs.yml are invalid.
""")
RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in _RULES}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem at one place. `line` and `column` count from 1; a problem with the whole
    file (too large, not UTF-8) is placed at 1:1."""

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity

    @property
    def rule(self) -> str:
        return RULES[self.code].name

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }


def diagnostic(path: str, line: int, column: int, code: str, message: str) -> Diagnostic:
    """Make a diagnostic with the registered severity of its code."""
    return Diagnostic(path, line, column, code, message, RULES[code].severity)


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one validation run: how many cases, and every problem found."""

    cases: int
    diagnostics: tuple[Diagnostic, ...]

    @classmethod
    def of(cls, cases: int, diagnostics: Iterable[Diagnostic]) -> Report:
        return cls(cases, tuple(sorted(diagnostics, key=Diagnostic.sort_key)))

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    def exit_code(self, *, strict: bool = False) -> int:
        if self.errors or (strict and self.warnings):
            return 1
        return 0

    def summary(self) -> str:
        def plural(n: int, word: str) -> str:
            return f"{n} {word}" if n == 1 else f"{n} {word}s"

        return ", ".join(
            [plural(self.cases, "case"), plural(self.errors, "error"),
             plural(self.warnings, "warning")]
        )


def format_text(d: Diagnostic) -> str:
    return f"{d.path}:{d.line}:{d.column}: {d.severity.value} {d.code} [{d.rule}] {d.message}"


def workflow_data(value: str) -> str:
    """A GitHub workflow command's message: %, CR and LF escaped."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def workflow_property(value: str) -> str:
    """A GitHub workflow command's property value: also , and : escaped."""
    return workflow_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(d: Diagnostic) -> str:
    level = "error" if d.severity is Severity.ERROR else "warning"
    props = [f"file={workflow_property(d.path)}"]
    if d.line:
        props.append(f"line={d.line}")
        props.append(f"col={max(d.column, 1)}")
    props.append(f"title={workflow_property(f'{d.code} {d.rule}')}")
    return f"::{level} {','.join(props)}::{workflow_data(d.message)}"


def render(report: Report, fmt: str) -> str:
    """The whole output of `casebook validate` in one of its formats."""
    if fmt == "json":
        return json.dumps(
            {"cases": report.cases, "errors": report.errors, "warnings": report.warnings,
             "diagnostics": [d.as_dict() for d in report.diagnostics]},
            indent=2, ensure_ascii=False,
        )
    lines = [format_github(d) if fmt == "github" else format_text(d)
             for d in report.diagnostics]
    lines.append(report.summary())
    return "\n".join(lines)
