"""The line that opens a case page's History: "Opened" is the case's own `opened`, and
the first commit is named as such, however long after the case was opened it came."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import FIXTURES, TODAY, copy_project
from generator.config import load_config
from generator.publish.build import generate

CASE = FIXTURES / "scenarios" / "valid-every-stage" / "CH-2024-0001.md"


def _history(project: Path) -> str:
    config = load_config(project / "mkdocs.yml")
    generate(config, today=TODAY)
    page = (config.generated_dir / "cases" / "CH-2024-0001.md").read_text(encoding="utf-8")
    return page.split("## History", 1)[1].split("## Narrative", 1)[0]


def _project(tmp_path: Path) -> Path:
    project = copy_project(tmp_path)
    shutil.rmtree(project / "cases")
    (project / "cases").mkdir()
    text = CASE.read_text(encoding="utf-8")
    assert "\nopened: 2024-02-01\n" in text
    (project / "cases" / CASE.name).write_text(text, encoding="utf-8")
    return project


def test_opened_is_the_case_s_date_and_the_first_commit_is_named(tmp_path: Path,
                                                                isolated_git: None) -> None:
    project = _project(tmp_path)
    date = "2026-11-20T10:00:00+00:00"  # the case was entered long after it was opened
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ana Analyst", "GIT_AUTHOR_EMAIL": "a@example.org",
           "GIT_COMMITTER_NAME": "Ana Analyst", "GIT_COMMITTER_EMAIL": "a@example.org",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    for command in (["init", "-q", "-b", "main"], ["add", "cases"],
                    ["commit", "-q", "-m", "Enter an old case"]):
        subprocess.run(["git", *command], cwd=project, env=env, check=True,
                       capture_output=True)
    history = _history(project)
    assert ("Opened 2024\\-02\\-01. First commit 2026\\-11\\-20 by Ana Analyst; last changed "
            "8 days ago (2026\\-11\\-20) by Ana Analyst; 1 revision.") in history, history


def test_opened_is_shown_without_any_history(tmp_path: Path) -> None:
    history = _history(_project(tmp_path))
    assert "The change history is unavailable" in history
    assert "Opened 2024\\-02\\-01.\n" in history
    assert "First commit" not in history
