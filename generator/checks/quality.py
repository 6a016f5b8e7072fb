"""Data-quality warnings: values that are each valid but, together, look wrong.

Monitors' archives hold plain slips: a latitude and a longitude swapped, a date
typed a year off. These rules warn (they never block a build) and point at the
line to look at:

- CB361: the coordinates lie outside the country of `incident.country` by more
  than `coordinates_tolerance_km` (Natural Earth boundaries, generator.checks.
  boundaries), with a hint when the swapped point lies inside;
- CB362: a source was published before the incident happened.

An incident dated after the case was opened is already error CB305, and a
breakdown above its total error CB208 (generator.checks.rules).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

from generator.checks.boundaries import Atlas, atlas
from generator.config import Config
from generator.records.diagnostics import Diagnostic
from generator.records.loader import CaseFile
from generator.records.schema import Case

CheckQuality = Callable[[CaseFile, Config], Sequence[Diagnostic]]


def check_quality(records: Sequence[CaseFile], config: Config,
                  each: CheckQuality | None = None) -> list[Diagnostic]:
    """Every data-quality warning of the cases the schema accepted: `each` (by default
    `quality_of`) of every record."""
    one = each or quality_of
    return [d for record in records for d in one(record, config)]


def quality_of(record: CaseFile, config: Config) -> tuple[Diagnostic, ...]:
    """The data-quality warnings of one record (none when the schema refused it)."""
    case = record.case
    if case is None:
        return ()
    found: list[Diagnostic] = []
    if case.incident.coordinates is not None:
        boundaries = atlas()
        if boundaries is not None:
            found.extend(_coordinates(record, case, boundaries,
                                      config.settings.coordinates_tolerance_km))
    found.extend(_sources_before_incident(record, case))
    return tuple(found)


def _coordinates(record: CaseFile, case: Case, boundaries: Atlas,
                 tolerance: float) -> Iterator[Diagnostic]:
    point = case.incident.coordinates
    code = case.incident.country
    country = boundaries.country(code) if point is not None else None
    if point is None or country is None:
        return
    off = country.km_outside(point.lon, point.lat, tolerance)
    if off <= tolerance:
        return
    where = f"lat {point.lat}, lon {point.lon}"
    if -90 <= point.lon <= 90 and country.contains(point.lat, point.lon):
        yield record.problem(("incident", "coordinates"), "CB361",
                             f"the coordinates ({where}) lie outside {code}, but latitude and "
                             f"longitude look swapped: lat {point.lon}, lon {point.lat} is "
                             "inside")
        return
    distance = f" by {off:.0f} km" if math.isfinite(off) else ""
    yield record.problem(("incident", "coordinates"), "CB361",
                         f"the coordinates ({where}) lie outside {code}{distance} (more than "
                         f"coordinates_tolerance_km, {tolerance:g} km)")


def _sources_before_incident(record: CaseFile, case: Case) -> Iterator[Diagnostic]:
    start = case.incident.date.start
    for i, source in enumerate(case.sources):
        if source.published is not None and source.published < start:
            yield record.problem(("sources", i, "published"), "CB362",
                                 f"sources[{i}] ({source.key}) was published on "
                                 f"{source.published}, before the incident "
                                 f"({case.incident.date})")
