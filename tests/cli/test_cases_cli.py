"""`casebook new`, and how `history` and `blame` find the case they are given, run in
this process (and once in a real terminal, for the questions `new` asks)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from terminal import in_terminal

from conftest import FIXTURES, ROOT, invoke, shown
from generator.records.frontmatter import BODY_PLACEHOLDER

TODAY = "2026-11-28"
VALID = FIXTURES / "scenarios" / "valid-every-stage"


def _front(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------
# casebook new


def test_new_refuses_every_value_the_case_cannot_hold_and_writes_nothing(repo: Path) -> None:
    result = invoke("new", "--title", "A strike", "--country", "sudan", "--by", "j doe",
                    "--sensitivity", "amber", "--incident-date", "2026-12", "--today", TODAY,
                    cwd=repo)
    assert result.exit_code == 2, shown(result)
    assert result.stderr.splitlines() == [
        "casebook: --country: 'sudan' is not an ISO 3166-1 alpha-3 country code (did you "
        "mean SDN (Sudan)?)",
        "casebook: --incident-date: '2026-12' is after today (2026-11-28)",
        "casebook: --by: 'j doe' is not a user handle (for example jdoe)",
        "casebook: --sensitivity: 'amber' is not one of CLEAR, GREEN, AMBER, AMBER+STRICT, "
        "RED (did you mean AMBER?)",
    ], shown(result)
    assert result.stdout == ""
    assert list((repo / "cases").iterdir()) == []


def test_new_writes_the_incident_date_and_who_logged_the_case(repo: Path) -> None:
    result = invoke("new", "--title", "Strike on a market", "--country", "SDN",
                    "--incident-date", "2026-11-02~", "--by", "kfarah", "--source-type",
                    "civil-society", "--today", TODAY, cwd=repo)
    assert result.exit_code == 0, shown(result)
    assert result.stdout == "cases/CH-2026-0001.md\n"
    data = _front(repo / "cases" / "CH-2026-0001.md")
    assert data["incident"]["country"] == "SDN"  # type: ignore[index]
    assert data["incident"]["date"] == "2026-11-02~"  # type: ignore[index]
    assert data["stage_history"][0]["by"] == "kfarah"  # type: ignore[index]
    assert data["sources"][0]["type"] == "civil-society"  # type: ignore[index]
    assert "assignee" not in data
    with_assignee = invoke("new", "--assignee", "asmith", "--today", TODAY, cwd=repo)
    assert with_assignee.exit_code == 0, shown(with_assignee)
    data = _front(repo / "cases" / "CH-2026-0002.md")
    assert (data["assignee"], data["stage_history"][0]["by"]) == ("asmith", "asmith")  # type: ignore[index]


def test_validate_reports_each_placeholder_left_in_the_body_with_its_line(repo: Path) -> None:
    made = invoke("new", "--title", "Strike on a market", "--country", "SDN",
                  "--incident-date", "2026-11-02", "--by", "kfarah", "--source-url",
                  "https://example.org/report", "--source-title", "Market struck",
                  "--today", TODAY, cwd=repo)
    assert made.exit_code == 0, shown(made)
    path = repo / "cases" / "CH-2026-0001.md"
    text = path.read_text(encoding="utf-8").replace("TODO Where the case came from",
                                                    "Logged from a media report.")
    path.write_text(text, encoding="utf-8")
    lines = text.split("\n")
    marked = [(n, line.index(BODY_PLACEHOLDER) + 1) for n, line in enumerate(lines, start=1)
              if BODY_PLACEHOLDER in line]
    result = invoke("validate", "--today", TODAY, cwd=repo)
    assert result.exit_code == 1, shown(result)
    reported = [line.split(": error ")[0] for line in result.stdout.splitlines()[:-1]]
    assert reported == [f"cases/CH-2026-0001.md:{n}:{c}" for n, c in marked], shown(result)
    assert len(marked) == 3
    assert "the Summary section still holds the placeholder '[TODO] What happened" \
        in result.stdout
    assert result.stdout.splitlines()[-1] == "1 case, 3 errors, 0 warnings"
    path.write_text(text.replace(f"{BODY_PLACEHOLDER} ", ""), encoding="utf-8")
    clean = invoke("validate", "--today", TODAY, cwd=repo)
    assert clean.exit_code == 0, shown(clean)


def test_new_in_a_terminal_asks_and_asks_again_for_a_value_it_cannot_take(repo: Path) -> None:
    shown_text = in_terminal(["new", "--today", TODAY], repo, answers=[
        "Strike on a market", "sudan", "SDN", "2026-11-02", "", "", "kfarah", ""])
    assert "'sudan' is not an ISO 3166-1 alpha-3 country code (did you mean SDN (Sudan)?)" \
        in shown_text, shown_text
    assert shown_text.count("Country (ISO 3166-1 alpha-3):") == 2, shown_text
    assert "Assignee's handle [kfarah]:" in shown_text, shown_text
    assert "cases/CH-2026-0001.md" in shown_text, shown_text
    data = _front(repo / "cases" / "CH-2026-0001.md")
    assert data["title"] == "Strike on a market"
    assert data["incident"]["country"] == "SDN"  # type: ignore[index]
    assert (data["assignee"], data["stage_history"][0]["by"]) == ("kfarah", "kfarah")  # type: ignore[index]


# --------------------------------------------------------------------------
# Naming a case: an id, a lower-case id, a file name or a path


@pytest.fixture
def committed(repo: Path, isolated_git: None) -> Path:
    """The repository with the five valid cases, one of them in a sub-folder, committed."""
    for path in VALID.glob("*.md"):
        shutil.copy(path, repo / "cases" / path.name)
    (repo / "cases" / "2024").mkdir()
    (repo / "cases" / "CH-2024-0005.md").rename(repo / "cases" / "2024" / "CH-2024-0005.md")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ana Analyst", "GIT_AUTHOR_EMAIL": "ana@example.org",
           "GIT_COMMITTER_NAME": "Ana Analyst", "GIT_COMMITTER_EMAIL": "ana@example.org"}
    for command in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "Cases"]):
        subprocess.run(["git", *command], cwd=repo, env=env, check=True, capture_output=True)
    return repo


@pytest.mark.parametrize(("named", "cwd"), [
    ("CH-2024-0001", "."), ("ch-2024-0001", "."), ("CH-2024-0001.md", "."),
    ("cases/CH-2024-0001.md", "."), ("./cases/CH-2024-0001.md", "."),
    ("CH-2024-0001.md", "cases"), ("../cases/CH-2024-0001.md", "cases"),
])
def test_history_and_blame_take_an_id_or_a_path(committed: Path, named: str, cwd: str) -> None:
    where = committed / cwd
    history = invoke("history", named, "--format", "json", cwd=where)
    assert history.exit_code == 0, shown(history)
    found = json.loads(history.stdout)
    assert (found["id"], found["path"]) == ("CH-2024-0001", "cases/CH-2024-0001.md")
    assert len(found["commits"]) == 1
    blame = invoke("blame", named, "--field", "title", cwd=where)
    assert blame.exit_code == 0, shown(blame)
    assert blame.stdout.startswith("title  "), shown(blame)
    assert "Ana Analyst" in blame.stdout, shown(blame)


def test_an_id_is_found_in_a_sub_folder_and_an_absolute_path_is_taken(committed: Path) -> None:
    by_id = invoke("history", "ch-2024-0005", "--format", "json", cwd=committed)
    assert by_id.exit_code == 0, shown(by_id)
    assert json.loads(by_id.stdout)["path"] == "cases/2024/CH-2024-0005.md"
    absolute = str(committed / "cases" / "2024" / "CH-2024-0005.md")
    by_path = invoke("blame", absolute, cwd=ROOT)
    assert by_path.exit_code == 0, shown(by_path)


@pytest.mark.parametrize("named", ["CH-2024-0009", "cases/CH-2024-0009.md", "ch-2024-001"])
def test_an_unknown_case_is_a_usage_error_with_the_closest_id(committed: Path,
                                                              named: str) -> None:
    result = invoke("blame", named, cwd=committed)
    assert result.exit_code == 2, shown(result)
    assert result.stderr.startswith(f"casebook: no case {named} (looked for "), shown(result)
    assert "did you mean CH-2024-000" in result.stderr, shown(result)
