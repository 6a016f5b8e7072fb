"""A table split over pages, in a real browser: the pager, sorting and filtering the
whole table from any of its pages, the pages without JavaScript, and axe-core.

The suite's sample project is built with three rows a page, so that the 13 cases
citing media sources span five pages (/sources/media/ and /sources/media/page/2/...).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from auditing import Served, audit, serve_build
from browsing import chromium, watched_tab
from playwright.sync_api import Browser, Page, expect

from conftest import TODAY, copy_project, with_page_size

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SIZE = 3
LISTING = "sources/media/"
PAGES = 5
TOTAL = 13


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    project = with_page_size(copy_project(tmp_path_factory.mktemp("listing-browser")), SIZE)
    with ExitStack() as stack:
        yield serve_build(stack, project, "internal", TODAY.isoformat())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def _tab(browser: Browser, served: Served, *, scripts: bool = True) -> Iterator[Page]:
    with watched_tab(browser, served.base, java_script_enabled=scripts) as (tab, _):
        yield tab


@pytest.fixture
def tab(browser: Browser, served: Served) -> Iterator[Page]:
    yield from _tab(browser, served)


@pytest.fixture
def plain_tab(browser: Browser, served: Served) -> Iterator[Page]:
    yield from _tab(browser, served, scripts=False)


def _page_ids(site: Path) -> list[list[str]]:
    """The case ids on each page of the listing, as the build wrote them."""
    files = [site / LISTING / "rows.json",
             *(site / LISTING / f"page/{n}/rows.json" for n in range(2, PAGES + 1))]
    return [[row[0][0] for row in json.loads(f.read_text(encoding="utf-8"))["rows"]]
            for f in files]


def _shown_ids(tab: Page) -> list[str]:
    cells = tab.locator(".cb-table tbody tr td:first-child")
    return [cells.nth(i).inner_text() for i in range(cells.count())]


def test_the_listing_spans_the_pages_expected(served: Served) -> None:
    pages = _page_ids(served.site)
    assert [len(p) for p in pages] == [3, 3, 3, 3, 1]
    assert len({i for p in pages for i in p}) == TOTAL


def test_pager_links_lead_from_page_to_page(tab: Page, served: Served) -> None:
    tab.goto(served.base + LISTING)
    pager = tab.get_by_role("navigation", name="Pages of Source type: Media")
    expect(pager).to_have_count(1)
    expect(pager.locator("[aria-current='page']")).to_have_text("1")
    expect(pager.locator("a[rel='prev']")).to_have_count(0)
    expect(tab.locator(".cb-listing__range")).to_have_text(f"Rows 1 to 3 of {TOTAL}.")
    pager.locator("a[rel='next']").click()
    tab.wait_for_url(f"**/{LISTING}page/2/")
    expect(pager.locator("[aria-current='page']")).to_have_text("2")
    expect(tab.locator(".cb-listing__range")).to_have_text(f"Rows 4 to 6 of {TOTAL}.")
    assert _shown_ids(tab) == _page_ids(served.site)[1]
    pager.get_by_role("link", name="Last").click()
    tab.wait_for_url(f"**/{LISTING}page/{PAGES}/")
    expect(pager.locator("a[rel='next']")).to_have_count(0)
    pager.locator("a[rel='prev']").click()
    tab.wait_for_url(f"**/{LISTING}page/{PAGES - 1}/")
    pager.get_by_role("link", name="First").click()
    tab.wait_for_url(f"**/{LISTING}")
    expect(pager.locator("[aria-current='page']")).to_have_text("1")


def test_sorting_orders_the_whole_listing(tab: Page, served: Served) -> None:
    every = sorted(i for page in _page_ids(served.site) for i in page)
    tab.goto(served.base + LISTING + "page/2/")
    sort = tab.locator(".cb-table th button", has_text="Case")
    sort.click()
    count = tab.locator(".cb-filter__count")
    expect(count).to_have_text(f"All {TOTAL} rows, the first {SIZE} shown")
    assert _shown_ids(tab) == every[:SIZE]
    expect(tab.locator(".cb-pager")).to_be_hidden()
    sort.click()
    expect(tab.locator(".cb-table th[aria-sort='descending']")).to_have_count(1)
    expect(tab.locator(".cb-table tbody tr td:first-child").first).to_have_text(every[-1])
    assert _shown_ids(tab) == every[::-1][:SIZE]
    more = tab.get_by_role("button", name=f"Show {SIZE} more rows")
    more.click()
    expect(tab.locator(".cb-table tbody tr")).to_have_count(2 * SIZE)
    assert _shown_ids(tab) == every[::-1][:2 * SIZE]
    # A row drawn from another page's file links to its case.
    last = tab.locator(".cb-table tbody tr td:first-child a").last
    target = last.inner_text()
    last.click()
    tab.wait_for_url(f"**/cases/{target}/")


def test_filtering_finds_a_row_of_another_page(tab: Page, served: Served) -> None:
    pages = _page_ids(served.site)
    target = pages[2][0]
    assert target not in pages[0]
    tab.goto(served.base + LISTING)
    tab.fill(".cb-filter input", target)
    expect(tab.locator(".cb-filter__count")).to_have_text(f"1 of {TOTAL} rows")
    expect(tab.locator(".cb-table tbody tr")).to_have_count(1)
    assert _shown_ids(tab) == [target]
    expect(tab.locator(".cb-pager")).to_be_hidden()
    tab.fill(".cb-filter input", "")
    expect(tab.locator(".cb-table tbody tr")).to_have_count(SIZE)
    assert _shown_ids(tab) == pages[0]
    expect(tab.locator(".cb-pager")).to_be_visible()
    expect(tab.locator(".cb-filter__count")).to_have_text("")


def test_without_javascript_each_page_has_its_rows_and_the_links(plain_tab: Page,
                                                                 served: Served) -> None:
    pages = _page_ids(served.site)
    plain_tab.goto(served.base + LISTING + "page/2/")
    assert plain_tab.locator(".cb-filter").count() == 0
    assert _shown_ids(plain_tab) == pages[1]
    pager = plain_tab.get_by_role("navigation", name="Pages of Source type: Media")
    links = pager.get_by_role("link")
    labels = [links.nth(i).inner_text() for i in range(links.count())]
    assert labels == ["First", "Previous", "1", "2", "3", "4", "5", "Next", "Last"]
    pager.get_by_role("link", name="Page 4").click()
    plain_tab.wait_for_url(f"**/{LISTING}page/4/")
    assert _shown_ids(plain_tab) == pages[3]


@pytest.mark.parametrize("address", [LISTING + "page/2/", "review/stalled/page/2/",
                                     "review/"])
def test_no_wcag_violation_on_a_split_listing(tab: Page, served: Served, address: str) -> None:
    tab.goto(served.base + address)
    expect(tab.locator(".cb-pager").first).to_be_visible()
    found = audit(tab, address)
    assert found == [], "\n".join(str(v) for v in found)
