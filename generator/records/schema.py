"""The case record: one pydantic model, the single source of the schema.

Every field carries a description; the JSON Schema (`casebook schema`), the
field reference in the README and the about page, and the validator all come
from these classes (walked by `generator.records.fields`). Rules that depend on
a case's stage or on other cases live in `generator.checks` (the stage gates in
`generator.checks.gates`, which add their sentences to the descriptions in the
reference and the JSON Schema), so that each can report its own diagnostic code.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Annotated, Any

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
# Enumerations. Each member's meaning is kept beside it in `describe`, so that
# the about page and the JSON Schema can explain every choice.


def describe(meanings: dict[str, str]) -> Any:
    """Attach a sentence to every member of an enumeration (checked at import)."""

    def attach(cls: type[enum.StrEnum]) -> type[enum.StrEnum]:
        missing = {m.value for m in cls} ^ set(meanings)
        if missing:
            raise TypeError(f"{cls.__name__}: descriptions do not match members: {missing}")
        cls.__meanings__ = meanings  # type: ignore[attr-defined]
        return cls

    return attach


def meanings(cls: type[enum.StrEnum]) -> dict[str, str]:
    """The sentence for each value of an enumeration made with `describe`."""
    result: dict[str, str] = getattr(cls, "__meanings__", {})
    return result


@describe({
    "intake": "Logged, not yet analysed.",
    "incident-analysis": "Stage 1: establishing what happened, to whom, and with which weapons.",
    "policy-impact-assessment": "Stage 2: the harm is found credible; weighing what it means "
                                "for policy and for the partner relationship.",
    "coordinated-action": "Stage 3: the department acts: engagement, conditions, "
                          "suspension or other measures.",
    "closed": "No further work; the closure reason says why.",
})
class Stage(enum.StrEnum):
    """Where a case stands in the response process."""

    INTAKE = "intake"
    INCIDENT_ANALYSIS = "incident-analysis"
    POLICY_IMPACT_ASSESSMENT = "policy-impact-assessment"
    COORDINATED_ACTION = "coordinated-action"
    CLOSED = "closed"

    @property
    def rank(self) -> int:
        """Position in the process; closed comes after every open stage."""
        return _STAGE_RANK[self.value]

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


_STAGE_RANK = {stage.value: i for i, stage in enumerate(Stage)}
OPEN_STAGES = (Stage.INTAKE, Stage.INCIDENT_ANALYSIS, Stage.POLICY_IMPACT_ASSESSMENT,
               Stage.COORDINATED_ACTION)


@describe({
    "active": "Being worked on.",
    "awaiting-information": "Waiting for information from a source, a partner or another office.",
    "on-hold": "Paused deliberately; the next review says when to look again.",
})
class Status(enum.StrEnum):
    """The state of work within the current stage."""

    ACTIVE = "active"
    AWAITING_INFORMATION = "awaiting-information"
    ON_HOLD = "on-hold"


@describe({
    "actions-completed": "Every action decided for the case is completed, declined or superseded.",
    "no-action-warranted": "Harm assessed; no action is warranted.",
    "harm-not-credible": "The reported harm was found not credible.",
    "not-us-origin": "The weapons involved were found not to be of U.S. origin.",
    "insufficient-information": "Not enough information to reach a finding.",
    "duplicate": "The same incident as another case (see duplicate_of).",
    "out-of-scope": "Outside the mechanism's scope.",
    "withdrawn": "Logged in error and withdrawn.",
})
class ClosureReason(enum.StrEnum):
    """Why a case was closed."""

    ACTIONS_COMPLETED = "actions-completed"
    NO_ACTION_WARRANTED = "no-action-warranted"
    HARM_NOT_CREDIBLE = "harm-not-credible"
    NOT_US_ORIGIN = "not-us-origin"
    INSUFFICIENT_INFORMATION = "insufficient-information"
    DUPLICATE = "duplicate"
    OUT_OF_SCOPE = "out-of-scope"
    WITHDRAWN = "withdrawn"


@describe({
    "CLEAR": "TLP:CLEAR: may be published.",
    "GREEN": "TLP:GREEN: the wider community, not published.",
    "AMBER": "TLP:AMBER: the organisation and the clients who need to know.",
    "AMBER+STRICT": "TLP:AMBER+STRICT: the organisation only.",
    "RED": "TLP:RED: named recipients only; never published by any build profile.",
})
class Sensitivity(enum.StrEnum):
    """Traffic Light Protocol 2.0 label of the whole case."""

    CLEAR = "CLEAR"
    GREEN = "GREEN"
    AMBER = "AMBER"
    AMBER_STRICT = "AMBER+STRICT"
    RED = "RED"

    @property
    def rank(self) -> int:
        return list(Sensitivity).index(self)


@describe({
    "exact": "The exact spot is known.",
    "street": "Known to the street or block.",
    "neighbourhood": "Known to the neighbourhood.",
    "settlement": "Known to the town or village.",
    "district": "Known to the district (second administrative level).",
    "province": "Known to the province (first administrative level).",
    "country": "Known to the country only.",
    "unknown": "The location is not known.",
})
class LocationPrecision(enum.StrEnum):
    """How precisely the incident's location is known."""

    EXACT = "exact"
    STREET = "street"
    NEIGHBOURHOOD = "neighbourhood"
    SETTLEMENT = "settlement"
    DISTRICT = "district"
    PROVINCE = "province"
    COUNTRY = "country"
    UNKNOWN = "unknown"


@describe({
    "air": "Air-delivered strike.",
    "ground": "Ground operation.",
    "naval": "Naval operation.",
    "artillery": "Artillery or rocket fire.",
    "drone": "Uncrewed aircraft.",
    "mixed": "More than one of the above.",
    "unknown": "Not known.",
})
class OperationType(enum.StrEnum):
    """The kind of military operation."""

    AIR = "air"
    GROUND = "ground"
    NAVAL = "naval"
    ARTILLERY = "artillery"
    DRONE = "drone"
    MIXED = "mixed"
    UNKNOWN = "unknown"


@describe({
    "acknowledged": "The partner force acknowledged the strike or operation.",
    "likely": "Attribution to the partner force is likely on the evidence.",
    "contested": "More than one party is blamed.",
    "single-source-claim": "One source attributes it; not corroborated.",
    "unknown": "Not known who is responsible.",
})
class Attribution(enum.StrEnum):
    """How firmly the incident is attributed to the partner force."""

    ACKNOWLEDGED = "acknowledged"
    LIKELY = "likely"
    CONTESTED = "contested"
    SINGLE_SOURCE_CLAIM = "single-source-claim"
    UNKNOWN = "unknown"


@describe({
    "residential": "Homes and residential buildings.",
    "medical": "Hospitals, clinics, ambulances.",
    "school": "Schools and universities.",
    "religious": "Places of worship.",
    "shelter": "Shelters and displacement sites.",
    "water-sanitation": "Water and sanitation infrastructure.",
    "energy": "Power and fuel infrastructure.",
    "food-market": "Markets, bakeries, food stores.",
    "humanitarian": "Aid convoys, warehouses and premises.",
    "cultural": "Cultural property.",
    "commercial": "Shops and businesses.",
    "transport": "Roads, bridges, vehicles in civilian use.",
    "other": "Another kind of civilian object.",
})
class CivilianObject(enum.StrEnum):
    """A kind of civilian object damaged or destroyed."""

    RESIDENTIAL = "residential"
    MEDICAL = "medical"
    SCHOOL = "school"
    RELIGIOUS = "religious"
    SHELTER = "shelter"
    WATER_SANITATION = "water-sanitation"
    ENERGY = "energy"
    FOOD_MARKET = "food-market"
    HUMANITARIAN = "humanitarian"
    CULTURAL = "cultural"
    COMMERCIAL = "commercial"
    TRANSPORT = "transport"
    OTHER = "other"


@describe({
    "guided-bomb": "Guided bomb.",
    "unguided-bomb": "Unguided (free-fall) bomb.",
    "guidance-kit": "Guidance kit fitted to a bomb.",
    "missile": "Missile.",
    "rocket": "Rocket.",
    "artillery": "Artillery shell.",
    "mortar": "Mortar round.",
    "small-arms": "Small arms and light weapons.",
    "loitering-munition": "Loitering munition.",
    "cluster-munition": "Cluster munition.",
    "aircraft": "Aircraft (the platform).",
    "vehicle": "Vehicle (the platform).",
    "other": "Another kind.",
    "unknown": "Not known.",
})
class WeaponCategory(enum.StrEnum):
    """The kind of weapon or platform."""

    GUIDED_BOMB = "guided-bomb"
    UNGUIDED_BOMB = "unguided-bomb"
    GUIDANCE_KIT = "guidance-kit"
    MISSILE = "missile"
    ROCKET = "rocket"
    ARTILLERY = "artillery"
    MORTAR = "mortar"
    SMALL_ARMS = "small-arms"
    LOITERING_MUNITION = "loitering-munition"
    CLUSTER_MUNITION = "cluster-munition"
    AIRCRAFT = "aircraft"
    VEHICLE = "vehicle"
    OTHER = "other"
    UNKNOWN = "unknown"


@describe({
    "confirmed": "U.S. origin is confirmed.",
    "likely": "U.S. origin is likely.",
    "possible": "U.S. origin is possible.",
    "unlikely": "U.S. origin is unlikely.",
    "unknown": "Not known.",
})
class UsOrigin(enum.StrEnum):
    """Confidence that the weapon was supplied by the United States."""

    CONFIRMED = "confirmed"
    LIKELY = "likely"
    POSSIBLE = "possible"
    UNLIKELY = "unlikely"
    UNKNOWN = "unknown"

    @property
    def needs_basis(self) -> bool:
        return self in (UsOrigin.CONFIRMED, UsOrigin.LIKELY)


@describe({
    "remnant-markings": "Markings on remnants (data plate, fin stencil).",
    "serial-or-lot-number": "A serial or lot number traced to a U.S. transfer.",
    "official-acknowledgement": "An official acknowledgement of the weapon used.",
    "transfer-record": "A record of transfer to the partner.",
    "type-only-supplied-by-us": "The weapon type is supplied to the partner by the U.S. only.",
    "expert-assessment": "An expert's assessment of imagery or remnants.",
    "media-report": "A media report.",
})
class UsOriginBasis(enum.StrEnum):
    """What the U.S.-origin judgement rests on."""

    REMNANT_MARKINGS = "remnant-markings"
    SERIAL_OR_LOT_NUMBER = "serial-or-lot-number"
    OFFICIAL_ACKNOWLEDGEMENT = "official-acknowledgement"
    TRANSFER_RECORD = "transfer-record"
    TYPE_ONLY_SUPPLIED_BY_US = "type-only-supplied-by-us"
    EXPERT_ASSESSMENT = "expert-assessment"
    MEDIA_REPORT = "media-report"


@describe({
    "media": "News media reporting.",
    "civil-society": "A civil-society or human-rights organisation.",
    "foreign-government": "A foreign government contact (not the partner).",
    "partner-government": "The partner government itself.",
    "us-government": "A U.S. government source.",
    "un-or-io": "The United Nations or another international organisation.",
    "social-media": "Social media posts.",
    "other": "Another kind of source.",
})
class SourceType(enum.StrEnum):
    """Where a piece of information came from."""

    MEDIA = "media"
    CIVIL_SOCIETY = "civil-society"
    FOREIGN_GOVERNMENT = "foreign-government"
    PARTNER_GOVERNMENT = "partner-government"
    US_GOVERNMENT = "us-government"
    UN_OR_IO = "un-or-io"
    SOCIAL_MEDIA = "social-media"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"un-or-io": "UN or international organisation",
                "us-government": "U.S. government"}.get(
            self.value, self.value.replace("-", " ").capitalize())


@describe({
    "public": "Publicly available; title and URL are required.",
    "non-public": "Not public (a contact, internal reporting); never published on a public build.",
})
class Visibility(enum.StrEnum):
    """Whether a source may be named outside the organisation."""

    PUBLIC = "public"
    NON_PUBLIC = "non-public"


@describe({
    "A": "Completely reliable.",
    "B": "Usually reliable.",
    "C": "Fairly reliable.",
    "D": "Not usually reliable.",
    "E": "Unreliable.",
    "F": "Reliability cannot be judged.",
})
class Reliability(enum.StrEnum):
    """Admiralty scale: the reliability of the source."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


@describe({
    "pending": "Not yet assessed.",
    "credible": "The harm is found credible (more likely than not).",
    "not-credible": "The harm is found not credible.",
    "insufficient-information": "Not enough information to decide.",
    "duplicate": "The harm is recorded in another case.",
})
class HarmFinding(enum.StrEnum):
    """The finding on whether the reported civilian harm occurred."""

    PENDING = "pending"
    CREDIBLE = "credible"
    NOT_CREDIBLE = "not-credible"
    INSUFFICIENT_INFORMATION = "insufficient-information"
    DUPLICATE = "duplicate"


@describe({
    "not-assessed": "Not yet assessed.",
    "none-identified": "No concern identified.",
    "possible": "A concern is possible.",
    "likely": "A concern is likely.",
    "unable-to-determine": "Cannot be determined on the information available.",
})
class IhlConcern(enum.StrEnum):
    """Concern about compliance with international humanitarian law."""

    NOT_ASSESSED = "not-assessed"
    NONE_IDENTIFIED = "none-identified"
    POSSIBLE = "possible"
    LIKELY = "likely"
    UNABLE_TO_DETERMINE = "unable-to-determine"


@describe({
    "not-assessed": "Not yet assessed.",
    "no": "The harm could not have been avoided or reduced.",
    "partly": "The harm could have been partly avoided or reduced.",
    "yes": "The harm could have been avoided.",
    "unable-to-determine": "Cannot be determined on the information available.",
})
class Avoidable(enum.StrEnum):
    """Whether the harm could have been avoided or reduced."""

    NOT_ASSESSED = "not-assessed"
    NO = "no"
    PARTLY = "partly"
    YES = "yes"
    UNABLE_TO_DETERMINE = "unable-to-determine"


@describe({
    "low": "Low.", "medium": "Medium.", "high": "High.", "unknown": "Not known.",
})
class RecurrenceRisk(enum.StrEnum):
    """Risk that similar harm recurs without action."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    UNKNOWN = "unknown"


@describe({
    "not-engaged": "The partner has not been engaged yet.",
    "investigating": "The partner says it is investigating.",
    "acknowledged": "The partner acknowledged the harm.",
    "denied": "The partner denied the harm or its responsibility.",
    "no-response": "The partner did not respond.",
})
class PartnerPosition(enum.StrEnum):
    """The partner government's stated position on the incident."""

    NOT_ENGAGED = "not-engaged"
    INVESTIGATING = "investigating"
    ACKNOWLEDGED = "acknowledged"
    DENIED = "denied"
    NO_RESPONSE = "no-response"


@describe({
    "partner-engagement": "Engage the partner government to mitigate harm.",
    "request-partner-investigation": "Ask the partner to investigate.",
    "training": "Recommend or provide training.",
    "different-equipment": "Recommend different equipment.",
    "tactics-procedures-change": "Recommend changes to tactics or procedures.",
    "end-use-monitoring": "Enhanced end-use monitoring.",
    "assurances": "Seek assurances from the partner.",
    "condition-future-transfers": "Attach conditions to future transfers.",
    "pause-delivery": "Pause deliveries.",
    "suspend-license": "Suspend export licences.",
    "withhold-approval": "Withhold future approvals.",
    "no-action": "No action.",
    "other": "Another action.",
})
class ActionType(enum.StrEnum):
    """A kind of department action or recommendation."""

    PARTNER_ENGAGEMENT = "partner-engagement"
    REQUEST_PARTNER_INVESTIGATION = "request-partner-investigation"
    TRAINING = "training"
    DIFFERENT_EQUIPMENT = "different-equipment"
    TACTICS_PROCEDURES_CHANGE = "tactics-procedures-change"
    END_USE_MONITORING = "end-use-monitoring"
    ASSURANCES = "assurances"
    CONDITION_FUTURE_TRANSFERS = "condition-future-transfers"
    PAUSE_DELIVERY = "pause-delivery"
    SUSPEND_LICENSE = "suspend-license"
    WITHHOLD_APPROVAL = "withhold-approval"
    NO_ACTION = "no-action"
    OTHER = "other"


@describe({
    "proposed": "Proposed, not yet approved.",
    "approved": "Approved, not started.",
    "in-progress": "Under way.",
    "completed": "Done.",
    "declined": "Decided against.",
    "superseded": "Replaced by another action.",
})
class ActionStatus(enum.StrEnum):
    """Where an action stands."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    DECLINED = "declined"
    SUPERSEDED = "superseded"

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
    """Base of every part of a case: unknown keys are errors, nothing is coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False,
                              validate_default=False, str_strip_whitespace=False)


class CountRange(Record):
    """A casualty figure known only as a range."""

    min: StrictInt = Field(ge=0, description="Lowest credible figure.")
    max: StrictInt = Field(ge=0, description="Highest credible figure.")

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
    by: Handle = Field(description="Handle of the person who made the move.")
    note: Text = Field(description="Why the case moved: the reasoning, in a sentence or two.")


class Coordinates(Record):
    """A point in WGS84."""

    lat: StrictFloat = Field(ge=-90, le=90, description="Latitude in decimal degrees.")
    lon: StrictFloat = Field(ge=-180, le=180, description="Longitude in decimal degrees.")


class Incident(Record):
    """What happened, when and where."""

    date: IncidentDate = Field(
        description="When the incident happened: YYYY, YYYY-MM, YYYY-MM-DD, or a range "
                    "START/END; a trailing ~ marks a date as approximate.")
    country: CountryCode = Field(description="ISO 3166-1 alpha-3 code of the country.")
    admin1: Text | None = Field(None, description="First administrative level "
                                                  "(province, governorate, state).")
    admin2: Text | None = Field(None, description="Second administrative level (district).")
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


def enumerations() -> list[type[enum.StrEnum]]:
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
            definition["enumDescriptions"] = [meanings(cls)[m.value] for m in cls]
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
