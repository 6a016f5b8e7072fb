"""The stage gates are one table: the rule, the site, the README and the schema follow it."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, MKDOCS_YML, ROOT, TODAY
from generator.checks import gates
from generator.checks.corpus import load_corpus
from generator.config import load_config
from generator.publish import reference
from generator.publish.build import generate
from generator.records.diagnostics import Diagnostic
from generator.records.schema import Stage

CORPUS = FIXTURES / "scenarios" / "valid-every-stage"
MOVED = "incident.partner_force, from the day the case is logged"
PARTNER_FORCE = "  attribution: unknown\n"


def _moved_table() -> tuple[gates.Gate, ...]:
    """GATES with the partner-force gate moved from incident-analysis to every open stage."""
    (gate,) = [g for g in gates.GATES if g.field == "incident.partner_force"]
    assert gate.stage is Stage.INCIDENT_ANALYSIS
    moved = dataclasses.replace(gate, stage=Stage.INTAKE, sentence=MOVED)
    return tuple(moved if g is gate else g for g in gates.GATES)


def _corpus(root: Path, *, partner_in_intake: bool = False) -> Path:
    shutil.copytree(CORPUS, root / "cases")
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "docs_dir: docs\n", encoding="utf-8")
    if partner_in_intake:
        intake = root / "cases" / "CH-2024-0001.md"
        text = intake.read_text(encoding="utf-8")
        assert PARTNER_FORCE in text
        intake.write_text(text.replace(PARTNER_FORCE, PARTNER_FORCE
                                       + "  partner_force: Example Armed Forces\n"),
                          encoding="utf-8")
    return root / "mkdocs.yml"


def _gate_diagnostics(settings: Path) -> list[Diagnostic]:
    report = load_corpus(load_config(settings), today=TODAY).report()
    return [d for d in report.diagnostics if d.code == "CB204"]


def test_changing_a_gate_changes_the_rule(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _corpus(tmp_path)
    assert _gate_diagnostics(settings) == []  # the intake case names no partner force
    monkeypatch.setattr(gates, "GATES", _moved_table())
    (found,) = _gate_diagnostics(settings)
    assert found.path == "cases/CH-2024-0001.md"
    assert found.message == ("a case in stage intake must name incident.partner_force "
                             "(write 'unknown' if it is not known)")
    assert found.line == 14  # at `incident:`, where the missing key belongs


def test_changing_a_gate_changes_the_site(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gates, "GATES", _moved_table())
    config = load_config(_corpus(tmp_path, partner_in_intake=True))
    generate(config, today=TODAY, with_history=False)
    docs = config.generated_dir
    for page in ("about.md", "stages/index.md"):
        text = (docs / page).read_text(encoding="utf-8")
        assert ("<tr><td>any open stage</td><td>a status; a next_review date; no "
                f"closure_reason; {MOVED}</td></tr>") in text, page
        assert ("<tr><td>incident-analysis and later</td><td>at least one weapon</td></tr>"
                in text), page
    about = (docs / "about.md").read_text(encoding="utf-8")
    assert f"Stage gate (any open stage): {MOVED}." in about  # in the field reference


def test_changing_a_gate_changes_the_readme_and_the_schema(
        monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert MOVED not in readme
    monkeypatch.setattr(gates, "GATES", _moved_table())
    wanted = reference.expected_readme(readme)
    table = wanted.split("<!-- gates:start -->", 1)[1].split("<!-- gates:end -->", 1)[0]
    assert f"| any open stage | a status; a next_review date; no closure_reason; {MOVED} |" \
        in table
    assert "| incident-analysis and later | at least one weapon |" in table
    assert f"| `partner_force` | text | no | The partner force believed responsible; may be " \
           f"'unknown'. Stage gate (any open stage): {MOVED}. |" in wanted
    incident = reference.json_schema()["$defs"]["Incident"]["properties"]
    assert incident["partner_force"]["description"].endswith(
        f"Stage gate (any open stage): {MOVED}.")


def test_every_gate_names_a_field_of_the_schema() -> None:
    from generator.records.fields import field_at

    for gate in gates.GATES:
        assert field_at(gate.field) is not None, gate.field
        assert gate.sentence and not gate.sentence.endswith("."), gate.field


def test_the_stage_table_has_a_row_for_each_kind_of_case() -> None:
    rows = dict(gates.stage_table())
    assert list(rows) == ["any stage", "any open stage", "incident-analysis and later",
                          "policy-impact-assessment and later", "coordinated-action", "closed"]
    # What the schema requires of every case comes from the schema itself.
    assert rows["any stage"].startswith("id, title, opened, stage, sensitivity, at least one "
                                        "stage_history entry, incident.date, incident.country")
    assert "incident.coordinates.lat" not in rows["any stage"]  # coordinates are optional
