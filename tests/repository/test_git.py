"""The git gateway (generator/repository/git.py), against real temporary repositories.

Each operation is checked against what the `git` command itself says about the
same repository, and each way of failing (a bad ref, a folder that is not a
repository, git failing or missing) against the one `GitError` and its kind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import git as gitpython
import pytest

from generator.repository.git import (
    NULL_SHA,
    GitError,
    GitErrorKind,
    GraphCommit,
    Repository,
    Touch,
    TreeEntry,
    head_commit,
)

pytestmark = pytest.mark.usefixtures("isolated_git")


class Repo:
    """A throw-away repository driven through the `git` command, with ticking dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ticks = 0
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        self.ticks += 1
        date = f"2024-03-01T10:{self.ticks // 60:02d}:{self.ticks % 60:02d}+00:00"
        env = {**os.environ, "GIT_AUTHOR_NAME": "Ana Analyst",
               "GIT_AUTHOR_EMAIL": "ana@example.org", "GIT_AUTHOR_DATE": date,
               "GIT_COMMITTER_NAME": "Ana Analyst", "GIT_COMMITTER_EMAIL": "ana@example.org",
               "GIT_COMMITTER_DATE": date}
        done = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True,
                              check=False)
        assert done.returncode == 0, (args, done.stderr.decode("utf-8", "replace"))
        return done.stdout.decode("utf-8")

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.rev("HEAD")

    def rev(self, ref: str) -> str:
        return self.git("rev-parse", ref).strip()

    def open(self) -> Repository:
        return Repository.open(self.root)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """Two commits on main: cases/a.md added, then edited with cases/b.md added."""
    made = Repo(tmp_path / "kb")
    made.write("mkdocs.yml", "site_name: test\n")
    made.write("cases/a.md", "---\nid: A\n---\nfirst\n")
    made.commit("Add a")
    made.write("cases/a.md", "---\nid: A\nstage: closed\n---\nsecond\n")
    made.write("cases/b.md", "---\nid: B\n---\n")
    made.commit("Edit a, add b")
    return made


def test_open_finds_the_top_from_a_subfolder_and_closes(repo: Repo) -> None:
    with Repository.open(repo.root / "cases") as opened:
        assert opened.working_tree is not None
        assert opened.working_tree.resolve() == repo.root.resolve()
    with pytest.raises(GitError) as err:
        Repository.open(repo.root / "cases", search_parents=False)
    assert err.value.kind is GitErrorKind.NOT_A_REPOSITORY


def test_a_folder_that_is_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    probe = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=plain, capture_output=True,
                           check=False)
    if probe.returncode == 0:
        pytest.skip("the temporary folder is itself inside a git repository")
    for folder in (plain, tmp_path / "absent"):
        with pytest.raises(GitError) as err:
            Repository.open(folder)
        assert err.value.kind is GitErrorKind.NOT_A_REPOSITORY
        assert str(err.value) == f"not a git repository: {folder}"
        assert err.value.status is None
    assert head_commit(plain) is None


def test_head_shallow_and_version(repo: Repo, tmp_path: Path) -> None:
    with repo.open() as opened:
        assert opened.head() == repo.rev("HEAD")
        assert opened.is_shallow() is False
        said = subprocess.run(["git", "--version"], capture_output=True, text=True,
                              check=True).stdout
        version = opened.version()
        assert ".".join(str(part) for part in version[:3]) in said
        assert version[0] >= 2
    assert head_commit(repo.root) == repo.rev("HEAD")
    assert head_commit(repo.root / "cases") == repo.rev("HEAD")

    empty = Repo(tmp_path / "empty")
    with empty.open() as opened:
        assert opened.head() is None
    assert head_commit(empty.root) is None

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", repo.root.as_uri(), str(clone)],
                   check=True, capture_output=True)
    with Repository.open(clone) as opened:
        assert opened.is_shallow() is True


def test_resolve_commit_and_read_blob(repo: Repo) -> None:
    first = repo.rev("HEAD~1")
    repo.git("tag", "-a", "-m", "the first", "v1", first)
    with repo.open() as opened:
        assert opened.resolve_commit("main") == repo.rev("HEAD")
        assert opened.resolve_commit("v1") == first  # an annotated tag, peeled
        assert opened.resolve_commit(first[:10]) == first
        blob = repo.rev("HEAD~1:cases/a.md")
        assert opened.read_blob(blob) == b"---\nid: A\n---\nfirst\n"
        for bad in ("origin/nope", repo.rev("HEAD^{tree}")):
            with pytest.raises(GitError) as err:
                opened.resolve_commit(bad)
            assert err.value.kind is GitErrorKind.UNKNOWN_REVISION
            assert str(err.value) == f"unknown git revision '{bad}'"
        with pytest.raises(GitError) as err:
            opened.read_blob("0123456789" * 4)
        assert err.value.kind is GitErrorKind.UNKNOWN_REVISION


def test_ls_tree_lists_one_folder_with_modes_and_plain_names(repo: Repo) -> None:
    repo.write("cases/sub/ü é.md", "x\n")
    repo.write("elsewhere/c.md", "y\n")
    (repo.root / "cases" / "link.md").symlink_to("a.md")
    head = repo.commit("More")
    with repo.open() as opened:
        entries = opened.ls_tree(head, "cases")
        assert opened.ls_tree("HEAD~2", "elsewhere") == []
    assert entries == [
        TreeEntry("100644", "blob", repo.rev("HEAD:cases/a.md"), "cases/a.md"),
        TreeEntry("100644", "blob", repo.rev("HEAD:cases/b.md"), "cases/b.md"),
        TreeEntry("120000", "blob", repo.rev("HEAD:cases/link.md"), "cases/link.md"),
        TreeEntry("100644", "blob", repo.rev("HEAD:cases/sub/ü é.md"), "cases/sub/ü é.md"),
    ]


def test_merge_base(repo: Repo) -> None:
    fork = repo.rev("HEAD")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("cases/c.md", "c\n")
    repo.commit("Side")
    repo.git("checkout", "-q", "main")
    repo.write("cases/d.md", "d\n")
    repo.commit("Main")
    repo.git("checkout", "-q", "--orphan", "alone")
    repo.git("rm", "-q", "-r", "--cached", ".")
    repo.commit("Unrelated")
    with repo.open() as opened:
        assert opened.merge_base("main", "side") == fork
        assert opened.merge_base("main", "alone") is None
        with pytest.raises(GitError) as err:
            opened.merge_base("main", "nope")
    assert err.value.kind is GitErrorKind.FAILED
    assert err.value.status == 128
    assert "nope" in err.value.stderr


def origins(porcelain: str, *commits: str) -> dict[int, str]:
    """Line number -> commit, from the header lines of `git blame --porcelain`."""
    found = {}
    for line in porcelain.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] in commits:
            found[int(words[2])] = words[0]
    return found


def test_blame_with_and_without_ignored_revisions(repo: Repo) -> None:
    first, second = repo.rev("HEAD~1"), repo.rev("HEAD")
    with repo.open() as opened:
        # ---, id: A, stage: closed, ---, second: the second commit added lines 3 and 5.
        assert origins(opened.blame("cases/a.md"), first, second) == {
            1: first, 2: first, 3: second, 4: first, 5: second}
        # A commit that only rewrites line 5, passed over: the line stays the second's.
        repo.write("cases/a.md", "---\nid: A\nstage: closed\n---\nSecond\n")
        third = repo.commit("Capitalise")
        assert origins(opened.blame("cases/a.md"), first, second, third)[5] == third
        ignore = repo.root / ".git-blame-ignore-revs"
        ignore.write_text(f"{third}\n", encoding="utf-8")
        assert origins(opened.blame("cases/a.md", ignore_revs=ignore), first, second,
                       third) == {1: first, 2: first, 3: second, 4: first, 5: second}
        with pytest.raises(GitError) as err:
            opened.blame("cases/none.md")
    assert err.value.kind is GitErrorKind.FAILED
    assert "none.md" in err.value.stderr
    assert str(err.value).startswith("git blame failed: ")


def test_cat_blobs_answers_in_order_with_none_for_what_is_not_a_blob(repo: Repo) -> None:
    a1, a2 = repo.rev("HEAD~1:cases/a.md"), repo.rev("HEAD:cases/a.md")
    tree = repo.rev("HEAD^{tree}")
    absent = "f" * 40
    with repo.open() as opened:
        got = list(opened.cat_blobs([a2, absent, a1, tree, a2]))
        assert list(opened.cat_blobs([])) == []
    assert got == [(a2, b"---\nid: A\nstage: closed\n---\nsecond\n"), (absent, None),
                   (a1, b"---\nid: A\n---\nfirst\n"), (tree, None),
                   (a2, b"---\nid: A\nstage: closed\n---\nsecond\n")]


def test_topo_order_and_commit_changes(repo: Repo) -> None:
    root, second = repo.rev("HEAD~1"), repo.rev("HEAD")
    repo.git("checkout", "-q", "-b", "side")
    repo.git("mv", "cases/b.md", "cases/b2.md")
    repo.commit("Rename b")
    repo.git("checkout", "-q", "main")
    repo.write("mkdocs.yml", "site_name: other\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Outside the cases\n\nCo-authored-by: Sam <sam@example.org>")
    outside = repo.rev("HEAD")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge side", "side")
    merge, renamed = repo.rev("HEAD"), repo.rev("side")

    with repo.open() as opened:
        order = opened.topo_order()
        assert order[0] == GraphCommit(merge, [outside, renamed])
        assert order[-1] == GraphCommit(root, [])
        assert {sha for sha, _ in order} == {root, second, outside, renamed, merge}
        assert [sha for sha, _ in order].index(second) > [sha for sha, _ in order].index(
            renamed)
        one = opened.commit_changes(order, prefix="cases/", slices=1)
        two = opened.commit_changes(order, prefix="cases/", slices=2)
        whole = opened.commit_changes([GraphCommit(outside, [second])], prefix="", slices=1)
    assert one == two
    assert one[root].parts == [[
        Touch("A", NULL_SHA, repo.rev(f"{root}:cases/a.md"), "cases/a.md", "cases/a.md")]]
    assert one[root].subject == "Add a" and one[root].author == "Ana Analyst"
    assert one[root].email == "ana@example.org"
    assert one[root].date.isoformat() == "2024-03-01T10:00:03+00:00"
    assert one[second].touches == [
        Touch("M", repo.rev(f"{root}:cases/a.md"), repo.rev(f"{second}:cases/a.md"),
              "cases/a.md", "cases/a.md"),
        Touch("A", NULL_SHA, repo.rev(f"{second}:cases/b.md"), "cases/b.md", "cases/b.md")]
    blob = repo.rev(f"{second}:cases/b.md")
    assert one[renamed].touches == [Touch("R", blob, blob, "cases/b.md", "cases/b2.md")]
    # Nothing in the cases folder; the whole tree shows the change.
    assert one[outside].parts == [[]]
    assert one[outside].co_authors == ["Sam <sam@example.org>"]
    assert [t.new_path for t in whole[outside].touches] == ["mkdocs.yml"]
    # A merge: its diff against each parent, the empty one included.
    assert one[merge].parts == [[Touch("R", blob, blob, "cases/b.md", "cases/b2.md")], []]


def test_git_failing_is_a_git_error(repo: Repo, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    empty = Repo(tmp_path / "empty")
    with empty.open() as opened, pytest.raises(GitError) as err:
        opened.topo_order()
    assert err.value.kind is GitErrorKind.FAILED
    assert err.value.status == 128
    assert str(err.value).startswith("git rev-list failed: ")
    assert "HEAD" in err.value.stderr

    with repo.open() as opened:
        monkeypatch.setattr(gitpython.Git, "GIT_PYTHON_GIT_EXECUTABLE", "/bin/false")
        with pytest.raises(GitError) as err:
            opened.topo_order()
        assert err.value.kind is GitErrorKind.FAILED
        assert err.value.status == 1
        missing = str(tmp_path / "no-such-git")
        monkeypatch.setattr(gitpython.Git, "GIT_PYTHON_GIT_EXECUTABLE", missing)
        with pytest.raises(GitError) as err:
            opened.topo_order()
        assert err.value.kind is GitErrorKind.NOT_INSTALLED
        assert str(err.value).startswith("git rev-list could not be started: ")
        with pytest.raises(GitError) as err:
            opened.head()
        assert err.value.kind is GitErrorKind.NOT_INSTALLED
        assert str(err.value) == "git is not installed"


def test_head_commit_without_git(repo: Repo, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    monkeypatch.setenv("PATH", str(bare))
    assert head_commit(repo.root) is None


def test_run_helper_runs_a_history_worker(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    a1, a2 = repo.rev("HEAD~1:cases/a.md"), repo.rev("HEAD:cases/a.md")
    with repo.open() as opened:
        output = opened.run_helper("generator.history.worker", f"{a1} {a2}\n".encode())
        assert output is not None
        assert json.loads(output) == [[["stage", None, "closed"]]]
        monkeypatch.setattr(sys, "executable", "/bin/false")
        assert opened.run_helper("generator.history.worker", b"") is None
