"""The `casebook` command, run as a real child process."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ROOT, run_casebook

SAMPLE = ROOT / "cases"

BROKEN = """---
id: CH-2024-0001
title: Broken example
opened: 2024-02-30
stage: intake
status: active
next_review: 2027-01-01
sensitivity: CLEAR
stage_history:
  - {stage: intake, date: 2024-02-01, by: jdoe, note: Logged.}
incident:
  date: 2024-01-20
  country: NOR
  location_precision: country
  attribution: unknown
sources:
  - {key: S1, type: media, visibility: public, title: T, url: "https://example.org/a", accessed: 2024-02-01}
---
Fictional. Cites [S1].
"""

OVERDUE = BROKEN.replace("opened: 2024-02-30", "opened: 2024-02-01").replace(
    "next_review: 2027-01-01", "next_review: 2026-01-01")


def _with_case(repo: Path, text: str, name: str = "CH-2024-0001.md") -> Path:
    path = repo / "cases" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_sample_cases_validate_cleanly() -> None:
    result = run_casebook("validate", "--strict", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    count = len(list(SAMPLE.glob("*.md")))
    assert result.stdout.strip().splitlines()[-1] == f"{count} cases, 0 errors, 0 warnings"


def test_errors_exit_1_with_file_line_and_column(repo: Path) -> None:
    _with_case(repo, BROKEN)
    result = run_casebook("validate", cwd=repo)
    assert result.returncode == 1, result.stdout
    assert result.stdout.splitlines() == [
        "cases/CH-2024-0001.md:4:9: error CB206 [bad-date] opened: '2024-02-30' is not a real "
        "date: February 2024 has no day 30",
        "1 case, 1 error, 0 warnings",
    ]
    assert "Traceback" not in result.stderr


def test_warnings_pass_unless_strict(repo: Path) -> None:
    _with_case(repo, OVERDUE)
    relaxed = run_casebook("validate", "--today", "2026-11-28", cwd=repo)
    assert relaxed.returncode == 0, relaxed.stdout
    assert "warning CB351 [overdue-review]" in relaxed.stdout
    strict = run_casebook("validate", "--strict", "--today", "2026-11-28", cwd=repo)
    assert strict.returncode == 1, strict.stdout


def test_json_format(repo: Path) -> None:
    _with_case(repo, BROKEN)
    result = run_casebook("validate", "--format", "json", cwd=repo)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document == {
        "cases": 1, "errors": 1, "warnings": 0,
        "diagnostics": [{
            "path": "cases/CH-2024-0001.md", "line": 4, "column": 9, "code": "CB206",
            "rule": "bad-date", "severity": "error",
            "message": "opened: '2024-02-30' is not a real date: February 2024 has no day 30",
        }],
    }


def test_github_format(repo: Path) -> None:
    _with_case(repo, BROKEN)
    result = run_casebook("validate", "--format", "github", cwd=repo)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "::error file=cases/CH-2024-0001.md,line=4,col=9,title=CB206 bad-date::opened%3A "
        "'2024-02-30' is not a real date%3A February 2024 has no day 30"
        .replace("opened%3A", "opened:").replace("date%3A", "date:"))


def test_paths_limit_the_report_but_not_the_references(repo: Path) -> None:
    _with_case(repo, BROKEN)
    good = (SAMPLE / "CH-2024-0003.md").read_text(encoding="utf-8")
    _with_case(repo, good, "CH-2024-0003.md")
    result = run_casebook("validate", "cases/CH-2024-0003.md", cwd=repo)
    # CH-2024-0003 lists related cases that this small repository lacks.
    assert "cases/CH-2024-0001.md" not in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("1 case,")


def test_many_broken_files_all_reported(repo: Path) -> None:
    for i in range(1, 21):
        _with_case(repo, BROKEN.replace("CH-2024-0001", f"CH-2024-{i:04d}"),
                   f"CH-2024-{i:04d}.md")
    result = run_casebook("validate", "--format", "json", cwd=repo)
    paths = {d["path"] for d in json.loads(result.stdout)["diagnostics"]}
    assert paths == {f"cases/CH-2024-{i:04d}.md" for i in range(1, 21)}


def test_usage_error_exits_2(repo: Path) -> None:
    result = run_casebook("validate", "--format", "xml", cwd=repo)
    assert result.returncode == 2
    assert "Invalid value for '--format'" in result.stderr


def test_bad_configuration_exits_2(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - casebook:\n      id_prefx: CH\n", encoding="utf-8")
    result = run_casebook("validate", cwd=repo)
    assert result.returncode == 2
    assert "plugins.casebook.id_prefx" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_cases_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    result = run_casebook("validate", cwd=tmp_path)
    assert result.returncode == 2
    assert "no cases folder" in result.stderr


def test_python_dash_m_and_console_script_agree() -> None:
    script = shutil.which("casebook", path=str(ROOT / ".venv" / "bin"))
    assert script is not None
    import subprocess

    via_script = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    via_module = run_casebook("--help", cwd=ROOT)
    assert via_script.returncode == via_module.returncode == 0
    assert via_script.stdout.replace("casebook", "") == via_module.stdout.replace("casebook", "")
    for command in ("validate", "schema", "rules"):
        assert command in via_module.stdout


def test_schema_command_prints_the_committed_schema() -> None:
    result = run_casebook("schema", cwd=ROOT)
    assert result.returncode == 0
    committed = (ROOT / "schema" / "case.schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout) == json.loads(committed)


def test_every_command_has_help() -> None:
    for command in ("validate", "schema", "rules"):
        result = run_casebook(command, "--help", cwd=ROOT)
        assert result.returncode == 0
        assert "Usage: casebook" in result.stdout
        assert len(result.stdout.splitlines()) > 4


def test_sample_cases_are_in_canonical_form() -> None:
    result = run_casebook("fmt", "--check", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("0 would be reformatted, 0 with errors")
