"""The leak check's reading spread over worker processes, held to one process's.

A cold build reads every narrative left out and every file of the site on every
core (`generator.publish.leakcheck.spread`). Here the workers are started on
real files and real narratives, whatever the machine's cores (`spare_cores` is
told there are two to spare) and however little there is to read (the sizes
below which one process reads alone are set to nothing): what they find, in
what order, with what the scan keeps of clean files, must be what one process
finds, and a worker that fails or dies must neither hide a file nor show a
traceback.
"""

from __future__ import annotations

import gzip
import json
import logging
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest
from test_leakcheck import AMBER_TITLE, public_build  # noqa: F401 - its fixture

from generator.config import load_config
from generator.publish import leakcheck, profiles
from generator.publish.leakcheck import Finder, check_built_site, scan_with, spread
from generator.publish.profiles import DEFAULT_PROFILES, Profile, Removed, Withheld
from generator.publish.removedcache import CleanFiles

PUBLIC = Profile("public", DEFAULT_PROFILES["public"])


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers beside the test's process, for any amount of work, a file or a
    narrative to each share."""
    monkeypatch.setattr(leakcheck, "spare_cores", lambda: 2)
    monkeypatch.setattr(leakcheck, "_SPREAD_BYTES", 0)
    monkeypatch.setattr(leakcheck, "_CHUNK_BYTES", 1)
    monkeypatch.setattr(profiles, "_SPREAD_CHARS", 0)
    monkeypatch.setattr(profiles, "_SHARE_CHARS", 1)


def alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leakcheck, "spare_cores", lambda: 0)


def in_a_worker() -> bool:
    return multiprocessing.parent_process() is not None


def dies_in_a_worker(share: list[int]) -> list[int]:
    if in_a_worker():
        os._exit(3)  # as the system's killer ends a process: no answer, no exception
    return sorted(share)


def fails_on_a_word(share: list[str]) -> list[int]:
    return [int(text) for text in share]


def test_each_share_is_answered_in_its_order(workers: None) -> None:
    shares = [[n, -n, n * 7 % 5] for n in range(40)]
    assert list(spread(sorted, shares)) == [sorted(share) for share in shares]


def test_what_a_worker_raises_is_raised_as_it_would_be_here(workers: None) -> None:
    shares = [["1", "2"], ["3", "four"], ["5"], ["6"]]
    with pytest.raises(ValueError, match=r"invalid literal for int.*'four'") as raised:
        list(spread(fails_on_a_word, shares))
    # No other process's traceback rides along with it.
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_worker_that_dies_is_reported_and_its_shares_answered_here(
        workers: None, caplog: pytest.LogCaptureFixture) -> None:
    shares = [[n, -n] for n in range(12)]
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.casebook"):
        assert list(spread(dies_in_a_worker, shares)) == [sorted(s) for s in shares]
    reports = [r.getMessage() for r in caplog.records if "ended without an answer" in r.getMessage()]
    assert len(reports) == 1, caplog.text


def test_one_share_or_no_core_to_spare_is_answered_here(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    # dies_in_a_worker would end a worker: none is started.
    monkeypatch.setattr(leakcheck, "spare_cores", lambda: 2)
    assert list(spread(dies_in_a_worker, [[2, 1]])) == [[1, 2]]
    alone(monkeypatch)
    assert list(spread(dies_in_a_worker, [[2, 1], [4, 3]])) == [[1, 2], [3, 4]]


# --------------------------------------------------------------------------
# The scan of a site's files.

VALUES = [f"Quokka relay {n:02d} hotline" for n in range(12)]
NAMES = ["about/index.html", "cases/a/index.html", "cases/b/index.html", "exports/cases.csv",
         "exports/cases.json", "feed.xml", "index.html", "pagefind/fragment/x.pf_fragment",
         "search.txt", "sitemap.xml.gz", "z/0/index.html", "z/1/index.html"]
WHAT = Withheld("CH-2026-0101", "title", "a case left out: AMBER")


def site_with(root: Path, planted: dict[int, str]) -> Path:
    """A site of every kind of file the check reads, the value `planted[i]` written
    into the file NAMES[i], with accents and pilcrows around."""
    def page(n: int) -> str:
        value = planted.get(n, "nothing removed")
        return (f'<html><head><title>Page {n}</title></head><body><nav>menu</nav>'
                f'<article class="md-content__inner"><h2 id="s">Café Númbat {n}'
                f'<a class="headerlink" href="#s">\u00b6</a></h2><p>See {value} '
                f'\u2013 \u201cnoted\u201d.</p></article></body></html>')

    for n, name in enumerate(NAMES):
        value = planted.get(n, "nothing removed")
        if name.endswith(".csv"):
            content = f"case_id,title\r\nCH-1,{value}\r\nCH-2,other\r\n".encode()
        elif name.endswith(".json"):
            content = json.dumps([{"id": "CH-1", "title": value}]).encode()
        elif name.endswith(".pf_fragment"):
            content = gzip.compress(b"pagefind_dcd" + json.dumps(
                {"content": f"Seen {value} here"}).encode())
        elif name.endswith(".gz"):
            content = gzip.compress(f"<urlset><url><loc>{value}</loc></url></urlset>"
                                    .encode())
        elif name.endswith((".xml", ".txt")):
            content = f"<feed><entry><title>{value}</title></entry></feed>".encode()
        else:
            content = page(n).encode()
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def scanned(site: Path, values: list[str]
            ) -> tuple[list[leakcheck.Leak], dict[str, tuple[str, bytes]]]:
    finder = Finder(Removed(values=dict.fromkeys(values, WHAT)))
    clean = CleanFiles(None, {}, {}, finder, {})
    return scan_with(site, finder, clean=clean), clean.used


def test_the_scan_on_every_core_finds_what_one_process_finds(
        tmp_path: Path, workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each file holds a value of its own (and one file two), from the first to the last.
    planted = dict(enumerate(VALUES))
    planted[5] = f"{VALUES[5]} and {VALUES[0]}"
    site = site_with(tmp_path / "site", planted)
    spread_leaks, spread_clean = scanned(site, VALUES)
    alone(monkeypatch)
    leaks, clean = scanned(site, VALUES)
    assert spread_leaks == leaks
    assert len(leaks) == len(VALUES) + 1
    assert spread_clean == clean


@pytest.mark.parametrize("position", range(12))
def test_a_value_planted_in_any_file_is_found_by_the_scan_on_every_core(
        tmp_path: Path, workers: None, position: int) -> None:
    site = site_with(tmp_path / "site", {position: VALUES[position]})
    leaks, clean = scanned(site, VALUES)
    assert [(leak.path, leak.value) for leak in leaks] == [(NAMES[position],
                                                            VALUES[position])]
    # Every other file read, and kept as clean, with its words.
    assert sorted(clean) == sorted(set(NAMES) - {NAMES[position]})


def test_a_file_a_worker_cannot_read_fails_the_scan_as_it_does_in_one_process(
        tmp_path: Path, workers: None, monkeypatch: pytest.MonkeyPatch) -> None:
    site = site_with(tmp_path / "site", {})
    (site / "broken.xml.gz").write_bytes(b"not gzip at all")
    with pytest.raises(gzip.BadGzipFile) as spread_error:
        scanned(site, VALUES)
    alone(monkeypatch)
    with pytest.raises(gzip.BadGzipFile) as error:
        scanned(site, VALUES)
    assert str(spread_error.value) == str(error.value)


def test_a_worker_that_dies_during_the_scan_leaves_no_file_unread(
        tmp_path: Path, workers: None, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    planted = dict(enumerate(VALUES))
    site = site_with(tmp_path / "site", planted)
    alone(monkeypatch)
    expected = scanned(site, VALUES)
    monkeypatch.setattr(leakcheck, "spare_cores", lambda: 2)
    monkeypatch.setattr(leakcheck, "_read_files", reads_unless_a_worker)
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.casebook"):
        assert scanned(site, VALUES) == expected
    assert "ended without an answer" in caplog.text


_READ_FILES = leakcheck._read_files


def reads_unless_a_worker(files: list[tuple[str, str]], pack: bool
                          ) -> list[leakcheck._Read | None]:
    if in_a_worker():
        os._exit(3)
    return _READ_FILES(files, pack)


# --------------------------------------------------------------------------
# What a build lists and finds, its narratives read on every core.


@pytest.mark.slow
@pytest.mark.xdist_group("leakcheck")
def test_a_public_build_read_on_every_core_lists_and_finds_what_one_process_does(
        public_build: Path, tmp_path: Path, workers: None,  # noqa: F811 - the fixture
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    shutil.copytree(public_build / "site", site)

    page = site / "about" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace(
        "</article>", f"<p>{AMBER_TITLE}</p></article>", 1), encoding="utf-8")
    config = load_config(public_build / "mkdocs.yml")
    finder, leaks = check_built_site(config, site, PUBLIC)
    alone(monkeypatch)
    reference, expected = check_built_site(config, site, PUBLIC)
    assert finder.removed.values == reference.removed.values
    assert finder.removed.unprovable == reference.removed.unprovable
    assert finder.why == reference.why
    assert leaks == expected
    assert AMBER_TITLE in {leak.value for leak in leaks}
    assert all(leak.path == "about/index.html" for leak in leaks)
