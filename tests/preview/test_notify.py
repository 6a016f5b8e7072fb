"""The live preview hears a save from the kernel's notices, not from polling."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from mkdocs.livereload import LiveReloadServer
from watchdog.observers.polling import PollingObserver

from generator.preview.notify import SETTLE_SECONDS, notified


@contextlib.contextmanager
def running(server: LiveReloadServer) -> Iterator[None]:
    """The server's observer and rebuild loop, as `serve` runs them (no HTTP)."""
    server.observer.start()
    loop = threading.Thread(target=server._build_loop, daemon=True)
    loop.start()
    try:
        yield
    finally:
        server.shutdown()
        loop.join(10)


def test_the_server_watches_the_same_paths_with_notices_and_hears_a_save(
        tmp_path: Path) -> None:
    cases, templates = tmp_path / "cases", tmp_path / "templates"
    cases.mkdir()
    templates.mkdir()
    built = threading.Event()
    server = LiveReloadServer(builder=built.set, host="127.0.0.1", port=0,
                              root=str(tmp_path))
    server.watch(str(cases))
    server.watch(str(templates))
    server.watch(str(templates))  # watched twice: unwatched once, still watched
    before = dict(server._watched_paths)

    assert notified(server)
    assert not isinstance(server.observer, PollingObserver)
    assert server._watched_paths == before
    server.unwatch(str(templates))
    assert str(templates) in server._watched_paths

    # The server's own loop, as `serve` runs it: a save starts a rebuild.
    with running(server):
        saved = cases / "CH-2024-0001.md"
        saved.write_text("first\n", encoding="utf-8")
        assert built.wait(10)
        time.sleep(0.5)
        built.clear()
        # Every rebuild reads the files it watches: reading is no change.
        assert saved.read_text(encoding="utf-8") == "first\n"
        assert not built.wait(1.5)
        saved.write_text("saved\n", encoding="utf-8")
        assert built.wait(10)


def test_a_save_made_of_several_writes_is_built_once(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    builds: list[float] = []
    server = LiveReloadServer(builder=lambda: builds.append(time.monotonic()),
                              host="127.0.0.1", port=0, root=str(tmp_path))
    server.watch(str(cases))
    assert notified(server)
    assert server.build_delay == SETTLE_SECONDS
    with running(server):
        saved = cases / "CH-2024-0001.md"
        saved.write_text("first\n", encoding="utf-8")
        time.sleep(1.0)
        builds.clear()
        # An editor's atomic save: a temporary file written, then renamed over the case.
        temporary = cases / ".CH-2024-0001.md.swp"
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write("second\n")
            handle.flush()
            handle.write("third\n")
        temporary.replace(saved)
        time.sleep(1.0)
        assert len(builds) == 1
