"""The built site in a real browser: Playwright driving Debian's Chromium.

The site is served by a plain static file server under a sub-path, as an
internal web server would; every request that is not to that server fails the
test, and so does any console error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browsing import Watch, chromium, serve, watched_tab
from playwright.sync_api import Browser, Locator, Page, Route, expect

from conftest import ROOT, SAMPLE_CASES, TODAY, copy_project, run_casebook, with_search_parts

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
SEARCH_PART_PAGES = 3
"""Case pages in each part of the search index: the sample cases make several parts."""
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@dataclass
class Server:
    base: str
    site: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    project = with_search_parts(copy_project(tmp_path_factory.mktemp("browser-project")),
                                SEARCH_PART_PAGES)
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    with serve(project / "site", project / "www") as base:
        yield Server(base, project / "site")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[tuple[Page, Watch]]:
    with watched_tab(browser, server.base) as watched:
        yield watched


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


def search_parts(server: Server) -> list[dict[str, str]]:
    """The parts of the site's search index, as its list of them says."""
    parts: list[dict[str, str]] = json.loads(
        (server.site / "pagefind" / "parts.json").read_text(encoding="utf-8"))["parts"]
    return parts


def part_of(server: Server, case_id: str) -> str:
    """The folder of the part whose run of ids holds `case_id`."""
    return next(p["path"].rstrip("/") for p in search_parts(server)
                if p["first"] <= case_id <= p["last"])


def fetched_parts(tab: Page) -> Callable[[], set[str]]:
    """From now on, the parts of the index that the tab or its workers fetch from."""
    urls: list[str] = []
    tab.context.on("requestfinished", lambda request: urls.append(request.url))
    return lambda: {m.group(1) for url in urls if (m := re.search(r"/pagefind/(part-\d+)/", url))}


def test_search_finds_a_case_by_a_word_in_its_narrative(page: tuple[Page, Watch],
                                                        server: Server) -> None:
    tab, _ = page
    word = "Hillcrest"  # in the narrative of CH-2024-0006 only
    sample = (SAMPLE_CASES / "CH-2024-0006.md").read_text(encoding="utf-8")
    assert word in sample.split("---", 2)[2]
    tab.goto(server.base)
    fetched = fetched_parts(tab)
    tab.fill(".cb-search__input", word)
    results = tab.locator(".cb-search__results")
    expect(results.locator(".cb-search__meta")).to_have_text("1 case matches", timeout=60000)
    result = results.locator(".cb-search__item a")
    expect(result).to_have_count(1)
    expect(result).to_have_attribute("href", re.compile(r"cases/CH-2024-0006/$"))
    # The case's id, stage and date, not the page's headings with their "¶".
    facts = result.locator(".cb-search__facts").inner_text()
    assert facts.startswith("CH-2024-0006 · ") and re.search(r"\d{4}-\d{2}-\d{2}$", facts)
    expect(result.locator("mark")).to_have_text(word)
    assert "¶" not in result.inner_text()
    # Pagefind's chunks were loaded from the site itself (outside hosts fail the test),
    # from every part of the index: a word may be in any.
    assert any("/pagefind/" in url for url in server_requests(tab))
    parts = {p["path"].rstrip("/") for p in search_parts(server)}
    assert len(parts) >= 3 and fetched() == parts
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
    fetched = fetched_parts(tab)
    # Typed at a reader's pace, a pause after each key: the start of an id is not
    # searched as words, which would read every part.
    tab.keyboard.type(target.lower(), delay=150)
    results = tab.locator(".cb-search__results")
    first = results.locator(".cb-search__item a").first
    expect(first.locator(".cb-search__badge")).to_have_text("Case id", timeout=60000)
    expect(first).to_have_attribute("href", re.compile(rf"cases/{target}/$"))
    expect(results.locator(".cb-search__meta")).to_contain_text(f"Case {target} (exact id)")
    # Only the part whose run of ids holds it was read, out of several.
    assert len(search_parts(server)) >= 3
    assert fetched() == {part_of(server, target)}
    expect(results.locator(".cb-search__item")).to_have_count(1)
    # Enter goes to the first result: the case.
    tab.press(".cb-search__input", "Enter")
    tab.wait_for_url(f"**/cases/{target}/")
    # An id that no case in this build has is said to be missing, not matched loosely.
    tab.fill(".cb-search__input", "CH-1999-9999")
    expect(results.locator(".cb-search__meta")).to_contain_text(
        "No case has the id CH-1999-9999 in this build", timeout=60000)
    expect(results.locator(".cb-search__badge")).to_have_count(0)


def test_enter_goes_to_the_case_of_the_id_in_the_box_not_an_earlier_result(
        page: tuple[Page, Watch], server: Server) -> None:
    tab, _ = page
    tab.goto(server.base + "about/")
    box = tab.locator(".md-header__inner .cb-search__input")
    results = tab.locator(".cb-search__results")
    box.fill("northfield")  # not in the text of the case below
    expect(results.locator(".cb-search__meta")).to_have_text(
        re.compile(r"^\d+ cases match$"), timeout=60000)
    first = str(results.locator(".cb-search__item a").first.get_attribute("href"))
    target = "CH-2024-0006"
    assert not first.rstrip("/").endswith(target)
    # Enter before the box's pause has passed: the id is searched then, and its case
    # opened, not the first of the results still listed.
    box.fill(target)
    box.press("Enter")
    tab.wait_for_url(f"**/cases/{target}/", timeout=60000)


def test_a_word_search_ranks_cases_from_several_parts_in_one_list(page: tuple[Page, Watch],
                                                                 server: Server) -> None:
    tab, _ = page
    # "Northfield" is in the text of these cases, which are in different parts.
    holding = ["CH-2023-0001", "CH-2023-0003", "CH-2024-0005"]
    assert len({part_of(server, case_id) for case_id in holding}) >= 2
    tab.goto(server.base)
    tab.fill(".cb-search__input", "northfield")
    results = tab.locator(".cb-search__results")
    expect(results.locator(".cb-search__meta")).to_have_text(
        re.compile(r"^\d+ cases match$"), timeout=60000)
    links = results.locator(".cb-search__item a")
    found = [str(link.get_attribute("href")).rstrip("/").rsplit("/", 1)[-1]
             for link in links.all()]
    assert set(holding) <= set(found)
    assert len(found) == len(set(found))  # each case once, whatever part it came from
    count = int(results.locator(".cb-search__meta").inner_text().split()[0])
    assert len(found) == min(count, 10)  # the first ten of them, whatever their part
    # The same search again in quotes finds the cases that name an id: its own first.
    tab.fill(".cb-search__input", '"CH-2023-0001"')
    first = results.locator(".cb-search__item a").first
    expect(first).to_have_attribute("href", re.compile(r"cases/CH-2023-0001/$"), timeout=60000)
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


def _luminance(css: str) -> float:
    """Relative luminance (WCAG) of an opaque `rgb(...)`/`rgba(...)` colour."""
    r, g, b = (int(float(v)) for v in re.findall(r"[\d.]+", css)[:3])
    channel = [c / 255 for c in (r, g, b)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channel]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


_OUTLINE = """e => { const s = getComputedStyle(e);
  return [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor]; }"""
_BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"


def _around(tab: Page, control: Locator) -> bytes:
    """A picture of the control with a margin: an outline is drawn outside its box."""
    box = control.bounding_box()
    assert box is not None
    margin = 8
    return tab.screenshot(clip={"x": box["x"] - margin, "y": box["y"] - margin,
                                "width": box["width"] + 2 * margin,
                                "height": box["height"] + 2 * margin})


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_is_visible_on_the_filter_box_and_sort_buttons(browser: Browser, server: Server,
                                                             scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(server.base + "stages/incident-analysis/")
    tab.wait_for_function("() => document.getAnimations().length === 0")
    background = tab.evaluate(_BACKGROUND)
    filter_box = tab.locator(".cb-filter input")
    sort = tab.locator(".cb-table th button").first
    controls = {"filter box": filter_box, "sort button": sort}
    before = {name: _around(tab, control) for name, control in controls.items()}
    for name, control in controls.items():
        assert control.evaluate(_OUTLINE)[0] == "none", name
    # By keyboard, as a reader without a mouse gets there: the sort button follows.
    filter_box.focus()
    focused = {"filter box": (_around(tab, filter_box), filter_box.evaluate(_OUTLINE))}
    tab.keyboard.press("Tab")
    expect(sort).to_be_focused()
    focused["sort button"] = (_around(tab, sort), sort.evaluate(_OUTLINE))
    for name, (picture, (style, width, colour)) in focused.items():
        assert picture != before[name], f"the {name} looks the same focused ({scheme})"
        assert style != "none" and width >= 2, (name, style, width)
        assert _contrast(colour, background) >= 3, (name, colour, background)
    context.close()


_SHOWN_CONTROLS = """() => [...document.querySelectorAll(
    'button, input:not([type=hidden]), select, .cb-filter, .md-search, .md-nav, .md-header')]
  .filter(e => e.checkVisibility()).map(e => e.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("address", ["cases/CH-2024-0006/", "stages/incident-analysis/"])
def test_printed_pages_keep_the_banner_and_drop_the_controls(page: tuple[Page, Watch],
                                                             server: Server,
                                                             address: str) -> None:
    tab, _ = page
    tab.goto(server.base + address)
    expect(tab.locator(".cb-profile-banner")).to_be_visible()
    assert tab.evaluate(_SHOWN_CONTROLS), "on screen, the page has controls"
    tab.emulate_media(media="print")
    expect(tab.locator(".cb-profile-banner")).to_be_visible()
    assert tab.evaluate(_SHOWN_CONTROLS) == []
    # The column headings stay, as text.
    if address.startswith("stages/"):
        expect(tab.locator(".cb-table th").first).to_have_text("Case")
    else:
        expect(tab.locator(".cb-tlp").first).to_be_visible()
        margins = tab.locator("style[media=print]").inner_text()
        assert "TLP:" in margins and "@top-right" in margins and "@bottom-left" in margins
        _shot(tab, "case-print")
        tab.pdf(path=str(SCREENSHOTS / "case-print.pdf"))


_CHART_TEXT_HEIGHTS = """() => [...document.querySelectorAll('svg.cb-chart text')]
  .filter(t => t.checkVisibility()).map(t => [t.textContent, t.getBoundingClientRect().height])"""
_WRAPPED_IDS = """() => [...document.querySelectorAll('a[href*="cases/"]')]
  .filter(a => /^[A-Z]+-\\d{4}-\\d+$/.test(a.textContent) && a.getClientRects().length > 1)
  .map(a => a.textContent)"""


def test_on_a_phone_charts_reflow_tables_scroll_and_ids_stay_whole(browser: Browser,
                                                                   server: Server) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    tab = context.new_page()
    tab.goto(server.base + "dashboard/")
    texts = tab.evaluate(_CHART_TEXT_HEIGHTS)
    assert len(texts) > 20, "the charts' labels are shown"
    small = [(text, round(height, 1)) for text, height in texts if height < 9]
    assert small == [], "chart labels under 9 px tall at 390 px"
    _shot(tab, "dashboard-phone")
    for address in ("", "stages/incident-analysis/"):
        tab.goto(server.base + address)
        assert tab.evaluate(_WRAPPED_IDS) == [], address
        # The page does not scroll sideways; the table does, in its own box.
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390, address
        box = tab.locator(".cb-table").first
        assert box.evaluate("e => e.scrollWidth > e.clientWidth"), address
        first, last = box.locator("tbody tr td").first, box.locator("tbody tr td").last
        area = box.bounding_box()
        before = last.bounding_box()
        box.evaluate("e => { e.scrollLeft = 200; }")
        cell, moved = first.bounding_box(), last.bounding_box()
        assert area and cell and before and moved
        assert moved["x"] < before["x"], "the table scrolled"
        assert area["x"] <= cell["x"] and cell["x"] + cell["width"] <= area["x"] + area["width"], \
            "the first column stays in view"
    _shot(tab, "stage-phone")
    context.close()


def _located_cases(site: Path) -> set[str]:
    """The published cases whose pages give coordinates, read from the built pages."""
    return {page.parent.name for page in (site / "cases").glob("*/index.html")
            if "<td>Coordinates</td>" in page.read_text(encoding="utf-8")}


def test_map_draws_every_located_case_and_its_table_lists_them(page: tuple[Page, Watch],
                                                                server: Server) -> None:
    tab, _ = page
    requested: list[str] = []
    tab.on("request", lambda request: requested.append(request.url))
    located = _located_cases(server.site)
    assert located, "the sample cases include located ones"
    geojson = json.loads((server.site / "exports" / "cases.geojson").read_text(encoding="utf-8"))
    assert {f["id"] for f in geojson["features"]} == located

    # The cases arrive late, as on a loaded machine: until they do, the map has
    # drawn nothing, and must not say it has drawn 0.
    held: list[Route] = []
    tab.route("**/exports/cases.geojson", lambda route: held.append(route))
    tab.goto(server.base + "map/")
    expect(tab.locator(".cb-map.leaflet-container")).to_have_count(1, timeout=20000)
    expect(tab.locator(".cb-map-controls")).to_be_visible()
    drawn = tab.locator(".cb-map[data-drawn]")
    assert drawn.count() == 0, "the map counted its points before they arrived"
    tab.wait_for_timeout(200)
    assert drawn.count() == 0, "the map counted its points before they arrived"
    assert len(held) == 1
    held[0].continue_()
    expect(drawn).to_have_count(1, timeout=20000)
    assert int(drawn.get_attribute("data-drawn") or -1) == len(located)
    rows = tab.locator(".cb-map-table tbody tr")
    assert {rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())} == located
    assert tab.locator(".leaflet-overlay-pane canvas, .cb-map canvas").count() >= 1
    _shot(tab, "map")

    # Filtering by stage takes the same cases off the map and out of the table.
    stage = tab.locator(".cb-map-table tbody tr").first.get_attribute("data-stage")
    share = sum(1 for f in geojson["features"] if f["properties"]["stage"] == stage)
    tab.locator(f".cb-map-controls input[value='{stage}']").uncheck()
    expect(drawn).to_have_attribute("data-drawn", str(len(located) - share))
    expect(tab.locator(".cb-map-table tbody tr:visible")).to_have_count(len(located) - share)
    # A date range after every incident leaves nothing.
    tab.locator(".cb-map-controls input[value='" + stage + "']").check()
    tab.locator(".cb-map-controls input[name=from]").fill("2999-01-01")
    expect(drawn).to_have_attribute("data-drawn", "0")

    # A located case has its own small map.
    case = sorted(located)[0]
    tab.goto(server.base + f"cases/{case}/")
    expect(tab.locator(".cb-map--small[data-ready]")).to_have_count(1, timeout=20000)
    root = server.base.split("/casebook/")[0] + "/"
    outside = [url for url in requested if not url.startswith(root)]
    assert outside == [], "the map asked for something outside the site"
    assert any("/assets/map/leaflet.js" in url for url in requested)
