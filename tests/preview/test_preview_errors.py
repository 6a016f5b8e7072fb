"""The live preview while cases have errors: it starts, keeps answering, and shows them.

A real `mkdocs serve --livereload --dirty` (what `make serve` runs) in a copy of
the project, asked over HTTP: with a draft as `casebook new` writes it and a
case with a YAML syntax error, every page answers with the banner "2 cases have
problems", each broken file's page shows its diagnostics and the lines they
point at, and /problems/ lists them; a fixed file is published on the next
rebuild and the banner goes; a case broken while serving stops no page. The
generation tests run drafts mode in this process: broken cases are in no
listing or export, and a profile that may not show a file never names it.
`casebook build` and `mkdocs build` still refuse to publish. The time from a
save to the page showing it is printed (measured, never asserted).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from serving import MKDOCS, Server, fetch

from conftest import TODAY, copy_project, invoke, run_casebook
from generator.checks.corpus import load_corpus
from generator.config import load_config
from generator.publish.build import BuildError, generate
from generator.publish.profiles import profile
from generator.records.diagnostics import Diagnostic, Severity

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("live-preview")]

# The build date, fixed at noon of the suite's day.
EPOCH = str(int(dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC).timestamp()))
BANNER = 'class="cb-problems-banner"'
FIXED_TITLE = "Fixed draft of a reported strike near a clinic in an invented district"
POLL_SECONDS = 60.0


# --------------------------------------------------------------------------
# Making and breaking cases in a copy of the project.


def new_draft(project: Path, *options: str) -> Path:
    """A case as `casebook new` writes it, its placeholders unfilled."""
    result = invoke("new", "--today", TODAY.isoformat(), *options, cwd=project)
    assert result.exit_code == 0, result.output
    return project / result.stdout.strip()


def valid_text(case_id: str, title: str) -> str:
    """A valid case at intake, opened on the suite's day."""
    day = TODAY.isoformat()
    return f"""---
id: {case_id}
title: {title}
opened: {day}
stage: intake
status: active
next_review: {(TODAY + dt.timedelta(days=14)).isoformat()}
sensitivity: AMBER
stage_history:
  - stage: intake
    date: {day}
    by: jdoe
    note: Logged from an invented media report.
incident:
  date: {(TODAY - dt.timedelta(days=5)).isoformat()}
  country: YEM
  location_precision: unknown
  attribution: unknown
sources:
  - key: S1
    type: media
    visibility: public
    title: Invented report of a strike near a clinic
    url: https://example.org/news/invented-clinic
    accessed: {(TODAY - dt.timedelta(days=1)).isoformat()}
---
## Summary

This is a fictional case; the people, places and events in it are invented. An
invented outlet reported a strike near a clinic [S1].
"""


def with_yaml_error(text: str) -> str:
    """The file with an unclosed list at the top of its front matter."""
    assert text.startswith("---\n")
    return "---\nbroken: [unclosed\n" + text.removeprefix("---\n")


def with_duplicate_key(text: str) -> str:
    assert text.startswith("---\n")
    return "---\ntitle: A second title for the same case\n" + text.removeprefix("---\n")


def new_case(project: Path, title: str) -> Path:
    """A valid case of the project's own, under the next free id: one that no other
    case names, so that breaking it breaks no other, whatever the project's cases."""
    path = new_draft(project)
    path.write_text(valid_text(path.stem, title), encoding="utf-8")
    return path


def problems_of(project: Path) -> dict[str, list[Diagnostic]]:
    """What `casebook validate` reports, file by file, for the files with errors."""
    report = load_corpus(load_config(project / "mkdocs.yml"), today=TODAY).report()
    by_file: dict[str, list[Diagnostic]] = {}
    for d in report.diagnostics:
        by_file.setdefault(d.path, []).append(d)
    return {path: found for path, found in by_file.items()
            if any(d.severity is Severity.ERROR for d in found)}


def assert_shows(page: str, problems: Iterable[Diagnostic], lines: list[str]) -> None:
    """Each problem's code, place and message, and the line of the file it points at."""
    for d in problems:
        assert d.code in page
        assert f"line {d.line}, column {d.column}: {html.escape(d.message)}" in page, d
        if 0 < d.line <= len(lines):
            assert f"{d.line} | {html.escape(lines[d.line - 1])}" in page, d


def sitemap_pages(server: Server) -> list[str]:
    status, text = fetch(server.url("sitemap.xml"))
    assert status == 200
    return re.findall(r"<loc>(.*?)</loc>", text)


# --------------------------------------------------------------------------
# A real `mkdocs serve`.


def test_the_preview_serves_while_cases_have_errors_and_shows_them(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    broken_title = "Invented shelling of a water point in an invented village"
    broken = new_case(project, broken_title)
    later = new_case(project, "Invented air strike on an invented bridge")
    draft = new_draft(project)
    draft_id, broken_id, later_id = draft.stem, broken.stem, later.stem
    original = broken.read_text(encoding="utf-8")
    broken.write_text(with_yaml_error(original), encoding="utf-8")
    expected = problems_of(project)
    assert set(expected) == {f"cases/{draft_id}.md", f"cases/{broken_id}.md"}
    timings: dict[str, float] = {}

    server = Server(project, tmp_path / "serve.log", EPOCH)
    try:
        # Every page answers, with the banner; each broken file has its page.
        home = server.wait_for(server.url(), shows=(BANNER, "2 cases have problems"),
                               timeout=180)
        assert 'href="/problems/"' in home
        server.wait_for(server.case_url(later_id), shows="Invented air strike",
                        lacks="Not published")
        for case_id in (draft_id, broken_id):
            page = server.wait_for(server.case_url(case_id), shows="Not published")
            path = project / "cases" / f"{case_id}.md"
            assert_shows(page, expected[f"cases/{case_id}.md"],
                         path.read_text(encoding="utf-8").splitlines())
        listing = server.wait_for(server.url("problems/"), shows="2 cases have problems")
        assert_shows(listing, [d for found in expected.values() for d in found], [])
        for case_id in (draft_id, broken_id):
            assert f'href="../cases/{case_id}/"' in listing
        # Broken cases count in no listing and no export.
        for where in ("stages/intake/", "exports/cases.csv", "index.html"):
            status, text = fetch(server.url(where))
            assert status == 200 and draft_id not in text and broken_id not in text, where
        server.settle()

        # The draft is fixed: published on the next rebuild, with one problem left.
        started = time.monotonic()
        draft.write_text(valid_text(draft_id, FIXED_TITLE), encoding="utf-8")
        server.wait_for(server.case_url(draft_id), shows=(FIXED_TITLE, "1 case has problems"),
                        lacks="Not published", timeout=POLL_SECONDS)
        timings["a fixed draft"] = time.monotonic() - started
        assert draft_id in server.wait_for(server.url("stages/intake/"), shows=FIXED_TITLE)
        server.settle()

        # The other is fixed too: no banner anywhere, no problems page.
        started = time.monotonic()
        broken.write_text(original, encoding="utf-8")
        server.wait_for(server.case_url(broken_id), shows=broken_title, lacks=BANNER,
                        timeout=POLL_SECONDS)
        timings["a fixed case (YAML error)"] = time.monotonic() - started
        server.wait_for(server.url(), lacks=BANNER, timeout=POLL_SECONDS)
        server.wait_for(server.url("problems/"), status=404, timeout=POLL_SECONDS)
        server.settle()

        # Another case breaks while serving: every page still answers, with the banner.
        text = later.read_text(encoding="utf-8")
        started = time.monotonic()
        later.write_text(with_duplicate_key(text), encoding="utf-8")
        page = server.wait_for(server.case_url(later_id), shows=("Not published", "CB101"),
                               timeout=POLL_SECONDS)
        timings["a case saved with an error"] = time.monotonic() - started
        assert_shows(page, problems_of(project)[f"cases/{later_id}.md"],
                     with_duplicate_key(text).splitlines())
        server.settle()
        pages = sitemap_pages(server)
        assert len(pages) > len(list((project / "cases").glob("*.md")))
        for url in pages:
            status, body = fetch(url, timeout=10)
            assert status == 200 and "1 case has problems" in body, url

        log = server.log_text()
        assert "An error happened during the rebuild" not in log
        assert "ERROR" not in log and "Traceback" not in log, log[-3000:]
        assert "not included in the \"nav\"" not in log  # the problems page is outside it
        assert server.stop(), log[-2000:]
    finally:
        server.stop()
    # Measured, not asserted: speed is the benchmarks' business.
    print("\nlive preview, save -> page:",
          ", ".join(f"{what} {seconds:.2f} s" for what, seconds in timings.items()))


# --------------------------------------------------------------------------
# Builds for readers refuse; drafts mode is the preview's only.


def test_casebook_build_and_mkdocs_build_still_refuse_to_publish(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    draft = new_draft(project)

    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 1
    assert f"cases/{draft.name}:" in result.stdout and "CB211" in result.stdout
    assert "nothing was published" in result.stderr
    assert not (project / "site").exists()
    assert list((project / ".generated" / "docs").rglob("*.md")) == []

    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("CASEBOOK_PROFILE", None)
    plain = subprocess.run([str(MKDOCS), "build"], cwd=project, capture_output=True, text=True,
                           env=env, check=False)
    assert plain.returncode != 0
    assert "CB211" in plain.stderr and "nothing was published" in plain.stderr
    assert not (project / "site" / "index.html").exists()
    assert list((project / ".generated" / "docs").rglob("*.md")) == []


def generated_texts(project: Path) -> dict[str, str]:
    docs = project / ".generated" / "docs"
    return {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8", errors="replace")
            for p in docs.rglob("*") if p.is_file()}


def test_drafts_mode_shows_broken_files_and_lists_them_nowhere_else(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    config = load_config(project / "mkdocs.yml")
    internal = profile("internal")
    published = [c.id for c in load_corpus(config, today=TODAY).cases if internal.publishes(c)]
    draft_id = new_draft(project).stem
    # A file whose name would make no case page: shown under problems/.
    (project / "cases" / "index.md").write_text("no front matter\n", encoding="utf-8")
    with pytest.raises(BuildError):
        generate(config, today=TODAY, with_history=False)

    result = generate(config, today=TODAY, with_history=False, drafts=True)

    assert result.problems is not None
    assert result.problems.summary == "2 cases have problems"
    texts = generated_texts(project)
    assert "Not published" in texts[f"cases/{draft_id}.md"]
    assert "CB104" in texts["problems/cases-index-md.md"]
    assert "cases/index.md" not in texts
    listing = texts["problems/index.md"]
    assert f"(../cases/{draft_id}.md)" in listing and "(cases-index-md.md)" in listing
    for name, text in texts.items():
        if not name.startswith(("problems/", f"cases/{draft_id}.md")):
            assert draft_id not in text, name
    assert result.published == len(published)


@pytest.mark.parametrize("breaks", ["placeholders", "yaml-error"])
def test_a_file_the_profile_may_not_show_is_counted_and_never_named(
        tmp_path: Path, breaks: str) -> None:
    project = copy_project(tmp_path / "project")
    draft = new_draft(project, "--sensitivity", "RED")
    if breaks == "yaml-error":
        draft.write_text(with_yaml_error(draft.read_text(encoding="utf-8")), encoding="utf-8")
    other = new_draft(project)  # AMBER: shown by the internal profile, not the public one
    config = load_config(project / "mkdocs.yml")

    for name, shown in (("internal", [other.stem]), ("public", [])):
        result = generate(config, today=TODAY, with_history=False, drafts=True,
                          profile=profile(name, config.settings.profiles))
        assert result.problems is not None and len(result.problems.drafts) == 2
        texts = generated_texts(project)
        assert sorted(n.removeprefix("cases/").removesuffix(".md") for n in texts
                      if n.startswith("cases/") and "Not published" in texts[n]) == shown
        hidden = 2 - len(shown)
        listing = texts["problems/index.md"]
        assert f"{hidden} case file{'s' if hidden != 1 else ''} with errors" in listing
        assert draft.stem not in listing
        assert all(draft.stem not in text for text in texts.values()), name
