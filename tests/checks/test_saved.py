"""Saved reads: what reading and checking each file found, reused only for the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from assigned_cases import write_assigned_project

from conftest import MKDOCS_YML, TODAY
from generator.checks.corpus import Corpus, load_corpus
from generator.checks.saved import FILE_NAME, SavedReads
from generator.config import load_config


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_assigned_project(tmp_path / "project")
    broken = root / "cases" / "CH-2024-0006.md"
    broken.write_text(broken.read_text("utf-8").replace("stage: closed", "stage: clsed", 1),
                      encoding="utf-8")
    return root


def _saved(root: Path) -> tuple[Corpus, SavedReads]:
    config = load_config(root / "mkdocs.yml")
    saved = SavedReads.open(config)
    corpus = load_corpus(config, today=TODAY, load=saved.load, check=saved.check)
    saved.save()
    return corpus, saved


def _what(corpus: Corpus) -> list[tuple[object, ...]]:
    """What a listing depends on: each file's record, body, and problems (by code)."""
    problems = sorted((d.path, d.code, d.message) for d in corpus.diagnostics)
    return [*((f.rel, f.case, f.body, f.body_line) for f in corpus.files), *problems]


def test_records_from_saved_reads_are_those_of_a_fresh_read(project: Path) -> None:
    fresh = load_corpus(load_config(project / "mkdocs.yml"), today=TODAY)
    first, saved = _saved(project)
    assert not saved.entries  # nothing saved yet: every file was read
    again, saved = _saved(project)
    assert set(saved.entries) == {f.rel for f in fresh.files}
    assert _what(first) == _what(again) == _what(fresh)
    assert any(d.code == "CB205" for d in again.diagnostics)


def test_a_cache_that_cannot_be_read_is_set_aside(project: Path) -> None:
    _saved(project)
    cache = project / ".cache" / "casebook" / FILE_NAME
    cache.write_text("{not json", encoding="utf-8")
    corpus, saved = _saved(project)
    assert not saved.entries and len(corpus.files) == 6
    assert json.loads(cache.read_text("utf-8"))["files"]


def test_other_settings_set_the_saved_reads_aside(project: Path) -> None:
    _saved(project)
    (project / "mkdocs.yml").write_text(MKDOCS_YML + "      stalled_days: 30\ndocs_dir: docs\n",
                                        encoding="utf-8")
    _, saved = _saved(project)
    assert not saved.entries


def test_an_empty_cache_dir_keeps_nothing(project: Path) -> None:
    (project / "mkdocs.yml").write_text(MKDOCS_YML + "      cache_dir: ''\ndocs_dir: docs\n",
                                        encoding="utf-8")
    _saved(project)
    assert not (project / ".cache").exists()
