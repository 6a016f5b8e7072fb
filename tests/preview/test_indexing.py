"""The preview's background search indexing: what it says when it cannot finish."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from generator.preview import indexing
from generator.publish.profiles import Removed


def test_an_indexing_cut_short_by_the_servers_stop_says_nothing(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        tmp_path: Path) -> None:
    started, release = threading.Event(), threading.Event()

    def gone(site_dir: Path, **options: Any) -> Any:
        started.set()
        assert release.wait(30)
        # What mkdocs serve does on its way out: it deletes its site folder.
        raise FileNotFoundError(f"{site_dir}/.pagefind-building")

    monkeypatch.setattr(indexing, "index_site", gone)
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.casebook"):
        serving = indexing.BackgroundIndex()
        serving.request(tmp_path, Removed())
        assert started.wait(30)
        release.set()
        assert serving.wait(30)
        # While the server runs, a failed indexing is an error in the terminal.
        assert [r.levelname for r in caplog.records] == ["ERROR"]
        caplog.clear()

        started.clear()
        release.clear()
        stopping = indexing.BackgroundIndex()
        stopping.request(tmp_path, Removed())
        assert started.wait(30)
        stopping.stop(timeout=0)  # not waiting here: the indexing waits for `release`
        release.set()
        assert stopping.wait(30)
    assert caplog.records == []


def test_a_stopping_server_waits_for_the_part_being_written_and_asks_for_no_more(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    started, release = threading.Event(), threading.Event()
    asked: list[bool] = []

    def writing(site_dir: Path, **options: Any) -> Any:
        started.set()
        assert release.wait(30)  # the part under way, which the site's deletion must not meet
        asked.append(options["cancelled"]())
        raise indexing.SearchError("the indexing was cancelled")

    monkeypatch.setattr(indexing, "index_site", writing)
    serving = indexing.BackgroundIndex()
    serving.request(tmp_path, Removed())
    assert started.wait(30)
    stopping = threading.Thread(target=serving.stop)
    stopping.start()
    stopping.join(0.5)
    assert stopping.is_alive()  # still waiting for the part under way
    release.set()
    stopping.join(30)
    assert not stopping.is_alive()
    assert asked == [True]  # told to write no further part


def test_the_indexing_waits_while_a_rebuild_runs_at_its_next_part_and_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from generator.publish import leakcheck
    from generator.publish.profiles import Withheld
    from generator.publish.search import Indexed

    index = tmp_path / "building"
    index.mkdir()
    for name in ("a.html", "b.html", "c.html"):
        (index / name).write_text("<p>Nothing restricted here.</p>", encoding="utf-8")
    removed = Removed(values={"Quokka Ministry cable": Withheld(
        "CH-2023-0001", "sources[S2].title", "a non-public source")})
    parts: list[str] = []
    read: list[str] = []
    first_read = threading.Event()
    serving = indexing.BackgroundIndex()
    real_scan_file = leakcheck.scan_file

    def reading(path: Path, rel: str, *args: Any) -> Any:
        read.append(rel)
        if len(read) == 1:
            serving.hold()  # a save: its rebuild begins while the index is read
            first_read.set()
        return real_scan_file(path, rel, *args)

    def indexing_site(site_dir: Path, **options: Any) -> Any:
        assert not options["cancelled"]()  # waits here while a rebuild runs
        parts.append("one")
        assert options["vet"](index)
        return Indexed(3, 1)

    monkeypatch.setattr(indexing, "index_site", indexing_site)
    monkeypatch.setattr(leakcheck, "scan_file", reading)
    serving.hold()
    serving.request(tmp_path, removed)
    assert not serving.wait(0.5)
    assert parts == [] and read == []
    serving.release()  # the rebuild ended
    assert first_read.wait(30)
    assert not serving.wait(0.5)
    assert parts == ["one"] and read == ["a.html"]
    serving.release()
    assert serving.wait(30)
    assert read == ["a.html", "b.html", "c.html"]


def _state(pid: int) -> str:
    """A process's state as Linux reports it: T when stopped."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    return stat.rpartition(")")[2].split()[0]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux lists children by thread")
def test_a_rebuild_stops_the_indexer_process_until_it_ends(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import subprocess
    import sys

    from generator.publish.search import Indexed

    started, finish = threading.Event(), threading.Event()
    indexer: list[subprocess.Popen[bytes]] = []

    def indexing_site(site_dir: Path, **options: Any) -> Any:
        # The indexer is a process of its own, started by the indexing thread.
        indexer.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
        started.set()
        assert finish.wait(30)
        indexer[0].kill()
        indexer[0].wait()
        return Indexed(1, 1)

    monkeypatch.setattr(indexing, "index_site", indexing_site)
    serving = indexing.BackgroundIndex()
    serving.request(tmp_path, Removed())
    try:
        assert started.wait(30)
        pid = indexer[0].pid
        assert _state(pid) != "T"
        serving.hold()  # a save: its rebuild begins
        assert _wait_for(lambda: _state(pid) == "T")
        serving.release()  # the rebuild ended
        assert _wait_for(lambda: _state(pid) != "T")
        serving.hold()
        assert _wait_for(lambda: _state(pid) == "T")
        serving.stop(timeout=0)  # a server that stops lets the part under way finish
        assert _wait_for(lambda: _state(pid) != "T")
    finally:
        finish.set()
        assert serving.wait(30)


def _wait_for(condition: Any, seconds: float = 10.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
