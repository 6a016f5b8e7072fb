"""Long tables split into pages: the splitting itself, the pages and rows files that a
generation writes, and a real mkdocs build of a project whose listings span pages."""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.config.defaults import MkDocsConfig

from conftest import TODAY, copy_project, run_casebook, with_page_size
from generator.checks.corpus import load_corpus
from generator.config import load_config
from generator.publish.build import generate
from generator.publish.leakcheck import scan
from generator.publish.profiles import Removed, Withheld
from generator.publish.site.context import Site
from generator.publish.site.facts import case_facts
from generator.publish.site.links import page_url
from generator.publish.site.listing import (
    Cell,
    Place,
    listings,
    numbers,
    rows_json,
    split,
)
from generator.publish.site.pages import SiteBuilder

SIZE = 3
"""Rows a page in the projects here: the suite's 13 media-sourced cases span 5 pages."""


# ---------------------------------------------------------------- the splitting


@pytest.mark.parametrize("total", [0, 1, 2, 3, 4, 7, 9, 10])
def test_split_keeps_every_row_once_in_order(total: int) -> None:
    rows = list(range(total))
    pages = split(rows, SIZE)
    assert [r for page in pages for r in page] == rows
    assert all(1 <= len(page) <= SIZE for page in pages) or total == 0
    assert len(pages) == max(1, -(-total // SIZE))


def test_split_refuses_a_page_of_no_rows() -> None:
    with pytest.raises(ValueError, match="not positive"):
        split([1, 2], 0)


def test_a_short_table_is_one_page_without_pager() -> None:
    assert listings(Place("stages/intake.md", "Intake"), SIZE, SIZE) is None
    assert listings(Place("stages/intake.md", "Intake"), 0, SIZE) is None


@pytest.mark.parametrize(("number", "count", "shown"), [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 10, [1, 2, 3, None, 10]),
    (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
    (6, 10, [1, None, 4, 5, 6, 7, 8, 9, 10]),
    (10, 10, [1, None, 8, 9, 10]),
])
def test_page_numbers_show_the_ends_and_the_pages_near(number: int, count: int,
                                                       shown: list[int | None]) -> None:
    assert numbers(number, count) == shown


def test_first_page_keeps_its_address_and_later_pages_follow_it() -> None:
    place = Place("stages/intake.md", "Intake")
    assert place.page(1) == "stages/intake.md"
    assert place.page(2) == "stages/intake/page/2.md"
    assert place.rows_file(1) == "stages/intake/rows.json"
    assert place.rows_file(2) == "stages/intake/page/2/rows.json"
    several = Place("review.md", "Overdue", key="overdue", anchor="overdue-reviews")
    assert several.page(3) == "review/overdue/page/3.md"
    assert several.rows_file(1) == "review/rows-overdue.json"


def _resolve(page: str, url: str) -> str:
    """The site path a final relative URL on `page` leads to."""
    target = url.split("#")[0]
    return posixpath.normpath(posixpath.join(page_url(page), target)) + (
        "/" if target.endswith("/") or target == "" else "")


def test_links_between_pages_lead_to_each_page() -> None:
    place = Place("review.md", "Stalled", key="stalled", anchor="stalled-cases")
    pages = listings(place, 10, SIZE)
    assert pages is not None and [p.number for p in pages] == [1, 2, 3, 4]
    urls = {n: page_url(place.page(n)) for n in range(1, 5)}
    for listing in pages:
        here = place.page(listing.number)
        assert (listing.first_row, listing.last_row) == (
            (listing.number - 1) * SIZE + 1, min(listing.number * SIZE, 10))
        assert _resolve(here, listing.next or "") == (
            urls[listing.number + 1] if listing.number < 4 else urls[listing.number])
        if listing.number > 1:
            assert _resolve(here, listing.previous) == urls[listing.number - 1]
            assert listing.first.endswith("#stalled-cases")
            assert _resolve(here, listing.first) == "review/"
        else:
            assert listing.previous == listing.first == ""
        current = [link for link in listing.pages if link.current]
        assert [link.label for link in current] == [str(listing.number)]
        files = [posixpath.normpath(posixpath.join(page_url(here), f))
                 for f in listing.rows_files]
        assert files == [place.rows_file(n) for n in range(1, 5)]


def test_rows_file_holds_cells_and_each_tooltip_once() -> None:
    data = json.loads(rows_json([
        [Cell("CH-1", "../cases/CH-1/"), Cell("A title"), Cell("Intake", hint="Stage 1"),
         Cell("Active", hint="Worked on", flags=("overdue",))],
        [Cell("CH-2", "../cases/CH-2/"), Cell(""), Cell("Intake", hint="Stage 1"),
         Cell("Active", hint="Worked on")]]))
    assert data["hints"] == ["Stage 1", "Worked on"]
    assert data["rows"] == [
        [["CH-1", "../cases/CH-1/"], ["A title"], ["Intake", "", 0], ["Active", "", 1, ["overdue"]]],
        [["CH-2", "../cases/CH-2/"], [""], ["Intake", "", 0], ["Active", "", 1]]]


# ---------------------------------------------------------------- a generation


class _Table(HTMLParser):
    """The rows of a page's case tables, each as its cells' text, and the pagers' links."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[tuple[str, dict[str, str | None]]] = []
        self._cell: list[str] | None = None
        self._in_body = self._in_pager = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self._cell = []
        elif tag == "nav" and "cb-pager" in (found.get("class") or ""):
            self._in_pager = True
        elif tag == "a" and self._in_pager:
            self.links.append((found.get("href") or "", found))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "nav":
            self._in_pager = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _parse(path: Path) -> _Table:
    parser = _Table()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _json_rows(path: Path) -> list[list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [[" ".join([cell[0], *(cell[3] if len(cell) > 3 else [])]) for cell in row]
            for row in data["rows"]]


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = with_page_size(copy_project(tmp_path_factory.mktemp("listing")), SIZE)
    config = load_config(project / "mkdocs.yml")
    generate(config, today=TODAY)
    return config.generated_dir


def _pages_of(docs: Path, base: str) -> list[Path]:
    stem = base.removesuffix(".md")
    later = sorted((docs / stem / "page").glob("*.md"), key=lambda p: int(p.stem))
    return [docs / base, *later]


def test_every_row_of_a_long_table_is_on_exactly_one_page(docs: Path) -> None:
    pages = _pages_of(docs, "sources/media.md")
    assert len(pages) == 5
    ids = [row[0] for page in pages for row in _parse(page).rows]
    assert len(ids) == 13 and len(set(ids)) == 13
    assert all(len(_parse(page).rows) == SIZE for page in pages[:-1])
    assert "Rows 4 to 6 of 13." in pages[1].read_text(encoding="utf-8")


def test_each_page_rows_file_holds_what_the_page_shows(docs: Path) -> None:
    for number, page in enumerate(_pages_of(docs, "sources/media.md"), start=1):
        rows_file = docs / Place("sources/media.md", "").rows_file(number)
        assert rows_file.stat().st_size < 1024 * 1024
        assert _json_rows(rows_file) == _parse(page).rows


def test_rows_files_link_to_the_cases_from_where_they_are(docs: Path) -> None:
    for number in (1, 3):
        rows_file = Place("sources/media.md", "").rows_file(number)
        data = json.loads((docs / rows_file).read_text(encoding="utf-8"))
        for row in data["rows"]:
            case_id, url = row[0][0], row[0][1]
            assert posixpath.normpath(posixpath.join(posixpath.dirname(rows_file), url)) \
                == f"cases/{case_id}"


def test_pager_links_rel_and_current_page(docs: Path) -> None:
    middle = _parse(docs / "sources/media/page/3.md")
    rels = {attrs.get("rel"): href for href, attrs in middle.links if attrs.get("rel")}
    assert rels == {"prev": "../2/", "next": "../4/"}
    current = [href for href, attrs in middle.links if attrs.get("aria-current") == "page"]
    assert current == ["./"]
    text = (docs / "sources/media/page/3.md").read_text(encoding="utf-8")
    assert '<nav class="cb-pager" aria-label="Pages of Source type: Media">' in text
    first = _parse(docs / "sources/media.md")
    assert not any(attrs.get("rel") == "prev" for _, attrs in first.links)


def test_a_short_table_has_no_pager_and_no_rows_file(docs: Path) -> None:
    text = (docs / "stages/policy-impact-assessment.md").read_text(encoding="utf-8")
    assert len(_parse(docs / "stages/policy-impact-assessment.md").rows) <= SIZE
    assert "cb-pager" not in text and "data-cb-rows" not in text
    assert not (docs / "stages/policy-impact-assessment").exists()


def test_each_table_of_the_review_page_has_pages_of_its_own(docs: Path) -> None:
    text = (docs / "review.md").read_text(encoding="utf-8")
    assert 'data-cb-rows="rows-stalled.json ' in text
    later = docs / "review/stalled/page/2.md"
    assert "[the first page](../../../review.md#stalled-cases)" in later.read_text(
        encoding="utf-8")
    assert (docs / "review/stalled/page/2/rows.json").is_file()


# ---------------------------------------------------------------- a real build


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = with_page_size(copy_project(tmp_path_factory.mktemp("listing-build")), SIZE)
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


def test_the_built_site_has_every_page_of_a_long_table(site: Path) -> None:
    for number in range(2, 6):
        page = site / f"sources/media/page/{number}/index.html"
        assert page.is_file()
        assert (site / f"sources/media/page/{number}/rows.json").is_file()
        assert re.search(r'<a href="(\.\./)+(\d+/)?" rel="prev">', page.read_text(encoding="utf-8"))
    assert (site / "sources/media/rows.json").is_file()
    assert not (site / "sources/media/page/6").exists()


def test_the_leak_check_reads_the_rows_files(site: Path) -> None:
    data = json.loads((site / "sources/media/page/2/rows.json").read_text(encoding="utf-8"))
    title = max((row[1][0] for row in data["rows"]), key=len)
    removed = Removed(values={title: Withheld("CH-0000-0000", "title", "a test")})
    found = {leak.path for leak in scan(site, removed)}
    assert "sources/media/page/2/rows.json" in found


# ---------------------------------------------------------------- the live preview

# A dirty rebuild of `mkdocs serve` renders the pages whose Markdown was written again
# and removes the built pages of the files a generation removed
# (generator/preview/dirty.py): so a generation must write only the pages of a table
# that changed, and remove the pages that a shorter table no longer has.


def _media_page_of(docs: Path, number: int) -> list[str]:
    rows_file = docs / Place("sources/media.md", "").rows_file(number)
    return [row[0][0] for row in json.loads(rows_file.read_text(encoding="utf-8"))["rows"]]


def test_a_saved_case_rewrites_only_the_listing_page_it_is_on(tmp_path: Path) -> None:
    project = with_page_size(copy_project(tmp_path), SIZE)
    config = load_config(project / "mkdocs.yml")
    generate(config, today=TODAY)
    case_id = _media_page_of(config.generated_dir, 3)[0]
    case = project / "cases" / f"{case_id}.md"
    text = case.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title: "))
    case.write_text(text.replace(title, title + " (revised)", 1), encoding="utf-8")
    written = set(generate(config, today=TODAY).written)
    media = {p for p in written if p.startswith("sources/media")}
    assert media == {"sources/media/page/3.md", "sources/media/page/3/rows.json"}


def test_a_shorter_listing_removes_the_pages_it_no_longer_has(tmp_path: Path) -> None:
    project = with_page_size(copy_project(tmp_path), SIZE)
    config = load_config(project / "mkdocs.yml")
    generate(config, today=TODAY)
    (project / "cases" / f"{_media_page_of(config.generated_dir, 3)[0]}.md").unlink()
    result = generate(config, today=TODAY)
    assert {"sources/media/page/5.md", "sources/media/page/5/rows.json"} <= set(
        result.removed_files)
    assert not any(p.startswith("sources/media/page/5") for p in result.written)
    assert "sources/media/page/4.md" in result.written  # "of 12 rows" on every page now
    assert len(_media_page_of(config.generated_dir, 4)) == SIZE


def _table_of(rows_file: str) -> str:
    """The folder of a table's later pages, from any of its rows files:
    `sources/media/rows.json`, `review/rows-stalled.json`, `x/page/2/rows.json`."""
    if "/page/" in rows_file:
        return rows_file.split("/page/")[0]
    folder, name = rows_file.rsplit("/", 1)
    key = name.removeprefix("rows").removeprefix("-").removesuffix(".json")
    return f"{folder}/{key}" if key else folder


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def test_a_dirty_rebuild_renders_the_listing_pages_that_changed_and_drops_gone_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As `mkdocs serve --dirty` rebuilds: the same plugin, the settings read again."""
    project = with_page_size(copy_project(tmp_path / "project"), SIZE)
    epoch = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC).timestamp()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(epoch)))
    monkeypatch.delenv("CASEBOOK_PROFILE", raising=False)
    monkeypatch.chdir(project)
    monkeypatch.setattr(MkDocsConfig.plugins, "plugin_cache", {})
    config = load_mkdocs_config(str(project / "mkdocs.yml"))
    config.plugins.on_startup(command="serve", dirty=True)
    plugin = config.plugins["casebook"]
    build(config, dirty=True)
    site, docs = project / "site", project / ".generated" / "docs"
    assert (site / "sources/media/page/5/index.html").is_file()

    # One case of the media listing's third page leaves: the table is a page shorter.
    gone = _media_page_of(docs, 3)[0]
    before = _mtimes(site)
    holding: dict[str, set[str]] = {}
    for rows_file in site.rglob("*.json"):
        rel = rows_file.relative_to(site).as_posix()
        if rows_file.name.startswith("rows") and not rel.startswith("assets/"):
            data = json.loads(rows_file.read_text(encoding="utf-8"))
            holding.setdefault(_table_of(rel), set()).update(row[0][0] for row in data["rows"])
    later_pages = [rel for rel in before if "/page/" in rel and rel.endswith("index.html")]
    (project / "cases" / f"{gone}.md").unlink()
    config = load_mkdocs_config(str(project / "mkdocs.yml"))
    assert config.plugins["casebook"] is plugin
    build(config, dirty=True)
    assert plugin.search.wait(timeout=120)  # type: ignore[attr-defined]

    assert not (site / "sources/media/page/5").exists()
    after = _mtimes(site)
    rendered = {rel for rel, t in after.items() if before.get(rel) != t}
    assert {"sources/media/page/4/index.html", "sources/media/page/4/rows.json"} <= rendered
    page_4 = (site / "sources/media/page/4/index.html").read_text(encoding="utf-8")
    assert "Rows 10 to 12 of 12." in page_4 and 'rel="next"' not in page_4
    # The later pages of every table the case was not in are not rendered again.
    others = [rel for rel in later_pages if gone not in holding[rel.split("/page/")[0]]]
    assert others
    assert [rel for rel in others if after[rel] != before[rel]] == []


def test_a_table_orders_its_cases_overdue_then_stalled_then_by_id_given_or_not(
        tmp_path: Path) -> None:
    config = load_config(copy_project(tmp_path) / "mkdocs.yml")
    facts = [case_facts(f.case, f.body, TODAY, 60) for f in load_corpus(
        config, today=TODAY).files if f.case is not None]
    assert len(facts) >= 3 and any(f.overdue or f.stalled for f in facts)
    expected = [f.case.id for f in sorted(
        facts, key=lambda f: (not f.overdue, not f.stalled, f.case.id))]
    builder = SiteBuilder(config, Site("Test", "internal", TODAY, len(facts)), facts[1:], TODAY)
    # Given by the builder's own cases, and with one it was not given (its own order).
    for given in (builder.facts, list(reversed(facts))):
        table = builder.table(Place("listing.md", "Listing"), given)
        assert [row.id for row in table.rows] == [
            i for i in expected if i in {f.case.id for f in given}]
