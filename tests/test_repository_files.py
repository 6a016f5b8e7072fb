"""The files that run casebook elsewhere (pre-commit, CI workflows) name real commands.

The workflows cannot run here; parsing them and checking what they call is
the next best thing.
"""

from __future__ import annotations

import shlex

import yaml

from conftest import ROOT
from generator.cli.main import cli
from generator.config import Settings


def _yaml(path: str) -> object:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def _commands(text: str) -> list[list[str]]:
    """The casebook invocations in a shell script, as argument lists."""
    found = []
    for line in text.splitlines():
        words = shlex.split(line.split(">>")[0], comments=True)
        for i, word in enumerate(words):
            if word.endswith("casebook"):
                found.append(words[i + 1:])
    return found


def test_pre_commit_hooks_call_existing_commands() -> None:
    hooks = _yaml(".pre-commit-hooks.yaml")
    assert isinstance(hooks, list)
    assert {h["id"] for h in hooks} == {"casebook-validate", "casebook-fmt"}
    for hook in hooks:
        program, command = hook["entry"].split()
        assert program == "casebook" and command in cli.commands
        assert hook["files"] == r"^cases/.*\.md$"
    local = _yaml(".pre-commit-config.yaml")
    assert isinstance(local, dict)
    ids = [h["id"] for repo in local["repos"] for h in repo["hooks"]]
    assert ids == ["casebook-fmt", "casebook-validate"]


def test_pull_request_workflow_validates_against_the_base_and_summarises() -> None:
    workflow = _yaml(".github/workflows/pull-request.yml")
    assert isinstance(workflow, dict)
    assert "pull_request" in workflow[True]  # YAML 1.1 reads the key `on` as true
    steps = workflow["jobs"]["check"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = "\n".join(s.get("run", "") for s in steps)
    commands = _commands(runs)
    assert ["validate", "--base", "origin/${{ github.base_ref }}", "--format", "github"] \
        in commands
    assert ["diff", "origin/${{ github.base_ref }}", "--format", "markdown"] in commands
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs
    for command in commands:
        assert command[0] in cli.commands, command


def test_site_workflow_builds_with_full_history_and_keeps_the_site() -> None:
    workflow = _yaml(".github/workflows/site.yml")
    assert isinstance(workflow, dict)
    assert workflow[True]["push"]["branches"] == ["main"]
    steps = workflow["jobs"]["build"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    commands = _commands("\n".join(s.get("run", "") for s in steps))
    assert ["build", "--profile", "internal"] in commands
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "site/"
    # The history cache is restored before the build, from where the build keeps it.
    cache = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/cache"))
    build = next(i for i, s in enumerate(steps) if "casebook build" in s.get("run", ""))
    assert cache < build
    assert steps[cache]["with"]["path"] == Settings().cache_dir


def test_pull_request_template_asks_for_sources_and_reasoning() -> None:
    text = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert "**Sources**" in text and "**Reasoning**" in text
