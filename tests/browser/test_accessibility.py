"""WCAG 2.1 AA in a real browser: axe-core on one page of each type of the sample site.

Light and dark (the theme follows the reader's system), internal and public
builds: any violation of the wcag2a, wcag2aa, wcag21a or wcag21aa rules fails,
naming the rule, the page and the element. A generated 600-case site has its
own module (test_accessibility_large.py) so that it runs beside this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from auditing import Served, audit_site, page_types, report, serve_build
from browsing import chromium
from playwright.sync_api import Browser

from conftest import TODAY, copy_project

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
PROFILES = ("internal", "public")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    with ExitStack() as stack:
        yield {profile: serve_build(stack, copy_project(tmp_path_factory.mktemp(f"a11y-{profile}")),
                                    profile, TODAY.isoformat())
               for profile in PROFILES}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as running:
        yield running


def test_every_page_type_is_found(sites: dict[str, Served]) -> None:
    """The audit below covers the case of each stage, each index and one of its pages."""
    pages = page_types(sites["internal"].site)
    assert len([p for p in pages if p.startswith("cases/")]) == 5
    for index in ("stages", "sources", "partners", "countries", "months", "findings",
                  "origin", "tags", "assignees"):
        assert f"{index}/" in pages and any(p.startswith(f"{index}/") and p != f"{index}/"
                                            for p in pages), index
    assert {"", "review/", "dashboard/", "changes/", "about/", "map/"} <= set(pages)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("profile", PROFILES)
def test_no_wcag_violation(browser: Browser, sites: dict[str, Served], profile: str,
                           scheme: str) -> None:
    found = audit_site(browser, sites[profile], scheme, search_word="market")
    assert not found, report(found)
