"""Facts about a case that pages need but the file does not state: derived once per build.

Where a case stands in time (days in stage, overdue, stalled) is worked out in
`generator.checks.status`, which the command line shares.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.checks.status import StageSpan, standing
from generator.history.reader import CaseHistory
from generator.records.schema import (
    NOT_RECORDED,
    Case,
    HarmFinding,
    Status,
    UsOrigin,
    count_bounds,
)

__all__ = ["CaseFacts", "StageSpan", "case_facts", "harm_summary", "show_count"]

_ORIGIN_ORDER = [UsOrigin.CONFIRMED, UsOrigin.LIKELY, UsOrigin.POSSIBLE, UsOrigin.UNLIKELY,
                 UsOrigin.UNKNOWN]


@dataclass(frozen=True, slots=True)
class CaseFacts:
    case: Case
    body: str
    entered_stage: dt.date
    days_in_stage: int
    overdue: bool
    stalled: bool
    spans: tuple[StageSpan, ...]
    history: CaseHistory | None = None

    @property
    def awaiting(self) -> bool:
        return self.case.status is Status.AWAITING_INFORMATION and self.case.is_open

    @property
    def harm_finding(self) -> HarmFinding:
        assessment = self.case.assessment
        return assessment.harm_finding if assessment else HarmFinding.PENDING

    @property
    def us_origin(self) -> UsOrigin | None:
        """The strongest U.S.-origin confidence among the case's weapons."""
        found = {w.us_origin for w in self.case.weapons}
        return next((o for o in _ORIGIN_ORDER if o in found), None)


def case_facts(case: Case, body: str, today: dt.date, stalled_days: int,
               history: CaseHistory | None = None) -> CaseFacts:
    now = standing(case, today, stalled_days, history.stage_moves() if history else None)
    return CaseFacts(
        case=case,
        body=body,
        entered_stage=now.entered_stage,
        days_in_stage=now.days_in_stage,
        overdue=now.overdue,
        stalled=now.stalled,
        spans=now.spans,
        history=history,
    )


def show_count(count: object) -> str:
    """A casualty figure as people read it: 3, 3-7, or unknown."""
    bounds = count_bounds(count)  # type: ignore[arg-type]
    if bounds is None:
        return "unknown"
    low, high = bounds
    return str(low) if low == high else f"{low}-{high}"


def harm_summary(case: Case) -> str:
    harm = case.harm
    if harm is None:
        return NOT_RECORDED
    parts = []
    for key, word in (("killed", "killed"), ("injured", "injured")):
        if key in harm.model_fields_set:
            parts.append(f"{show_count(getattr(harm, key))} {word}")
    return ", ".join(parts) if parts else NOT_RECORDED
