"""The site's HTML tables set aside while Markdown converts a page, and put back."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config as load_mkdocs_config

from conftest import TODAY, copy_project, with_page_size
from generator.config import load_config
from generator.preview import plugin as plugin_module
from generator.preview.tables import put_back, set_aside
from generator.publish.build import PLUGIN_GENERATES, Generated, generate, theme_extra

LISTING = ('<div class="cb-table" data-cb-total="3">\n<table>\n<tr><td>a &amp; b</td></tr>\n'
           "</table>\n</div>")


def test_a_raw_table_block_is_set_aside_and_put_back_where_it_was() -> None:
    text, blocks = set_aside(f"# Title\n\n{LISTING}\n\nAfter.\n")
    assert blocks == [LISTING]
    assert LISTING not in text and "After." in text
    html = text.replace("# Title", "<h1>Title</h1>")
    assert put_back(html, blocks) == f"<h1>Title</h1>\n\n{LISTING}\n\nAfter.\n"


@pytest.mark.parametrize("block", [
    '<div class="cb-table" markdown>\n| a |\n|---|\n| b |\n</div>',
    '<div class="cb-table">\n<div class="inner">x</div>\n</div>',
])
def test_a_block_that_markdown_must_read_is_left_to_it(block: str) -> None:
    assert set_aside(f"{block}\n") == (f"{block}\n", [])


def test_a_page_whose_placeholder_is_lost_is_not_put_back() -> None:
    text, blocks = set_aside(f"{LISTING}\n\n{LISTING}\n")
    assert len(blocks) == 2
    first = text.partition("\n")[0]
    assert put_back(first, blocks) is None
    assert put_back(f"{first}\n{first}", blocks) is None


def test_a_page_that_names_the_placeholder_itself_is_converted_as_it_is() -> None:
    text = f"<!--casebook:table:0-->\n\n{LISTING}\n"
    assert set_aside(text) == (text, [])


def _built(project: Path, site: Path, generated: Generated) -> dict[str, bytes]:
    config = load_mkdocs_config(str(project / "mkdocs.yml"), site_dir=str(site))
    config.plugins["casebook"].config[PLUGIN_GENERATES] = False
    config.extra.update(theme_extra(generated))
    build(config)
    return {p.relative_to(site).as_posix(): p.read_bytes()
            for p in site.rglob("*.html")}


def test_the_built_pages_are_those_markdown_makes_of_the_whole_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = with_page_size(copy_project(tmp_path / "project"), 2)
    generated = generate(load_config(project / "mkdocs.yml"), today=TODAY)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    calls: list[int] = []

    def counted(markdown: str) -> tuple[str, list[str]]:
        found = set_aside(markdown)
        calls.append(len(found[1]))
        return found

    monkeypatch.setattr(plugin_module, "set_aside", counted)
    shortcut = _built(project, tmp_path / "shortcut", generated)
    assert sum(calls) > 20  # the listings' tables were set aside
    monkeypatch.setattr(plugin_module, "set_aside", lambda markdown: (markdown, []))
    whole = _built(project, tmp_path / "whole", generated)
    assert shortcut.keys() == whole.keys()
    assert [page for page in whole if shortcut[page] != whole[page]] == []
