"""The stage gates as data: what each stage requires of a case, written once.

Each `Gate` names the first stage it applies to, the field it is about, how to
find where a case fails it, the diagnostic code, and the sentence people read.
The rule (`stage_gates` in generator.checks.rules), the about and stages pages,
the README's stage table and the schema's field descriptions are all rendered
from `GATES`, so they cannot disagree.

The open stages are ordered and each includes the gates of those before it; a
closed case holds only the gates for any stage and for closed cases.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from generator.records.fields import schema_fields
from generator.records.frontmatter import Path_
from generator.records.schema import (
    OPEN_STAGES,
    Avoidable,
    Case,
    ClosureReason,
    HarmFinding,
    IhlConcern,
    Stage,
)


@dataclass(frozen=True, slots=True)
class Miss:
    """One place where a case fails a gate, and what it must do there."""

    path: Path_
    words: str
    """After the subject ("must have a status"); for a key not allowed, the whole message."""


@dataclass(frozen=True, slots=True)
class Gate:
    """One requirement of a stage."""

    stage: Stage | None
    """The first stage it applies to: None for every case, intake for every open case,
    closed for closed cases only."""
    field: str
    """The dotted schema field it is about (list items not counted)."""
    sentence: str
    """What it requires, for people: the README, the site, the schema's descriptions."""
    misses: Callable[[Case], Iterable[Miss]]
    code: str = "CB204"
    forbids: bool = False
    """The gate keeps a key out: it is reported at that key, with `Miss.words` as written."""
    subject: str = ""
    """Who the message is about, when not "a case in stage X"."""
    because: Path_ = ("stage",)
    """Where a missing key is reported when nothing of it is written."""

    def applies(self, stage: Stage) -> bool:
        if self.stage is None:
            return True
        if self.stage is Stage.CLOSED or stage is Stage.CLOSED:
            return stage is self.stage
        return stage.rank >= self.stage.rank


def _unless(holds: Callable[[Case], bool], path: Path_, words: str,
            ) -> Callable[[Case], Iterable[Miss]]:
    """A gate with one place to fail: `path`, whenever the case does not `hold`."""
    return lambda case: () if holds(case) else (Miss(path, words),)


def _assessed(key: str, not_assessed: enum.Enum) -> Callable[[Case], Iterable[Miss]]:
    """A gate on an assessment judgement that must be made (not `not-assessed`)."""
    return _unless(lambda c: c.assessment is not None
                   and getattr(c.assessment, key) is not not_assessed,
                   ("assessment", key), f"must have assessment.{key} assessed (not not-assessed)")


def _us_origin_basis(case: Case) -> Iterator[Miss]:
    for i, weapon in enumerate(case.weapons):
        if weapon.us_origin.needs_basis and not weapon.us_origin_basis:
            yield Miss(("weapons", i, "us_origin_basis"),
                       f"must give weapons[{i}].us_origin_basis, since us_origin is "
                       f"{weapon.us_origin.value}")


def _unfinished_actions(case: Case) -> Iterator[Miss]:
    if case.closure_reason is not ClosureReason.ACTIONS_COMPLETED:
        return
    for i, action in enumerate(case.actions):
        if not action.status.finished:
            yield Miss(("actions", i, "status"),
                       f"cannot have actions[{i}] still {action.status.value} "
                       "(completed, declined or superseded)")


def _harm_written(key: str) -> Callable[[Case], Iterable[Miss]]:
    return _unless(lambda c: c.harm is not None and key in c.harm.model_fields_set,
                   ("harm", key), f"must state harm.{key} (write null if it is unknown)")


_ACTIONS_COMPLETED = "a case closed as actions-completed"

GATES: tuple[Gate, ...] = (
    Gate(Stage.INTAKE, "status", "a status",
         _unless(lambda c: c.status is not None, ("status",), "must have a status")),
    Gate(Stage.INTAKE, "next_review", "a next_review date",
         _unless(lambda c: c.next_review is not None, ("next_review",),
                 "must have a next_review date")),
    Gate(Stage.INTAKE, "closure_reason", "no closure_reason",
         _unless(lambda c: c.closure_reason is None, ("closure_reason",),
                 "closure_reason is only for closed cases: remove it, or set stage to closed"),
         code="CB210", forbids=True),
    Gate(Stage.INCIDENT_ANALYSIS, "incident.partner_force",
         "incident.partner_force (may be 'unknown')",
         _unless(lambda c: c.incident.partner_force is not None, ("incident", "partner_force"),
                 "must name incident.partner_force (write 'unknown' if it is not known)")),
    Gate(Stage.INCIDENT_ANALYSIS, "weapons", "at least one weapon",
         _unless(lambda c: bool(c.weapons), ("weapons",), "must list at least one weapon")),
    Gate(Stage.POLICY_IMPACT_ASSESSMENT, "assessment.harm_finding",
         "assessment.harm_finding: credible",
         _unless(lambda c: c.assessment is not None
                 and c.assessment.harm_finding is HarmFinding.CREDIBLE,
                 ("assessment", "harm_finding"), "must have assessment.harm_finding: credible")),
    Gate(Stage.POLICY_IMPACT_ASSESSMENT, "harm.killed", "harm.killed stated (null allowed)",
         _harm_written("killed")),
    Gate(Stage.POLICY_IMPACT_ASSESSMENT, "harm.injured", "harm.injured stated (null allowed)",
         _harm_written("injured")),
    Gate(Stage.POLICY_IMPACT_ASSESSMENT, "assessment.reviewed_by",
         "at least one reviewer in assessment.reviewed_by",
         _unless(lambda c: c.assessment is not None and bool(c.assessment.reviewed_by),
                 ("assessment", "reviewed_by"),
                 "must name at least one reviewer in assessment.reviewed_by")),
    Gate(Stage.POLICY_IMPACT_ASSESSMENT, "weapons.us_origin_basis",
         "a us_origin_basis for every weapon whose us_origin is confirmed or likely",
         _us_origin_basis),
    Gate(Stage.COORDINATED_ACTION, "assessment.ihl_concern",
         "assessment.ihl_concern assessed (not not-assessed)",
         _assessed("ihl_concern", IhlConcern.NOT_ASSESSED)),
    Gate(Stage.COORDINATED_ACTION, "assessment.avoidable",
         "assessment.avoidable assessed (not not-assessed)",
         _assessed("avoidable", Avoidable.NOT_ASSESSED)),
    Gate(Stage.COORDINATED_ACTION, "assessment.recommendations",
         "at least one assessment.recommendations entry",
         _unless(lambda c: c.assessment is not None and bool(c.assessment.recommendations),
                 ("assessment", "recommendations"),
                 "must list at least one assessment.recommendations entry")),
    Gate(Stage.CLOSED, "closure_reason", "a closure_reason",
         _unless(lambda c: c.closure_reason is not None, ("closure_reason",),
                 "must have a closure_reason")),
    Gate(Stage.CLOSED, "duplicate_of", "duplicate_of naming the original, when closed as "
                                       "duplicate",
         _unless(lambda c: c.closure_reason is not ClosureReason.DUPLICATE
                 or c.duplicate_of is not None, ("duplicate_of",),
                 "must name the case it duplicates in duplicate_of"),
         subject="a case closed as duplicate", because=("closure_reason",)),
    Gate(Stage.CLOSED, "actions", "at least one action, when closed as actions-completed",
         _unless(lambda c: c.closure_reason is not ClosureReason.ACTIONS_COMPLETED
                 or bool(c.actions), ("actions",), "must list at least one action"),
         subject=_ACTIONS_COMPLETED, because=("closure_reason",)),
    Gate(Stage.CLOSED, "actions.status", "every action completed, declined or superseded, "
                                         "when closed as actions-completed",
         _unfinished_actions, subject=_ACTIONS_COMPLETED, because=("closure_reason",)),
    Gate(None, "duplicate_of", "no duplicate_of unless closed as duplicate",
         _unless(lambda c: c.duplicate_of is None
                 or c.closure_reason is ClosureReason.DUPLICATE, ("duplicate_of",),
                 "duplicate_of is only for cases closed with closure_reason: duplicate"),
         code="CB210", forbids=True),
)


@dataclass(frozen=True, slots=True)
class Problem:
    """A gate a case fails: the diagnostic to report, and the key that would settle it."""

    path: Path_
    code: str
    message: str
    fallback: Path_ | None
    """Where to report it instead when nothing of `path` is written; None: at `path`."""


# The gates of each stage, worked out once for the table they were taken from (tests
# put another table in GATES): asking every gate of every case whether it applies
# took two thirds of the time of the gate checks.
_BY_STAGE: dict[Stage, tuple[Gate, ...]] = {}
_BY_STAGE_OF: list[tuple[Gate, ...]] = []


def _gates_of(stage: Stage) -> tuple[Gate, ...]:
    if not _BY_STAGE_OF or _BY_STAGE_OF[0] is not GATES:
        _BY_STAGE.clear()
        _BY_STAGE.update({s: tuple(g for g in GATES if g.applies(s)) for s in Stage})
        _BY_STAGE_OF[:] = [GATES]
    return _BY_STAGE[stage]


def gate_problems(case: Case) -> Iterator[Problem]:
    """Every gate of its stage that `case` fails, in the order of GATES."""
    for gate in _gates_of(case.stage):
        for miss in gate.misses(case):
            if gate.forbids:
                yield Problem(miss.path, gate.code, miss.words, None)
            else:
                who = gate.subject or f"a case in stage {case.stage.value}"
                yield Problem(miss.path, gate.code, f"{who} {miss.words}", gate.because)


# --------------------------------------------------------------------------
# The gates in words: the stage table (README, about and stages pages) and the
# note each gated field carries in the schema's descriptions.

_SCOPES: tuple[Stage | None, ...] = (None, *OPEN_STAGES, Stage.CLOSED)


def scope_label(stage: Stage | None) -> str:
    """The stage table's name for the cases a gate applies to."""
    if stage is None:
        return "any stage"
    if stage is Stage.INTAKE:
        return "any open stage"
    if stage is Stage.CLOSED or stage is OPEN_STAGES[-1]:
        return stage.value
    return f"{stage.value} and later"


def schema_requirements() -> str:
    """What the schema itself requires of every case, from the fields' required-ness."""
    parts: list[str] = []
    optional_above: list[str] = []
    for f in schema_fields():
        if not f.required or any(f.path.startswith(p) for p in optional_above):
            optional_above.append(f"{f.path}.")
        elif f.min_items:
            parts.append(f"at least one {f.path} entry")
            optional_above.append(f"{f.path}.")  # what each entry holds is its own business
        elif f.holds is None:
            parts.append(f.path)
    return ", ".join(parts)


def stage_table() -> list[tuple[str, str]]:
    """(the cases it is about, what they must hold) for each row of the stage table."""
    rows = []
    for scope in _SCOPES:
        sentences = [g.sentence for g in GATES if g.stage is scope]
        if scope is None:
            sentences.insert(0, schema_requirements())
        if sentences:
            rows.append((scope_label(scope), "; ".join(sentences)))
    return rows


def field_notes() -> dict[str, str]:
    """For each gated field, its gates in words, to follow the field's description."""
    notes: dict[str, list[str]] = {}
    for gate in GATES:
        notes.setdefault(gate.field, []).append(
            f"Stage gate ({scope_label(gate.stage)}): {gate.sentence}.")
    return {field: " ".join(sentences) for field, sentences in notes.items()}
