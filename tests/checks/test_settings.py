"""Settings that name case fields are checked against the schema with the cases."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, MKDOCS_YML, TODAY, invoke, shown

PROFILES = """      profiles:
        partners:
          max_sensitivity: GREEN
          restricted_fields: [incident.unit, incident.nowhere, id]
"""


def project(tmp_path: Path, settings: str) -> Path:
    shutil.copytree(FIXTURES / "scenarios" / "valid-every-stage", tmp_path / "cases")
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML + settings, encoding="utf-8")
    return tmp_path


def test_a_restricted_field_that_is_no_field_is_reported_where_it_is_written(
        tmp_path: Path) -> None:
    root = project(tmp_path, PROFILES)
    result = invoke("validate", "--today", TODAY.isoformat(), cwd=root)
    assert result.exit_code == 1, shown(result)
    lines = [line for line in result.stdout.splitlines() if "CB901" in line]
    line = MKDOCS_YML.count("\n") + 4
    assert lines == [
        f"mkdocs.yml:{line}:46: error CB901 [bad-config] plugins.casebook.profiles.partners."
        "restricted_fields: 'incident.nowhere' is not a field of a case",
        f"mkdocs.yml:{line}:64: error CB901 [bad-config] plugins.casebook.profiles.partners."
        "restricted_fields: 'id' is required by the schema and cannot be removed",
    ], shown(result)


def test_removable_restricted_fields_raise_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, PROFILES.replace(", incident.nowhere, id", ""))
    result = invoke("validate", "--today", TODAY.isoformat(), cwd=root)
    assert result.exit_code == 0, shown(result)
    assert "CB901" not in result.stdout


def test_a_build_refuses_settings_that_name_no_field(tmp_path: Path) -> None:
    root = project(tmp_path, PROFILES)
    (root / ".generated" / "docs").mkdir(parents=True)
    result = invoke("build", "--today", TODAY.isoformat(), cwd=root)
    assert result.exit_code == 1, shown(result)
    assert "CB901" in result.stdout + result.stderr, shown(result)
