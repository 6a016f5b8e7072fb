"""The built site in a real browser: Playwright driving Debian's Chromium.

The site is served by a plain static file server under a sub-path, as an
internal web server would; every request that is not to that server fails the
test, and so does any console error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from browsing import chromium, serve
from playwright.sync_api import Browser, Page, Route, expect

from conftest import ROOT, SAMPLE_CASES, TODAY, copy_project, run_casebook

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@dataclass
class Server:
    base: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    project = copy_project(tmp_path_factory.mktemp("browser-project"))
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    with serve(project / "site", project / "www") as base:
        yield Server(base)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@dataclass
class Watch:
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[tuple[Page, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch()
    local = urlsplit(server.base).netloc

    def route(route: Route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != local:
            watch.outside.append(url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield tab, watch
    context.close()
    assert watch.outside == [], "the site requested outside hosts"
    assert watch.errors == [], "the console showed errors"


def _shot(tab: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_home_to_stage_sort_filter_and_case(page: tuple[Page, Watch], server: Server) -> None:
    tab, _ = page
    tab.goto(server.base)
    assert "Casebook" in tab.title()
    _shot(tab, "home")

    tab.click(".cb-pipeline a:has-text('Incident analysis')")
    tab.wait_for_url("**/stages/incident-analysis/")
    table = tab.locator(".cb-table table")
    rows = table.locator("tbody tr")
    count = rows.count()
    assert count >= 3
    _shot(tab, "stage")

    ids = lambda: [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]  # noqa: E731
    table.locator("th button", has_text="Case").click()
    expect(table.locator("th[aria-sort='ascending']")).to_have_count(1)
    ascending = ids()
    assert ascending == sorted(ascending)
    table.locator("th button", has_text="Case").click()
    expect(table.locator("th[aria-sort='descending']")).to_have_count(1)
    assert ids() == sorted(ascending, reverse=True)

    target = ascending[0]
    tab.fill(".cb-filter input", target)
    expect(tab.locator(".cb-filter__count")).to_have_text(f"1 of {count} rows")
    visible = [r for r in range(count) if rows.nth(r).is_visible()]
    assert len(visible) == 1

    rows.nth(visible[0]).locator("a").first.click()
    tab.wait_for_url(f"**/cases/{target}/")
    assert tab.locator("h1").inner_text()
    assert tab.locator(".cb-progress [aria-current='step']").count() == 1
    _shot(tab, "case")


def test_search_finds_a_case_by_a_word_in_its_narrative(page: tuple[Page, Watch],
                                                        server: Server) -> None:
    tab, _ = page
    word = "Hillcrest"  # in the narrative of CH-2024-0006 only
    sample = (SAMPLE_CASES / "CH-2024-0006.md").read_text(encoding="utf-8")
    assert word in sample.split("---", 2)[2]
    tab.goto(server.base)
    tab.fill(".cb-search__input", word)
    results = tab.locator(".cb-search__results")
    expect(results.locator(".cb-search__meta")).to_have_text("1 case matches", timeout=15000)
    result = results.locator(".cb-search__item a")
    expect(result).to_have_count(1)
    expect(result).to_have_attribute("href", re.compile(r"cases/CH-2024-0006/$"))
    # The case's id, stage and date, not the page's headings with their "¶".
    facts = result.locator(".cb-search__facts").inner_text()
    assert facts.startswith("CH-2024-0006 · ") and re.search(r"\d{4}-\d{2}-\d{2}$", facts)
    expect(result.locator("mark")).to_have_text(word)
    assert "¶" not in result.inner_text()
    # Pagefind's chunks were loaded from the site itself (outside hosts fail the test).
    assert any("/pagefind/" in url for url in server_requests(tab))
    result.click()
    tab.wait_for_url("**/cases/CH-2024-0006/")


def server_requests(tab: Page) -> list[str]:
    return tab.evaluate("performance.getEntriesByType('resource').map(e => e.name)")


def test_search_by_case_id_puts_that_case_first_and_says_so(page: tuple[Page, Watch],
                                                            server: Server) -> None:
    tab, _ = page
    tab.goto(server.base + "about/")
    assert not any("/pagefind/" in url for url in server_requests(tab))
    target = "CH-2024-0006"
    # The box sits in the theme's header bar, labelled, and the keyboard reaches it
    # from the header's first link in a few presses of Tab.
    box = tab.locator(".md-header__inner .cb-search__input")
    expect(box).to_have_accessible_name("Search cases")
    tab.locator(".md-header__inner a").first.focus()
    for _ in range(10):
        if box.evaluate("node => node === document.activeElement"):
            break
        tab.keyboard.press("Tab")
    expect(box).to_be_focused()
    tab.keyboard.type(target.lower())
    results = tab.locator(".cb-search__results")
    first = results.locator(".cb-search__item a").first
    expect(first.locator(".cb-search__badge")).to_have_text("Case id", timeout=15000)
    expect(first).to_have_attribute("href", re.compile(rf"cases/{target}/$"))
    expect(results.locator(".cb-search__meta")).to_contain_text(f"Case {target} (exact id)")
    # Enter goes to the first result: the case.
    tab.press(".cb-search__input", "Enter")
    tab.wait_for_url(f"**/cases/{target}/")
    # An id that no case in this build has is said to be missing, not matched loosely.
    tab.fill(".cb-search__input", "CH-1999-9999")
    expect(results.locator(".cb-search__meta")).to_contain_text(
        "No case has the id CH-1999-9999 in this build", timeout=15000)
    expect(results.locator(".cb-search__badge")).to_have_count(0)


def test_dark_mode_and_dashboard(page: tuple[Page, Watch], server: Server) -> None:
    tab, _ = page
    tab.goto(server.base + "dashboard/")
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    assert tab.evaluate(scheme) == "default"
    assert tab.locator("svg.cb-chart").count() >= 5
    _shot(tab, "dashboard")
    tab.locator("form[data-md-component='palette'] label:visible").first.click()
    assert tab.evaluate(scheme) == "slate"
    _shot(tab, "dashboard-dark")
    # The choice persists across pages.
    tab.goto(server.base + "about/")
    assert tab.evaluate(scheme) == "slate"


def test_tables_read_correctly_without_javascript(browser: Browser, server: Server) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(server.base + "stages/closed/")
    rows = tab.locator(".cb-table table tbody tr")
    assert rows.count() >= 3
    assert tab.locator(".cb-filter").count() == 0
    assert "CH-" in rows.first.inner_text()
    context.close()
