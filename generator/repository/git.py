"""The one gateway to git: every git operation the project makes, typed.

Two ways of running git are used, each where it is the better tool:
- GitPython for the repository itself (finding it, HEAD, the version) and for
  its persistent `git cat-file --batch` process, which answers many small
  questions (a revision, a blob) without a process each;
- plain `git` processes for the large one-shot reads of the history (rev-list,
  log, diff-tree), fed on `--stdin` and read whole, several side by side; and
  one `git cat-file --buffer --batch` fed every blob at once, since waiting
  for each answer in turn would cost a round trip per blob.

Whatever goes wrong comes back as one `GitError`, whose `kind` says what.
Nothing outside `generator.repository` starts a process or imports GitPython,
so this module is also where a history worker process is started
(`Repository.run_helper`).
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import git

NULL_SHA = "0" * 40
"""The blob id git gives the missing side of an added or deleted file."""

LOG_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s%x00" \
             "%(trailers:key=Co-authored-by,valueonly,separator=%x1f)%x00"

# Options set on every plain git call so that a user's git configuration cannot
# change what is read: quoted paths, a root commit shown without its files.
_PLAIN = ["-c", "core.quotePath=false", "-c", "log.showRoot=true"]


class GitErrorKind(enum.StrEnum):
    NOT_A_REPOSITORY = "not a repository"
    NOT_INSTALLED = "not installed"
    """git cannot be started."""
    UNKNOWN_REVISION = "unknown revision"
    FAILED = "failed"
    """git exited with an error, or gave an incomplete answer."""


class GitError(Exception):
    """A git operation failed. Raised by `Repository` and every function of
    `generator.repository.git`, and by nothing else; `kind` says what went wrong,
    `stderr` holds what git said (empty when it said nothing), `status` its exit
    code when it ran."""

    def __init__(self, kind: GitErrorKind, message: str, *, stderr: str = "",
                 status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.stderr = stderr
        self.status = status


@dataclass(slots=True)
class Touch:
    """A commit's change to one file, as `git log --raw` reports it."""

    status: str
    """A, M, D, R (renamed), C (copied), T (type changed)."""
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """Who made a commit and when, and its subject line."""

    hash: str
    author: str
    email: str
    date: dt.datetime
    """Author date."""
    committed: dt.datetime
    subject: str


@dataclass(frozen=True, slots=True)
class LoggedCommit(CommitInfo):
    """One commit: who and when, and its changes to the files read."""

    co_authors: list[str]
    parts: list[list[Touch]]
    """The changes against each parent in turn (one part for an ordinary commit, and
    for a root commit the files it added)."""

    @property
    def touches(self) -> list[Touch]:
        return self.parts[0] if self.parts else []


class GraphCommit(NamedTuple):
    """A commit and its parents, as `git rev-list --parents` lists it."""

    sha: str
    parents: list[str]


class TreeEntry(NamedTuple):
    """One file of a tree, as `git ls-tree -r` lists it."""

    mode: str
    kind: str
    """blob, or commit for a submodule."""
    blob: str
    path: str
    """Relative to the top of the repository."""


@contextmanager
def _gitpython_errors(command: str) -> Iterator[None]:
    """GitPython's exceptions as `GitError`s."""
    try:
        yield
    except git.GitCommandNotFound as err:
        raise GitError(GitErrorKind.NOT_INSTALLED, "git is not installed") from err
    except git.GitCommandError as err:
        status = err.status if isinstance(err.status, int) else None
        # GitPython's own rendering of what git said, kept as callers print it.
        said = err.stderr if isinstance(err.stderr, str) else ""
        raise GitError(GitErrorKind.FAILED, f"git {command} failed: {said.strip()}",
                       stderr=said, status=status) from err


def head_commit(root: Path) -> str | None:
    """The commit checked out in the repository holding `root`, or None; one small
    process, cheap enough to ask before each rebuild."""
    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


class Repository:
    """An open git repository. Close it (or use it in a `with`) when done: it holds
    GitPython's persistent git processes."""

    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo
        tree = repo.working_tree_dir
        self.working_tree: Path | None = Path(tree) if tree is not None else None
        """The top of the working tree; None in a bare repository."""

    @classmethod
    def open(cls, path: Path, *, search_parents: bool = True) -> Repository:
        """The repository at `path` (or, with `search_parents`, holding it)."""
        try:
            return cls(git.Repo(path, search_parent_directories=search_parents))
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(GitErrorKind.NOT_A_REPOSITORY,
                           f"not a git repository: {path}") from None
        except git.GitCommandNotFound as err:
            raise GitError(GitErrorKind.NOT_INSTALLED, "git is not installed") from err

    def close(self) -> None:
        self._repo.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- small questions, through GitPython --------------------------------------------

    def head(self) -> str | None:
        """The commit HEAD points at; None before the first commit."""
        with _gitpython_errors("rev-parse"):
            try:
                return str(self._repo.head.commit.hexsha)
            except ValueError:
                return None

    def is_shallow(self) -> bool:
        with _gitpython_errors("rev-parse"):
            return bool(self._repo.git.rev_parse("--is-shallow-repository").strip() == "true")

    def version(self) -> tuple[int, ...]:
        """git's version, as `(2, 39, 5)`."""
        with _gitpython_errors("version"):
            return tuple(int(part) for part in self._repo.git.version_info)

    def resolve_commit(self, ref: str) -> str:
        """The commit id `ref` names (a branch, tag or commit); `UNKNOWN_REVISION` when
        it names none (or names a tree or blob)."""
        with _gitpython_errors("cat-file"):
            try:
                sha, _, _, _ = self._repo.git.get_object_data(f"{ref}^{{commit}}")
            except ValueError:
                raise GitError(GitErrorKind.UNKNOWN_REVISION,
                               f"unknown git revision '{ref}'") from None
        return sha.decode("ascii") if isinstance(sha, bytes) else str(sha)

    def read_blob(self, sha: str) -> bytes:
        """The content of one object, from the persistent cat-file process."""
        with _gitpython_errors("cat-file"):
            try:
                _, _, _, raw = self._repo.git.get_object_data(sha)
            except ValueError:
                raise GitError(GitErrorKind.UNKNOWN_REVISION,
                               f"no git object '{sha}'") from None
        return bytes(raw)

    def ls_tree(self, rev: str, folder: str) -> list[TreeEntry]:
        """Every file under `folder` (relative to the top) in the tree of `rev`."""
        with _gitpython_errors("ls-tree"):
            listing = self._repo.git.execute(
                ["git", "ls-tree", "-r", "-z", "--full-tree", rev, "--", folder],
                as_process=False, stdout_as_string=False)
        assert isinstance(listing, bytes)
        return list(_parse_tree(listing))

    def merge_base(self, one: str, other: str) -> str | None:
        """The best common ancestor of two revisions; None when they share no history."""
        with _gitpython_errors("merge-base"):
            try:
                return str(self._repo.git.merge_base(one, other)).strip()
            except git.GitCommandError as err:
                if err.status == 1:  # no common ancestor
                    return None
                raise

    def blame(self, rel: str, *, ignore_revs: Path | None = None) -> str:
        """`git blame --porcelain` of the working-tree file at `rel`; the commits listed
        in `ignore_revs` are passed over."""
        args = ["--porcelain"]
        if ignore_revs is not None:
            args += ["--ignore-revs-file", str(ignore_revs)]
        with _gitpython_errors("blame"):
            return str(self._repo.git.blame(*args, "--", rel))

    # -- large reads, through plain git processes ---------------------------------------

    def cat_blobs(self, shas: Sequence[str]) -> Iterator[tuple[str, bytes | None]]:
        """Every blob in `shas`, in order, from one `git cat-file --batch` process fed
        all at once (`--buffer`); None for a blob that is missing (a shallow or partial
        clone) or is not a blob."""
        with _gitpython_errors("cat-file"):
            process = self._repo.git.execute(["git", "cat-file", "--buffer", "--batch"],
                                             as_process=True, istream=subprocess.PIPE)
        proc = process.proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        stdin, out = proc.stdin, proc.stdout

        def feed() -> None:
            try:
                stdin.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
                stdin.close()
            except BrokenPipeError:  # pragma: no cover - git stopped early; reading says why
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
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
            out.close()
            proc.wait()

    def topo_order(self) -> list[GraphCommit]:
        """Every commit reachable from HEAD with its parents, children before parents."""
        raw = self._run("rev-list", ["--topo-order", "--parents", "HEAD"])
        order = []
        for line in raw.decode("ascii").splitlines():
            sha, *parents = line.split()
            order.append(GraphCommit(sha, parents))
        return order

    def commit_changes(self, commits: Sequence[GraphCommit], *, prefix: str,
                       slices: int) -> dict[str, LoggedCommit]:
        """What each commit changed under the folder `prefix` (`cases/`, or "" for the
        whole tree), with paths relative to the top; a merge gets one part per parent.

        `git log` reads the commits in `slices` side by side (git diffs one commit at
        a time on one core), while one `git diff-tree` reads the merges.
        """
        # `--relative` limits the diffs to the folder without a pathspec: a
        # pathspec makes git also simplify the history, a second diff of the whole
        # folder for every commit (14 s instead of 5 s for 20,000 commits over 5,000
        # files). Commits that touch nothing there come out with no files.
        relative = [f"--relative={prefix}"] if prefix else []
        log = ["--no-show-signature", "-z", "--raw", "--no-abbrev",
               "--find-renames", "--no-walk=unsorted", "--stdin", f"--format={LOG_FORMAT}",
               *relative]
        size = -(-len(commits) // max(1, slices))
        jobs = [("log", log, "".join(f"{sha}\n" for sha, _ in commits[i:i + size])
                 .encode("ascii")) for i in range(0, len(commits), size)]
        # A merge's diff against each parent says how that parent's names became the
        # merged ones. `git log -m` leaves out a parent whose diff is empty, so which
        # parent a diff belongs to is lost; diff-tree with `--always` answers each
        # `merge parent` line in turn, empty or not.
        merges = [commit for commit in commits if len(commit.parents) > 1]
        tree = ["--stdin", "--always", "-r", "-z", "--raw", "--no-abbrev",
                "--find-renames", "--format=%x1e%H", *relative]
        if merges:
            jobs.append(("diff-tree", tree, "".join(
                f"{sha} {parent}\n" for sha, parents in merges for parent in parents)
                .encode("ascii")))
        with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
            outputs = list(pool.map(lambda job: self._run(*job), jobs))
        entries: dict[str, LoggedCommit] = {}
        for output in outputs[:len(jobs) - (1 if merges else 0)]:
            for entry in _parse_log(output, prefix):
                entries[entry.hash] = entry
        unlisted = [sha for sha, _ in commits if sha not in entries]
        if unlisted:
            raise GitError(GitErrorKind.FAILED, f"git log did not list commit {unlisted[0]}")
        if merges:
            _add_merge_parts(entries, merges, list(_parse_parts(outputs[-1], prefix)))
        return entries

    def _run(self, command: str, args: list[str], stdin: bytes | None = None) -> bytes:
        """The output of one plain git command run at the top of the repository."""
        binary = git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git"
        try:
            done = subprocess.run([binary, *_PLAIN, command, *args], cwd=self.working_tree,
                                  input=stdin, capture_output=True, check=False)
        except OSError as err:
            raise GitError(GitErrorKind.NOT_INSTALLED,
                           f"git {command} could not be started: {err}") from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", errors="replace").strip()
            raise GitError(GitErrorKind.FAILED, f"git {command} failed: {said}",
                           stderr=said, status=done.returncode)
        return done.stdout

    # -- helper processes ---------------------------------------------------------------

    def run_helper(self, module: str, stdin: bytes) -> bytes | None:
        """Run `python -m module WORKING_TREE` with `stdin`, for work on this repository
        shared out between processes; its output, or None if it failed."""
        package = Path(__file__).resolve().parents[2]
        env = {**os.environ,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(package),
                                                           os.environ.get("PYTHONPATH")]))}
        try:
            done = subprocess.run([sys.executable, "-m", module, str(self.working_tree)],
                                  input=stdin, capture_output=True, env=env, check=False)
        except OSError:
            return None
        return done.stdout if done.returncode == 0 else None


def _add_merge_parts(entries: dict[str, LoggedCommit], merges: list[GraphCommit],
                     parts: list[list[Touch]]) -> None:
    """Give each merge its diff against each parent, from diff-tree's answers in turn."""
    if len(parts) != sum(len(parents) for _, parents in merges):
        raise GitError(GitErrorKind.FAILED,
                       "git diff-tree did not answer for every parent of every merge")
    answers = iter(parts)
    for sha, parents in merges:
        entries[sha].parts[:] = [next(answers) for _ in parents]


def _parse_tree(listing: bytes) -> Iterable[TreeEntry]:
    """The entries of `git ls-tree -r -z` output."""
    for entry in listing.split(b"\0"):
        meta, tab, raw_name = entry.partition(b"\t")
        if not tab:
            continue
        mode, kind, blob = meta.decode("ascii").split()
        yield TreeEntry(mode, kind, blob, raw_name.decode("utf-8", errors="surrogateescape"))


def _parse_touches(fields: list[bytes], prefix: str) -> list[Touch]:
    """The `--raw -z` lines of one commit: a `:modes blobs status` field, then one
    path (two for a rename or copy); `prefix` goes before each path (the folder that
    `--relative` took off)."""
    touches: list[Touch] = []
    i = 0
    while i < len(fields):
        meta = fields[i].lstrip(b"\n")
        if not meta.startswith(b":"):
            i += 1
            continue
        parts = meta[1:].decode("ascii").split()
        old_blob, new_blob, status = parts[2], parts[3], parts[4]
        if status[0] in "RC":
            old_path = prefix + fields[i + 1].decode("utf-8", errors="surrogateescape")
            new_path = prefix + fields[i + 2].decode("utf-8", errors="surrogateescape")
            i += 3
        else:
            old_path = new_path = prefix + fields[i + 1].decode("utf-8",
                                                                errors="surrogateescape")
            i += 2
        touches.append(Touch(status[0], old_blob, new_blob, old_path, new_path))
    return touches


def _parse_log(raw: bytes, prefix: str = "") -> Iterator[LoggedCommit]:
    """Parse `git log -z --raw --no-abbrev --format=LOG_FORMAT` output (merges without
    their diffs, which `commit_changes` asks diff-tree for)."""
    for record in raw.split(b"\x1e"):
        if not record.strip(b"\0\n"):
            continue
        fields = record.split(b"\0")
        head = [f.decode("utf-8", errors="replace") for f in fields[:8]]
        sha, _parents, author, email, adate, cdate, subject, trailers = head
        yield LoggedCommit(
            hash=sha, author=author, email=email,
            date=dt.datetime.fromisoformat(adate), committed=dt.datetime.fromisoformat(cdate),
            subject=subject,
            co_authors=[t.strip() for t in trailers.split("\x1f") if t.strip()],
            parts=[_parse_touches(fields[8:], prefix)])


def _parse_parts(raw: bytes, prefix: str) -> Iterator[list[Touch]]:
    """Parse `git diff-tree --stdin --always -z --format=%x1e%H` output: the changes of
    each line of input in turn, empty ones included (`--always`)."""
    for record in raw.split(b"\x1e")[1:]:
        yield _parse_touches(record.split(b"\0")[1:], prefix)
