"""The preview's leak check of an export: only the rows made anew since the last check
that passed, and the whole file when the site does not hold what was generated."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from generator.preview.watch import Watch
from generator.publish.profiles import Removed, Withheld

SECRET = "Quillfeather orchard ambush near Velsworth"
HEADER = "case_id,title\r\n"
CLEAN_ROWS = "".join(f"CH-2024-{n:04d},Strike number {n} on a market\r\n" for n in range(1, 40))
LEAKING_ROW = f"CH-2024-0040,{SECRET}\r\n"
EXPORT = "exports/cases.csv"


def _removed() -> Removed:
    return Removed(values={SECRET: Withheld("CH-2024-0099", "title", "a case left out: RED")})


def _site(tmp_path: Path, content: str) -> Path:
    site = tmp_path / "site"
    (site / "exports").mkdir(parents=True, exist_ok=True)
    (site / EXPORT).write_bytes(content.encode("utf-8-sig"))
    return site


def _passed(site: Path) -> Watch:
    """A watch whose first check, of everything, passed; the site then a minute old."""
    watch = Watch()
    assert watch.scan(site, _removed(), time.time()) == []
    old = time.time() - 60
    for path in site.rglob("*"):
        os.utime(path, (old, old))
    return watch


def test_a_leak_in_a_row_made_anew_is_found_where_the_site_holds_it(tmp_path: Path) -> None:
    site = _site(tmp_path, HEADER + CLEAN_ROWS)
    watch = _passed(site)
    whole = (HEADER + CLEAN_ROWS + LEAKING_ROW).encode("utf-8-sig")
    (site / EXPORT).write_bytes(whole)
    asked: list[int] = []

    def exports() -> dict[str, tuple[bytes, bytes]]:
        asked.append(1)
        return {EXPORT: (whole, (HEADER + LEAKING_ROW).encode("utf-8-sig"))}

    leaks = watch.scan(site, _removed(), time.time(), exports)
    assert asked == [1]
    assert [(leak.path, leak.value, leak.where) for leak in leaks] == [
        (EXPORT, SECRET, "case CH-2024-0040, column title")]


def test_only_the_new_rows_of_an_export_as_generated_are_read(tmp_path: Path) -> None:
    # The row with the value is not among the new ones: the check does not read it,
    # which is right only because every other row was in a file that passed.
    whole = (HEADER + CLEAN_ROWS + LEAKING_ROW).encode("utf-8-sig")
    site = _site(tmp_path, HEADER + CLEAN_ROWS)
    watch = _passed(site)
    (site / EXPORT).write_bytes(whole)
    rows = (HEADER + CLEAN_ROWS[:40]).encode("utf-8-sig")
    assert watch.scan(site, _removed(), time.time(), lambda: {EXPORT: (whole, rows)}) == []


def test_an_export_that_differs_from_what_was_generated_is_read_whole(tmp_path: Path) -> None:
    site = _site(tmp_path, HEADER + CLEAN_ROWS)
    watch = _passed(site)
    (site / EXPORT).write_bytes((HEADER + CLEAN_ROWS + LEAKING_ROW).encode("utf-8-sig"))
    generated = (HEADER + CLEAN_ROWS).encode("utf-8-sig")
    leaks = watch.scan(site, _removed(), time.time(),
                       lambda: {EXPORT: (generated, HEADER.encode("utf-8-sig"))})
    assert [leak.path for leak in leaks] == [EXPORT]


def test_a_file_whose_name_starts_like_the_export_is_read_whole(tmp_path: Path) -> None:
    whole = (HEADER + CLEAN_ROWS).encode("utf-8-sig")
    site = _site(tmp_path, HEADER + CLEAN_ROWS)
    watch = _passed(site)
    (site / EXPORT).write_bytes(whole)
    (site / f"{EXPORT}.txt").write_text(SECRET, encoding="utf-8")
    leaks = watch.scan(site, _removed(), time.time(),
                       lambda: {EXPORT: (whole, HEADER.encode("utf-8-sig"))})
    assert [leak.path for leak in leaks] == [f"{EXPORT}.txt"]


def test_the_first_check_reads_every_row_and_never_asks_for_the_new_ones(
        tmp_path: Path) -> None:
    site = _site(tmp_path, HEADER + CLEAN_ROWS + LEAKING_ROW)

    def exports() -> dict[str, tuple[bytes, bytes]]:
        raise AssertionError("asked for the new rows without a check that passed")

    leaks = Watch().scan(site, _removed(), time.time(), exports)
    assert [leak.path for leak in leaks] == [EXPORT]


def _index_just_placed(site: Path) -> Path:
    """A search index put in the site a moment ago, holding the value (as if read
    clean of other values before it took its place)."""
    chunk = site / "pagefind" / "part-1" / "fragment" / "en_1.txt"
    chunk.parent.mkdir(parents=True)
    chunk.write_text(SECRET, encoding="utf-8")
    return chunk


def test_an_index_read_clean_of_every_value_looked_for_is_not_read_again(
        tmp_path: Path) -> None:
    site = _site(tmp_path, HEADER + CLEAN_ROWS)
    watch = _passed(site)
    _index_just_placed(site)
    # The values it was read clean of cover this check's: its bytes are not read, so
    # the value planted in it (which that reading would have refused) is not found.
    assert watch.scan(site, _removed(), time.time(), indexed=_removed()) == []


@pytest.mark.parametrize("indexed", [Removed(), None], ids=["clean-of-nothing", "unknown"])
def test_an_index_read_clean_of_fewer_values_than_looked_for_is_read(
        tmp_path: Path, indexed: Removed | None) -> None:
    site = _site(tmp_path, HEADER + CLEAN_ROWS)
    watch = _passed(site)
    chunk = _index_just_placed(site)
    leaks = watch.scan(site, _removed(), time.time(), indexed=indexed)
    assert [leak.path for leak in leaks] == [chunk.relative_to(site).as_posix()]
