"""`casebook list` and `casebook show`, in-process, on a small project of their own.

The project (tests/assigned_cases.py) is the every-stage fixture with assignees,
one overdue case, one case in another country and one AMBER case; "today" is
passed in, so the answers hold on any date.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from assigned_cases import write_assigned_project

from conftest import MKDOCS_YML, TODAY, invoke, shown
from generator.checks.query import COLUMNS

DAY = ("--today", TODAY.isoformat())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_assigned_project(tmp_path / "project")


def _ids(project: Path, *args: str) -> list[str]:
    result = invoke("list", *args, "--format", "json", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    return [case["id"] for case in json.loads(result.stdout)]


def _case(n: int) -> str:
    return f"CH-2024-{n:04d}"


@pytest.mark.parametrize(("args", "expected"), [
    ((), [1, 2, 3, 4, 5, 6]),
    (("--stage", "intake"), [1]),
    (("--stage", "intake,closed"), [1, 5, 6]),
    (("--stage", "CLOSED", "--stage", "intake"), [1, 5, 6]),
    (("--status", "active"), [1, 2, 3, 4]),
    (("--assignee", "jdoe"), [1, 3, 5]),
    (("--assignee", "JDOE,asmith"), [1, 2, 3, 5]),
    (("--partner", "example armed forces"), [2, 3, 4]),
    (("--country", "SDN"), [4]),
    (("--country", "sudan"), [4]),
    (("--country", "yem"), [1, 2, 3, 5, 6]),
    (("--sensitivity", "amber"), [3]),
    (("--sensitivity", "CLEAR,AMBER+STRICT"), [1, 2, 4, 5, 6]),
    (("--overdue",), [2]),
    (("--stalled",), [2, 3, 4]),
    (("--open",), [1, 2, 3, 4]),
    (("--text", "old QUARTER"), [1]),
    (("--text", "market", "--text", "quarter"), [1]),
    (("--text", "market nowhere"), []),
    (("--assignee", "jdoe", "--open"), [1, 3]),
    (("--stage", "intake", "--stalled"), []),
])
def test_each_filter_lists_exactly_its_cases(project: Path, args: tuple[str, ...],
                                              expected: list[int]) -> None:
    assert _ids(project, *args) == [_case(n) for n in expected]


def test_intake_as_json_gives_every_key_fact(project: Path) -> None:
    result = invoke("list", "--stage", "intake", "--format", "json", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    (case,) = json.loads(result.stdout)
    assert list(case) == list(COLUMNS)
    assert case == {
        "id": "CH-2024-0001", "title": "Shelling of a market in an example town",
        "stage": "intake", "status": "active", "assignee": "jdoe", "partner_force": None,
        "country": "YEM", "sensitivity": "CLEAR", "opened": "2024-02-01",
        "in_stage_since": "2026-10-15", "days_in_stage": 44, "next_review": "2027-01-15",
        "overdue": False, "stalled": False, "path": "cases/CH-2024-0001.md"}


def test_csv_has_a_header_and_one_row_per_case(project: Path) -> None:
    result = invoke("list", "--open", "--format", "csv", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == [_case(n) for n in (1, 2, 3, 4)]
    assert list(rows[0]) == list(COLUMNS)
    assert (rows[1]["overdue"], rows[1]["stalled"], rows[3]["assignee"]) == ("true", "true", "")


def test_sorting_by_days_in_stage_puts_the_longest_first(project: Path) -> None:
    assert _ids(project, "--sort", "days-in-stage") == [_case(n) for n in (2, 3, 4, 1, 5, 6)]
    assert _ids(project, "--sort", "assignee") == [_case(n) for n in (2, 1, 3, 5, 4, 6)]


def test_the_table_names_each_case_and_ends_with_the_count(project: Path) -> None:
    result = invoke("list", "--assignee", "jdoe", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["ID", "Stage", "Status", "Assignee"]
    assert [line.split()[0] for line in lines[1:-1]] == [_case(n) for n in (1, 3, 5)]
    assert "stalled" in lines[2] and "stalled" not in lines[1]
    assert lines[-1] == "3 of 6 cases."
    every = invoke("list", *DAY, cwd=project)
    assert every.stdout.splitlines()[-1] == "6 cases."
    none = invoke("list", "--stage", "intake", "--overdue", *DAY, cwd=project)
    assert none.stdout == "No case matches. 0 of 6 cases.\n"


@pytest.mark.parametrize(("args", "hint"), [
    (("--stage", "intak"), "'intak' is not a stage (did you mean 'intake'?)"),
    (("--stage", "intake,clsed"), "'clsed' is not a stage (did you mean 'closed'?)"),
    (("--status", "activ"), "did you mean 'active'?"),
    (("--sensitivity", "ambr"), "did you mean 'AMBER'?"),
    (("--country", "sudn"), "did you mean 'Sudan'?"),
    (("--sort", "dayz-in-stage"), "did you mean 'days-in-stage'?"),
])
def test_a_misspelt_value_is_a_usage_error_naming_the_closest(
        project: Path, args: tuple[str, ...], hint: str) -> None:
    result = invoke("list", *args, *DAY, cwd=project)
    assert result.exit_code == 2, shown(result)
    assert hint in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_an_assignee_nobody_has_is_said_with_the_closest_one(project: Path) -> None:
    result = invoke("list", "--assignee", "jdo", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    assert result.stdout.startswith("No case matches.")
    assert "no case has the assignee 'jdo' (did you mean 'jdoe'?)" in result.stderr


def test_files_with_errors_are_left_out_and_counted(project: Path) -> None:
    broken = project / "cases" / "CH-2024-0006.md"
    broken.write_text(broken.read_text("utf-8").replace("stage: closed", "stage: clsed", 1),
                      encoding="utf-8")
    result = invoke("list", "--format", "json", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    assert [c["id"] for c in json.loads(result.stdout)] == [_case(n) for n in range(1, 6)]
    assert ("1 case file has errors and is not listed (cases/CH-2024-0006.md): run "
            "`casebook validate`") in result.stderr


def test_saved_reads_never_answer_for_a_changed_file(project: Path) -> None:
    assert _ids(project, "--assignee", "asmith") == [_case(2)]
    assert (project / ".cache" / "casebook" / "cases.json").is_file()
    case = project / "cases" / "CH-2024-0004.md"
    case.write_text(case.read_text("utf-8").replace(
        "\nstage_history:", "\nassignee: asmith\nstage_history:", 1), encoding="utf-8")
    assert _ids(project, "--assignee", "asmith") == [_case(2), _case(4)]
    case.write_text(case.read_text("utf-8").replace("stage: coordinated-action", "stage: x", 1),
                    encoding="utf-8")
    assert _ids(project, "--assignee", "asmith") == [_case(2)]


def test_saved_reads_answer_as_a_fresh_read_does(project: Path) -> None:
    asked = [("--open",), ("--stalled",), ("--text", "quarter"), ("--sort", "stage")]
    cold = [_ids(project, *args) for args in asked]
    warm = [_ids(project, *args) for args in asked]
    settings = project / "mkdocs.yml"
    settings.write_text(MKDOCS_YML + "      cache_dir: ''\ndocs_dir: docs\n", encoding="utf-8")
    assert cold == warm == [_ids(project, *args) for args in asked]


# ------------------------------------------------------------------ show


@pytest.mark.parametrize("name", ["CH-2024-0004", "ch-2024-0004", "cases/CH-2024-0004.md",
                                  " Ch-2024-0004 "])
def test_show_takes_an_id_in_any_case_or_the_file(project: Path, name: str) -> None:
    result = invoke("show", name, *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    lines = result.stdout.splitlines()
    assert lines[0] == "CH-2024-0004  Shelling of a market in an example town"
    assert "Coordinated action since 2024-04-01 (971 days in this stage, stalled: over 60)" \
        in result.stdout
    assert "Open actions (1)" in result.stdout
    assert "partner-engagement  proposed  Raise with the partner." in result.stdout
    assert "training" not in result.stdout


def test_show_takes_a_path_from_the_current_folder(project: Path) -> None:
    result = invoke("show", "CH-2024-0002.md", *DAY, cwd=project / "cases")
    assert result.exit_code == 0, shown(result)
    assert "Next review    2026-11-01 (overdue by 27 days)" in result.stdout
    assert "Assignee       asmith" in result.stdout
    # A warning is no error: it is listed, with its line.
    assert "cases/CH-2024-0002.md:7:14: warning CB351" in result.stdout


def test_show_as_json(project: Path) -> None:
    result = invoke("show", "ch-2024-0004", "--format", "json", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    facts = json.loads(result.stdout)
    assert (facts["id"], facts["stage"], facts["days_in_stage"], facts["assignee"]) == (
        "CH-2024-0004", "coordinated-action", 971, None)
    assert facts["open_actions"] == [{"type": "partner-engagement", "status": "proposed",
                                      "date": None, "note": "Raise with the partner."}]
    assert facts["problems"] == []


def test_show_an_unknown_case_names_the_closest(project: Path) -> None:
    result = invoke("show", "ch-2024-0009", *DAY, cwd=project)
    assert result.exit_code == 2, shown(result)
    assert "no case ch-2024-0009 (did you mean CH-2024-0006?)" in result.stderr


def test_show_a_broken_case_lists_its_problems_with_lines(project: Path) -> None:
    # Read once so that the saved reads know the file, then break it.
    assert invoke("show", "CH-2024-0003", *DAY, cwd=project).exit_code == 0
    case = project / "cases" / "CH-2024-0003.md"
    case.write_text(case.read_text("utf-8").replace("stage: policy-impact-assessment",
                                                    "stage: policy", 1), encoding="utf-8")
    result = invoke("show", "CH-2024-0003", *DAY, cwd=project)
    assert result.exit_code == 1, shown(result)
    assert "cases/CH-2024-0003.md:5:8: error CB205 [bad-enum] stage: 'policy'" in result.stdout
    closed = project / "cases" / "CH-2024-0005.md"
    closed.write_text(closed.read_text("utf-8") + "See [S9].\n", encoding="utf-8")
    result = invoke("show", "CH-2024-0005", "--format", "json", *DAY, cwd=project)
    assert result.exit_code == 1, shown(result)
    problems = json.loads(result.stdout)["problems"]
    assert [p["code"] for p in problems] == ["CB306"] and problems[0]["line"] > 1


@pytest.mark.parametrize("width", [60, 80, 100, 200])
def test_the_table_fits_the_terminal(project: Path, monkeypatch: pytest.MonkeyPatch,
                                     width: int) -> None:
    import generator.cli.query

    monkeypatch.setattr(generator.cli.query, "_terminal_width", lambda: width)
    monkeypatch.setenv("NO_COLOR", "1")
    result = invoke("list", *DAY, cwd=project)
    assert result.exit_code == 0, shown(result)
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    listed = [line.split()[0] for line in lines if line.startswith("CH-")]
    assert listed == [_case(n) for n in range(1, 7)]
    titles = [line for line in lines if "Shelling of a market" in line]
    assert len(titles) == 6  # each title once: on its case's line, or on the line below
    assert lines[-1] == "6 cases."
    if width == 200:
        assert lines[0].split() == ["ID", "Stage", "Status", "Assignee", "Country", "Days",
                                    "Next", "review", "Late", "Title"]
