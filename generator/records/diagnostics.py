"""Problems found in case files, as values.

Every check in casebook reports what it finds as a `Diagnostic` with a stable
code from the `RULES` registry; nothing about a case file is ever raised as an
exception. The command line collects diagnostics from every file, then decides
the exit code once (see `Report`).
"""

from __future__ import annotations

import enum
import json
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


# The registry is the single list of everything the validator can say; the
# README's table of messages is generated from it (see `generator.publish.reference`).
# CB1xx: reading the file; CB2xx: one record against the schema and the stage
# gates; CB3xx: rules across records (CB36x: data-quality warnings); CB5xx: a
# spreadsheet or mapping read by `casebook import`; CB9xx: configuration.
_RULES = [
    Rule("CB100", "unreadable-file", Severity.ERROR,
         "The file could not be read: too large, not UTF-8, or contains a NUL byte."),
    Rule("CB101", "duplicate-key", Severity.ERROR,
         "A key appears twice in the same mapping; YAML would silently keep only the last."),
    Rule("CB102", "yaml-syntax", Severity.ERROR, "The front matter is not valid YAML."),
    Rule("CB103", "yaml-alias", Severity.ERROR,
         "Anchors and aliases (&name, *name) are not allowed in case files."),
    Rule("CB104", "no-front-matter", Severity.ERROR,
         "The file does not start with a front matter block between two `---` lines."),
    Rule("CB105", "front-matter-not-mapping", Severity.ERROR,
         "The front matter must be a mapping of keys to values."),
    Rule("CB106", "yaml-tag", Severity.ERROR,
         "Explicit YAML tags (!!int, !custom) are not allowed; write the plain value."),
    Rule("CB107", "too-deep", Severity.ERROR,
         "The front matter nests deeper than the configured limit."),
    Rule("CB108", "non-string-key", Severity.ERROR, "Every key must be plain text."),
    Rule("CB201", "unknown-key", Severity.ERROR, "A key that the schema does not define."),
    Rule("CB202", "missing-key", Severity.ERROR, "A key that every case must have is missing."),
    Rule("CB203", "wrong-type", Severity.ERROR,
         "A value has the wrong shape (text where a number or list is expected, ...)."),
    Rule("CB204", "stage-gate", Severity.ERROR,
         "The case lacks something that its stage requires."),
    Rule("CB205", "bad-enum", Severity.ERROR, "A value is not one of the allowed choices."),
    Rule("CB206", "bad-date", Severity.ERROR, "A date is malformed or impossible."),
    Rule("CB207", "bad-format", Severity.ERROR,
         "A value does not match its required pattern (id, country code, URL, slug...)."),
    Rule("CB208", "bad-range", Severity.ERROR,
         "A number is out of range, a minimum exceeds its maximum, or a breakdown exceeds "
         "its total."),
    Rule("CB209", "stage-history", Severity.ERROR,
         "The stage history is out of order or does not end at the current stage."),
    Rule("CB210", "conditional-key", Severity.ERROR,
         "A key is required, or not allowed, because of another key's value."),
    Rule("CB211", "placeholder", Severity.ERROR,
         "A placeholder left by `casebook new` has not been filled in."),
    Rule("CB301", "duplicate-id", Severity.ERROR, "Two files declare the same case id."),
    Rule("CB302", "file-name-mismatch", Severity.ERROR,
         "The file name is not the case id followed by `.md`."),
    Rule("CB303", "unknown-case", Severity.ERROR,
         "`related`, `duplicate_of` or `not_duplicate_of` names a case that does not exist."),
    Rule("CB304", "duplicate-cycle", Severity.ERROR,
         "`duplicate_of` links form a cycle."),
    Rule("CB305", "date-order", Severity.ERROR,
         "Dates contradict each other: opened before the incident, in the future, or "
         "stage history before opened."),
    Rule("CB306", "uncited-source", Severity.ERROR,
         "The body cites a source key that the case does not define."),
    Rule("CB307", "duplicate-source-key", Severity.ERROR, "Two sources share a key."),
    Rule("CB308", "id-year", Severity.ERROR,
         "The year in the case id differs from the year the case was opened."),
    Rule("CB351", "overdue-review", Severity.WARNING, "The next review date has passed."),
    Rule("CB352", "no-citation", Severity.WARNING,
         "The body cites none of the case's sources."),
    Rule("CB353", "unused-source", Severity.WARNING, "A source is never cited in the body."),
    Rule("CB354", "self-reference", Severity.WARNING, "A case lists itself as related."),
    Rule("CB357", "unsafe-markup", Severity.WARNING,
         "The narrative holds HTML or a link that the site removes (script, event handlers, "
         "javascript: links...)."),
    Rule("CB355", "history-disagrees", Severity.WARNING,
         "A stage_history date differs from the date git recorded the move by more than "
         "history_tolerance_days (checked by `casebook build` and `validate --history`)."),
    Rule("CB361", "coordinates-outside-country", Severity.WARNING,
         "The coordinates lie outside the country in incident.country by more than "
         "coordinates_tolerance_km (with a hint when latitude and longitude look swapped)."),
    Rule("CB362", "source-before-incident", Severity.WARNING,
         "A source was published before the incident happened."),
    Rule("CB401", "stage-transition", Severity.ERROR,
         "Compared with the base branch, the stage moved backward or skipped a stage; only "
         "one step forward, or to closed from any stage, is allowed."),
    Rule("CB402", "reopen", Severity.ERROR,
         "A closed case was reopened into a stage other than incident-analysis, or without "
         "a stage_history note giving the reason."),
    Rule("CB403", "stage-history-entry", Severity.ERROR,
         "A stage change did not add exactly one stage_history entry for the new stage, dated "
         "on or after the one before it."),
    Rule("CB404", "stage-history-rewritten", Severity.ERROR,
         "A stage_history entry that is on the base branch was edited or removed."),
    Rule("CB405", "immutable-field", Severity.ERROR, "A case's id or opened date changed."),
    Rule("CB406", "case-removed", Severity.ERROR,
         "A case file on the base branch was deleted or renamed; close the case instead."),
    Rule("CB407", "id-reused", Severity.ERROR,
         "A new case takes an id that a case on the base branch has or had."),
    Rule("CB408", "id-not-next", Severity.ERROR,
         "A new case's id is not the next free number for its year on the base branch, or "
         "two new cases claim the same number."),
    Rule("CB501", "unknown-column", Severity.ERROR,
         "A column of the imported sheet is not one that `casebook import` takes, or a "
         "column the mapping names is missing."),
    Rule("CB502", "bad-cell", Severity.ERROR,
         "A cell of the imported sheet cannot be read: a date, count, number or choice "
         "that its column does not allow."),
    Rule("CB503", "invalid-row", Severity.ERROR,
         "The case made from a row of the imported sheet is not valid; the row is not "
         "imported."),
    Rule("CB504", "bad-mapping", Severity.ERROR,
         "The import mapping is not valid: unknown keys, columns or fields, or a bad template."),
    Rule("CB505", "unreadable-sheet", Severity.ERROR,
         "The imported file cannot be read: not UTF-8, not CSV or JSON Lines, or empty."),
    Rule("CB506", "repeated-row", Severity.ERROR,
         "Two rows of the imported sheet share an alias (the same incident twice)."),
    Rule("CB507", "no-alias", Severity.WARNING,
         "A row has no alias: importing the sheet again would import it again."),
    Rule("CB901", "bad-config", Severity.ERROR, "The casebook settings in mkdocs.yml are invalid."),
]
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
