"""The leak check against text as analysts paste it, on real builds of fixture projects.

tests/fixtures/leakcheck/ holds cases whose values a profile removes, a CLEAR
carrier case, and `variants.yaml`: every way the issue found of writing a
withheld value into a public field. One project gets one carrier per variant,
so that one public build proves each variant is caught: its leak must be named
with the value's case and field and the carrier's page. The controls (a
non-public source titled with a word of the site's navigation, public text
sharing one word with a withheld value) must build, with a warning; a case
downgraded from AMBER to CLEAR must show none of its AMBER-era values.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import FIXTURES, ROOT, TODAY, run_casebook
from generator.publish.leakcheck import normalise

pytestmark = [pytest.mark.slow]

CORPUS = FIXTURES / "leakcheck"
PLAN: dict[str, Any] = yaml.safe_load((CORPUS / "variants.yaml").read_text(encoding="utf-8"))
VARIANTS: list[dict[str, str]] = PLAN["variants"]
DEFAULTS = {"title": "Strike on a ferry crossing reported by a local paper",
            "place": "Ferry crossing (fictional)", "source_title": "Ferry crossing struck",
            "url": "https://example.org/courier/ferry-crossing", "tag": "ferry",
            "narrative": ""}


def carrier_id(n: int) -> str:
    return f"CH-2026-{201 + n:04d}"


def project(target: Path, variants: list[dict[str, str]]) -> Path:
    """The fixture cases, one carrier per variant, and the site's templates and settings."""
    shutil.copytree(CORPUS / "cases", target / "cases")
    shutil.copytree(ROOT / "templates", target / "templates")
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    (target / ".generated" / "docs").mkdir(parents=True)
    template = (CORPUS / "carrier.md").read_text(encoding="utf-8")
    for n, variant in enumerate(variants):
        fields = {**DEFAULTS, variant["field"]: variant["text"]}
        # Front matter values as JSON strings, which YAML reads with their escapes.
        values = {k: v if k in ("narrative", "tag") else json.dumps(v)
                  for k, v in fields.items()}
        text = template.format(id=carrier_id(n), **values)
        (target / "cases" / f"{carrier_id(n)}.md").write_text(text, encoding="utf-8")
    return target


def build(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_casebook("build", "--today", TODAY.isoformat(), "--quiet", *args, cwd=project)


def leak_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("leak: ")]


def test_the_corpus_covers_every_category_of_the_issue() -> None:
    names = {v["name"] for v in VARIANTS}
    assert {"double-space", "tab", "no-break-space", "line-break", "zero-width-space",
            "soft-hyphen", "soft-hyphen-entity", "cyrillic", "fullwidth",
            "right-to-left-override", "annex", "plural", "underscore", "dot-before",
            "plus-in-query", "double-percent", "slug-in-link", "slug-as-tag", "public-title",
            "amber-source-title", "red-place"} <= names
    assert all(v["withheld"] in PLAN["withheld"] for v in VARIANTS)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return project(tmp_path_factory.mktemp("planted"), VARIANTS)


@pytest.mark.xdist_group("leak-corpus")
def test_each_variant_in_a_public_field_fails_the_public_build(planted: Path) -> None:
    result = build(planted, "--profile", "public")
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "the site was deleted" in result.stderr
    assert not (planted / "site").exists()
    leaks = leak_lines(result)
    missed = []
    for n, variant in enumerate(VARIANTS):
        page = f"cases/{carrier_id(n)}/index.html"
        what = PLAN["withheld"][variant["withheld"]]
        if not any(line.startswith(f"leak: {page}: {what} (")
                   and f" at /cases/{carrier_id(n)}/" in line for line in leaks):
            missed.append(variant["name"])
    assert missed == [], "\n".join(leaks)


@pytest.mark.xdist_group("leak-corpus")
def test_red_values_fail_the_internal_build_and_nothing_else_does(planted: Path) -> None:
    result = build(planted)
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    leaks = leak_lines(result)
    assert leaks
    assert all(" of CH-2026-0103 (a case left out: RED): " in line for line in leaks), leaks
    for n, variant in enumerate(VARIANTS):
        page = f"leak: cases/{carrier_id(n)}/index.html: "
        red = PLAN["withheld"][variant["withheld"]].endswith("CH-2026-0103")
        assert any(line.startswith(page) for line in leaks) is red, variant["name"]


def test_the_controls_build_with_a_warning_for_each_value_the_site_itself_writes(
        tmp_path: Path) -> None:
    clean = project(tmp_path, [])
    result = build(clean, "--profile", "public")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    warnings = [line for line in result.stdout.splitlines()
                if line.startswith("leak check: warning: ")]
    assert sorted(warnings) == sorted(
        f"leak check: warning: cannot be proven absent: too common: {what}"
        for what in ("sources[S2].title of CH-2026-0104 (a non-public source): 'Home'",
                     "sources[S3].title of CH-2026-0104 (a non-public source): 'Dashboard'",
                     "assignee of CH-2026-0104 (a name the profile drops): 'search'"))
    assert (clean / "site" / "cases" / "CH-2026-0104" / "index.html").is_file()
    checked = run_casebook("leakcheck", "site", "--profile", "public", cwd=clean)
    assert checked.returncode == 0, checked.stdout
    assert sorted(line for line in checked.stdout.splitlines() if "warning" in line) == \
        sorted(warnings)
    assert checked.stdout.splitlines()[-1].endswith(": 0 leaks, 3 cannot be proven absent")


# --------------------------------------------------------------------------
# A case downgraded from AMBER to CLEAR under a new title.

DOWNGRADED = "CH-2026-0104"
AMBER_ERA = {"title": "Bilby Hollow clinic struck by a loitering munition",
             "place": "Bilby Hollow clinic", "note": "Logged from the Bilby Hollow desk's cable."}


AUTHOR = ("Quillon Vasquez-Oduya", "q.vasquez@nightjar-desk.example.net")


def git(project: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": AUTHOR[0], "GIT_AUTHOR_EMAIL": AUTHOR[1],
           "GIT_COMMITTER_NAME": AUTHOR[0], "GIT_COMMITTER_EMAIL": AUTHOR[1],
           "GIT_AUTHOR_DATE": "2026-11-01T12:00:00+00:00",
           "GIT_COMMITTER_DATE": "2026-11-01T12:00:00+00:00",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", *args], cwd=project, env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, (args, result.stderr)


def _edit(path: Path, pairs: list[tuple[str, str]]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def downgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CH-2026-0104 committed as AMBER with its AMBER-era title, place and note, then
    committed again as CLEAR as the fixture writes it."""
    target = project(tmp_path_factory.mktemp("downgraded"), [])
    case = target / "cases" / f"{DOWNGRADED}.md"
    written = case.read_text(encoding="utf-8")
    _edit(case, [("sensitivity: CLEAR", "sensitivity: AMBER"),
                 ("title: Shelling near a grain silo outside the Quokka river town",
                  f"title: {AMBER_ERA['title']}"),
                 ("place: Grain silo by the river (fictional)", f"place: {AMBER_ERA['place']}"),
                 ("note: Logged from a media report; the ministry and the cable office gave "
                  "no comment.", f"note: {AMBER_ERA['note']}")])
    git(target, "init", "-q")
    git(target, "add", "cases", "mkdocs.yml", "templates")
    git(target, "commit", "-q", "-m", "Add the cases")
    case.write_text(written, encoding="utf-8")
    git(target, "commit", "-q", "-am", "Downgrade CH-2026-0104 to CLEAR under a new title")
    return target


def _site_words(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): normalise(p.read_text(encoding="utf-8"))
            for p in site.rglob("*") if p.suffix in (".html", ".xml", ".json", ".csv")
            and "assets/" not in p.as_posix()}


@pytest.mark.xdist_group("leak-downgrade")
def test_a_downgraded_case_shows_none_of_its_amber_era_values(downgraded: Path) -> None:
    result = build(downgraded, "--profile", "public")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    site = downgraded / "site"
    words = _site_words(site)
    page = words[f"cases/{DOWNGRADED}/index.html"]
    assert "change" in page  # the history is there: its commits, without their values
    for value in AMBER_ERA.values():
        assert {rel for rel, text in words.items() if normalise(value) in text} == set(), value
    assert " bilby " not in words["changes/index.html"] + words["changes/feed.xml"]
    # The internal build shows the AMBER-era values in the history: they were there to hide.
    shutil.rmtree(site)
    internal = build(downgraded)
    assert internal.returncode == 0, internal.stderr[-3000:]
    history = _site_words(site)[f"cases/{DOWNGRADED}/index.html"]
    assert normalise(AMBER_ERA["title"]) in history
    shutil.rmtree(site)


@pytest.mark.xdist_group("leak-downgrade")
def test_an_amber_era_value_copied_into_public_text_is_a_leak(downgraded: Path,
                                                               tmp_path: Path) -> None:
    target = tmp_path / "copy"
    shutil.copytree(downgraded, target)
    _edit(target / "cases" / "CH-2026-0101.md",
          [("through its own channels [S2].", "through its own channels [S2], near the "
            "Bilby\u00a0Hollow clinic.")])
    result = build(target, "--profile", "public")
    assert result.returncode == 1, result.stdout + result.stderr[-3000:]
    assert any(line.startswith(f"leak: cases/CH-2026-0101/index.html: incident.place (history) "
                               f"of {DOWNGRADED} (a version of the case while AMBER): "
                               f"'{AMBER_ERA['place']}' at /cases/CH-2026-0101/")
               for line in leak_lines(result)), result.stderr[-3000:]
