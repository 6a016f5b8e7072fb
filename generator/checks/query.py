"""The questions people ask of the cases: which match some filters, and one case's key facts.

Both are answered from the corpus that validation reads (`load_corpus`), so a
case means the same here as to `casebook validate` and the site; where a case
stands in time comes from `generator.checks.status`, as on the site, counted
from the decision record in the file (reading git's dates would cost seconds).
A file with errors is left out of every answer: what it says cannot be
trusted, and `casebook validate` says what is wrong with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from iso3166 import countries

from generator.checks.corpus import Corpus, load_corpus
from generator.checks.rules import Context, check_case, check_corpus
from generator.checks.saved import SavedReads
from generator.checks.status import standing
from generator.config import Config
from generator.records.diagnostics import Diagnostic, Severity
from generator.records.loader import CaseFile, load_file
from generator.records.schema import Action, Case, Sensitivity, Stage, Status

JsonValue = str | int | bool | None


@dataclass(frozen=True, slots=True)
class KeyFacts:
    """What a listing says of one case, on one day."""

    id: str
    title: str
    stage: Stage
    status: Status | None
    assignee: str | None
    partner_force: str | None
    country: str
    sensitivity: Sensitivity
    opened: dt.date
    in_stage_since: dt.date
    days_in_stage: int | None
    """None once the case is closed: a closed case waits for nothing."""
    next_review: dt.date | None
    overdue: bool
    stalled: bool
    path: str
    """The file, relative to the project's top folder."""

    def as_dict(self) -> dict[str, JsonValue]:
        """Plain values for JSON and CSV: enumerations and dates as they are written."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


COLUMNS = tuple(f.name for f in dataclasses.fields(KeyFacts))
"""The keys of `KeyFacts.as_dict`, in order: the columns of a CSV listing."""


def _plain(value: object) -> JsonValue:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str | int | bool) or value is None:
        return value
    raise TypeError(f"no plain form for {value!r}")  # pragma: no cover - a new field's type


def key_facts(record: CaseFile, case: Case, today: dt.date, stalled_days: int) -> KeyFacts:
    """The key facts of the case `record` holds (its record, `case`) on `today`."""
    now = standing(case, today, stalled_days)
    return KeyFacts(
        id=case.id, title=case.title, stage=case.stage, status=case.status,
        assignee=case.assignee, partner_force=case.incident.partner_force,
        country=case.incident.country, sensitivity=case.sensitivity, opened=case.opened,
        in_stage_since=now.entered_stage,
        days_in_stage=now.days_in_stage if case.is_open else None,
        next_review=case.next_review, overdue=now.overdue, stalled=now.stalled,
        path=record.rel)


def open_actions(case: Case) -> list[Action]:
    """The case's actions that are not finished (completed, declined or superseded)."""
    return [a for a in case.actions if not a.status.finished]


def read_cases(config: Config, *, today: dt.date, extra: Sequence[Path] = ()) -> Corpus:
    """Every case file read and checked as `casebook validate` does, reusing what was
    read before from files whose bytes are unchanged (`generator.checks.saved`): the
    records carry no positions, so print problems from a fresh `load_corpus`."""
    saved = SavedReads.open(config)
    corpus = load_corpus(config, extra=extra, today=today, load=saved.load, check=saved.check)
    saved.save()
    return corpus


# ------------------------------------------------------------------ filters


def _within(wanted: AbstractSet[object], value: object) -> bool:
    return not wanted or value in wanted


@dataclass(frozen=True, slots=True)
class Filters:
    """What a case must be to be listed: within a kind, any of the values given; across
    kinds, all of them. An empty kind admits every case."""

    stages: frozenset[Stage] = frozenset()
    statuses: frozenset[Status] = frozenset()
    assignees: frozenset[str] = frozenset()
    """Handles, compared without regard to case."""
    partners: frozenset[str] = frozenset()
    """Partner forces as written in the cases, compared without regard to case."""
    countries: frozenset[str] = frozenset()
    """ISO 3166-1 alpha-3 codes."""
    sensitivities: frozenset[Sensitivity] = frozenset()
    overdue: bool = False
    stalled: bool = False
    open: bool = False
    words: tuple[str, ...] = ()
    """Each must appear, in any case, in the title, the narrative or the place."""

    def __post_init__(self) -> None:
        # Free text is compared folded; folding once here spares it per case.
        for name in ("assignees", "partners"):
            object.__setattr__(self, name, frozenset(v.casefold() for v in getattr(self, name)))
        object.__setattr__(self, "words", tuple(w.casefold() for w in self.words))

    def admits(self, facts: KeyFacts, case: Case, body: str) -> bool:
        return (_within(self.stages, facts.stage) and _within(self.statuses, facts.status)
                and _within(self.assignees, (facts.assignee or "").casefold())
                and _within(self.partners, (facts.partner_force or "").casefold())
                and _within(self.countries, facts.country)
                and _within(self.sensitivities, facts.sensitivity)
                and (facts.overdue or not self.overdue)
                and (facts.stalled or not self.stalled)
                and (case.is_open or not self.open)
                and (not self.words or _has_words(case, body, self.words)))


def _has_words(case: Case, body: str, words: Sequence[str]) -> bool:
    incident = case.incident
    text = "\n".join((case.title, body, incident.place or "", incident.admin2 or "",
                      incident.admin1 or "")).casefold()
    return all(word in text for word in words)


# ------------------------------------------------------------------ answers


SORTS: dict[str, Callable[[KeyFacts], tuple[object, ...]]] = {
    "id": lambda f: (f.id,),
    "opened": lambda f: (f.opened, f.id),
    "stage": lambda f: (f.stage.rank, f.id),
    "next-review": lambda f: (f.next_review is None, f.next_review or dt.date.min, f.id),
    # Longest first: the question is which case has waited longest.
    "days-in-stage": lambda f: (f.days_in_stage is None, -(f.days_in_stage or 0), f.id),
    "assignee": lambda f: (f.assignee is None, (f.assignee or "").casefold(), f.id),
}
"""The orders a listing can be sorted in, each ending with the id."""


@dataclass(frozen=True, slots=True)
class Answer:
    """The cases that match, in order, and what was left out."""

    cases: list[KeyFacts]
    listed_from: int
    """How many cases were searched: every case file without errors."""
    skipped: list[str]
    """The files left out because they have errors, relative to the project."""


def error_files(corpus: Corpus) -> set[str]:
    """The files (relative paths) with at least one error, of any stage of checking."""
    return {d.path for d in corpus.diagnostics if d.severity is Severity.ERROR}


def readable(corpus: Corpus) -> tuple[list[tuple[CaseFile, Case]], list[str]]:
    """The case files without errors with their records, and the files left out."""
    broken = error_files(corpus)
    kept, skipped = [], []
    for f in corpus.files:
        if f.case is None or f.rel in broken:
            skipped.append(f.rel)
        else:
            kept.append((f, f.case))
    return kept, skipped


def query(corpus: Corpus, filters: Filters, *, today: dt.date, stalled_days: int,
          sort: str = "id") -> Answer:
    """The key facts of every case without errors that `filters` admit, sorted by `sort`."""
    kept, skipped = readable(corpus)
    found = []
    for record, case in kept:
        facts = key_facts(record, case, today, stalled_days)
        if filters.admits(facts, case, record.body):
            found.append(facts)
    found.sort(key=SORTS[sort])
    return Answer(found, len(kept), skipped)


def unmatched_values(corpus: Corpus, filters: Filters) -> list[str]:
    """A sentence for each assignee or partner force asked for that no readable case has,
    with the closest one some case has: a typo should not pass for an empty answer."""
    kept, _ = readable(corpus)
    known = {
        "assignee": {c.assignee.casefold(): c.assignee for _, c in kept if c.assignee},
        "partner force": {c.incident.partner_force.casefold(): c.incident.partner_force
                          for _, c in kept if c.incident.partner_force},
    }
    notes = []
    for what, asked in (("assignee", filters.assignees), ("partner force", filters.partners)):
        names = known[what]
        for value in sorted(asked - names.keys()):
            near = closest(value, list(names))
            hint = f" (did you mean '{names[near]}'?)" if near else ""
            notes.append(f"no case has the {what} '{value}'{hint}")
    return notes


# ------------------------------------------------------------------ naming a case


def _looks_like_path(name: str) -> bool:
    return name.endswith(".md") or "/" in name or os.sep in name


def named_path(name: str, *, root: Path, cwd: Path) -> Path | None:
    """The existing file `name` stands for when it is written as a path (from the
    current folder, else from the project's top), else None."""
    if not _looks_like_path(name):
        return None
    for base in (cwd, root):
        candidate = Path(os.path.abspath(base / name))  # noqa: PTH100 - keep symbolic links
        if candidate.is_file():
            return candidate
    return None


def find_case(corpus: Corpus, name: str, *, root: Path, cwd: Path) -> CaseFile | None:
    """The case file `name` stands for: an id in any case (`ch-2024-0007`), or a path to
    the file (`cases/CH-2024-0007.md`); None when no file is that case."""
    text = name.strip()
    if _looks_like_path(text):
        path = named_path(text, root=root, cwd=cwd)
        return next((f for f in corpus.files if f.path == path), None)
    wanted = text.upper()
    return (next((f for f in corpus.files if f.declared_id == wanted), None)
            or next((f for f in corpus.files if f.path.stem.upper() == wanted), None))


def known_ids(corpus: Corpus) -> list[str]:
    """The ids the case files declare (or their names say, when unreadable)."""
    return sorted({f.declared_id or f.path.stem for f in corpus.files})


def case_problems(corpus: Corpus, record: CaseFile, config: Config,
                  today: dt.date) -> tuple[CaseFile, list[Diagnostic]]:
    """The file of `record` read afresh, with every problem in it: its own, its rules'
    and those across files (against the rest of `corpus`), each with its line and
    column, which records made from saved reads do not keep."""
    fresh = load_file(record.path, config)
    files = [fresh if f.path == record.path else f for f in corpus.files]
    found = [*fresh.diagnostics, *check_case(fresh, Context(config, today)),
             *(d for d in check_corpus(files) if d.path == fresh.rel)]
    return fresh, sorted(found, key=Diagnostic.sort_key)


# ------------------------------------------------------------------ values


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice `word` most likely meant: the same word in other letters' case, else
    the nearest spelling; None when nothing is near."""
    folded = word.casefold()
    same = [c for c in choices if c.casefold() == folded]
    if same:
        return same[0]
    by_fold = {c.casefold(): c for c in choices}
    near = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    return by_fold[near[0]] if near else None


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-3 code for a code (alpha-3 or alpha-2) or an English name,
    in any case; None when it names no country."""
    value = text.strip()
    try:
        return str(countries.get(value).alpha3) if value else None
    except KeyError:
        return None


def country_names() -> list[str]:
    """Every alpha-3 code and English country name, for suggestions."""
    return [name for c in countries for name in (c.alpha3, c.name)]
