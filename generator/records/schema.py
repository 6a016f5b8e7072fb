"""The case record: one pydantic model, the single source of the schema.

Every field carries a label and a description, and every value of an
enumeration its label and description (`Choice`); the JSON Schema (`casebook
schema`), the field reference in the README and the about page, the labels on
the site and in the terminal (`label_of`), and the validator all come from
these classes (walked by `generator.records.fields`). Rules that depend on
a case's stage or on other cases live in `generator.checks` (the stage gates in
`generator.checks.gates`, which add their sentences to the descriptions in the
reference and the JSON Schema), so that each can report its own diagnostic code.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from enum import auto
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    StrictFloat,
    StrictInt,
    Tag,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --------------------------------------------------------------------------
# Enumerations. Each member is declared with a sentence saying what it means, and its
# value and the label people read where the member's name does not give them, so
# that every page, chart, the README and the JSON Schema show and explain each
# choice the same way.


_ACRONYMS = {"id": "ID", "url": "URL", "ihl": "IHL", "us": "U.S."}


def field_title(name: str) -> str:
    """A key's label when the field sets no `title`: its words in sentence case, with
    acronyms as written (`archive_url` -> "Archive URL", `ihl_concern` -> "IHL concern")."""
    words = [_ACRONYMS.get(word, word) for word in name.split("_")]
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


class Choice(enum.StrEnum):
    """An enumeration of the schema: each member is `VALUE, DESCRIPTION[, LABEL]`.

    The value is what a case file holds: `auto()` for the member's name in lowercase
    with hyphens (`ON_HOLD` is "on-hold"). The label is what people read: unless given,
    the value's words in sentence case with acronyms as written, the rule of the field
    labels ("not-us-origin" is "Not U.S. origin"). The description says what the value
    means (shown as a tooltip and in the field reference).
    """

    _value_: str
    label: str
    description: str

    @staticmethod
    def _generate_next_value_(name: str, start: int, count: int, last_values: list[Any]) -> str:
        return name.lower().replace("_", "-")

    # Called with the declared tuple when the class is made. `Stage("intake")` looks a member
    # up by its value without calling this; the defaults only let type checkers read that call.
    def __new__(cls, value: str, description: str = "", label: str = "") -> Self:
        if not description.strip():
            raise TypeError(f"{cls.__name__}.{value}: a description is required")
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or field_title(value.replace("-", "_"))
        member.description = description
        return member


def meanings(cls: type[Choice]) -> dict[str, str]:
    """The description of each value of an enumeration, in declaration order."""
    return {member.value: member.description for member in cls}


NOT_RECORDED = "Not recorded"
"""The one bucket, wherever cases are grouped or counted, for a value that is absent or
recorded as unknown."""
NOT_RECORDED_MEANING = "No value is recorded, or the value is recorded as unknown."
# Descriptions that several enumerations share.
NOT_KNOWN = "Not known."
NOT_YET_ASSESSED = "Not yet assessed."
UNDETERMINED = "Cannot be determined on the information available."
UNKNOWN = "unknown"
"""The value that says a fact is not known: a member of several enumerations, and what a
writer puts in a free-text field that allows it (incident.partner_force)."""


def is_unrecorded(value: str | None) -> bool:
    """Whether a value belongs in the "Not recorded" bucket: absent, or unknown."""
    return value is None or value.strip().lower() == UNKNOWN


def label_of(value: Choice | None) -> str:
    """The label people read for an enumeration value; "Not recorded" for no value."""
    return NOT_RECORDED if value is None else value.label


def bucket_of(value: Choice | None) -> tuple[str, str]:
    """The (label, description) under which a value is grouped or counted: absent and
    unknown values share the "Not recorded" bucket."""
    if value is None or is_unrecorded(value.value):
        return NOT_RECORDED, NOT_RECORDED_MEANING
    return value.label, value.description


class Stage(Choice):
    """Where a case stands in the response process."""

    INTAKE = auto(), "Logged, not yet analysed."
    INCIDENT_ANALYSIS = (auto(),
        "Stage 1: establishing what happened, to whom, and with which weapons.")
    POLICY_IMPACT_ASSESSMENT = (auto(), "Stage 2: the harm is found credible; weighing what "
                                "it means for policy and for the partner relationship.")
    COORDINATED_ACTION = (auto(),
        "Stage 3: the department acts: engagement, conditions, suspension or other measures.")
    CLOSED = auto(), "No further work; the closure reason says why."

    @property
    def rank(self) -> int:
        """Position in the process; closed comes after every open stage."""
        return _STAGE_RANK[self.value]


_STAGE_RANK = {stage.value: i for i, stage in enumerate(Stage)}
OPEN_STAGES = (Stage.INTAKE, Stage.INCIDENT_ANALYSIS, Stage.POLICY_IMPACT_ASSESSMENT,
               Stage.COORDINATED_ACTION)


class Status(Choice):
    """The state of work within the current stage."""

    ACTIVE = auto(), "Being worked on."
    AWAITING_INFORMATION = (auto(),
        "Waiting for information from a source, a partner or another office.")
    ON_HOLD = auto(), "Paused deliberately; the next review says when to look again."


class ClosureReason(Choice):
    """Why a case was closed."""

    ACTIONS_COMPLETED = (auto(),
        "Every action decided for the case is completed, declined or superseded.")
    NO_ACTION_WARRANTED = auto(), "Harm assessed; no action is warranted."
    HARM_NOT_CREDIBLE = auto(), "The reported harm was found not credible."
    NOT_US_ORIGIN = auto(), "The weapons involved were found not to be of U.S. origin."
    INSUFFICIENT_INFORMATION = auto(), "Not enough information to reach a finding."
    DUPLICATE = auto(), "The same incident as another case (see duplicate_of)."
    OUT_OF_SCOPE = auto(), "Outside the mechanism's scope."
    WITHDRAWN = auto(), "Logged in error and withdrawn."


class Sensitivity(Choice):
    """Traffic Light Protocol 2.0 label of the whole case."""

    CLEAR = "CLEAR", "May be published.", "TLP:CLEAR"
    GREEN = "GREEN", "The wider community, not published.", "TLP:GREEN"
    AMBER = "AMBER", "The organisation and the clients who need to know.", "TLP:AMBER"
    AMBER_STRICT = "AMBER+STRICT", "The organisation only.", "TLP:AMBER+STRICT"
    RED = "RED", "Named recipients only; never published by any build profile.", "TLP:RED"

    @property
    def rank(self) -> int:
        """Position from the most open label to the most restricted."""
        return _SENSITIVITY_RANK[self]


_SENSITIVITY_RANK = {label: i for i, label in enumerate(Sensitivity)}


class LocationPrecision(Choice):
    """How precisely the incident's location is known."""

    EXACT = auto(), "The exact spot is known."
    STREET = auto(), "Known to the street or block."
    NEIGHBOURHOOD = auto(), "Known to the neighbourhood."
    SETTLEMENT = auto(), "Known to the town or village."
    DISTRICT = auto(), "Known to the district (second administrative level)."
    PROVINCE = auto(), "Known to the province (first administrative level)."
    COUNTRY = auto(), "Known to the country only."
    UNKNOWN = auto(), "The location is not known."


class OperationType(Choice):
    """The kind of military operation."""

    AIR = auto(), "Air-delivered strike."
    GROUND = auto(), "Ground operation."
    NAVAL = auto(), "Naval operation."
    ARTILLERY = auto(), "Artillery or rocket fire."
    DRONE = auto(), "Uncrewed aircraft."
    MIXED = auto(), "More than one of the above."
    UNKNOWN = auto(), NOT_KNOWN


class Attribution(Choice):
    """How firmly the incident is attributed to the partner force."""

    ACKNOWLEDGED = auto(), "The partner force acknowledged the strike or operation."
    LIKELY = auto(), "Attribution to the partner force is likely on the evidence."
    CONTESTED = auto(), "More than one party is blamed."
    SINGLE_SOURCE_CLAIM = (auto(), "One source attributes it; not corroborated.",
        "Single-source claim")
    UNKNOWN = auto(), "Not known who is responsible."


class CivilianObject(Choice):
    """A kind of civilian object damaged or destroyed."""

    RESIDENTIAL = auto(), "Homes and residential buildings."
    MEDICAL = auto(), "Hospitals, clinics, ambulances."
    SCHOOL = auto(), "Schools and universities."
    RELIGIOUS = auto(), "Places of worship."
    SHELTER = auto(), "Shelters and displacement sites."
    WATER_SANITATION = auto(), "Water and sanitation infrastructure.", "Water and sanitation"
    ENERGY = auto(), "Power and fuel infrastructure."
    FOOD_MARKET = auto(), "Markets, bakeries, food stores."
    HUMANITARIAN = auto(), "Aid convoys, warehouses and premises."
    CULTURAL = auto(), "Cultural property.", "Cultural property"
    COMMERCIAL = auto(), "Shops and businesses."
    TRANSPORT = auto(), "Roads, bridges, vehicles in civilian use."
    OTHER = auto(), "Another kind of civilian object."


class WeaponCategory(Choice):
    """The kind of weapon or platform."""

    GUIDED_BOMB = auto(), "Guided bomb."
    UNGUIDED_BOMB = auto(), "Unguided (free-fall) bomb."
    GUIDANCE_KIT = auto(), "Guidance kit fitted to a bomb."
    MISSILE = auto(), "Missile."
    ROCKET = auto(), "Rocket."
    ARTILLERY = auto(), "Artillery shell."
    MORTAR = auto(), "Mortar round."
    SMALL_ARMS = auto(), "Small arms and light weapons."
    LOITERING_MUNITION = auto(), "Loitering munition."
    CLUSTER_MUNITION = auto(), "Cluster munition."
    AIRCRAFT = auto(), "Aircraft (the platform)."
    VEHICLE = auto(), "Vehicle (the platform)."
    OTHER = auto(), "Another kind."
    UNKNOWN = auto(), NOT_KNOWN


class UsOrigin(Choice):
    """Confidence that the weapon was supplied by the United States."""

    CONFIRMED = auto(), "U.S. origin is confirmed."
    LIKELY = auto(), "U.S. origin is likely."
    POSSIBLE = auto(), "U.S. origin is possible."
    UNLIKELY = auto(), "U.S. origin is unlikely."
    UNKNOWN = auto(), NOT_KNOWN

    @property
    def needs_basis(self) -> bool:
        return self in (UsOrigin.CONFIRMED, UsOrigin.LIKELY)


class UsOriginBasis(Choice):
    """What the U.S.-origin judgement rests on."""

    REMNANT_MARKINGS = auto(), "Markings on remnants (data plate, fin stencil)."
    SERIAL_OR_LOT_NUMBER = auto(), "A serial or lot number traced to a U.S. transfer."
    OFFICIAL_ACKNOWLEDGEMENT = auto(), "An official acknowledgement of the weapon used."
    TRANSFER_RECORD = auto(), "A record of transfer to the partner."
    TYPE_ONLY_SUPPLIED_BY_US = (
        auto(),
        "The weapon type is supplied to the partner by the U.S. only.",
        "Type supplied only by the U.S.")
    EXPERT_ASSESSMENT = auto(), "An expert's assessment of imagery or remnants."
    MEDIA_REPORT = auto(), "A media report."


class SourceType(Choice):
    """Where a piece of information came from."""

    MEDIA = auto(), "News media reporting."
    CIVIL_SOCIETY = auto(), "A civil-society or human-rights organisation."
    FOREIGN_GOVERNMENT = auto(), "A foreign government contact (not the partner)."
    PARTNER_GOVERNMENT = auto(), "The partner government itself."
    US_GOVERNMENT = auto(), "A U.S. government source."
    UN_OR_IO = (auto(), "The United Nations or another international organisation.",
        "UN or international organisation")
    SOCIAL_MEDIA = auto(), "Social media posts."
    OTHER = auto(), "Another kind of source."


class Visibility(Choice):
    """Whether a source may be named outside the organisation."""

    PUBLIC = auto(), "Publicly available; title and URL are required."
    NON_PUBLIC = (
        auto(),
        "Not public (a contact, internal reporting); never published on a public build.",
        "Non-public")


class Reliability(Choice):
    """Admiralty scale: the reliability of the source."""

    A = "A", "Completely reliable."
    B = "B", "Usually reliable."
    C = "C", "Fairly reliable."
    D = "D", "Not usually reliable."
    E = "E", "Unreliable."
    F = "F", "Reliability cannot be judged."


class HarmFinding(Choice):
    """The finding on whether the reported civilian harm occurred."""

    PENDING = auto(), NOT_YET_ASSESSED
    CREDIBLE = auto(), "The harm is found credible (more likely than not)."
    NOT_CREDIBLE = auto(), "The harm is found not credible."
    INSUFFICIENT_INFORMATION = auto(), "Not enough information to decide."
    DUPLICATE = auto(), "The harm is recorded in another case."


class IhlConcern(Choice):
    """Concern about compliance with international humanitarian law."""

    NOT_ASSESSED = auto(), NOT_YET_ASSESSED
    NONE_IDENTIFIED = auto(), "No concern identified."
    POSSIBLE = auto(), "A concern is possible."
    LIKELY = auto(), "A concern is likely."
    UNABLE_TO_DETERMINE = auto(), UNDETERMINED


class Avoidable(Choice):
    """Whether the harm could have been avoided or reduced."""

    NOT_ASSESSED = auto(), NOT_YET_ASSESSED
    NO = auto(), "The harm could not have been avoided or reduced."
    PARTLY = auto(), "The harm could have been partly avoided or reduced."
    YES = auto(), "The harm could have been avoided."
    UNABLE_TO_DETERMINE = auto(), UNDETERMINED


class RecurrenceRisk(Choice):
    """Risk that similar harm recurs without action."""

    LOW = auto(), "Low."
    MEDIUM = auto(), "Medium."
    HIGH = auto(), "High."
    UNKNOWN = auto(), NOT_KNOWN


class PartnerPosition(Choice):
    """The partner government's stated position on the incident."""

    NOT_ENGAGED = auto(), "The partner has not been engaged yet."
    INVESTIGATING = auto(), "The partner says it is investigating."
    ACKNOWLEDGED = auto(), "The partner acknowledged the harm."
    DENIED = auto(), "The partner denied the harm or its responsibility."
    NO_RESPONSE = auto(), "The partner did not respond."


class ActionType(Choice):
    """A kind of department action or recommendation."""

    PARTNER_ENGAGEMENT = auto(), "Engage the partner government to mitigate harm."
    REQUEST_PARTNER_INVESTIGATION = (auto(), "Ask the partner to investigate.",
        "Request a partner investigation")
    TRAINING = auto(), "Recommend or provide training."
    DIFFERENT_EQUIPMENT = auto(), "Recommend different equipment."
    TACTICS_PROCEDURES_CHANGE = (auto(), "Recommend changes to tactics or procedures.",
        "Tactics or procedures change")
    END_USE_MONITORING = auto(), "Enhanced end-use monitoring.", "End-use monitoring"
    ASSURANCES = auto(), "Seek assurances from the partner."
    CONDITION_FUTURE_TRANSFERS = (auto(), "Attach conditions to future transfers.",
        "Conditions on future transfers")
    PAUSE_DELIVERY = auto(), "Pause deliveries.", "Pause deliveries"
    SUSPEND_LICENSE = auto(), "Suspend export licences.", "Suspend export licences"
    WITHHOLD_APPROVAL = auto(), "Withhold future approvals.", "Withhold approvals"
    NO_ACTION = auto(), "No action."
    OTHER = auto(), "Another action."


class ActionStatus(Choice):
    """Where an action stands."""

    PROPOSED = auto(), "Proposed, not yet approved."
    APPROVED = auto(), "Approved, not started."
    IN_PROGRESS = auto(), "Under way."
    COMPLETED = auto(), "Done."
    DECLINED = auto(), "Decided against."
    SUPERSEDED = auto(), "Replaced by another action."

    @property
    def finished(self) -> bool:
        return self in (ActionStatus.COMPLETED, ActionStatus.DECLINED, ActionStatus.SUPERSEDED)


# --------------------------------------------------------------------------
# Value types with checks of their own. Each raises a PydanticCustomError whose
# type names the diagnostic it becomes (see generator.checks.corpus).

CASE_ID_PATTERN = r"^[A-Z][A-Z0-9]*-[0-9]{4}-[0-9]{4,}$"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
HANDLE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
SOURCE_KEY_PATTERN = r"^S[0-9]+$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FUZZY_PART = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(~)?")


def describe_value(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _real_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        year, month, day = (int(p) for p in text.split("-"))
        if not 1 <= month <= 12:
            raise PydanticCustomError(
                "cb_bad_date", "'{text}' is not a real date: there is no month {month}",
                {"text": text, "month": month}) from None
        raise PydanticCustomError(
            "cb_bad_date", "'{text}' is not a real date: {month_name} {year} has no day {day}",
            {"text": text, "month_name": dt.date(2000, month, 1).strftime("%B"),
             "year": year, "day": day}) from None


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return _real_date(value)
    raise PydanticCustomError(
        "cb_bad_date", "expected a date written as YYYY-MM-DD, got {got}",
        {"got": describe_value(value)})


Date = Annotated[
    dt.date,
    BeforeValidator(_parse_date),
    # A profile may blank a date it does not publish (a non-public source's dates).
    PlainSerializer(lambda d: d.isoformat() if d is not None else None, return_type=str | None),
    WithJsonSchema({"type": "string", "format": "date"}),
]


@dataclass(frozen=True, slots=True)
class FuzzyDate:
    """A date as precise as it is known: a year, a month, a day, or a range of them.

    `start` and `end` are the first and last day it may be; `approximate` is set
    by a trailing `~` on either side.
    """

    text: str
    start: dt.date
    end: dt.date
    approximate: bool

    def __str__(self) -> str:
        return self.text


def _fuzzy_bounds(part: str, whole: str) -> tuple[dt.date, dt.date, bool]:
    match = _FUZZY_PART.fullmatch(part)
    if match is None:
        raise PydanticCustomError(
            "cb_bad_date",
            "'{text}' is not a date: write YYYY, YYYY-MM, YYYY-MM-DD or a range START/END, "
            "with ~ after a date that is approximate", {"text": whole})
    year, month, day, tilde = match.groups()
    if day is not None:
        one = _real_date(f"{year}-{month}-{day}")
        return one, one, bool(tilde)
    if month is not None:
        m = int(month)
        if not 1 <= m <= 12:
            raise PydanticCustomError("cb_bad_date",
                                      "'{text}' is not a real date: there is no month {month}",
                                      {"text": whole, "month": m})
        first = dt.date(int(year), m, 1)
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
        return first, last, bool(tilde)
    return dt.date(int(year), 1, 1), dt.date(int(year), 12, 31), bool(tilde)


def _parse_fuzzy_date(value: object) -> FuzzyDate:
    if isinstance(value, FuzzyDate):
        return value
    # A bare year is read by YAML as a number; it is still the year the writer meant.
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        value = str(value)
    if not isinstance(value, str):
        raise PydanticCustomError(
            "cb_bad_date", "expected a date (YYYY, YYYY-MM, YYYY-MM-DD or START/END), got {got}",
            {"got": describe_value(value)})
    parts = value.split("/")
    if len(parts) > 2:
        raise PydanticCustomError("cb_bad_date", "'{text}' has more than one '/'",
                                  {"text": value})
    start, _, approx_a = _fuzzy_bounds(parts[0], value)
    if len(parts) == 1:
        _, end, _ = _fuzzy_bounds(parts[0], value)
        return FuzzyDate(value, start, end, approx_a)
    range_start, _, _ = _fuzzy_bounds(parts[1], value)
    _, end, approx_b = _fuzzy_bounds(parts[1], value)
    if range_start < start:
        raise PydanticCustomError("cb_bad_range", "the range '{text}' ends before it starts",
                                  {"text": value})
    return FuzzyDate(value, start, end, approx_a or approx_b)


IncidentDate = Annotated[
    FuzzyDate,
    BeforeValidator(_parse_fuzzy_date),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({
        "anyOf": [
            {"type": "string",
             "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?~?"
                        r"(/[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?~?)?$"},
            # A bare year, as a YAML reader sees it.
            {"type": "integer", "minimum": 1000, "maximum": 9999},
        ],
        "examples": ["2024-02-10", "2024-02", "2024", "2024-02-10~", "2024-02-01/2024-02-03"],
    }),
]


def _pattern(regex: str, what: str, example: str) -> Any:
    compiled = re.compile(regex)

    def check(value: object) -> object:
        if isinstance(value, str) and not compiled.match(value):
            raise PydanticCustomError("cb_bad_format", "'{text}' is not {what} (for example {ex})",
                                      {"text": value, "what": what, "ex": example})
        return value

    return BeforeValidator(check)


CaseId = Annotated[str, _pattern(CASE_ID_PATTERN, "a case id", "CH-2024-0007"),
                   Field(json_schema_extra={"pattern": CASE_ID_PATTERN})]
Slug = Annotated[str, _pattern(SLUG_PATTERN, "a lowercase slug", "night-strike"),
                 Field(json_schema_extra={"pattern": SLUG_PATTERN})]
Handle = Annotated[str, _pattern(HANDLE_PATTERN, "a user handle", "jdoe"),
                   Field(json_schema_extra={"pattern": HANDLE_PATTERN})]
SourceKey = Annotated[str, _pattern(SOURCE_KEY_PATTERN, "a source key", "S1"),
                      Field(json_schema_extra={"pattern": SOURCE_KEY_PATTERN})]
Text = Annotated[str, Field(min_length=1)]


def _check_country(value: object) -> object:
    from iso3166 import countries_by_alpha2, countries_by_alpha3

    if not isinstance(value, str):
        return value
    if value in countries_by_alpha3:
        return value
    hint = ""
    upper = value.upper()
    if upper in countries_by_alpha3:
        hint = f" (did you mean {upper}?)"
    elif upper in countries_by_alpha2:
        alpha3 = countries_by_alpha2[upper].alpha3
        hint = f" ({upper} is a two-letter code; did you mean {alpha3}?)"
    raise PydanticCustomError(
        "cb_bad_format",
        "'{text}' is not an ISO 3166-1 alpha-3 country code{hint}", {"text": value, "hint": hint})


CountryCode = Annotated[
    str, BeforeValidator(_check_country),
    Field(json_schema_extra={"pattern": "^[A-Z]{3}$"}),
]


def _check_url(value: object) -> object:
    if isinstance(value, str) and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
        raise PydanticCustomError(
            "cb_bad_format", "'{text}' is not an http(s) URL", {"text": value})
    return value


Url = Annotated[str, BeforeValidator(_check_url),
                Field(json_schema_extra={"format": "uri", "pattern": "^https?://"})]

# --------------------------------------------------------------------------
# The records.


class Record(BaseModel):
    """Base of every part of a case: unknown keys are errors, nothing is coerced silently.

    Every field has a label (its JSON Schema `title`): the `title` it sets, else
    `field_title` of its name."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False,
                              field_title_generator=lambda name, _: field_title(name),
                              validate_default=False, str_strip_whitespace=False)


class CountRange(Record):
    """A casualty figure known only as a range."""

    min: StrictInt = Field(ge=0, title="Minimum", description="Lowest credible figure.")
    max: StrictInt = Field(ge=0, title="Maximum", description="Highest credible figure.")

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if self.min > self.max:
            raise PydanticCustomError("cb_bad_range",
                                      "the minimum {min} is greater than the maximum {max}",
                                      {"min": self.min, "max": self.max})
        return self


def _count_kind(value: Any) -> str | None:
    if isinstance(value, CountRange | dict):
        return "range"
    if isinstance(value, int) and not isinstance(value, bool):
        return "number"
    return None


Count = Annotated[
    Annotated[Annotated[StrictInt, Field(ge=0)], Tag("number")]
    | Annotated[CountRange, Tag("range")],
    Discriminator(
        _count_kind,
        custom_error_type="cb_wrong_type",
        custom_error_message="expected a whole number, a range {min: N, max: N}, "
                             "or null for unknown",
    ),
]
"""A number of people: exact, a {min, max} range, or null when unknown."""

COUNT_UNION_TAGS = frozenset({"number", "range"})


def count_bounds(count: int | CountRange | None) -> tuple[int, int] | None:
    """The lowest and highest value of a count; None when unknown."""
    if count is None:
        return None
    if isinstance(count, CountRange):
        return (count.min, count.max)
    return (count, count)


class StageEntry(Record):
    """One move of the case into a stage: the decision record."""

    stage: Stage = Field(description="The stage the case moved into.")
    date: Date = Field(description="The date of the move (YYYY-MM-DD).")
    by: Handle = Field(title="Moved by", description="Handle of the person who made the move.")
    note: Text = Field(description="Why the case moved: the reasoning, in a sentence or two.")


class Coordinates(Record):
    """A point in WGS84."""

    lat: StrictFloat = Field(ge=-90, le=90, title="Latitude",
                             description="Latitude in decimal degrees.")
    lon: StrictFloat = Field(ge=-180, le=180, title="Longitude",
                             description="Longitude in decimal degrees.")


class Incident(Record):
    """What happened, when and where."""

    date: IncidentDate = Field(
        description="When the incident happened: YYYY, YYYY-MM, YYYY-MM-DD, or a range "
                    "START/END; a trailing ~ marks a date as approximate.")
    country: CountryCode = Field(description="ISO 3166-1 alpha-3 code of the country.")
    admin1: Text | None = Field(None, title="First administrative level",
                                description="First administrative level "
                                            "(province, governorate, state).")
    admin2: Text | None = Field(None, title="Second administrative level",
                                description="Second administrative level (district).")
    place: Text | None = Field(None, description="Town, village or neighbourhood.")
    coordinates: Coordinates | None = Field(None, description="Location in WGS84, if known.")
    location_precision: LocationPrecision = Field(
        description="How precisely the location is known.")
    partner_force: Text | None = Field(
        None, description="The partner force believed responsible; may be 'unknown'.")
    unit: Text | None = Field(None, description="The unit involved, if known.")
    operation_type: OperationType | None = Field(None, description="The kind of operation.")
    attribution: Attribution = Field(
        description="How firmly the incident is attributed to the partner force.")


class Harm(Record):
    """Civilian harm reported. Counts are a number, a {min, max} range, or null for unknown."""

    killed: Count | None = Field(None, description="Civilians killed.")
    injured: Count | None = Field(None, description="Civilians injured.")
    children_killed: Count | None = Field(None, description="Children among the killed.")
    children_injured: Count | None = Field(None, description="Children among the injured.")
    women_killed: Count | None = Field(None, description="Women among the killed.")
    women_injured: Count | None = Field(None, description="Women among the injured.")
    men_killed: Count | None = Field(None, description="Men among the killed.")
    men_injured: Count | None = Field(None, description="Men among the injured.")
    civilian_objects: list[CivilianObject] = Field(
        default_factory=list, description="Kinds of civilian objects damaged or destroyed.")


BREAKDOWNS = ("children", "women", "men")


class Weapon(Record):
    """A weapon or platform involved, and whether it is of U.S. origin."""

    category: WeaponCategory = Field(description="The kind of weapon or platform.")
    designation: Text | None = Field(None, description="Model or designation, e.g. GBU-39/B.")
    us_origin: UsOrigin = Field(description="Confidence that it was supplied by the U.S.")
    us_origin_basis: list[UsOriginBasis] = Field(
        title="U.S.-origin basis",
        default_factory=list, description="What the U.S.-origin judgement rests on.")


class Source(Record):
    """One source of information, cited in the body by its key, e.g. [S1]."""

    key: SourceKey = Field(description="Unique within the case: S1, S2, ...; the body "
                                       "cites it as [S1].")
    type: SourceType = Field(description="What kind of source it is.")
    visibility: Visibility = Field(description="Whether the source may be named publicly.")
    title: Text | None = Field(None, description="Title; required for public sources.")
    publisher: Text | None = Field(None, description="Who published it.")
    published: Date | None = Field(None, description="Publication date (YYYY-MM-DD).")
    url: Url | None = Field(None, description="http(s) address; required for public sources.")
    archive_url: Url | None = Field(None, description="An archived copy's http(s) address.")
    language: Annotated[str, _pattern(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", "a language tag", "en"),
                        ] | None = Field(None, description="Language tag (BCP 47), e.g. en, ar.")
    accessed: Date = Field(description="When the source was consulted (YYYY-MM-DD).")
    reliability: Reliability | None = Field(
        None, description="Admiralty scale reliability of the source, A (completely "
                          "reliable) to F (cannot be judged).")
    credibility: StrictInt | None = Field(
        None, ge=1, le=6, description="Admiralty scale credibility of the information, "
                                      "1 (confirmed) to 6 (cannot be judged).")


class Assessment(Record):
    """The analysts' findings."""

    harm_finding: HarmFinding = Field(HarmFinding.PENDING,
                                      description="Whether the reported harm is credible.")
    ihl_concern: IhlConcern = Field(
        IhlConcern.NOT_ASSESSED,
        description="Concern about compliance with international humanitarian law.")
    avoidable: Avoidable = Field(Avoidable.NOT_ASSESSED,
                                 description="Whether the harm could have been avoided "
                                             "or reduced.")
    recurrence_risk: RecurrenceRisk | None = Field(
        None, description="Risk that similar harm recurs without action.")
    partner_position: PartnerPosition | None = Field(
        None, description="The partner government's stated position.")
    recommendations: list[ActionType] = Field(
        default_factory=list, description="Actions recommended.")
    reviewed_by: list[Handle] = Field(
        default_factory=list, description="Handles of the reviewers.")


class Action(Record):
    """An action taken or proposed by the department."""

    type: ActionType = Field(description="The kind of action.")
    status: ActionStatus = Field(description="Where the action stands.")
    date: Date | None = Field(None, description="Date of the latest change of status.")
    note: Text | None = Field(None, description="Free text.")


class Case(Record):
    """One incident of possible civilian harm: the front matter of `cases/ID.md`."""

    id: CaseId = Field(description="PREFIX-YYYY-NNNN: the prefix set in mkdocs.yml, the year "
                                   "the case was opened, four or more digits. Never changes; "
                                   "the file is named `ID.md`.")
    title: Text = Field(max_length=160, description="A short neutral title, at most 160 "
                                                    "characters.")
    opened: Date = Field(description="When the case was opened (YYYY-MM-DD).")
    stage: Stage = Field(description="Where the case stands in the process.")
    status: Status | None = Field(None, description="State of work in the stage.")
    closure_reason: ClosureReason | None = Field(
        None, description="Why the case was closed.")
    duplicate_of: CaseId | None = Field(
        None, description="The case this one duplicates.")
    not_duplicate_of: list[CaseId] = Field(
        default_factory=list,
        description="Cases found not to be the same incident as this one, although they "
                    "look alike; `casebook duplicates` no longer proposes them.")
    next_review: Date | None = Field(None, description="When the case is next reviewed.")
    sensitivity: Sensitivity = Field(description="Traffic Light Protocol 2.0 label.")
    assignee: Handle | None = Field(None, description="Handle of the analyst in charge.")
    stage_history: list[StageEntry] = Field(
        min_length=1, description="Every move between stages, oldest first; dates never "
                                  "decrease and the last entry's stage is the current stage.")
    incident: Incident = Field(description="What happened, when and where.")
    harm: Harm | None = Field(None, description="Civilian harm reported.")
    weapons: list[Weapon] = Field(default_factory=list, description="Weapons involved.")
    sources: list[Source] = Field(min_length=1, description="Sources of information, at "
                                                            "least one.")
    assessment: Assessment | None = Field(None, description="The analysts' findings.")
    actions: list[Action] = Field(default_factory=list,
                                  description="Actions proposed or taken.")
    related: list[CaseId] = Field(default_factory=list, description="Ids of related cases.")
    aliases: list[Text] = Field(
        default_factory=list,
        description="Identifiers of the same incident in other datasets, e.g. "
                    "'airwars:ispt0019a'.")
    tags: list[Slug] = Field(default_factory=list, description="Lowercase slugs for grouping.")

    @property
    def is_open(self) -> bool:
        return self.stage is not Stage.CLOSED


def enumerations() -> list[type[Choice]]:
    """Every enumeration used by the schema, in a stable order."""
    return [Stage, Status, ClosureReason, Sensitivity, LocationPrecision, OperationType,
            Attribution, CivilianObject, WeaponCategory, UsOrigin, UsOriginBasis, SourceType,
            Visibility, Reliability, HarmFinding, IhlConcern, Avoidable, RecurrenceRisk,
            PartnerPosition, ActionType, ActionStatus]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a case's front matter, for editors and other tools."""
    schema = Case.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://casebook.invalid/schema/case.schema.json"
    by_name = {cls.__name__: cls for cls in enumerations()}
    for name, definition in schema.get("$defs", {}).items():
        cls = by_name.get(name)
        if cls is not None:
            definition["enumDescriptions"] = [m.description for m in cls]
    return schema


def removable_field(dotted: str) -> str | None:
    """Why the dotted field cannot be left out of a published case; None when it can."""
    from generator.records.fields import field_at  # fields walks the records of this module

    found = field_at(dotted)
    if found is None:
        return f"'{dotted}' is not a field of a case"
    if found.required:
        return f"'{dotted}' is required by the schema and cannot be removed"
    return None
