"""The whole site, built from the suite's sample cases by real mkdocs runs."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import (
    SAMPLE_CASES,
    TODAY,
    copy_project,
    run_casebook,
    sample_config,
    search_fragment_files,
    search_fragments,
)

pytestmark = pytest.mark.slow

SAMPLE_IDS = sorted(p.stem for p in SAMPLE_CASES.glob("*.md"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("project"))
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def _published_ids(name: str = "internal") -> list[str]:
    from generator.checks.corpus import load_corpus
    from generator.publish.profiles import profile

    corpus = load_corpus(sample_config(), today=TODAY)
    return sorted(c.id for c in corpus.cases if profile(name).publishes(c))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append((tag, value))
            if name == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_exists(built: Path) -> None:
    site = built / "site"
    published = _published_ids()
    assert len(published) >= 15
    for case_id in published:
        assert (site / "cases" / case_id / "index.html").is_file(), case_id
    for page in ("index.html", "stages/index.html", "sources/index.html", "review/index.html",
                 "dashboard/index.html", "about/index.html", "partners/index.html",
                 "countries/index.html", "months/index.html", "findings/index.html",
                 "origin/index.html", "tags/index.html"):
        assert (site / page).is_file(), page
    for stage in ("intake", "incident-analysis", "policy-impact-assessment",
                  "coordinated-action", "closed"):
        assert (site / "stages" / stage / "index.html").is_file(), stage
    for source_type in ("media", "civil-society", "foreign-government", "partner-government",
                        "us-government", "un-or-io", "social-media", "other"):
        assert (site / "sources" / source_type / "index.html").is_file(), source_type
    for export in ("cases.json", "cases.csv", "sources.csv", "weapons.csv", "actions.csv",
                   "cases.geojson", "case.schema.json"):
        assert (site / "exports" / export).is_file(), export


def test_red_cases_are_never_published(built: Path) -> None:
    red = [i for i in SAMPLE_IDS if "sensitivity: RED" in
           (SAMPLE_CASES / f"{i}.md").read_text(encoding="utf-8")]
    assert red, "the samples should include a RED case"
    everything = "\n".join(p.read_text(encoding="utf-8", errors="replace")
                           for p in (built / "site").rglob("*") if p.is_file()
                           and p.suffix in (".html", ".json", ".csv", ".geojson", ".xml"))
    for case_id in red:
        assert case_id not in everything


def test_no_broken_internal_link(built: Path) -> None:
    site = built / "site"
    broken = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":
            continue  # mkdocs writes the not-found page for the server's root
        parsed = _parse(page)
        for tag, link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("mailto:", "//")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: <{tag}> {link}")
                continue
            if (parts.fragment and target.suffix == ".html" and tag == "a"
                    and parts.fragment not in _parse(target).ids):
                broken.append(f"{page.relative_to(site)}: #{parts.fragment} in {link}")
    assert broken == []


def test_links_are_relative_so_the_site_works_under_a_sub_path(built: Path) -> None:
    for page in (built / "site").rglob("*.html"):
        if page.name == "404.html":
            continue  # mkdocs writes the not-found page for the server's root
        for tag, link in _parse(page).links:
            assert not link.startswith("/"), f"{page}: <{tag}> {link}"


def test_nothing_is_fetched_from_outside(built: Path) -> None:
    site = built / "site"
    for page in site.rglob("*.html"):
        for tag, link in _parse(page).links:
            if tag != "a" and urlsplit(link).scheme in ("http", "https"):
                pytest.fail(f"{page.relative_to(site)}: <{tag}> loads {link}")
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), sheet
        assert "@import" not in text or "fonts.googleapis" not in text, sheet
    assert not list(site.rglob("*fonts.googleapis*"))


def test_navigation_lists_index_pages_only(built: Path) -> None:
    for page in ("index.html", "cases/CH-2024-0006/index.html", "about/index.html"):
        html = (built / "site" / page).read_text(encoding="utf-8")
        nav = re.findall(r'<a href="([^"]*)" class="md-nav__link', html)
        targets = {link.rstrip("/").rsplit("/", 1)[-1] for link in nav}
        own = page.split("/")[0]
        expected = {"stages", "sources", "dashboard", "about", "partners"} - {own}
        assert expected <= targets, (page, nav)
        assert not [link for link in nav if "CH-" in link], page


def test_each_case_is_found_once_by_search(built: Path) -> None:
    # Pagefind's index: one compressed fragment per page that is a result.
    docs = search_fragments(built / "site")
    for case_id in _published_ids():
        pages = {doc["url"] for doc in docs if case_id in doc["content"]}
        own = f"/cases/{case_id}/"
        assert own in pages, case_id
        assert [d["meta"]["id"] for d in docs if d["url"] == own] == [case_id]
        # Other case pages may name it as related; listings never do.
        assert all(p.startswith("/cases/") for p in pages), (case_id, pages)
    assert all("¶" not in d["meta"]["title"] for d in docs)


def test_case_page_shows_the_case(built: Path) -> None:
    html = (built / "site" / "cases" / "CH-2024-0006" / "index.html").read_text("utf-8")
    for text in ("Rocket fire from a light attack aircraft strikes a schoolyard",
                 "TLP:GREEN", "Coordinated action", "Example Air Force (fictional)",
                 "Children killed", "2.75-inch rocket", 'id="source-s1"',
                 'href="#source-s1"', "This is a fictional sample case"):
        assert text in html, text
    assert 'aria-current="step"' in html


def test_stage_page_lists_exactly_its_cases(built: Path) -> None:
    from generator.checks.corpus import load_corpus

    corpus = load_corpus(sample_config(), today=TODAY)
    published = set(_published_ids())
    for stage in ("intake", "incident-analysis", "closed"):
        html = (built / "site" / "stages" / stage / "index.html").read_text("utf-8")
        listed = set(re.findall(r'href="\.\./\.\./cases/(CH-\d{4}-\d{4})/"', html))
        expected = {c.id for c in corpus.cases if c.stage.value == stage} & published
        assert listed == expected, stage


def test_rebuild_writes_nothing_when_nothing_changed(built: Path) -> None:
    from generator.config import load_config
    from generator.publish.build import generate

    config = load_config(built / "mkdocs.yml")
    mtimes = {p: p.stat().st_mtime_ns for p in config.generated_dir.rglob("*") if p.is_file()}
    again = generate(config, today=TODAY)
    assert again.written == [] and again.removed_files == []
    assert again.unchanged == len(mtimes) > 100
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


def _break_a_case(project: Path) -> None:
    """An unknown stage in one case (CB205): an error, so nothing is published."""
    broken = project / "cases" / "CH-2024-0001.md"
    broken.write_text(broken.read_text("utf-8").replace("stage: intake", "stage: intak", 1),
                      encoding="utf-8")


def test_errors_refuse_to_publish(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    _break_a_case(project)
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 1
    assert "CB205" in result.stdout
    assert "nothing was published" in result.stderr
    assert not (project / "site").exists()


def test_plain_mkdocs_and_properdocs_build_the_same_pages(tmp_path: Path, built: Path) -> None:
    expected = sorted(p.relative_to(built / "site").as_posix()
                      for p in (built / "site").rglob("*.html"))
    env_today = {"SOURCE_DATE_EPOCH": "1795737600"}  # 2026-11-28
    for tool in ("mkdocs", "properdocs"):
        project = copy_project(tmp_path / tool)
        result = subprocess.run([str(Path(sys.executable).parent / tool), "build"],
                                cwd=project, capture_output=True, text=True, check=False,
                                env={**__import__("os").environ, **env_today})
        assert result.returncode == 0, result.stderr[-3000:]
        pages = sorted(p.relative_to(project / "site").as_posix()
                       for p in (project / "site").rglob("*.html"))
        assert pages == expected, tool


def test_casebook_build_generates_once_and_the_plugin_not_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.config.defaults import MkDocsConfig

    from generator.config import load_config
    from generator.preview import plugin
    from generator.publish.build import build_site

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the plugin generated again under casebook build")

    monkeypatch.setattr(plugin, "generate", refused)
    monkeypatch.setattr(MkDocsConfig.plugins, "plugin_cache", {})
    project = copy_project(tmp_path)
    monkeypatch.chdir(project)
    result = build_site(load_config(project / "mkdocs.yml"), today=TODAY)
    assert result.published > 0
    home = (project / "site" / "index.html").read_text("utf-8")
    # The banner the plugin would have stated, stated by build_site itself.
    assert f"Internal build: cases up to TLP:AMBER+STRICT, generated {TODAY}" in home


TODAY_EPOCH = str(int(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC).timestamp()))
"""SOURCE_DATE_EPOCH at noon of TODAY: mkdocs dates the build (sitemap, print footer) by it."""


@pytest.fixture(scope="module")
def reproducible(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`casebook build`'s site, generated and rendered in child processes, dated TODAY."""
    project = copy_project(tmp_path_factory.mktemp("reproducible"))
    result = run_casebook("build", cwd=project, env={"SOURCE_DATE_EPOCH": TODAY_EPOCH})
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


def test_a_build_in_one_process_makes_the_site_the_command_makes_in_a_child(
        tmp_path: Path, reproducible: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mkdocs.config.defaults import MkDocsConfig

    from generator.config import load_config
    from generator.publish.build import build_site

    monkeypatch.setattr(MkDocsConfig.plugins, "plugin_cache", {})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    project = copy_project(tmp_path)
    monkeypatch.chdir(project)
    result = build_site(load_config(project / "mkdocs.yml"), isolated=False)
    assert result.published == len(_published_ids()) and result.today == TODAY
    _assert_same_site(reproducible, project / "site")


def test_letting_each_page_go_once_written_changes_no_byte_of_the_site(
        tmp_path: Path, reproducible: Path) -> None:
    # A plain `mkdocs build` has the plugin generate, and keeps every page's Markdown
    # and HTML to its end; `casebook build` lets them go once read (on_page_content,
    # on_post_page): titles, navigation, sitemap and search must not notice.
    project = copy_project(tmp_path)
    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build"],
                            cwd=project, capture_output=True, text=True, check=False,
                            env={**os.environ, "SOURCE_DATE_EPOCH": TODAY_EPOCH})
    assert result.returncode == 0, result.stderr[-3000:]
    _assert_same_site(reproducible, project / "site")


def _site_files(site: Path) -> dict[str, bytes]:
    # Pagefind's output differs between any two runs on the same pages (two `casebook
    # build`s differ there too: the order of its filters, its names): it is compared
    # by what it indexed, every other file byte for byte.
    return {name: p.read_bytes() for p in sorted(site.rglob("*"))
            if p.is_file() and not (name := p.relative_to(site).as_posix()).startswith(
                "pagefind/")}


def _assert_same_site(expected_site: Path, found_site: Path) -> None:
    expected, found = _site_files(expected_site), _site_files(found_site)
    assert len(expected) > 100
    assert "sitemap.xml" in expected and "search.json" not in expected
    assert sorted(found) == sorted(expected)
    assert [name for name in expected if found[name] != expected[name]] == []

    def indexed(site: Path) -> int:
        return len(search_fragment_files(site))
    assert indexed(found_site) == indexed(expected_site) > 10


def test_a_build_in_a_child_process_raises_the_errors_with_their_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.config import load_config
    from generator.publish.build import BuildError, build_site

    project = copy_project(tmp_path)
    _break_a_case(project)
    monkeypatch.chdir(project)
    with pytest.raises(BuildError) as raised:
        build_site(load_config(project / "mkdocs.yml"), today=TODAY, isolated=True)
    found = [d for d in raised.value.report.diagnostics if d.code == "CB205"]
    assert [(d.path, d.line > 1, d.column >= 1) for d in found] == [
        ("cases/CH-2024-0001.md", True, True)]
    assert not (project / "site").exists()


def test_the_command_shows_mkdocs_messages_from_its_child_process(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^INFO    -  Documentation built in [\d.]+ seconds$", result.stderr,
                     re.MULTILINE), result.stderr[-2000:]
    assert f"{len(_published_ids())} published (internal profile)" in result.stdout
    quiet = run_casebook("build", "--today", TODAY.isoformat(), "--quiet", cwd=project)
    assert quiet.returncode == 0 and "INFO" not in quiet.stderr, quiet.stderr[-2000:]


def test_a_generation_lets_the_positions_go_once_every_check_has_placed_its_problems(
        tmp_path: Path) -> None:
    from generator.checks.corpus import load_corpus
    from generator.config import load_config
    from generator.publish.build import without_positions

    project = copy_project(tmp_path)
    _break_a_case(project)
    corpus = load_corpus(load_config(project / "mkdocs.yml"), today=TODAY)
    slim = without_positions(corpus)
    assert slim.report() == corpus.report() and slim.report().diagnostics
    assert [f.case for f in slim.files] == [f.case for f in corpus.files]
    assert [f.body for f in slim.files] == [f.body for f in corpus.files]
    assert all(f.front_matter is None and f.data is None
               for f in slim.files if f.case is not None)
    assert all(f.front_matter is not None for f in corpus.files)
    # The file the schema refused keeps what it was read as: its record is none.
    assert [f.rel for f in slim.files if f.data is not None] == ["cases/CH-2024-0001.md"]


def test_a_generation_reads_the_history_before_the_cases(tmp_path: Path) -> None:
    # What reading the history holds for a while (git's answers, its cache) makes
    # room for the cases after it; read after them, it stood beside every position.
    from generator.checks.corpus import Corpus
    from generator.config import Config, load_config
    from generator.history.reader import History
    from generator.publish.build import generate
    from generator.publish.steps import Steps

    read: list[str] = []

    class Recording(Steps):
        def load_corpus(self, config: Config, today: dt.date, show_progress: bool) -> Corpus:
            read.append("cases")
            return super().load_corpus(config, today, show_progress)

        def read_history(self, config: Config) -> History:
            read.append("history")
            return super().read_history(config)

    project = copy_project(tmp_path)
    result = generate(load_config(project / "mkdocs.yml"), today=TODAY, steps=Recording())
    assert read == ["history", "cases"] and result.history is not None
    assert result.published == len(_published_ids())


def test_a_child_that_dies_is_a_build_failure_with_a_message_not_a_traceback() -> None:
    from generator.publish.isolate import ChildError, in_child

    assert in_child(divmod, 7, 2) == (3, 1)
    with pytest.raises(ChildError, match="ran _exit ended without an answer"):
        in_child(os._exit, 9)


@pytest.mark.parametrize(("failing", "isolated"), [
    ("index_site", False), ("scan_with", False),
    # Listing what the profile removed fails while mkdocs builds in its child.
    ("list_removed", True)])
def test_a_site_not_proven_clean_is_not_left_on_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str, isolated: bool) -> None:
    from mkdocs.config.defaults import MkDocsConfig

    from generator.config import load_config
    from generator.publish import build

    def fails(*args: object, **kwargs: object) -> None:
        raise OSError(f"{failing}: a file could not be read")

    monkeypatch.setattr(MkDocsConfig.plugins, "plugin_cache", {})
    monkeypatch.setattr(build, failing, fails)
    project = copy_project(tmp_path)
    monkeypatch.chdir(project)
    with pytest.raises(OSError, match="could not be read"):
        build.build_site(load_config(project / "mkdocs.yml"), today=TODAY, isolated=isolated)
    assert not (project / "site").exists()


def test_the_command_lists_what_the_profile_removed_while_mkdocs_builds_the_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Listing every removed value from nothing takes seconds at 10,000 cases: the
    # command does it on the core that mkdocs, building in its child, leaves free,
    # and starts no reading worker there.
    import time

    from generator.config import load_config
    from generator.publish import build, leakcheck

    listing = build.list_removed
    seen: dict[str, object] = {}
    project = copy_project(tmp_path)

    def list_removed(*args: object, **kwargs: object) -> object:
        seen["spare"] = leakcheck.spare_cores()
        deadline = time.monotonic() + 120
        # The site appears while this step has not returned: mkdocs is building it.
        while not (project / "site" / "sitemap.xml").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        seen["site"] = (project / "site" / "sitemap.xml").exists()
        return listing(*args, **kwargs)

    monkeypatch.setattr(build, "list_removed", list_removed)
    monkeypatch.chdir(project)
    config = load_config(project / "mkdocs.yml")
    result = build.build_site(config, today=TODAY, profile=build.profile_named(config, "public"),
                              isolated=True)
    assert seen == {"spare": max(0, min(len(os.sched_getaffinity(0)) - 2, 3)), "site": True}
    assert result.published == len(_published_ids("public"))
    assert leakcheck.spare_cores() == max(0, min(len(os.sched_getaffinity(0)) - 1, 3))
