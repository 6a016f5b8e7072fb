"""`casebook import`: a monitor's sheet in, valid intake cases out, idempotent, bad rows named."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, TODAY, bench_corpus, invoke, shown
from generator.checks.corpus import load_corpus
from generator.config import load_config
from generator.records.schema import CountRange, Stage
from generator.review.mapping import IMPORT_COLUMNS, parse_count

SHEET_ROWS = 600


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.glob("*.md"))}


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sheet") / "monitor.csv"
    return bench_corpus().write_sheet(path, SHEET_ROWS)


def _import(repo: Path, sheet: Path, *more: str) -> tuple[int, str]:
    result = invoke("import", str(sheet), "--by", "jdoe", "--today", TODAY.isoformat(), *more,
                    cwd=repo)
    return result.exit_code, result.stdout


def test_a_sheet_imports_as_valid_intake_cases_and_twice_changes_nothing(
        repo: Path, sheet: Path) -> None:
    code, out = _import(repo, sheet)
    assert code == 0, out
    corpus = load_corpus(load_config(repo / "mkdocs.yml"), today=TODAY)
    report = corpus.report()
    assert (len(corpus.files), report.errors, report.warnings) == (SHEET_ROWS, 0, 0), \
        [str(d) for d in report.diagnostics[:5]]
    assert {c.stage for c in corpus.cases} == {Stage.INTAKE}
    assert {c.opened for c in corpus.cases} == {TODAY}
    assert {c.stage_history[0].by for c in corpus.cases} == {"jdoe"}
    assert sorted(c.id for c in corpus.cases)[-1] == f"CH-{TODAY.year}-{SHEET_ROWS:04d}"
    assert f"{SHEET_ROWS} new cases created" in out
    # Every file is already in canonical form.
    fmt = invoke("fmt", "--check", "cases", cwd=repo)
    assert fmt.exit_code == 0, shown(fmt)

    before = _snapshot(repo / "cases")
    code, out = _import(repo, sheet)
    assert code == 0, out
    assert _snapshot(repo / "cases") == before
    assert "0 new cases created" in out and f"{SHEET_ROWS} rows matched" in out


def test_an_analysts_edit_survives_a_reimport(repo: Path, sheet: Path) -> None:
    assert _import(repo, sheet)[0] == 0
    path = repo / "cases" / f"CH-{TODAY.year}-0007.md"
    text = path.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    edited = text.replace(title, "title: A title the analyst chose", 1)
    path.write_text(edited, encoding="utf-8")
    code, out = _import(repo, sheet)
    assert code == 0, out
    assert path.read_text(encoding="utf-8") == edited
    assert "1 proposed change" in out
    assert f'CH-{TODAY.year}-0007 (row 8' in out
    assert 'title: "A title the analyst chose" ->' in out


def test_one_impossible_date_rejects_that_row_only(repo: Path, sheet: Path,
                                                   tmp_path: Path) -> None:
    rows = list(csv.reader(sheet.open(encoding="utf-8-sig", newline="")))
    column = rows[0].index("incident_date") + 1
    rows[42][column - 1] = "2023-02-30"
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    code, out = _import(repo, bad)
    assert code == 1, out
    assert f"bad.csv:43:{column}: error CB502 [bad-cell] column 'incident_date': '2023-02-30' " \
           "is not a real date" in out
    assert len(list((repo / "cases").glob("*.md"))) == SHEET_ROWS - 1
    assert "1 row rejected" in out and "- row 43:" in out


def test_diagnostics_come_in_the_validators_formats(repo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "s.csv"
    bad.write_text("title,incident_date,country,aliases\nA strike,2023-13-01,YEM,m:1\n",
                   encoding="utf-8")
    github = invoke("import", str(bad), "--format", "github", "--today", TODAY.isoformat(),
                    cwd=repo)
    assert github.exit_code == 1
    assert "::error file=" in github.stdout and "line=2,col=2," in github.stdout
    as_json = invoke("import", str(bad), "--format", "json", "--today", TODAY.isoformat(),
                     cwd=repo)
    data = json.loads(as_json.stdout)
    assert data["rejected"] == [2]
    assert data["diagnostics"][0]["code"] == "CB502"
    assert (data["diagnostics"][0]["line"], data["diagnostics"][0]["column"]) == (2, 2)


def test_unknown_columns_are_named_with_a_suggestion_and_nothing_is_imported(
        repo: Path, tmp_path: Path) -> None:
    bad = tmp_path / "s.csv"
    bad.write_text("title,incident_dat,country,colour\nA strike,2023-10-01,YEM,red\n",
                   encoding="utf-8")
    code, out = _import(repo, bad)
    assert code == 1
    assert "s.csv:1:2: error CB501 [unknown-column] unknown column 'incident_dat' (did you " \
           "mean 'incident_date'?)" in out
    assert "s.csv:1:4: error CB501" in out
    assert not list((repo / "cases").glob("*.md"))


def test_a_row_whose_case_is_invalid_names_the_column(repo: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_text("title,incident_date,country,aliases,source_url\n"
                     "Strike,2023-10-01,YEM,m:1,not a url\n"
                     "Strike,2023-10-02,YEM,m:2,https://example.org/2\n", encoding="utf-8")
    code, out = _import(repo, sheet)
    assert code == 1, out
    assert "s.csv:2:5: error CB503 [invalid-row]" in out
    assert len(list((repo / "cases").glob("*.md"))) == 1


def test_every_import_column_is_a_column_of_the_cases_export_or_of_a_source() -> None:
    from generator.publish.site.exports import CASE_COLUMNS

    exported = {c.name for c in CASE_COLUMNS}
    extra = {c for c in IMPORT_COLUMNS if c not in exported}
    assert extra == {"source_type", "source_title", "source_url", "source_publisher",
                     "source_published", "source_visibility", "narrative"}


@pytest.mark.parametrize(("text", "count"), [
    ("7", 7), ("3-7", {"min": 3, "max": 7}), ("3 – 7", {"min": 3, "max": 7}),
    ("at least 12", 12), ("12+", 12), ("about 5", 5), ("unknown", None), ("N/A", None),
    ("1,200", 1200),
])
def test_counts_written_as_text(text: str, count: object) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize("text", ["many", "7-3", "-2"])
def test_a_count_that_cannot_be_read_says_so(text: str) -> None:
    with pytest.raises(ValueError, match=r"count|greater"):
        parse_count(text)


def test_the_example_mapping_turns_the_monitor_sheet_into_valid_cases(repo: Path) -> None:
    mapping = ROOT / "examples" / "monitor-mapping.yaml"
    sheet = ROOT / "examples" / "monitor-incidents.csv"
    checked = invoke("import", "--check-mapping", str(mapping), str(sheet), cwd=repo)
    assert checked.exit_code == 0, shown(checked)
    code, out = _import(repo, sheet, "--mapping", str(mapping))
    assert code == 0, out
    corpus = load_corpus(load_config(repo / "mkdocs.yml"), today=TODAY)
    assert corpus.report().errors == 0 and corpus.report().warnings == 0
    by_alias = {c.aliases[0]: c for c in corpus.cases}
    assert len(by_alias) == 4
    first, second = by_alias["examplewatch:ECW-0001"], by_alias["examplewatch:ECW-0002"]
    assert str(first.incident.date) == "2023-10-29" == str(second.incident.date)
    assert first.harm is not None and first.harm.killed == CountRange(min=3, max=7)
    assert first.harm.children_killed is None
    assert second.harm is not None and second.harm.killed == 12
    assert first.incident.attribution.value == "likely"
    assert second.incident.operation_type is not None
    assert second.incident.operation_type.value == "air"
    assert first.sources[0].published is not None
    assert first.sources[0].published.isoformat() == "2023-10-30"
    assert first.title.startswith("Airstrike in Qalmere")
    # And again: the key template matches every row.
    code, out = _import(repo, sheet, "--mapping", str(mapping))
    assert code == 0 and "4 rows matched" in out


def test_a_bad_mapping_is_reported(repo: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("columns:\n  titel: Name\nfoo: 1\n", encoding="utf-8")
    result = invoke("import", "--check-mapping", str(mapping), cwd=repo)
    assert result.exit_code == 1
    assert "CB504" in result.stdout and "foo" in result.stdout
    mapping.write_text("columns:\n  titel: Name\n", encoding="utf-8")
    result = invoke("import", "--check-mapping", str(mapping), cwd=repo)
    assert "'titel' in columns is not a casebook column (did you mean 'title'?)" in result.stdout


def test_a_mapping_naming_a_missing_column_imports_nothing(repo: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    shutil.copy(ROOT / "examples" / "monitor-mapping.yaml", mapping)
    mapping.write_text(mapping.read_text(encoding="utf-8").replace("place: Town",
                                                                   "place: Village"))
    code, out = _import(repo, ROOT / "examples" / "monitor-incidents.csv",
                        "--mapping", str(mapping))
    assert code == 1
    assert "the mapping reads the column 'Village', which the sheet does not have" in out
    assert not list((repo / "cases").glob("*.md"))


def test_json_lines_and_a_dry_run(repo: Path, tmp_path: Path) -> None:
    sheet = tmp_path / "rows.jsonl"
    rows = [{"title": "Strike on a bakery", "incident_date": "2023-10-01", "country": "YEM",
             "aliases": f"m:{n}", "killed_min": n} for n in range(1, 4)]
    sheet.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, out = _import(repo, sheet, "--dry-run")
    assert code == 0, out
    assert "3 new cases would be created" in out
    assert not list((repo / "cases").glob("*.md"))
    assert _import(repo, sheet)[0] == 0
    assert len(list((repo / "cases").glob("*.md"))) == 3
