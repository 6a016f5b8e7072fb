"""`casebook history` and `casebook blame` on a real git repository, run in this process."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import MKDOCS_YML, invoke, shown

CASE_V1 = """---
id: CH-2024-0001
title: Example strike
stage: intake
harm:
  killed: 3
weapons:
  - {category: rocket, us_origin: likely}
---
Fictional.
"""
CASE_V2 = CASE_V1.replace("stage: intake", "stage: incident-analysis").replace(
    "killed: 3", "killed: {min: 3, max: 7}")


def _git(root: Path, *args: str, who: str, date: str) -> None:
    name, email = who.split("|")
    env = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def _rev(root: Path, ref: str) -> str:
    return subprocess.run(["git", "rev-parse", ref], cwd=root, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (tmp_path / "cases").mkdir()
    case = tmp_path / "cases" / "CH-2024-0001.md"
    case.write_text(CASE_V1, encoding="utf-8")
    ana, sam = "Ana Analyst|ana@example.org", "Sam Second|sam@example.org"
    _git(tmp_path, "init", "-q", "-b", "main", who=ana, date="2024-02-01T10:00:00+00:00")
    _git(tmp_path, "add", ".", who=ana, date="2024-02-01T10:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "Open CH-2024-0001", who=ana,
         date="2024-02-01T10:00:00+00:00")
    case.write_text(CASE_V2, encoding="utf-8")
    _git(tmp_path, "commit", "-q", "-am", "Move to incident analysis", who=sam,
         date="2024-02-05T09:30:00+00:00")
    return tmp_path


def test_history_json(repo: Path) -> None:
    result = invoke("history", "CH-2024-0001", "--format", "json", cwd=repo)
    assert result.exit_code == 0, shown(result)
    document = json.loads(result.stdout)
    assert document["id"] == "CH-2024-0001"
    assert document["path"] == "cases/CH-2024-0001.md"
    newest, oldest = document["commits"]
    assert newest == {
        "hash": _rev(repo, "HEAD"), "author": "Sam Second", "email": "sam@example.org",
        "date": "2024-02-05T09:30:00+00:00", "subject": "Move to incident analysis",
        "path": "cases/CH-2024-0001.md",
        "changes": [
            {"field": "stage", "old": "intake", "new": "incident-analysis"},
            {"field": "harm.killed", "old": 3, "new": {"min": 3, "max": 7}},
        ],
    }
    assert oldest["hash"] == _rev(repo, "HEAD~1")
    assert oldest["author"] == "Ana Analyst"
    assert {"field": "stage", "old": None, "new": "intake"} in oldest["changes"]


def test_history_text(repo: Path) -> None:
    result = invoke("history", "CH-2024-0001", cwd=repo)
    assert result.exit_code == 0, shown(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "CH-2024-0001  cases/CH-2024-0001.md  (2 commits)", shown(result)
    short = _rev(repo, "HEAD")[:8]
    assert f"2024-02-05  {short}  Sam Second  Move to incident analysis" in lines, shown(result)
    assert "    stage: intake -> incident-analysis" in lines, shown(result)
    assert "    harm.killed: 3 -> {min: 3, max: 7}" in lines, shown(result)
    assert "\x1b[" not in result.stdout, shown(result)  # no colours when not writing to a terminal


def test_blame_maps_lines_to_fields(repo: Path) -> None:
    result = invoke("blame", "CH-2024-0001", cwd=repo)
    assert result.exit_code == 0, shown(result)
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    head, first = _rev(repo, "HEAD")[:8], _rev(repo, "HEAD~1")[:8]
    assert f"{head}  2024-02-05  Sam Second" in rows["stage"], shown(result)
    assert f"{head}  2024-02-05  Sam Second" in rows["harm.killed"], shown(result)
    assert rows["harm.killed"].endswith("{min: 3, max: 7}"), shown(result)
    assert f"{first}  2024-02-01  Ana Analyst" in rows["title"], shown(result)
    # A mapping written on one line is one value, as it is edited.
    assert f"{first}  2024-02-01  Ana Analyst" in rows["weapons[0]"], shown(result)


def test_blame_one_field_and_uncommitted_lines(repo: Path) -> None:
    case = repo / "cases" / "CH-2024-0001.md"
    case.write_text(CASE_V2.replace("Example strike", "Example strike, revised"),
                    encoding="utf-8")
    result = invoke("blame", "CH-2024-0001", "--field", "title", cwd=repo)
    assert result.exit_code == 0, shown(result)
    assert result.stdout.splitlines() == [
        "title  not committed yet  Example strike, revised"], shown(result)
    missing = invoke("blame", "CH-2024-0001", "--field", "nothing", cwd=repo)
    assert missing.exit_code == 2, shown(missing)
    assert "has no field nothing" in missing.stderr, shown(missing)


def test_unknown_case_and_no_git(tmp_path_factory: pytest.TempPathFactory, repo: Path) -> None:
    result = invoke("history", "CH-2099-0001", cwd=repo)
    assert result.exit_code == 2, shown(result)
    assert "no case CH-2099-0001" in result.stderr, shown(result)
    plain = tmp_path_factory.mktemp("plain")  # outside the repository above
    (plain / "cases").mkdir(parents=True)
    (plain / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (plain / "cases" / "CH-2024-0001.md").write_text(CASE_V1, encoding="utf-8")
    history = invoke("history", "CH-2024-0001", cwd=plain)
    assert history.exit_code == 0, shown(history)
    assert "history is missing" in history.stderr, shown(history)
    assert "(0 commits)" in history.stdout, shown(history)
    blame = invoke("blame", "CH-2024-0001", cwd=plain)
    assert blame.exit_code == 2, shown(blame)
    assert "not a git repository" in blame.stderr, shown(blame)
