"""The built site in a real browser: Playwright driving Debian's Chromium.

The site is served by a plain static file server under a sub-path, as an
internal web server would; every request that is not to that server fails the
test, and so does any console error.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from browsing import chromium, serve

from conftest import ROOT, TODAY, run_casebook

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@dataclass
class Server:
    base: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    project = tmp_path_factory.mktemp("browser-project")
    for name in ("cases", "templates"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / ".generated" / "docs").mkdir(parents=True)
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    with serve(project / "site", project / "www") as base:
        yield Server(base)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


@dataclass
class Watch:
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: object, server: Server) -> Iterator[tuple[object, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    watch = Watch()
    local = urlsplit(server.base).netloc

    def route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc != local:
            watch.outside.append(url)
            route.abort()  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield tab, watch
    context.close()
    assert watch.outside == [], "the site requested outside hosts"
    assert watch.errors == [], "the console showed errors"


def _shot(tab: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_home_to_stage_sort_filter_and_case(page: tuple[object, Watch], server: Server) -> None:
    tab, _ = page
    tab.goto(server.base)  # type: ignore[attr-defined]
    assert "Casebook" in tab.title()  # type: ignore[attr-defined]
    _shot(tab, "home")

    tab.click(".cb-pipeline a:has-text('Incident analysis')")  # type: ignore[attr-defined]
    tab.wait_for_url("**/stages/incident-analysis/")  # type: ignore[attr-defined]
    table = tab.locator(".cb-table table")  # type: ignore[attr-defined]
    rows = table.locator("tbody tr")
    count = rows.count()
    assert count >= 3
    _shot(tab, "stage")

    ids = lambda: [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]  # noqa: E731
    table.locator("th button", has_text="Case").click()
    ascending = ids()
    assert ascending == sorted(ascending)
    table.locator("th button", has_text="Case").click()
    assert ids() == sorted(ascending, reverse=True)
    assert table.locator("th[aria-sort='descending']").count() == 1

    target = ascending[0]
    tab.fill(".cb-filter input", target)  # type: ignore[attr-defined]
    visible = [r for r in range(count) if rows.nth(r).is_visible()]
    assert len(visible) == 1
    assert tab.inner_text(".cb-filter__count") == f"1 of {count} rows"  # type: ignore[attr-defined]

    rows.nth(visible[0]).locator("a").first.click()
    tab.wait_for_url(f"**/cases/{target}/")  # type: ignore[attr-defined]
    assert tab.locator("h1").inner_text()  # type: ignore[attr-defined]
    assert tab.locator(".cb-progress [aria-current='step']").count() == 1  # type: ignore[attr-defined]
    _shot(tab, "case")


def test_search_finds_a_case_by_a_word_in_its_narrative(page: tuple[object, Watch],
                                                        server: Server) -> None:
    tab, _ = page
    word = "Hillcrest"  # in the narrative of CH-2024-0006 only
    sample = (ROOT / "cases" / "CH-2024-0006.md").read_text(encoding="utf-8")
    assert word in sample.split("---", 2)[2]
    tab.goto(server.base)  # type: ignore[attr-defined]
    tab.click("input.md-search__input")  # type: ignore[attr-defined]
    # Typed key by key: the theme's search listens to keyboard events.
    tab.keyboard.type(word)  # type: ignore[attr-defined]
    result = tab.locator(".md-search-result__link").first  # type: ignore[attr-defined]
    result.wait_for(timeout=15000)
    assert "CH-2024-0006" in (result.get_attribute("href") or "")
    result.click()
    tab.wait_for_url("**/cases/CH-2024-0006/**")  # type: ignore[attr-defined]


def test_dark_mode_and_dashboard(page: tuple[object, Watch], server: Server) -> None:
    tab, _ = page
    tab.goto(server.base + "dashboard/")  # type: ignore[attr-defined]
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    assert tab.evaluate(scheme) == "default"  # type: ignore[attr-defined]
    assert tab.locator("svg.cb-chart").count() >= 5  # type: ignore[attr-defined]
    _shot(tab, "dashboard")
    tab.locator("form[data-md-component='palette'] label:visible").first.click()  # type: ignore[attr-defined]
    assert tab.evaluate(scheme) == "slate"  # type: ignore[attr-defined]
    _shot(tab, "dashboard-dark")
    # The choice persists across pages.
    tab.goto(server.base + "about/")  # type: ignore[attr-defined]
    assert tab.evaluate(scheme) == "slate"  # type: ignore[attr-defined]


def test_tables_read_correctly_without_javascript(browser: object, server: Server) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.goto(server.base + "stages/closed/")
    rows = tab.locator(".cb-table table tbody tr")
    assert rows.count() >= 3
    assert tab.locator(".cb-filter").count() == 0
    assert "CH-" in rows.first.inner_text()
    context.close()
