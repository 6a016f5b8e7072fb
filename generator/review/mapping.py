"""What `casebook import` reads: the columns it takes, and the mapping of another sheet.

Without a mapping, a sheet's headers are casebook's own column names
(`IMPORT_COLUMNS`: those of the `cases.csv` export that a new case can take,
plus one source per row and the narrative). A mapping (YAML, `Mapping`) turns
any CSV or JSON Lines file into those columns: which column holds each one,
value maps ("Likely strike" -> likely), date formats, counts written as text
("3-7", "at least 12", "unknown"), templates for the title, the body and the
alias, and defaults. Its JSON Schema is `schema/mapping.schema.json`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from generator.records.schema import (
    Attribution,
    CivilianObject,
    LocationPrecision,
    OperationType,
    Sensitivity,
    SourceType,
    Visibility,
)

COUNT_FIELDS = ("killed", "injured", "children_killed", "children_injured", "women_killed",
                "women_injured", "men_killed", "men_injured")
"""The counts of a case's harm, in the schema's order."""

Kind = Literal["text", "date", "incident-date", "number", "whole", "count", "list", "country"]


@dataclass(frozen=True, slots=True)
class Target:
    """One column `casebook import` takes, and how a cell of it is read."""

    name: str
    kind: Kind
    choices: type[enum.StrEnum] | None = None
    mapping_only: bool = False
    """Only a mapping can fill it (a text count): casebook's own export has no such column."""


def _targets() -> dict[str, Target]:
    found = [
        Target("title", "text"), Target("incident_date", "incident-date"),
        Target("country", "country"), Target("admin1", "text"), Target("admin2", "text"),
        Target("place", "text"), Target("lat", "number"), Target("lon", "number"),
        Target("location_precision", "text", LocationPrecision),
        Target("partner_force", "text"), Target("unit", "text"),
        Target("operation_type", "text", OperationType),
        Target("attribution", "text", Attribution),
    ]
    for name in COUNT_FIELDS:
        found += [Target(f"{name}_min", "whole"), Target(f"{name}_max", "whole")]
    found += [
        Target("civilian_objects", "list", CivilianObject), Target("aliases", "list"),
        Target("tags", "list"), Target("sensitivity", "text", Sensitivity),
        Target("assignee", "text"), Target("next_review", "date"),
        Target("source_type", "text", SourceType), Target("source_title", "text"),
        Target("source_url", "text"), Target("source_publisher", "text"),
        Target("source_published", "date"), Target("source_visibility", "text", Visibility),
        Target("narrative", "text"),
    ]
    found += [Target(name, "count", mapping_only=True) for name in COUNT_FIELDS]
    return {t.name: t for t in found}


TARGETS: dict[str, Target] = _targets()
IMPORT_COLUMNS: tuple[str, ...] = tuple(t.name for t in TARGETS.values() if not t.mapping_only)
"""The headers a sheet without a mapping may have, in the order of the cases.csv export."""
LIST_SEPARATOR = ";"
"""How the export joins a list ("; "), and so how a list cell is split."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ColumnSpec(_Strict):
    """Where one casebook column comes from, and how its cells are read."""

    column: str = Field(min_length=1, description="The name of the column of the sheet "
                                                  "(the key of a JSON Lines object).")
    values: dict[str, str] = Field(
        default_factory=dict,
        description="Value map: a cell's text (compared without case and surrounding "
                    "spaces) to the value casebook records, e.g. \"Likely strike\": likely.")
    dates: list[str] = Field(
        default_factory=list,
        description="Date formats tried in order (Python strptime: %d day, %m month "
                    "number, %B month name, %b short name, %Y year), e.g. \"%B-%d-%Y\" for "
                    "october-29-2023 and \"%d/%m/%Y\" for 29/10/2023.")
    split: str = Field(LIST_SEPARATOR, min_length=1,
                       description="For a list column: what separates its items.")


class Mapping(_Strict):
    """How the rows of another sheet become cases (`casebook import --mapping`)."""

    format: Literal["csv", "jsonl"] | None = Field(
        None, description="csv or jsonl (one JSON object per line); by default from the "
                          "file's suffix (.jsonl, .ndjson: JSON Lines).")
    key: str | None = Field(
        None, description="Template of the alias that identifies a row's incident, e.g. "
                          "\"examplewatch:{Incident ID}\": written into the case's aliases "
                          "and matched on a later import, so that no row is imported twice.")
    title: str | None = Field(None, description="Template of the case title, e.g. "
                                                "\"{Type} in {Town}\".")
    body: str | None = Field(None, description="Template of the case's Markdown body; it "
                                               "should cite the source as [S1].")
    columns: dict[str, str | ColumnSpec] = Field(
        default_factory=dict,
        description="Casebook column (title, incident_date, killed, source_url, ...) to the "
                    "sheet's column name, or to a column spec with value map and date "
                    "formats. killed, injured and the other counts read text such as 3-7, "
                    "at least 12 or unknown.")
    defaults: dict[str, str | int | float] = Field(
        default_factory=dict,
        description="Casebook column to the value used when the row has none, e.g. "
                    "sensitivity: AMBER, location_precision: settlement.")
    next_review_days: int = Field(14, ge=0, le=3650,
                                  description="The first review is this many days after the "
                                              "import.")


def spec(value: str | ColumnSpec) -> ColumnSpec:
    return value if isinstance(value, ColumnSpec) else ColumnSpec(column=value)


def mapping_json_schema() -> dict[str, Any]:
    """The JSON Schema of a mapping file, for editors."""
    schema = Mapping.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://casebook.invalid/schema/mapping.schema.json"
    schema["properties"]["columns"]["propertyNames"] = {"enum": list(TARGETS)}
    schema["properties"]["defaults"]["propertyNames"] = {"enum": list(TARGETS)}
    return schema


# --------------------------------------------------------------------------
# Templates: `{Column name}` is the cell of that column; `{{` and `}}` are braces.

_FIELD = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


def template_columns(template: str) -> list[str]:
    """The columns a template reads, in order."""
    return [m.group(1) for m in _FIELD.finditer(template) if m.group(1) is not None]


def fill(template: str, cells: dict[str, str]) -> str:
    """The template with every `{Column}` replaced by its cell (empty when missing)."""
    def one(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group()[0]
        return cells.get(m.group(1), "")

    return _FIELD.sub(one, template)


# --------------------------------------------------------------------------
# Cells.

_RANGE = re.compile(r"(\d+)\s*(?:-|–|—|to)\s*(\d+)")
_AT_LEAST = re.compile(r"(?:at least|over|more than|min(?:imum)?\.?|≥|>=?)\s*(\d+)|(\d+)\s*\+")
_ABOUT = re.compile(r"(?:about|around|approx(?:imately|\.)?|~|c\.|circa)\s*(\d+)")
UNKNOWN_WORDS = frozenset({"unknown", "unk", "n/a", "na", "?", "-", "not known", "unclear"})


def parse_count(text: str) -> int | dict[str, int] | None:
    """A count written as text: "7", "3-7" (a range), "at least 12" or "12+" (12, the
    lowest figure, since a range needs a highest one), "about 5" (5), "unknown"
    (None). ValueError says what was not understood."""
    cleaned = text.strip().lower().replace(",", "")
    if cleaned in UNKNOWN_WORDS:
        return None
    if cleaned.isdigit():
        return int(cleaned)
    if m := _RANGE.fullmatch(cleaned):
        low, high = int(m.group(1)), int(m.group(2))
        if low > high:
            raise ValueError(f"'{text}': the first figure is greater than the second")
        return low if low == high else {"min": low, "max": high}
    for pattern in (_AT_LEAST, _ABOUT):
        if m := pattern.fullmatch(cleaned):
            return int(next(g for g in m.groups() if g is not None))
    raise ValueError(f"'{text}' is not a count: write a number, a range such as 3-7, "
                     "'at least 12' or 'unknown'")


def parse_date(text: str, formats: list[str]) -> dt.date:
    """The date in `text` by the first of `formats` that reads it; ValueError if none."""
    cleaned = text.strip()
    for form in formats:
        try:
            return dt.datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    shown = ", ".join(f"'{f}'" for f in formats)
    raise ValueError(f"'{text}' is not a date in the format{'s' if len(formats) > 1 else ''} "
                     f"{shown}")
