"""`casebook export`: the site's export data without a build, redacted and leak-checked."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from conftest import TODAY, bench_corpus, invoke, shown
from generator.checks.corpus import load_corpus
from generator.config import load_config
from generator.publish import export as export_module
from generator.publish.export import ExportError, export_cases
from generator.publish.profiles import Profile, profile, removed_values

N = 150


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export")
    bench_corpus().write_corpus(root, N)
    bench_corpus().write_mkdocs_yml(root)
    # The generated action notes name the analyst ("Tracked by jdorrow."), which the
    # public profile's leak check rightly refuses (see test_a_leak_writes_nothing).
    for path in (root / "cases").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"Tracked by [a-z]+\.", "Tracked by the desk.", text),
                        encoding="utf-8")
    return root


def _export(project: Path, fmt: str, output: Path, *more: str) -> None:
    result = invoke("export", "--format", fmt, "--output", str(output), "--today",
                    TODAY.isoformat(), *more, cwd=project)
    assert result.exit_code == 0, shown(result)


def _db_text(path: Path) -> str:
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        return "\n".join(str(value) for table in tables
                         for row in db.execute(f"select * from {table}") for value in row)


@pytest.mark.parametrize("name", ["internal", "public"])
def test_sqlite_counts_every_published_case(project: Path, tmp_path: Path, name: str) -> None:
    output = tmp_path / "cases.db"
    _export(project, "sqlite", output, "--profile", name)
    config = load_config(project / "mkdocs.yml")
    cases = load_corpus(config, today=TODAY).cases
    chosen = profile(name, config.settings.profiles)
    published = [c for c in cases if chosen.publishes(c)]
    assert 0 < len(published) < N
    with sqlite3.connect(output) as db:
        db.execute("pragma foreign_keys = on")
        assert db.execute("select count(*) from cases").fetchone()[0] == len(published)
        assert db.execute("select count(*) from sources").fetchone()[0] == sum(
            len(c.sources) for c in published)
        assert db.execute("select count(*) from stage_history").fetchone()[0] == sum(
            len(c.stage_history) for c in published)
        for table in ("sources", "weapons", "actions", "stage_history"):
            keys = db.execute(f"pragma foreign_key_list({table})").fetchall()
            assert [(k[2], k[3], k[4]) for k in keys] == [("cases", "case_id", "id")], table
        assert db.execute("pragma foreign_key_check").fetchall() == []
        lat = db.execute("select typeof(lat) from cases where lat is not null").fetchone()
        assert lat == ("real",)


def test_the_public_export_holds_no_value_the_profile_removes(project: Path,
                                                             tmp_path: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    cases = load_corpus(config, today=TODAY).cases
    removed = removed_values(cases, {}, profile("public", config.settings.profiles))
    assert len(removed.values) > 50
    texts = []
    for fmt, name in (("sqlite", "cases.db"), ("jsonl", "cases.jsonl"), ("json", "cases.json"),
                      ("geojson", "cases.geojson"), ("csv", "csv")):
        _export(project, fmt, tmp_path / name, "--profile", "public")
    texts.append(_db_text(tmp_path / "cases.db"))
    texts += [(tmp_path / n).read_text(encoding="utf-8")
              for n in ("cases.jsonl", "cases.json", "cases.geojson")]
    texts += [p.read_text(encoding="utf-8-sig") for p in sorted((tmp_path / "csv").glob("*"))]
    every = "\n".join(texts)
    # Handles, ids of unpublished cases and non-public source titles: whole words only.
    leaked = [v for v in removed.values
              if re.search(rf"(?<!\w){re.escape(v)}(?!\w)", every, re.IGNORECASE)]
    assert leaked == []
    lines = (tmp_path / "cases.jsonl").read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["sensitivity"] == "CLEAR" for line in lines)


def test_a_leak_writes_nothing(project: Path, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    assert load_corpus(config, today=TODAY).cases
    public = profile("public", config.settings.profiles)
    # A profile whose view forgets to redact anything.
    monkeypatch.setattr(Profile, "view", lambda self, case, ids: case)
    output = tmp_path / "cases.db"
    with pytest.raises(ExportError, match="public profile removes"):
        export_cases(config, "sqlite", output, public, today=TODAY)
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_is_kept_unless_forced(project: Path, tmp_path: Path) -> None:
    output = tmp_path / "cases.json"
    output.write_text("mine", encoding="utf-8")
    result = invoke("export", "--format", "json", "--output", str(output), cwd=project)
    assert result.exit_code == 2 and "exists" in result.stderr
    assert output.read_text(encoding="utf-8") == "mine"
    _export(project, "json", output, "--force")
    assert json.loads(output.read_text(encoding="utf-8"))["count"] > 0


def test_typed_cells_drop_the_formula_guard() -> None:
    assert export_module._typed("title", "'=1+2") == "=1+2"
    assert export_module._typed("title", "'quoted") == "'quoted"
    assert export_module._typed("killed_min", "") is None
    assert export_module._typed("lon", "-3.5") == -3.5


def test_a_view_names_no_unpublished_case_in_not_duplicate_of(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    cases = load_corpus(config, today=TODAY).cases
    public = profile("public", config.settings.profiles)
    shown_case = next(c for c in cases if public.publishes(c))
    hidden = next(c for c in cases if not public.publishes(c))
    ids = {c.id for c in cases if public.publishes(c)}
    case = shown_case.model_copy(update={"not_duplicate_of": [hidden.id, shown_case.id]})
    assert public.view(case, ids).not_duplicate_of == [shown_case.id]


def test_force_never_replaces_a_folder_of_other_files(project: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    result = invoke("export", "--format", "csv", "--output", str(folder), "--force",
                    cwd=project)
    assert result.exit_code == 2 and "holds other files" in result.stderr
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "keep"
    _export(project, "csv", tmp_path / "csv")
    _export(project, "csv", tmp_path / "csv", "--force")
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "actions.csv", "cases.csv", "sources.csv", "weapons.csv"]
