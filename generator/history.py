"""The history of every case from git, read in one pass.

One `git log` over the cases folder (parsed from its `-z --raw` output, which
gives the blob of each file before and after each commit) and one
`git cat-file --batch` process fed every blob needed at once, never one git
call per case. Asking git about each file separately costs about
0.3 s a file; this pass answers for thousands of files in about a second.

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

import datetime as dt
import enum
import subprocess
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import Config
from generator.frontmatter import StrictYAMLHandler, compose

_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s%x00" \
          "%(trailers:key=Co-authored-by,valueonly,separator=%x1f)%x00"
_NULL_SHA = "0" * 40
_HANDLER = StrictYAMLHandler()


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
class Commit:
    """One commit as it touched one case."""

    hash: str
    author: str
    email: str
    date: dt.datetime
    """Author date."""
    committed: dt.datetime
    subject: str
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


@dataclass(slots=True)
class _Touch:
    """A commit's change to one file, as `git log --raw` reports it."""

    status: str
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


@dataclass(slots=True)
class _LogEntry:
    hash: str
    parents: list[str]
    author: str
    email: str
    date: dt.datetime
    committed: dt.datetime
    subject: str
    co_authors: list[str]
    touches: list[_Touch]


def _parse_log(raw: bytes, prefix: str = "") -> Iterator[_LogEntry]:
    """Parse `git log -z --raw --no-abbrev --format=_FORMAT` output; `prefix` goes
    before each path (the folder that `--relative` took off)."""
    for record in raw.split(b"\x1e"):
        if not record.strip(b"\0\n"):
            continue
        fields = record.split(b"\0")
        head = [f.decode("utf-8", errors="replace") for f in fields[:8]]
        sha, parents, author, email, adate, cdate, subject, trailers = head
        entry = _LogEntry(
            hash=sha, parents=parents.split(), author=author, email=email,
            date=dt.datetime.fromisoformat(adate), committed=dt.datetime.fromisoformat(cdate),
            subject=subject,
            co_authors=[t.strip() for t in trailers.split("\x1f") if t.strip()],
            touches=[])
        rest = fields[8:]
        i = 0
        while i < len(rest):
            meta = rest[i].lstrip(b"\n")
            if not meta.startswith(b":"):
                i += 1
                continue
            parts = meta[1:].decode("ascii").split()
            old_blob, new_blob, status = parts[2], parts[3], parts[4]
            if status[0] in "RC":
                old_path = prefix + rest[i + 1].decode("utf-8", errors="surrogateescape")
                new_path = prefix + rest[i + 2].decode("utf-8", errors="surrogateescape")
                i += 3
            else:
                old_path = new_path = prefix + rest[i + 1].decode("utf-8",
                                                                  errors="surrogateescape")
                i += 2
            entry.touches.append(_Touch(status[0], old_blob, new_blob, old_path, new_path))
        yield entry


def _front_matter(text: str | None) -> Any:
    if text is None:
        return None
    parts = _HANDLER.split_file(text.removeprefix("\ufeff"))
    if parts is None:
        return None
    data, problems = compose(parts.front_matter, "", parts.first_line)
    return data.data if not any(p.code == "CB102" for p in problems) else None


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
    if _same(old, new):
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[FieldChange] = []
        keys = list(old) + [k for k in new if k not in old]
        for key in keys:
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in new:
                out.append(FieldChange(path, old[key], None))
            elif key not in old:
                out.append(FieldChange(path, None, new[key]))
            else:
                out.extend(field_changes(old[key], new[key], path))
        return out
    if isinstance(old, list) and isinstance(new, list) and _same_shape(old, new):
        out = []
        for i in range(max(len(old), len(new))):
            path = f"{prefix}[{i}]"
            if i >= len(new):
                out.append(FieldChange(path, old[i], None))
            elif i >= len(old):
                out.append(FieldChange(path, None, new[i]))
            else:
                out.extend(field_changes(old[i], new[i], path))
        return out
    return [FieldChange(prefix or "(front matter)", old, new)]


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


def _cat_file(repo: Any, shas: list[str]) -> Iterator[tuple[str, bytes | None]]:
    """Every blob in `shas`, in order, from one `git cat-file --batch` process fed all
    at once (`--buffer`): asking for one blob at a time and waiting for it costs a
    round trip each, a third of the whole pass over 20,000 versions. None for a
    blob that is missing (a shallow or partial clone)."""
    process = repo.git.execute(["git", "cat-file", "--buffer", "--batch"], as_process=True,
                               istream=subprocess.PIPE)
    proc = process.proc

    def feed() -> None:
        try:
            proc.stdin.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
            proc.stdin.close()
        except BrokenPipeError:  # pragma: no cover - git stopped early; reading says why
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    out = proc.stdout
    try:
        for sha in shas:
            header = out.readline().split()
            if len(header) != 3:  # `<sha> missing`, or git stopped
                yield sha, None
                continue
            data = out.read(int(header[2]) + 1)[:-1]
            yield sha, data if header[1] == b"blob" else None
    finally:
        writer.join()
        proc.stdout.close()
        proc.wait()


class _Blobs:
    """The front matter of every version needed, each composed once: a version is
    the new side of one commit and the old side of the next."""

    def __init__(self, repo: Any, shas: Iterable[str]) -> None:
        wanted = sorted({sha for sha in shas if sha != _NULL_SHA})
        self.front: dict[str, Any] = {}
        for sha, data in _cat_file(repo, wanted):
            text = data.decode("utf-8", errors="replace") if data is not None else None
            self.front[sha] = _front_matter(text)

    def front_matter(self, sha: str) -> Any:
        return self.front.get(sha)


def head_commit(config: Config) -> str | None:
    """The commit checked out at the repository holding the cases, or None; cheap
    enough to ask before each rebuild whether the history can have changed."""
    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=config.root,
                              capture_output=True, text=True, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def read_history(config: Config, *, paths: Iterable[str] | None = None) -> History:
    """The history of every case file under the cases folder, in one pass."""
    try:
        import git
    except ImportError:  # pragma: no cover - a dependency, but say so plainly
        return History(HistoryStatus.MISSING, message="GitPython is not installed")
    try:
        repo = git.Repo(config.root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return History(HistoryStatus.MISSING,
                       message="not a git repository: history is missing")
    except git.GitCommandNotFound:
        return History(HistoryStatus.MISSING, message="git is not installed: history is missing")
    try:
        return _read(repo, config, paths)
    except git.GitCommandNotFound:
        return History(HistoryStatus.MISSING, message="git is not installed: history is missing")
    finally:
        repo.close()


def _current_files(repo: Any, cases_rel: str) -> set[str]:
    """The case files at HEAD."""
    listing = repo.git.execute(
        ["git", "-c", "core.quotePath=false", "ls-tree", "-r", "-z", "--name-only", "HEAD",
         "--", cases_rel], as_process=False, stdout_as_string=False)
    names = (name.decode("utf-8", errors="surrogateescape") for name in listing.split(b"\0"))
    return {name for name in names if name.endswith(".md")}


def _read(repo: Any, config: Config, paths: Iterable[str] | None) -> History:
    import git

    top = Path(repo.working_tree_dir).resolve()
    cases_rel = config.cases_dir.resolve().relative_to(top).as_posix()
    try:
        head = repo.head.commit.hexsha
    except ValueError:
        return History(HistoryStatus.COMPLETE, message="the repository has no commits yet",
                       root=top)
    shallow = repo.git.rev_parse("--is-shallow-repository").strip() == "true"
    # `--relative` limits the diffs to the cases folder without a pathspec: a
    # pathspec makes git also simplify the history, a second diff of the whole
    # folder for every commit (14 s instead of 5 s for 20,000 commits over 5,000
    # files). Commits that touch no case come out with no files and pass names on.
    inside = cases_rel not in ("", ".")
    prefix = f"{cases_rel}/" if inside else ""
    try:
        raw = repo.git.execute(
            ["git", "-c", "core.quotePath=false", "log", "-z", "--raw", "--no-abbrev",
             "--find-renames", "--topo-order", "--parents", "-m", f"--format={_FORMAT}",
             *([f"--relative={prefix}"] if inside else []), "HEAD"],
            as_process=False, stdout_as_string=False)
    except git.GitCommandError as err:
        return History(HistoryStatus.MISSING, message=f"git log failed: {err.stderr.strip()}")

    # Walk the graph from HEAD, children before parents. `names` maps a path as
    # it is after a commit to the case's current path; a commit hands its map,
    # undone by its own renames, to its parents. Maps are shared until a rename
    # changes one, so a long history without renames costs one map.
    start = {path: path for path in _current_files(repo, cases_rel)}
    incoming: dict[str, dict[str, str]] = {}
    wanted = set(paths) if paths is not None else None
    pending: dict[str, list[tuple[_LogEntry, _Touch]]] = defaultdict(list)
    entries = list(_parse_log(raw, prefix))
    merge_parts: dict[str, list[_LogEntry]] = defaultdict(list)
    for entry in entries:
        if len(entry.parents) > 1:
            merge_parts[entry.hash].append(entry)
    seen_merges: set[str] = set()
    for entry in entries:
        if len(entry.parents) > 1:
            if entry.hash in seen_merges:
                continue
            seen_merges.add(entry.hash)
            names = incoming.pop(entry.hash, start)
            # `-m` shows the merge once per parent, in parent order: each diff
            # says how that parent's names became the merged ones.
            for part, parent in zip(merge_parts[entry.hash], entry.parents, strict=False):
                _hand_on(incoming, parent, _undo(names, part.touches))
            continue
        names = incoming.pop(entry.hash, start)
        for touch in entry.touches:
            if not (touch.new_path.endswith(".md") or touch.old_path.endswith(".md")):
                continue
            current = names.get(touch.new_path if touch.status != "D" else touch.old_path)
            if current:
                pending[current].append((entry, touch))
        for parent in entry.parents:
            _hand_on(incoming, parent, _undo(names, entry.touches))

    if wanted is not None:
        pending = defaultdict(list, {k: v for k, v in pending.items() if k in wanted})
    blobs = _Blobs(repo, (sha for touches in pending.values() for _, touch in touches
                          for sha in (touch.old_blob, touch.new_blob)))
    cases: dict[str, CaseHistory] = {}
    for current, touches in pending.items():
        history = CaseHistory(path=current)
        for entry, touch in touches:
            boundary = shallow and not entry.parents
            created = touch.old_blob == _NULL_SHA and not boundary
            deleted = touch.new_blob == _NULL_SHA
            old = None if touch.old_blob == _NULL_SHA else blobs.front_matter(touch.old_blob)
            new = None if deleted else blobs.front_matter(touch.new_blob)
            changes: list[FieldChange] = []
            if boundary or deleted:
                changes = []
            elif new is None:
                changes = [FieldChange("(front matter)", "readable", "unreadable")]
            elif old is None and not created:
                changes = [FieldChange("(front matter)", "unreadable", "readable")]
            else:
                changes = field_changes(old if old is not None else {}, new)
            history.commits.append(Commit(
                hash=entry.hash, author=entry.author, email=entry.email, date=entry.date,
                committed=entry.committed, subject=entry.subject,
                path=touch.old_path if deleted else touch.new_path,
                changes=tuple(changes), co_authors=tuple(entry.co_authors),
                created=created, deleted=deleted))
        # Newest first by commit date; the graph order breaks ties.
        history.commits.sort(key=lambda c: c.committed, reverse=True)
        cases[current] = history

    status = HistoryStatus.PARTIAL if shallow else HistoryStatus.COMPLETE
    message = "this is a shallow clone: the history of cases is partial" if shallow else ""
    return History(status, cases, message=message, head=head, root=top)


def _undo(names: dict[str, str], touches: list[_Touch]) -> dict[str, str]:
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
