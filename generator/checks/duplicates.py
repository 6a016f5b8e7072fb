"""Cases that may be the same incident (`casebook duplicates`): pairs, a score, the reasons.

Once many sources are taken in, one strike arrives more than once: a monitor's
entry and a media report of it. Comparing every case with every other would be
quadratic, so cases are first blocked: by country, then by incident date, each
case compared only with those whose dates lie within `WINDOW_DAYS` of its own.
Each pair gets a score from 0 to 1, a weighted sum of:

- how close the incident dates are (overlapping ranges count as the same day);
- how close the places are (the distance between the coordinates, else the
  same place or district name);
- the same partner force;
- how alike the titles and the narratives are (shared words);
- a shared source address, which alone makes a pair a strong candidate.

A pair is settled, and never proposed again, once one case is closed as a
duplicate of the other (`duplicate_of`; such a case is left out altogether) or
either lists the other in `not_duplicate_of`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from generator.checks.boundaries import EARTH_KM_PER_DEGREE
from generator.records.schema import Case

WINDOW_DAYS = 7
"""Cases whose incident dates lie further apart are never compared."""
DEFAULT_MIN_SCORE = 0.6
WEIGHTS = {"date": 0.25, "place": 0.3, "force": 0.1, "title": 0.15, "narrative": 0.1,
           "source": 0.1}
_STOP = frozenset({"the", "and", "for", "with", "from", "into", "near", "was", "were", "that",
                   "this", "its", "their", "has", "had", "have", "are", "not", "fictional",
                   "case", "sample", "people", "reported", "report"})
_WORD = re.compile(r"[^\W\d_]{3,}|\d+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Pair:
    """Two cases that may record the same incident."""

    first: str
    second: str
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"first": self.first, "second": self.second, "score": self.score,
                "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class Features:
    case: Case
    start: int
    end: int
    point: tuple[float, float] | None
    place: str
    district: str
    force: str
    title: frozenset[str]
    narrative: frozenset[str]
    urls: frozenset[str]


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def features(case: Case, body: str) -> Features:
    """What the scoring compares of one case (its narrative's words among them)."""
    incident = case.incident
    point = incident.coordinates
    force = (incident.partner_force or "").strip().lower()
    return Features(
        case=case, start=incident.date.start.toordinal(), end=incident.date.end.toordinal(),
        point=(point.lat, point.lon) if point else None,
        place=(incident.place or "").strip().lower(),
        district=(incident.admin2 or "").strip().lower(),
        force="" if force == "unknown" else force,
        title=_words(case.title), narrative=_words(body),
        urls=frozenset(s.url for s in case.sources if s.url))


def _similar(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    scale = math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(a[0] - b[0], (a[1] - b[1]) * scale) * EARTH_KM_PER_DEGREE


def _date_part(a: Features, b: Features) -> tuple[float, str]:
    gap = max(0, max(a.start, b.start) - min(a.end, b.end))
    score = 1.0 if gap == 0 else 0.8 if gap <= 1 else 0.5 if gap <= 3 else 0.2
    said = "incident dates overlap" if gap == 0 else (
        f"incident dates {gap} day{'s' if gap != 1 else ''} apart")
    return score, said


def _place_part(a: Features, b: Features) -> tuple[float, str | None]:
    if a.point is not None and b.point is not None:
        km = _km(a.point, b.point)
        score = 1.0 if km <= 0.5 else 0.8 if km <= 2 else 0.4 if km <= 10 else 0.0
        return score, (f"{km:.1f} km apart" if score else None)
    if a.place and a.place == b.place:
        return 1.0, f"same place ({a.case.incident.place})"
    if a.district and a.district == b.district:
        return 0.5, f"same district ({a.case.incident.admin2})"
    return 0.0, None


def score_pair(a: Features, b: Features) -> tuple[float, list[str]]:
    """The score of two cases and the reasons it rests on."""
    date, date_said = _date_part(a, b)
    place, place_said = _place_part(a, b)
    parts = {"date": date, "place": place}
    reasons = [date_said] + ([place_said] if place_said else [])
    if a.force and a.force == b.force:
        parts["force"] = 1.0
        reasons.append("same partner force")
    for name, mine, theirs in (("title", a.title, b.title),
                               ("narrative", a.narrative, b.narrative)):
        parts[name] = _similar(mine, theirs)
        if parts[name] >= 0.5:
            reasons.append(f"similar {name}s ({parts[name]:.2f})")
    shared = sorted(a.urls & b.urls)
    if shared:
        parts["source"] = 1.0
        reasons.append(f"shared source {shared[0]}")
    score = sum(WEIGHTS[name] * value for name, value in parts.items())
    if shared:
        # The same report cited twice is strong evidence whatever else differs.
        score = max(score, 0.9)
    return round(score, 2), reasons


def _settled(a: Case, b: Case) -> bool:
    return b.id in a.not_duplicate_of or a.id in b.not_duplicate_of


def candidates(cases: Sequence[Case], bodies: Mapping[str, str] | None = None, *,
               min_score: float = DEFAULT_MIN_SCORE,
               read: Callable[[Case, str], Features] = features) -> list[Pair]:
    """Open candidate pairs scoring at least `min_score`, best first. `read` is
    `features` (a watching server passes one that keeps each unchanged case's)."""
    bodies = bodies or {}
    by_country: dict[str, list[Features]] = {}
    for case in cases:
        if case.duplicate_of is not None:
            continue  # settled: closed as a duplicate
        by_country.setdefault(case.incident.country, []).append(
            read(case, bodies.get(case.id, "")))
    return ranked(pair for block in by_country.values() for pair in _block_pairs(block, min_score))


def ranked(pairs: Iterable[Pair]) -> list[Pair]:
    """Pairs best first (then by their ids): the order every list of candidates has."""
    return sorted(pairs, key=lambda p: (-p.score, p.first, p.second))


def _block_pairs(block: list[Features], min_score: float) -> Iterable[Pair]:
    block.sort(key=lambda f: f.start)
    for i, a in enumerate(block):
        for b in block[i + 1:]:
            if b.start > a.end + WINDOW_DAYS:
                break
            if _settled(a.case, b.case):
                continue
            score, reasons = score_pair(a, b)
            if score >= min_score:
                first, second = sorted((a.case.id, b.case.id))
                yield Pair(first, second, score, tuple(reasons))
