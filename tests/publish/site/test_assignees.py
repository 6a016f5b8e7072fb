"""Who has what on the site: the assignee on each case page, and the assignees' pages.

Generated from a small project of its own (tests/assigned_cases.py) with both
profiles: the internal build names who has each case; the public build, whose
profile drops people's names, has no assignee page and no handle anywhere.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from assigned_cases import ASSIGNEES, write_assigned_project

from conftest import MKDOCS_YML, TODAY, run_casebook
from generator.config import load_config
from generator.publish.build import generate, profile_named


def _generate(root: Path, profile: str) -> Path:
    config = load_config(write_assigned_project(root) / "mkdocs.yml")
    generate(config, today=TODAY, profile=profile_named(config, profile), with_history=False)
    return config.generated_dir


@pytest.fixture(scope="module")
def internal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("internal"), "internal")


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("public"), "public")


def _header(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    return text[text.index('<div class="cb-case-header">'):text.index("</div>")]


def test_every_internal_case_page_names_its_assignee(internal: Path) -> None:
    pages = sorted((internal / "cases").glob("*.md"))
    assert len(pages) == 6
    for page in pages:
        header = _header(page)
        handle = ASSIGNEES.get(page.stem)
        if handle:
            assert (f'Assigned to <a href="../../assignees/{handle}/">{handle}</a>'
                    in header), page.name
        elif page.stem == "CH-2024-0004":  # open, and nobody has it
            assert 'Assigned to <a href="../../assignees/#not-assigned">nobody</a>' in header
        else:
            assert "Assigned to nobody</span>" in header, page.name


def _index_rows(docs: Path) -> dict[str, tuple[int, ...]]:
    text = (docs / "assignees" / "index.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \[([^\]]+)\]\(([^)]+)\) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$",
                      text, re.MULTILINE)
    for handle, url, *_ in rows:
        assert url == f"{handle}/index.md"
    return {handle: tuple(int(n) for n in counts) for handle, _, *counts in rows}


def test_the_index_counts_each_analysts_cases(internal: Path) -> None:
    # open, overdue, stalled, awaiting information, closed
    assert _index_rows(internal) == {"asmith": (1, 1, 1, 0, 0), "jdoe": (2, 0, 1, 0, 1)}
    text = (internal / "assignees" / "index.md").read_text(encoding="utf-8")
    unassigned = text[text.index("## Not assigned"):]
    assert re.findall(r"CH-\d{4}-\d{4}(?=</a>)", unassigned) == ["CH-2024-0004"]


def test_each_analyst_page_lists_their_cases(internal: Path) -> None:
    text = (internal / "assignees" / "jdoe" / "index.md").read_text(encoding="utf-8")
    opened, closed = text.split("## Closed cases")
    assert re.findall(r">(CH-\d{4}-\d{4})</a>", opened) == ["CH-2024-0003", "CH-2024-0001"]
    assert re.findall(r">(CH-\d{4}-\d{4})</a>", closed) == ["CH-2024-0005"]
    assert "2 open cases: 0 overdue for review, 1 stalled" in text
    assert 'href="../../cases/CH-2024-0003/"' in opened
    asmith = (internal / "assignees" / "asmith" / "index.md").read_text(encoding="utf-8")
    assert re.findall(r">(CH-\d{4}-\d{4})</a>", asmith) == ["CH-2024-0002"]


def test_the_review_page_names_each_cases_assignee(internal: Path) -> None:
    text = (internal / "review.md").read_text(encoding="utf-8")
    assert "[Assignees](assignees/index.md)" in text
    overdue = text[text.index("## Overdue reviews"):text.index("## Stalled cases")]
    assert "<th>Assignee</th>" in overdue
    assert re.search(r">CH-2024-0002</a>.*<td>asmith</td></tr>", overdue)
    stalled = text[text.index("## Stalled cases"):text.index("## Awaiting information")]
    assert re.search(r">CH-2024-0004</a>.*<td>nobody</td></tr>", stalled)


def test_the_public_build_names_no_one(public: Path) -> None:
    assert not (public / "assignees").exists()
    assert sorted(p.stem for p in (public / "cases").glob("*.md")) == [
        f"CH-2024-000{n}" for n in (1, 2, 4, 5, 6)]
    handles = {*ASSIGNEES.values(), "asmith"}
    for page in public.rglob("*"):
        if page.is_file() and page.suffix in (".md", ".csv", ".json", ".geojson", ".xml"):
            text = page.read_text(encoding="utf-8-sig")
            for handle in handles:
                assert not re.search(rf"\b{handle}\b", text), (page, handle)
            assert "cb-assignee" not in text and "Assigned to" not in text, page
    review = (public / "review.md").read_text(encoding="utf-8")
    assert "<th>Assignee</th>" not in review and "assignees/" not in review
    assert "assignees/" not in (public / "index.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_real_build_links_every_assignee_page(tmp_path: Path) -> None:
    project = write_assigned_project(tmp_path / "project")
    result = run_casebook("build", "--today", TODAY.isoformat(), "--quiet", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    site = project / "site"
    index = (site / "assignees" / "index.html").read_text(encoding="utf-8")
    assert 'id="not-assigned"' in index
    for handle in ("asmith", "jdoe"):
        assert f'href="{handle}/"' in index
        assert (site / "assignees" / handle / "index.html").is_file()
    case = (site / "cases" / "CH-2024-0001" / "index.html").read_text(encoding="utf-8")
    assert 'href="../../assignees/jdoe/"' in case


def test_a_profile_that_restricts_the_assignee_names_no_one(tmp_path: Path) -> None:
    project = write_assigned_project(tmp_path / "project")
    (project / "mkdocs.yml").write_text(
        MKDOCS_YML + "      profiles:\n        partners:\n          restricted_fields: "
        "[assignee]\ndocs_dir: docs\n", encoding="utf-8")
    config = load_config(project / "mkdocs.yml")
    generate(config, today=TODAY, profile=profile_named(config, "partners"), with_history=False)
    docs = config.generated_dir
    assert not (docs / "assignees").exists()
    assert "cb-assignee" not in (docs / "cases" / "CH-2024-0001.md").read_text(encoding="utf-8")
    # People other than the assignee are still named by this profile.
    assert "by jdoe" in (docs / "cases" / "CH-2024-0001.md").read_text(encoding="utf-8")
