"""Compare two versions of the knowledge base: how cases may change, and what changed.

A pull request is judged against its base branch (`casebook validate --base REF`)
and summarised for its reviewer (`casebook diff BASE [HEAD]`). Both start from
two `Snapshot`s: the case files of one version each, read either from the
working tree (an already loaded `Corpus`) or from a git revision (one
`git ls-tree` and one `git cat-file --batch` process, never one per file).

Which files are "the same case" in both versions, which are new and which were
removed, is decided once by `_pair`, so that the rules and the summary agree:
- a file at the same path in both is the same case; a new file whose id is a
  base case's id, where that base file is gone, is that case renamed;
- when the base branch moved on after the head branched from it, pass the
  version they share (`fork_point`) as `origin`: files the base gained or
  changed since then, and the head never touched, are then not taken for
  the head's deletions or edits, and a file both branches added at the same
  path (the same new id) is known to be two different cases. Without
  `origin`, a file at a base path is taken for another case only when both
  its title and its first stage_history entry differ from the base's.

Files that fail to load on either side are skipped by the rules (`validate`
reports them); the summary still lists them from whatever front matter could
be read.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.config import Config
from generator.history.reader import FieldChange, describe_change, field_changes
from generator.records.diagnostics import (
    Diagnostic,
    diagnostic,
    workflow_data,
    workflow_property,
)
from generator.records.frontmatter import Path_
from generator.records.loader import SKIPPED_NAMES, CaseFile, load_bytes
from generator.records.schema import OPEN_STAGES, Case, Stage
from generator.repository.git import GitError, GitErrorKind, Repository, TreeEntry

if TYPE_CHECKING:
    from generator.checks.corpus import Corpus

WORKING_TREE = "working tree"


class CompareError(Exception):
    """A version to compare cannot be read: an unknown revision, no git repository.
    Raised from the gateway's `GitError` when git is what failed; the command line
    prints the message and exits 2."""


# --------------------------------------------------------------------------
# Snapshots: the case files of one version.


@dataclass(frozen=True)
class Snapshot:
    """The case files of one version of the knowledge base."""

    ref: str
    """`working tree`, or the revision as it was asked for (`origin/main`)."""
    files: dict[str, CaseFile]
    """Every case file read, by its path relative to the casebook root (the folder of
    mkdocs.yml, which is normally the top of the repository), as in `CaseFile.rel`."""
    commit: str | None = None
    """The commit read, for a snapshot of a git revision."""


def snapshot_of_worktree(config: Config, corpus: Corpus) -> Snapshot:
    """The working tree's case files, from a corpus already loaded (and validated)."""
    cases_dir = Path(os.path.abspath(config.cases_dir))  # noqa: PTH100
    files = {f.rel: f for f in corpus.files
             if Path(os.path.abspath(f.path)).is_relative_to(cases_dir)}  # noqa: PTH100
    return Snapshot(WORKING_TREE, files)


def _check_ref(ref: str) -> None:
    # A revision is passed to git as an argument and on cat-file's standard input:
    # refuse what would read as an option or end the request.
    if not ref or ref.startswith("-") or any(c.isspace() or ord(c) < 32 for c in ref):
        raise CompareError(f"'{ref}' is not a git revision")


_NO_GIT = "git is not installed: cannot read other versions"


def _open_repo(config: Config, ref: str) -> Repository:
    try:
        return Repository.open(config.root)
    except GitError as err:
        if err.kind is GitErrorKind.NOT_INSTALLED:
            raise CompareError(_NO_GIT) from err
        raise CompareError(f"{config.root} is not in a git repository, so there is no "
                           f"'{ref}' to compare with") from err


def snapshot_at(config: Config, ref: str) -> Snapshot:
    """The case files as of a git revision (a branch, tag or commit).

    Two git processes in all: `git cat-file --batch` (GitPython's persistent one)
    resolves the revision and then reads every blob, and one `git ls-tree` lists
    the cases folder. Raises `CompareError` for an unknown revision or when there
    is no git repository.
    """
    _check_ref(ref)
    with _open_repo(config, ref) as repo:
        try:
            return _snapshot(repo, config, ref)
        except GitError as err:
            if err.kind is GitErrorKind.NOT_INSTALLED:
                raise CompareError(_NO_GIT) from err
            raise


def _snapshot(repo: Repository, config: Config, ref: str) -> Snapshot:
    if repo.working_tree is None:
        raise CompareError(f"{config.root} is in a bare git repository")
    top = repo.working_tree.resolve()
    try:
        cases_rel = config.cases_dir.resolve().relative_to(top).as_posix()
    except ValueError:
        raise CompareError(f"the cases folder {config.cases_dir} is outside the git "
                           f"repository at {top}") from None
    try:
        commit = repo.resolve_commit(ref)
    except GitError as err:
        if err.kind is not GitErrorKind.UNKNOWN_REVISION:
            raise
        raise CompareError(f"unknown git revision '{ref}': no branch, tag or commit has "
                           "that name here (fetch it first?)") from err
    try:
        listing = repo.ls_tree(commit, cases_rel)
    except GitError as err:  # pragma: no cover - the commit was just resolved
        if err.kind is GitErrorKind.NOT_INSTALLED:
            raise
        raise CompareError(f"git ls-tree failed on '{ref}': {err.stderr.strip()}") from err
    files: dict[str, CaseFile] = {}
    for entry in _case_blobs(listing):
        path = top / entry.path
        record = CaseFile(path=path, rel=config.relative(path))
        files[record.rel] = load_bytes(repo.read_blob(entry.blob), record, config)
    return Snapshot(ref, files, commit)


def _case_blobs(listing: Iterable[TreeEntry]) -> Iterable[TreeEntry]:
    """The case files of a tree listing."""
    for entry in listing:
        # Regular files only: a symbolic link's blob is its target, not a case.
        if entry.kind != "blob" or entry.mode not in ("100644", "100755"):
            continue
        if entry.path.endswith(".md") and entry.path.rsplit("/", 1)[-1] not in SKIPPED_NAMES:
            yield entry


def fork_point(config: Config, base: Snapshot, head_ref: str = "HEAD") -> Snapshot | None:
    """The version the head branched from (the merge base of `base` and `head_ref`), to
    pass as `origin` to `compare` and `summarize`.

    None when the head already holds every commit of the base (the comparison of the
    two is then exact), when the base is the working tree, or when the two share no
    history.
    """
    if base.commit is None:
        return None
    _check_ref(head_ref)
    with _open_repo(config, head_ref) as repo:
        try:
            found = repo.merge_base(base.commit, head_ref)
        except GitError as err:
            if err.kind is GitErrorKind.NOT_INSTALLED:
                raise CompareError(_NO_GIT) from err
            raise CompareError(f"unknown git revision '{head_ref}'") from err
    if not found or found == base.commit:
        return None
    start = snapshot_at(config, found)
    return Snapshot(f"merge base of {base.ref} and {head_ref}", start.files, start.commit)


# --------------------------------------------------------------------------
# Which files are the same case in both versions.


@dataclass(slots=True)
class _Pairing:
    pairs: list[tuple[CaseFile, CaseFile]]
    """(base, head): one case in both versions; a renamed file pairs two paths."""
    new: list[CaseFile]
    """Head files that start a case the base does not have."""
    removed: list[CaseFile]
    """Base files that the head deleted."""


def _same_content(a: CaseFile, b: CaseFile) -> bool:
    return a.body == b.body and not field_changes(a.data, b.data)


def _first_entry(data: Any) -> Any:
    history = data.get("stage_history") if isinstance(data, dict) else None
    return history[0] if isinstance(history, list) and history else None


def _another_case(base: CaseFile, head: CaseFile) -> bool:
    """Without a fork point: whether the head file at a base path holds another case
    (two branches created the same id). Both the title and the first stage_history
    entry (the record of the case's creation) differ."""
    if not isinstance(base.data, dict) or not isinstance(head.data, dict):
        return False
    return (base.declared_id == head.declared_id
            and bool(field_changes(base.data.get("title"), head.data.get("title")))
            and bool(field_changes(_first_entry(base.data), _first_entry(head.data))))


def _pair(base: Snapshot, head: Snapshot, origin: Snapshot | None) -> _Pairing:
    pairs: list[tuple[CaseFile, CaseFile]] = []
    new: list[CaseFile] = []
    kept: set[str] = set()
    for rel in sorted(head.files):
        now = head.files[rel]
        before = base.files.get(rel)
        if before is None:
            if origin is None or rel not in origin.files:
                new.append(now)
            # else the base deleted or moved the file after the head branched.
            continue
        kept.add(rel)
        if origin is not None:
            start = origin.files.get(rel)
            if start is None:  # both branches added this path since they parted
                if not _same_content(before, now):
                    new.append(now)
                continue
            if _same_content(start, now):  # the head never touched it
                continue
        elif _another_case(before, now):
            new.append(now)
            continue
        pairs.append((before, now))

    by_id: dict[str, CaseFile] = {}
    for rel in sorted(base.files):
        declared = base.files[rel].declared_id
        if declared is not None:
            by_id.setdefault(declared, base.files[rel])
    for now in list(new):
        before = by_id.get(now.declared_id) if now.declared_id is not None else None
        if (before is None or now.rel in base.files or before.rel in kept
                or (origin is not None and before.rel not in origin.files)):
            continue
        new.remove(now)
        pairs.append((before, now))
        kept.add(before.rel)

    removed = [base.files[rel] for rel in sorted(base.files)
               if rel not in kept and (origin is None or rel in origin.files)]
    return _Pairing(pairs, new, removed)


# --------------------------------------------------------------------------
# The rules.


def compare(base: Snapshot, head: Snapshot, config: Config, *,
            origin: Snapshot | None = None) -> list[Diagnostic]:
    """Every way the head breaks the rules for changing cases, against the base.

    Diagnostics point at the head file (a deleted file: the base path, at 1:1).
    `origin` is the version the head branched from (see `fork_point`).
    """
    pairing = _pair(base, head, origin)
    found: list[Diagnostic] = []
    for before, now in pairing.pairs:
        if before.case is None or now.case is None:
            continue
        if before.rel != now.rel:
            line, column = now.at(("id",))
            found.append(diagnostic(
                now.rel, line, column, "CB406",
                f"case {before.case.id} was moved from {before.rel} to {now.rel}: a case file "
                f"is never renamed or moved, so keep it at {before.rel} (to retire the case, "
                "close it instead)"))
        found.extend(_transitions(before, before.case, now, now.case))
    for gone in pairing.removed:
        if gone.case is None:
            continue
        found.append(diagnostic(
            gone.rel, 1, 1, "CB406",
            f"case {gone.case.id} ({gone.rel}) was deleted: a case is never deleted; restore "
            "the file and close the case instead (stage: closed, with a closure_reason)"))
    found.extend(_new_ids(base, [f for f in pairing.new if f.case is not None], config))
    return sorted(found, key=Diagnostic.sort_key)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


_Report = Callable[[Path_, str, str], None]
"""Report a diagnostic at a path of the head file: path, code, message."""


def _transitions(base: CaseFile, old: Case, record: CaseFile, new: Case) -> list[Diagnostic]:
    """CB401-CB405 for one case present in both versions."""
    found: list[Diagnostic] = []

    def report(path: Path_, code: str, message: str) -> None:
        line, column = record.at(path)
        found.append(diagnostic(record.rel, line, column, code, message))

    _fixed_fields(old, new, report)
    intact = _entries_kept(base, old, record, new, report)
    if old.stage is new.stage:
        if intact:
            _entries_without_a_move(old, new, report)
        return found
    _stage_move(old.stage, new.stage, report)
    if intact:
        _entry_for_the_move(old, new, report)
    return found


def _fixed_fields(old: Case, new: Case, report: _Report) -> None:
    """CB405: the id and the opening date never change."""
    if new.id != old.id:
        report(("id",), "CB405", f"the id changed from {old.id} to {new.id}: a case's id "
                                 f"never changes, so put back {old.id}")
    if new.opened != old.opened:
        report(("opened",), "CB405",
               f"opened changed from {old.opened} to {new.opened}: the date a case was opened "
               f"never changes, so put back {old.opened}")


def _entries_kept(base: CaseFile, old: Case, record: CaseFile, new: Case,
                  report: _Report) -> bool:
    """CB404: the base's stage_history entries are all still there, unchanged. Whether
    none was removed (only then are the entries after them checked)."""
    before, after = old.stage_history, new.stage_history
    count = len(before)
    if len(after) < count:
        report(("stage_history",), "CB404",
               f"stage_history has {_plural(len(after), 'entry', 'entries')}, but "
               f"{count} on the base branch: entries already on the base branch are never "
               "removed, so put them back")
        return False
    for i in range(count):
        if before[i] != after[i]:
            report(*_edited_entry(i, base, record))
    return True


def _entries_without_a_move(old: Case, new: Case, report: _Report) -> None:
    """CB403: a stage that did not change gains no stage_history entry."""
    count = len(old.stage_history)
    if len(new.stage_history) > count:
        added = len(new.stage_history) - count
        report(("stage_history", count), "CB403",
               f"stage_history gained {_plural(added, 'entry', 'entries')}, but the stage "
               f"is still {new.stage}: add an entry only when the stage changes")


def _stage_move(moved_from: Stage, moved_to: Stage, report: _Report) -> None:
    """CB401 and CB402: forward one stage at a time, to closed from any stage, and out
    of closed only into incident-analysis."""
    if moved_from is Stage.CLOSED:
        if moved_to is not Stage.INCIDENT_ANALYSIS:
            report(("stage",), "CB402",
                   f"a closed case can be reopened only into incident-analysis, not into "
                   f"{moved_to}")
    elif moved_to is not Stage.CLOSED and moved_to.rank != moved_from.rank + 1:
        if moved_to.rank < moved_from.rank:
            report(("stage",), "CB401",
                   f"the stage moved back from {moved_from} to {moved_to}: a case moves "
                   "forward one stage at a time, or to closed from any stage")
        else:
            skipped = " and ".join(s.value for s in OPEN_STAGES[moved_from.rank + 1:
                                                                moved_to.rank])
            report(("stage",), "CB401",
                   f"the stage moved from {moved_from} to {moved_to}, skipping {skipped}: a "
                   f"case moves forward one stage at a time, so move it to "
                   f"{OPEN_STAGES[moved_from.rank + 1]} first")


def _entry_for_the_move(old: Case, new: Case, report: _Report) -> None:
    """CB402 and CB403: a stage move adds exactly one stage_history entry, for the new
    stage, dated no earlier than the one above it, with a note when it reopens."""
    moved_from, moved_to = old.stage, new.stage
    reopened = moved_from is Stage.CLOSED
    count = len(old.stage_history)
    added_entries = new.stage_history[count:]
    if not added_entries:
        if reopened:
            report(("stage",), "CB402",
                   f"the case was reopened into {moved_to} without a new stage_history entry: "
                   "add one whose note gives the reason for reopening")
        else:
            report(("stage",), "CB403",
                   f"the stage changed from {moved_from} to {moved_to}, but no stage_history "
                   f"entry was added: add one for {moved_to} with the date, who made the move "
                   "and why")
        return
    if len(added_entries) > 1:
        stages = ", ".join(e.stage.value for e in added_entries)
        report(("stage_history", count), "CB403",
               f"the stage changed from {moved_from} to {moved_to}, but "
               f"{len(added_entries)} stage_history entries were added ({stages}): add exactly "
               f"one, for {moved_to}")
        return
    entry, previous = added_entries[0], new.stage_history[count - 1]
    if entry.stage is not moved_to:
        report(("stage_history", count, "stage"), "CB403",
               f"the new stage_history entry is for {entry.stage}, but the case moved to "
               f"{moved_to}: the entry records the move to {moved_to}")
    if entry.date < previous.date:
        report(("stage_history", count, "date"), "CB403",
               f"the new stage_history entry is dated {entry.date}, before the entry above it "
               f"({previous.date}): a move is dated on or after the one before it")
    if reopened and not entry.note.strip():
        report(("stage_history", count, "note"), "CB402",
               "the stage_history entry that reopens the case has an empty note: give the "
               "reason for reopening")


def _edited_entry(index: int, base: CaseFile, record: CaseFile) -> tuple[Path_, str, str]:
    """Where and how an entry of the base's stage_history was edited (CB404)."""
    data = record.data["stage_history"][index]
    changes = field_changes(base.data["stage_history"][index], data)
    where: Path_ = ("stage_history", index)
    if changes and changes[0].field in data:
        where = (*where, changes[0].field)
    described = "; ".join(
        describe_change(FieldChange(f"stage_history[{index}].{c.field}", c.old, c.new))
        for c in changes)
    return (where, "CB404",
            f"stage_history[{index}] is on the base branch and was edited ({described}): "
            "entries already on the base branch never change, so put it back as it was")


def _new_ids(base: Snapshot, new: list[CaseFile], config: Config) -> list[Diagnostic]:
    """CB407 and CB408: the ids of new cases against the ids on the base branch.

    The new cases of one year must take the numbers that follow the base's last one
    for that year. A new case whose number is free and in that run keeps it; every
    other new case (an id taken on the base, a gap, a number claimed twice) is told
    the free number to take, in order of id, so that following every message gives
    consecutive ids.
    """
    prefix = config.settings.id_prefix
    pattern = re.compile(rf"{re.escape(prefix)}-([0-9]{{4}})-([0-9]{{4,}})")
    taken: dict[str, CaseFile] = {}
    last: dict[int, tuple[int, str]] = {}
    for rel in sorted(base.files):
        declared = base.files[rel].declared_id
        if declared is None:
            continue
        taken.setdefault(declared, base.files[rel])
        match = pattern.fullmatch(declared)
        if match:
            year, number = int(match[1]), int(match[2])
            last[year] = max(last.get(year, (0, "")), (number, declared))

    found: list[Diagnostic] = []

    def report(record: CaseFile, code: str, message: str) -> None:
        line, column = record.at(("id",))
        found.append(diagnostic(record.rel, line, column, code, message))

    by_year: dict[int, list[tuple[int, CaseFile, str]]] = defaultdict(list)
    for record in new:
        assert record.case is not None
        case_id = record.case.id
        match = pattern.fullmatch(case_id)
        if match:
            by_year[int(match[1])].append((int(match[2]), record, case_id))
        elif case_id in taken:  # another prefix (CB207): only reuse is checked here
            report(record, "CB407",
                   f"{case_id} is the id of {taken[case_id].rel} on the base branch, and an "
                   "id is never reused")

    for year, claims in sorted(by_year.items()):
        claims.sort(key=lambda claim: (claim[0], claim[1].rel))
        first = last.get(year, (0, ""))[0] + 1
        run = range(first, first + len(claims))
        holders: dict[int, CaseFile] = {}
        renumber: list[tuple[int, CaseFile, str]] = []
        for number, record, case_id in claims:
            if case_id not in taken and number in run and number not in holders:
                holders[number] = record
            else:
                renumber.append((number, record, case_id))
        free = iter([n for n in run if n not in holders])
        for number, record, case_id in renumber:
            suggested = f"{prefix}-{year}-{next(free):04d}"
            owner = taken.get(case_id)
            if owner is not None and owner.rel != record.rel:
                report(record, "CB407",
                       f"{case_id} is the id of {owner.rel} on the base branch, and an id is "
                       f"never reused: give {record.rel} the next free id, {suggested}")
            elif owner is not None:
                report(record, "CB408",
                       f"rename {record.rel}: {case_id} is taken on the base branch; the next "
                       f"free id is {suggested}")
            elif number in holders:
                report(record, "CB408",
                       f"rename {record.rel}: {case_id} is also taken by {holders[number].rel} "
                       f"in this change; the next free id is {suggested}")
            else:
                if year in last:
                    where = f"whose last {year} case is {last[year][1]}"
                else:
                    where = f"which has no case from {year}"
                report(record, "CB408",
                       f"rename {record.rel}: {case_id} is not the next free number for {year} "
                       f"on the base branch, {where}; the next free id is {suggested}")
    return found


# --------------------------------------------------------------------------
# The summary a reviewer reads.

KINDS = ("new", "stage", "closed", "reopened", "changed", "removed")
"""Every kind of change, in the order the count line gives them."""


@dataclass(slots=True)
class CaseChange:
    """One case as the head changed it."""

    id: str
    path: str
    """The case file in the head (for a removed case: in the base)."""
    kind: str
    """new, stage (moved between open stages), closed, reopened, changed (same stage,
    other fields or the narrative) or removed (the file was deleted)."""
    title: str
    old_stage: str | None
    new_stage: str | None
    changes: list[FieldChange] = field(default_factory=list)
    """Every front matter value that changed (none for a new or removed case)."""
    note: str | None = None
    """The note of the stage_history entry that records the move, for a stage change."""
    old_path: str | None = None
    """The base's path of a file the head moved."""
    body_changed: bool = False
    """The Markdown narrative changed."""


@dataclass(slots=True)
class Summary:
    """What the head changed, case by case, ordered by id."""

    base: str
    head: str
    changes: list[CaseChange]

    @property
    def counts(self) -> dict[str, int]:
        """How many cases of each kind, for every kind (zeros included)."""
        return {kind: sum(1 for c in self.changes if c.kind == kind) for kind in KINDS}

    def of_kind(self, *kinds: str) -> list[CaseChange]:
        return [c for c in self.changes if c.kind in kinds]


def _text_field(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _id_of(record: CaseFile) -> str:
    return record.declared_id or Path(record.rel).stem


def _data_changes(before: CaseFile, now: CaseFile) -> list[FieldChange]:
    old_ok, new_ok = isinstance(before.data, dict), isinstance(now.data, dict)
    if old_ok and new_ok:
        return field_changes(before.data, now.data)
    if old_ok:
        return [FieldChange("(front matter)", "readable", "unreadable")]
    if new_ok:
        return [FieldChange("(front matter)", "unreadable", "readable")]
    return []


def _move_note(before: CaseFile, now: CaseFile, stage: str) -> str | None:
    """The note of the entry the head added for its move to `stage`."""
    old = before.data.get("stage_history") if isinstance(before.data, dict) else None
    new = now.data.get("stage_history") if isinstance(now.data, dict) else None
    if not isinstance(new, list):
        return None
    added = [e for e in new[len(old) if isinstance(old, list) else 0:] if isinstance(e, dict)]
    for entry in reversed(added):
        if entry.get("stage") == stage:
            return _text_field(entry, "note")
    return _text_field(added[-1], "note") if added else None


def summarize(base: Snapshot, head: Snapshot, *, origin: Snapshot | None = None) -> Summary:
    """Every case the head adds, moves, closes, reopens, edits or removes."""
    pairing = _pair(base, head, origin)
    changes: list[CaseChange] = []
    for record in pairing.new:
        changes.append(CaseChange(
            id=_id_of(record), path=record.rel, kind="new",
            title=_text_field(record.data, "title") or "(no title)",
            old_stage=None, new_stage=_text_field(record.data, "stage")))
    for record in pairing.removed:
        changes.append(CaseChange(
            id=_id_of(record), path=record.rel, kind="removed",
            title=_text_field(record.data, "title") or "(no title)",
            old_stage=_text_field(record.data, "stage"), new_stage=None))
    for before, now in pairing.pairs:
        fields = _data_changes(before, now)
        body = before.body != now.body
        moved = before.rel != now.rel
        if not fields and not body and not moved:
            continue
        old_stage = _text_field(before.data, "stage")
        new_stage = _text_field(now.data, "stage")
        kind = "changed"
        if old_stage is not None and new_stage is not None and old_stage != new_stage:
            kind = ("closed" if new_stage == Stage.CLOSED.value
                    else "reopened" if old_stage == Stage.CLOSED.value else "stage")
        changes.append(CaseChange(
            id=_id_of(now), path=now.rel, kind=kind,
            title=_text_field(now.data, "title") or _text_field(before.data, "title")
            or "(no title)",
            old_stage=old_stage, new_stage=new_stage, changes=fields,
            note=_move_note(before, now, new_stage) if kind != "changed" and new_stage else None,
            old_path=before.rel if moved else None, body_changed=body))
    changes.sort(key=lambda c: (c.id, c.path))
    return Summary(base.ref, head.ref, changes)


def count_line(summary: Summary) -> str:
    """`2 new, 1 stage change, 1 closed, 3 changed`: the kinds that occur."""
    words = {"new": ("new", "new"), "stage": ("stage change", "stage changes"),
             "closed": ("closed", "closed"), "reopened": ("reopened", "reopened"),
             "changed": ("changed", "changed"), "removed": ("removed", "removed")}
    parts = [_plural(n, *words[kind]) for kind, n in summary.counts.items() if n]
    return ", ".join(parts) if parts else "no case changed"


def _extra_changes(change: CaseChange) -> list[FieldChange]:
    """The changes beside a stage move: not the stage, nor the entries that record it."""
    if change.kind == "changed":
        return change.changes
    return [c for c in change.changes if c.field != "stage"
            and not (c.field.startswith("stage_history[") and c.old is None)]


def _details(change: CaseChange) -> list[str]:
    """The lines under a case: moved file, changed fields, changed narrative."""
    lines = []
    if change.old_path is not None:
        lines.append(f"file: {change.old_path} -> {change.path}")
    lines.extend(describe_change(c) for c in _extra_changes(change))
    if change.body_changed:
        lines.append("the narrative changed")
    return lines


_SECTIONS = (("New cases", ("new",)), ("Closed and reopened", ("closed", "reopened")),
             ("Stage transitions", ("stage",)), ("Other changes", ("changed",)),
             ("Removed cases", ("removed",)))


@dataclass(frozen=True, slots=True)
class _Style:
    """How one output form writes the parts of a summary; `_walk` decides the parts."""

    value: Callable[[str], str]
    """A value from a case (an id, a title, a stage, a note) in running text."""
    arrow: str
    header: Callable[[Summary, str], list[str]]
    """The lines before the cases, given the count line."""
    section: Callable[[str], list[str]]
    """The lines that open a section, given its heading."""
    entry: Callable[[CaseChange, str, list[str]], list[str]]
    """The lines of one case, given its line (title onwards) and its detail lines."""


def _walk(summary: Summary, style: _Style) -> str:
    """The summary in one form: the sections in order, each case with its details."""
    v = style.value
    out = style.header(summary, count_line(summary))
    for heading, kinds in _SECTIONS:
        cases = summary.of_kind(*kinds)
        if not cases:
            continue
        out += style.section(heading)
        for change in cases:
            line = v(change.title)
            if change.kind == "new":
                line += f" ({v(change.new_stage or 'no stage')}), {v(change.path)}"
            elif change.kind == "removed":
                line += f": {v(change.path)} was deleted"
            elif change.kind != "changed":
                line += f": {v(change.old_stage or '')} {style.arrow} {v(change.new_stage or '')}"
                if change.note:
                    line += f". Note: {v(change.note)}"
            out += style.entry(change, line, _details(change))
    return "\n".join(out) + "\n"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """Text on one line, with no control character that a terminal would act on."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", " ".join(text.split()))

# Markdown needs only these escaped in running text, and only where they would start
# markup: emphasis (* and _ at a word's edge; an _ inside a word is just a letter),
# code, strikethrough, links and images ([), HTML (< before a tag's first letter), an
# entity (& before `name;`), and a backslash before punctuation or at the end.
_MD_INLINE = re.compile(r"[*`~\[]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|\\(?=[!-/:-@\[-`{-~]|$)")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^(?:(?:#{1,6}|[-+=]+|[0-9]{1,9}[.)])(?=\s|$)|>)")
"""What would make a line (or a list item's first line) a heading, a quote, a list item
or a rule: `# `, `> `, `- `, `+ `, `===`, and the `.` or `)` of `1. `."""


def markdown_text(text: str, *, line_start: bool = False) -> str:
    """`text` as Markdown that shows it as written, escaping only what would otherwise be
    read as markup (`CH-2024-0004`, `a -> b` and `{min: 0}` stay as they are). With
    `line_start`, also what would be markup at the start of a line."""
    out = _MD_INLINE.sub(lambda m: "\\" + m.group(), _one_line(text))
    out = _MD_TAG.sub("&lt;", _MD_ENTITY.sub("&amp;", out))
    if line_start:
        # Escaping a marker's last character unmakes it: `\#`, `1\.`, `==\=`.
        out = _MD_LINE_START.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], out)
    return out


def _markdown_style() -> _Style:
    return _Style(
        value=markdown_text, arrow="→",
        header=lambda s, counts: [f"## Case changes: {markdown_text(s.base)} → "
                                  f"{markdown_text(s.head)}", "", counts],
        section=lambda heading: ["", f"### {heading}", ""],
        entry=lambda change, line, details: [
            f"- **{markdown_text(change.id)}** {line}",
            *(f"  - {markdown_text(d, line_start=True)}" for d in details)])


def _text_style(summary: Summary) -> _Style:
    width = max((len(c.kind) for c in summary.changes), default=0)
    return _Style(
        value=_one_line, arrow="->",
        header=lambda s, counts: [f"Case changes: {_one_line(s.base)} -> {_one_line(s.head)}",
                                  counts],
        section=lambda heading: [],
        entry=lambda change, line, details: [
            f"{change.kind.ljust(width)}  {_one_line(change.id)}  {line}",
            *(f"    {_one_line(d)}" for d in details)])


def _github_entry(change: CaseChange, line: str, details: list[str]) -> list[str]:
    """One notice annotation per case, on its file (a removed case's is gone)."""
    props = [] if change.kind == "removed" else [f"file={workflow_property(change.path)}"]
    props.append(f"title={workflow_property(f'{change.id} {change.kind}')}")
    message = "\n".join([line, *details])
    return [f"::notice {','.join(props)}::{workflow_data(message)}"]


def _github_style() -> _Style:
    return _Style(
        value=_one_line, arrow="->",
        header=lambda s, counts: [f"Case changes: {_one_line(s.base)} -> {_one_line(s.head)}: "
                                  f"{counts}"],
        section=lambda heading: [], entry=_github_entry)


def _markdown(summary: Summary) -> str:
    return _walk(summary, _markdown_style())


def _text(summary: Summary) -> str:
    return _walk(summary, _text_style(summary))


def _github(summary: Summary) -> str:
    return _walk(summary, _github_style())


def _json(summary: Summary) -> str:
    """The JSON form, stable for tools:

        {"base": REF, "head": REF,
         "counts": {"new": N, "stage": N, "closed": N, "reopened": N, "changed": N,
                    "removed": N},
         "cases": [{"id", "path", "old_path", "kind", "title", "old_stage", "new_stage",
                    "note", "body_changed",
                    "changes": [{"field": "harm.killed", "old": 3,
                                 "new": {"min": 3, "max": 7}}, ...]}, ...]}

    Cases are ordered by id; `old` and `new` are the values as written in the front
    matter (null where a key is absent), dates as text.
    """
    return json.dumps({
        "base": summary.base,
        "head": summary.head,
        "counts": summary.counts,
        "cases": [{
            "id": c.id, "path": c.path, "old_path": c.old_path, "kind": c.kind,
            "title": c.title, "old_stage": c.old_stage, "new_stage": c.new_stage,
            "note": c.note, "body_changed": c.body_changed,
            "changes": [{"field": ch.field, "old": ch.old, "new": ch.new}
                        for ch in c.changes],
        } for c in summary.changes],
    }, indent=2, ensure_ascii=False, default=str) + "\n"


_RENDERERS: dict[str, Callable[[Summary], str]] = {
    "markdown": _markdown, "text": _text, "json": _json, "github": _github}
FORMATS = tuple(_RENDERERS)


def render_summary(summary: Summary, fmt: str) -> str:
    """The summary as Markdown (for a pull request), text (for a terminal), JSON (see
    `_json`) or GitHub workflow annotations (a notice on each changed case's file)."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format '{fmt}': choose one of {', '.join(FORMATS)}") from None
    return renderer(summary)


_FALSE = frozenset({"", "0", "false", "no"})


def default_format(environ: Mapping[str, str], terminal: bool) -> str:
    """The format `casebook diff` prints without --format: text on a terminal, and
    elsewhere too, unless it runs in CI (`CI` or `GITHUB_ACTIONS` set, as every CI
    service sets one), where the summary goes to a pull request: Markdown."""
    in_ci = any(environ.get(name, "").strip().lower() not in _FALSE
                for name in ("CI", "GITHUB_ACTIONS"))
    return "markdown" if in_ci and not terminal else "text"


def snapshots(config: Config, corpus: Corpus | None, base_ref: str, head_ref: str | None
              ) -> tuple[Snapshot, Snapshot, Snapshot | None]:
    """The base, the head and their fork point, as `casebook validate --base` and
    `casebook diff` compare them. The head is `head_ref`, else the working tree as
    `corpus` loaded it, else HEAD. Raises `CompareError`."""
    base = snapshot_at(config, base_ref)
    if head_ref or corpus is None:
        head = snapshot_at(config, head_ref or "HEAD")
    else:
        head = snapshot_of_worktree(config, corpus)
    # Compare with where the branch left the base, so that what the base gained
    # since then is not taken for something the branch undid.
    origin = fork_point(config, base, head_ref or "HEAD")
    return base, head, origin
