"""Comparing two versions of the knowledge base (generator/review/compare.py).

Every test builds a real git repository: a `main` branch holding five valid
cases, one in each stage (copied from tests/fixtures/scenarios/valid-every-stage),
and feature branches that change them. Each transition rule is checked both
passing and failing, with its exact code, line, column and message.

Lines of the base cases, which the positions below refer to:
- CH-2024-0001 (intake): id 2, opened 4, stage 5, stage_history 9, entries from 10
  (four lines each: stage, date, by, note), incident 14;
- CH-2024-0002 (incident-analysis): entries at 10 and 14, incident 18;
- CH-2024-0003 (policy-impact-assessment): entries at 10, 14, 18, incident 22;
- CH-2024-0004 (coordinated-action): entries at 10, 14, 18, 22;
- CH-2024-0005 (closed, withdrawn): stage 5, entries at 9 and 13, incident 17.
A value written `key: value` at the start of a line is at column len(key) + 3; the
key of an entry, `  - stage: ...`, is at column 5 and its value at column 12.
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import git
import pytest

from conftest import FIXTURES, MKDOCS_YML, TODAY, Golden
from generator.checks.corpus import load_corpus
from generator.config import Config, load_config
from generator.history.reader import FieldChange
from generator.records.diagnostics import Diagnostic
from generator.review.compare import (
    CaseChange,
    CompareError,
    Snapshot,
    _one_line,
    compare,
    default_format,
    fork_point,
    markdown_text,
    render_summary,
    snapshot_at,
    snapshot_of_worktree,
    summarize,
)

VALID = FIXTURES / "scenarios" / "valid-every-stage"
P1, P2, P3, P4, P5 = (f"cases/CH-2024-000{n}.md" for n in range(1, 6))
P6, P7 = "cases/CH-2024-0006.md", "cases/CH-2024-0007.md"


pytestmark = pytest.mark.usefixtures("isolated_git")


class KB:
    """A throw-away casebook repository driven through the `git` command."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ticks = 0

    def git(self, *args: str) -> str:
        self.ticks += 1
        date = f"2024-06-01T12:{self.ticks // 60:02d}:{self.ticks % 60:02d}+00:00"
        env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_AUTHOR_NAME": "Alice Okafor", "GIT_AUTHOR_EMAIL": "alice@example.org",
               "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_NAME": "Alice Okafor",
               "GIT_COMMITTER_EMAIL": "alice@example.org", "GIT_COMMITTER_DATE": date}
        result = subprocess.run(["git", *args], cwd=self.root, env=env, capture_output=True,
                                check=False)
        assert result.returncode == 0, (args, result.stderr.decode("utf-8", "replace"))
        return result.stdout.decode("utf-8")

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def edit(self, rel: str, *replacements: tuple[str, str]) -> None:
        text = self.read(rel)
        for old, new in replacements:
            assert old in text, (rel, old)
            text = text.replace(old, new, 1)
        self.write(rel, text)

    def mv(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-b", name, start)

    @property
    def config(self) -> Config:
        return load_config(start=self.root)

    def compare(self, head: str, base: str = "main") -> list[Diagnostic]:
        config = self.config
        return compare(snapshot_at(config, base), snapshot_at(config, head), config)


@pytest.fixture
def kb(tmp_path: Path) -> KB:
    """`main` holds CH-2024-0001 to CH-2024-0005, one case in each stage."""
    repo = KB(tmp_path / "kb")
    repo.root.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.write("mkdocs.yml", MKDOCS_YML)
    for n in range(1, 6):
        rel = f"cases/CH-2024-000{n}.md"
        repo.write(rel, (VALID / f"CH-2024-000{n}.md").read_text(encoding="utf-8"))
    repo.commit("Five cases")
    return repo


def entry(stage: str, date: str, note: str, by: str = "asmith") -> str:
    return f"  - stage: {stage}\n    date: {date}\n    by: {by}\n    note: {note}\n"


def move(kb: KB, rel: str, old: str, new: str, *entries: str) -> None:
    """Change the stage of a case and append stage_history entries."""
    kb.edit(rel, (f"\nstage: {old}\n", f"\nstage: {new}\n"),
            ("\nincident:\n", "\n" + "".join(entries) + "incident:\n"))


def d(path: str, line: int, column: int, code: str, message: str) -> tuple[Any, ...]:
    return (path, line, column, code, message)


def found(diagnostics: list[Diagnostic]) -> list[tuple[Any, ...]]:
    return [(x.path, x.line, x.column, x.code, x.message) for x in diagnostics]


# 1. Snapshots ---------------------------------------------------------------------------------


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """Every process GitPython starts, by its command line."""
    started: list[list[str]] = []
    real = git.cmd.safer_popen

    def counting(command: Any, *args: Any, **kwargs: Any) -> Any:
        started.append([str(part) for part in command])
        return real(command, *args, **kwargs)

    monkeypatch.setattr(git.cmd, "safer_popen", counting)
    yield started


def test_snapshot_at_reads_every_case_with_one_ls_tree_and_one_cat_file(
        kb: KB, processes: list[list[str]]) -> None:
    kb.branch("extra")
    kb.write("cases/2024/CH-2024-0006.md",
             kb.read(P1).replace("CH-2024-0001", "CH-2024-0006"))
    kb.write("cases/README.md", "# Cases\n")
    kb.write("cases/notes.txt", "not a case\n")
    kb.write("cases/CH-2024-0007.md", "---\nid: CH-2024-0007\ntitle: [unclosed\n---\nBody\n")
    (kb.root / "cases" / "link.md").symlink_to("CH-2024-0001.md")
    kb.write("elsewhere/CH-2024-0009.md", kb.read(P1))
    kb.commit("More files")
    kb.git("checkout", "-q", "main")  # the revision read is not the one checked out

    snapshot = snapshot_at(kb.config, "extra")

    assert [cmd[1] for cmd in processes] == ["cat-file", "ls-tree"]
    assert processes[0] == ["git", "cat-file", "--batch"]
    assert snapshot.ref == "extra"
    assert snapshot.commit == kb.git("rev-parse", "extra").strip()
    assert sorted(snapshot.files) == ["cases/2024/CH-2024-0006.md", P1, P2, P3, P4, P5, P7]
    moved = snapshot.files["cases/2024/CH-2024-0006.md"]
    assert moved.rel == "cases/2024/CH-2024-0006.md"
    assert moved.path == kb.root.resolve() / "cases" / "2024" / "CH-2024-0006.md"
    assert moved.case is not None and moved.case.id == "CH-2024-0006"
    assert moved.diagnostics == ()
    assert [f.case.stage.value for rel, f in sorted(snapshot.files.items())
            if f.case is not None and rel != moved.rel] == [
        "intake", "incident-analysis", "policy-impact-assessment", "coordinated-action",
        "closed"]
    broken = snapshot.files[P7]
    assert broken.case is None
    assert [(x.path, x.code) for x in broken.diagnostics] == [(P7, "CB102")]


def test_snapshot_at_with_the_casebook_in_a_subfolder(tmp_path: Path) -> None:
    outer = KB(tmp_path / "outer")
    outer.root.mkdir()
    outer.git("init", "-q", "-b", "main")
    outer.write("kb/mkdocs.yml", MKDOCS_YML)
    outer.write("kb/cases/CH-2024-0001.md", (VALID / "CH-2024-0001.md").read_text("utf-8"))
    outer.write("cases/CH-2024-0002.md", (VALID / "CH-2024-0002.md").read_text("utf-8"))
    outer.commit("A casebook in a subfolder")
    config = load_config(start=outer.root / "kb")
    snapshot = snapshot_at(config, "main")
    assert list(snapshot.files) == [P1]
    assert snapshot.files[P1].path == (outer.root / "kb" / P1).resolve()


def test_snapshot_at_refuses_unknown_revisions_and_folders_without_git(
        kb: KB, tmp_path: Path) -> None:
    with pytest.raises(CompareError) as err:
        snapshot_at(kb.config, "origin/nope")
    assert str(err.value) == ("unknown git revision 'origin/nope': no branch, tag or commit "
                              "has that name here (fetch it first?)")
    tree = kb.git("rev-parse", "HEAD^{tree}").strip()
    with pytest.raises(CompareError, match="unknown git revision"):
        snapshot_at(kb.config, tree)
    for bad in ("--output=x", "", "main\nHEAD", "main HEAD"):
        with pytest.raises(CompareError) as err:
            snapshot_at(kb.config, bad)
        assert str(err.value) == f"'{bad}' is not a git revision"

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    config = load_config(start=plain)
    with pytest.raises(CompareError) as err:
        snapshot_at(config, "main")
    assert str(err.value) == (f"{plain.resolve()} is not in a git repository, so there is no "
                              "'main' to compare with")

    empty = KB(tmp_path / "empty")
    empty.root.mkdir()
    empty.git("init", "-q", "-b", "main")
    with pytest.raises(CompareError, match="unknown git revision 'HEAD'"):
        snapshot_at(load_config(start=empty.root), "HEAD")


def test_snapshot_of_worktree_takes_the_loaded_cases(kb: KB, tmp_path: Path) -> None:
    kb.branch("feature")
    move(kb, P1, "intake", "incident-analysis")  # not committed: no entry (CB403)
    outside = tmp_path / "draft.md"
    outside.write_text(kb.read(P2), encoding="utf-8")
    config = kb.config
    corpus = load_corpus(config, extra=[outside], today=TODAY)

    head = snapshot_of_worktree(config, corpus)

    assert head.ref == "working tree"
    assert head.commit is None
    assert sorted(head.files) == [P1, P2, P3, P4, P5]
    assert head.files[P1] is next(f for f in corpus.files if f.rel == P1)
    assert found(compare(snapshot_at(config, "main"), head, config)) == [
        d(P1, 5, 8, "CB403", "the stage changed from intake to incident-analysis, but no "
          "stage_history entry was added: add one for incident-analysis with the date, who "
          "made the move and why"),
    ]
    assert not any(x.code.startswith("CB4") for x in corpus.diagnostics), \
        "compare returns its diagnostics; it never adds them to the corpus"


# 2. Stage transitions -------------------------------------------------------------------------


def test_every_allowed_change_passes(kb: KB) -> None:
    kb.branch("feature")
    move(kb, P1, "intake", "incident-analysis",
         entry("incident-analysis", "2024-02-10", "Remnants reported."))
    # Dated the same day as the entry before it: "on or after" allows it.
    move(kb, P2, "incident-analysis", "policy-impact-assessment",
         entry("policy-impact-assessment", "2024-02-10", "Harm found credible."))
    move(kb, P3, "policy-impact-assessment", "coordinated-action",
         entry("coordinated-action", "2024-04-01", "Recommendations agreed."))
    move(kb, P4, "coordinated-action", "closed",
         entry("closed", "2024-05-01", "Actions completed."))
    move(kb, P5, "closed", "incident-analysis",
         entry("incident-analysis", "2024-06-01", "A new witness statement names the unit."))
    kb.edit(P3, ("killed: 2", "killed:\n    min: 2\n    max: 5"),
            ("shelled [S1].", "shelled [S1]. Five bodies were recovered."))
    kb.write(P6, kb.read(P1).replace("CH-2024-0001", "CH-2024-0006"))
    kb.write(P7, kb.read(P1).replace("CH-2024-0001", "CH-2024-0007"))
    kb.commit("Every kind of allowed change")
    assert kb.compare("feature") == []


@pytest.mark.parametrize(("rel", "stage"), [
    (P1, "intake"), (P2, "incident-analysis"), (P3, "policy-impact-assessment"),
    (P4, "coordinated-action")])
def test_any_open_stage_may_close(kb: KB, rel: str, stage: str) -> None:
    kb.branch("feature")
    move(kb, rel, stage, "closed", entry("closed", "2024-06-01", "Out of scope."))
    kb.commit("Close")
    assert kb.compare("feature") == []


def test_cb401_a_stage_moves_forward_one_step_at_a_time(kb: KB) -> None:
    kb.branch("feature")
    move(kb, P1, "intake", "policy-impact-assessment",
         entry("policy-impact-assessment", "2024-03-01", "Harm found credible."))
    move(kb, P2, "incident-analysis", "coordinated-action",
         entry("coordinated-action", "2024-03-01", "Straight to action."))
    move(kb, P3, "policy-impact-assessment", "incident-analysis",
         entry("incident-analysis", "2024-04-01", "The finding was premature."))
    move(kb, P4, "coordinated-action", "intake", entry("intake", "2024-04-02", "Start over."))
    kb.commit("Skips and backward moves")
    assert found(kb.compare("feature")) == [
        d(P1, 5, 8, "CB401", "the stage moved from intake to policy-impact-assessment, "
          "skipping incident-analysis: a case moves forward one stage at a time, so move it "
          "to incident-analysis first"),
        d(P2, 5, 8, "CB401", "the stage moved from incident-analysis to coordinated-action, "
          "skipping policy-impact-assessment: a case moves forward one stage at a time, so "
          "move it to policy-impact-assessment first"),
        d(P3, 5, 8, "CB401", "the stage moved back from policy-impact-assessment to "
          "incident-analysis: a case moves forward one stage at a time, or to closed from "
          "any stage"),
        d(P4, 5, 8, "CB401", "the stage moved back from coordinated-action to intake: a case "
          "moves forward one stage at a time, or to closed from any stage"),
    ]


def test_cb401_names_every_skipped_stage(kb: KB) -> None:
    kb.branch("feature")
    move(kb, P1, "intake", "coordinated-action",
         entry("coordinated-action", "2024-03-01", "Straight to action."))
    kb.commit("Skip two stages")
    assert found(kb.compare("feature")) == [
        d(P1, 5, 8, "CB401", "the stage moved from intake to coordinated-action, skipping "
          "incident-analysis and policy-impact-assessment: a case moves forward one stage at "
          "a time, so move it to incident-analysis first"),
    ]


@pytest.mark.parametrize("stage", ["intake", "policy-impact-assessment", "coordinated-action"])
def test_cb402_a_closed_case_reopens_only_into_incident_analysis(kb: KB, stage: str) -> None:
    kb.branch("feature")
    move(kb, P5, "closed", stage, entry(stage, "2024-06-01", "New evidence."))
    kb.commit("Reopen")
    assert found(kb.compare("feature")) == [
        d(P5, 5, 8, "CB402", "a closed case can be reopened only into incident-analysis, not "
          f"into {stage}"),
    ]


def test_cb402_reopening_needs_a_new_entry_with_a_note(kb: KB) -> None:
    kb.branch("no-entry")
    move(kb, P5, "closed", "incident-analysis")
    kb.commit("Reopen without an entry")
    kb.branch("blank-note", "main")
    move(kb, P5, "closed", "incident-analysis", entry("incident-analysis", "2024-06-01", '" "'))
    kb.commit("Reopen with a blank note")

    assert found(kb.compare("no-entry")) == [
        d(P5, 5, 8, "CB402", "the case was reopened into incident-analysis without a new "
          "stage_history entry: add one whose note gives the reason for reopening"),
    ]
    assert found(kb.compare("blank-note")) == [
        d(P5, 20, 11, "CB402", "the stage_history entry that reopens the case has an empty "
          "note: give the reason for reopening"),
    ]


def test_cb403_a_stage_change_adds_exactly_one_entry_for_the_new_stage(kb: KB) -> None:
    kb.branch("feature")
    move(kb, P1, "intake", "incident-analysis")
    move(kb, P2, "incident-analysis", "policy-impact-assessment",
         entry("incident-analysis", "2024-02-20", "More remnants."),
         entry("policy-impact-assessment", "2024-03-01", "Harm found credible."))
    move(kb, P3, "policy-impact-assessment", "coordinated-action",
         entry("closed", "2024-04-01", "Recommendations agreed."))
    move(kb, P4, "coordinated-action", "closed",
         entry("closed", "2024-03-31", "Actions completed."))
    kb.commit("Entries missing, doubled, mislabelled and misdated")
    assert found(kb.compare("feature")) == [
        d(P1, 5, 8, "CB403", "the stage changed from intake to incident-analysis, but no "
          "stage_history entry was added: add one for incident-analysis with the date, who "
          "made the move and why"),
        d(P2, 18, 5, "CB403", "the stage changed from incident-analysis to "
          "policy-impact-assessment, but 2 stage_history entries were added "
          "(incident-analysis, policy-impact-assessment): add exactly one, for "
          "policy-impact-assessment"),
        d(P3, 22, 12, "CB403", "the new stage_history entry is for closed, but the case moved "
          "to coordinated-action: the entry records the move to coordinated-action"),
        d(P4, 27, 11, "CB403", "the new stage_history entry is dated 2024-03-31, before the "
          "entry above it (2024-04-01): a move is dated on or after the one before it"),
    ]


def test_cb403_no_entry_without_a_stage_change(kb: KB) -> None:
    kb.branch("feature")
    kb.edit(P2, ("\nincident:\n",
                 "\n" + entry("incident-analysis", "2024-02-20", "Second look.") + "incident:\n"))
    kb.edit(P3, ("\nincident:\n", "\n" + entry("incident-analysis", "2024-03-02", "Again.")
                 + entry("policy-impact-assessment", "2024-03-03", "And back.") + "incident:\n"))
    kb.commit("Entries without a move")
    assert found(kb.compare("feature")) == [
        d(P2, 18, 5, "CB403", "stage_history gained 1 entry, but the stage is still "
          "incident-analysis: add an entry only when the stage changes"),
        d(P3, 22, 5, "CB403", "stage_history gained 2 entries, but the stage is still "
          "policy-impact-assessment: add an entry only when the stage changes"),
    ]


# 3. The record of the past, and what never changes --------------------------------------------


def test_cb404_entries_on_the_base_are_never_edited_or_removed(kb: KB) -> None:
    kb.branch("feature")
    kb.edit(P2, ("note: Remnants reported.", "note: Remnants found."))
    kb.edit(P4, ("    date: 2024-02-01\n    by: jdoe",
                 "    date: 2024-02-02\n    by: asmith"))
    kb.edit(P3, (entry("incident-analysis", "2024-02-10", "Remnants reported."), ""))
    kb.commit("Rewrite the past")
    assert found(kb.compare("feature")) == [
        d(P2, 17, 11, "CB404", "stage_history[1] is on the base branch and was edited "
          "(stage_history[1].note: Remnants reported. -> Remnants found.): entries already on "
          "the base branch never change, so put it back as it was"),
        d(P3, 10, 3, "CB404", "stage_history has 2 entries, but 3 on the base branch: entries "
          "already on the base branch are never removed, so put them back"),
        d(P4, 11, 11, "CB404", "stage_history[0] is on the base branch and was edited "
          "(stage_history[0].date: 2024-02-01 -> 2024-02-02; stage_history[0].by: jdoe -> "
          "asmith): entries already on the base branch never change, so put it back as it was"),
    ]


def test_cb404_is_judged_on_values_not_on_quoting(kb: KB) -> None:
    kb.branch("feature")
    kb.edit(P2, ("note: Remnants reported.", "note: 'Remnants reported.'"),
            ("    by: asmith", '    by: "asmith"'))
    kb.commit("Quote two values")
    assert kb.compare("feature") == []


def test_cb405_id_and_opened_never_change(kb: KB) -> None:
    kb.branch("feature")
    kb.edit(P1, ("id: CH-2024-0001", "id: CH-2024-0009"))
    kb.edit(P2, ("opened: 2024-02-01", "opened: 2024-02-02"))
    kb.commit("Change what never changes")
    assert found(kb.compare("feature")) == [
        d(P1, 2, 5, "CB405", "the id changed from CH-2024-0001 to CH-2024-0009: a case's id "
          "never changes, so put back CH-2024-0001"),
        d(P2, 4, 9, "CB405", "opened changed from 2024-02-01 to 2024-02-02: the date a case "
          "was opened never changes, so put back 2024-02-01"),
    ]


def test_cb406_a_case_file_is_never_deleted_or_renamed(kb: KB) -> None:
    kb.branch("feature")
    kb.git("rm", "-q", P4)
    kb.mv(P3, "cases/2024/CH-2024-0003.md")
    kb.commit("Delete one case, move another")
    assert found(kb.compare("feature")) == [
        d("cases/2024/CH-2024-0003.md", 2, 5, "CB406", "case CH-2024-0003 was moved from "
          "cases/CH-2024-0003.md to cases/2024/CH-2024-0003.md: a case file is never renamed "
          "or moved, so keep it at cases/CH-2024-0003.md (to retire the case, close it "
          "instead)"),
        d(P4, 1, 1, "CB406", "case CH-2024-0004 (cases/CH-2024-0004.md) was deleted: a case "
          "is never deleted; restore the file and close the case instead (stage: closed, with "
          "a closure_reason)"),
    ]


def test_cb406_a_moved_case_is_still_held_to_the_transition_rules(kb: KB) -> None:
    kb.branch("feature")
    kb.mv(P2, "cases/old.md")
    kb.edit("cases/old.md", ("\nstage: incident-analysis\n", "\nstage: intake\n"))
    kb.commit("Move and demote")
    assert [(x.path, x.code) for x in kb.compare("feature")] == [
        ("cases/old.md", "CB406"), ("cases/old.md", "CB401"), ("cases/old.md", "CB403")]


# 4. Ids of new cases --------------------------------------------------------------------------


def new_case(kb: KB, rel: str, case_id: str, *, title: str = "", by: str = "jdoe") -> None:
    """A new valid case at `rel` with the id `case_id`, written from CH-2024-0001."""
    text = (VALID / "CH-2024-0001.md").read_text(encoding="utf-8")
    year = case_id.split("-")[1]
    text = text.replace("CH-2024-0001", case_id).replace("2024-02-01", f"{year}-02-01")
    text = text.replace("incident:\n  date: 2024-01-20", f"incident:\n  date: {year}-01-20")
    text = text.replace("    by: jdoe", f"    by: {by}", 1)
    if title:
        text = re.sub(r"^title: .*$", f"title: {title}", text, count=1, flags=re.MULTILINE)
    kb.write(rel, text)


def test_cb407_a_new_case_never_takes_an_id_of_the_base(kb: KB) -> None:
    kb.branch("feature")
    new_case(kb, "cases/CH-2024-0002 copy.md", "CH-2024-0002")
    kb.commit("A copy of a case")
    assert found(kb.compare("feature")) == [
        d("cases/CH-2024-0002 copy.md", 2, 5, "CB407", "CH-2024-0002 is the id of "
          "cases/CH-2024-0002.md on the base branch, and an id is never reused: give "
          "cases/CH-2024-0002 copy.md the next free id, CH-2024-0006"),
    ]


def test_cb408_new_cases_take_the_next_free_numbers(kb: KB) -> None:
    kb.branch("good")
    new_case(kb, P6, "CH-2024-0006")
    new_case(kb, P7, "CH-2024-0007")
    new_case(kb, "cases/CH-2025-0001.md", "CH-2025-0001")
    kb.commit("Three new cases, numbered in turn")
    assert kb.compare("good") == []

    kb.branch("gaps", "main")
    new_case(kb, P6, "CH-2024-0006")
    new_case(kb, "cases/CH-2024-0009.md", "CH-2024-0009")
    new_case(kb, "cases/CH-2025-0002.md", "CH-2025-0002")
    new_case(kb, "cases/new-case.md", "CH-2024-0006")
    kb.commit("New cases with gaps and a number taken twice")
    assert found(kb.compare("gaps")) == [
        d("cases/CH-2024-0009.md", 2, 5, "CB408", "rename cases/CH-2024-0009.md: CH-2024-0009 "
          "is not the next free number for 2024 on the base branch, whose last 2024 case is "
          "CH-2024-0005; the next free id is CH-2024-0008"),
        d("cases/CH-2025-0002.md", 2, 5, "CB408", "rename cases/CH-2025-0002.md: CH-2025-0002 "
          "is not the next free number for 2025 on the base branch, which has no case from "
          "2025; the next free id is CH-2025-0001"),
        d("cases/new-case.md", 2, 5, "CB408", "rename cases/new-case.md: CH-2024-0006 is also "
          "taken by cases/CH-2024-0006.md in this change; the next free id is CH-2024-0007"),
    ]


def test_id_clash_between_two_branches(kb: KB) -> None:
    """A and B both start from main and both add CH-2024-0006; A is merged first."""
    kb.branch("a")
    new_case(kb, P6, "CH-2024-0006", title="Strike on a water station in an example town")
    kb.commit("A: new case")
    kb.branch("b", "main")
    new_case(kb, P6, "CH-2024-0006", title="Drone strike on a wedding convoy", by="bob")
    kb.commit("B: new case")
    assert kb.compare("a") == []
    assert kb.compare("b") == []  # each is right against the main it started from
    kb.git("checkout", "-q", "main")
    kb.git("merge", "-q", "--no-ff", "-m", "Merge a", "a")

    clash = [d(P6, 2, 5, "CB408", "rename cases/CH-2024-0006.md: CH-2024-0006 is taken on the "
               "base branch; the next free id is CH-2024-0007")]
    assert found(kb.compare("b")) == clash
    config = kb.config
    base, head = snapshot_at(config, "main"), snapshot_at(config, "b")
    origin = fork_point(config, base, "b")
    assert origin is not None
    assert origin.commit == kb.git("merge-base", "main", "b").strip()
    assert found(compare(base, head, config, origin=origin)) == clash

    # B follows the message and passes; once it has merged main, also without the fork point.
    kb.git("checkout", "-q", "b")
    kb.mv(P6, P7)
    kb.edit(P7, ("id: CH-2024-0006", "id: CH-2024-0007"))
    kb.commit("B: renumber")
    head = snapshot_at(config, "b")
    assert compare(base, head, config, origin=fork_point(config, base, "b")) == []
    kb.git("merge", "-q", "-m", "Merge main", "main")
    assert kb.compare("b") == []


def test_fork_point_leaves_out_what_the_base_gained_since(kb: KB) -> None:
    """Main moves on after B branched: its new cases and moves are not B's doing."""
    kb.branch("b")
    kb.edit(P2, ("attribution: likely", "attribution: acknowledged"))
    new_case(kb, P6, "CH-2024-0006", title="Drone strike on a wedding convoy", by="bob")
    kb.commit("B: revise the attribution, add a case")
    kb.git("checkout", "-q", "main")
    new_case(kb, P6, "CH-2024-0006", title="Strike on a water station in an example town")
    new_case(kb, P7, "CH-2024-0007")
    move(kb, P1, "intake", "incident-analysis",
         entry("incident-analysis", "2024-02-10", "Remnants reported."))
    kb.git("rm", "-q", P5)  # a mistake on main: not B's to answer for
    kb.commit("Main: two cases, a move, a deletion")

    config = kb.config
    base, head = snapshot_at(config, "main"), snapshot_at(config, "b")
    origin = fork_point(config, base, "b")
    assert origin is not None and origin.ref == "merge base of main and b"
    assert found(compare(base, head, config, origin=origin)) == [
        d(P6, 2, 5, "CB408", "rename cases/CH-2024-0006.md: CH-2024-0006 is taken on the base "
          "branch; the next free id is CH-2024-0008"),
    ]
    summary = summarize(base, head, origin=origin)
    assert [(c.id, c.kind) for c in summary.changes] == [
        ("CH-2024-0002", "changed"), ("CH-2024-0006", "new")]
    assert summary.changes[0].changes == [
        FieldChange("incident.attribution", "likely", "acknowledged")]

    # Without the fork point, main's later work reads as B undoing it.
    assert [(x.path, x.code) for x in compare(base, head, config)] == [
        (P1, "CB401"), (P1, "CB404"), (P5, "CB408"), (P6, "CB408"), (P7, "CB406")]

    # A branch that holds all of main has main itself as merge base: nothing more to know.
    kb.branch("c", "main")
    kb.edit(P2, ("attribution: likely", "attribution: acknowledged"))
    kb.commit("C: revise the attribution")
    assert fork_point(config, base, "c") is None
    assert fork_point(config, snapshot_of_worktree(config, load_corpus(config)), "b") is None
    with pytest.raises(CompareError, match="unknown git revision 'nope'"):
        fork_point(config, base, "nope")


def test_files_that_fail_to_load_are_left_to_validate(kb: KB) -> None:
    kb.branch("feature")
    kb.edit(P1, ("stage: intake", "stage: coordinated-action"),
            ("title: Shelling", "title: [Shelling"))
    kb.edit(P3, ("stage: policy-impact-assessment", "stage: intake"),
            ("sensitivity: CLEAR", "sensitivity: PINK"))
    kb.write("cases/CH-2024-0042.md", "---\nid: CH-2024-0042\n---\nNot much yet.\n")
    kb.commit("Broken files")
    assert kb.compare("feature") == []

    # The summary still says what it can read.
    config = kb.config
    summary = summarize(snapshot_at(config, "main"), snapshot_at(config, "feature"))
    assert [(c.id, c.kind, c.title, c.old_stage, c.new_stage) for c in summary.changes] == [
        ("CH-2024-0001", "changed", "Shelling of a market in an example town", "intake", None),
        ("CH-2024-0003", "stage", "Shelling of a market in an example town",
         "policy-impact-assessment", "intake"),
        ("CH-2024-0042", "new", "(no title)", None, None),
    ]
    assert summary.changes[0].changes == [
        FieldChange("(front matter)", "readable", "unreadable")]


# 5. The summary -------------------------------------------------------------------------------


def summary_branch(kb: KB) -> None:
    """A new case, a stage change, a casualty revision and a closed case."""
    kb.branch("feature")
    new_case(kb, P6, "CH-2024-0006", title="Air strike on a water pumping station (Example "
                                           "District)")
    move(kb, P2, "incident-analysis", "policy-impact-assessment",
         entry("policy-impact-assessment", "2024-03-01",
               "Harm found credible on two independent sources."))
    kb.edit(P2, ("weapons:", "harm:\n  killed: 4\n  injured: null\nweapons:"),
            ("---\nThis is", "assessment:\n  harm_finding: credible\n  reviewed_by:\n"
                             "    - asmith\n---\nThis is"))
    kb.edit(P3, ("killed: 2", "killed:\n    min: 2\n    max: 5"),
            ("shelled [S1].", "shelled [S1]. A hospital register lists five dead."))
    kb.edit(P1, ("stage: intake\nstatus: active\nnext_review: 2027-01-15\n",
                 "stage: closed\nclosure_reason: withdrawn\n"),
            ("\nincident:\n", "\n" + entry("closed", "2024-02-20",
                                           "Logged in error; the report concerned another "
                                           "town.") + "incident:\n"))
    kb.commit("Review of the week")


def test_summary_markdown_for_a_pull_request(kb: KB, golden: Golden) -> None:
    summary_branch(kb)
    config = kb.config
    base, head = snapshot_at(config, "main"), snapshot_at(config, "feature")
    assert compare(base, head, config) == []
    summary = summarize(base, head)
    assert summary.counts == {"new": 1, "stage": 1, "closed": 1, "reopened": 0, "changed": 1,
                              "removed": 0}
    golden.check("compare/summary.md", render_summary(summary, "markdown"))


def test_summary_as_text_and_json(kb: KB) -> None:
    summary_branch(kb)
    config = kb.config
    summary = summarize(snapshot_at(config, "main"), snapshot_at(config, "feature"))
    assert render_summary(summary, "text") == """\
Case changes: main -> feature
1 new, 1 stage change, 1 closed, 1 changed
new      CH-2024-0006  Air strike on a water pumping station (Example District) (intake), \
cases/CH-2024-0006.md
closed   CH-2024-0001  Shelling of a market in an example town: intake -> closed. Note: Logged \
in error; the report concerned another town.
    status: active -> (none)
    next_review: 2027-01-15 -> (none)
    closure_reason: (none) -> withdrawn
stage    CH-2024-0002  Shelling of a market in an example town: incident-analysis -> \
policy-impact-assessment. Note: Harm found credible on two independent sources.
    harm: (none) -> {killed: 4, injured: (none)}
    assessment: (none) -> {harm_finding: credible, reviewed_by: [asmith]}
changed  CH-2024-0003  Shelling of a market in an example town
    harm.killed: 2 -> {min: 2, max: 5}
    the narrative changed
"""
    data = json.loads(render_summary(summary, "json"))
    assert list(data) == ["base", "head", "counts", "cases"]
    assert (data["base"], data["head"]) == ("main", "feature")
    assert data["counts"] == {"new": 1, "stage": 1, "closed": 1, "reopened": 0,
                              "changed": 1, "removed": 0}
    assert [(c["id"], c["kind"]) for c in data["cases"]] == [
        ("CH-2024-0001", "closed"), ("CH-2024-0002", "stage"), ("CH-2024-0003", "changed"),
        ("CH-2024-0006", "new")]
    revised = data["cases"][2]
    assert revised == {
        "id": "CH-2024-0003", "path": P3, "old_path": None, "kind": "changed",
        "title": "Shelling of a market in an example town",
        "old_stage": "policy-impact-assessment", "new_stage": "policy-impact-assessment",
        "note": None, "body_changed": True,
        "changes": [{"field": "harm.killed", "old": 2, "new": {"min": 2, "max": 5}}]}
    assert data["cases"][0]["note"] == "Logged in error; the report concerned another town."
    with pytest.raises(ValueError, match="unknown format 'html'"):
        render_summary(summary, "html")


def test_summary_of_reopened_removed_and_moved_cases(kb: KB) -> None:
    kb.branch("feature")
    move(kb, P5, "closed", "incident-analysis",
         entry("incident-analysis", "2024-06-01", "A new witness statement."))
    kb.git("rm", "-q", P4)
    kb.mv(P3, "cases/2024/CH-2024-0003.md")
    kb.commit("Reopen, remove, move")
    config = kb.config
    summary = summarize(snapshot_at(config, "main"), snapshot_at(config, "feature"))
    assert summary.changes == [
        CaseChange(id="CH-2024-0003", path="cases/2024/CH-2024-0003.md", kind="changed",
                   title="Shelling of a market in an example town",
                   old_stage="policy-impact-assessment", new_stage="policy-impact-assessment",
                   old_path=P3),
        CaseChange(id="CH-2024-0004", path=P4, kind="removed",
                   title="Shelling of a market in an example town",
                   old_stage="coordinated-action", new_stage=None),
        CaseChange(id="CH-2024-0005", path=P5, kind="reopened",
                   title="Shelling of a market in an example town",
                   old_stage="closed", new_stage="incident-analysis",
                   changes=[FieldChange("stage", "closed", "incident-analysis"),
                            FieldChange("stage_history[2]", None, {
                                "stage": "incident-analysis", "date": "2024-06-01",
                                "by": "asmith", "note": "A new witness statement."})],
                   note="A new witness statement."),
    ]
    assert render_summary(summary, "markdown") == """\
## Case changes: main → feature

1 reopened, 1 changed, 1 removed

### Closed and reopened

- **CH-2024-0005** Shelling of a market in an example town: closed → incident-analysis. Note: A \
new witness statement.

### Other changes

- **CH-2024-0003** Shelling of a market in an example town
  - file: cases/CH-2024-0003.md -> cases/2024/CH-2024-0003.md

### Removed cases

- **CH-2024-0004** Shelling of a market in an example town: cases/CH-2024-0004.md was deleted
"""


def _rendered(markdown: str) -> str:
    """Markdown as GitHub's CommonMark reader (with strikethrough) turns it into HTML."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("strikethrough").render(markdown)


_HOSTILE_TITLE = "*Strike* on [a school](javascript:alert(1)) <script>x</script> | #1 ~~no~~"


def test_summary_escapes_markdown_and_says_when_nothing_changed(kb: KB) -> None:
    kb.branch("feature")
    kb.edit(P1, ("title: Shelling of a market in an example town", f"title: '{_HOSTILE_TITLE}'"))
    kb.commit("A hostile title")
    config = kb.config
    base = snapshot_at(config, "main")
    summary = summarize(base, snapshot_at(config, "feature"))
    markdown = render_summary(summary, "markdown")
    assert ("- **CH-2024-0001** \\*Strike\\* on \\[a school](javascript:alert(1)) "
            "&lt;script>x&lt;/script> | #1 \\~\\~no\\~\\~\n") in markdown
    html = _rendered(markdown)
    assert "<a " not in html and "<script" not in html and "<em>" not in html
    assert "<del>" not in html
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", html))
    assert f"CH-2024-0001 {_HOSTILE_TITLE}" in shown
    assert f"title: Shelling of a market in an example town -> {_HOSTILE_TITLE}" in shown
    text = render_summary(summary, "text")
    assert f"CH-2024-0001  {_HOSTILE_TITLE}" in text

    same = summarize(base, Snapshot("main again", dict(base.files)))
    assert same.changes == []
    assert render_summary(same, "markdown") == (
        "## Case changes: main → main again\n\nno case changed\n")
    assert render_summary(same, "text") == "Case changes: main -> main again\nno case changed\n"
    assert render_summary(same, "github") == "Case changes: main -> main again: no case changed\n"


@pytest.mark.parametrize(("text", "escaped"), [
    # What Markdown reads as plain text is left as it is.
    ("CH-2026-0004", "CH-2026-0004"),
    ("0 -> {min: 0, max: 1}", "0 -> {min: 0, max: 1}"),
    ("harm.killed: 2 -> (none)", "harm.killed: 2 -> (none)"),
    ("next_review, us_origin_basis", "next_review, us_origin_basis"),
    ("3 < 4 and 5 > 4; AT&T | 100% #2 + 1!", "3 < 4 and 5 > 4; AT&T | 100% #2 + 1!"),
    ("a \\ b", "a \\ b"),
    # What would be read as markup is escaped, and only that.
    ("*bold* and _it_", "\\*bold\\* and \\_it\\_"),
    ("`code`", "\\`code\\`"),
    ("HEAD~1 -> main~2", "HEAD\\~1 -> main\\~2"),
    ("[a](b) ![i](x)", "\\[a](b) !\\[i](x)"),
    ("<b>x</b> <!-- c --> <https://x.org>", "&lt;b>x&lt;/b> &lt;!-- c --> &lt;https://x.org>"),
    ("&copy; &#169;", "&amp;copy; &amp;#169;"),
    ("a \\* b \\", "a \\\\\\* b \\\\"),
    ("two\nlines\x1b[31m", "two lines\\x1b\\[31m"),
])
def test_markdown_text_escapes_only_what_markdown_would_read(text: str, escaped: str) -> None:
    assert markdown_text(text) == escaped
    html = _rendered(f"- **X** {escaped}")
    assert html == f"<ul>\n<li><strong>X</strong> {html_module.escape(_one_line(text), quote=False)}</li>\n</ul>\n"


@pytest.mark.parametrize(("text", "escaped"), [
    ("# heading", "\\# heading"), ("> quote", "\\> quote"), ("- item", "\\- item"),
    ("+ item", "\\+ item"), ("1. item", "1\\. item"), ("2024) x", "2024\\) x"),
    ("===", "==\\="), ("#tag", "#tag"), ("2024-01 x", "2024-01 x"), ("field: a -> b", "field: a -> b"),
])
def test_markdown_text_at_the_start_of_a_line(text: str, escaped: str) -> None:
    assert markdown_text(text, line_start=True) == escaped
    assert _rendered(f"- {escaped}") == f"<ul>\n<li>{html_module.escape(text, quote=False)}</li>\n</ul>\n"


def test_summary_as_github_annotations(kb: KB) -> None:
    summary_branch(kb)
    kb.git("rm", "-q", P5)
    kb.commit("Remove a case")
    config = kb.config
    summary = summarize(snapshot_at(config, "main"), snapshot_at(config, "feature"))
    lines = render_summary(summary, "github").splitlines()
    assert lines[0] == "Case changes: main -> feature: 1 new, 1 stage change, 1 closed, 1 changed, " \
                       "1 removed"
    assert lines[2] == ("::notice file=cases/CH-2024-0001.md,title=CH-2024-0001 closed::Shelling "
                        "of a market in an example town: intake -> closed. Note: Logged in error; "
                        "the report concerned another town.%0Astatus: active -> (none)%0A"
                        "next_review: 2027-01-15 -> (none)%0Aclosure_reason: (none) -> withdrawn")
    assert [line.split("::")[1] for line in lines[1:]] == [  # in the Markdown's sections
        "notice file=cases/CH-2024-0006.md,title=CH-2024-0006 new",
        "notice file=cases/CH-2024-0001.md,title=CH-2024-0001 closed",
        "notice file=cases/CH-2024-0002.md,title=CH-2024-0002 stage",
        "notice file=cases/CH-2024-0003.md,title=CH-2024-0003 changed",
        "notice title=CH-2024-0005 removed",
    ]


@pytest.mark.parametrize(("environ", "terminal", "expected"), [
    ({}, True, "text"), ({}, False, "text"),
    ({"CI": "true"}, False, "markdown"), ({"GITHUB_ACTIONS": "true"}, False, "markdown"),
    ({"CI": "1", "GITHUB_ACTIONS": ""}, False, "markdown"),
    ({"CI": "true"}, True, "text"),  # a person at a terminal in CI still reads text
    ({"CI": "false"}, False, "text"), ({"CI": "0"}, False, "text"), ({"CI": ""}, False, "text"),
])
def test_diff_prints_text_unless_in_ci(environ: dict[str, str], terminal: bool,
                                       expected: str) -> None:
    assert default_format(environ, terminal) == expected
