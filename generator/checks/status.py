"""Where a case stands on a given day: which stage since when, and whether it is late.

The site's pages and the command line (`casebook list`, `casebook show`) say
the same things about a case: how long it has been in its stage, whether its
next review has passed (overdue) and whether it has sat in one stage for more
than `stalled_days` (stalled). They are worked out here, once, from the case's
stage history and, when git recorded when the case moved, from those dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from generator.records.schema import Case, Stage


@dataclass(frozen=True, slots=True)
class StageSpan:
    """A stretch of time a case spent in one stage; `end` is None while it is still there."""

    stage: Stage
    start: dt.date
    end: dt.date | None

    def days(self, today: dt.date) -> int:
        return ((self.end or today) - self.start).days


@dataclass(frozen=True, slots=True)
class Standing:
    """A case's place in time on one day."""

    spans: tuple[StageSpan, ...]
    entered_stage: dt.date
    """When the case entered the stage it is in."""
    days_in_stage: int
    overdue: bool
    """Open, and its next review date has passed."""
    stalled: bool
    """Open, and in its current stage for more than `stalled_days`."""


def stage_spans(case: Case, moves: Mapping[str, dt.date] | None = None
                ) -> tuple[StageSpan, ...]:
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


def overdue(case: Case, today: dt.date) -> bool:
    """Open, and its next review date has passed."""
    return case.is_open and case.next_review is not None and case.next_review < today


def standing(case: Case, today: dt.date, stalled_days: int,
             moves: Mapping[str, dt.date] | None = None) -> Standing:
    """Where `case` stands on `today`; `moves` are the dates git recorded for its moves
    into each stage (`CaseHistory.stage_moves`), when the history was read."""
    spans = stage_spans(case, moves)
    entered = spans[-1].start
    days = (today - entered).days
    is_open = case.is_open
    return Standing(
        spans=spans,
        entered_stage=entered,
        days_in_stage=days,
        overdue=overdue(case, today),
        stalled=is_open and days > stalled_days,
    )
