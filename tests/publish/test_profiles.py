"""Build profiles: what a profile publishes, and what it removes, proven from the built files.

The sample cases are copied into throw-away projects and built with real
`casebook build` runs, once per profile and module. Every assertion reads the
files the build wrote (pages, the search index, the sitemap, exports, the
feed), decoded as a reader's tools would decode them; none trusts the
generator's own idea of what it removed. Profile.view and view_history are
also tested on hand-made cases.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import html
import io
import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from conftest import ROOT, SAMPLE_CASES, TODAY, run_casebook, search_fragments
from generator.config import DEFAULT_PROFILES, ProfileSettings
from generator.history.reader import CaseHistory, Commit, FieldChange
from generator.publish.profiles import ANALYST, Profile, Withheld, profile, removed_values
from generator.records.schema import Case, Sensitivity, removable_field

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("profiles")]

SAMPLES = SAMPLE_CASES
LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
SITE_URL_LINE = "site_url: https://casebook.example.org/kb/\n"
STAGES = ("intake", "incident-analysis", "policy-impact-assessment", "coordinated-action",
          "closed")

# A commit author, co-author and subject that appear nowhere else.
AUTHOR = ("Quillon Vasquez-Oduya", "q.vasquez@nightjar-desk.example.net")
CO_AUTHOR = ("Petronella Smythe-Arkwright", "p.smythe@nightjar-desk.example.net")
SUBJECT = "Import the Nightjar desk's confidential casework"


# --------------------------------------------------------------------------
# Projects, builds and reading what they wrote.


def front_matter(path: Path) -> dict[str, Any]:
    """The front matter of a sample case, read as plain YAML (the samples need no more)."""
    _, block, _ = path.read_text(encoding="utf-8").split("---\n", 2)
    data = yaml.safe_load(block)
    assert isinstance(data, dict)
    return data


def sample_cases() -> dict[str, dict[str, Any]]:
    return {p.stem: front_matter(p) for p in sorted(SAMPLES.glob("*.md"))}


def copy_project(target: Path, *, edits: dict[str, list[tuple[str, str]]] | None = None,
                 extra_cases: dict[str, str] | None = None, plugin_settings: str = "") -> Path:
    """A copy of the project's site inputs; sample cases edited, cases added, settings set."""
    shutil.copytree(SAMPLES, target / "cases")
    shutil.copytree(ROOT / "templates", target / "templates")
    # A site address, so that the sitemap lists every page (mkdocs leaves it empty without).
    config = SITE_URL_LINE + (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    if plugin_settings:
        anchor = "      stalled_days: 60\n"
        assert anchor in config, "mkdocs.yml no longer has the line the test inserts after"
        config = config.replace(anchor, anchor + plugin_settings)
    (target / "mkdocs.yml").write_text(config, encoding="utf-8")
    (target / ".generated" / "docs").mkdir(parents=True)
    edit_cases(target, edits or {})
    for case_id, text in (extra_cases or {}).items():
        (target / "cases" / f"{case_id}.md").write_text(text, encoding="utf-8")
    return target


def edit_cases(project: Path, edits: dict[str, list[tuple[str, str]]]) -> None:
    for case_id, replacements in edits.items():
        path = project / "cases" / f"{case_id}.md"
        text = path.read_text(encoding="utf-8")
        for old, new in replacements:
            assert old in text, (case_id, old)
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")


def git(project: Path, *args: str, date: str = "2026-11-01T12:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": AUTHOR[0], "GIT_AUTHOR_EMAIL": AUTHOR[1],
           "GIT_COMMITTER_NAME": AUTHOR[0], "GIT_COMMITTER_EMAIL": AUTHOR[1],
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", *args], cwd=project, env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, (args, result.stderr)


def commit_all(project: Path, subject: str, *, date: str = "2026-11-01T12:00:00+00:00") -> None:
    if not (project / ".git").exists():
        git(project, "init", "-q")
    git(project, "add", "cases", "mkdocs.yml", "templates")
    git(project, "commit", "-q", "-m", subject, "-m",
        f"Co-authored-by: {CO_AUTHOR[0]} <{CO_AUTHOR[1]}>", date=date)


def build(project: Path, *args: str, env: dict[str, str] | None = None,
          keep_as: str | None = None) -> subprocess.CompletedProcess[str]:
    """`casebook build`; the site is moved to `keep_as` so that another build can follow."""
    result = run_casebook("build", "--today", TODAY.isoformat(), "--quiet", *args,
                          cwd=project, env=env)
    if keep_as and (project / "site").is_dir():
        (project / "site").rename(project / keep_as)
    return result


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def readable(path: Path) -> str:
    """The file as a reader's tools see it: gzip opened, entities and JSON escapes decoded,
    runs of white space made one space."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8", errors="replace")
    layers = [text, html.unescape(text)]
    if path.suffix in (".json", ".geojson"):
        layers += [html.unescape(s) for s in _strings(json.loads(text))]
    return "\n".join(re.sub(r"\s+", " ", layer) for layer in layers)


_TEXTS: dict[Path, dict[str, str]] = {}


# The theme's scripts, styles and images are copied from the mkdocs-material package as
# they are, whatever the cases: reading their 2.5 MB for every value would only cost time.
THEME_FILES = ("assets/javascripts/", "assets/stylesheets/", "assets/images/")


def site_texts(site: Path) -> dict[str, str]:
    """Every file the build wrote but the theme's own, by path relative to the site."""
    if site not in _TEXTS:
        _TEXTS[site] = {rel: readable(p) for p in sorted(site.rglob("*"))
                        if p.is_file() and not (rel := p.relative_to(site).as_posix())
                        .startswith(THEME_FILES)}
    return _TEXTS[site]


def files_containing(site: Path, value: str, *, word: bool = False) -> list[str]:
    """The files whose readable text contains `value`, ignoring case (as a whole word)."""
    needle = re.sub(r"\s+", " ", value.strip())
    pattern = re.compile((r"(?<![A-Za-z0-9_])" + re.escape(needle) + r"(?![A-Za-z0-9_])")
                         if word else re.escape(needle), re.IGNORECASE)
    return [name for name, text in site_texts(site).items() if pattern.search(text)]


def page(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def table_after(document: str, heading_id: str) -> list[list[str]]:
    """The body rows of the first table after the heading with this id, as cell texts."""
    start = document.index(f'id="{heading_id}"')
    table = document[document.index("<table>", start):document.index("</table>", start)]
    body = table[table.index("<tbody>"):]
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def sitemap_locations(site: Path) -> dict[str, set[str]]:
    plain = (site / "sitemap.xml").read_text(encoding="utf-8")
    packed = gzip.decompress((site / "sitemap.xml.gz").read_bytes()).decode("utf-8")
    return {name: set(re.findall(r"<loc>(.*?)</loc>", text))
            for name, text in (("sitemap.xml", plain), ("sitemap.xml.gz", packed))}


def handles(cases: dict[str, dict[str, Any]]) -> set[str]:
    """Every person named in a case: assignee, stage_history[].by, assessment.reviewed_by."""
    found: set[str] = set()
    for data in cases.values():
        if data.get("assignee"):
            found.add(data["assignee"])
        found.update(e["by"] for e in data["stage_history"])
        found.update((data.get("assessment") or {}).get("reviewed_by") or [])
    return found


@dataclass
class Built:
    project: Path
    cases: dict[str, dict[str, Any]]
    sites: dict[str, Path]

    def published(self, name: str) -> dict[str, dict[str, Any]]:
        top = {"public": "CLEAR", "internal": "AMBER+STRICT", "reviewers": "GREEN"}[name]
        allowed = LEVELS[: LEVELS.index(top) + 1]
        return {i: d for i, d in self.cases.items() if d["sensitivity"] in allowed}


# --------------------------------------------------------------------------
# A CLEAR case added to the samples: a non-public source, people and exact coordinates
# (the samples' CLEAR cases have public sources only).

ADDED_ID = "CH-2026-0004"
SECRET_SOURCE = {
    "title": "Demarche cable XQ-7731 from the Ministry of Quokka Affairs",
    "publisher": "Quokka Ministry Liaison Cell",
    "url": "https://intranet.quokka-ministry.example/cables/xq-7731",
    "archive_url": "https://vault.quokka-ministry.example/xq-7731",
}
ADDED_PEOPLE = ("vbelokurova", "okwabena-mensah", "hbergqvist", "zyxandrou")
ADDED_CASE = f"""---
id: {ADDED_ID}
title: Strike on a grain store reported through a foreign ministry channel in Example Province
opened: 2026-10-20
stage: policy-impact-assessment
status: active
next_review: 2027-02-01
sensitivity: CLEAR
assignee: vbelokurova
stage_history:
  - stage: intake
    date: 2026-10-20
    by: okwabena-mensah
    note: Logged from a media report.
  - stage: incident-analysis
    date: 2026-10-27
    by: okwabena-mensah
    note: Weapon type identified from published photographs.
  - stage: policy-impact-assessment
    date: 2026-11-10
    by: hbergqvist
    note: Harm found credible after review.
incident:
  date: 2026-10-15
  country: IRQ
  admin1: Example Province
  place: Grain store on the river road (fictional)
  coordinates:
    lat: 33.456789
    lon: 44.123456
  location_precision: exact
  partner_force: Example Counter-Terrorism Service (fictional)
  unit: Ninth Quokka Rifle Battalion (fictional)
  operation_type: air
  attribution: likely
harm:
  killed: 2
  injured: 5
  civilian_objects:
    - food-market
weapons:
  - category: guided-bomb
    designation: Example guided bomb
    us_origin: possible
sources:
  - key: S1
    type: media
    visibility: public
    title: Grain store hit on the river road
    publisher: Example Riverside Gazette
    published: 2026-10-16
    url: https://example.org/riverside/2026/10/16/grain-store
    accessed: 2026-10-20
  - key: S2
    type: foreign-government
    visibility: non-public
    title: {SECRET_SOURCE["title"]}
    publisher: {SECRET_SOURCE["publisher"]}
    published: 2026-10-18
    url: {SECRET_SOURCE["url"]}
    archive_url: {SECRET_SOURCE["archive_url"]}
    language: fr
    accessed: 2026-10-21
assessment:
  harm_finding: credible
  partner_position: investigating
  reviewed_by:
    - hbergqvist
    - zyxandrou
actions:
  - type: partner-engagement
    status: in-progress
    date: 2026-11-12
    note: Findings shared with the partner's liaison office.
related:
  - CH-2023-0004
  - CH-2024-0003
tags:
  - grain-store
---
## Summary

This is a fictional test case; the people, places and events in it are invented.

A grain store on the river road was hit by an air strike; two civilians were killed and
five injured [S1]. A foreign government shared its own account through diplomatic
channels [S2].
"""


# --------------------------------------------------------------------------
# The sample cases, built with the public and the internal profile.


# A second commit edits published cases: a link to a case that public leaves out, a point
# given more precisely. Neither may show in the public history of those cases.
HISTORY_EDITS = {
    "CH-2024-0007": [("related:\n  - CH-2023-0005\n",
                      "related:\n  - CH-2023-0005\n  - CH-2023-0001\n")],
    "CH-2026-0002": [("    lat: 3.1\n", "    lat: 3.123456\n")],
}
SECOND_SUBJECT = "Link the Nightjar market case and refine a point"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The samples plus the added case, in two commits, built with both default profiles."""
    project = copy_project(tmp_path_factory.mktemp("profiles"),
                           extra_cases={ADDED_ID: ADDED_CASE})
    commit_all(project, SUBJECT)
    edit_cases(project, HISTORY_EDITS)
    commit_all(project, SECOND_SUBJECT, date="2026-11-02T12:00:00+00:00")
    public = build(project, "--profile", "public", keep_as="site-public")
    internal = build(project, keep_as="site-internal")  # no profile named: internal
    for result in (public, internal):
        assert "Traceback" not in result.stdout + result.stderr, result.stderr[-3000:]
        assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    cases = {p.stem: front_matter(p) for p in sorted((project / "cases").glob("*.md"))}
    return Built(project, cases, {"public": project / "site-public",
                                  "internal": project / "site-internal"})


def test_the_samples_hold_every_level_and_the_profiles_are_as_documented() -> None:
    levels = Counter(d["sensitivity"] for d in sample_cases().values())
    assert set(levels) == set(LEVELS), levels
    assert DEFAULT_PROFILES["public"].max_sensitivity == "CLEAR"
    assert DEFAULT_PROFILES["internal"].max_sensitivity == "AMBER+STRICT"


@pytest.mark.parametrize("name", ["public", "internal"])
def test_every_published_case_has_its_page_export_row_index_entry_and_sitemap_url(
        samples: Built, name: str) -> None:
    site = samples.sites[name]
    expected = set(samples.published(name))
    assert {p.name for p in (site / "cases").iterdir() if p.is_dir()} == expected
    exported = json.loads(page(site, "exports/cases.json"))
    assert {c["id"] for c in exported["cases"]} == expected
    assert exported["count"] == len(expected)
    assert {r["id"] for r in read_csv((site / "exports/cases.csv").read_bytes())} == expected
    geo = json.loads(page(site, "exports/cases.geojson"))
    with_point = {i for i, d in samples.published(name).items()
                  if (d["incident"].get("coordinates"))}
    assert {f["id"] for f in geo["features"]} == with_point
    # The search index (Pagefind's): one fragment per page, and only case pages.
    fragments = search_fragments(site)
    indexed = {m.group(1) for doc in fragments
               if (m := re.fullmatch(r"/cases/([^/]+)/", doc["url"]))}
    assert indexed == expected and len(fragments) == len(expected)
    for sitemap, locations in sitemap_locations(site).items():
        in_map = {m.group(1) for loc in locations if (m := re.search(r"/cases/([^/]+)/", loc))}
        assert in_map == expected, sitemap


@pytest.mark.parametrize("name", ["public", "internal"])
def test_no_case_above_the_profile_appears_in_any_file(samples: Built, name: str) -> None:
    site = samples.sites[name]
    hidden = {i: d for i, d in samples.cases.items() if i not in samples.published(name)}
    assert hidden
    if name == "public":
        assert {d["sensitivity"] for d in hidden.values()} == set(LEVELS) - {"CLEAR"}
    else:
        assert {d["sensitivity"] for d in hidden.values()} == {"RED"}
    found = {f"{case_id} {what}": files
             for case_id, data in hidden.items()
             for what, value in (("id", case_id), ("title", data["title"]))
             if (files := files_containing(site, value))}
    assert found == {}


def test_no_title_publisher_or_url_of_any_non_public_source_appears_in_public(
        samples: Built) -> None:
    site = samples.sites["public"]
    values = {(case_id, s["key"], key): s[key]
              for case_id, data in samples.cases.items() for s in data["sources"]
              if s["visibility"] == "non-public"
              for key in ("title", "publisher", "url", "archive_url") if s.get(key)}
    assert len(values) >= 10
    found = {where: files for where, value in values.items()
             if (files := files_containing(site, value))}
    assert found == {}


def test_public_output_names_no_person(samples: Built) -> None:
    site = samples.sites["public"]
    people = handles(samples.cases)
    assert len(people) >= 5
    found = {person: files for person in sorted(people)
             if (files := files_containing(site, person, word=True))}
    assert found == {}
    # The stage history still shows every move, by an anonymous analyst.
    clear = next(i for i, d in samples.published("public").items() if len(d["stage_history"]) > 1)
    timeline = page(site, f"cases/{clear}/index.html")
    assert timeline.count(f"by {ANALYST}:") == len(samples.cases[clear]["stage_history"])
    exported = json.loads(page(site, "exports/cases.json"))
    for case in exported["cases"]:
        assert case["assignee"] is None
        assert {e["by"] for e in case["stage_history"]} == {ANALYST}
        assert not (case.get("assessment") or {}).get("reviewed_by")


def test_internal_output_names_the_people_the_public_one_hides(samples: Built) -> None:
    # Proof that the public test above looks for values that a build really writes.
    site = samples.sites["internal"]
    shown = {p for p in handles(samples.published("internal"))
             if files_containing(site, p, word=True)}
    assert shown == handles(samples.published("internal"))
    assert files_containing(site, AUTHOR[0])
    assert files_containing(site, SUBJECT)


def test_public_output_shows_no_commit_author_email_or_subject(samples: Built) -> None:
    site = samples.sites["public"]
    for value in (*AUTHOR, *CO_AUTHOR, SUBJECT, "Nightjar", "nightjar-desk"):
        assert files_containing(site, value) == [], value
    changes = page(site, "changes/index.html")
    assert ANALYST in changes
    feed = page(site, "changes/feed.xml")
    assert f"<name>{ANALYST}</name>" in feed


def _pipeline(document: str) -> dict[str, int]:
    nav = document[document.index('class="cb-pipeline"'):]
    nav = nav[:nav.index("</nav>")]
    return {stage: int(count) for stage, count in re.findall(
        r'cb-stage--([a-z-]+)[^>]*><strong>(\d+)</strong>', nav)}


@pytest.mark.parametrize("name", ["public", "internal"])
def test_counts_are_computed_from_the_published_cases(samples: Built, name: str) -> None:
    site = samples.sites[name]
    published = samples.published(name)
    per_stage = {stage: sum(1 for d in published.values() if d["stage"] == stage)
                 for stage in STAGES}
    total = len(published)

    home = page(site, "index.html")
    assert _pipeline(home) == per_stage
    assert f"{total} cases in this {name} build" in home
    assert _pipeline(page(site, "stages/index.html")) == per_stage
    for stage in STAGES:
        listing = page(site, f"stages/{stage}/index.html")
        assert _pipeline(listing) == per_stage, stage
        listed = set(re.findall(r'href="\.\./\.\./cases/(CH-\d{4}-\d{4})/"', listing))
        assert listed == {i for i, d in published.items() if d["stage"] == stage}, stage

    dashboard = page(site, "dashboard/index.html")
    assert f"Figures for the {total} cases in this {name} build" in dashboard
    labels = {"intake": "Intake", "incident-analysis": "Incident analysis",
              "policy-impact-assessment": "Policy impact assessment",
              "coordinated-action": "Coordinated action", "closed": "Closed"}
    assert table_after(dashboard, "cases-by-stage") == [
        [labels[s], str(per_stage[s])] for s in STAGES]
    assert sum(int(r[1]) for r in table_after(dashboard, "cases-opened-per-month")) == total
    assert sum(int(r[1]) for r in table_after(dashboard, "cases-by-partner-force")) == total
    by_type = Counter(t for d in published.values()
                      for t in {s["type"] for s in d["sources"]})
    shown = {row[0]: int(row[1]) for row in table_after(dashboard, "cases-by-source-type")}
    assert sum(shown.values()) == sum(by_type.values())
    assert sorted(v for v in shown.values() if v) == sorted(by_type.values())

    sources = page(site, "sources/index.html")
    rows = re.findall(r'href="([a-z-]+)/">[^<]*</a>(?:</span>)?</td>\s*<td[^>]*>(\d+)</td>\s*'
                      r"<td>(\d+) public, (\d+) non-public</td>", sources)
    expected = {}
    for source_type, cases in by_type.items():
        listed = [s for d in published.values() for s in d["sources"] if s["type"] == source_type]
        expected[source_type] = (cases, sum(s["visibility"] == "public" for s in listed),
                                 sum(s["visibility"] == "non-public" for s in listed))
    assert {t: (int(c), int(p), int(n)) for t, c, p, n in rows} == expected


@pytest.mark.parametrize("name", ["public", "internal"])
def test_group_pages_exist_only_for_published_values(samples: Built, name: str) -> None:
    site = samples.sites[name]
    published = samples.published(name)

    def groups(folder: str) -> set[str]:
        return {p.name for p in (site / folder).iterdir() if p.is_dir()}

    assert groups("tags") == {t for d in published.values() for t in d.get("tags") or []}
    assert groups("countries") == {d["incident"]["country"].lower() for d in published.values()}
    # "unknown" and no partner force are one group, Not recorded; the page at the old
    # address of "unknown" only points to it.
    partners = {p if p and p.lower() != "unknown" else None
                for p in (d["incident"].get("partner_force") for d in published.values())}
    assert len(groups("partners") - {"unknown"}) == len(partners)


@pytest.mark.parametrize("name", ["public", "internal"])
def test_every_page_states_its_profile(samples: Built, name: str) -> None:
    site = samples.sites[name]
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 30
    banner = f'class="cb-profile-banner" data-profile="{name}"'
    missing = [p.relative_to(site).as_posix() for p in pages
               if banner not in p.read_text(encoding="utf-8")
               or f"{name.capitalize()} build" not in p.read_text(encoding="utf-8")]
    assert missing == []


@pytest.mark.parametrize("name", ["public", "internal"])
def test_every_export_states_its_profile(samples: Built, name: str) -> None:
    exports = samples.sites[name] / "exports"
    assert json.loads((exports / "cases.json").read_text("utf-8"))["profile"] == name
    assert json.loads((exports / "cases.geojson").read_text("utf-8"))["profile"] == name
    for export in ("cases.csv", "sources.csv", "weapons.csv", "actions.csv"):
        data = (exports / export).read_bytes()
        header = data.decode("utf-8-sig").splitlines()[0].split(",")
        assert "profile" in header, export
        assert {r["profile"] for r in read_csv(data)} <= {name}, export
    assert {r["profile"] for r in read_csv((exports / "cases.csv").read_bytes())} == {name}


def test_public_coordinates_are_rounded_to_two_decimals(samples: Built) -> None:
    geo = json.loads(page(samples.sites["public"], "exports/cases.geojson"))
    assert geo["features"]
    for feature in geo["features"]:
        point = samples.cases[feature["id"]]["incident"]["coordinates"]
        assert feature["geometry"]["coordinates"] == [round(point["lon"], 2),
                                                      round(point["lat"], 2)]


@pytest.mark.parametrize("name", ["public", "internal"])
def test_links_to_unpublished_cases_are_dropped(samples: Built, name: str) -> None:
    site = samples.sites[name]
    published = samples.published(name)
    links = {(i, other) for i, d in published.items() for other in d.get("related") or []}
    assert any(other not in published for _, other in links), \
        "the samples should link to a case that this profile leaves out"
    for case_id, other in sorted(links):
        document = page(site, f"cases/{case_id}/index.html")
        assert (f'href="../{other}/"' in document) == (other in published), (case_id, other)


# The added case: its non-public source, its people, its point, its links.


def test_internal_shows_what_public_must_hide_of_the_added_case(samples: Built) -> None:
    site = samples.sites["internal"]
    for value in (*SECRET_SOURCE.values(), *ADDED_PEOPLE):
        assert files_containing(site, value), value
    assert "33.456789" in page(site, f"cases/{ADDED_ID}/index.html")


def test_a_non_public_source_shows_only_as_undisclosed_with_its_type(
        samples: Built) -> None:
    site = samples.sites["public"]
    document = page(site, f"cases/{ADDED_ID}/index.html")
    assert "Undisclosed source (Foreign government)" in document
    rows = [r for r in read_csv((site / "exports/sources.csv").read_bytes())
            if r["case_id"] == ADDED_ID and r["key"] == "S2"]
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == "Undisclosed source (Foreign government)"
    assert row["type"] == "foreign-government" and row["visibility"] == "non-public"
    for column in ("publisher", "url", "archive_url", "published", "accessed", "language"):
        assert row[column] == "", column
    exported = next(c for c in json.loads(page(site, "exports/cases.json"))["cases"]
                    if c["id"] == ADDED_ID)
    source = next(s for s in exported["sources"] if s["key"] == "S2")
    assert source["title"] == "Undisclosed source (Foreign government)"
    for key in ("publisher", "url", "archive_url", "published", "language"):
        assert source.get(key) is None, key


def test_no_title_publisher_or_url_of_a_non_public_source_appears_anywhere(
        samples: Built) -> None:
    site = samples.sites["public"]
    assert (site / f"cases/{ADDED_ID}/index.html").is_file()
    values = [*SECRET_SOURCE.values(), "XQ-7731", "quokka-ministry", "2026-10-18",
              "2026-10-21"]
    found = {v: files for v in values if (files := files_containing(site, v))}
    assert found == {}
    assert any(ADDED_ID in loc for loc in sitemap_locations(site)["sitemap.xml.gz"])


def test_the_added_case_names_no_person_and_rounds_its_coordinates(
        samples: Built) -> None:
    site = samples.sites["public"]
    found = {p: files for p in ADDED_PEOPLE if (files := files_containing(site, p, word=True))}
    assert found == {}
    assert "33.46, 44.12" in page(site, f"cases/{ADDED_ID}/index.html")
    feature = next(f for f in json.loads(page(site, "exports/cases.geojson"))["features"]
                   if f["id"] == ADDED_ID)
    assert feature["geometry"]["coordinates"] == [44.12, 33.46]
    for exact in ("33.456789", "44.123456", "33.457", "44.1235"):
        assert files_containing(site, exact) == [], exact


def test_the_added_case_links_only_to_published_cases(samples: Built) -> None:
    site = samples.sites["public"]
    document = page(site, f"cases/{ADDED_ID}/index.html")
    assert 'href="../CH-2024-0003/"' in document
    assert files_containing(site, "CH-2023-0004") == []


# --------------------------------------------------------------------------
# Profiles set in mkdocs.yml.

# The samples' narratives name things a GREEN profile leaves out (CH-2026-0001 names
# CH-2023-0006 and describes its non-public source in its title's words; a note of
# CH-2024-0006 names a reviewer): the leak check rightly stops those builds, so the copy
# says the same without them.
NARRATIVE_EDITS = {
    "CH-2026-0001": [("See CH-2023-0006 for an earlier case in the same municipality. ", ""),
                     ("A hotline message relayed by a partner NGO says", "A partner NGO says")],
    "CH-2024-0006": [("peer review by tnguyen", "peer review done")],
}
CUSTOM_PROFILES = """      profiles:
        partners:
          max_sensitivity: GREEN
          redact_non_public_sources: true
          drop_people: true
          commit_subjects: false
          coordinate_decimals: 2
          restricted_fields: [incident.unit, assessment.partner_position]
        reviewers:
          max_sensitivity: GREEN
          restricted_fields: [incident.unit]
"""


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Built:
    project = copy_project(tmp_path_factory.mktemp("custom"), edits=NARRATIVE_EDITS,
                           plugin_settings=CUSTOM_PROFILES)
    return Built(project, {p.stem: front_matter(p) for p in (project / "cases").glob("*.md")},
                 {})


def test_a_profile_set_in_mkdocs_yml_is_chosen_by_casebook_profile(custom: Built) -> None:
    result = build(custom.project, env={"CASEBOOK_PROFILE": "reviewers"}, keep_as="reviewers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(reviewers profile)" in result.stdout
    site = custom.project / "reviewers"
    published = custom.published("reviewers")
    assert {d["sensitivity"] for d in published.values()} == {"CLEAR", "GREEN"}
    assert {p.name for p in (site / "cases").iterdir() if p.is_dir()} == set(published)
    hidden = [i for i in custom.cases if i not in published]
    assert {i: f for i in hidden if (f := files_containing(site, i))} == {}
    assert 'data-profile="reviewers"' in page(site, "index.html")
    exported = json.loads(page(site, "exports/cases.json"))
    assert exported["profile"] == "reviewers"
    # The restricted field is gone from every output; people are kept by this profile.
    assert all(c["incident"]["unit"] is None for c in exported["cases"])
    units = {d["incident"]["unit"] for d in published.values() if d["incident"].get("unit")}
    assert units
    assert {u: f for u in units if (f := files_containing(site, u))} == {}
    assert files_containing(site, "mkhan", word=True)


def test_the_readme_example_profile_builds_and_removes_its_restricted_fields(
        custom: Built) -> None:
    result = build(custom.project, "--profile", "partners", keep_as="partners")
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    site = custom.project / "partners"
    exported = json.loads(page(site, "exports/cases.json"))
    assert exported["profile"] == "partners"
    for case in exported["cases"]:
        assert case["incident"]["unit"] is None
        assert (case.get("assessment") or {}).get("partner_position") is None
    for case_id in custom.published("reviewers"):
        document = page(site, f"cases/{case_id}/index.html")
        assert "Partner position</td><td>Not recorded" in document or \
            "Partner position" not in document


def test_an_unknown_profile_is_a_usage_error(samples: Built) -> None:
    project = samples.project
    for args, env in ((("--profile", "nosuch"), None), ((), {"CASEBOOK_PROFILE": "nosuch"})):
        result = build(project, *args, env=env)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "unknown profile 'nosuch'" in result.stderr
        assert "internal, public" in result.stderr
        assert "Traceback" not in result.stderr
        assert not (project / "site").exists()
    result = run_casebook("leakcheck", "site-public", "--profile", "nosuch", cwd=project)
    assert result.returncode == 2
    assert "unknown profile 'nosuch'" in result.stderr


@pytest.mark.parametrize(("name", "level"), [("leaky", "RED"), ("internal", "RED"),
                                           ("leaky", "red")])
def test_red_cannot_be_configured(tmp_path: Path, name: str, level: str) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Test\nplugins:\n  - casebook:\n      cases_dir: cases\n"
        f"      profiles:\n        {name}:\n          max_sensitivity: {level}\n",
        encoding="utf-8")
    (tmp_path / "cases").mkdir()
    commands = [("build", "--profile", name)] + ([("validate",)] if name == "leaky" else [])
    for command in commands:
        result = run_casebook(*command, cwd=tmp_path)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert "configuration error" in result.stderr
        assert f"profiles.{name}.max_sensitivity" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()


def test_red_is_refused_by_the_settings_model() -> None:
    with pytest.raises(ValidationError):
        ProfileSettings(max_sensitivity="RED")


def test_history_of_a_public_case_names_no_unpublished_case_and_no_exact_point(
        samples: Built) -> None:
    # The internal build shows both changes in the history of the cases...
    linked = page(samples.sites["internal"], "cases/CH-2024-0007/index.html")
    assert "CH-2023-0001" in linked[linked.index('id="history"'):]
    point = page(samples.sites["internal"], "cases/CH-2026-0002/index.html")
    assert "3.123456" in point[point.index('id="history"'):]
    # ...the public build shows neither, anywhere, and still lists both commits.
    site = samples.sites["public"]
    assert files_containing(site, "CH-2023-0001") == []
    assert files_containing(site, "3.123456") == []
    for case_id in HISTORY_EDITS:
        document = page(site, f"cases/{case_id}/index.html")
        assert document.count('class="cb-changes__entry"') == 2, case_id


FINDING_HIDDEN_CHANGE = (
    "Finding 8: when a profile hides every field change of a commit (a link to an "
    "unpublished case, a coordinate), SiteBuilder._entry describes the commit as 'the "
    "narrative changed', which is not what happened; the narrative of these cases did not "
    "change")


def test_a_commit_whose_changes_are_all_hidden_is_not_called_a_narrative_change(
        samples: Built) -> None:
    for case_id in HISTORY_EDITS:
        document = page(samples.sites["public"], f"cases/{case_id}/index.html")
        history = document[document.index('id="history"'):]
        assert "the narrative changed" not in history, case_id


# --------------------------------------------------------------------------
# Profile.view, view_history and removed_values on hand-made cases.

CASE: dict[str, Any] = {
    "id": "CH-2024-0100",
    "title": "A hand-made case",
    "opened": "2024-03-01",
    "stage": "policy-impact-assessment",
    "status": "active",
    "next_review": "2024-04-01",
    "sensitivity": "CLEAR",
    "assignee": "ana",
    "stage_history": [
        {"stage": "intake", "date": "2024-03-01", "by": "ana", "note": "Logged."},
        {"stage": "incident-analysis", "date": "2024-03-02", "by": "bo", "note": "Analysed."},
        {"stage": "policy-impact-assessment", "date": "2024-03-03", "by": "cyd",
         "note": "Assessed by the desk."},
    ],
    "incident": {
        "date": "2024-02", "country": "YEM", "location_precision": "exact",
        "coordinates": {"lat": 15.123456, "lon": -44.987654},
        "partner_force": "Example Force", "unit": "Secret Unit Nine",
        "attribution": "likely",
    },
    "sources": [
        {"key": "S1", "type": "media", "visibility": "public", "title": "A public report",
         "publisher": "Example Paper", "url": "https://example.org/r",
         "published": "2024-02-28", "accessed": "2024-03-01", "reliability": "B"},
        {"key": "S2", "type": "foreign-government", "visibility": "non-public",
         "title": "Cable from the ministry", "publisher": "Ministry liaison",
         "url": "https://intranet.example/cable", "archive_url": "https://vault.example/c",
         "published": "2024-02-27", "language": "fr", "accessed": "2024-03-02",
         "reliability": "A", "credibility": 2},
    ],
    "assessment": {"harm_finding": "credible", "partner_position": "denied",
                   "reviewed_by": ["dee", "cyd"]},
    "actions": [{"type": "partner-engagement", "status": "proposed",
                 "note": "Raise with the liaison."}],
    "related": ["CH-2024-0001", "CH-2024-0002"],
    "duplicate_of": "CH-2024-0003",
}
PUBLISHED = {"CH-2024-0100", "CH-2024-0001"}


def make_case(**changes: Any) -> Case:
    return Case.model_validate({**json.loads(json.dumps(CASE)), **changes})


def test_public_view_shows_a_non_public_source_only_as_undisclosed() -> None:
    case = make_case()
    viewed = profile("public").view(case, PUBLISHED)
    public, hidden = viewed.sources
    assert public == case.sources[0]
    assert hidden.key == "S2"
    assert hidden.type == case.sources[1].type
    assert hidden.visibility == case.sources[1].visibility
    assert hidden.title == "Undisclosed source (Foreign government)"
    for name in ("publisher", "url", "archive_url", "published", "accessed", "language"):
        assert getattr(hidden, name) is None, name
    # The original is untouched.
    assert case.sources[1].title == "Cable from the ministry"


def test_public_view_drops_people() -> None:
    viewed = profile("public").view(make_case(), PUBLISHED)
    assert viewed.assignee is None
    assert [e.by for e in viewed.stage_history] == [ANALYST] * 3
    assert [e.note for e in viewed.stage_history] == ["Logged.", "Analysed.",
                                                      "Assessed by the desk."]
    assert viewed.assessment is not None
    assert viewed.assessment.reviewed_by == []
    assert viewed.assessment.harm_finding.value == "credible"


@pytest.mark.parametrize(("decimals", "lat", "lon"), [
    (2, 15.12, -44.99), (0, 15.0, -45.0), (4, 15.1235, -44.9877), (None, 15.123456, -44.987654),
])
def test_coordinates_are_rounded_to_the_profile_s_decimals(
        decimals: int | None, lat: float, lon: float) -> None:
    chosen = Profile("p", ProfileSettings(coordinate_decimals=decimals))
    point = chosen.view(make_case(), PUBLISHED).incident.coordinates
    assert point is not None
    assert (point.lat, point.lon) == (lat, lon)


def test_public_rounds_to_two_decimals_and_internal_keeps_the_point() -> None:
    case = make_case()
    point = profile("public").view(case, PUBLISHED).incident.coordinates
    assert point is not None and (point.lat, point.lon) == (15.12, -44.99)
    assert profile("internal").view(case, PUBLISHED).incident.coordinates == \
        case.incident.coordinates


def test_restricted_fields_are_removed() -> None:
    chosen = Profile("p", ProfileSettings(restricted_fields=(
        "incident.unit", "assessment.partner_position", "sources.publisher", "actions.note")))
    case = make_case()
    viewed = chosen.view(case, PUBLISHED)
    assert viewed.incident.unit is None
    assert viewed.assessment is not None and viewed.assessment.partner_position is None
    assert [s.publisher for s in viewed.sources] == [None, None]
    assert [a.note for a in viewed.actions] == [None]
    # Everything else is as written.
    assert viewed.incident.partner_force == "Example Force"
    assert viewed.sources[1].title == "Cable from the ministry"
    assert case.incident.unit == "Secret Unit Nine"


def test_a_restricted_field_on_a_case_without_it_changes_nothing() -> None:
    chosen = Profile("p", ProfileSettings(restricted_fields=("assessment.partner_position",)))
    case = make_case(assessment=None)
    assert chosen.view(case, PUBLISHED).assessment is None


@pytest.mark.parametrize("dotted", ["stage_history.note", "title"])
def test_a_restricted_required_field_is_refused(dotted: str) -> None:
    # The settings check reports it (CB901, see tests/checks/test_settings.py), and
    # no build runs while an error is reported.
    assert removable_field(dotted) == f"'{dotted}' is required by the schema and cannot be removed"


@pytest.mark.parametrize("name", ["public", "internal"])
def test_links_to_unpublished_cases_are_dropped_from_the_view(name: str) -> None:
    viewed = profile(name).view(make_case(), PUBLISHED)
    assert viewed.related == ["CH-2024-0001"]
    assert viewed.duplicate_of is None
    kept = profile(name).view(make_case(), PUBLISHED | {"CH-2024-0002", "CH-2024-0003"})
    assert kept.related == ["CH-2024-0001", "CH-2024-0002"]
    assert kept.duplicate_of == "CH-2024-0003"


def test_internal_view_is_the_case_as_written() -> None:
    case = make_case(related=["CH-2024-0001"], duplicate_of=None)
    assert profile("internal").view(case, PUBLISHED) == case


@pytest.mark.parametrize("top", LEVELS[:-1])
@pytest.mark.parametrize("level", LEVELS)
def test_a_profile_publishes_up_to_its_level_and_never_red(top: str, level: str) -> None:
    chosen = Profile("p", ProfileSettings(max_sensitivity=top))
    expected = level != "RED" and LEVELS.index(level) <= LEVELS.index(top)
    assert chosen.publishes(make_case(sensitivity=level)) is expected


def test_red_is_not_published_even_by_a_profile_that_is_built_by_hand() -> None:
    settings = ProfileSettings.model_construct(max_sensitivity="RED")
    chosen = Profile("hand-made", settings)
    assert chosen.publishes(make_case(sensitivity="RED")) is False
    assert chosen.publishes(make_case(sensitivity="AMBER")) is True
    assert Sensitivity("RED").rank > Sensitivity("AMBER+STRICT").rank


def _history() -> CaseHistory:
    when = dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC)
    changes = (FieldChange("stage", "intake", "incident-analysis"),
               FieldChange("assignee", "ana", "bo"),
               FieldChange("stage_history[1]", None, {"by": "bo"}),
               FieldChange("assessment.reviewed_by", [], ["dee"]),
               FieldChange("incident.unit", None, "Secret Unit Nine"),
               FieldChange("harm.killed", 1, 2))
    return CaseHistory(path="cases/CH-2024-0100.md", commits=[
        Commit(hash="b" * 40, author="Ana Author", email="ana@example.net", date=when,
               committed=when, subject="Move to analysis after the cable from Ana",
               path="cases/CH-2024-0100.md", changes=changes,
               co_authors=("Bo Helper <bo@example.net>",)),
        Commit(hash="a" * 40, author="Cyd Creator", email="cyd@example.net", date=when,
               committed=when, subject="Add the case", path="cases/CH-2024-0100.md",
               created=True),
    ])


def test_public_history_shows_analysts_no_subjects_and_no_people_fields() -> None:
    history = _history()
    viewed = profile("public").view_history(history)
    assert viewed is not None
    assert [c.author for c in viewed.commits] == [ANALYST, ANALYST]
    assert [c.email for c in viewed.commits] == ["", ""]
    assert [c.co_authors for c in viewed.commits] == [(), ()]
    assert [c.subject for c in viewed.commits] == ["Change", "Change"]
    assert [c.field for c in viewed.commits[0].changes] == ["stage", "incident.unit",
                                                            "harm.killed"]
    assert [c.hash for c in viewed.commits] == [c.hash for c in history.commits]
    assert history.commits[0].author == "Ana Author"  # the original is untouched


def test_restricted_fields_leave_the_history_too() -> None:
    chosen = Profile("p", ProfileSettings(restricted_fields=("incident.unit",)))
    viewed = chosen.view_history(_history())
    assert viewed is not None
    assert [c.field for c in viewed.commits[0].changes] == [
        "stage", "assignee", "stage_history[1]", "assessment.reviewed_by", "harm.killed"]
    assert viewed.commits[0].author == "Ana Author"
    assert viewed.commits[0].subject.startswith("Move to analysis")


def test_internal_history_is_unchanged() -> None:
    history = _history()
    assert profile("internal").view_history(history) is history
    assert profile("public").view_history(None) is None


def test_removed_values_list_everything_public_leaves_out() -> None:
    shown = make_case()
    hidden = make_case(id="CH-2024-0101", title="An amber case about the harbour",
                       sensitivity="AMBER")
    red = make_case(id="CH-2024-0102", title="A red case about the bridge", sensitivity="RED")
    histories: dict[str, CaseHistory | None] = {shown.id: _history(), hidden.id: None,
                                                red.id: None}
    values = removed_values([shown, hidden, red], histories, profile("public")).values
    for value in ("CH-2024-0101", "An amber case about the harbour", "CH-2024-0102",
                  "A red case about the bridge", "Cable from the ministry", "Ministry liaison",
                  "https://intranet.example/cable", "https://vault.example/c",
                  "Ana Author", "ana@example.net", "Cyd Creator", "Bo Helper <bo@example.net>"):
        assert value in values, value
    # Public values of the published case are not 'removed'.
    for value in ("CH-2024-0100", "A hand-made case", "A public report", "Example Paper"):
        assert value not in values, value
    internal = removed_values([shown, hidden, red], histories, profile("internal")).values
    assert set(internal) == {"CH-2024-0102", "A red case about the bridge"}


def test_a_person_still_shown_elsewhere_is_not_a_removed_value() -> None:
    # A profile that keeps people but restricts a field: no person is 'removed'.
    chosen = Profile("p", ProfileSettings(restricted_fields=("incident.unit",)))
    values = removed_values([make_case()], {}, chosen).values
    assert values == {"Secret Unit Nine": Withheld("CH-2024-0100", "incident.unit",
                                                   "a restricted field")}


def test_every_handle_public_drops_is_a_removed_value_however_short() -> None:
    # Handles may be one character long (HANDLE_PATTERN); the leak check says which are
    # too short to be told from ordinary text (tests/publish/test_leakcheck.py).
    values = removed_values([make_case()], {}, profile("public")).values
    assert {"ana", "bo", "cyd", "dee"} <= set(values)


def _by(author: str) -> CaseHistory:
    when = dt.datetime(2024, 3, 5, 12, tzinfo=dt.UTC)
    return CaseHistory(path="cases/CH-2024-0100.md", commits=[
        Commit(hash="c" * 40, author=author, email="", date=when, committed=when,
               subject="Add the case", path="cases/CH-2024-0100.md", created=True)])


def test_a_one_word_name_is_found_as_a_word_and_not_inside_other_words(
        tmp_path: Path) -> None:
    from generator.publish.leakcheck import Finder, scan_with

    case = make_case()
    removed = removed_values([case], {case.id: _by("Mark")}, profile("public"))
    assert removed.values["Mark"].name
    finder = Finder(removed)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>The marketing office, near the markets.</p>",
                                     encoding="utf-8")
    assert scan_with(site, finder) == [], "a clean build does not fail"
    (site / "index.html").write_text("<p>Reviewed by Mark, and by mark's team.</p>",
                                     encoding="utf-8")
    assert [leak.value for leak in scan_with(site, finder)] == ["Mark"]


def test_a_one_word_name_published_cases_use_as_a_word_cannot_be_proven_absent() -> None:
    from generator.publish.leakcheck import Finder

    case = make_case()
    removed = removed_values([case], {case.id: _by("Mark")}, profile("public"),
                             bodies={case.id: "A mark on the wall was photographed."})
    assert "Mark" not in removed.values
    assert [str(u) for u in Finder(removed).unprovable if u.value == "Mark"] == [
        "cannot be proven absent: published cases use the word: history: author of "
        "CH-2024-0100 (a name the profile drops): 'Mark'"]


def test_in_drafts_mode_a_sentence_a_shown_draft_holds_is_public_through_its_page(
        tmp_path: Path) -> None:
    from generator.config import load_config
    from generator.publish.build import generate
    from generator.publish.reading import narrative_sentences

    red = (SAMPLES / "CH-2024-0004.md").read_text(encoding="utf-8")
    shared = next(s for s in narrative_sentences(red) if s.startswith("Three men travelling"))
    # A draft whose front matter cannot be read, shown by the internal profile (it
    # says AMBER) on a page of its own, narrative and all.
    draft = f"---\nid: CH-2026-0999\ntitle: [unclosed\nsensitivity: AMBER\n---\n\n{shared}\n"
    project = copy_project(tmp_path / "project", extra_cases={"CH-2026-0999": draft})
    result = generate(load_config(project / "mkdocs.yml"), today=TODAY,
                      with_history=False, drafts=True)
    assert result.problems is not None
    assert [d.rel for d in result.problems.drafts if d.shown] == ["cases/CH-2026-0999.md"]
    assert "Three men travelling" in (project / ".generated" / "docs" / "cases"
                                      / "CH-2026-0999.md").read_text(encoding="utf-8")
    assert shared not in result.removed.values, "the draft's page publishes it"
    # Without the draft, the red case's sentence is looked for.
    (project / "cases" / "CH-2026-0999.md").unlink()
    result = generate(load_config(project / "mkdocs.yml"), today=TODAY, with_history=False)
    assert result.removed.values[shared].case == "CH-2024-0004"
