"""The history of every case from git, read in one pass.

One `git rev-list` for the commit graph, one `git log` over the cases folder
(parsed from its `-z --raw` output, which gives the blob of each file before
and after each commit; a long history is read in slices side by side), one
`git diff-tree` for merges, and one `git cat-file --batch` process fed every
blob needed at once: never one git call per case. Asking git about each file
separately costs about 0.3 s a file; this pass answers for thousands of files
in seconds. What it learns is kept by commit and blob id
(generator/history/cache.py), so the next read asks git only about new commits
and compares only new versions; composing YAML, the bulk of a first read, is
shared out between processes (generator/history/worker.py). Every git call
goes through the gateway, generator/repository/git.py.

Policy, stated once:
- every commit that changed a case file is listed, with its own author; a merge
  commit adds no entry of its own (git shows no diff for a clean merge), the
  commits it brings in appear with their authors; a squash merge is an ordinary
  commit, whose co-authors come from its `Co-authored-by` trailers;
- field changes compare a commit's version of the file with its parent's
  version, so commits on parallel branches never blur into each other;
- a renamed case file keeps its history: renames are detected by git
  (`--find-renames`) and followed back through every earlier name, along the
  commit graph (`--topo-order --parents`), so an edit made on a branch to a
  file that another branch renamed is kept with the case; a merge's own
  renames (`-m`) link each parent's names to the merged ones;
- a case file deleted and later re-added at the same path keeps its whole
  history, the deletion included (as `git log --follow` shows it); a case
  deleted for good is not a current case and is not listed;
- in a shallow clone, the oldest commit held is the boundary of what is known:
  it is not taken to have created the files it holds.
This was checked against `git log --follow` on each file (see tests/test_history.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import json
import os
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import Config
from generator.history.cache import FILE_NAME, FORMAT, HistoryCache, code_fingerprint
from generator.records.frontmatter import StrictYAMLHandler, read_data
from generator.repository import git as gateway
from generator.repository.git import NULL_SHA as _NULL_SHA
from generator.repository.git import (
    CommitInfo,
    GitError,
    GitErrorKind,
    GraphCommit,
    LoggedCommit,
    Repository,
    Touch,
)

_HANDLER = StrictYAMLHandler()
# git log is read in slices of at least this many commits, at most this many at once.
_SLICE = 4_000
_WORKERS = max(1, min(4, os.cpu_count() or 1))
# Versions are compared in several processes when each gets at least this many pairs.
_PARALLEL_PAIRS = 2_000


class HistoryStatus(enum.StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    """A shallow clone: the oldest commits are missing."""
    MISSING = "missing"
    """Not a git repository, or git is not available."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One front matter value that a commit changed; `field` is a dotted path."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Commit(CommitInfo):
    """One commit as it touched one case."""

    path: str
    """The case file's path (relative to the repository) in this commit."""
    changes: tuple[FieldChange, ...] = ()
    co_authors: tuple[str, ...] = ()
    created: bool = False
    """This commit added the file (or the earliest name it had)."""
    deleted: bool = False
    """This commit deleted the file (which a later commit added again)."""
    hidden_changes: int = 0
    """Field changes a build profile left out of `changes`."""

    @property
    def short(self) -> str:
        return self.hash[:8]


@dataclass(slots=True)
class CaseHistory:
    """Every commit that touched one case, newest first."""

    path: str
    commits: list[Commit] = field(default_factory=list)

    @property
    def first(self) -> Commit | None:
        return self.commits[-1] if self.commits else None

    @property
    def last(self) -> Commit | None:
        return self.commits[0] if self.commits else None

    def stage_moves(self) -> dict[str, dt.date]:
        """When a commit first moved the case into each stage (not the stage it was
        created in: for that, git knows only that it was so by the creation date)."""
        moves: dict[str, dt.date] = {}
        for commit in reversed(self.commits):
            if commit.created:
                continue
            for change in commit.changes:
                if (change.field == "stage" and isinstance(change.new, str)
                        and change.old is not None):
                    moves.setdefault(change.new, commit.date.date())
        return moves

    def stage_dates(self) -> dict[str, dt.date]:
        """When each stage value first appeared in the file, by commit date."""
        seen: dict[str, dt.date] = {}
        for commit in reversed(self.commits):
            for change in commit.changes:
                if change.field == "stage" and isinstance(change.new, str):
                    seen.setdefault(change.new, commit.date.date())
        return seen


@dataclass(slots=True)
class History:
    """The history of every case file, by its current path relative to the repository."""

    status: HistoryStatus
    cases: dict[str, CaseHistory] = field(default_factory=dict)
    message: str = ""
    head: str | None = None
    root: Path | None = None
    """The top of the repository's working tree; `cases` is keyed relative to it."""

    def of(self, path: str) -> CaseHistory | None:
        return self.cases.get(path)

    def for_file(self, path: Path) -> CaseHistory | None:
        """The history of the case file at `path` (absolute or relative to the cwd)."""
        if self.root is None:
            return None
        try:
            key = path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return None
        return self.cases.get(key)

    def latest(self, limit: int) -> list[tuple[str, Commit]]:
        """The most recent commits across every case, newest first."""
        every = [(p, c) for p, h in self.cases.items() for c in h.commits]
        every.sort(key=lambda pc: (pc[1].committed, pc[1].hash, pc[0]), reverse=True)
        return every[:limit]


def _to_cache(entry: LoggedCommit) -> list[Any]:
    """A commit as the cache keeps it (JSON)."""
    return [entry.author, entry.email, entry.date.isoformat(), entry.committed.isoformat(),
            entry.subject, entry.co_authors,
            [[[t.status, t.old_blob, t.new_blob, t.old_path, t.new_path] for t in part]
             for part in entry.parts]]


def _from_cache(sha: str, raw: list[Any]) -> LoggedCommit:
    author, email, date, committed, subject, co_authors, parts = raw
    return LoggedCommit(sha, str(author), str(email), dt.datetime.fromisoformat(date),
                        dt.datetime.fromisoformat(committed), str(subject),
                        [str(name) for name in co_authors],
                        [[Touch(*(str(x) for x in touch)) for touch in part]
                         for part in parts])


def _front_matter(text: str | None) -> Any:
    if text is None:
        return None
    parts = _HANDLER.split_file(text.removeprefix("\ufeff"))
    if parts is None:
        return None
    data, readable = read_data(parts.front_matter)
    return data if readable else None


def show_value(value: object) -> str:
    """A front matter value written the way a YAML writer would, on one line."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(show_value(v) for v in value) + "]"
    return str(value)


def describe_change(change: FieldChange) -> str:
    """`stage: intake -> incident-analysis`, as people read a change."""
    return f"{change.field}: {show_value(change.old)} -> {show_value(change.new)}"


def field_changes(old: Any, new: Any, prefix: str = "") -> list[FieldChange]:
    """Every leaf that differs between two versions of front matter, as dotted paths."""
    out: list[FieldChange] = []
    _diff(old, new, prefix, out)
    return out


def _diff(old: Any, new: Any, prefix: str, out: list[FieldChange]) -> None:
    # One walk down both versions: each leaf is compared once, however deep.
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key in new:
                _diff(value, new[key], path, out)
            else:
                out.append(FieldChange(path, value, None))
        for key, value in new.items():
            if key not in old:
                out.append(FieldChange(f"{prefix}.{key}" if prefix else str(key), None, value))
        return
    if isinstance(old, list) and isinstance(new, list) and _same_shape(old, new):
        for i in range(max(len(old), len(new))):
            path = f"{prefix}[{i}]"
            if i >= len(new):
                out.append(FieldChange(path, old[i], None))
            elif i >= len(old):
                out.append(FieldChange(path, None, new[i]))
            else:
                _diff(old[i], new[i], path, out)
        return
    if not _same(old, new):
        out.append(FieldChange(prefix or "(front matter)", old, new))


def _same(old: Any, new: Any) -> bool:
    """Equality that tells true from 1 and 3 from 3.0, as a reader of the file would."""
    if type(old) is not type(new):
        return False
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new, strict=True))
    return bool(old == new)


def _same_shape(old: list[Any], new: list[Any]) -> bool:
    # Lists of mappings (weapons, sources) are compared item by item; lists of
    # plain values (tags) read better as one change from the old list to the new.
    return any(isinstance(x, dict) for x in (*old, *new))


def head_commit(config: Config) -> str | None:
    """The commit checked out at the repository holding the cases, or None; cheap
    enough to ask before each rebuild whether the history can have changed."""
    return gateway.head_commit(config.root)


_NOT_INSTALLED = "git is not installed: history is missing"


def read_history(config: Config, *, paths: Iterable[str] | None = None) -> History:
    """The history of every case file under the cases folder, in one pass."""
    try:
        repo = Repository.open(config.root)
    except GitError as err:
        if err.kind is GitErrorKind.NOT_INSTALLED:
            return History(HistoryStatus.MISSING, message=_NOT_INSTALLED)
        return History(HistoryStatus.MISSING,
                       message="not a git repository: history is missing")
    try:
        return _read(repo, config, paths)
    except GitError as err:
        if err.kind is GitErrorKind.NOT_INSTALLED:
            return History(HistoryStatus.MISSING, message=_NOT_INSTALLED)
        return History(HistoryStatus.MISSING, message=str(err))
    finally:
        repo.close()


def _current_files(repo: Repository, cases_rel: str) -> set[str]:
    """The case files at HEAD."""
    return {entry.path for entry in repo.ls_tree("HEAD", cases_rel)
            if entry.path.endswith(".md")}


def _read_commits(repo: Repository, order: list[GraphCommit], prefix: str,
                  cache: HistoryCache) -> dict[str, LoggedCommit]:
    """What every commit in `order` changed in the cases folder: from the cache, and
    from git for the commits it does not know, which are then added to it."""
    entries: dict[str, LoggedCommit] = {}
    missing: list[GraphCommit] = []
    for commit in order:
        raw = cache.commits.get(commit.sha)
        if raw is not None:
            try:
                entry = _from_cache(commit.sha, raw)
            except (TypeError, ValueError):
                pass  # a damaged entry: read the commit again
            else:
                # One part per parent (a root commit has one too), or it is damaged.
                if len(entry.parts) == max(1, len(commit.parents)):
                    entries[commit.sha] = entry
                    continue
        missing.append(commit)
    if not missing:
        return entries
    # A long history is read in several slices at once.
    slices = min(_WORKERS, max(1, len(missing) // _SLICE))
    read = repo.commit_changes(missing, prefix=prefix, slices=slices)
    for sha, _ in missing:
        entries[sha] = read[sha]
        cache.add_commit(sha, _to_cache(read[sha]))
    return entries


def _pair_changes(old: Any, new: Any, created: bool) -> list[FieldChange]:
    """The changes between two versions of a file's front matter (None: unreadable)."""
    if new is None:
        return [FieldChange("(front matter)", "readable", "unreadable")]
    if old is None and not created:
        return [FieldChange("(front matter)", "unreadable", "readable")]
    return field_changes(old if old is not None else {}, new)


def compare_versions(repo: Repository, pairs: list[tuple[str, str]]) -> list[list[FieldChange]]:
    """The field changes between each pair of blobs (old, new), in order; every
    version is read and composed once.

    One cat-file process is fed every blob at once (asking for one at a time and
    waiting costs a third of the pass over 20,000 versions), in the order the
    pairs first need them; each pair is compared as soon as both its versions are
    read, and a version is let go after the last pair that needs it, so that only
    the versions of the case at hand are held (pairs come case by case)."""
    order = list(dict.fromkeys(sha for pair in pairs for sha in pair if sha != _NULL_SHA))
    last = {sha: i for i, pair in enumerate(pairs) for sha in pair}
    front: dict[str, Any] = {}
    out: list[list[FieldChange]] = []
    blobs = repo.cat_blobs(order)
    for i, (old_blob, new_blob) in enumerate(pairs):
        for sha in (old_blob, new_blob):
            while sha != _NULL_SHA and sha not in front:
                read, data = next(blobs)
                front[read] = _front_matter(data.decode("utf-8", errors="replace")
                                            if data is not None else None)
        created = old_blob == _NULL_SHA
        out.append(_pair_changes(None if created else front.get(old_blob),
                                 front.get(new_blob), created))
        for sha in (old_blob, new_blob):
            if last[sha] == i:
                front.pop(sha, None)
    for _ in blobs:  # none is left; this lets cat-file end
        pass
    return out


def _compare_in_parallel(repo: Repository, pairs: list[tuple[str, str]]) -> list[list[Any]]:
    """`compare_versions` as plain lists, shared out between this process and others.

    Composing YAML holds the interpreter, so the versions are split between
    processes (`generator.history.worker`), each with its own cat-file; pairs
    come case by case, so each slice holds whole cases and reads each version
    once. A worker that fails leaves its slice to this process.
    """
    workers = min(_WORKERS, len(pairs) // _PARALLEL_PAIRS)
    if workers < 2:
        return [plain_changes(changes) for changes in compare_versions(repo, pairs)]
    size = -(-len(pairs) // workers)
    slices = [pairs[i:i + size] for i in range(0, len(pairs), size)]
    started = [_start_worker(repo, part) for part in slices[1:]]
    out = [plain_changes(changes) for changes in compare_versions(repo, slices[0])]
    for part, (thread, result) in zip(slices[1:], started, strict=True):
        thread.join()
        got = result[0] if result else None
        if not isinstance(got, list) or len(got) != len(part):
            got = [plain_changes(changes) for changes in compare_versions(repo, part)]
        out.extend(got)
    return out


def plain_changes(changes: list[FieldChange]) -> list[Any]:
    """Field changes as JSON holds them: `[[field, old, new], ...]`."""
    return [[c.field, c.old, c.new] for c in changes]


def _start_worker(repo: Repository,
                  pairs: list[tuple[str, str]]) -> tuple[threading.Thread, list[Any]]:
    """Start a worker on `pairs`; the list is given its answer, parsed, when the
    thread ends (and stays empty if it failed)."""
    data = "".join(f"{old} {new}\n" for old, new in pairs).encode("ascii")
    result: list[Any] = []

    def run() -> None:
        output = repo.run_helper("generator.history.worker", data)
        if output is not None:
            with contextlib.suppress(ValueError):
                result.append(json.loads(output))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def _all_changes(repo: Repository, pairs: Iterable[tuple[str, str]],
                 cache: HistoryCache) -> dict[tuple[str, str], tuple[FieldChange, ...]]:
    """The field changes between each pair of blobs (old, new), from the cache or by
    reading both versions; what is read is added to the cache."""
    out: dict[tuple[str, str], tuple[FieldChange, ...]] = {}
    todo: list[tuple[str, str]] = []
    strings: dict[str, str] = {}
    for pair in pairs:
        raw = cache.changes.get(pair[0] + pair[1])
        if raw is not None:
            try:
                out[pair] = _changes_of(raw, strings)
            except (TypeError, ValueError):
                todo.append(pair)
        else:
            todo.append(pair)
    for pair, raw in zip(todo, _compare_in_parallel(repo, todo) if todo else [], strict=True):
        out[pair] = _changes_of(raw, strings)
        cache.add_changes(pair[0] + pair[1], raw)
    return out


def _changes_of(raw: list[Any], strings: dict[str, str]) -> tuple[FieldChange, ...]:
    """Field changes from their plain lists, each text in them one object for all
    (`_shared`)."""
    return tuple(FieldChange(_shared(str(f), strings), _shared(old, strings),
                             _shared(new, strings)) for f, old, new in raw)


def _shared(value: Any, strings: dict[str, str]) -> Any:
    """`value` with each text in it replaced, in place, by the first equal text seen.

    Read from JSON or YAML, every value is a new object: the history of 10,000
    cases holds a million texts (field names, stages, dates, handles), 58 MiB,
    of which 5 MiB differ. Lists and mappings are changed in place, never
    copied: the cache holds the same ones."""
    if isinstance(value, str):
        return strings.setdefault(value, value)
    if isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = _shared(item, strings)
    elif isinstance(value, dict):
        for key, item in value.items():
            value[key] = _shared(item, strings)
    return value


def _cache_for(config: Config, repo: Repository, prefix: str) -> HistoryCache:
    folder = config.settings.cache_dir
    path = (config.root / folder / FILE_NAME) if folder else None
    version = ".".join(str(part) for part in repo.version())
    return HistoryCache.load(path, {"format": FORMAT, "code": code_fingerprint(),
                                    "git": version, "cases": prefix})


def _read(repo: Repository, config: Config, paths: Iterable[str] | None) -> History:
    if repo.working_tree is None:
        return History(HistoryStatus.MISSING, message="not a git repository: history is missing")
    top = repo.working_tree.resolve()
    cases_rel = config.cases_dir.resolve().relative_to(top).as_posix()
    head = repo.head()
    if head is None:
        return History(HistoryStatus.COMPLETE, message="the repository has no commits yet",
                       root=top)
    shallow = repo.is_shallow()
    prefix = f"{cases_rel}/" if cases_rel not in ("", ".") else ""
    cache = _cache_for(config, repo, prefix)
    # In a shallow clone the oldest commit held shows as a root, with every file
    # added; once the clone is deepened the same commit has parents. Its commits
    # are neither taken from the cache nor kept in it.
    commit_cache = HistoryCache(None, cache.key) if shallow else cache
    try:
        order = repo.topo_order()
        entries = _read_commits(repo, order, prefix, commit_cache)
    except GitError as err:
        return History(HistoryStatus.MISSING, message=str(err))

    # Walk the graph from HEAD, children before parents. `names` maps a path as
    # it is after a commit to the case's current path; a commit hands its map,
    # undone by its own renames, to its parents. Maps are shared until a rename
    # changes one, so a long history without renames costs one map.
    start = {path: path for path in _current_files(repo, cases_rel)}
    incoming: dict[str, dict[str, str]] = {}
    wanted = set(paths) if paths is not None else None
    pending: dict[str, list[tuple[LoggedCommit, Touch, bool]]] = defaultdict(list)
    for sha, parents in order:
        entry = entries[sha]
        names = incoming.pop(sha, start)
        if len(parents) > 1:
            for part, parent in zip(entry.parts, parents, strict=True):
                _hand_on(incoming, parent, _undo(names, part))
            continue
        for touch in entry.touches:
            if not (touch.new_path.endswith(".md") or touch.old_path.endswith(".md")):
                continue
            current = names.get(touch.new_path if touch.status != "D" else touch.old_path)
            if current and (wanted is None or current in wanted):
                pending[current].append((entry, touch, shallow and not parents))
        for parent in parents:
            _hand_on(incoming, parent, _undo(names, entry.touches))

    # A commit at the edge of a shallow clone is not taken to have created its
    # files, and a deletion has no fields to compare.
    pairs = list(dict.fromkeys(
        (touch.old_blob, touch.new_blob) for touches in pending.values()
        for _, touch, boundary in touches if not boundary and touch.new_blob != _NULL_SHA))
    changes = _all_changes(repo, pairs, cache)
    cases: dict[str, CaseHistory] = {}
    for current, touches in pending.items():
        history = CaseHistory(path=current)
        for entry, touch, boundary in touches:
            deleted = touch.new_blob == _NULL_SHA
            history.commits.append(Commit(
                hash=entry.hash, author=entry.author, email=entry.email, date=entry.date,
                committed=entry.committed, subject=entry.subject,
                path=touch.old_path if deleted else touch.new_path,
                changes=() if boundary or deleted else changes[touch.old_blob, touch.new_blob],
                co_authors=tuple(entry.co_authors),
                created=touch.old_blob == _NULL_SHA and not boundary, deleted=deleted))
        # Newest first by commit date; the graph order breaks ties.
        history.commits.sort(key=lambda c: c.committed, reverse=True)
        cases[current] = history

    # Keep what the history holds now: commits of branches since deleted or
    # rebased, and versions no longer compared, drop out.
    cache.save(commits=[sha for sha, _ in order],
               pairs=None if wanted is not None else [a + b for a, b in pairs])
    status = HistoryStatus.PARTIAL if shallow else HistoryStatus.COMPLETE
    message = "this is a shallow clone: the history of cases is partial" if shallow else ""
    return History(status, cases, message=message, head=head, root=top)


def _undo(names: dict[str, str], touches: list[Touch]) -> dict[str, str]:
    """The map as it stands before these touches: renamed files get their old names."""
    renames = [t for t in touches if t.status == "R" and t.new_path in names]
    if not renames:
        return names
    before = dict(names)
    for touch in renames:
        before[touch.old_path] = names[touch.new_path]
        if before.get(touch.new_path) == names[touch.new_path]:
            del before[touch.new_path]
    return before


def _hand_on(incoming: dict[str, dict[str, str]], parent: str, names: dict[str, str]) -> None:
    """Give a parent the names its children know, merging when it has several."""
    known = incoming.get(parent)
    if known is None or known is names:
        incoming[parent] = names
    else:
        incoming[parent] = {**known, **names}
