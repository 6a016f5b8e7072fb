"""Facts about a case that pages need but the file does not state: derived once per build."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.history.reader import CaseHistory
from generator.records.schema import (
    NOT_RECORDED,
    Case,
    HarmFinding,
    Stage,
    Status,
    UsOrigin,
    count_bounds,
)

_ORIGIN_ORDER = [UsOrigin.CONFIRMED, UsOrigin.LIKELY, UsOrigin.POSSIBLE, UsOrigin.UNLIKELY,
                 UsOrigin.UNKNOWN]


@dataclass(frozen=True, slots=True)
class StageSpan:
    """A stretch of time a case spent in one stage; `end` is None while it is still there."""

    stage: Stage
    start: dt.date
    end: dt.date | None

    def days(self, today: dt.date) -> int:
        return ((self.end or today) - self.start).days


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


def stage_spans(case: Case, moves: dict[str, dt.date] | None = None) -> tuple[StageSpan, ...]:
    """Time in each stage: when git recorded a move into a stage, its date; otherwise the
    date in the case's stage history (the decision record)."""
    moves = moves or {}
    dates: list[dt.date] = []
    seen: set[Stage] = set()
    for entry in case.stage_history:
        moved = moves.get(entry.stage.value) if entry.stage not in seen else None
        seen.add(entry.stage)
        date = moved or entry.date
        # Dates never run backwards, whichever record each one came from.
        dates.append(max(date, dates[-1]) if dates else date)
    spans = []
    history = case.stage_history
    for i, entry in enumerate(history):
        end = dates[i + 1] if i + 1 < len(history) else None
        if entry.stage is Stage.CLOSED and end is None:
            end = dates[i]
        spans.append(StageSpan(entry.stage, dates[i], end))
    return tuple(spans)


def case_facts(case: Case, body: str, today: dt.date, stalled_days: int,
               history: CaseHistory | None = None) -> CaseFacts:
    spans = stage_spans(case, history.stage_moves() if history else None)
    entered = spans[-1].start
    days = (today - entered).days
    is_open = case.is_open
    return CaseFacts(
        case=case,
        body=body,
        entered_stage=entered,
        days_in_stage=days,
        overdue=is_open and case.next_review is not None and case.next_review < today,
        stalled=is_open and days > stalled_days,
        spans=spans,
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
