"""Generate a synthetic corpus of valid casebook cases, optionally with a git history.

This module stands alone (standard library only, no import of the `generator`
package) so that benchmarks and tests can load it straight from its path::

    spec = importlib.util.spec_from_file_location("corpus", "bench/corpus.py")

Every case is fictional: the places, forces, analysts and figures are invented
from small word lists; only the ISO 3166-1 alpha-3 country codes are real. The
analysts are named in the fields that name people (assignee, stage_history, reviewed_by)
and as git authors, never in free text, so that a public build passes its leak check. A
case is a pure function of its index and its random generator, so the same
seed always gives byte-identical files.

- `make_case` builds one case in its final state and returns its id and text.
- `write_corpus` writes N such cases into `ROOT/cases/`.
- `write_history_repo` builds a git repository in which each case is opened at
  intake and then edited and moved through its stages over about four commits
  (one `git fast-import` process, so 10,000 cases take seconds, not hours),
  ending at exactly the text that `make_case` gives; `planned_history` says
  which commits it makes and what each leaves in the case's file.

Command line: ``python bench/corpus.py OUT_DIR -n 500 [--history] [--seed 1]``.
"""

# No `from __future__ import annotations` here: with string annotations, dataclasses
# look the module up in sys.modules, which fails when the file is loaded with importlib
# without being registered there first.

import argparse
import datetime as dt
import itertools
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

Harm = int | tuple[int, int] | None
"""A casualty figure: a number, a (min, max) range, or None for unknown."""

STAGES: tuple[str, ...] = (
    "intake",
    "incident-analysis",
    "policy-impact-assessment",
    "coordinated-action",
    "closed",
)
INTAKE, ANALYSIS, IMPACT, ACTION, CLOSED = STAGES

FIRST_YEAR = 2023
YEARS = 3  # ids and opening dates cycle through 2023, 2024 and 2025
CASES_PER_DAY = 10  # opening dates advance one day per this many cases of a year
NEXT_REVIEW_YEAR = 2027

# Real ISO 3166-1 alpha-3 codes; everything else about a place is invented.
COUNTRIES: tuple[str, ...] = (
    "PSE", "YEM", "SYR", "LBN", "IRQ", "SOM", "UKR", "NGA",
    "MLI", "COL", "PHL", "MMR", "SDN", "LBY", "AFG", "ETH",
)
# (lat, lon, spread in degrees): a square around a point well inside each country, so
# that every generated point lies in the country its case names (warning CB361 checks).
COUNTRY_AREAS: dict[str, tuple[float, float, float]] = {
    "PSE": (31.9, 35.25, 0.08), "YEM": (15.5, 47.5, 1.0), "SYR": (35.0, 38.5, 0.8),
    "LBN": (33.85, 35.85, 0.1), "IRQ": (33.0, 43.5, 1.0), "SOM": (3.0, 45.0, 0.5),
    "UKR": (49.0, 31.5, 1.5), "NGA": (9.5, 8.0, 1.5), "MLI": (16.0, -3.0, 1.5),
    "COL": (4.5, -74.0, 1.0), "PHL": (16.5, 121.0, 0.3), "MMR": (21.0, 96.0, 1.0),
    "SDN": (14.5, 31.0, 1.5), "LBY": (28.0, 17.0, 1.5), "AFG": (34.0, 66.0, 1.0),
    "ETH": (9.0, 39.0, 1.5),
}

# (handle, display name): invented analysts; the names are used as git authors too.
ANALYSTS: tuple[tuple[str, str], ...] = (
    ("jdorrow", "Jamie Dorrow"),
    ("asmeaton", "Alex Smeaton"),
    ("rkestrel", "Rowan Kestrel"),
    ("tquill", "Tamsin Quill"),
    ("nhalden", "Noor Halden"),
    ("ibrandtmoor", "Ilya Brandtmoor"),
)
AUTHOR_DOMAIN = "casebook.example"
# Who tracks an action, as its note says: a desk, not an analyst, since free text that
# names a person is what a public build refuses to publish (its leak check), and a
# real team's public build passes. As many as ANALYSTS: the draw of one then takes
# what the draw of an analyst took from the generator, and the cases stay the same.
ACTION_DESKS: tuple[str, ...] = (
    "the monitoring desk", "the analysis desk", "the policy desk", "the legal desk",
    "the regional desk", "the liaison desk",
)

SENSITIVITIES = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
OPEN_STATUSES = ("active", "active", "active", "awaiting-information", "on-hold")
PRECISIONS = ("exact", "street", "neighbourhood", "settlement", "district", "province")
OPERATION_TYPES = ("air", "ground", "naval", "artillery", "drone", "mixed", "unknown")
ATTRIBUTIONS = ("acknowledged", "likely", "contested", "single-source-claim", "unknown")
CIVILIAN_OBJECTS = (
    "residential", "medical", "school", "religious", "shelter", "water-sanitation",
    "energy", "food-market", "humanitarian", "cultural", "commercial", "transport", "other",
)
US_ORIGIN_BASES = (
    "remnant-markings", "serial-or-lot-number", "official-acknowledgement",
    "transfer-record", "type-only-supplied-by-us", "expert-assessment", "media-report",
)
IHL_ASSESSED = ("none-identified", "possible", "likely", "unable-to-determine")
AVOIDABLE_ASSESSED = ("no", "partly", "yes", "unable-to-determine")
RECURRENCE = ("low", "medium", "high", "unknown")
PARTNER_POSITIONS = ("not-engaged", "investigating", "acknowledged", "denied", "no-response")
ACTION_TYPES = (
    "partner-engagement", "request-partner-investigation", "training", "different-equipment",
    "tactics-procedures-change", "end-use-monitoring", "assurances",
    "condition-future-transfers", "pause-delivery", "suspend-license", "withhold-approval",
)
OPEN_ACTION_STATUSES = ("proposed", "approved", "in-progress")
TAGS = (
    "night-strike", "double-tap", "displacement", "residential-area", "market-day",
    "shelter-hit", "aid-convoy", "crossing-point", "repeat-location", "disputed-casualties",
)

# category -> designations (None: not identified); real equipment types are fine here.
WEAPONS: dict[str, tuple[str | None, ...]] = {
    "guided-bomb": ("GBU-39/B", "GBU-12", "GBU-31", None),
    "unguided-bomb": ("Mk 82", "Mk 84", None),
    "guidance-kit": ("JDAM tail kit", None),
    "missile": ("AGM-114", "AGM-65", None),
    "rocket": ("Hydra 70", None),
    "artillery": ("M107 155 mm", "M795 155 mm", None),
    "mortar": ("120 mm mortar", None),
    "small-arms": (None,),
    "loitering-munition": ("Switchblade-type", None),
    "unknown": (None,),
}

# (type, visibility, how the body describes it)
SOURCE_KINDS: tuple[tuple[str, str, str], ...] = (
    ("media", "public", "a news report"),
    ("media", "public", "a broadcast segment"),
    ("civil-society", "public", "a field report by a monitoring group"),
    ("civil-society", "non-public", "a confidential submission by a monitoring group"),
    ("foreign-government", "non-public", "a foreign government contact"),
    ("partner-government", "non-public", "a partner government briefing"),
    ("us-government", "non-public", "an internal embassy reporting cable"),
    ("un-or-io", "public", "a situation report by an international organisation"),
    ("social-media", "public", "posts with imagery on social media"),
    ("other", "public", "a published open-source investigation"),
)

_SYLLABLES_A = ("Kar", "Bel", "Tor", "Vas", "Mir", "Ost", "Dun", "Sel", "Ar", "Zen", "Qal", "Hes",
                "Lor", "Nav", "Pell", "Rud", "Sab", "Tav", "Ul", "Yar")
_SYLLABLES_B = ("ova", "ick", "abad", "enz", "oria", "mere", "ath", "ul", "ino", "ovo", "esh",
                "anta", "iyah", "uzan", "ebrik", "ara", "ost", "im", "alen", "ira")
_PLACE_SUFFIXES = ("", "", "", " Heights", " Junction", " Camp", " Old Town", " Quarter")
_ADMIN1_KINDS = ("Governorate", "Province", "Region", "Oblast", "State")
_FORCE_FORMS = (
    "{n} Armed Forces", "{n} Air Command", "{n} Defence Forces", "Army of {n}",
    "{n} Coastal Command", "{n} Security Forces", "{n} Joint Task Group",
)
# A deployment follows a few dozen partner forces, not one for each case; the site
# has a page for each force, so their number shapes the build.
PARTNER_FORCES = tuple(form.format(n=a + b) for form, a, b in zip(
    _FORCE_FORMS * 3, _SYLLABLES_A, reversed(_SYLLABLES_B), strict=False))
_UNIT_FORMS = ("{o} {n} Brigade", "{o} {n} Air Wing", "{o} Artillery Regiment", "{o} Rapid Group")
_ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "7th", "9th", "12th")
_PUBLISHERS = ("The {n} Courier", "{n} Daily", "{n} Monitor", "Radio {n}", "{n} Observatory",
               "{n} Herald", "{n} Rights Watchgroup")


def _words(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


_EVENTS = {
    "air": "an air strike hit {target}",
    "ground": "a ground assault reached {target}",
    "naval": "naval fire struck {target}",
    "artillery": "artillery shells landed on {target}",
    "drone": "a drone strike hit {target}",
    "mixed": "a combined strike and ground raid hit {target}",
    "unknown": "an explosion destroyed {target}",
}
_TARGETS = {
    "residential": "a residential building",
    "medical": "a clinic",
    "school": "a school",
    "religious": "a place of worship",
    "shelter": "a displacement shelter",
    "water-sanitation": "a water pumping station",
    "energy": "a power substation",
    "food-market": "a food market",
    "humanitarian": "an aid distribution point",
    "cultural": "a cultural centre",
    "commercial": "a row of shops",
    "transport": "a bus station",
    "other": "a cluster of buildings",
}
_TITLE_FORMS = {
    "air": "Air strike on {target} in {place}",
    "ground": "Ground assault on {target} in {place}",
    "naval": "Naval fire on {target} in {place}",
    "artillery": "Shelling of {target} in {place}",
    "drone": "Drone strike on {target} in {place}",
    "mixed": "Strike and raid on {target} in {place}",
    "unknown": "Explosion at {target} in {place}",
}
_TRIGGERS = (
    "a media report was flagged by the monitoring desk",
    "a civil society group submitted a dossier",
    "an embassy reported local accounts",
    "images of munition remnants circulated online",
    "a partner government raised the incident in a meeting",
)
_CONTEXT = (
    "{place} lies in {admin2}, a district of {admin1} where {force} has conducted "
    "operations for much of the past year.",
    "Humanitarian organisations in {admin1} had reported repeated displacement from "
    "{admin2} in the weeks before the incident.",
    "The area around {place} is mostly {landuse}, with {infrastructure} within a few "
    "hundred metres of the reported impact site.",
    "Local authorities in {admin1} estimated that several thousand people were sheltering "
    "in and around {place} at the time.",
    "Fighting along the {feature} had intensified in the preceding month, according to the "
    "material gathered for this case.",
    "Access to {admin2} for independent observers remained limited, which constrains the "
    "evidence available to analysts.",
    "Other cases in this knowledge base describe incidents in neighbouring districts of "
    "{admin1} during the same period.",
    "Road links between {place} and the provincial centre were cut for part of the period "
    "this case covers, delaying first-hand accounts.",
)
_LANDUSE = ("dense housing", "low-rise housing and small farms", "market streets",
            "apartment blocks", "a mix of workshops and homes")
_INFRASTRUCTURE = ("a school and a clinic", "a water tower", "a mosque and a bakery",
                   "a fuel station", "an aid warehouse", "a primary school")
_FEATURES = ("river valley", "coastal road", "northern ridge", "ring road", "border crossing")
_CLAIM_VERBS = ("describes", "reports", "documents", "records")
_CLAIMS = (
    "the sequence of strikes and the damage to nearby homes",
    "witness accounts of the strike and its aftermath",
    "photographs of munition fragments found at the site",
    "the names and ages of those killed, withheld here",
    "hospital admissions in the hours after the incident",
    "satellite imagery showing the destroyed structures",
)
_ANALYSIS_EXTRA = (
    "Crater size and fragment patterns were compared against reference imagery held by "
    "the analysis team.",
    "No military objective in the immediate vicinity has been identified in the material "
    "reviewed so far.",
    "The timing of the strike, during daytime hours, is noted in several of the accounts.",
    "Analysts recorded the possibility that more than one munition was used at the site.",
)
_ASSESSMENT_EXTRA = (
    "The reviewers weighed the consistency of independent accounts against the limited "
    "physical evidence.",
    "The finding rests chiefly on the corroboration between the sources listed above.",
    "Gaps remain about the intended target, which the partner has not explained.",
)

_FINDING_WORDS = {
    "credible": "credible",
    "not-credible": "not credible",
    "insufficient-information": "impossible to establish on the information available",
}
_NEXT_STEPS = (
    "Before the case can move to incident analysis, the desk needs the force responsible "
    "and at least one weapon identified; requests for information have gone to the "
    "embassy and to the groups that first reported the incident.",
    "Before the policy impact assessment, reviewers need to decide whether the reported "
    "harm is credible and to document the basis for any U.S.-origin rating; further "
    "imagery of the remnants has been requested.",
    "The policy impact assessment continues: reviewers are weighing the concern under "
    "international humanitarian law and whether the harm was avoidable before they "
    "recommend any action.",
    "Coordinated action is under way: each action owner reports progress, and the "
    "partner's response to the engagement is recorded as it arrives.",
)
_CLOSURE_SENTENCES = {
    "insufficient-information": "The case was closed because the information available is "
    "insufficient to assess the incident; it may be reopened if new material appears.",
    "harm-not-credible": "The case was closed after the reviewers found the reported harm "
    "not credible on the evidence gathered.",
    "not-us-origin": "The case was closed because the munitions involved were assessed as "
    "unlikely to be of U.S. origin.",
    "actions-completed": "The case was closed once every action agreed for it had been "
    "completed.",
}

# Closure reasons that the gates make simple to satisfy, with the stage they close from.
_CLOSURES: tuple[tuple[str, str], ...] = (
    ("insufficient-information", INTAKE),
    ("harm-not-credible", ANALYSIS),
    ("not-us-origin", ANALYSIS),
    ("actions-completed", ACTION),
    ("insufficient-information", ANALYSIS),
)


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    type: str
    visibility: str
    description: str
    title: str
    publisher: str | None
    published: dt.date | None
    url: str | None
    accessed: dt.date
    reliability: str
    credibility: int
    claim: str


@dataclass(frozen=True, slots=True)
class Weapon:
    category: str
    designation: str | None
    us_origin: str
    basis: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Action:
    type: str
    open_status: str
    open_date: dt.date
    note: str


@dataclass(frozen=True, slots=True)
class HarmFigures:
    killed: Harm
    injured: Harm
    breakdown: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything about one case, drawn once from its random generator."""

    index: int
    case_id: str
    path: tuple[str, ...]
    dates: tuple[dt.date, ...]
    by: tuple[str, ...]
    notes: tuple[str, ...]
    closure_reason: str | None
    title: str
    opened: dt.date
    status: str
    next_review: dt.date
    sensitivity: str
    assignee: str
    incident_date: str
    incident_words: str
    country: str
    admin1: str
    admin2: str
    place: str
    coordinates: tuple[float, float] | None
    location_precision: str
    partner_force: str
    unit: str | None
    operation_type: str
    attribution: str
    harm_initial: HarmFigures
    harm_final: HarmFigures
    harm_revised_on: dt.date
    civilian_objects: tuple[str, ...]
    weapons: tuple[Weapon, ...]
    sources: tuple[Source, ...]
    ihl_concern: str
    avoidable: str
    recurrence_risk: str
    partner_position: str
    recommendations: tuple[str, ...]
    reviewed_by: tuple[str, ...]
    actions: tuple[Action, ...]
    related: tuple[str, ...]
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    trigger: str
    context: tuple[str, ...]
    analysis_extra: tuple[str, ...]
    assessment_extra: tuple[str, ...]
    words: dict[str, str]


@dataclass(frozen=True, slots=True)
class State:
    """How far a case has come: the final state is the one `make_case` writes."""

    path_len: int
    n_sources: int
    harm_revised: bool
    next_review: dt.date | None = None  # None: the plan's own (final) date


# --- drawing a case -------------------------------------------------------------------


def _name(rng: random.Random) -> str:
    return rng.choice(_SYLLABLES_A) + rng.choice(_SYLLABLES_B)


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def case_id_for(i: int, prefix: str = "CH") -> str:
    """The id of case `i`: years cycle 2023-2025, numbered 1, 2, ... within a year."""
    year, number = FIRST_YEAR + i % YEARS, i // YEARS + 1
    return f"{prefix}-{year}-{number:04d}"


def _opened(i: int) -> dt.date:
    year, number = FIRST_YEAR + i % YEARS, i // YEARS + 1
    # Opening dates follow the numbering, so a lower number is never opened later.
    day = min(330, (number - 1) // CASES_PER_DAY)
    return dt.date(year, 1, 2) + dt.timedelta(days=day)


def _path(stage_index: int, closure: tuple[str, str] | None) -> tuple[str, ...]:
    if closure is None:
        return STAGES[: stage_index + 1]
    return (*STAGES[: STAGES.index(closure[1]) + 1], CLOSED)


def _harm_value(rng: random.Random, scale: int) -> Harm:
    roll = rng.random()
    if roll < 0.1:
        return None
    if roll < 0.3:
        low = rng.randint(0, scale)
        return (low, low + rng.randint(1, max(2, scale // 2)))
    return rng.randint(0, scale)


def _harm_min(value: Harm) -> int:
    if value is None:
        return 0
    return value[0] if isinstance(value, tuple) else value


def _draw_harm(rng: random.Random) -> tuple[HarmFigures, HarmFigures]:
    killed = _harm_value(rng, rng.choice((3, 8, 20, 40)))
    injured = _harm_value(rng, rng.choice((5, 12, 30, 60)))
    breakdown: list[tuple[str, int]] = []
    for group in ("children", "women"):
        for kind, total in (("killed", killed), ("injured", injured)):
            low = _harm_min(total)
            if low > 0 and rng.random() < 0.35:
                breakdown.append((f"{group}_{kind}", rng.randint(0, low)))
    final = HarmFigures(killed, injured, tuple(breakdown))
    # First reports: lower or unknown figures and no breakdown.
    first_killed: Harm = (None if rng.random() < 0.4
                          else max(0, _harm_min(killed) - rng.randint(1, 4)))
    first_injured: Harm = None if rng.random() < 0.4 else _harm_min(injured) // 2
    initial = HarmFigures(first_killed, first_injured, ())
    if (initial.killed, initial.injured, initial.breakdown) == (killed, injured, final.breakdown):
        initial = HarmFigures(1 if killed is None else None, injured, ())
    return initial, final


def _draw_incident_date(rng: random.Random, opened: dt.date) -> tuple[str, str]:
    end = opened - _days(rng, 0, 30)
    roll = rng.random()
    if roll < 0.12:
        start = end - _days(rng, 1, 4)
        return f"{start.isoformat()}/{end.isoformat()}", (
            f"between {_words(start)} and {_words(end)}")
    if roll < 0.22:
        return f"{end.isoformat()}~", f"around {_words(end)}"
    if roll < 0.32:
        next_month = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if next_month - dt.timedelta(days=1) <= opened:  # opened after the whole month
            return f"{end:%Y-%m}", f"in {end:%B %Y}"
    return end.isoformat(), f"on {_words(end)}"


def _draw_sources(rng: random.Random, case_id: str, opened: dt.date, last: dt.date,
                  incident_end: dt.date, place: str) -> tuple[Source, ...]:
    count = rng.choices((1, 2, 3), weights=(3, 4, 3))[0]
    span = max(1, (last - opened).days)
    later = sorted(opened + dt.timedelta(days=rng.randint(1, span)) for _ in range(count - 1))
    sources: list[Source] = []
    for n, accessed in enumerate((opened, *later), start=1):
        kind, visibility, description = rng.choice(SOURCE_KINDS)
        publisher = rng.choice(_PUBLISHERS).format(n=_name(rng)) if visibility == "public" else None
        published = None
        url = None
        if visibility == "public":
            published = max(incident_end, accessed - _days(rng, 0, 6))
            slug = re.sub(r"[^a-z0-9]+", "-", f"{place} {case_id} {n}".lower()).strip("-")
            url = f"https://{rng.choice(('example.org', 'example.net', 'example.com'))}/{slug}"
            title = f"{rng.choice(('Strike', 'Attack', 'Civilians killed', 'Damage'))} in {place}"
        else:
            title = f"{description[0].upper()}{description[1:]} on the {place} incident"
        sources.append(Source(
            key=f"S{n}", type=kind, visibility=visibility, description=description,
            title=title, publisher=publisher, published=published, url=url, accessed=accessed,
            reliability=rng.choice("ABBCCCDE"), credibility=rng.choice((1, 2, 2, 3, 3, 4)),
            claim=rng.choice(_CLAIMS),
        ))
    return tuple(sources)


def _draw_weapons(rng: random.Random, closure_reason: str | None) -> tuple[Weapon, ...]:
    weapons: list[Weapon] = []
    for _ in range(rng.choices((1, 2), weights=(3, 1))[0]):
        category = rng.choice(tuple(WEAPONS))
        designation = rng.choice(WEAPONS[category])
        if closure_reason == "not-us-origin":
            origin = "unlikely"
        else:
            origin = rng.choice(("confirmed", "likely", "likely", "possible", "unknown"))
        basis: tuple[str, ...] = ()
        if origin in ("confirmed", "likely"):
            basis = tuple(sorted(rng.sample(US_ORIGIN_BASES, rng.randint(1, 2)),
                                 key=US_ORIGIN_BASES.index))
        weapons.append(Weapon(category, designation, origin, basis))
    return tuple(weapons)


def _plan(i: int, rng: random.Random, prefix: str) -> Plan:
    case_id = case_id_for(i, prefix)
    stage_index = i % len(STAGES)
    closure = _CLOSURES[(i // len(STAGES)) % len(_CLOSURES)] if stage_index == 4 else None
    closure_reason = closure[0] if closure else None
    path = _path(stage_index, closure)

    opened = _opened(i)
    dates = [opened]
    for _ in path[1:]:
        dates.append(dates[-1] + _days(rng, 2, 24))
    handles = [h for h, _ in ANALYSTS]
    by = tuple(rng.choice(handles) for _ in path)
    last = dates[-1] if len(path) > 1 else opened + dt.timedelta(days=30)

    place = _name(rng) + rng.choice(_PLACE_SUFFIXES)
    admin1 = f"{_name(rng)} {rng.choice(_ADMIN1_KINDS)}"
    admin2 = f"{_name(rng)} District"
    force = rng.choice(PARTNER_FORCES)
    unit = (rng.choice(_UNIT_FORMS).format(o=rng.choice(_ORDINALS), n=_name(rng))
            if rng.random() < 0.5 else None)
    operation = rng.choice(OPERATION_TYPES)
    objects = tuple(sorted(rng.sample(CIVILIAN_OBJECTS, rng.choice((1, 1, 2))),
                           key=CIVILIAN_OBJECTS.index))
    target = _TARGETS[objects[0]]
    # The id makes each title unique: a published title that contains the title of a
    # case left out ("... in Ostalen" inside "... in Ostalen Quarter") is a leak.
    title = f"{_TITLE_FORMS[operation].format(target=target, place=place)} ({case_id})"
    incident_date, incident_words = _draw_incident_date(rng, opened)
    incident_end = dt.date.fromisoformat(
        incident_date.split("/")[-1].rstrip("~") + ("-01" if len(incident_date) == 7 else ""))
    harm_initial, harm_final = _draw_harm(rng)
    sources = _draw_sources(rng, case_id, opened, last, incident_end, place)
    spread = (rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0))

    reviewers = tuple(sorted(rng.sample(handles, rng.randint(1, 2)), key=handles.index))
    recommendations = tuple(sorted(rng.sample(ACTION_TYPES, rng.randint(1, 3)),
                                   key=ACTION_TYPES.index))
    action_date = dates[3] if len(dates) > 3 else opened
    actions = tuple(
        Action(kind, rng.choice(OPEN_ACTION_STATUSES), action_date + _days(rng, 0, 2),
               f"Tracked by {rng.choice(ACTION_DESKS)}.")
        for kind in recommendations
    )
    notes = tuple(_stage_note(stage, rng) for stage in path)
    number = i // YEARS + 1
    related: tuple[str, ...] = ()
    if number > 1 and rng.random() < 0.1:
        earlier = number - rng.randint(1, min(5, number - 1))
        related = (f"{case_id.rsplit('-', 1)[0]}-{earlier:04d}",)
    aliases = (f"exampledb:inc-{rng.randint(1000, 99999)}",) if rng.random() < 0.15 else ()
    tags = tuple(sorted(rng.sample(TAGS, rng.choice((0, 1, 1, 2)))))
    words = {
        "place": place, "admin1": admin1, "admin2": admin2, "force": force,
        "landuse": rng.choice(_LANDUSE), "infrastructure": rng.choice(_INFRASTRUCTURE),
        "feature": rng.choice(_FEATURES), "target": target,
    }
    return Plan(
        index=i,
        case_id=case_id,
        path=path,
        dates=tuple(dates),
        by=by,
        notes=notes,
        closure_reason=closure_reason,
        title=title,
        opened=opened,
        status=rng.choice(OPEN_STATUSES),
        next_review=dt.date(NEXT_REVIEW_YEAR, rng.randint(7, 12), rng.randint(1, 28)),
        sensitivity=rng.choices(SENSITIVITIES, weights=(2, 3, 4, 2, 1))[0],
        assignee=rng.choice(handles),
        incident_date=incident_date,
        incident_words=incident_words,
        country=(country := rng.choice(COUNTRIES)),
        admin1=admin1,
        admin2=admin2,
        place=place,
        coordinates=_point_in(country, spread) if rng.random() < 0.6 else None,
        location_precision=rng.choice(PRECISIONS),
        partner_force=force if rng.random() < 0.93 else "unknown",
        unit=unit,
        operation_type=operation,
        attribution=rng.choice(ATTRIBUTIONS),
        harm_initial=harm_initial,
        harm_final=harm_final,
        harm_revised_on=opened + dt.timedelta(days=rng.randint(1, max(1, (last - opened).days))),
        civilian_objects=objects,
        weapons=_draw_weapons(rng, closure_reason),
        sources=sources,
        ihl_concern=rng.choice(IHL_ASSESSED),
        avoidable=rng.choice(AVOIDABLE_ASSESSED),
        recurrence_risk=rng.choice(RECURRENCE),
        partner_position=rng.choice(PARTNER_POSITIONS),
        recommendations=recommendations,
        reviewed_by=reviewers,
        actions=actions,
        related=related,
        aliases=aliases,
        tags=tags,
        trigger=rng.choice(_TRIGGERS),
        context=tuple(rng.sample(_CONTEXT, 4)),
        analysis_extra=tuple(rng.sample(_ANALYSIS_EXTRA, 2)),
        assessment_extra=tuple(rng.sample(_ASSESSMENT_EXTRA, 2)),
        words=words,
    )


def _point_in(country: str, spread: tuple[float, float]) -> tuple[float, float]:
    lat, lon, size = COUNTRY_AREAS[country]
    return (round(lat + spread[0] * size, 4), round(lon + spread[1] * size, 4))


def _stage_note(stage: str, rng: random.Random) -> str:
    notes = {
        INTAKE: ("Logged from a media report.", "Logged from a civil society submission.",
                 "Logged from embassy reporting."),
        ANALYSIS: ("U.S.-origin remnants reported.", "Partner force identified in reporting.",
                   "Enough material gathered to analyse the incident."),
        IMPACT: ("Harm found credible; impact on policy under review.",
                 "Reviewed by the assessment panel."),
        ACTION: ("Recommendations agreed; actions assigned.", "Department action coordinated."),
        CLOSED: ("Closed after review.", "Closed; see the closure section."),
    }
    return rng.choice(notes[stage])


# --- writing a case -------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ,.'()/+-]*")
_FLOW_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 .'()/+-]*")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _q(text: str, *, flow: bool = False) -> str:
    """`text` as a YAML scalar: plain when that is safe, else double-quoted."""
    pattern = _FLOW_PLAIN if flow else _PLAIN
    if pattern.fullmatch(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return json.dumps(text)


def _harm_yaml(value: Harm) -> str:
    if value is None:
        return "null"
    if isinstance(value, tuple):
        return f"{{min: {value[0]}, max: {value[1]}}}"
    return str(value)


def _harm_words(value: Harm, what: str) -> str:
    if value is None:
        return f"an unknown number of people {what}"
    if isinstance(value, tuple):
        return f"between {value[0]} and {value[1]} people {what}"
    return f"{value} {'person' if value == 1 else 'people'} {what}"


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_q(item, flow=True) for item in items) + "]"


def _level(plan: Plan, state: State) -> tuple[str, int]:
    """The current stage and the furthest open stage reached (0-3)."""
    reached = plan.path[: state.path_len]
    return reached[-1], max(STAGES.index(s) for s in reached if s != CLOSED)


def render(plan: Plan, state: State) -> str:
    """The full text of `plan`'s case file in `state`."""
    stage, level = _level(plan, state)
    closed = stage == CLOSED
    reason = plan.closure_reason if closed else None
    final = state == final_state(plan)
    harm = plan.harm_final if state.harm_revised else plan.harm_initial
    sources = plan.sources[: state.n_sources]
    lines: list[str] = ["---", f"id: {plan.case_id}", f"title: {_q(plan.title)}",
                        f"opened: {plan.opened.isoformat()}", f"stage: {stage}"]
    if closed:
        lines.append(f"closure_reason: {reason}")
    else:
        status = plan.status if final else "active"
        next_review = state.next_review or plan.next_review
        lines += [f"status: {status}", f"next_review: {next_review.isoformat()}"]
    lines += [f"sensitivity: {plan.sensitivity}", f"assignee: {plan.assignee}", "stage_history:"]
    for n in range(state.path_len):
        lines.append(f"  - {{stage: {plan.path[n]}, date: {plan.dates[n].isoformat()}, "
                     f"by: {plan.by[n]}, note: {_q(plan.notes[n], flow=True)}}}")
    lines += ["incident:", f"  date: {plan.incident_date}", f"  country: {plan.country}",
              f"  admin1: {_q(plan.admin1)}", f"  admin2: {_q(plan.admin2)}",
              f"  place: {_q(plan.place)}"]
    if plan.coordinates is not None:
        lines.append(f"  coordinates: {{lat: {plan.coordinates[0]}, lon: {plan.coordinates[1]}}}")
    lines += [f"  location_precision: {plan.location_precision}",
              f"  partner_force: {_q(plan.partner_force)}"]
    if plan.unit is not None and level >= 1:
        lines.append(f"  unit: {_q(plan.unit)}")
    lines += [f"  operation_type: {plan.operation_type}", f"  attribution: {plan.attribution}",
              "harm:", f"  killed: {_harm_yaml(harm.killed)}",
              f"  injured: {_harm_yaml(harm.injured)}"]
    lines += [f"  {key}: {value}" for key, value in harm.breakdown]
    lines.append(f"  civilian_objects: {_list(plan.civilian_objects)}")
    if level >= 1:
        lines.append("weapons:")
        for weapon in plan.weapons:
            lines.append(f"  - category: {weapon.category}")
            if weapon.designation is not None:
                lines.append(f"    designation: {_q(weapon.designation)}")
            lines.append(f"    us_origin: {weapon.us_origin}")
            if weapon.basis:
                lines.append(f"    us_origin_basis: {_list(weapon.basis)}")
    lines.append("sources:")
    for source in sources:
        lines += [f"  - key: {source.key}", f"    type: {source.type}",
                  f"    visibility: {source.visibility}", f"    title: {_q(source.title)}"]
        if source.publisher is not None:
            lines.append(f"    publisher: {_q(source.publisher)}")
        if source.published is not None:
            lines.append(f"    published: {source.published.isoformat()}")
        if source.url is not None:
            lines.append(f"    url: {source.url}")
        lines += [f"    accessed: {source.accessed.isoformat()}",
                  f"    reliability: {source.reliability}",
                  f"    credibility: {source.credibility}"]
    lines += _assessment_lines(plan, level, reason)
    if level >= 3:
        lines.append("actions:")
        for action in plan.actions:
            status = "completed" if closed else action.open_status
            when = plan.dates[-1] if closed else action.open_date
            lines += [f"  - type: {action.type}", f"    status: {status}",
                      f"    date: {when.isoformat()}", f"    note: {_q(action.note)}"]
    if plan.related:
        lines.append(f"related: {_list(plan.related)}")
    if plan.aliases:
        lines.append("aliases: [" + ", ".join(json.dumps(a) for a in plan.aliases) + "]")
    if plan.tags:
        lines.append(f"tags: {_list(plan.tags)}")
    lines.append("---")
    lines.append(_body(plan, state, stage, level, reason, harm, sources))
    return "\n".join(lines)


def _finding(level: int, reason: str | None) -> str:
    if reason == "insufficient-information":
        return "insufficient-information"
    if reason == "harm-not-credible":
        return "not-credible"
    if reason is not None or level >= 2:
        return "credible"
    return "pending"


def _reviewed(level: int, reason: str | None) -> bool:
    return level >= 2 or reason in ("harm-not-credible", "not-us-origin")


def _assessment_lines(plan: Plan, level: int, reason: str | None) -> list[str]:
    assessed = level >= 3
    lines = ["assessment:", f"  harm_finding: {_finding(level, reason)}",
             f"  ihl_concern: {plan.ihl_concern if assessed else 'not-assessed'}",
             f"  avoidable: {plan.avoidable if assessed else 'not-assessed'}"]
    if level >= 2:
        lines.append(f"  recurrence_risk: {plan.recurrence_risk}")
    if level >= 1:
        lines.append(f"  partner_position: {plan.partner_position}")
    if assessed:
        lines.append(f"  recommendations: {_list(plan.recommendations)}")
    if _reviewed(level, reason):
        lines.append(f"  reviewed_by: {_list(plan.reviewed_by)}")
    return lines


def _body(plan: Plan, state: State, stage: str, level: int, reason: str | None,
          harm: HarmFigures, sources: Sequence[Source]) -> str:
    w = plan.words
    event = _EVENTS[plan.operation_type].format(target=w["target"])
    objects = ", ".join(_TARGETS[o].split(" ", 1)[1] for o in plan.civilian_objects)
    summary = [
        "This is a synthetic case generated for benchmarking; every place, force, person "
        "and figure in it is invented.",
        f"According to the first report, {event} in {w['place']}, {w['admin1']}, "
        f"{plan.incident_words} [S1].",
        f"Current figures record {_harm_words(harm.killed, 'killed')} and "
        f"{_harm_words(harm.injured, 'injured')}.",
        f"Damage is reported to the following civilian objects: {objects}.",
        f"The case was opened on {_words(plan.opened)} after {plan.trigger}.",
    ]
    parts = ["## Summary", " ".join(summary), "## Context",
             " ".join(c.format(**w) for c in plan.context), "## Sources"]
    source_lines = []
    for source in sources:
        verb = _CLAIM_VERBS[int(source.key[1:]) % len(_CLAIM_VERBS)]
        if source.publisher is not None and source.published is not None:
            source_lines.append(
                f"{source.publisher} published {source.description} on "
                f"{_words(source.published)} that {verb} {source.claim} "
                f"[{source.key}].")
        else:
            source_lines.append(
                f"Material from {source.description}, received on "
                f"{_words(source.accessed)}, {verb} {source.claim} "
                f"[{source.key}].")
    if len(sources) > 1:
        source_lines.append("The accounts agree on the location and the approximate time.")
    parts.append(" ".join(source_lines))
    if level >= 1:
        weapons = " and ".join(
            (f"a {x.designation} ({x.category.replace('-', ' ')})" if x.designation
             else f"a munition of the {x.category.replace('-', ' ')} category")
            + f" whose U.S. origin is rated {x.us_origin}"
            for x in plan.weapons)
        force = ("an unidentified force" if plan.partner_force == "unknown"
                 else plan.partner_force)
        analysis = [
            f"The material points to an operation by {force}"
            + (f", reportedly its {plan.unit}" if plan.unit else "") + ".",
            f"The remnants described are consistent with {weapons}.",
            f"Attribution is recorded as {plan.attribution}.",
            *plan.analysis_extra,
        ]
        parts += ["## Analysis", " ".join(analysis)]
    if _reviewed(level, reason):
        finding = _finding(level, reason)
        assessment = [
            # The reviewers are named in the front matter only (`reviewed_by`), as
            # the assignee is below: see ACTION_DESKS.
            f"The reviewers found the reported harm {_FINDING_WORDS[finding]}.",
            *plan.assessment_extra,
        ]
        if level >= 3:
            assessment.append(
                f"Concern under international humanitarian law is rated "
                f"{plan.ihl_concern.replace('-', ' ')}, and avoidability "
                f"{plan.avoidable.replace('-', ' ')}.")
        parts += ["## Assessment", " ".join(assessment)]
    if level >= 3:
        recommended = ", ".join(a.replace("-", " ") for a in plan.recommendations)
        parts += ["## Actions",
                  f"The department recommended the following: {recommended}. Each action "
                  "is tracked in the front matter with its status and date; the assignee "
                  "reports progress at every review."]
    if reason is not None:
        parts += ["## Closure", f"{_CLOSURE_SENTENCES[reason]} The file is kept so that "
                  "later reports of the same incident can be matched against it."]
    else:
        review = state.next_review or plan.next_review
        parts += ["## Next steps", f"{_NEXT_STEPS[level]} The next review is due on "
                  f"{_words(review)}, when the assignee reports what has changed."]
    return "\n\n".join(parts) + "\n"


def final_state(plan: Plan) -> State:
    return State(len(plan.path), len(plan.sources), True)


def make_case(i: int, rng: random.Random, *, prefix: str = "CH") -> tuple[str, str]:
    """Case number `i` in its final state, drawn from `rng`: its id and its file text.

    Stages cycle with `i` (intake, incident-analysis, policy-impact-assessment,
    coordinated-action, closed), so every stage is represented in any run of five.
    """
    plan = _plan(i, rng, prefix)
    return plan.case_id, render(plan, final_state(plan))


def case_rng(seed: int, i: int) -> random.Random:
    """The generator for case `i` of a corpus: case i is the same whatever N is."""
    return random.Random(f"casebook-bench:{seed}:{i}")


def mkdocs_yml(prefix: str = "CH") -> str:
    """A minimal mkdocs.yml for the corpus; it names the id prefix unless it is CH."""
    if prefix == "CH":
        return "site_name: bench\nplugins: [casebook]\n"
    return f"site_name: bench\nplugins:\n  - casebook:\n      id_prefix: {prefix}\n"


def write_mkdocs_yml(root: Path, prefix: str = "CH") -> Path:
    """Write `mkdocs_yml` into `root` so that `casebook validate` can run there."""
    path = root / "mkdocs.yml"
    path.write_text(mkdocs_yml(prefix), encoding="utf-8")
    return path


def write_corpus(root: Path, n: int, *, seed: int = 1, prefix: str = "CH") -> list[Path]:
    """Write `n` cases into `root/cases/`; returns their paths in index order."""
    cases = root / "cases"
    cases.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for i in range(n):
        case_id, text = make_case(i, case_rng(seed, i), prefix=prefix)
        path = cases / f"{case_id}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def near_copy(i: int, j: int, *, seed: int = 1, prefix: str = "CH") -> tuple[str, str]:
    """Case `j`: the incident of case `i` as another report tells it, a day earlier, about
    330 m away, under a reworded title, citing other addresses (what `casebook
    duplicates` must find). `j` must fall in the same year as `i` (j % 3 == i % 3)."""
    if i % YEARS != j % YEARS:
        raise ValueError("a near copy keeps the original's year: j % 3 must equal i % 3")
    plan = _plan(i, case_rng(seed, i), prefix)
    case_id = case_id_for(j, prefix)
    date = plan.incident_date
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        date = (dt.date.fromisoformat(date) - dt.timedelta(days=1)).isoformat()
    point = plan.coordinates
    moved = None if point is None else (round(point[0] + 0.003, 4), point[1])
    what = plan.title.split(" in ")[0]
    sources = tuple(replace(s, url=f"https://example.com/wire/{case_id.lower()}-{s.key.lower()}")
                    if s.url else s for s in plan.sources)
    copy = replace(plan, index=j, case_id=case_id, incident_date=date, coordinates=moved,
                   title=f"{plan.place}: {what[0].lower()}{what[1:]} reported",
                   sources=sources, related=())
    return case_id, render(copy, final_state(copy))


SHEET_COLUMNS: tuple[str, ...] = (
    "title", "incident_date", "country", "admin1", "admin2", "place", "lat", "lon",
    "location_precision", "partner_force", "attribution", "killed_min", "killed_max",
    "injured_min", "injured_max", "aliases", "tags", "source_type", "source_title",
    "source_url", "source_publisher", "source_published", "narrative",
)
"""The columns of a fictional monitor's sheet, named as casebook's cases.csv names them."""


def _bounds_text(value: Harm) -> tuple[str, str]:
    if value is None:
        return "", ""
    if isinstance(value, tuple):
        return str(value[0]), str(value[1])
    return str(value), str(value)


def sheet_rows(n: int, *, seed: int = 1) -> list[dict[str, str]]:
    """`n` rows of a fictional monitor's incident sheet, one incident each, with an alias
    (`fictionalmonitor:NNNNN`) so that a second import matches every row."""
    rows = []
    for i in range(n):
        plan = _plan(i, case_rng(seed, i), "CH")
        killed, injured = plan.harm_final.killed, plan.harm_final.injured
        end = plan.incident_date.split("/")[-1].rstrip("~")
        published = end if len(end) == 10 else f"{end}-28" if len(end) == 7 else f"{end}-12-31"
        point = plan.coordinates
        when = plan.incident_words
        rows.append({
            "title": plan.title, "incident_date": plan.incident_date, "country": plan.country,
            "admin1": plan.admin1, "admin2": plan.admin2, "place": plan.place,
            "lat": str(point[0]) if point else "", "lon": str(point[1]) if point else "",
            "location_precision": plan.location_precision, "partner_force": plan.partner_force,
            "attribution": plan.attribution,
            "killed_min": _bounds_text(killed)[0], "killed_max": _bounds_text(killed)[1],
            "injured_min": _bounds_text(injured)[0], "injured_max": _bounds_text(injured)[1],
            "aliases": f"fictionalmonitor:{i + 1:05d}", "tags": "; ".join(plan.tags),
            "source_type": "civil-society", "source_title": f"Incident report {i + 1:05d}",
            "source_url": f"https://example.org/monitor/incidents/{i + 1:05d}",
            "source_publisher": "Fictional Monitoring Group", "source_published": published,
            "narrative": f"This is a fictional incident. {when[0].upper()}{when[1:]} "
                         f"{_EVENTS[plan.operation_type].format(target=plan.words['target'])} "
                         f"in {plan.place} [S1].",
        })
    return rows


def write_sheet(path: Path, n: int, *, seed: int = 1) -> Path:
    """`sheet_rows` as a CSV file (UTF-8 with a byte order mark, as spreadsheets save it)."""
    import csv

    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        writer.writerows(sheet_rows(n, seed=seed))
    return path


# --- history --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Event:
    date: dt.date
    order: int  # edits before a stage move on the same day
    kind: str  # "advance" | "source" | "harm" | "review"


@dataclass(frozen=True, slots=True)
class CaseCommit:
    """One commit of a case's history: the state its file is left in, by whom and why."""

    date: dt.date
    index: int
    seq: int
    state: State
    author: str
    message: str


def _events(plan: Plan) -> list[_Event]:
    events = [_Event(d, 1, "advance") for d in plan.dates[1:]]
    events += [_Event(s.accessed, 0, "source") for s in plan.sources[1:]]
    events.append(_Event(plan.harm_revised_on, 0, "harm"))
    return events


def _split(count: int, groups: int, rng: random.Random, preferred: Sequence[int] = ()
           ) -> list[int]:
    """Sizes of `groups` non-empty runs that together hold `count` items, cut before the
    items at the `preferred` positions as far as the number of runs allows."""
    wanted = groups - 1
    favoured = sorted({p for p in preferred if 0 < p < count})
    cuts = rng.sample(favoured, min(wanted, len(favoured)))
    others = [p for p in range(1, count) if p not in cuts]
    cuts = sorted(cuts + rng.sample(others, wanted - len(cuts)))
    bounds = [0, *cuts, count]
    return [b - a for a, b in itertools.pairwise(bounds)]


def case_commits(plan: Plan, commits: int, rng: random.Random) -> list[CaseCommit]:
    """The commits that take `plan` from intake to its final state."""
    names = dict(ANALYSTS)
    first = State(1, 1, False)
    if commits <= 1:
        return [CaseCommit(plan.opened, plan.index, 0, final_state(plan), names[plan.by[0]],
                           f"Open {plan.case_id}: {plan.title}")]
    events = sorted(_events(plan), key=lambda e: (e.date, e.order))
    last = events[-1]
    # Reschedule reviews while the case is open to reach the wanted number of commits.
    end = plan.dates[-1] if plan.path[-1] == CLOSED else last.date
    while len(events) < commits - 1:
        span = max(1, (end - plan.opened).days)
        events.append(_Event(plan.opened + dt.timedelta(days=rng.randint(1, span)), 0, "review"))
        events.sort(key=lambda e: (e.date, e.order))
    # A commit takes the date of its last event; ending commits with stage moves keeps
    # the dates in stage_history those that git records for the moves.
    after_moves = [i + 1 for i, e in enumerate(events) if e.kind == "advance"]
    sizes = _split(len(events), commits - 1, rng, after_moves)
    result = [CaseCommit(plan.opened, plan.index, 0, first, names[plan.by[0]],
                         f"Open {plan.case_id}: {plan.title}")]
    state = first
    position = 0
    for seq, size in enumerate(sizes, start=1):
        group = events[position: position + size]
        position += size
        messages: list[str] = []
        for event in group:
            if event.kind == "advance":
                state = replace(state, path_len=state.path_len + 1)
                messages.append(f"move to {plan.path[state.path_len - 1]}")
            elif event.kind == "source":
                state = replace(state, n_sources=state.n_sources + 1)
                messages.append(f"add source S{state.n_sources}")
            elif event.kind == "harm":
                state = replace(state, harm_revised=True)
                messages.append("revise harm figures")
            else:
                messages.append("reschedule review")
        is_last = seq == len(sizes)
        review = None if is_last else dt.date(NEXT_REVIEW_YEAR, 1, 4) + dt.timedelta(weeks=seq)
        state = replace(state, next_review=review)
        author = names[plan.by[state.path_len - 1]] if group[-1].kind == "advance" else (
            names[plan.assignee])
        result.append(CaseCommit(group[-1].date, plan.index, seq, state, author,
                                 f"{plan.case_id}: {'; '.join(dict.fromkeys(messages))}"))
    assert result[-1].state == final_state(plan)
    return result


def _data(payload: bytes) -> bytes:
    return b"data %d\n" % len(payload) + payload + b"\n"


def _fast_import_stream(plans: Sequence[Plan], commits: Sequence[CaseCommit],
                        prefix: str) -> Iterator[bytes]:
    emails = {name: f"{handle}@{AUTHOR_DOMAIN}" for handle, name in ANALYSTS}
    start = dt.datetime(FIRST_YEAR, 1, 1, 8, tzinfo=dt.UTC)
    setup_author = f"{ANALYSTS[0][1]} <{emails[ANALYSTS[0][1]]}>"
    stamp = int(start.timestamp())
    yield (b"commit refs/heads/main\n"
           + f"author {setup_author} {stamp} +0000\ncommitter {setup_author} {stamp} +0000\n"
           .encode()
           + _data(b"Set up the casebook")
           + b"M 100644 inline mkdocs.yml\n" + _data(mkdocs_yml(prefix).encode()))
    for commit in commits:
        # Working hours from 08:00 UTC on the event's day, strictly increasing overall.
        spread = commit.index * 7919 + commit.seq * 104729
        day = int(dt.datetime.combine(commit.date, dt.time(8), tzinfo=dt.UTC).timestamp())
        stamp = max(stamp + 37 + spread % 600, day + spread % (9 * 3600))
        plan = plans[commit.index]
        ident = f"{commit.author} <{emails[commit.author]}> {stamp} +0000"
        text = render(plan, commit.state).encode()
        yield (f"commit refs/heads/main\nauthor {ident}\ncommitter {ident}\n".encode()
               + _data(commit.message.encode())
               + f"M 100644 inline cases/{plan.case_id}.md\n".encode() + _data(text))
    yield b"done\n"


def _git_env() -> dict[str, str]:
    # Ignore the machine's and the user's git configuration (hooks, default branch, ...).
    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def planned_history(n: int, *, seed: int = 1, commits_per_case: int = 4,
                    prefix: str = "CH") -> tuple[list[Plan], list[CaseCommit]]:
    """The plans of `n` cases, and the commits that `write_history_repo` makes for them
    after its set-up commit, in the order it makes them.

    Commit `c` leaves the file `cases/<plans[c.index].case_id>.md` with the text
    ``render(plans[c.index], c.state)``; its time is on `c.date` or, when many
    commits share a day, shortly after it.
    """
    plans = [_plan(i, case_rng(seed, i), prefix) for i in range(n)]
    commits: list[CaseCommit] = []
    for plan in plans:
        rng = random.Random(f"casebook-bench-history:{seed}:{plan.index}")
        commits += case_commits(plan, max(1, commits_per_case), rng)
    commits.sort(key=lambda c: (c.date, c.index, c.seq))
    return plans, commits


def write_history_repo(root: Path, n: int, *, seed: int = 1, commits_per_case: int = 4,
                       prefix: str = "CH") -> None:
    """A git repository at `root` whose history opens and works through `n` cases.

    A first commit adds a minimal mkdocs.yml. Then each case is opened at intake
    with one source and first harm figures, and over `commits_per_case` commits
    in all it gains its other sources, has its harm figures revised and its
    review rescheduled, and moves through its stages, ending at exactly the
    text `make_case` gives (several events may share a commit). Every version
    is a valid case. Commits of all cases interleave by date; authors and dates
    are fixed, so the same arguments always give the same commit hashes.
    `root` must be absent or empty.
    """
    root.mkdir(parents=True, exist_ok=True)
    if any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    plans, commits = planned_history(n, seed=seed, commits_per_case=commits_per_case,
                                     prefix=prefix)
    subprocess.run(["git", "-C", str(root), "init", "-q", "-b", "main"], check=True,
                   env=_git_env())
    # One fast-import process for the whole history, fed blobs inline through a pipe.
    process = subprocess.Popen(["git", "-C", str(root), "fast-import", "--quiet", "--done"],
                               stdin=subprocess.PIPE, env=_git_env())
    assert process.stdin is not None
    try:
        for chunk in _fast_import_stream(plans, commits, prefix):
            process.stdin.write(chunk)
        process.stdin.close()
    except BrokenPipeError:
        pass  # fast-import stopped early; its exit code says why
    finally:
        code = process.wait()
    if code != 0:
        raise RuntimeError(f"git fast-import failed with exit code {code}")
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True,
                   env=_git_env())


# --- command line ---------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path, help="folder to write cases/ (and mkdocs.yml) in")
    parser.add_argument("-n", type=int, default=500, help="number of cases (default 500)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--prefix", default="CH", help="case id prefix (default CH)")
    parser.add_argument("--history", action="store_true",
                        help="make OUT_DIR a git repository with a history for every case")
    parser.add_argument("--commits-per-case", type=int, default=4,
                        help="commits per case with --history (default 4)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.history:
        if args.out_dir.exists() and any(args.out_dir.iterdir()):
            parser.error(f"{args.out_dir} must be absent or empty for --history")
        write_history_repo(args.out_dir, args.n, seed=args.seed,
                           commits_per_case=args.commits_per_case, prefix=args.prefix)
        what = f"a git history of {args.n} cases"
    else:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        write_corpus(args.out_dir, args.n, seed=args.seed, prefix=args.prefix)
        write_mkdocs_yml(args.out_dir, args.prefix)
        what = f"{args.n} cases"
    print(f"wrote {what} to {args.out_dir} in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
