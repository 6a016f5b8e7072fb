"""Every value label a built site shows is the schema's label, with its description.

The fixture site is `valid-every-stage` and the cases of `tests/fixtures/labels`,
whose values are those a rule would label wrongly (not-us-origin, non-public,
AMBER+STRICT...) and whose partner force is recorded as unknown. The scan reads
every generated page: table cells, badges, tooltips, chart labels, headings.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, MKDOCS_YML, ROOT, TODAY
from generator.config import load_config
from generator.publish.build import generate
from generator.records.schema import NOT_RECORDED, NOT_RECORDED_MEANING, enumerations

MEMBERS = [member for cls in enumerations() for member in cls]
LABELS = {m.label for m in MEMBERS} | {NOT_RECORDED}
MEANING_OF = {(m.label, m.description) for m in MEMBERS} | {(NOT_RECORDED, NOT_RECORDED_MEANING)}
PARTNERS = {"Example Armed Forces"}
"""The partner forces the fixture cases name (free text, shown as written)."""


def _mechanical(value: str) -> set[str]:
    """What a label made from the value by rule would read."""
    words = value.replace("-", " ")
    return {words.capitalize(), words.title(), words[:1].upper() + words[1:]}


MANGLED = {form for m in MEMBERS for form in _mechanical(m.value)} - LABELS
"""Labels a rule would make that differ from the schema's: "Not us origin", "Non public"."""


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("labels")
    shutil.copytree(FIXTURES / "scenarios" / "valid-every-stage", root / "cases")
    for case in (FIXTURES / "labels").glob("CH-*.md"):
        shutil.copy(case, root / "cases" / case.name)
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "docs_dir: docs\n", encoding="utf-8")
    config = load_config(root / "mkdocs.yml")
    generate(config, today=TODAY)
    return config.generated_dir


def _pages(docs: Path) -> dict[str, str]:
    return {p.relative_to(docs).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(docs.rglob("*.md"))}


def _plain(markdown: str) -> str:
    """Text as a reader sees it: Markdown escapes and HTML entities undone, link
    targets dropped."""
    text = re.sub(r"\]\([^)]*\)", "]", markdown)
    return html.unescape(re.sub(r"\\(.)", r"\1", text))


def _shown(page: str) -> list[str]:
    """Every piece of text a page shows, split where a value begins or ends. Code is left
    out: the field reference and the change log show values as written in files."""
    text = re.sub(r"\A---\n.*?\n---\n", "", page, flags=re.S)
    text = re.sub(r"<code>.*?</code>|`[^`\n]*`|\{[^}\n]*\}", " ", text, flags=re.S)
    text = _plain(re.sub(r"<[^>]+>", "\n", text))
    pieces = re.split(r"\n|\||\[|\]|: |, |; |\*\*", text)
    return [p.strip().lstrip("#").strip() for p in pieces if p.strip()]


def test_no_page_shows_a_label_made_by_rule(docs: Path) -> None:
    shown = {name: _shown(text) for name, text in _pages(docs).items()}
    mangled = {(name, piece) for name, pieces in shown.items() for piece in pieces
               if piece in MANGLED}
    assert mangled == set()
    # The scan sees the labels that a rule gets wrong, where the fixture cases put them.
    case = set(shown["cases/CH-2024-0101.md"])
    assert {"Not U.S. origin", "TLP:AMBER+STRICT", "Type supplied only by the U.S.",
            "U.S. government", "UN or international organisation", "Non-public",
            "Tactics or procedures change", "Water and sanitation"} <= case
    assert {"Suspend export licences", "Conditions on future transfers",
            "Awaiting information"} <= set(shown["cases/CH-2024-0102.md"])


_TERM = re.compile(r'<span class="cb-term" title="([^"]*)">(.*?)</span>')
_BADGE = re.compile(r'<span class="cb-badge [^"]*"(?: title="([^"]*)")?>(.*?)</span>')


def test_every_tooltip_is_the_description_of_the_label_it_explains(docs: Path) -> None:
    seen = 0
    for name, page in _pages(docs).items():
        for hint, label in _TERM.findall(page):
            label, hint = _plain(label).strip("[]"), html.unescape(hint)
            seen += 1
            if hint == NOT_RECORDED_MEANING or (label, hint) in MEANING_OF:
                continue
            # A list of values (civilian objects) is explained value by value.
            parts = [tuple(p.split(": ", 1)) for p in hint.split("; ")]
            assert all(p in MEANING_OF for p in parts), (name, label, hint)
            assert label == ", ".join(p[0] for p in parts), (name, label)
        for hint, label in _BADGE.findall(page):
            label = html.unescape(label).removeprefix("Closure: ")
            assert (label, html.unescape(hint)) in MEANING_OF, (name, label)
    assert seen > 100


def test_case_tables_and_facts_show_only_labels_or_case_text(docs: Path) -> None:
    for name, page in _pages(docs).items():
        for hint, label in _TERM.findall(page):
            label = _plain(label).strip("[]")
            values = label.split(", ") if hint and "; " in hint else [label]
            assert all(v in LABELS | PARTNERS for v in values), (name, label)


def test_chart_labels_are_schema_labels(docs: Path) -> None:
    dashboard = _pages(docs)["dashboard.md"]
    # The wide drawings (each chart also has a narrow one for phones, labels cut shorter).
    bars = re.findall(r'<svg [^>]*cb-chart--(?:bar|spread)[^>]*viewBox="0 0 640 .*?</svg>',
                      dashboard, flags=re.S)
    assert len(bars) == 4
    labels = [html.unescape(t) for svg in bars
              for t in re.findall(r'<text class="cb-label"[^>]*>([^<]*)</text>', svg)]
    assert labels and set(labels) <= LABELS | PARTNERS
    for tooltip in re.findall(r"<title>([^<]*: \d+ cases?\. [^<]*)</title>", dashboard):
        label, rest = html.unescape(tooltip).split(": ", 1)
        meaning = rest.split(". ", 1)[1]
        assert (label, meaning) in MEANING_OF, tooltip


def test_not_recorded_is_one_bucket_in_every_grouping(docs: Path) -> None:
    pages = _pages(docs)
    indexes = {name: page for name, page in pages.items()
               if name.endswith("/index.md") and "| Cases |" in page}
    assert len(indexes) >= 6
    for name, page in indexes.items():
        rows = [line for line in page.splitlines() if line.startswith("| ")]
        labels = [_plain(m) for row in rows for m in re.findall(r"\[([^\]]*)\]\(", row)]
        assert labels.count(NOT_RECORDED) <= 1, name
        assert not {"unknown", "Unknown"} & set(labels), name
    # The fixture has a partner force that is absent, "unknown" and "Unknown", and cases
    # with no weapon and with only weapons of unknown origin: one bucket each.
    for grouping in ("partners", "origin"):
        assert _plain(pages[f"{grouping}/index.md"]).count(f"[{NOT_RECORDED}]") == 1
        assert f"{grouping}/not-recorded.md" in pages
    chart = pages["dashboard.md"].split("## Cases by partner force", 1)[1]
    table = [line for line in chart.split("</svg>", 1)[1].splitlines() if line.startswith("| ")]
    assert [r for r in table if NOT_RECORDED in r] == [f"| {NOT_RECORDED} | 5 | "]
    assert not [r for r in table if "nknown" in r]


def test_group_headings_name_the_value_by_its_label(docs: Path) -> None:
    pages = _pages(docs)
    for grouping in ("sources", "findings", "origin", "partners", "stages"):
        for name, page in pages.items():
            if not name.startswith(f"{grouping}/") or name.endswith("index.md"):
                continue
            heading = _plain(page.split("\n# ", 1)[1].splitlines()[0])
            value = heading.split(": ", 1)[-1]
            assert value in LABELS | PARTNERS or value == "moved", (name, heading)


def test_retired_group_addresses_point_to_the_bucket(docs: Path) -> None:
    pages = _pages(docs)
    for name in ("partners/unknown.md", "origin/unknown.md", "origin/none.md"):
        assert f"[{NOT_RECORDED}](not-recorded.md)" in pages[name], name
