"""The `casebook` command, run in this process; one test runs the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SAMPLE_CASES, TODAY, invoke, run_casebook, shown

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


def test_errors_exit_1_with_file_line_and_column(repo: Path) -> None:
    _with_case(repo, BROKEN)
    result = invoke("validate", "--today", TODAY.isoformat(), cwd=repo)
    assert result.exit_code == 1, shown(result)
    assert result.stdout.splitlines() == [
        "cases/CH-2024-0001.md:4:9: error CB206 [bad-date] opened: '2024-02-30' is not a real "
        "date: February 2024 has no day 30",
        "1 case, 1 error, 0 warnings",
    ], shown(result)
    assert result.stderr == "", shown(result)


def test_warnings_pass_unless_strict(repo: Path) -> None:
    _with_case(repo, OVERDUE)
    relaxed = invoke("validate", "--today", "2026-11-28", cwd=repo)
    assert relaxed.exit_code == 0, shown(relaxed)
    assert "warning CB351 [overdue-review]" in relaxed.stdout, shown(relaxed)
    strict = invoke("validate", "--strict", "--today", "2026-11-28", cwd=repo)
    assert strict.exit_code == 1, shown(strict)


def test_a_bad_date_for_today_is_a_usage_error(repo: Path) -> None:
    for command in (["validate"], ["build"], ["new", "--title", "T"]):
        result = invoke(*command, "--today", "28/11/2026", cwd=repo)
        assert result.exit_code == 2, shown(result)
        assert result.stderr.splitlines()[-1] == \
            "Error: Invalid value: '28/11/2026' is not a date (YYYY-MM-DD)", shown(result)
    assert list((repo / "cases").iterdir()) == []


def test_json_format(repo: Path) -> None:
    _with_case(repo, BROKEN)
    result = invoke("validate", "--format", "json", "--today", TODAY.isoformat(), cwd=repo)
    assert result.exit_code == 1, shown(result)
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
    result = invoke("validate", "--format", "github", "--today", TODAY.isoformat(), cwd=repo)
    assert result.exit_code == 1, shown(result)
    assert result.stdout.splitlines()[0] == (
        "::error file=cases/CH-2024-0001.md,line=4,col=9,title=CB206 bad-date::opened%3A "
        "'2024-02-30' is not a real date%3A February 2024 has no day 30"
        .replace("opened%3A", "opened:").replace("date%3A", "date:")), shown(result)


def test_paths_limit_the_report_but_not_the_references(repo: Path) -> None:
    _with_case(repo, BROKEN)
    good = (SAMPLE_CASES / "CH-2024-0003.md").read_text(encoding="utf-8")
    _with_case(repo, good, "CH-2024-0003.md")
    result = invoke("validate", "cases/CH-2024-0003.md", "--today", TODAY.isoformat(), cwd=repo)
    # CH-2024-0003 lists related cases that this small repository lacks.
    assert "cases/CH-2024-0001.md" not in result.stdout, shown(result)
    assert result.stdout.strip().splitlines()[-1].startswith("1 case,"), shown(result)


def test_many_broken_files_all_reported(repo: Path) -> None:
    for i in range(1, 21):
        _with_case(repo, BROKEN.replace("CH-2024-0001", f"CH-2024-{i:04d}"),
                   f"CH-2024-{i:04d}.md")
    result = invoke("validate", "--format", "json", "--today", TODAY.isoformat(), cwd=repo)
    paths = {d["path"] for d in json.loads(result.stdout)["diagnostics"]}
    assert paths == {f"cases/CH-2024-{i:04d}.md" for i in range(1, 21)}


def test_usage_error_exits_2(repo: Path) -> None:
    result = invoke("validate", "--format", "xml", cwd=repo)
    assert result.exit_code == 2, shown(result)
    assert "Invalid value for '--format'" in result.stderr, shown(result)


def test_head_without_base_is_a_usage_error(repo: Path) -> None:
    result = invoke("validate", "--head", "HEAD", cwd=repo)
    assert result.exit_code == 2, shown(result)
    assert result.stderr.splitlines()[-1] == "Error: --head goes with --base", shown(result)


def test_bad_configuration_exits_2(repo: Path) -> None:
    (repo / "mkdocs.yml").write_text(
        "site_name: x\nplugins:\n  - casebook:\n      id_prefx: CH\n", encoding="utf-8")
    result = invoke("validate", cwd=repo)
    assert result.exit_code == 2, shown(result)
    assert result.stderr.startswith("casebook: configuration error:"), shown(result)
    assert "plugins.casebook.id_prefx" in result.stderr, shown(result)


def test_missing_cases_folder_exits_2(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")
    result = invoke("validate", cwd=tmp_path)
    assert result.exit_code == 2, shown(result)
    assert "no cases folder" in result.stderr, shown(result)


def test_the_console_script_runs_end_to_end(repo: Path) -> None:
    """The installed `casebook` script, a real process: its output, its exit code, and
    the same help as `python -m generator`."""
    script = shutil.which("casebook", path=str(ROOT / ".venv" / "bin"))
    assert script is not None
    _with_case(repo, BROKEN)
    run = subprocess.run([script, "validate", "--format", "json"], cwd=repo,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert json.loads(run.stdout)["errors"] == 1, run.stdout
    via_script = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    via_module = run_casebook("--help", cwd=ROOT)
    assert via_script.returncode == via_module.returncode == 0, via_module.stderr
    assert via_script.stdout.replace("casebook", "") == via_module.stdout.replace("casebook", "")
    for command in ("validate", "schema", "rules"):
        assert command in via_module.stdout


def test_schema_command_prints_the_committed_schema() -> None:
    result = invoke("schema", cwd=ROOT)
    assert result.exit_code == 0, shown(result)
    committed = (ROOT / "schema" / "case.schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout) == json.loads(committed)


def test_every_command_has_help() -> None:
    from generator.cli.main import cli

    assert {"validate", "fmt", "rules", "build", "leakcheck", "schema", "new", "history",
            "blame", "diff"} <= set(cli.commands)
    for command in cli.commands:
        result = invoke(command, "--help", cwd=ROOT)
        assert result.exit_code == 0, shown(result)
        assert result.stdout.startswith(f"Usage: casebook {command}"), shown(result)
        assert len(result.stdout.splitlines()) > 4, shown(result)


def test_options_shared_by_commands_read_the_same(repo: Path) -> None:
    """--format, --profile and --quiet are declared once and read alike everywhere."""
    for command, choices in ((["validate"], "'text', 'json', 'github'"),
                             (["schema"], "'json', 'markdown'"),
                             (["diff", "HEAD"], "'markdown', 'text', 'json', 'github'"),
                             (["history", "CH-2024-0001"], "'text', 'json'")):
        result = invoke(*command, "--format", "xml", cwd=repo)
        assert result.exit_code == 2, shown(result)
        assert f"'xml' is not one of {choices}" in result.stderr, shown(result)
    for command in (["build"], ["leakcheck", "."]):
        result = invoke(*command, "--profile", "nosuch", cwd=repo)
        assert result.exit_code == 2, shown(result)
        assert "Invalid value for --profile: unknown profile 'nosuch'" in result.stderr, \
            shown(result)


def test_summary_lines_count_in_the_singular_and_the_plural(repo: Path) -> None:
    good = (ROOT / "tests" / "fixtures" / "scenarios" / "valid-every-stage" /
            "CH-2024-0001.md").read_text(encoding="utf-8")
    _with_case(repo, good.replace("sensitivity: CLEAR", "sensitivity: 'CLEAR'"))
    one = invoke("fmt", cwd=repo)
    assert one.exit_code == 0, shown(one)
    assert one.stdout.splitlines()[-1] == "1 file, 1 reformatted, 0 with errors", shown(one)
    _with_case(repo, good.replace("CH-2024-0001", "CH-2024-0002"), "CH-2024-0002.md")
    two = invoke("fmt", "--check", cwd=repo)
    assert two.stdout.splitlines()[-1] == "2 files, 0 would be reformatted, 0 with errors", \
        shown(two)
    assert invoke("validate", cwd=repo).stdout.splitlines()[-1].startswith("2 cases, 0 errors")


def test_validate_leaves_git_unloaded(repo: Path) -> None:
    """Validation reads no history: loading GitPython would add a fifth to its start-up."""
    _with_case(repo, OVERDUE)
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('loaded:', sorted(m for m in ('git', "
            "'generator.history.reader', 'generator.repository.git') if m in sys.modules)))\n"
            "from generator.cli.main import main\n"
            "main(['validate', '--today', '2026-11-28'])\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True,
                            text=True, check=False)
    assert "warning CB351" in result.stdout, result.stderr
    assert result.stdout.splitlines()[-1] == "loaded: []", result.stdout
