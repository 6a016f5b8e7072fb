"""The history cache (generator/history/cache.py) and the history's parallel reads.

A read with the cache must give exactly what a read without it gives, and ask
git only about what is new: these tests count the git processes started and
compare every history with one read from nothing (`cache_dir` set to nothing).
They also drive the parallel paths (log slices, worker processes) on small
repositories by lowering their thresholds, and damage the cache in the ways a
disk or an interrupted write could.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import git
import pytest
from gitrepo import (
    ALICE,
    BOB,
    CAROL,
    P1,
    P2,
    GitRepo,
    assert_matches_git,
    case,
    render,
)

import generator.history.reader as history_module
import generator.repository.git as gateway
from generator.config import load_config
from generator.history.cache import FILE_NAME
from generator.history.reader import History, HistoryStatus, read_history

pytestmark = pytest.mark.usefixtures("isolated_git")

P3 = "cases/CH-2024-0003.md"


def cache_file(repo: GitRepo) -> Path:
    return repo.root / ".cache" / "casebook" / FILE_NAME


def uncached(repo: GitRepo) -> History:
    """The history read from nothing, with no cache read or written."""
    config = load_config(start=repo.root)
    settings = config.settings.model_copy(update={"cache_dir": None})
    return read_history(config.model_copy(update={"settings": settings}))


class Spawned:
    """Every process started while it is active: argv and what it was given to read."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[list[str], bytes | None]] = []
        real_run = subprocess.run
        real_popen = subprocess.Popen
        inside_run = [False]

        def run(args: Any, *rest: Any, **kwargs: Any) -> Any:
            self.calls.append(([str(a) for a in args], kwargs.get("input")))
            inside_run[0] = True
            try:
                return real_run(args, *rest, **kwargs)
            finally:
                inside_run[0] = False

        calls = self.calls

        class Popen(real_popen):  # type: ignore[misc, valid-type]
            def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
                if not inside_run[0]:
                    calls.append(([str(a) for a in args], None))
                super().__init__(args, *rest, **kwargs)

        real_safer_popen = git.cmd.safer_popen

        def safer_popen(args: Any, *rest: Any, **kwargs: Any) -> Any:
            # GitPython starts its processes (cat-file among them) through this.
            calls.append(([str(a) for a in args], None))
            return real_safer_popen(args, *rest, **kwargs)

        monkeypatch.setattr(subprocess, "run", run)
        monkeypatch.setattr(subprocess, "Popen", Popen)
        monkeypatch.setattr(git.cmd, "safer_popen", safer_popen)

    def git(self, command: str) -> list[tuple[list[str], bytes | None]]:
        """The calls of one git command (after `git` and its `-c` options)."""
        found = []
        for argv, given in self.calls:
            rest = argv[1:]
            while rest and rest[0] == "-c":
                rest = rest[2:]
            if rest and rest[0] == command:
                found.append((argv, given))
        return found

    def batch_cat_files(self) -> int:
        return sum(1 for argv, _ in self.git("cat-file") if argv[-1] == "--batch")


def build(tmp_path: Path) -> GitRepo:
    """Three cases over several commits, one renamed, on two branches merged."""
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    repo.write(P2, case("CH-2024-0002"))
    repo.commit("Open two cases", who=ALICE, date="2024-01-01T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "review")
    repo.write(P1, case("CH-2024-0001", stage="incident-analysis"))
    repo.commit("Move CH-2024-0001 on", who=BOB, date="2024-01-02T10:00:00+00:00")
    repo.git("mv", P2, "cases/CH-2024-0009.md")
    repo.commit("Renumber", who=BOB, date="2024-01-03T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    repo.write(P3, case("CH-2024-0003", harm={"killed": {"min": 2, "max": 5}}))
    repo.commit("Open CH-2024-0003", who=CAROL, date="2024-01-04T10:00:00+00:00")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge review", "review",
             who=ALICE, date="2024-01-05T10:00:00+00:00")
    return repo


def test_second_read_asks_git_for_nothing_it_knows(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    repo = build(tmp_path)
    first = repo.history()
    assert cache_file(repo).is_file()
    assert first.cases == uncached(repo).cases
    assert_matches_git(repo, first)

    with pytest.MonkeyPatch.context() as patch:
        spawned = Spawned(patch)
        second = repo.history()
    assert second.cases == first.cases
    assert second.head == first.head
    assert spawned.git("log") == []
    assert spawned.git("diff-tree") == []
    assert spawned.batch_cat_files() == 0
    assert len(spawned.git("rev-list")) == 1


def test_a_new_commit_is_the_only_one_read(tmp_path: Path) -> None:
    repo = build(tmp_path)
    repo.history()
    repo.write(P3, case("CH-2024-0003", stage="incident-analysis",
                        harm={"killed": {"min": 2, "max": 6}}))
    new = repo.commit("Move CH-2024-0003 on", who=BOB, date="2024-01-06T10:00:00+00:00")

    with pytest.MonkeyPatch.context() as patch:
        spawned = Spawned(patch)
        history = repo.history()
    logs = spawned.git("log")
    assert len(logs) == 1
    assert logs[0][1] == f"{new}\n".encode("ascii")
    # The new version is compared with the one before: one cat-file for the pair.
    assert spawned.batch_cat_files() == 1
    assert history.cases == uncached(repo).cases
    assert history.cases[P3].commits[0].changes == (
        history_module.FieldChange("stage", "intake", "incident-analysis"),
        history_module.FieldChange("harm.killed.max", 5, 6))


def test_commits_that_left_the_history_leave_the_cache(tmp_path: Path) -> None:
    repo = build(tmp_path)
    repo.write(P1, case("CH-2024-0001", status="on-hold"))
    dropped = repo.commit("Put on hold", who=BOB, date="2024-01-06T10:00:00+00:00")
    repo.history()
    assert dropped in json.loads(cache_file(repo).read_bytes())["commits"]
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write(P1, case("CH-2024-0001", status="closed"))
    kept = repo.commit("Close", who=BOB, date="2024-01-07T10:00:00+00:00")

    history = repo.history()
    assert history.cases == uncached(repo).cases
    stored = json.loads(cache_file(repo).read_bytes())["commits"]
    assert kept in stored
    assert dropped not in stored


@pytest.mark.parametrize("damage", [
    pytest.param(lambda data: b"", id="empty"),
    pytest.param(lambda data: data[: len(data) // 2], id="cut-short"),
    pytest.param(lambda data: b"\xff\xfe not json", id="not-json"),
    pytest.param(lambda data: b"[1, 2, 3]", id="not-an-object"),
    pytest.param(lambda data: json.dumps({**json.loads(data), "commits": []}).encode(),
                 id="commits-not-a-mapping"),
])
def test_a_damaged_cache_is_read_again(tmp_path: Path, damage: Any) -> None:
    repo = build(tmp_path)
    expected = repo.history().cases
    path = cache_file(repo)
    path.write_bytes(damage(path.read_bytes()))
    assert repo.history().cases == expected
    # and written whole again
    assert json.loads(path.read_bytes())["commits"]


def test_damaged_entries_are_read_again(tmp_path: Path) -> None:
    repo = build(tmp_path)
    expected = repo.history().cases
    path = cache_file(repo)
    data = json.loads(path.read_bytes())
    head = repo.rev("HEAD")
    for sha in [sha for sha in data["commits"] if sha != head][:2]:
        data["commits"][sha] = ["too", "short"]
    for pair in list(data["changes"])[:2]:
        data["changes"][pair] = [["only a field"]]
    # A merge (HEAD) with its diff against one parent only: read as it should be, it
    # would fail, not guess which parent that diff belongs to.
    merge = data["commits"][head]
    assert len(merge[-1]) == 2
    merge[-1] = merge[-1][:1]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert repo.history().cases == expected


def test_an_entry_made_under_other_code_is_not_used(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    repo = build(tmp_path)
    expected = repo.history().cases
    path = cache_file(repo)
    data = json.loads(path.read_bytes())
    # A wrong answer, kept under another code fingerprint: it must not be shown.
    for pair in data["changes"]:
        data["changes"][pair] = [["stage", "made", "up"]]
    data["key"]["code"] = "0" * 16
    path.write_text(json.dumps(data), encoding="utf-8")
    assert repo.history().cases == expected


def test_no_cache_dir_writes_nothing(tmp_path: Path) -> None:
    repo = build(tmp_path)
    uncached(repo)
    assert not (repo.root / ".cache").exists()


def test_parallel_reads_give_the_same_history(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo = build(tmp_path)
    for n in range(4, 12):
        repo.write(f"cases/CH-2024-{n:04d}.md", case(f"CH-2024-{n:04d}"))
        repo.commit(f"Open CH-2024-{n:04d}", who=(ALICE, BOB, CAROL)[n % 3],
                    date=f"2024-02-{n:02d}T10:00:00+00:00")
        repo.write(f"cases/CH-2024-{n:04d}.md",
                   case(f"CH-2024-{n:04d}", stage="incident-analysis", tags=["a", str(n)]))
        repo.commit(f"Move CH-2024-{n:04d} on", who=BOB,
                    date=f"2024-02-{n:02d}T11:00:00+00:00")
    serial = uncached(repo)

    monkeypatch.setattr(history_module, "_SLICE", 3)
    monkeypatch.setattr(history_module, "_WORKERS", 3)
    monkeypatch.setattr(history_module, "_PARALLEL_PAIRS", 4)
    with pytest.MonkeyPatch.context() as patch:
        spawned = Spawned(patch)
        parallel = repo.history()
    assert len(spawned.git("log")) == 3
    workers = [argv for argv, _ in spawned.calls if "generator.history.worker" in argv]
    assert len(workers) == 2
    assert parallel.cases == serial.cases
    # What the workers answered is what the cache now holds, and reads back the same.
    assert repo.history().cases == serial.cases
    assert_matches_git(repo, parallel)


def test_a_failed_worker_leaves_its_share_to_the_reader(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = build(tmp_path)
    serial = uncached(repo)
    monkeypatch.setattr(history_module, "_WORKERS", 2)
    monkeypatch.setattr(history_module, "_PARALLEL_PAIRS", 1)
    # The worker's "Python" exits with an error at once.
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.MonkeyPatch.context() as patch:
        spawned = Spawned(patch)
        history = repo.history()
    assert [argv[0] for argv, _ in spawned.calls
            if "generator.history.worker" in argv] == ["/bin/false"]
    assert history.cases == serial.cases


def test_a_shallow_clone_keeps_no_commits(tmp_path: Path) -> None:
    origin = build(tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "3", origin.root.as_uri(), str(clone)],
                   check=True, capture_output=True)
    shallow = GitRepo(clone)
    first = shallow.history()
    assert first.message
    stored = json.loads(cache_file(shallow).read_bytes())
    assert stored["commits"] == {}
    assert stored["changes"]
    assert shallow.history().cases == first.cases
    assert first.cases == uncached(shallow).cases


@pytest.mark.parametrize(("reader", "said"), [
    ("_parse_log", "git log did not list commit"),
    ("_parse_parts", "git diff-tree did not answer for every parent"),
])
def test_an_incomplete_answer_from_git_is_reported_not_guessed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str, said: str) -> None:
    repo = build(tmp_path)
    real = getattr(gateway, reader)
    monkeypatch.setattr(gateway, reader,
                        lambda raw, prefix="": list(real(raw, prefix))[1:])
    history = repo.history()
    assert history.status is HistoryStatus.MISSING
    assert said in history.message
    assert history.cases == {}
    assert not cache_file(repo).exists()


def test_versions_are_compared_as_read_and_each_kept_until_its_last_pair(
        tmp_path: Path) -> None:
    from generator.history.reader import compare_versions, field_changes
    from generator.repository.git import NULL_SHA, Repository

    repo = build(tmp_path)
    fronts = [case("CH-2024-0001", stage=stage) for stage in
              ("intake", "incident-analysis", "policy-impact-assessment")]
    blobs = []
    for n, front in enumerate(fronts):
        path = repo.root / f"v{n}.md"
        path.write_text(render(front), encoding="utf-8")
        blobs.append(repo.git("hash-object", "-w", str(path)).strip())
    a, b, c = blobs
    missing = "1" * 40
    # A version needed again after others (b), twice in one pair (c), not in the
    # repository at all (as in a shallow clone), and the same pair twice.
    pairs = [(NULL_SHA, a), (a, b), (c, c), (b, c), (missing, a), (a, missing), (a, b)]
    with Repository.open(repo.root) as opened:
        answers = compare_versions(opened, pairs)
    first, second, third = fronts
    assert answers == [
        field_changes({}, first), field_changes(first, second), [], field_changes(second, third),
        [history_module.FieldChange("(front matter)", "unreadable", "readable")],
        [history_module.FieldChange("(front matter)", "readable", "unreadable")],
        field_changes(first, second)]


def test_equal_texts_in_the_history_are_one_object(tmp_path: Path) -> None:
    repo = build(tmp_path)
    for history in (repo.history(), repo.history()):  # read from git, then from the cache
        found: dict[str, list[Any]] = {}
        for case_history in history.cases.values():
            for commit in case_history.commits:
                for change in commit.changes:
                    found.setdefault(change.field, []).append(change.field)
                    if isinstance(change.new, str):
                        found.setdefault(change.new, []).append(change.new)
        assert len(found["stage"]) >= 2 and len(found["incident-analysis"]) >= 1
        assert all(text is texts[0] for texts in found.values() for text in texts)
    assert repo.history().cases == uncached(repo).cases
