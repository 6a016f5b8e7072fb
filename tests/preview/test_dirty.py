"""What `mkdocs serve --dirty` keeps from one build to the next (generator.preview.dirty)."""

from __future__ import annotations

import os
from pathlib import Path

from mkdocs.structure.files import File, Files

from generator.preview.dirty import DirtyBuilds


def page_files(docs: Path, site: Path) -> Files:
    return Files([File("a.md", str(docs), str(site), use_directory_urls=True)])


def test_a_build_asks_the_disk_once_whether_a_page_changed(tmp_path: Path) -> None:
    docs, site = tmp_path / "docs", tmp_path / "site"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n", encoding="utf-8")
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("<h1>A</h1>", encoding="utf-8")
    os.utime(docs / "a.md", (1_000, 1_000))  # the HTML is newer: nothing to do

    dirty = DirtyBuilds()
    files = page_files(docs, site)
    dirty.files(files)
    page = files.documentation_pages()[0]
    assert page.is_modified() is False
    os.utime(docs / "a.md")  # saved after the first question, during this build
    assert page.is_modified() is False, "the build's first answer stands"

    files = page_files(docs, site)  # the next build asks again
    dirty.files(files)
    assert files.documentation_pages()[0].is_modified() is True
