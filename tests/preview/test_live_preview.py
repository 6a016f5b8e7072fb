"""The live preview: `mkdocs serve --livereload --dirty` (what `make serve` runs).

Most tests run the rebuilds in this process, as `mkdocs serve` runs them: the
configuration loaded again before each rebuild, mkdocs handing back the same
plugin instances (the casebook plugin defines on_startup), and dirty builds into
the project's site/. After a saved title or a deleted case, the site must be the
one a clean `mkdocs build` makes of the same sources (the search index compared
as the set of its pages' entries), and only the
pages whose Markdown changed may have been rendered again. A value the profile
removes must still fail the rebuild and delete the site, also when it sits in a
page the rebuild did not render. The search index is rebuilt in the background
after a rebuild, which returns first; the tests wait for it (bounded) before
reading it. A saved theme override reaches every page,
not only those whose Markdown changed: every page is rendered again. The last test
runs a real `mkdocs serve`: a saved title shows after one rebuild, a deleted
case's page is gone, and the generator's writes into the docs folder start no
second rebuild.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from serving import MKDOCS, Server

from conftest import TODAY, copy_project, search_fragments
from generator.preview import indexing, pipeline, watch
from generator.preview.plugin import CasebookPlugin
from generator.publish import leakcheck
from generator.publish.leakcheck import scan_file
from generator.publish.search import SCRATCH_FOLDERS, Indexed, index_site

# One worker runs them one after the other: the server test waits for a quiet log
# and a page within a time limit, steadier without this module's other builds
# beside it on a two-core machine.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-preview")]

# The build date, fixed at noon of the suite's day.
EPOCH = str(int(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC).timestamp()))

# Published (CLEAR); CH-2024-0005 lists it as related; the only case tagged
# single-source and the only one of 2024-01.
EDITED = "CH-2024-0001"
OLD_TITLE = "Single-source claim of an air strike on a farming settlement in Example State"
NEW_TITLE = "Renamed claim of an air strike on a farming settlement in Example State"
UNTOUCHED = "CH-2023-0002"  # published, and neither lists nor is listed with EDITED
# Published (CLEAR), related to no case; the only case tagged border and of 2026-11.
DELETED = "CH-2026-0003"
RED_ID = "CH-2024-0004"
RED_TITLE = "Missile strike on a pickup truck carrying farm workers in Example Region"
TO_RED = "CH-2024-0007"  # published (CLEAR) until a test makes it RED


# --------------------------------------------------------------------------
# Editing sources and reading what the builds wrote.


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path.name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def case(project: Path, case_id: str) -> Path:
    return project / "cases" / f"{case_id}.md"


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def age(folder: Path, seconds: int) -> None:
    """Make every file in `folder` look written `seconds` earlier, their order kept."""
    for path in folder.rglob("*"):
        if path.is_file():
            when = path.stat().st_mtime_ns - seconds * 1_000_000_000
            os.utime(path, ns=(when, when))


def built_page(markdown: str) -> str:
    """The page mkdocs builds from a Markdown file of the docs folder (directory URLs)."""
    stem = markdown.removesuffix(".md")
    return f"{stem}.html" if stem == "index" or stem.endswith("/index") else f"{stem}/index.html"


SEARCH = "pagefind/"


def search_entries(site: Path) -> list[dict[str, Any]]:
    """Each page's entry in Pagefind's index (a compressed fragment per page)."""
    return search_fragments(site)


def page_of(entry: dict[str, Any]) -> str:
    return str(entry["url"]).removeprefix("/").partition("#")[0]


def clean_build(project: Path, target: Path) -> Path:
    """The site a plain `mkdocs build` makes from the project's current sources."""
    target.mkdir()
    for name in ("cases", "templates"):
        shutil.copytree(project / name, target / name)
    shutil.copy(project / "mkdocs.yml", target / "mkdocs.yml")
    (target / ".generated" / "docs").mkdir(parents=True)
    result = subprocess.run([str(MKDOCS), "build", "--quiet"], cwd=target, capture_output=True,
                            text=True, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return target / "site"


def assert_same_site(site: Path, clean: Path) -> None:
    # Pagefind names its files by hashes that differ from build to build: its index
    # is compared by what it holds, the same pages with the same text.
    files = sorted(rel for rel in mtimes(site) if not rel.startswith(SEARCH))
    assert files == sorted(rel for rel in mtimes(clean) if not rel.startswith(SEARCH))
    differ = [rel for rel in files if (site / rel).read_bytes() != (clean / rel).read_bytes()]
    assert differ == []
    ours, theirs = (Counter(json.dumps(e, sort_keys=True) for e in search_entries(s))
                    for s in (site, clean))
    assert ours == theirs


# --------------------------------------------------------------------------
# The rebuilds of one `mkdocs serve --dirty`, run in this process.


class Preview:
    """What `mkdocs serve --dirty` does in a project: a first build, then one dirty
    rebuild after each save, each with the configuration loaded again."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.site = project / "site"
        self.docs = project / ".generated" / "docs"
        self.config = load_config(str(project / "mkdocs.yml"))
        self.config.plugins.on_startup(command="serve", dirty=True)
        plugin = self.config.plugins["casebook"]
        assert isinstance(plugin, CasebookPlugin)
        self.plugin = plugin

    def start(self) -> None:
        # serve also passes the address it serves on, which only changes the site's
        # address in links; left out, so that the site compares with `mkdocs build`.
        build(self.config, dirty=True)
        self.wait_for_search()

    def rebuild(self, *, wait_for_search: bool = True) -> None:
        config = load_config(str(self.project / "mkdocs.yml"))
        # The plugin's memory of the last build is what makes a rebuild small.
        assert config.plugins["casebook"] is self.plugin
        build(config, dirty=True)
        if wait_for_search:
            self.wait_for_search()

    def wait_for_search(self) -> None:
        """Until the background indexing the build asked for has put its index in place."""
        assert self.plugin.search.wait(timeout=120), "the search index took over 2 minutes"


@pytest.fixture
def preview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Preview:
    project = copy_project(tmp_path / "project")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("CASEBOOK_PROFILE", raising=False)
    monkeypatch.chdir(project)
    # mkdocs keeps the plugin instances it hands back in a cache on its config class,
    # for the whole process; each test is one server process and starts without them.
    monkeypatch.setattr(MkDocsConfig.plugins, "plugin_cache", {})
    return Preview(project)


def test_a_saved_title_renders_again_only_the_pages_it_changes(preview: Preview,
                                                              tmp_path: Path) -> None:
    preview.start()
    site = preview.site
    page = site / "cases" / EDITED / "index.html"
    assert OLD_TITLE in page.read_text(encoding="utf-8")
    site_before, docs_before = mtimes(site), mtimes(preview.docs)
    pages_before = Counter(page_of(e) for e in search_entries(site))

    edit(case(preview.project, EDITED), f"title: {OLD_TITLE}\n", f"title: {NEW_TITLE}\n")
    preview.rebuild()

    text = page.read_text(encoding="utf-8")
    assert NEW_TITLE in text and OLD_TITLE not in text
    assert NEW_TITLE in (site / "cases" / "CH-2024-0005" / "index.html").read_text(
        encoding="utf-8")  # the case that lists it as related
    # mkdocs renders a page again when its Markdown is newer than the page; the
    # generator rewrites only Markdown whose content changed. 404.html is rendered
    # on every build.
    markdown = {rel for rel, t in mtimes(preview.docs).items()
                if rel.endswith(".md") and docs_before.get(rel) != t}
    rendered = {rel for rel, t in mtimes(site).items()
                if rel.endswith(".html") and site_before.get(rel) != t}
    assert f"cases/{EDITED}.md" in markdown
    assert rendered == {built_page(rel) for rel in markdown} | {"404.html"}
    assert f"cases/{UNTOUCHED}/index.html" not in rendered
    assert len(rendered) < len([rel for rel in site_before if rel.endswith(".html")]) / 4

    # Pages not rendered keep their entries, once; the edited page has its new ones.
    entries = search_entries(site)
    assert Counter(page_of(e) for e in entries) == pages_before
    assert [e["meta"]["title"] for e in entries
            if page_of(e) == f"cases/{EDITED}/"] == [NEW_TITLE]
    assert_same_site(site, clean_build(preview.project, tmp_path / "clean"))


def test_a_case_moved_to_another_country_and_force_moves_in_every_listing(
        preview: Preview, tmp_path: Path) -> None:
    # The case's facts, its rows, its country's duplicate pairs (now those of KEN and
    # no longer NGA's), the charts and the exports are kept while their inputs are
    # equal: each must follow the saved case wherever it now stands.
    preview.start()
    site = preview.site
    path = case(preview.project, EDITED)
    edit(path, "  country: NGA\n", "  country: KEN\n")
    edit(path, "  partner_force: unknown\n",
         "  partner_force: Coastal Defence Command (fictional)\n")
    edit(path, "  date: 2024-01-03\n", "  date: 2023-12-28\n")
    preview.rebuild()

    assert EDITED in (site / "countries" / "ken" / "index.html").read_text(encoding="utf-8")
    assert EDITED not in (site / "countries" / "nga" / "index.html").read_text(
        encoding="utf-8")
    assert_same_site(site, clean_build(preview.project, tmp_path / "clean"))


def test_the_leak_check_of_a_saved_title_reads_only_its_rows_of_the_exports(
        preview: Preview, monkeypatch: pytest.MonkeyPatch) -> None:
    preview.start()
    read: dict[str, str] = {}

    def recorded(path: Path, rel: str, *args: Any) -> Any:
        if rel.startswith("exports/"):
            read[rel] = path.read_text(encoding="utf-8-sig")
        return scan_file(path, rel, *args)

    monkeypatch.setattr(watch, "scan_file", recorded)
    monkeypatch.setattr(leakcheck, "scan_file", recorded)
    edit(case(preview.project, EDITED), f"title: {OLD_TITLE}\n", f"title: {NEW_TITLE}\n")
    preview.rebuild()

    # The saved case has no coordinates: the map's export has none of its rows.
    for name in ("cases.json", "cases.csv", "cases.geojson", "sources.csv"):
        rows = read[f"exports/{name}"]
        assert (EDITED in rows) is (name != "cases.geojson") and UNTOUCHED not in rows, name
    assert UNTOUCHED in (preview.site / "exports" / "cases.csv").read_text(encoding="utf-8")
    assert NEW_TITLE in (preview.site / "exports" / "cases.csv").read_text(encoding="utf-8")


def test_a_deleted_case_leaves_no_page_and_no_search_entry(preview: Preview,
                                                           tmp_path: Path) -> None:
    preview.start()
    site = preview.site
    # The case's page, and the listings that hold no other case.
    pages = [site / "cases" / DELETED / "index.html", site / "tags" / "border" / "index.html",
             site / "months" / "2026-11" / "index.html"]
    assert all(p.is_file() for p in pages)
    assert any(page_of(e) == f"cases/{DELETED}/" for e in search_entries(site))

    case(preview.project, DELETED).unlink()
    preview.rebuild()

    assert [p for p in pages if p.exists()] == []
    # nor the folders those pages were served from
    assert [p.parent for p in pages if p.parent.exists()] == []
    assert (site / "cases").is_dir()
    assert [e for e in search_entries(site) if page_of(e) == f"cases/{DELETED}/"] == []
    assert_same_site(site, clean_build(preview.project, tmp_path / "clean"))


def leak_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.getMessage().startswith("casebook: leak: ")]


def test_a_removed_value_in_a_saved_case_fails_the_rebuild_and_deletes_the_site(
        preview: Preview, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    preview.start()
    path = case(preview.project, EDITED)
    original = path.read_text(encoding="utf-8")
    # An analyst names an unpublished (RED) case in a published one.
    path.write_text(original + f"\nSee also: {RED_TITLE}.\n", encoding="utf-8")

    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        preview.rebuild()

    what = f"title of {RED_ID} (a case left out: RED): '{RED_TITLE}' at "
    # Found in the page; the search index, made after the leak check, never was.
    assert [m.split(" at ")[0] + " at " for m in leak_messages(caplog)] == [
        f"casebook: leak: cases/{EDITED}/index.html: {what}"]
    assert any("the site was deleted" in r.getMessage() for r in caplog.records)
    preview.wait_for_search()
    assert not preview.site.exists()

    # Saved again without it, the case rebuilds the whole site, as it should be.
    path.write_text(original, encoding="utf-8")
    preview.rebuild()
    assert_same_site(preview.site, clean_build(preview.project, tmp_path / "clean"))


def test_a_leak_in_a_page_the_rebuild_did_not_render_is_found(
        preview: Preview, caplog: pytest.LogCaptureFixture) -> None:
    # A published case names another by its id; then that case is made RED. The
    # naming case's Markdown does not change, so mkdocs does not render its page
    # again: the leak check must read the page it rendered before.
    edit(case(preview.project, EDITED), "\n## Summary\n",
         f"\n## Summary\n\nCompare the bus stop strike, {TO_RED}.\n")
    preview.start()
    markdown = preview.docs / "cases" / f"{EDITED}.md"
    assert TO_RED in (preview.site / "cases" / EDITED / "index.html").read_text(encoding="utf-8")
    # As if the first build ran a minute before the save: the leak check rereads
    # what the last second before a rebuild wrote, which would hide a check that
    # reads only new files.
    age(preview.docs, 60)
    age(preview.site, 60)
    written = markdown.stat().st_mtime_ns

    edit(case(preview.project, TO_RED), "sensitivity: CLEAR\n", "sensitivity: RED\n")
    with caplog.at_level(logging.ERROR), pytest.raises(Abort):
        preview.rebuild()

    assert markdown.stat().st_mtime_ns == written  # so its page was not rendered again
    assert any(m.startswith(f"casebook: leak: cases/{EDITED}/index.html: id of {TO_RED} "
                            f"(a case left out: RED): '{TO_RED}' at ")
               for m in leak_messages(caplog)), leak_messages(caplog)
    assert not preview.site.exists()


def titles_in_search(site: Path, case_id: str) -> list[str]:
    return [e["meta"]["title"] for e in search_entries(site) if page_of(e) == f"cases/{case_id}/"]


def poll(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether `condition` holds within `seconds`; an index mid-swap reads as not yet."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except (FileNotFoundError, NotADirectoryError):
            pass
        time.sleep(0.1)
    return False


def test_a_rebuild_returns_before_its_search_index_which_follows(
        preview: Preview, monkeypatch: pytest.MonkeyPatch) -> None:
    preview.start()
    site = preview.site
    assert titles_in_search(site, EDITED) == [OLD_TITLE]
    # The indexer waits at a gate the test opens, then runs Pagefind as ever.
    gate, runs = threading.Event(), []

    def gated(site_dir: Path, **options: Any) -> Indexed:
        runs.append(site_dir)
        assert gate.wait(120)
        return index_site(site_dir, **options)

    monkeypatch.setattr(indexing, "index_site", gated)
    edit(case(preview.project, EDITED), f"title: {OLD_TITLE}\n", f"title: {NEW_TITLE}\n")
    preview.rebuild(wait_for_search=False)

    # The rebuild returned with the index not made: the page shows the save, the
    # search still the earlier index, whole.
    assert poll(lambda: runs == [site], 30)
    assert NEW_TITLE in (site / "cases" / EDITED / "index.html").read_text(encoding="utf-8")
    assert titles_in_search(site, EDITED) == [OLD_TITLE]
    # A second save while the index is being made: indexed once more, after it.
    newer = NEW_TITLE.replace("Renamed", "Retitled")
    edit(case(preview.project, EDITED), f"title: {NEW_TITLE}\n", f"title: {newer}\n")
    preview.rebuild(wait_for_search=False)
    assert newer in (site / "cases" / EDITED / "index.html").read_text(encoding="utf-8")
    assert runs == [site]

    gate.set()
    assert poll(lambda: titles_in_search(site, EDITED) == [newer], 120)
    preview.wait_for_search()
    assert runs == [site, site]
    assert titles_in_search(site, EDITED) == [newer]
    assert [f for f in SCRATCH_FOLDERS if (site / f).exists()] == []


class WatchedGuard:
    """A lock that records who held it, and says when the indexing thread asks for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.indexer_waits = threading.Event()
        self.held: list[str] = []

    def __enter__(self) -> None:
        name = threading.current_thread().name
        if name == "casebook-search-index":
            self.indexer_waits.set()
        self.lock.acquire()
        self.held.append(name)

    def __exit__(self, *exc: object) -> None:
        self.held.append(f"{threading.current_thread().name} done")
        self.lock.release()


def test_an_index_under_way_never_moves_a_folder_while_a_rebuild_walks_the_site(
        preview: Preview, monkeypatch: pytest.MonkeyPatch) -> None:
    # The leak check of a rebuild lists the site's folders, then reads them; an
    # indexing that renamed or deleted one in between failed the rebuild, and the
    # server answered no request until the next save.
    preview.start()
    guard = WatchedGuard()
    monkeypatch.setattr(preview.plugin.search, "guard", guard)
    scanning = threading.Event()

    def gated(site_dir: Path, **options: Any) -> Indexed:
        assert scanning.wait(120)  # starts while the rebuild below checks for leaks
        return index_site(site_dir, **options)

    monkeypatch.setattr(indexing, "index_site", gated)
    leaks = pipeline.CachingPipeline.leaks

    def walked(steps: pipeline.CachingPipeline, site_dir: Path, *rest: Any) -> Any:
        scanning.set()
        # The indexing asks to delete its scratch folder, and waits: the walk goes on.
        assert guard.indexer_waits.wait(120)
        return leaks(steps, site_dir, *rest)

    monkeypatch.setattr(pipeline.CachingPipeline, "leaks", walked)
    assert preview.plugin.generated is not None
    preview.plugin.search.request(preview.site, preview.plugin.generated.removed)
    edit(case(preview.project, EDITED), f"title: {OLD_TITLE}\n", f"title: {NEW_TITLE}\n")
    preview.rebuild()

    assert guard.held[:2] == ["MainThread", "MainThread done"], guard.held
    assert "casebook-search-index" in guard.held
    assert titles_in_search(preview.site, EDITED) == [NEW_TITLE]
    assert [f for f in SCRATCH_FOLDERS if (preview.site / f).exists()] == []


def test_a_saved_theme_override_shows_on_every_page(preview: Preview) -> None:
    preview.start()
    edit(preview.project / "templates" / "overrides" / "main.html",
         '<span class="cb-profile-banner"', '<span class="cb-profile-banner cb-edited"')
    preview.rebuild()
    assert "cb-edited" in (preview.site / "404.html").read_text(encoding="utf-8")
    assert "cb-edited" in (preview.site / "cases" / UNTOUCHED / "index.html").read_text(
        encoding="utf-8")


# --------------------------------------------------------------------------
# A real `mkdocs serve --livereload --dirty`.


def test_mkdocs_serve_rebuilds_once_per_save(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    server = Server(project, tmp_path / "serve.log", EPOCH)
    try:
        server.wait_for(server.case_url(EDITED), shows=OLD_TITLE)
        server.settle()

        seen = len(server.log_text())
        edit(case(project, EDITED), f"title: {OLD_TITLE}\n", f"title: {NEW_TITLE}\n")
        server.wait_for(server.case_url(EDITED), shows=NEW_TITLE, lacks=OLD_TITLE)
        server.settle()
        # The generator writes the docs folder during the rebuild; were the folder
        # watched, a second rebuild would follow.
        log = server.log_text()[seen:]
        assert (log.count("Detected file changes"), log.count("Reloading browsers")) == (1, 1), log

        seen = len(server.log_text())
        case(project, DELETED).unlink()
        server.wait_for(server.case_url(DELETED), status=404)
        server.settle()
        log = server.log_text()[seen:]
        assert (log.count("Detected file changes"), log.count("Reloading browsers")) == (1, 1), log

        assert "ERROR" not in server.log_text() and "Traceback" not in server.log_text()
        # Ctrl-C stops it, as it does `make serve`.
        assert server.stop(), server.log_text()[-2000:]
        assert "Shutting down" in server.log_text()
    finally:
        server.stop()
