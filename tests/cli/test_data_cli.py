"""`casebook import`, `duplicates` and `export` on the command line: documented, no traceback."""

from __future__ import annotations

from pathlib import Path

import click

from conftest import ROOT, TODAY, invoke


def test_every_option_of_the_data_commands_is_in_the_readme() -> None:
    from generator.cli.main import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("import", "duplicates", "export"):
        command = cli.commands[name]
        assert f"casebook {name}" in readme
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert any(opt in readme for opt in param.opts), f"{name} {param.opts}"


def test_a_sheet_that_is_not_utf8_is_a_diagnostic(repo: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "latin1.csv"
    sheet.write_bytes("title,place\nFrappe à Qalmère,x\n".encode("latin-1"))
    result = invoke("import", str(sheet), "--today", TODAY.isoformat(), cwd=repo)
    assert result.exit_code == 1
    assert "error CB505 [unreadable-sheet] the file is not valid UTF-8" in result.stdout


def test_an_unknown_profile_is_a_usage_error(repo: Path, tmp_path: Path) -> None:
    result = invoke("export", "--format", "json", "--output", str(tmp_path / "x.json"),
                    "--profile", "nobody", cwd=repo)
    assert result.exit_code == 2 and "unknown profile 'nobody'" in result.stderr


def test_an_export_of_cases_with_errors_writes_nothing(repo: Path, tmp_path: Path) -> None:
    (repo / "cases" / "CH-2024-0001.md").write_text("---\nid: CH-2024-0001\n---\n",
                                                    encoding="utf-8")
    result = invoke("export", "--format", "sqlite", "--output", str(tmp_path / "x.db"),
                    cwd=repo)
    assert result.exit_code == 2 and "nothing was exported" in result.stderr
    assert not (tmp_path / "x.db").exists()
