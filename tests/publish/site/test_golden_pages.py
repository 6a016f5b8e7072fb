"""The generated Markdown pages and exports of a small fixture corpus, as golden files.

Regenerate with `pytest tests/site/test_golden_pages.py --update-golden`, then read
the diff: these files are the site's contract with mkdocs and with readers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, GOLDEN, MKDOCS_YML, ROOT, TODAY, Golden
from generator.config import load_config
from generator.publish.build import generate

CORPUS = FIXTURES / "scenarios" / "valid-every-stage"
# Pages whose every line the golden files pin down; the rest of the tree is
# checked by name (the about page carries the whole field reference).
PINNED = ("index.md", "stages/index.md", "stages/incident-analysis.md", "review.md",
          "sources/index.md", "sources/media.md", "changes/index.md",
          "exports/index.md", "exports/cases.csv", "exports/sources.csv")


# With two rows a page, the review page's stalled cases span two pages: the pager's
# HTML and the rows files are pinned down too.
SPLIT_PINNED = ("review.md", "review/rows-stalled.json", "review/stalled/page/2.md",
                "review/stalled/page/2/rows.json")


def _generate(tmp_path: Path, settings: str = "") -> Path:
    shutil.copytree(CORPUS, tmp_path / "cases")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    plugin = "      cases_dir: cases\n"
    assert plugin in MKDOCS_YML
    (tmp_path / "mkdocs.yml").write_text(
        MKDOCS_YML.replace(plugin, plugin + settings) + "docs_dir: docs\n", encoding="utf-8")
    config = load_config(tmp_path / "mkdocs.yml")
    generate(config, today=TODAY)
    return config.generated_dir


def test_generated_tree(tmp_path: Path, golden: Golden) -> None:
    docs = _generate(tmp_path)
    files = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file())
    golden.check("site/FILES.txt", "\n".join(files) + "\n")


def test_pinned_pages(tmp_path: Path, golden: Golden) -> None:
    docs = _generate(tmp_path)
    for name in PINNED:
        golden.check(f"site/{name}", (docs / name).read_text(encoding="utf-8"))


def test_split_listing_pages(tmp_path: Path, golden: Golden) -> None:
    docs = _generate(tmp_path, "      listing_page_size: 2\n")
    for name in SPLIT_PINNED:
        golden.check(f"site-split/{name}", (docs / name).read_text(encoding="utf-8"))


def test_every_case_page(tmp_path: Path, golden: Golden) -> None:
    docs = _generate(tmp_path)
    pages = sorted((docs / "cases").glob("*.md"))
    assert len(pages) == len(list(CORPUS.glob("*.md")))
    for page in pages:
        golden.check(f"site/cases/{page.name}", page.read_text(encoding="utf-8"))


def test_golden_folder_has_no_stale_files() -> None:
    listed = set((GOLDEN / "site" / "FILES.txt").read_text(encoding="utf-8").split())
    kept = {p.relative_to(GOLDEN / "site").as_posix()
            for p in (GOLDEN / "site").rglob("*") if p.is_file()} - {"FILES.txt"}
    assert kept <= listed
