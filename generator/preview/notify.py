"""The server hears a save when it happens, not at its next look at every file.

`mkdocs serve` watches by polling: every half second it reads the time and
size of every file it watches (each case file, at 2,000 cases 2,000 of them)
and compares them with the last look. A save therefore waits a quarter of a
second on average, half a second at worst, before the rebuild starts, and the
looks cost the server CPU time all along. The kernel's own notices of changed
files (inotify on Linux, watchdog's native observer elsewhere) arrive at once
and cost nothing in between; where they cannot be had (no inotify, its limits
reached) the server keeps polling.
"""

from __future__ import annotations

import logging

from mkdocs.livereload import LiveReloadServer
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

log = logging.getLogger("mkdocs.plugins.casebook")


def notified(server: LiveReloadServer) -> bool:
    """Give `server`, not yet serving, the native observer in place of its polling one,
    watching the same paths; false, and the server as it was, where the native one
    cannot watch them."""
    # mkdocs' server says which paths it watches only in this mapping (path: count);
    # `watch` and `unwatch` are its public way to change them.
    watched = dict(getattr(server, "_watched_paths", {}))
    if not watched or not _can_watch(list(watched)):
        return False
    for path, count in watched.items():
        for _ in range(count):
            server.unwatch(path)
    # mkdocs types it as its polling observer; both are watchdog observers.
    server.observer = Observer()  # type: ignore[assignment]
    for path, count in watched.items():
        for _ in range(count):
            server.watch(path)
    return True


def _can_watch(paths: list[str]) -> bool:
    """Whether a native observer watches `paths`: started and stopped once, since it
    says it cannot (no inotify, its limits reached) only when it starts, and the
    server's start would then fail."""
    probe = Observer()
    try:
        for path in paths:
            probe.schedule(FileSystemEventHandler(), path, recursive=True)
        probe.start()
    except OSError as err:
        log.info("casebook: the file system sends no notices of changes (%s); "
                 "polling for saves", err)
        return False
    finally:
        if probe.is_alive():
            probe.stop()
            probe.join()
    return True
