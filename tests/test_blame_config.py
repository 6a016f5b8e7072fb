"""`make` sets `blame.ignoreRevsFile` in a git checkout, so that plain `git blame`
passes over the reformatting commits listed in .git-blame-ignore-revs, as
`casebook blame` does. Run with the real make and git in throw-away repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.usefixtures("isolated_git")

MESSAGE = "git blame now skips the commits in .git-blame-ignore-revs"


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ana Analyst", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "Ana Analyst", "GIT_COMMITTER_EMAIL": "a@example.org"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout


def _make(cwd: Path) -> str:
    run = subprocess.run(["make", "--no-print-directory", "blame-config"], cwd=cwd,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def _checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    root.mkdir()
    shutil.copy(ROOT / "Makefile", root / "Makefile")
    _git(root, "init", "-q", "-b", "main")
    return root


def _ignored(root: Path) -> str:
    run = subprocess.run(["git", "config", "--local", "--get", "blame.ignoreRevsFile"],
                         cwd=root, capture_output=True, text=True, check=False)
    return run.stdout.strip()


def test_make_lets_plain_git_blame_skip_the_listed_commits(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    case = root / "case.md"
    case.write_text("title:   Shelling of a market\n", encoding="utf-8")
    _git(root, "add", "case.md", "Makefile")
    _git(root, "commit", "-q", "-m", "Open the case")
    first = _git(root, "rev-parse", "HEAD").strip()
    case.write_text("title: Shelling of a market\n", encoding="utf-8")
    _git(root, "commit", "-q", "-am", "casebook fmt")
    reformatted = _git(root, "rev-parse", "HEAD").strip()
    (root / ".git-blame-ignore-revs").write_text(f"# casebook fmt\n{reformatted}\n",
                                                encoding="utf-8")
    assert _git(root, "blame", "--porcelain", "case.md").startswith(reformatted)
    assert MESSAGE in _make(root)
    assert _ignored(root) == ".git-blame-ignore-revs"
    assert _git(root, "blame", "--porcelain", "case.md").startswith(first)
    assert _make(root) == ""  # set once: nothing more to say


def test_make_keeps_a_setting_of_the_user_s_own(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    (root / ".git-blame-ignore-revs").write_text("", encoding="utf-8")
    _git(root, "config", "--local", "blame.ignoreRevsFile", "our-own-list")
    assert _make(root) == ""
    assert _ignored(root) == "our-own-list"


def test_make_leaves_a_linked_worktree_and_a_folder_outside_git_alone(tmp_path: Path) -> None:
    root = _checkout(tmp_path)
    (root / ".git-blame-ignore-revs").write_text("", encoding="utf-8")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "Start")
    _git(root, "worktree", "add", "-q", str(tmp_path / "linked"))
    assert _make(tmp_path / "linked") == ""
    assert _ignored(root) == ""
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(ROOT / "Makefile", plain / "Makefile")
    (plain / ".git-blame-ignore-revs").write_text("", encoding="utf-8")
    assert _make(plain) == ""
