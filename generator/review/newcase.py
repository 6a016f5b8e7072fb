"""Start a case (`casebook new`): the next free id, a file from a template, never an overwrite.

The new file comes from the Jinja2 template `templates/case.md.j2` of the
repository (or, when the repository has none, the one beside this package). It
is in stage intake and status active, opened today with a review in two weeks,
with a first stage_history entry and one public source, and it is already in the
canonical form of `casebook fmt`. What the writer must supply (the title, the
incident's date and country, the source's title, url and accessed date, and who
logged the case and why, unless given) is a placeholder starting with TODO in the
front matter, and a passage marked `[TODO]` (BODY_PLACEHOLDER) in the body; the
validator reports each as CB211 `placeholder` until it is replaced.

Values given on the command line are checked against the schema's own field
types before anything is written (`option_problem`), with a "did you mean" where
a close value exists (`--country sudan`: SDN).

location_precision and attribution start as `unknown`, which is true until the
analyst knows better.
"""

from __future__ import annotations

import datetime as dt
import difflib
import enum
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, TypedDict, Unpack

from pydantic import BaseModel, TypeAdapter, ValidationError

from generator import templating
from generator.config import Config
from generator.files import write_new
from generator.records.frontmatter import BODY_PLACEHOLDER, PLACEHOLDER_PREFIX
from generator.records.loader import case_files
from generator.records.schema import (
    Case,
    FuzzyDate,
    Incident,
    Sensitivity,
    Source,
    SourceType,
    StageEntry,
)
from generator.review.fmt import scalar_text

TEMPLATE_NAME = "case.md.j2"
REVIEW_AFTER = dt.timedelta(days=14)
"""A new case is first reviewed two weeks after it is opened."""

_P = PLACEHOLDER_PREFIX
TITLE = f"{_P} A short neutral title"
BY = _P
"""A placeholder that is also a valid handle, so that CB211 can report it."""
NOTE = f"{_P} Where the case came from"
INCIDENT_DATE = f"{_P} Date of the incident, YYYY-MM-DD (or YYYY-MM, YYYY)"
COUNTRY = f"{_P} ISO 3166-1 alpha-3 country code"
SOURCE_TITLE = f"{_P} Title of the source"
SOURCE_URL = f"{_P} https://..."
ACCESSED = f"{_P} Date you read the source, YYYY-MM-DD"


class NewCaseFields(TypedDict, total=False):
    """What `casebook new` may be told; everything else is a placeholder or a default."""

    title: str | None
    country: str | None
    incident_date: str | None
    source_url: str | None
    source_title: str | None
    assignee: str | None
    by: str | None
    sensitivity: str
    source_type: str


OPTION_FIELDS: dict[str, tuple[type[BaseModel], str]] = {
    "title": (Case, "title"),
    "country": (Incident, "country"),
    "incident_date": (Incident, "date"),
    "source_url": (Source, "url"),
    "source_title": (Source, "title"),
    "assignee": (Case, "assignee"),
    "by": (StageEntry, "by"),
    "sensitivity": (Case, "sensitivity"),
    "source_type": (Source, "type"),
}
"""The schema field each value `casebook new` may be given is written to: a value is
checked by that field's own type, so the command and the validator agree."""


def _adapter(name: str) -> TypeAdapter[Any]:
    model, key = OPTION_FIELDS[name]
    info = model.model_fields[key]
    # The field's type with its constraints, made at run time: no static type to give.
    form: Any = Annotated[info.annotation, info]
    return TypeAdapter(form)


def option_problem(name: str, text: str, today: dt.date) -> str | None:
    """Why `text` cannot be the new case's `name` (a key of OPTION_FIELDS), with a "did
    you mean" when a close value exists; None when the case can hold it."""
    choices = _choices(name)
    if choices is not None:
        if text in choices:
            return None
        close = ([c for c in choices if c.lower() == text.strip().lower()]
                 or difflib.get_close_matches(text, choices, n=1, cutoff=0.6))
        return f"'{text}' is not one of {', '.join(choices)}" + _did_you_mean(close)
    try:
        value = _adapter(name).validate_python(text)
    except ValidationError as err:
        message = str(err.errors(include_url=False)[0]["msg"])
        if name == "country" and "did you mean" not in message:
            message += _did_you_mean(country_suggestions(text))
        return message
    if isinstance(value, FuzzyDate) and value.start > today:
        return f"'{text}' is after today ({today.isoformat()})"
    return None


def _choices(name: str) -> list[str] | None:
    """The values of an enumerated field, in the schema's order; None for other fields."""
    model, key = OPTION_FIELDS[name]
    kind = model.model_fields[key].annotation
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return [str(member.value) for member in kind]
    return None


def _did_you_mean(close: list[str]) -> str:
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def country_suggestions(text: str) -> list[str]:
    """The alpha-3 codes `text` may have meant, with their names: a name or an alpha-2
    code (`sudan`, `SD`: `SDN (Sudan)`), the start of a name's word (`korea`: PRK and
    KOR) or a misspelt name (`Sudna`). At most three."""
    from iso3166 import countries

    key = text.strip()
    if not key:
        return []
    try:
        found = [countries.get(key)]
    except KeyError:
        word = re.compile(rf"\b{re.escape(key)}", re.IGNORECASE)
        found = [c for c in countries if len(key) >= 3 and word.search(c.name)]
        if not found:
            names = {c.name.lower(): c for c in countries}
            found = [names[n] for n in difflib.get_close_matches(key.lower(), names, n=3,
                                                                 cutoff=0.75)]
    return [f"{c.alpha3} ({c.name})" for c in found[:3]]


def next_id(config: Config, year: int, existing: Iterable[str]) -> str:
    """PREFIX-YYYY-NNNN: one more than the highest number of `year` among `existing` ids.

    Gaps are never filled (a number once used may be referred to elsewhere); ids
    of other years or prefixes are ignored; the number has four digits, or more
    once 9999 is taken.
    """
    if not 1000 <= year <= 9999:
        raise ValueError(f"a case id holds a four-digit year, not {year}")
    prefix = config.settings.id_prefix
    own = re.compile(rf"{re.escape(prefix)}-{year}-([0-9]{{4,}})")
    numbers = (int(m.group(1)) for text in existing if (m := own.fullmatch(text)))
    return f"{prefix}-{year}-{max(numbers, default=0) + 1:04d}"


def template_path(config: Config) -> Path:
    """The repository's template, else the one that comes with casebook."""
    own = config.root / "templates" / TEMPLATE_NAME
    if own.is_file():
        return own
    return Path(__file__).resolve().parents[2] / "templates" / TEMPLATE_NAME


def render_new_case(
    config: Config,
    *,
    case_id: str,
    today: dt.date,
    title: str | None = None,
    country: str | None = None,
    incident_date: str | None = None,
    source_url: str | None = None,
    source_title: str | None = None,
    assignee: str | None = None,
    by: str | None = None,
    sensitivity: str = "AMBER",
    source_type: str = "media",
) -> str:
    """The text of a new case file. Values are written as YAML scalars (a JSON string
    when quoting is needed), so no value can break out of its line. `by`, who logs the
    case, is the assignee unless given."""
    Sensitivity(sensitivity)  # ValueError for a label that does not exist
    SourceType(source_type)
    path = template_path(config)
    env = templating.environment(path.parent, {"yaml": scalar_text})
    template = env.get_template(path.name)
    when = _given(incident_date)
    return template.render(
        case_id=case_id,
        today=today,
        next_review=today + REVIEW_AFTER,
        sensitivity=sensitivity,
        title=_given(title) or TITLE,
        assignee=_given(assignee),
        by=_given(by) or _given(assignee) or BY,
        note=NOTE,
        # Read as the schema reads it, so that it is written as `casebook fmt` would.
        incident_date=_adapter("incident_date").validate_python(when) if when else INCIDENT_DATE,
        country=_given(country) or COUNTRY,
        source_type=source_type,
        source_title=_given(source_title) or SOURCE_TITLE,
        source_url=_given(source_url) or SOURCE_URL,
        # Whoever gives the address has the source in front of them today.
        accessed=today if _given(source_url) else ACCESSED,
        todo=BODY_PLACEHOLDER,
    )


def _given(value: str | None) -> str | None:
    """An option's value, or None when it is missing or blank."""
    if value is None or not value.strip():
        return None
    return value.strip()


def create_case(config: Config, *, today: dt.date, **fields: Unpack[NewCaseFields]) -> Path:
    """Write a new case as `cases/<next id>.md` and return its path.

    The id is the next free number of `today`'s year among the case files in the
    cases folder. The file is created exclusively (O_EXCL): an existing file is
    never overwritten; if another process took the id meanwhile, the next is tried.
    """
    folder = config.cases_dir
    folder.mkdir(parents=True, exist_ok=True)
    taken = {path.stem for path in case_files(config)}
    for _ in range(1000):
        case_id = next_id(config, today.year, taken)
        text = render_new_case(config, case_id=case_id, today=today, **fields)
        path = folder / f"{case_id}.md"
        try:
            write_new(path, text.encode("utf-8"))
        except FileExistsError:
            taken.add(case_id)
            continue
        return path
    raise FileExistsError(f"no free case id found in {folder}")
