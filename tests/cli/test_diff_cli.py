"""`casebook diff` from the command line: the format it picks for a person, for CI,
and as it is asked; run in this process, and once in a real terminal."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from terminal import in_terminal

from conftest import FIXTURES, invoke, shown

VALID = FIXTURES / "scenarios" / "valid-every-stage"
CI_VARIABLES = ("CI", "GITHUB_ACTIONS")


@pytest.fixture
def changed(repo: Path, isolated_git: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five cases committed on main, one of them closed in the working tree; not in CI."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for path in VALID.glob("*.md"):
        shutil.copy(path, repo / "cases" / path.name)
    env = {**os.environ, "GIT_AUTHOR_NAME": "Ana Analyst", "GIT_AUTHOR_EMAIL": "ana@example.org",
           "GIT_COMMITTER_NAME": "Ana Analyst", "GIT_COMMITTER_EMAIL": "ana@example.org"}
    for command in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-q", "-m", "Cases"]):
        subprocess.run(["git", *command], cwd=repo, env=env, check=True, capture_output=True)
    case = repo / "cases" / "CH-2024-0001.md"
    case.write_text(case.read_text(encoding="utf-8").replace(
        "title: Shelling of a market in an example town",
        "title: Shelling of a market in an example town (revised)"), encoding="utf-8")
    return repo


TEXT = """\
Case changes: main -> working tree
1 changed
changed  CH-2024-0001  Shelling of a market in an example town (revised)
    title: Shelling of a market in an example town -> Shelling of a market in an example town \
(revised)
"""


def test_diff_prints_text_for_a_person(changed: Path) -> None:
    result = invoke("diff", "main", cwd=changed)
    assert result.exit_code == 0, shown(result)
    assert result.stdout == TEXT, shown(result)
    assert "\\" not in result.stdout


@pytest.mark.parametrize("variable", CI_VARIABLES)
def test_diff_prints_markdown_in_ci(changed: Path, variable: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(variable, "true")
    result = invoke("diff", "main", cwd=changed)
    assert result.exit_code == 0, shown(result)
    assert result.stdout == """\
## Case changes: main → working tree

1 changed

### Other changes

- **CH-2024-0001** Shelling of a market in an example town (revised)
  - title: Shelling of a market in an example town -> Shelling of a market in an example town \
(revised)
""", shown(result)
    asked = invoke("diff", "main", "--format", "text", cwd=changed)
    assert asked.stdout == TEXT, shown(asked)


def test_diff_as_github_annotations(changed: Path) -> None:
    result = invoke("diff", "main", "--format", "github", cwd=changed)
    assert result.exit_code == 0, shown(result)
    assert result.stdout.splitlines() == [
        "Case changes: main -> working tree: 1 changed",
        "::notice file=cases/CH-2024-0001.md,title=CH-2024-0001 changed::Shelling of a market "
        "in an example town (revised)%0Atitle: Shelling of a market in an example town -> "
        "Shelling of a market in an example town (revised)",
    ], shown(result)


def test_diff_prints_text_in_a_terminal_even_in_ci(changed: Path) -> None:
    shown_text = in_terminal(["diff", "main"], changed, env={"CI": "true"})
    assert shown_text == TEXT, shown_text
