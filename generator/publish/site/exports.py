"""The files under `/exports/`, for people who take the data elsewhere.

`build_exports` turns the cases a build publishes into the contents of every
file in `EXPORTS`: the cases as JSON, flat CSV tables for spreadsheets, a
GeoJSON layer for maps and the JSON Schema. It is pure (no I/O) and
deterministic: the same cases, profile and date give the same bytes.

Conventions, documented on the about page through `EXPORTS`:

- CSV files are UTF-8 with a byte order mark (so that spreadsheets detect the
  encoding), rows end in CRLF, dates are ISO (YYYY-MM-DD), a value that is
  absent is an empty cell (nothing is invented: no defaults, no zeros), a count
  is two columns `_min` and `_max` (equal when the figure is exact, both empty
  when unknown), and lists are joined with "; ".
- A text cell that starts with =, +, -, @, a tab, a carriage return or a NUL
  gets a leading apostrophe, so that a spreadsheet shows it as text instead of
  running it as a formula (CSV injection). Numbers are never changed: a
  negative longitude stays a number.
- Every CSV header is exactly the documented columns, in the documented order;
  `_write_csv` refuses a row whose keys differ.
- Headers are the schema's key names and values are written as in the case
  files (`not-us-origin`, not its label "Not U.S. origin"): these files are read
  by tools, and cases.csv by the import, which match on names and values. The
  labels people read are on the site; the about page explains every column.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from generator.publish.reference import json_schema
from generator.publish.steps import Fresh, Outputs
from generator.records.schema import (
    Action,
    Case,
    CountRange,
    Source,
    SourceType,
    Weapon,
    count_bounds,
)

__all__ = ["EXPORTS", "EXPORTS_FOLDER", "EXPORT_PART", "Column", "Export", "build_exports",
           "guard_formula"]

EXPORTS_FOLDER = "exports/"
"""Where the export files are in the generated docs and in the site."""
EXPORT_PART = "export"
"""The key under which a case's part of the exports is asked of `Outputs`, with the
case (as published) and the profile's name: (EXPORT_PART, case id)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a CSV export, or one key of a JSON export."""

    name: str
    description: str
    """One sentence, shown on the site's about page."""


@dataclass(frozen=True, slots=True)
class Export:
    """One file under `/exports/`."""

    file: str
    description: str
    """One sentence for the about page and the dashboard link."""
    columns: tuple[Column, ...]
    """CSV columns in order; for JSON and GeoJSON, the top-level keys and properties."""


# --------------------------------------------------------------------------
# Cells. A row is a dict from column name to a typed value; the type decides
# how the value is written, so that only text is ever guarded.

Cell = str | int | float | bool | None

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, ASVS 1.2.10)."""


def guard_formula(text: str) -> str:
    """Prefix an apostrophe to text that a spreadsheet would otherwise run as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _number(value: float) -> str:
    """A float as a plain decimal: shortest round-trip digits, never an exponent."""
    text = repr(value)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    return guard_formula(value)


def _join(values: Iterable[str]) -> str | None:
    """A list as one cell; None (an empty cell) when the list is empty."""
    items = [str(v) for v in values]
    return "; ".join(items) if items else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _csv_text(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)  # the default dialect: minimal quoting, CRLF row ends
    return buffer.getvalue()


def _csv_rows(columns: tuple[Column, ...], rows: Iterable[dict[str, Cell]]) -> str:
    """CSV lines for `rows`, each of which must have exactly the documented columns."""
    names = [c.name for c in columns]
    lines = []
    for row in rows:
        if list(row) != names:
            raise ValueError(f"row columns {list(row)} differ from the documented {names}")
        lines.append([_cell(value) for value in row.values()])
    return _csv_text(lines)


def _write_csv(columns: tuple[Column, ...], parts: Iterable[str]) -> bytes:
    """A CSV file: the header of the documented columns, then each case's lines."""
    return (_csv_text([[c.name for c in columns]]) + "".join(parts)).encode("utf-8-sig")


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _write_json(data: Any) -> bytes:
    return (_json(data) + "\n").encode("utf-8")


def _item_json(data: Any) -> str:
    """`data` as it reads as an item of the top-level object's list (`_write_listing`)."""
    return textwrap.indent(_json(data), "    ")


def _write_listing(head: dict[str, Any], key: str, items: Sequence[str]) -> bytes:
    """`_write_json({**head, key: [...]})` for a list whose items are written already by
    `_item_json`: the same bytes, without encoding every item again."""
    if not items:
        return _write_json({**head, key: []})
    text = _json({**head, key: [0]})
    # The list is the last value, so its placeholder item is the last "    0" line.
    before, placeholder, after = text.rpartition("\n    0\n")
    assert placeholder, text
    return (before + "\n" + ",\n".join(items) + "\n" + after + "\n").encode("utf-8")


# --------------------------------------------------------------------------
# Columns. Descriptions are one sentence each; the about page lists them.

def _c(name: str, description: str) -> Column:
    return Column(name, description)


COUNTS: tuple[tuple[str, str], ...] = (
    ("killed", "civilians killed"),
    ("injured", "civilians injured"),
    ("children_killed", "children among the killed"),
    ("children_injured", "children among the injured"),
    ("women_killed", "women among the killed"),
    ("women_injured", "women among the injured"),
    ("men_killed", "men among the killed"),
    ("men_injured", "men among the injured"),
)
"""Every count of the harm section, in the order of the CSV columns."""


def _count_columns(field: str, what: str) -> tuple[Column, Column]:
    return (
        _c(f"{field}_min", f"Lowest figure of {what}; the same as {field}_max when the figure "
                           "is exact, empty when unknown or not recorded."),
        _c(f"{field}_max", f"Highest figure of {what}; the same as {field}_min when the figure "
                           "is exact, empty when unknown or not recorded."),
    )


_PROFILE = _c("profile", "The build profile that published this file (internal or public).")

CASE_COLUMNS: tuple[Column, ...] = (
    _c("id", "The case id, PREFIX-YYYY-NNNN; the key that the other CSV files' case_id "
             "refers to."),
    _c("title", "A short neutral title of the case."),
    _c("opened", "When the case was opened (YYYY-MM-DD)."),
    _c("stage", "Where the case stands in the process: intake, incident-analysis, "
                "policy-impact-assessment, coordinated-action or closed."),
    _c("stage_entered", "When the case entered its current stage, from the last entry of its "
                        "stage history (YYYY-MM-DD)."),
    _c("status", "State of work in the stage (active, awaiting-information, on-hold), if "
                 "recorded; required while the case is open."),
    _c("closure_reason", "Why the case was closed; empty while it is open."),
    _c("duplicate_of", "The id of the case this one duplicates, when closed as a duplicate."),
    _c("next_review", "When the case is next reviewed (YYYY-MM-DD), if recorded; required "
                      "while the case is open."),
    _c("sensitivity", "Traffic Light Protocol 2.0 label of the case."),
    _c("assignee", "Handle of the analyst in charge, if any."),
    _c("incident_date", "When the incident happened, as recorded: YYYY, YYYY-MM, YYYY-MM-DD or "
                        "a range START/END, with ~ marking an approximate date."),
    _c("incident_date_start", "The first day the incident may have happened (YYYY-MM-DD)."),
    _c("incident_date_end", "The last day the incident may have happened (YYYY-MM-DD)."),
    _c("incident_date_approximate", "true when the incident date is marked approximate (~), "
                                    "otherwise false."),
    _c("country", "ISO 3166-1 alpha-3 code of the country of the incident."),
    _c("admin1", "First administrative level (province, governorate, state), if known."),
    _c("admin2", "Second administrative level (district), if known."),
    _c("place", "Town, village or neighbourhood, if known."),
    _c("lat", "Latitude in decimal degrees (WGS84), if known; a plain number, negative "
              "south of the equator."),
    _c("lon", "Longitude in decimal degrees (WGS84), if known; a plain number, negative "
              "west of Greenwich."),
    _c("location_precision", "How precisely the location is known, from exact to unknown."),
    _c("partner_force", "The partner force believed responsible, if recorded."),
    _c("unit", "The unit involved, if known."),
    _c("operation_type", "The kind of operation (air, ground, naval, artillery, drone, mixed, "
                         "unknown), if recorded."),
    _c("attribution", "How firmly the incident is attributed to the partner force."),
    *(column for field, what in COUNTS for column in _count_columns(field, what)),
    _c("civilian_objects", "Kinds of civilian objects damaged or destroyed, joined with \"; \"."),
    _c("weapon_count", "How many weapons or platforms the case records (rows in weapons.csv)."),
    _c("source_count", "How many sources the case cites (rows in sources.csv)."),
    _c("source_types", "The kinds of source the case cites, each once, joined with \"; \"."),
    _c("action_count", "How many department actions the case records (rows in actions.csv)."),
    _c("harm_finding", "Whether the reported harm is found credible; empty when the case has "
                       "no assessment yet."),
    _c("ihl_concern", "Concern about compliance with international humanitarian law; empty "
                      "when the case has no assessment yet."),
    _c("avoidable", "Whether the harm could have been avoided or reduced; empty when the case "
                    "has no assessment yet."),
    _c("recurrence_risk", "Risk that similar harm recurs without action, if assessed."),
    _c("partner_position", "The partner government's stated position, if recorded."),
    _c("recommendations", "Kinds of action recommended, joined with \"; \"."),
    _c("reviewed_by", "Handles of the reviewers of the assessment, joined with \"; \"."),
    _c("related", "Ids of related cases, joined with \"; \"."),
    _c("aliases", "Identifiers of the same incident in other datasets, joined with \"; \"."),
    _c("tags", "Lowercase tags for grouping, joined with \"; \"."),
    _PROFILE,
)

SOURCE_COLUMNS: tuple[Column, ...] = (
    _c("case_id", "The id of the case that cites the source (cases.csv id)."),
    _c("key", "The source's key within its case (S1, S2, ...), as cited in the narrative."),
    _c("type", "What kind of source it is (media, civil-society, un-or-io, ...)."),
    _c("visibility", "public, or non-public when the source may not be named outside the "
                     "organisation."),
    _c("title", "Title of the source, if recorded."),
    _c("publisher", "Who published it, if recorded."),
    _c("published", "Publication date (YYYY-MM-DD), if recorded."),
    _c("url", "The source's http(s) address, if recorded."),
    _c("archive_url", "An archived copy's http(s) address, if recorded."),
    _c("language", "Language tag (BCP 47), if recorded."),
    _c("accessed", "When the source was consulted (YYYY-MM-DD)."),
    _c("reliability", "Admiralty scale reliability of the source, A to F, if assessed."),
    _c("credibility", "Admiralty scale credibility of the information, 1 to 6, if assessed."),
    _PROFILE,
)

WEAPON_COLUMNS: tuple[Column, ...] = (
    _c("case_id", "The id of the case that records the weapon (cases.csv id)."),
    _c("index", "Position of the weapon in its case's list, from 1."),
    _c("category", "The kind of weapon or platform."),
    _c("designation", "Model or designation, e.g. GBU-39/B, if known."),
    _c("us_origin", "Confidence that the weapon was supplied by the United States."),
    _c("us_origin_basis", "What the U.S.-origin judgement rests on, joined with \"; \"."),
    _PROFILE,
)

ACTION_COLUMNS: tuple[Column, ...] = (
    _c("case_id", "The id of the case the action belongs to (cases.csv id)."),
    _c("index", "Position of the action in its case's list, from 1."),
    _c("type", "The kind of action."),
    _c("status", "Where the action stands (proposed, approved, in-progress, completed, "
                 "declined, superseded)."),
    _c("date", "Date of the latest change of status (YYYY-MM-DD), if recorded."),
    _c("note", "Free text about the action, if any."),
    _PROFILE,
)

JSON_COLUMNS: tuple[Column, ...] = (
    _c("profile", "The build profile that published this file (internal or public)."),
    _c("generated", "The date the site was built (YYYY-MM-DD)."),
    _c("count", "How many cases the file holds."),
    _c("cases", "Every published case as its front matter, sorted by id, with the fields "
                "described in case.schema.json."),
)

GEOJSON_PROPERTIES: tuple[Column, ...] = (
    _c("id", "The case id."),
    _c("title", "A short neutral title of the case."),
    _c("stage", "Where the case stands in the process."),
    _c("status", "State of work in the stage; null when not recorded (closed cases)."),
    _c("incident_date", "When the incident happened, as recorded (YYYY, YYYY-MM, YYYY-MM-DD or "
                        "START/END, ~ for approximate)."),
    _c("incident_date_start", "The first day the incident may have happened (YYYY-MM-DD)."),
    _c("incident_date_end", "The last day the incident may have happened (YYYY-MM-DD)."),
    _c("country", "ISO 3166-1 alpha-3 code of the country."),
    _c("location_precision", "How precisely the location is known: the point may stand for a "
                             "whole district or province."),
    _c("partner_force", "The partner force believed responsible; null if not recorded."),
    *_count_columns("killed", "civilians killed"),
    *_count_columns("injured", "civilians injured"),
    _c("url", "The case page, relative to the exports folder (../cases/ID/)."),
)

GEOJSON_COLUMNS: tuple[Column, ...] = (
    _c("type", "Always FeatureCollection (RFC 7946)."),
    _c("profile", "The build profile that published this file (internal or public)."),
    _c("generated", "The date the site was built (YYYY-MM-DD)."),
    _c("features", "One Point feature per case with coordinates, in [longitude, latitude] "
                   "order, with the case id as the feature id."),
    *(Column(f"properties.{c.name}", c.description) for c in GEOJSON_PROPERTIES),
)

EXPORTS: tuple[Export, ...] = (
    Export("cases.json", "Every published case, normalised as JSON, sorted by id.",
           JSON_COLUMNS),
    Export("cases.csv", "One row per case, flattened for a spreadsheet: UTF-8 with a byte "
                        "order mark, ISO dates, counts as _min and _max columns, lists joined "
                        "with \"; \", and text that starts with =, +, -, @ or a tab prefixed "
                        "with an apostrophe so that it is never run as a formula.",
           CASE_COLUMNS),
    Export("sources.csv", "One row per source cited by a case, keyed by case_id and key, in "
                          "the CSV conventions of cases.csv.", SOURCE_COLUMNS),
    Export("weapons.csv", "One row per weapon or platform recorded in a case, keyed by "
                          "case_id and index, in the CSV conventions of cases.csv.",
           WEAPON_COLUMNS),
    Export("actions.csv", "One row per department action recorded in a case, keyed by "
                          "case_id and index, in the CSV conventions of cases.csv.",
           ACTION_COLUMNS),
    Export("cases.geojson", "The cases that have coordinates, as GeoJSON points for a map.",
           GEOJSON_COLUMNS),
    Export("case.schema.json", "The JSON Schema of a case's front matter, whose fields are "
                               "described in the field reference above.", ()),
)


# --------------------------------------------------------------------------
# Rows.

def _bounds(count: int | CountRange | None) -> tuple[int | None, int | None]:
    bounds = count_bounds(count)
    return bounds if bounds is not None else (None, None)


def _counts(case: Case, fields: Iterable[str]) -> dict[str, Cell]:
    row: dict[str, Cell] = {}
    for field in fields:
        low, high = _bounds(getattr(case.harm, field) if case.harm is not None else None)
        row[f"{field}_min"] = low
        row[f"{field}_max"] = high
    return row


def _source_types(sources: Iterable[Source]) -> str | None:
    present = {s.type for s in sources}
    return _join(t.value for t in SourceType if t in present)


def _case_row(case: Case, profile: str) -> dict[str, Cell]:
    incident = case.incident
    where = incident.coordinates
    harm = case.harm
    assessment = case.assessment
    return {
        "id": case.id,
        "title": case.title,
        "opened": _iso(case.opened),
        "stage": case.stage.value,
        "stage_entered": _iso(case.stage_history[-1].date),
        "status": case.status.value if case.status else None,
        "closure_reason": case.closure_reason.value if case.closure_reason else None,
        "duplicate_of": case.duplicate_of,
        "next_review": _iso(case.next_review),
        "sensitivity": case.sensitivity.value,
        "assignee": case.assignee,
        "incident_date": incident.date.text,
        "incident_date_start": _iso(incident.date.start),
        "incident_date_end": _iso(incident.date.end),
        "incident_date_approximate": incident.date.approximate,
        "country": incident.country,
        "admin1": incident.admin1,
        "admin2": incident.admin2,
        "place": incident.place,
        "lat": where.lat if where else None,
        "lon": where.lon if where else None,
        "location_precision": incident.location_precision.value,
        "partner_force": incident.partner_force,
        "unit": incident.unit,
        "operation_type": incident.operation_type.value if incident.operation_type else None,
        "attribution": incident.attribution.value,
        **_counts(case, (field for field, _ in COUNTS)),
        "civilian_objects": _join(o.value for o in harm.civilian_objects) if harm else None,
        "weapon_count": len(case.weapons),
        "source_count": len(case.sources),
        "source_types": _source_types(case.sources),
        "action_count": len(case.actions),
        "harm_finding": assessment.harm_finding.value if assessment else None,
        "ihl_concern": assessment.ihl_concern.value if assessment else None,
        "avoidable": assessment.avoidable.value if assessment else None,
        "recurrence_risk": (assessment.recurrence_risk.value
                            if assessment and assessment.recurrence_risk else None),
        "partner_position": (assessment.partner_position.value
                             if assessment and assessment.partner_position else None),
        "recommendations": (_join(r.value for r in assessment.recommendations)
                            if assessment else None),
        "reviewed_by": _join(assessment.reviewed_by) if assessment else None,
        "related": _join(case.related),
        "aliases": _join(case.aliases),
        "tags": _join(case.tags),
        "profile": profile,
    }


def _source_row(case: Case, source: Source, profile: str) -> dict[str, Cell]:
    return {
        "case_id": case.id,
        "key": source.key,
        "type": source.type.value,
        "visibility": source.visibility.value,
        "title": source.title,
        "publisher": source.publisher,
        "published": _iso(source.published),
        "url": source.url,
        "archive_url": source.archive_url,
        "language": source.language,
        "accessed": _iso(source.accessed),
        "reliability": source.reliability.value if source.reliability else None,
        "credibility": source.credibility,
        "profile": profile,
    }


def _item_row(case: Case, index: int, profile: str, **cells: Cell) -> dict[str, Cell]:
    """One row of a table of a case's list items: the case and the item's place in
    the list first, the profile last, as their columns stand."""
    return {"case_id": case.id, "index": index, **cells, "profile": profile}


def _weapon_row(case: Case, index: int, weapon: Weapon, profile: str) -> dict[str, Cell]:
    return _item_row(case, index, profile,
                     category=weapon.category.value, designation=weapon.designation,
                     us_origin=weapon.us_origin.value,
                     us_origin_basis=_join(b.value for b in weapon.us_origin_basis))


def _action_row(case: Case, index: int, action: Action, profile: str) -> dict[str, Cell]:
    return _item_row(case, index, profile, type=action.type.value,
                     status=action.status.value, date=_iso(action.date), note=action.note)


T = TypeVar("T")


# --------------------------------------------------------------------------
# Files.

def _feature(case: Case) -> dict[str, Any] | None:
    where = case.incident.coordinates
    if where is None:
        return None
    harm = case.harm
    killed = _bounds(harm.killed if harm else None)
    injured = _bounds(harm.injured if harm else None)
    date = case.incident.date
    properties: dict[str, Any] = {
        "id": case.id,
        "title": case.title,
        "stage": case.stage.value,
        "status": case.status.value if case.status else None,
        "incident_date": date.text,
        "incident_date_start": date.start.isoformat(),
        "incident_date_end": date.end.isoformat(),
        "country": case.incident.country,
        "location_precision": case.incident.location_precision.value,
        "partner_force": case.incident.partner_force,
        "killed_min": killed[0],
        "killed_max": killed[1],
        "injured_min": injured[0],
        "injured_max": injured[1],
        "url": f"../cases/{case.id}/",
    }
    return {
        "type": "Feature",
        "id": case.id,
        "geometry": {"type": "Point", "coordinates": [where.lon, where.lat]},
        "properties": properties,
    }


@dataclass(frozen=True, slots=True)
class _CaseExport:
    """One case's part of every export, made once and reused while the case is equal."""

    json: str
    case_row: str
    source_rows: str
    weapon_rows: str
    action_rows: str
    feature: str | None


def _case_export(case: Case, profile: str) -> _CaseExport:
    def numbered(items: Sequence[T], row: Callable[[Case, int, T, str], dict[str, Cell]]
                 ) -> Iterable[dict[str, Cell]]:
        return (row(case, index, item, profile) for index, item in enumerate(items, start=1))

    feature = _feature(case)
    return _CaseExport(
        json=_item_json(case.model_dump(mode="json")),
        case_row=_csv_rows(CASE_COLUMNS, [_case_row(case, profile)]),
        source_rows=_csv_rows(SOURCE_COLUMNS,
                              (_source_row(case, source, profile) for source in case.sources)),
        weapon_rows=_csv_rows(WEAPON_COLUMNS, numbered(case.weapons, _weapon_row)),
        action_rows=_csv_rows(ACTION_COLUMNS, numbered(case.actions, _action_row)),
        feature=_item_json(feature) if feature is not None else None,
    )


def build_exports(cases: Sequence[Case], *, profile: str, generated: dt.date,
                  outputs: Outputs | None = None) -> dict[str, bytes]:
    """File name (as in EXPORTS) -> content. Pure: no I/O, deterministic for the same input.

    `cases` are the cases the profile publishes, already redacted for it; they
    are written in id order whatever order they come in. Each case's part is asked
    of `outputs`, which may hand back the part an earlier build made from it.
    """
    outputs = outputs if outputs is not None else Fresh()
    parts = [outputs.get((EXPORT_PART, case.id), (case, profile),
                         functools.partial(_case_export, case, profile))
             for case in sorted(cases, key=lambda case: case.id)]
    head = {"profile": profile, "generated": generated.isoformat()}
    return {
        "cases.json": _write_listing({**head, "count": len(parts)}, "cases",
                                     [p.json for p in parts]),
        "cases.csv": _write_csv(CASE_COLUMNS, (p.case_row for p in parts)),
        "sources.csv": _write_csv(SOURCE_COLUMNS, (p.source_rows for p in parts)),
        "weapons.csv": _write_csv(WEAPON_COLUMNS, (p.weapon_rows for p in parts)),
        "actions.csv": _write_csv(ACTION_COLUMNS, (p.action_rows for p in parts)),
        # Foreign members (profile, generated), which RFC 7946 (section 6.1) allows.
        "cases.geojson": _write_listing({"type": "FeatureCollection", **head}, "features",
                                        [p.feature for p in parts if p.feature is not None]),
        # The same in every build of one process: a watching server's memo keeps it.
        "case.schema.json": outputs.get(("export schema",), None,
                                        lambda: _write_json(json_schema())),
    }
