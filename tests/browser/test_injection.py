"""Case files that try to attack a reader, opened in a real browser.

The cases in tests/fixtures/hostile/injection/ carry script tags, event
handlers, `javascript:` links (HTML and Markdown), SVG with script, entities
that decode to a script and titles that close their tag, in the narrative and
in every free-text field; a second commit puts payloads in the change history
too (and a commit author and subject carry some). The site is built with a
real `casebook build`, served under a sub-path and opened with Playwright
driving Debian's Chromium: no dialog may open, no console message may come
from a payload, `window.__xss` stays undefined, the document title stays the
one the server sent, no request leaves the server, and the payloads are
shown as text.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from browsing import chromium, serve
from playwright.sync_api import expect

from conftest import FIXTURES, ROOT, TODAY, run_casebook

INJECTION = FIXTURES / "hostile" / "injection"
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

FINDING_MARKDOWN_IN_HTML = (
    "Finding 4: the `attr` filter escapes HTML but not Markdown, yet the case template puts "
    "attr-escaped values inside inline HTML that Python-Markdown still parses (a source "
    "title inside <a> in the sources table, an alias inside <code> in 'Also recorded as', "
    "a change inside <code> in the /changes/ table): `[x](javascript:...)` becomes a live "
    "javascript: link and `![x](https://...)` an image fetched from an outside host")

# The place of CH-2024-0001 and the aliases of CH-2024-0003 before the second commit.
FIRST_COMMIT = {
    "CH-2024-0001": (re.compile(r"^  place: .*$", re.M), "  place: Market square"),
    "CH-2024-0003": (re.compile(r"^aliases:\n  - .*\n", re.M), ""),
}
AUTHOR = "Mallory [author](javascript:alert('XSS-60'))"
SUBJECTS = ("<script>alert('XSS-61')</script> Import [subject](javascript:alert('XSS-62'))",
            "Second <img src=x onerror=\"alert('XSS-63')\"> change")


@dataclass
class Server:
    base: str
    site: Path


def _git(project: Path, *args: str, date: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": AUTHOR, "GIT_AUTHOR_EMAIL": "mallory@example.net",
           "GIT_COMMITTER_NAME": "Mallory", "GIT_COMMITTER_EMAIL": "mallory@example.net",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", *args], cwd=project, env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, (args, result.stderr)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    project = tmp_path_factory.mktemp("injection-project")
    shutil.copytree(ROOT / "templates", project / "templates")
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / ".generated" / "docs").mkdir(parents=True)
    (project / "cases").mkdir()
    # Two commits, so that the history and /changes/ show payloads as field changes.
    for case_id, (pattern, plain) in FIRST_COMMIT.items():
        text = (INJECTION / f"{case_id}.md").read_text(encoding="utf-8")
        assert pattern.search(text), case_id
        (project / "cases" / f"{case_id}.md").write_text(pattern.sub(plain, text, count=1),
                                                         encoding="utf-8")
    shutil.copy(INJECTION / "CH-2024-0002.md", project / "cases")
    _git(project, "init", "-q", date="2026-11-01T12:00:00+00:00")
    _git(project, "add", "cases", date="2026-11-01T12:00:00+00:00")
    _git(project, "commit", "-q", "-m", SUBJECTS[0], date="2026-11-01T12:00:00+00:00")
    for case_id in FIRST_COMMIT:
        shutil.copy(INJECTION / f"{case_id}.md", project / "cases")
    _git(project, "commit", "-q", "-a", "-m", SUBJECTS[1], date="2026-11-02T12:00:00+00:00")

    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    # The narrative's markup is reported by the validator, each piece on its line.
    assert result.stdout.count(" warning CB357 ") >= 15, result.stdout
    with serve(project / "site", project / "www") as base:
        yield Server(base, project / "site")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


@dataclass
class Watch:
    """Everything a payload could make the page do, as it happened."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


@pytest.fixture
def tab(browser: Any, server: Server) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch()
    local = urlsplit(server.base).netloc

    def route(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme not in ("http", "https") or parts.netloc != local:
            watch.outside.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def dialog(d: Any) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    def console(message: Any) -> None:
        watch.console.append(f"{message.type}: {message.text}")
        if message.type == "error":
            watch.errors.append(message.text)

    context.route("**/*", route)
    page = context.new_page()
    page.on("dialog", dialog)
    page.on("console", console)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    yield page, watch
    context.close()


# Content that no payload may leave in the page: elements that run or load something,
# event handler attributes, and links or sources with a script scheme.
AUDIT = """() => {
  const found = [];
  const article = document.querySelector('article') || document.body;
  for (const el of article.querySelectorAll(
      'script, iframe, object, embed, form, base, meta, link, style, img, svg:not(.cb-chart)')) {
    found.push('element <' + el.tagName.toLowerCase() + '>');
  }
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) found.push('handler ' + name + ' on <' + el.localName + '>');
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].includes(name)
          && /^(javascript|vbscript|data):/.test(value)) {
        found.push(name + '=' + attr.value + ' on <' + el.localName + '>');
      }
    }
  }
  for (const script of document.scripts) {
    if (/XSS|pwned|__xss/.test(script.textContent)) found.push('script ' + script.textContent);
  }
  return found;
}"""


def served_title(server: Server, path: str) -> str:
    """The document title as the server sent it, from the built file."""
    file = server.site / path / "index.html" if path else server.site / "index.html"
    match = re.search(r"<title>(.*?)</title>", file.read_text(encoding="utf-8"), re.S)
    assert match is not None, path
    return html.unescape(match.group(1))


def poke(page: Any) -> None:
    """Do what a reader does: hover the narrative's lines, tab through the page, click the
    links that lead nowhere (a link with a script scheme would run it)."""
    for block in page.locator("article .cb-narrative > *").all()[:40]:
        if block.is_visible():
            block.hover(timeout=2000)
    for _ in range(3):
        page.keyboard.press("Tab")
    for link in page.locator("article a:not([href]), article a[href^='javascript' i]").all():
        if link.is_visible():
            link.click(no_wait_after=True, timeout=2000)
    page.wait_for_timeout(200)


def assert_inert(page: Any, watch: Watch, title: str) -> None:
    assert watch.dialogs == []
    assert [m for m in watch.console if re.search(r"XSS|pwned", m)] == []
    assert watch.errors == []
    assert watch.outside == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.title() == title
    assert "pwned" not in title
    assert page.evaluate(AUDIT) == []


def open_page(page: Any, server: Server, path: str) -> str:
    page.goto(server.base + path)
    page.wait_for_load_state("load")
    return served_title(server, path)


# --------------------------------------------------------------------------
# Every page that shows the payloads.

# Each kind of page once: the case pages, the home page, stage and group listings (the
# other groupings use the same table), the review page and the dashboard's charts.
SAFE_PAGES = [
    "cases/CH-2024-0001/", "cases/CH-2024-0002/", "", "stages/intake/",
    "stages/incident-analysis/", "partners/", "sources/media/", "tags/injection/", "review/",
    "dashboard/",
]


@pytest.mark.parametrize("path", SAFE_PAGES)
def test_no_payload_runs(tab: tuple[Any, Watch], server: Server, path: str) -> None:
    page, watch = tab
    title = open_page(page, server, path)
    poke(page)
    assert_inert(page, watch, title)


def test_every_partner_page_is_inert(tab: tuple[Any, Watch], server: Server) -> None:
    page, watch = tab
    partners = sorted(p.parent.relative_to(server.site).as_posix()
                      for p in (server.site / "partners").glob("*/index.html"))
    # Three groups, and the page kept at the old address of "unknown" (now Not recorded).
    assert len(partners) == 4
    assert "partners/unknown" in partners
    for path in partners:
        title = open_page(page, server, f"{path}/")
        assert_inert(page, watch, title)
    assert any("&lt;script&gt;alert('XSS-6')" in (server.site / p / "index.html").read_text(
        "utf-8") for p in partners)


def test_case_titles_are_shown_as_text(tab: tuple[Any, Watch], server: Server) -> None:
    page, watch = tab
    title = open_page(page, server, "cases/CH-2024-0001/")
    assert title == "CH-2024-0001 - Casebook"
    heading = page.locator("article h1").inner_text()
    assert heading.startswith("</title><script>alert('XSS-1')</script> Quuxfrobnicate")

    title = open_page(page, server, "cases/CH-2024-0002/")
    assert title == "CH-2024-0002 - Casebook"
    heading = page.locator("article h1").inner_text()
    assert heading.startswith("\"><script>document.title = 'pwned'</script><img src=x "
                              "onerror=\"window.__xss = 1\"> Zorblaxian")
    assert_inert(page, watch, title)


def test_field_payloads_are_shown_as_text(tab: tuple[Any, Watch], server: Server) -> None:
    page, watch = tab
    title = open_page(page, server, "cases/CH-2024-0001/")
    text = page.locator("article").inner_text()
    for shown in (
        "<img src=x onerror=\"console.log('XSS-5')\"> market square",  # place
        "<svg onload=\"alert('XSS-4')\"></svg> district",  # admin2
        "<script>window.__xss = 1</script> Example Governorate",  # admin1
        "<script>alert('XSS-6')</script> Example Brigade",  # partner force
        "{{ 7 * 7 }} <b onmouseover=\"alert('XSS-7')\">unit</b>",  # unit: no template runs
        "<iframe src=\"javascript:alert('XSS-8')\"></iframe> rocket",  # weapon designation
        "<svg><script>alert('XSS-9')</script></svg> source title",  # source title with URL
        "<script>document.title = 'pwned'</script> publisher",  # source publisher
        "\"><img src=x onerror=\"alert('XSS-11')\"> unlinked source",  # source without URL
        "<script>alert('XSS-12')</script> action note",  # action note
        "</code><script>alert('XSS-13')</script>",  # alias
        "<script>alert('XSS-2')</script> intake note",  # stage history note
        "<img src=x onerror=\"alert('XSS-3')\"> analysis note",
    ):
        assert shown in text, shown
    # A source URL that tries to close its attribute is only a (percent-encoded) link.
    href = page.locator("article a", has_text="source title").get_attribute("href")
    assert href is not None and href.startswith("https://example.org/report?q=")
    assert '"' not in href and "<" not in href
    assert page.locator("article a", has_text="source title").get_attribute("rel") == \
        "noopener noreferrer"
    assert_inert(page, watch, title)


def test_narrative_payloads_are_removed_or_shown_as_text(tab: tuple[Any, Watch],
                                                         server: Server) -> None:
    page, watch = tab
    title = open_page(page, server, "cases/CH-2024-0001/")
    narrative = page.locator("article .cb-narrative")
    text = narrative.inner_text()
    # Entities that decode to a script are text, and so is code.
    assert "<script>alert('XSS-34')</script>" in text
    assert "<img src=x onerror=alert('XSS-35')>" in text
    assert "<script>alert('XSS-36')</script>" in text
    assert "<script>alert('XSS-37')</script>" in text
    assert narrative.locator("code").count() >= 2
    # Markup that would run is gone, with the text a reader needs.
    assert "Hover over this line." in text
    assert "An HTML javascript link" in text and "A Markdown javascript link" in text
    for gone in ("XSS-20", "XSS-21", "XSS-26", "XSS-27", "XSS-28", "XSS-29", "XSS-31",
                 "XSS-33", "evil.example"):
        assert gone not in narrative.inner_html(), gone
    poke(page)
    page.hover("text=Hover over this line.")
    assert_inert(page, watch, title)


def test_searching_for_a_payload_word_shows_the_payload_as_text(tab: tuple[Any, Watch],
                                                                server: Server) -> None:
    page, watch = tab
    title = open_page(page, server, "")
    for word, case_id, shown in (
            ("Quuxfrobnicate", "CH-2024-0001", "</title><script>alert('XSS-1')</script>"),
            ("Zorblaxian", "CH-2024-0002", "<script>document.title = 'pwned'</script>")):
        page.fill(".cb-search__input", word)
        # Wait for this word's own result first in the list, not for whatever the
        # list held before.
        expect(page.locator(".cb-search__item a").first).to_have_attribute(
            "href", re.compile(rf"cases/{case_id}/"), timeout=15000)
        expect(page.locator(".cb-search__results")).to_contain_text(shown)
        assert_inert(page, watch, title)
        page.keyboard.press("Escape")


# --------------------------------------------------------------------------
# Markdown in values that land inside inline HTML.


def test_markdown_in_a_source_title_or_alias_stays_text(tab: tuple[Any, Watch],
                                                        server: Server) -> None:
    page, watch = tab
    title = open_page(page, server, "cases/CH-2024-0003/")
    poke(page)
    assert_inert(page, watch, title)
    text = page.locator("article").inner_text()
    for shown in ("Report [source link](javascript:alert('XSS-54')) "
                  "![pixel](https://evil.example/s.png)",
                  "[alias link](javascript:alert('XSS-55')) ![pixel](https://evil.example/a.png)",
                  "[note link](javascript:alert('XSS-50'))",
                  "[place link](javascript:alert('XSS-51'))",
                  "[partner link](javascript:alert('XSS-53'))"):
        assert shown in text, shown


def test_markdown_in_a_changed_value_stays_text_on_the_changes_page(
        tab: tuple[Any, Watch], server: Server) -> None:
    page, watch = tab
    title = open_page(page, server, "changes/")
    poke(page)
    assert_inert(page, watch, title)
    text = page.locator("article").inner_text()
    assert "[alias link](javascript:alert('XSS-55'))" in text
    assert "console.log('XSS-5')" in text


def test_commit_author_and_subject_are_text_in_the_case_history(tab: tuple[Any, Watch],
                                                                server: Server) -> None:
    page, watch = tab
    title = open_page(page, server, "cases/CH-2024-0002/")
    history = page.locator("article .cb-changes").inner_text()
    assert AUTHOR in history
    assert SUBJECTS[0] in history
    poke(page)
    assert_inert(page, watch, title)


def test_the_feed_carries_payloads_as_escaped_text(server: Server) -> None:
    feed = (server.site / "changes" / "feed.xml").read_text(encoding="utf-8")
    assert "<script" not in feed and "<img" not in feed
    assert "&lt;script&gt;alert('XSS-61')&lt;/script&gt;" in feed
