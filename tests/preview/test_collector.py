"""The garbage collector of a serving process: paused while it rebuilds, run when idle."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from generator.preview.collector import IdleCollection


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.fixture
def collected_here() -> Iterator[list[int]]:
    """The generations collected by this thread (a server's idle collection left by
    another test may run in its own thread meanwhile)."""
    here = threading.get_ident()
    seen: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and threading.get_ident() == here:
            seen.append(info["generation"])

    gc.callbacks.append(record)
    yield seen
    gc.callbacks.remove(record)


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_no_collection_runs_while_a_rebuild_runs(collected_here: list[int]) -> None:
    idle = IdleCollection(idle=60)
    idle.building()
    assert not gc.isenabled()
    garbage: list[list[int]] = [[] for _ in range(50_000)]  # enough allocations to start a collection
    del garbage
    assert collected_here == []
    idle.stop()
    assert gc.isenabled()
    more: list[list[int]] = [[] for _ in range(50_000)]  # the same allocations start one now
    del more
    assert collected_here != []


def test_the_collector_runs_and_resumes_once_the_server_is_idle() -> None:
    idle = IdleCollection(idle=0.05)
    idle.building()
    idle.built()
    assert wait_until(gc.isenabled)


def test_a_rebuild_that_begins_before_the_server_is_idle_keeps_it_paused() -> None:
    idle = IdleCollection(idle=0.2)
    idle.building()
    idle.built()
    idle.building()  # the next save, before the pause ended
    time.sleep(0.5)
    assert not gc.isenabled()
    idle.built()
    assert wait_until(gc.isenabled)


def test_saves_that_never_leave_the_server_idle_still_let_it_collect(
        collected_here: list[int]) -> None:
    idle = IdleCollection(idle=60, longest=0.0)
    idle.building()
    collected_here.clear()
    idle.built()
    assert collected_here == []
    idle.building()  # later than `longest` after the last collection: collects first
    assert collected_here == [2]
    assert not gc.isenabled()
    idle.stop()


def test_a_collector_the_process_had_switched_off_stays_off() -> None:
    gc.disable()
    idle = IdleCollection(idle=0.01)
    idle.building()
    idle.built()
    time.sleep(0.3)
    assert not gc.isenabled()
    idle.stop()
    assert not gc.isenabled()


def test_work_that_waits_for_the_server_to_be_idle_runs_then_and_not_before() -> None:
    done: list[str] = []
    idle = IdleCollection(idle=0.05, work=lambda: done.append("saved"))
    idle.building()
    idle.built()
    idle.building()  # the next save cancels what waited for the pause
    time.sleep(0.2)
    assert done == []
    idle.built()
    assert wait_until(lambda: done == ["saved"])
    assert wait_until(gc.isenabled)


def test_work_that_fails_is_logged_and_the_collector_resumes_all_the_same(
        caplog: pytest.LogCaptureFixture) -> None:
    def fails() -> None:
        raise OSError("the disk is full")

    idle = IdleCollection(idle=0.01, work=fails)
    idle.building()
    with caplog.at_level("WARNING", logger="mkdocs.plugins.casebook"):
        idle.built()
        assert wait_until(gc.isenabled)
    assert "OSError: the disk is full" in caplog.text
