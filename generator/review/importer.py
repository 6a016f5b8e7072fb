"""`casebook import`: a monitor's spreadsheet in, one new intake case per row.

Each row becomes a case at stage intake, opened today, with a first
stage_history entry by the importer, the next free id of the year, in the
canonical form of `casebook fmt`; it is read back and checked as `casebook
validate` checks a file (`load_bytes`, `check_case`) before it is created, and
an existing file is never overwritten (`write_new`).

Importing is idempotent: a row whose alias (its `aliases` cell, or the mapping's
key template) is already an alias of a case is matched to that case and never
written; what differs between the row and the case is only reported, as a
proposed change, so an analyst's edit survives every re-import.

A problem with the sheet or a row is a diagnostic whose path is the sheet, whose
line is the row as a spreadsheet counts it (the header is row 1) and whose
column is the column number; the other rows are still imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from generator.checks.quality import check_quality
from generator.checks.rules import Context, check_case
from generator.config import Config
from generator.files import write_new
from generator.records.diagnostics import Diagnostic, Severity, diagnostic
from generator.records.frontmatter import Path_
from generator.records.loader import CaseFile, case_files, dotted, load_bytes, load_file
from generator.records.schema import Case, Date, IncidentDate
from generator.review.fmt import case_text
from generator.review.mapping import (
    COUNT_FIELDS,
    IMPORT_COLUMNS,
    TARGETS,
    ColumnSpec,
    Mapping,
    fill,
    parse_count,
    parse_date,
    spec,
    template_columns,
)
from generator.review.newcase import REVIEW_AFTER, next_id

_DATE = TypeAdapter(Date)
_INCIDENT_DATE = TypeAdapter(IncidentDate)


@dataclass(frozen=True, slots=True)
class Sheet:
    """The rows of an imported file: each row's number and its cells by column name."""

    rel: str
    name: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]

    def column(self, name: str) -> int:
        """The column number of `name` (1 when the sheet has no such column)."""
        return self.headers.index(name) + 1 if name in self.headers else 1


@dataclass(slots=True)
class Matched:
    row: int
    case_id: str
    alias: str
    changes: list[str]


@dataclass(slots=True)
class ImportResult:
    """What an import did, or with --dry-run would do."""

    sheet: str
    created: list[tuple[int, str]] = field(default_factory=list)
    matched: list[Matched] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dry_run: bool = False

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)


# --------------------------------------------------------------------------
# Reading the sheet and the mapping.


def read_sheet(path: Path, rel: str, fmt: str | None) -> tuple[Sheet | None, list[Diagnostic]]:
    """The rows of a CSV (UTF-8, with or without BOM) or JSON Lines file."""
    def fail(line: int, message: str) -> tuple[None, list[Diagnostic]]:
        return None, [diagnostic(rel, line, 1, "CB505", message)]

    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except OSError as err:
        return fail(1, f"the file cannot be read: {err.strerror}")
    except UnicodeDecodeError as err:
        return fail(1, f"the file is not valid UTF-8 (byte {err.start}); save it as UTF-8")
    kind = fmt or ("jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    if kind == "jsonl":
        return _read_jsonl(text, rel, path.name)
    try:
        table = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        return fail(1, f"the file is not valid CSV: {err}")
    if not table or not any(cell.strip() for cell in table[0]):
        return fail(1, "the sheet is empty: the first row must hold the column names")
    headers = tuple(cell.strip() for cell in table[0])
    rows = tuple((number, dict(zip(headers, cells, strict=False)))
                 for number, cells in enumerate(table[1:], start=2)
                 if any(cell.strip() for cell in cells))
    return Sheet(rel, path.name, headers, rows), []


def _read_jsonl(text: str, rel: str, name: str) -> tuple[Sheet | None, list[Diagnostic]]:
    headers: dict[str, None] = {}
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[Diagnostic] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as err:
            problems.append(diagnostic(rel, number, 1, "CB505",
                                       f"line {number} is not JSON: {err}"))
            continue
        if not isinstance(item, dict):
            problems.append(diagnostic(rel, number, 1, "CB505",
                                       f"line {number} is not a JSON object"))
            continue
        cells = {str(k): "" if v is None else v if isinstance(v, str) else json.dumps(v)
                 for k, v in item.items()}
        headers.update(dict.fromkeys(cells))
        rows.append((number, cells))
    return Sheet(rel, name, tuple(headers), tuple(rows)), problems


def load_mapping(path: Path, rel: str) -> tuple[Mapping | None, list[Diagnostic]]:
    """The mapping in a YAML file, or the problems that keep it from being used."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        return None, [diagnostic(rel, 1, 1, "CB504", f"the mapping cannot be read: "
                                                     f"{err.strerror}")]
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        mark = getattr(err, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return None, [diagnostic(rel, line, column, "CB504", f"the mapping is not valid YAML: "
                                                             f"{getattr(err, 'problem', err)}")]
    try:
        mapping = Mapping.model_validate(data if data is not None else {})
    except ValidationError as err:
        return None, [diagnostic(rel, 1, 1, "CB504",
                                 f"{'.'.join(str(p) for p in e['loc']) or 'mapping'}: {e['msg']}")
                      for e in err.errors(include_url=False)]
    problems = [diagnostic(rel, 1, 1, "CB504", f"'{name}' in {where} is not a casebook "
                                               f"column{_did_you_mean(name, TARGETS)}")
                for where, names in (("columns", mapping.columns), ("defaults", mapping.defaults))
                for name in names if name not in TARGETS]
    return (None if problems else mapping), problems


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_columns(sheet: Sheet, mapping: Mapping | None) -> list[Diagnostic]:
    """The sheet's columns against what the import reads (row 1, the header)."""
    if mapping is None:
        return [diagnostic(sheet.rel, 1, i, "CB501",
                           f"unknown column '{name}'{_did_you_mean(name, IMPORT_COLUMNS)}; "
                           "the columns are those of casebook's cases.csv (see the README), "
                           "or give a --mapping")
                for i, name in enumerate(sheet.headers, start=1)
                if name not in IMPORT_COLUMNS and name]
    wanted = [spec(v).column for v in mapping.columns.values()]
    for template in (mapping.key, mapping.title, mapping.body):
        wanted += template_columns(template or "")
    return [diagnostic(sheet.rel, 1, 1, "CB501",
                       f"the mapping reads the column '{name}', which the sheet does not "
                       f"have{_did_you_mean(name, sheet.headers)}")
            for name in dict.fromkeys(wanted) if name not in sheet.headers]


# --------------------------------------------------------------------------
# A row in casebook's columns.


@dataclass(slots=True)
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)
    """The column number each casebook column was read from."""
    problems: list[Diagnostic] = field(default_factory=list)


def column_specs(sheet: Sheet, mapping: Mapping | None) -> dict[str, ColumnSpec]:
    """Each casebook column the rows of `sheet` fill, and where from."""
    if mapping is not None:
        return {name: spec(v) for name, v in mapping.columns.items()}
    return {name: ColumnSpec(column=name) for name in sheet.headers if name in TARGETS}


def read_row(sheet: Sheet, number: int, cells: dict[str, str],
             mapping: Mapping | None, specs: dict[str, ColumnSpec] | None = None) -> Row:
    """The casebook columns of one row, each cell read as its column's kind."""
    row = Row(number)
    specs = specs if specs is not None else column_specs(sheet, mapping)
    for name, column_spec in specs.items():
        column = sheet.column(column_spec.column)
        row.columns[name] = column
        text = cells.get(column_spec.column, "").strip()
        if not text:
            continue
        try:
            row.values[name] = _cell(name, text, column_spec)
        except ValueError as err:
            row.problems.append(diagnostic(sheet.rel, number, column, "CB502",
                                           f"column '{column_spec.column}': {err}"))
    if mapping is not None:
        for name, value in mapping.defaults.items():
            if name not in row.values:
                try:
                    row.values[name] = _cell(name, str(value), ColumnSpec(column=name))
                except ValueError as err:
                    row.problems.append(diagnostic(sheet.rel, number, 1, "CB502",
                                                   f"default {name}: {err}"))
        for name, template in (("title", mapping.title), ("narrative", mapping.body)):
            if template and name not in row.values:
                row.values[name] = fill(template, cells).strip() or None
        if mapping.key:
            key = fill(mapping.key, cells).strip()
            if key:
                row.values["aliases"] = [*row.values.get("aliases", []), key]
    return row


def _cell(name: str, text: str, column: ColumnSpec) -> Any:
    """One cell as its column's value; ValueError says what is wrong with it."""
    target = TARGETS[name]
    mapped = {k.strip().lower(): v for k, v in column.values.items()}
    if target.kind != "list":
        text = mapped.get(text.lower(), text)
    if target.choices is not None and target.kind != "list":
        return _choice(text, target.choices)
    if target.kind == "list":
        items = [mapped.get(i.strip().lower(), i.strip()) for i in text.split(column.split)]
        items = [i for i in items if i]
        return [_choice(i, target.choices) for i in items] if target.choices else items
    if target.kind in ("date", "incident-date"):
        return _date(text, column.dates, incident=target.kind == "incident-date")
    if target.kind == "number":
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a number") from None
    if target.kind == "whole":
        if not text.isdigit():
            raise ValueError(f"'{text}' is not a whole number")
        return int(text)
    if target.kind == "count":
        return parse_count(text)
    if target.kind == "country":
        return _country(text)
    return text


def _choice(text: str, choices: Any) -> str:
    values = [m.value for m in choices]
    by_lower = {v.lower(): v for v in values}
    if text.lower() in by_lower:
        return str(by_lower[text.lower()])
    raise ValueError(f"'{text}' is not allowed{_did_you_mean(text, values)}; choose one of: "
                     f"{', '.join(values)} (or map it with values: in a mapping)")


def _date(text: str, formats: list[str], *, incident: bool) -> str:
    if formats:
        return parse_date(text, formats).isoformat()
    try:
        if incident:
            return str(_INCIDENT_DATE.validate_python(text))
        return _DATE.validate_python(text).isoformat()
    except ValidationError as err:
        raise ValueError(err.errors(include_url=False)[0]["msg"]) from None


def _country(text: str) -> str:
    from iso3166 import countries, countries_by_alpha3

    if text in countries_by_alpha3:
        return text
    try:
        return str(countries.get(text).alpha3)
    except KeyError:
        raise ValueError(f"'{text}' is not a country: write its ISO 3166-1 alpha-3 code "
                         "(YEM), its English name, or map it with values:") from None


# --------------------------------------------------------------------------
# A row as a case.


SOURCE_FIELDS = {"source_type": "type", "source_visibility": "visibility",
                 "source_title": "title", "source_publisher": "publisher",
                 "source_published": "published", "source_url": "url"}
INCIDENT_FIELDS = ("admin1", "admin2", "place", "location_precision", "partner_force", "unit",
                   "operation_type", "attribution")
HARM_PATHS = {**{f: ("harm", f) for f in COUNT_FIELDS},
              "civilian_objects": ("harm", "civilian_objects")}
FIELD_PATHS: dict[str, Path_] = {
    "title": ("title",), "incident_date": ("incident", "date"),
    "country": ("incident", "country"), "lat": ("incident", "coordinates", "lat"),
    "lon": ("incident", "coordinates", "lon"),
    **{f: ("incident", f) for f in INCIDENT_FIELDS}, **HARM_PATHS,
    **{f"{c}_{end}": ("harm", c) for c in COUNT_FIELDS for end in ("min", "max")},
    "aliases": ("aliases",), "tags": ("tags",), "sensitivity": ("sensitivity",),
    "assignee": ("assignee",), "next_review": ("next_review",),
    **{k: ("sources", 0, v) for k, v in SOURCE_FIELDS.items()},
}
"""Where in a case each casebook column goes (for diagnostics and proposed changes)."""


def case_data(row: Row, *, case_id: str, today: dt.date, by: str, sheet: str,
              next_review_days: int) -> tuple[dict[str, Any], str]:
    """The front matter and body of the new case a row makes."""
    v = row.values
    incident: dict[str, Any] = {"date": v.get("incident_date"), "country": v.get("country")}
    if "lat" in v or "lon" in v:
        incident["coordinates"] = {"lat": v.get("lat"), "lon": v.get("lon")}
    incident.update({f: v[f] for f in INCIDENT_FIELDS if f in v})
    incident.setdefault("location_precision", "unknown")
    incident.setdefault("attribution", "unknown")
    data: dict[str, Any] = {
        "id": case_id, "title": v.get("title"), "opened": today, "stage": "intake",
        "status": "active",
        "next_review": v.get("next_review", today + dt.timedelta(days=next_review_days)),
        "sensitivity": v.get("sensitivity", "AMBER"),
    }
    if "assignee" in v:
        data["assignee"] = v["assignee"]
    data["stage_history"] = [{"stage": "intake", "date": today, "by": by,
                              "note": f"Imported from {sheet}, row {row.number}."}]
    data["incident"] = incident
    harm = _harm(v)
    if harm:
        data["harm"] = harm
    data["sources"] = [_source(v, today, sheet, row.number)]
    for name in ("aliases", "tags"):
        if v.get(name):
            data[name] = list(dict.fromkeys(v[name]))
    narrative = str(v.get("narrative") or "").strip()
    if "[S1]" not in narrative:
        narrative = (narrative + "\n\n" if narrative else "") + (
            f"Imported from {sheet}, row {row.number} [S1].")
    return data, narrative + "\n"


def _harm(v: dict[str, Any]) -> dict[str, Any]:
    harm: dict[str, Any] = {}
    for name in COUNT_FIELDS:
        low, high = v.get(f"{name}_min"), v.get(f"{name}_max")
        if name in v:
            harm[name] = v[name]
        elif low is not None or high is not None:
            low = high if low is None else low
            high = low if high is None else high
            harm[name] = low if low == high else {"min": low, "max": high}
    if v.get("civilian_objects"):
        harm["civilian_objects"] = list(dict.fromkeys(v["civilian_objects"]))
    return harm


def _source(v: dict[str, Any], today: dt.date, sheet: str, number: int) -> dict[str, Any]:
    source: dict[str, Any] = {"key": "S1", "type": v.get("source_type", "other")}
    visibility = v.get("source_visibility", "public" if v.get("source_url") else "non-public")
    source["visibility"] = visibility
    source["title"] = v.get("source_title") or f"{sheet}, row {number}"
    for column in ("source_publisher", "source_published", "source_url"):
        if column in v:
            source[SOURCE_FIELDS[column]] = v[column]
    source["accessed"] = today
    return source


# --------------------------------------------------------------------------
# Checking a row's case as `casebook validate` would, before it is written.


def _column_for(row: Row, path: Path_) -> int:
    """The column a problem at `path` of the case comes from (1 when none does)."""
    best, length = 1, -1
    for name, column in row.columns.items():
        target = FIELD_PATHS.get(name)
        if target is None:
            continue
        shared = min(len(target), len(path))
        if target[:shared] == path[:shared] and shared > length:
            best, length = column, shared
    return best


def _validated(data: dict[str, Any], body: str, path: Path, row: Row, sheet: Sheet,
               config: Config, ctx: Context) -> tuple[str | None, list[Diagnostic]]:
    """The case file's text when the row makes a valid case, and what was found."""
    try:
        case = Case.model_validate(data)
    except ValidationError as err:
        return None, [diagnostic(sheet.rel, row.number, _column_for(row, tuple(e["loc"])),
                                 "CB503", f"{dotted(tuple(e['loc'])) or 'case'}: {e['msg']}")
                      for e in err.errors(include_url=False)]
    text = case_text(case, body)
    record = load_bytes(text.encode("utf-8"), CaseFile(path=path, rel=config.relative(path)),
                        config)
    found = [*record.diagnostics, *check_case(record, ctx), *check_quality([record], config)]
    lines = ({line: p for p, (line, _) in record.front_matter.values.items()}
             if record.front_matter is not None else {})
    problems = []
    for d in found:
        column = _column_for(row, lines.get(d.line, ()))
        if d.severity is Severity.ERROR:
            problems.append(diagnostic(sheet.rel, row.number, column, "CB503",
                                       f"{d.message} ({d.code} {d.rule})"))
        else:
            problems.append(diagnostic(sheet.rel, row.number, column, d.code, d.message))
    has_errors = record.case is None or any(p.severity is Severity.ERROR for p in problems)
    return (None if has_errors else text), problems


# --------------------------------------------------------------------------
# The import.


def _existing(config: Config) -> tuple[dict[str, Case], set[str]]:
    """The cases already in the folder by alias, and every id taken."""
    by_alias: dict[str, Case] = {}
    taken: set[str] = set()
    for path in case_files(config):
        taken.add(path.stem)
        record = load_file(path, config)
        if record.declared_id:
            taken.add(record.declared_id)
        if record.case is not None:
            for alias in record.case.aliases:
                by_alias.setdefault(alias, record.case)
    return by_alias, taken


def _value_at(data: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and len(data) > part else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def _changes(row: Row, case: Case, today: dt.date, sheet: str) -> list[str]:
    """What the row would change in the case it matches, field by field."""
    data, _ = case_data(row, case_id=case.id, today=today, by="import", sheet=sheet,
                        next_review_days=0)
    try:
        proposed = Case.model_validate(data).model_dump(mode="json")
    except ValidationError:
        return ["the row no longer makes a valid case"]
    current = case.model_dump(mode="json")
    changes: list[str] = []
    paths = dict.fromkeys(FIELD_PATHS[name] for name in row.values
                          if name in FIELD_PATHS and not name.startswith("source_")
                          and name not in ("aliases", "next_review"))
    for path in paths:
        old, new = _value_at(current, path), _value_at(proposed, path)
        if old != new:
            changes.append(f"{dotted(path)}: {json.dumps(old, ensure_ascii=False)} -> "
                           f"{json.dumps(new, ensure_ascii=False)}")
    url = row.values.get("source_url")
    if url and url not in {s.url for s in case.sources}:
        changes.append(f"sources: add {url}")
    return changes


@dataclass(slots=True)
class _Writer:
    """Takes ids in order and creates each file once, never over an existing one."""

    config: Config
    today: dt.date
    taken: set[str]
    dry_run: bool
    last: str | None = None

    def next_id(self) -> str:
        year = self.today.year
        case_id = next_id(self.config, year, [self.last] if self.last else self.taken)
        self.last = case_id
        return case_id

    def create(self, path: Path, text: str) -> bool:
        """Whether the file was created (or, in a dry run, would be)."""
        if self.dry_run:
            return not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_new(path, text.encode("utf-8"))
        except FileExistsError:
            return False
        return True


def import_sheet(config: Config, path: Path, *, mapping_path: Path | None = None,
                 dry_run: bool = False, by: str = "import",
                 today: dt.date | None = None) -> ImportResult:
    """Import every row of the sheet at `path` that makes a valid case and matches none."""
    today = today or dt.date.today()
    result = ImportResult(config.relative(path), dry_run=dry_run)
    mapping = None
    if mapping_path is not None:
        mapping, problems = load_mapping(mapping_path, config.relative(mapping_path))
        result.diagnostics += problems
        if mapping is None:
            return result
    sheet, problems = read_sheet(path, result.sheet, mapping.format if mapping else None)
    result.diagnostics += problems
    if sheet is None:
        return result
    problems = check_columns(sheet, mapping)
    if problems:
        result.diagnostics += problems
        return result
    by_alias, taken = _existing(config)
    writer = _Writer(config, today, taken, dry_run)
    seen: dict[str, int] = {}
    specs = column_specs(sheet, mapping)
    for number, cells in sheet.rows:
        row = read_row(sheet, number, cells, mapping, specs)
        _import_row(row, sheet, mapping, writer, by_alias, seen, by, result)
    return result


def _import_row(row: Row, sheet: Sheet, mapping: Mapping | None, writer: _Writer,
                by_alias: dict[str, Case], seen: dict[str, int], by: str,
                result: ImportResult) -> None:
    config, today = writer.config, writer.today
    aliases: list[str] = row.values.get("aliases", [])
    repeated = next((a for a in aliases if a in seen), None)
    if repeated is not None:
        row.problems.append(diagnostic(sheet.rel, row.number, row.columns.get("aliases", 1),
                                       "CB506", f"the alias '{repeated}' is also on row "
                                                f"{seen[repeated]}"))
    if any(p.severity is Severity.ERROR for p in row.problems):
        result.diagnostics += row.problems
        result.rejected.append(row.number)
        return
    seen.update((a, row.number) for a in aliases)
    match = next((a for a in aliases if a in by_alias), None)
    if match is not None:
        case = by_alias[match]
        result.matched.append(Matched(row.number, case.id, match,
                                      _changes(row, case, today, sheet.name)))
        return
    if not aliases:
        result.diagnostics.append(diagnostic(
            sheet.rel, row.number, 1, "CB507", "the row has no alias (an aliases column or the "
            "mapping's key): importing the sheet again would import it again"))
    days = mapping.next_review_days if mapping else REVIEW_AFTER.days
    ctx = Context(config, today)
    for _ in range(1000):
        case_id = writer.next_id()
        target = config.cases_dir / f"{case_id}.md"
        data, body = case_data(row, case_id=case_id, today=today, by=by, sheet=sheet.name,
                               next_review_days=days)
        text, problems = _validated(data, body, target, row, sheet, config, ctx)
        if text is None:
            result.diagnostics += problems
            result.rejected.append(row.number)
            return
        if writer.create(target, text):
            result.diagnostics += problems
            result.created.append((row.number, case_id))
            return
    raise FileExistsError(f"no free case id found in {config.cases_dir}")


def summary(result: ImportResult) -> str:
    """What the import did, in Markdown fit for a pull request description."""
    verb = "would be created (dry run)" if result.dry_run else "created"
    lines = [f"## Import of {result.sheet}", ""]
    created = result.created
    span = f": {created[0][1]} to {created[-1][1]}" if len(created) > 1 else (
        f": {created[0][1]}" if created else "")
    changes = sum(len(m.changes) for m in result.matched)
    lines += [f"- {len(created)} new case{'s' if len(created) != 1 else ''} {verb}{span}",
              f"- {len(result.matched)} row{'s' if len(result.matched) != 1 else ''} matched "
              f"an existing case, with {changes} proposed change{'s' if changes != 1 else ''} "
              "(nothing was changed)",
              f"- {len(result.rejected)} row{'s' if len(result.rejected) != 1 else ''} rejected"]
    proposals = [m for m in result.matched if m.changes]
    if proposals:
        lines += ["", "### Proposed changes", ""]
        for m in proposals:
            lines.append(f"- {m.case_id} (row {m.row}, alias `{m.alias}`):")
            lines += [f"  - {change}" for change in m.changes]
    if result.rejected:
        lines += ["", "### Rejected rows", ""]
        for number in result.rejected:
            said = [d.message for d in result.diagnostics
                    if d.line == number and d.severity is Severity.ERROR]
            lines.append(f"- row {number}: {'; '.join(said)}")
    return "\n".join(lines)
