"""What the benchmark suite measures besides times: sites' outputs, a build's memory, and a
search in the browser, each on a small real input so that a figure that reads the wrong
thing fails here rather than in a long suite."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT, TODAY, copy_project


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # The scripts import each other by name from their folder, as when run.
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    return importlib.import_module("site_bench")


def _file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_the_search_index_is_pagefinds_folder_and_the_largest_page_is_named(
        bench: ModuleType, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _file(site / "cases" / "CH-2024-0001" / "index.html", 3000)
    _file(site / "cases" / "CH-2024-0002" / "index.html", 1000)
    _file(site / "review" / "index.html", 9000)
    _file(site / "pagefind" / "pagefind.js", 500)
    _file(site / "pagefind" / "index" / "en_1.pf_index", 700)
    _file(site / "pagefind" / "fragment" / "en_2.pf_fragment", 300)
    out = bench.site_output(site, "cases")
    assert (out.pages, out.html_bytes_avg) == (2, 2000)
    assert (out.search_index_bytes, out.search_files) == (1500, 3)
    assert out.largest_page == (9000, "review/index.html")
    assert bench.largest_text(out) == "9 (`review/index.html`)"

    # mkdocs' own search, where there is no Pagefind folder: the bare reference's.
    bare = tmp_path / "bare"
    _file(bare / "search" / "search_index.json", 1234)
    _file(bare / "pages" / "page-00001" / "index.html", 10)
    out = bench.site_output(bare, "pages")
    assert (out.search_index_bytes, out.search_files) == (1234, 1)


def test_a_sampled_child_counts_the_memory_of_its_whole_process_tree(
        bench: ModuleType, tmp_path: Path) -> None:
    measure = importlib.import_module("measure")
    # A parent holding 120 MiB runs a child holding 80 MiB: ru_maxrss is the larger
    # alone, the tree holds both at once.
    child = "b = bytearray(80 * 2**20); import time; time.sleep(1.5)"
    parent = ("import subprocess, sys; a = bytearray(120 * 2**20); "
              f"subprocess.run([sys.executable, '-c', {child!r}], check=True)")
    run = measure.run_child([sys.executable, "-c", parent], tmp_path, sample=True)
    assert run.returncode == 0, run.stderr
    assert 120 <= run.max_rss_mib < 190
    assert run.tree_peak_mib >= 200
    names = dict(run.peaks)
    assert max(names.values()) >= 120 and len(run.peaks) >= 1
    plain = measure.run_child([sys.executable, "-c", "pass"], tmp_path)
    assert (plain.tree_peak_mib, plain.peaks) == (0.0, ())


@pytest.mark.slow
def test_the_browser_finds_a_case_by_its_id_and_counts_the_visit(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    browser_bench = importlib.import_module("browser_bench")
    project = copy_project(tmp_path / "project")
    built = subprocess.run([sys.executable, "-m", "generator", "build", "--today",
                            TODAY.isoformat(), "--quiet"], cwd=project, capture_output=True,
                           text=True, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    site = project / "site"

    search = browser_bench.measure_search(site, "CH-2024-0006", runs=1)
    visit = search.visits[0]
    assert 0 < visit.load_seconds < visit.seconds
    # The home page, the theme's files and Pagefind's: at least what is on disk of them.
    home = (site / "index.html").stat().st_size
    pagefind = sum(p.stat().st_size for p in (site / "pagefind").glob("*/pagefind*.js"))
    assert visit.transferred > home + 10_000
    assert 0 < visit.search_bytes < visit.transferred
    assert visit.search_bytes > (site / "pagefind" / "part-1" / "wasm.en.pagefind").stat().st_size
    assert pagefind > 0 and visit.requests > 5
    assert visit.heap_mib > 0 and visit.renderer_rss_mib > 10
    assert "first result for CH-2024-0006" in browser_bench.summary(search)

    # An id no case has never shows a first result: the visit fails, and says so.
    monkeypatch.setattr(browser_bench, "TIMEOUT_MS", 5_000)
    with pytest.raises(browser_bench.BrowserFailed, match="CH-1999-9999"):
        browser_bench.measure_search(site, "CH-1999-9999", runs=1)


def test_writing_the_suite_keeps_the_sections_other_benchmarks_wrote(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    run = importlib.import_module("run")
    old = f"# Suite\n\nold figures\n\n{run.KEPT}\n\n## The leak check\n\nleak figures\n"
    new = run.with_kept_sections("# Suite\n\nnew figures\n", old)
    assert new == f"# Suite\n\nnew figures\n\n{run.KEPT}\n\n## The leak check\n\nleak figures\n"
    assert "old figures" not in new
    # A results file without the line keeps nothing: the report stands alone.
    assert run.with_kept_sections("# Suite\n", "# Suite\n\nold figures\n") == "# Suite\n"


def test_the_indexers_peak_is_measured_on_the_pages_a_glob_takes_and_the_site_is_left_alone(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    search_memory = importlib.import_module("search_memory")
    site = tmp_path / "site"
    for year, number in [("2023", "0001"), ("2024", "0002"), ("2024", "0003")]:
        page = site / "cases" / f"CH-{year}-{number}" / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f'<html lang="en"><body><nav>Menu</nav><div data-pagefind-body>'
                        f'<h1>Shelling of a market (CH-{year}-{number})</h1>'
                        f'<p>Civilians reported injured.</p></div></body></html>')
    before = sorted(p.relative_to(site) for p in site.rglob("*"))

    every = search_memory.measure_glob(Path(sys.executable), site, "cases/**/*.html")
    one_year = search_memory.measure_glob(Path(sys.executable), site, "cases/CH-2024-*/*.html")
    # Pagefind's own count of the pages it indexed, and its binary's memory, not Python's.
    assert (every[1], one_year[1]) == ("3", "2")
    assert float(every[3]) > 1 and float(every[4]) > 1
    # The parts the build would make of them, each measured, then the whole index.
    parts = search_memory.measure_parts(Path(sys.executable), site, 2)
    assert [row[1] for row in parts] == ["1", "2", "3"]
    assert parts[0][0] == "part-1 of 2: CH-2023-0001 to CH-2023-0001"
    assert float(parts[2][3]) == max(float(row[3]) for row in parts[:2]) > 1
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
