"""LoadCache: what a watching server reads again after a save, and what it reuses.

Real files in a throw-away repository; each test changes a file the way an
editor does (new bytes, a new modification time) and checks that the cache
reads exactly the files that changed and that its answers equal a cold load.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY
from generator.checks.corpus import Corpus, load_corpus
from generator.config import load_config
from generator.preview import cache as caching
from generator.preview.cache import LoadCache

VALID = (FIXTURES / "scenarios" / "valid-every-stage" / "CH-2024-0001.md").read_text("utf-8")
"""A valid intake case, CH-2024-0001, opened on 2024-02-01."""


def write(repo: Path, name: str, text: str) -> Path:
    path = repo / "cases" / name
    path.write_text(text, encoding="utf-8")
    return path


def second_case() -> str:
    return (VALID.replace("id: CH-2024-0001", "id: CH-2024-0002")
            .replace("title: Shelling of a market", "title: Shelling of a clinic"))


def load(repo: Path, cache: LoadCache | None, today: dt.date = TODAY) -> Corpus:
    config = load_config(repo / "mkdocs.yml")
    if cache is None:
        return load_corpus(config, today=today)
    return load_corpus(config, today=today, load=cache.load, check=cache.check,
                       quality=cache.check_quality)


def by_id(corpus: Corpus) -> dict[str, object]:
    return {f.case.id: f.case for f in corpus.files if f.case is not None}


def problems(corpus: Corpus) -> list[tuple[str, int, int, str, str]]:
    return [(d.path, d.line, d.column, d.code, d.message)
            for d in corpus.report().diagnostics]


def counted(monkeypatch: pytest.MonkeyPatch, rules: str) -> list[str]:
    """The files that the cache's `rules` (a function of a record and one more
    argument) run on from now on, in order."""
    runs: list[str] = []
    real = getattr(caching, rules)

    def counting(record, other):  # type: ignore[no-untyped-def]
        runs.append(record.rel)
        return real(record, other)

    monkeypatch.setattr(caching, rules, counting)
    return runs


def test_an_unchanged_file_is_not_read_again(repo: Path) -> None:
    write(repo, "CH-2024-0001.md", VALID)
    write(repo, "CH-2024-0002.md", second_case())
    cache = LoadCache()
    first, second = by_id(load(repo, cache)), by_id(load(repo, cache))
    assert first.keys() == {"CH-2024-0001", "CH-2024-0002"}
    # The very same records: nothing was parsed again.
    assert all(second[key] is first[key] for key in first)


def test_a_saved_file_is_read_again_and_only_it(repo: Path) -> None:
    write(repo, "CH-2024-0001.md", VALID)
    edited = write(repo, "CH-2024-0002.md", second_case())
    cache = LoadCache()
    before = by_id(load(repo, cache))
    # Same length, different bytes: only the modification time tells them apart.
    text = second_case().replace("a clinic", "a school")
    assert len(text) == len(second_case())
    stat = edited.stat()
    edited.write_text(text, encoding="utf-8")
    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    after = by_id(load(repo, cache))
    assert after["CH-2024-0001"] is before["CH-2024-0001"]
    assert after["CH-2024-0002"] is not before["CH-2024-0002"]
    assert after["CH-2024-0002"].title == by_id(load(repo, None))["CH-2024-0002"].title  # type: ignore[attr-defined]
    assert "a school" in after["CH-2024-0002"].title  # type: ignore[attr-defined]


def test_problems_are_the_same_as_a_cold_load_and_never_pile_up(repo: Path) -> None:
    write(repo, "CH-2024-0001.md", VALID.replace("opened: 2024-02-01", "opened: 2027-02-01"))
    write(repo, "CH-2024-0002.md", "---\nid: CH-2024-0002\ntitle: [unclosed\n---\n")
    write(repo, "CH-2024-0003.md", second_case().replace("CH-2024-0002", "CH-2024-0003"))
    cache = LoadCache()
    cold = problems(load(repo, None))
    assert {code for _, _, _, code, _ in cold} >= {"CB305"}
    assert len(cold) >= 2
    # A reused record is the one read before: what the rules found is never added
    # to it, so its problems stay those of one load.
    assert problems(load(repo, cache)) == cold
    assert problems(load(repo, cache)) == cold
    assert problems(load(repo, cache)) == cold


def test_rules_run_again_on_another_day_and_not_on_the_same_day(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Due for review on 2026-12-01: not overdue on TODAY, overdue from the day after.
    write(repo, "CH-2024-0001.md", VALID.replace("next_review: 2027-01-15",
                                                 "next_review: 2026-12-01"))
    runs = counted(monkeypatch, "check_case")
    cache = LoadCache()
    assert problems(load(repo, cache)) == []
    assert problems(load(repo, cache)) == []
    assert runs == ["cases/CH-2024-0001.md"]  # the second load reused the first's results
    later = problems(load(repo, cache, today=dt.date(2026, 12, 2)))
    assert [code for _, _, _, code, _ in later] == ["CB351"]
    assert runs == ["cases/CH-2024-0001.md"] * 2
    assert problems(load(repo, cache, today=dt.date(2026, 12, 2))) == later
    assert runs == ["cases/CH-2024-0001.md"] * 2


def test_a_deleted_file_is_gone_and_a_new_one_is_read(repo: Path) -> None:
    first = write(repo, "CH-2024-0001.md", VALID)
    cache = LoadCache()
    assert by_id(load(repo, cache)).keys() == {"CH-2024-0001"}
    first.unlink()
    write(repo, "CH-2024-0002.md", second_case())
    assert by_id(load(repo, cache)).keys() == {"CH-2024-0002"}


def test_quality_rules_run_once_per_record_with_the_results_of_a_cold_load(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    swapped = (FIXTURES / "scenarios" / "coordinates-swapped" / "CH-2024-0001.md")
    write(repo, "CH-2024-0001.md", swapped.read_text("utf-8"))
    write(repo, "CH-2024-0002.md", second_case())
    runs = counted(monkeypatch, "quality_of")
    cold = problems(load(repo, None))
    assert [code for _, _, _, code, _ in cold] == ["CB361"]
    cache = LoadCache()
    assert problems(load(repo, cache)) == cold
    assert problems(load(repo, cache)) == cold
    assert sorted(runs) == ["cases/CH-2024-0001.md", "cases/CH-2024-0002.md"]

    settings = repo / "mkdocs.yml"  # a tolerance wide enough for the swapped point
    settings.write_text(settings.read_text("utf-8").replace(
        "      cases_dir: cases\n", "      cases_dir: cases\n      coordinates_tolerance_km: 20000\n",
        1), "utf-8")
    assert problems(load(repo, cache)) == problems(load(repo, None)) == []
    assert len(runs) == 4
