"""What the accessibility tests share: axe-core, and one page of each type of a built site.

axe-core is the npm package that `make` installs inside the virtual environment
(`.venv/share/casebook`, beside the country boundaries); it is injected into the
page from that file, so that the audit needs no network.
"""

from __future__ import annotations

import re
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browsing import SUB_PATH, serve
from playwright.sync_api import Browser, Page, Route

from conftest import run_casebook

AXE_JS = Path(sys.prefix) / "share" / "casebook" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
"""WCAG 2.1 level AA, which Section 508 incorporates."""

INDEXES = ("stages", "sources", "partners", "countries", "months", "findings", "origin",
           "tags", "assignees")
"""Index folders whose index page and one of whose pages are audited."""
SINGLE_PAGES = ("", "review/", "dashboard/", "changes/", "about/", "exports/", "map/",
                "duplicates/")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    page: str
    target: str
    summary: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}) on {self.page or '/'} at {self.target}: {self.summary}"


def axe_script() -> Path:
    """The installed axe-core; fails (never skips) when it is missing."""
    if not AXE_JS.exists():
        pytest.fail(f"the accessibility tests need axe-core at {AXE_JS}: run `make test`, "
                    "which installs it from npm")
    return AXE_JS


def audit(tab: Page, page: str) -> list[Violation]:
    """Run axe-core with the WCAG 2.1 AA tags on the loaded page; one entry per node."""
    tab.add_script_tag(path=str(axe_script()))
    result: dict[str, Any] = tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", list(WCAG_TAGS))
    found: list[Violation] = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            found.append(Violation(violation["id"], str(violation.get("impact")), page,
                                   target, node.get("failureSummary", "").replace("\n", " ")))
    return found


_CASE_LINK = re.compile(r'href="(?:\.\./)+cases/([^/"]+)/"')
_SUB_LINK = re.compile(r'href="([a-z0-9-][^/"#]*)/"')


def page_types(site: Path) -> list[str]:
    """One address (relative to the site's root) for each type of page that `site` has.

    A case page for each stage (its first case there), each index and its first
    entry, and the single pages; only those the site holds.
    """
    pages: list[str] = [p for p in SINGLE_PAGES if (site / p / "index.html").exists()]
    for index in INDEXES:
        html_file = site / index / "index.html"
        if not html_file.exists():
            continue
        pages.append(f"{index}/")
        entry = _SUB_LINK.search(html_file.read_text(encoding="utf-8").split('class="md-content"')[-1])
        if entry and (site / index / entry.group(1) / "index.html").exists():
            pages.append(f"{index}/{entry.group(1)}/")
    for stage in sorted((site / "stages").glob("*/index.html")):
        case = _CASE_LINK.search(stage.read_text(encoding="utf-8"))
        if case and f"cases/{case.group(1)}/" not in pages:
            pages.append(f"cases/{case.group(1)}/")
    return pages


@dataclass(frozen=True)
class Served:
    site: Path
    base: str


def serve_build(stack: ExitStack, project: Path, profile: str, today: str) -> Served:
    """Build `project` with `casebook build --profile PROFILE` and serve its site until
    `stack` closes."""
    result = run_casebook("build", "--profile", profile, "--today", today, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return Served(project / "site", stack.enter_context(serve(project / "site", project / "www")))


def _search_results(tab: Page, base: str, word: str) -> None:
    """The home page with the search open and showing results for `word` (a minute at
    most: a loaded machine takes tens of seconds to fetch and search the large site's
    chunks)."""
    tab.goto(base)
    tab.locator(".md-header__inner .cb-search__input").click()
    tab.keyboard.type(word)
    tab.locator(".cb-search__results .cb-search__item").first.wait_for(timeout=60000)
    _settle(tab)


def _settle(tab: Page) -> None:
    """Wait for the maps to be drawn and the theme's transitions to end: halfway,
    colours measure wrong."""
    tab.wait_for_function("() => !document.querySelector('.cb-map:not([data-ready])')"
                          " && document.getAnimations().length === 0", timeout=30000)


def _not_found_page(tab: Page, site: Path, base: str) -> None:
    """The 404 page, whose addresses start at the server's root (mkdocs writes them so
    without a site_url): served as from the root, where a server would show it."""
    root = base[: -len(SUB_PATH)]

    def from_site(route: Route) -> None:
        file = site / urlsplit(route.request.url).path.lstrip("/")
        if file.is_file():
            route.fulfill(path=file)
        else:
            route.fulfill(status=404, body="")

    tab.route(re.compile("^" + re.escape(root) + "/(?!" + SUB_PATH.strip("/") + "/)"), from_site)
    tab.goto(base + "404.html")


def audit_site(browser: Browser, served: Served, scheme: str, search_word: str
               ) -> list[Violation]:
    """Every violation on one page of each type of the served `site`, in `scheme`
    (light or dark, as the reader's system asks), with the search's results and
    the 404 page."""
    site, base = served.site, served.base
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    found: list[Violation] = []
    try:
        for page in page_types(site):
            tab.goto(base + page)
            _settle(tab)
            found += audit(tab, page)
        # The theme's palette follows the system's scheme when the reader chose none.
        expected = "slate" if scheme == "dark" else "default"
        assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected
        _search_results(tab, base, search_word)
        found += audit(tab, f"search results for {search_word!r}")
        _not_found_page(tab, site, base)
        found += audit(tab, "404.html")
    finally:
        context.close()
    return found


def report(found: list[Violation]) -> str:
    return f"{len(found)} accessibility violations:\n" + "\n".join(map(str, found))
