"""The search index in parts: how the case pages are cut into runs of ids, what each
part and the list of parts hold, and that the leak check reads every part."""

from __future__ import annotations

import gzip
import json
import re
import threading
from pathlib import Path

import pytest

from conftest import search_fragment_files, search_fragments
from generator.publish.leakcheck import scan
from generator.publish.profiles import Removed, Withheld
from generator.publish.search import (
    MANIFEST,
    SEARCH_FOLDER,
    Indexed,
    Part,
    SearchError,
    index_site,
    part_glob,
    partition,
)

IDS = [f"CH-2024-{n:04d}" for n in range(1, 6)]


def case_site(root: Path, ids: list[str]) -> Path:
    """A site of one small case page per id, marked up as the build marks it up."""
    site = root / "site"
    site.mkdir()
    for case_id in ids:
        page = site / "cases" / case_id / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f'<html lang="en"><body><nav>Menu</nav><div data-pagefind-body>'
                        f'<span data-pagefind-filter="id" data-pagefind-meta="id">{case_id}'
                        f'</span><h1>Shelling of a market</h1><p>Civilians reported injured '
                        f'near the bakery of case {case_id[-1]}.</p></div></body></html>',
                        encoding="utf-8")
    (site / "index.html").write_text("<html><body>Home</body></html>", encoding="utf-8")
    return site


def manifest(site: Path) -> list[dict[str, object]]:
    parts: list[dict[str, object]] = json.loads(
        (site / SEARCH_FOLDER / MANIFEST).read_text(encoding="utf-8"))["parts"]
    return parts


@pytest.mark.parametrize("count", range(0, 12))
def test_parts_are_the_fewest_even_runs_of_sorted_ids(count: int) -> None:
    ids = [f"CH-2024-{n:04d}" for n in range(1, count + 1)]
    for size in range(1, 13):
        parts = partition(list(reversed(ids)), size)
        assert [i for part in parts for i in part.ids] == ids
        assert len(parts) == -(-count // size)
        lengths = [len(part.ids) for part in parts]
        assert all(length <= size for length in lengths)
        assert not lengths or max(lengths) - min(lengths) <= 1
        assert [part.folder for part in parts] == [f"part-{n}" for n in range(1, len(parts) + 1)]


def test_a_parts_glob_names_its_case_folders_with_glob_characters_escaped() -> None:
    assert part_glob(Part("part-1", ("CH-2024-0001", "A{B,C}*"))) == \
        r"cases/{CH-2024-0001,A\{B\,C\}\*}/**/*.html"


def test_the_index_is_made_of_parts_each_a_pagefind_index_of_its_run_of_ids(
        tmp_path: Path) -> None:
    site = case_site(tmp_path, IDS)
    vetted: list[list[str]] = []

    def vet(folder: Path) -> bool:
        vetted.append(sorted(p.name for p in folder.iterdir()))
        return True

    assert index_site(site, part_pages=2, vet=vet) == Indexed(pages=5, parts=3)
    # The leak check of the preview reads the new index whole, parts and list.
    assert vetted == [sorted([MANIFEST, "part-1", "part-2", "part-3"])]
    parts = manifest(site)
    assert parts == [{"path": "part-1/", "first": IDS[0], "last": IDS[0], "pages": 1},
                     {"path": "part-2/", "first": IDS[1], "last": IDS[2], "pages": 2},
                     {"path": "part-3/", "first": IDS[3], "last": IDS[4], "pages": 2}]
    for part in parts:
        folder = site / SEARCH_FOLDER / str(part["path"])
        entry = json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))
        assert entry["languages"]["en"]["page_count"] == part["pages"]
        assert (folder / "pagefind.js").is_file() and (folder / "wasm.en.pagefind").is_file()
        urls = [json.loads(gzip.decompress(f.read_bytes()).removeprefix(b"pagefind_dcd"))["url"]
                for f in (folder / "fragment").glob("*.pf_fragment")]
        ids = [i for i in IDS if str(part["first"]) <= i <= str(part["last"])]
        assert sorted(urls) == [f"/cases/{i}/" for i in ids]
    # Each case once in the whole index, with its id as metadata; never the home page.
    entries = search_fragments(site)
    assert sorted(e["meta"]["id"] for e in entries) == IDS
    assert not list((site).glob(".pagefind-*"))


def test_a_new_index_replaces_every_part_of_the_old_one(tmp_path: Path) -> None:
    site = case_site(tmp_path, IDS)
    index_site(site, part_pages=1)
    assert len(manifest(site)) == 5
    assert index_site(site, part_pages=10) == Indexed(pages=5, parts=1)
    assert sorted(p.name for p in (site / SEARCH_FOLDER).iterdir()) == ["part-1", MANIFEST]


def test_a_refused_index_leaves_the_previous_one_whole(tmp_path: Path) -> None:
    site = case_site(tmp_path, IDS)
    index_site(site, part_pages=2)
    before = sorted(p.relative_to(site) for p in (site / SEARCH_FOLDER).rglob("*"))
    with pytest.raises(SearchError, match="refused; the previous one is kept"):
        index_site(site, part_pages=1, vet=lambda folder: False)
    assert sorted(p.relative_to(site) for p in (site / SEARCH_FOLDER).rglob("*")) == before
    assert not list((site).glob(".pagefind-*"))


def test_the_index_says_when_it_is_in_place_and_a_refused_one_never_does(
        tmp_path: Path) -> None:
    site = case_site(tmp_path, IDS)
    guard = threading.Lock()
    seen: list[tuple[bool, bool]] = []

    def placed() -> None:  # what a server's leak check learns, and when
        seen.append((guard.locked(), (site / SEARCH_FOLDER / MANIFEST).is_file()))

    index_site(site, part_pages=2, guard=guard, placed=placed)
    assert seen == [(True, True)]
    with pytest.raises(SearchError):
        index_site(site, part_pages=2, vet=lambda folder: False, guard=guard, placed=placed)
    assert seen == [(True, True)]


def test_a_cancelled_indexing_ends_after_the_part_under_way_and_places_nothing(
        tmp_path: Path) -> None:
    site = case_site(tmp_path, IDS)
    asked: list[int] = []

    def cancelled() -> bool:  # a server that stops while the first part is written
        asked.append(1)
        return len(asked) > 1

    with pytest.raises(SearchError, match="cancelled"):
        index_site(site, part_pages=2, cancelled=cancelled)
    assert asked == [1, 1]
    assert not (site / SEARCH_FOLDER).exists()
    assert not list(site.glob(".pagefind-*"))


def test_a_site_without_case_pages_has_an_index_of_no_parts(tmp_path: Path) -> None:
    site = case_site(tmp_path, [])
    assert index_site(site) == Indexed(pages=0, parts=0)
    assert manifest(site) == []


def test_the_leak_check_reads_every_part_of_the_index(tmp_path: Path) -> None:
    site = case_site(tmp_path, IDS)
    index_site(site, part_pages=2)
    removed = Removed(values={"CH-2023-0005": Withheld("CH-2023-0005", "id",
                                                       "a case left out: RED")})
    assert scan(site, removed) == []
    # A removed id in the text of a page of the last part (compressed JSON, the value
    # written with a JSON escape), and among the id filter's values of the second
    # (compressed CBOR: it replaces an id of the same length, so the CBOR stays valid).
    last = next(f for f in search_fragment_files(site) if "/part-3/" in f.as_posix())
    data = gzip.decompress(last.read_bytes())
    planted = data.replace(b'"content":"', b'"content":"\\u0043H-2023-0005 ', 1)
    assert planted != data
    last.write_bytes(gzip.compress(planted))
    [id_filter] = [f for f in (site / SEARCH_FOLDER / "part-2" / "filter").glob("*.pf_filter")
                   if b"CH-2024-0003" in gzip.decompress(f.read_bytes())]
    data = gzip.decompress(id_filter.read_bytes())
    id_filter.write_bytes(gzip.compress(data.replace(b"CH-2024-0003", b"CH-2023-0005", 1)))
    leaks = sorted(leak.path for leak in scan(site, removed))
    assert leaks == sorted([last.relative_to(site).as_posix(),
                            id_filter.relative_to(site).as_posix()])
    assert all(re.match(r"pagefind/part-[23]/(fragment|filter)/", p) for p in leaks)
