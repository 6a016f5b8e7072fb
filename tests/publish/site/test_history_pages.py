"""History on the site: each case's audit trail, the changes page and its feed."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import TODAY, copy_project
from generator.config import load_config
from generator.publish.build import generate

CASE = "CH-2024-0003"


def _git(root: Path, *args: str, date: str = "2024-02-01T10:00:00+00:00",
         who: str = "Ana Analyst") -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": who, "GIT_AUTHOR_EMAIL": "ana@example.org",
           "GIT_COMMITTER_NAME": who, "GIT_COMMITTER_EMAIL": "ana@example.org",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The sample project in a git repository: all cases added, then one case moved on."""
    copy_project(tmp_path)
    path = tmp_path / "cases" / f"{CASE}.md"
    text = path.read_text(encoding="utf-8")
    # First commit: the case as it was at intake (its stage history says 2024-01-15).
    intake = text.replace("stage: incident-analysis", "stage: intake", 1)
    head, rest = intake.split("  - stage: incident-analysis", 1)
    intake = head + "incident:" + rest.split("\nincident:", 1)[1]
    path.write_text(intake, encoding="utf-8")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "Add the cases", date="2024-01-15T09:00:00+00:00")
    path.write_text(text, encoding="utf-8")
    _git(tmp_path, "commit", "-q", "-am", "Move CH-2024-0003 to incident analysis",
         date="2024-02-02T12:00:00+00:00", who="Sam Second")
    return tmp_path


def test_case_page_has_its_history(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    result = generate(config, today=TODAY)
    assert result.history is not None and result.history.status.value == "complete"
    page = (config.generated_dir / "cases" / f"{CASE}.md").read_text(encoding="utf-8")
    history = page.split("## History", 1)[1].split("## Narrative", 1)[0]
    assert "2 revisions" in history
    assert "by Sam Second" in history
    assert "Opened 2024\\-01\\-15" in history
    assert "<code>stage: intake -&gt; incident-analysis</code>" in history
    assert "the case was added, in stage intake" in history
    # Newest first.
    assert history.index("Move CH-2024-0003") < history.index("Add the cases")


def test_changes_page_and_feed(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    generate(config, today=TODAY)
    changes = (config.generated_dir / "changes" / "index.md").read_text(encoding="utf-8")
    rows = [line for line in changes.splitlines() if line.startswith("| 20")]
    assert rows[0].startswith("| 2024\\-02\\-02 | [CH\\-2024\\-0003](../cases/CH-2024-0003.md)")
    published = len(list((config.generated_dir / "cases").glob("*.md")))
    assert len(rows) == published + 1  # every published case added, one moved on
    feed = ET.fromstring((config.generated_dir / "changes" / "feed.xml").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == len(rows)
    first = entries[0]
    assert first.findtext(f"{atom}title") == f"{CASE}: Move CH-2024-0003 to incident analysis"
    assert first.find(f"{atom}link").get("href") == f"../cases/{CASE}/"  # type: ignore[union-attr]
    assert "stage: intake -> incident-analysis" in (first.findtext(f"{atom}summary") or "")


def test_stage_history_that_disagrees_with_git_is_a_warning(project: Path) -> None:
    path = project / "cases" / f"{CASE}.md"
    text = path.read_text(encoding="utf-8")
    # The file says the move happened on 2024-02-02; claim a date a month earlier.
    path.write_text(text.replace("date: 2024-02-02", "date: 2024-01-16", 1), encoding="utf-8")
    _git(project, "commit", "-q", "-am", "Backdate the move", date="2024-02-03T12:00:00+00:00")
    config = load_config(project / "mkdocs.yml")
    result = generate(config, today=TODAY)
    warnings = {d.path: d.message for d in result.corpus.diagnostics if d.code == "CB355"}
    assert warnings[f"cases/{CASE}.md"] == (
        "stage_history[1] says the case moved to incident-analysis on 2024-01-16, but git "
        "recorded the move on 2024-02-02")
    # Every other case was added to git on 2024-01-15 in the stage it is in now, so a
    # later date in its stage history for that stage contradicts the commit.
    assert warnings["cases/CH-2023-0001.md"] == (
        "stage_history[4] says the case moved to closed on 2024-09-30, but git has it in "
        "that stage since 2024-01-15")
    assert all(d.severity.value == "warning" for d in result.corpus.diagnostics)


def test_time_in_stage_uses_the_date_git_saw_the_move(project: Path) -> None:
    from generator.checks.corpus import load_corpus
    from generator.history.reader import read_history
    from generator.publish.site.facts import case_facts

    config = load_config(project / "mkdocs.yml")
    corpus = load_corpus(config, today=TODAY)
    history = read_history(config)
    record = next(f for f in corpus.files if f.rel == f"cases/{CASE}.md")
    assert record.case is not None
    facts = case_facts(record.case, record.body, TODAY, 60, history.for_file(record.path))
    # stage_history says 2024-02-02 and git recorded the move on 2024-02-02 too.
    assert facts.entered_stage.isoformat() == "2024-02-02"
    assert [s.start.isoformat() for s in facts.spans] == ["2024-01-15", "2024-02-02"]


def test_without_git_the_pages_say_so(tmp_path: Path) -> None:
    copy_project(tmp_path)
    config = load_config(tmp_path / "mkdocs.yml")
    result = generate(config, today=TODAY)
    assert result.history is not None and result.history.status.value == "missing"
    page = (config.generated_dir / "cases" / f"{CASE}.md").read_text(encoding="utf-8")
    assert "The change history is unavailable \\(not a git repository" in page
