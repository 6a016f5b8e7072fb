"""One scenario per validator rule and per loader hazard, each a small cases folder.

Every folder under tests/fixtures/scenarios/ is a complete cases folder whose
files are valid except for the one problem the scenario is named after. The
test copies it into a throw-away repository, runs the library pipeline exactly
as `casebook validate` does (with today fixed to conftest.TODAY) and checks:

- the (code, line, column) of every diagnostic against the EXPECTED table below,
  so that a reader sees what each scenario is about without opening a file;
- the whole text report against tests/golden/scenarios/<scenario>.txt
  (rewrite those with `pytest --update-golden`, then read every changed file).

A scenario folder may hold its own mkdocs.yml (used instead of the default
settings, never copied into cases/): `oversized-file` lowers max_file_bytes so
that the size limit is tested without committing a 1 MiB file. The byte-level
hazards (NUL, not UTF-8, BOM, symbolic links) are in test_loader.py.

KNOWN_BUGS lists scenarios whose current output is wrong: their golden file is
the correct output written by hand (never rewritten by --update-golden), and
the test is a strict xfail until generator/ is fixed.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import FIXTURES, GOLDEN, MKDOCS_YML, TODAY, Golden
from generator.checks.corpus import load_corpus
from generator.config import load_config
from generator.records.diagnostics import RULES, Report, render

SCENARIOS = FIXTURES / "scenarios"
NAMES = sorted(p.name for p in SCENARIOS.iterdir() if p.is_dir())
SETTINGS_FILE = "mkdocs.yml"
NOT_SCENARIOS = {"CB901", "CB355"} | {code for code in RULES if code.startswith(("CB4", "CB5"))}
"""Rules that are not about a cases folder alone, tested elsewhere (settings, git
history, the CB4xx comparisons with a base branch in tests/test_compare.py, and
the CB5xx problems of an imported sheet in tests/review/test_importer.py)."""

Where = tuple[str, int, int]
"""(code, line, column) of one diagnostic."""

# Every diagnostic each scenario must produce, and nothing else. Line and column
# point at the offending key or value; (1, 1) for a problem with the whole file.
EXPECTED: dict[str, list[Where]] = {
    # ---- reading the file (CB1xx) -------------------------------------------------
    # opened: &opened 2024-02-01 ... date: *opened: one error for each, and nothing
    # about the refused alias's value.
    "alias": [("CB103", 4, 9), ("CB103", 11, 11)],
    # sensitivity: &label CLEAR
    "anchor": [("CB103", 8, 14)],
    # title written twice: the second title, naming the line of the first
    "duplicate-key": [("CB101", 5, 1)],
    # opened: !!str ... and status: !custom active
    "explicit-tag": [("CB106", 4, 9), ("CB106", 6, 9)],
    # title: Shelling: a market ... (an unquoted ': ' inside a value)
    "yaml-syntax-error": [("CB102", 3, 16)],
    # a tab before `country:`
    "tab-indent": [("CB102", 16, 1)],
    # a Markdown file without any front matter
    "no-front-matter": [("CB104", 1, 1)],
    # the closing --- is missing
    "unclosed-front-matter": [("CB104", 1, 1)],
    # the front matter is a YAML list
    "front-matter-not-mapping": [("CB105", 1, 1)],
    # ---\n---
    "empty-front-matter": [("CB105", 1, 1)],
    # tags: 20 nested flow lists: too deep at the 17th level; tags[0] is also not text
    "too-deep": [("CB203", 26, 8), ("CB107", 26, 22)],
    # [assignee, reviewer]: jdoe
    "complex-key": [("CB108", 9, 1)],
    # mkdocs.yml sets max_file_bytes: 1024; CH-2024-0002.md is 1.7 KiB
    "oversized-file": [("CB100", 1, 1)],
    # ---- one record against the schema (CB2xx) ------------------------------------
    # country: NO (did you mean NOR?), status: on (kept as the text 'on');
    # assessment.avoidable: yes is the valid text 'yes', so it reports nothing
    "norway-problem": [("CB205", 6, 9), ("CB207", 16, 12)],
    # opened: 2024-02-30
    "impossible-date": [("CB206", 4, 9)],
    # next_review: 2027-13-01 and incident.date: 2024-13
    "bad-month": [("CB206", 7, 14), ("CB206", 15, 9)],
    # asignee: (did you mean 'assignee'?)
    "unknown-key": [("CB201", 9, 1)],
    # incident.admin_1: (did you mean 'admin1'?)
    "unknown-nested-key": [("CB201", 17, 3)],
    # incident.unit: 101 (a number where text is expected), harm.killed: three
    "wrong-type": [("CB203", 18, 9), ("CB203", 21, 11)],
    # sensitivity: amber, location_precision: neighborhood
    "bad-enum": [("CB205", 8, 14), ("CB205", 17, 23)],
    # no title (points at the opening ---), no incident.attribution (points at incident)
    "missing-required-key": [("CB202", 1, 1), ("CB202", 13, 1)],
    # sources: []
    "empty-sources": [("CB202", 19, 10)],
    # a title of 161 characters
    "title-too-long": [("CB208", 3, 8)],
    # country: Yemen
    "bad-country": [("CB207", 16, 12)],
    # url: javascript:alert(1), url: ftp://...
    "bad-url": [("CB207", 24, 10), ("CB207", 30, 10)],
    # a public source without url
    "public-source-without-url": [("CB210", 20, 5)],
    # tags: [market, Night Strike]
    "bad-slug-tag": [("CB207", 28, 5)],
    # killed: {min: 7, max: 3}
    "bad-range": [("CB208", 27, 11)],
    # killed: 3, children_killed: 5
    "breakdown-exceeds-total": [("CB208", 28, 20)],
    # coordinates: {lat: 44.21, lon: 15.35}: a point in Yemen, latitude and longitude swapped
    "coordinates-swapped": [("CB361", 17, 16)],
    # published: 2023-12-31, before the incident of 2024-01-20
    "source-before-incident": [("CB362", 24, 16)],
    # not_duplicate_of names a case that does not exist
    "not-duplicate-unknown": [("CB303", 10, 5)],
    # credibility: 03 and killed: 007 stay text, and the message says why
    "leading-zero-number": [("CB203", 26, 18), ("CB203", 28, 11)],
    # title: TODO a short neutral title
    "placeholder": [("CB211", 3, 8)],
    # - [TODO] What to find out ...: the marker `casebook new` writes in the body; the
    # word TODO in the narrative above it is not reported
    "body-placeholder": [("CB211", 34, 3)],
    # ---- stage gates (CB204) and conditional keys (CB210) --------------------------
    # a missing key points at its parent key, or at `stage` when it has none
    "gate-incident-analysis-no-weapons": [("CB204", 5, 8)],
    "gate-incident-analysis-no-partner-force": [("CB204", 18, 1)],
    "gate-pia-harm-not-credible": [("CB204", 44, 17)],
    "gate-pia-harm-not-written": [("CB204", 28, 1)],
    "gate-pia-no-reviewer": [("CB204", 43, 1)],
    "gate-pia-us-origin-basis": [("CB204", 32, 5)],
    "gate-coordinated-action-ihl-not-assessed": [("CB204", 49, 16)],
    "gate-coordinated-action-no-recommendations": [("CB204", 47, 1)],
    "gate-closed-no-closure-reason": [("CB204", 5, 8)],
    "gate-closed-duplicate-without-duplicate-of": [("CB204", 6, 17)],
    "gate-closed-actions-completed-no-actions": [("CB204", 6, 17)],
    "gate-closed-actions-completed-action-proposed": [("CB204", 34, 13)],
    "gate-open-no-status-no-next-review": [("CB204", 5, 8), ("CB204", 5, 8)],
    "closure-reason-on-open-case": [("CB210", 7, 17)],
    "duplicate-of-on-non-duplicate": [("CB210", 7, 15)],
    # ---- rules within a case -------------------------------------------------------
    "stage-history-out-of-order": [("CB209", 15, 11)],
    "stage-history-not-ending-at-stage": [("CB209", 10, 12)],
    "stage-history-before-opened": [("CB305", 11, 11)],
    "opened-before-incident": [("CB305", 4, 9)],
    "opened-in-future": [("CB305", 4, 9)],
    "id-year-mismatch": [("CB308", 2, 5)],
    "id-prefix-wrong": [("CB207", 2, 5)],
    "file-name-mismatch": [("CB302", 2, 5)],
    # [S9] in the body, line 29 column 31
    "cited-source-missing": [("CB306", 29, 31)],
    "duplicate-source-keys": [("CB307", 26, 10)],
    "overdue-review": [("CB351", 7, 14)],
    "no-citation": [("CB352", 20, 3)],
    "unused-source": [("CB353", 26, 10)],
    "self-reference": [("CB354", 27, 5)],
    # ---- rules across cases (CB3xx) ------------------------------------------------
    # cases/CH-2024-0001.md and cases/archive/CH-2024-0001.md: the second one read
    "duplicate-ids": [("CB301", 2, 5)],
    "related-unknown": [("CB303", 27, 5)],
    "duplicate-of-unknown": [("CB303", 7, 15)],
    # 0001 -> 0002 -> 0003 -> 0001: reported on each of the three
    "duplicate-of-cycle": [("CB304", 7, 15), ("CB304", 7, 15), ("CB304", 7, 15)],
    # ---- the control: one valid case of every stage --------------------------------
    "valid-every-stage": [],
    # ---- narrative markup (CB357): script, onclick, javascript: link, img; code untouched
    "unsafe-markup": [("CB357", 29, 25), ("CB357", 29, 57), ("CB357", 31, 16),
                      ("CB357", 31, 50)],
}

KNOWN_BUGS: dict[str, str] = {}


def run_scenario(name: str, root: Path) -> Report:
    """Validate scenario `name` as the cases folder of the repository at `root`."""
    source = SCENARIOS / name
    settings = source / SETTINGS_FILE
    if settings.exists():
        shutil.copyfile(settings, root / SETTINGS_FILE)
    shutil.copytree(source, root / "cases", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(SETTINGS_FILE))
    config = load_config(root / SETTINGS_FILE)
    return load_corpus(config, today=TODAY).report()


def _param(name: str) -> object:
    if name in KNOWN_BUGS:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name]))
    return name


@pytest.mark.parametrize("name", [_param(n) for n in NAMES])
def test_scenario(name: str, repo: Path, golden: Golden) -> None:
    report = run_scenario(name, repo)
    found = Counter((d.code, d.line, d.column) for d in report.diagnostics)
    assert found == Counter(EXPECTED[name]), render(report, "text")
    text = render(report, "text") + "\n"
    golden_name = f"scenarios/{name}.txt"
    if name in KNOWN_BUGS:
        # Written by hand: --update-golden must not replace it with the wrong output.
        assert text == (GOLDEN / golden_name).read_text(encoding="utf-8")
    else:
        golden.check(golden_name, text)


def test_every_scenario_folder_is_in_the_table() -> None:
    assert sorted(EXPECTED) == NAMES
    assert set(KNOWN_BUGS) <= set(NAMES)


def test_scenarios_cover_every_rule(tmp_path: Path) -> None:
    """Adding a rule to RULES without a scenario that triggers it fails here."""
    produced: set[str] = set()
    for name in NAMES:
        root = tmp_path / name
        (root / "cases").mkdir(parents=True)
        (root / SETTINGS_FILE).write_text(MKDOCS_YML, encoding="utf-8")
        produced |= {d.code for d in run_scenario(name, root).diagnostics}
    # CB901 (bad settings) is not about case files: tests/test_config.py and
    # tests/checks/test_settings.py cover it.
    # CB355 compares a case with its git history: tests/site/test_history_pages.py.
    assert set(RULES) - NOT_SCENARIOS - produced == set()
    assert produced <= set(RULES)


def test_table_names_every_rule() -> None:
    in_table = {code for wheres in EXPECTED.values() for code, _, _ in wheres}
    assert set(RULES) - NOT_SCENARIOS - in_table == set()


def test_norway_values_reach_the_schema_as_written(repo: Path) -> None:
    run_scenario("norway-problem", repo)
    [record] = load_corpus(load_config(repo / SETTINGS_FILE), today=TODAY).files
    assert record.data["incident"]["country"] == "NO"
    assert record.data["status"] == "on"
    # 'yes' is one of avoidable's choices: kept as text, it is simply valid.
    assert record.data["assessment"]["avoidable"] == "yes"
