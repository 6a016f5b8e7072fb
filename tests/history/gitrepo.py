"""Real git repositories for the history tests: fixed people, dates and case files,
and the answers `git log --follow` gives to check the history against."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from conftest import MKDOCS_YML
from generator.config import load_config
from generator.history.reader import (
    Commit,
    FieldChange,
    History,
    read_history,
)


class Person(NamedTuple):
    name: str
    email: str


ALICE = Person("Alice Okafor", "alice@example.org")
BOB = Person("Bob Lindqvist", "bob@example.org")
CAROL = Person("Carol Núñez", "carol@example.org")
"""A non-ASCII author name: git's output is UTF-8 and must be read as such."""

BODY = """## Summary

This is a fictional sample case; the people, places and events in it are invented.
"""


def case(case_id: str, **replace: Any) -> dict[str, Any]:
    """Small but realistic front matter for one case; keyword arguments replace keys."""
    front: dict[str, Any] = {
        "id": case_id,
        "title": f"Reported air strike on a farming settlement in Example State ({case_id})",
        "opened": "2024-01-09",
        "stage": "intake",
        "status": "open",
        "assignee": "tnguyen",
        "incident": {"date": "2024-01-03", "country": "NGA",
                     "place": "Millet Farm Settlement (fictional)"},
        "harm": {"killed": 3, "injured": None},
        "weapons": [{"type": "guided bomb", "us_origin": "likely"}],
        "sources": [{"key": "S1", "type": "media", "publisher": "Example Northern Times"}],
        "tags": ["air-strike", "single-source"],
    }
    front.update(replace)
    return front


def render(front: dict[str, Any], body: str = BODY) -> str:
    text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=1000)
    return f"---\n{text}---\n{body}"


def when(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def added(front: dict[str, Any]) -> list[FieldChange]:
    """The changes of the commit that created a file: every top-level key, from nothing."""
    return [FieldChange(key, None, value) for key, value in front.items()]


def expected(sha: str, who: Person, date: str, subject: str, path: str,
             changes: list[FieldChange] | tuple[FieldChange, ...] = (), *,
             committed: str | None = None, co_authors: tuple[str, ...] = (),
             created: bool = False) -> Commit:
    return Commit(hash=sha, author=who.name, email=who.email, date=when(date),
                  committed=when(committed or date), subject=subject, path=path,
                  changes=tuple(changes), co_authors=co_authors, created=created)


class GitRepo:
    """A throw-away git repository driven through the `git` command."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def create(cls, root: Path, *, mkdocs: bool = True) -> GitRepo:
        root.mkdir(parents=True, exist_ok=True)
        repo = cls(root)
        repo.git("init", "-q", "-b", "main")
        repo.git("config", "commit.gpgsign", "false")
        if mkdocs:
            (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
        (root / "cases").mkdir(exist_ok=True)
        return repo

    def git(self, *args: str, who: Person = ALICE, date: str = "2024-01-01T12:00:00+00:00",
            committer: Person | None = None, committed: str | None = None) -> str:
        by = committer or who
        env = {**os.environ,
               "GIT_AUTHOR_NAME": who.name, "GIT_AUTHOR_EMAIL": who.email,
               "GIT_AUTHOR_DATE": date,
               "GIT_COMMITTER_NAME": by.name, "GIT_COMMITTER_EMAIL": by.email,
               "GIT_COMMITTER_DATE": committed or date}
        result = subprocess.run(["git", *args], cwd=self.root, env=env,
                                capture_output=True, check=False)
        assert result.returncode == 0, (args, result.stderr.decode("utf-8", "replace"))
        return result.stdout.decode("utf-8")

    def write(self, rel: str, front: dict[str, Any], body: str = BODY) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(front, body), encoding="utf-8")

    def commit(self, message: str, *, who: Person, date: str,
               committer: Person | None = None, committed: str | None = None) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, who=who, date=date,
                 committer=committer, committed=committed)
        return self.rev("HEAD")

    def rev(self, ref: str) -> str:
        return self.git("rev-parse", ref).strip()

    def follow(self, path: str, *, merges: bool = False, copies: bool = False) -> list[str]:
        """`git log --follow` of one file, newest first.

        Merge commits only when asked for. `--follow` also looks for copies (it
        runs with find-copies-harder), so a new case file that resembles an
        existing one continues into that one's history; unless `copies` is set,
        the list stops at the commit that git reads as such a copy (status C).
        """
        out = self.git("-c", "core.quotePath=false", "log", "--follow", "--name-status",
                       "--format=%x1e%H %P", "--", path)
        shas: list[str] = []
        for record in out.split("\x1e")[1:]:
            head, *status = [line for line in record.splitlines() if line.strip()]
            row = head.split()
            if merges or len(row) <= 2:
                shas.append(row[0])
            if not copies and status and status[0].startswith("C"):
                break
        return shas

    def tracked_cases(self) -> set[str]:
        out = self.git("-c", "core.quotePath=false", "ls-files", "-z", "--", "cases")
        return {p for p in out.split("\0") if p.endswith(".md")}

    def history(self) -> History:
        return read_history(load_config(start=self.root))


def assert_matches_git(repo: GitRepo, history: History) -> None:
    """Every case at HEAD, and nothing else, with the commits `git log --follow` gives."""
    assert set(history.cases) == repo.tracked_cases()
    for path, case_history in history.cases.items():
        assert case_history.path == path
        assert [c.hash for c in case_history.commits] == repo.follow(path), path



P1 = "cases/CH-2024-0001.md"
P2 = "cases/CH-2024-0002.md"
