"""The server hears a save when it happens, not at its next look at every file.

`mkdocs serve` watches by polling: every half second it reads the time and
size of every file it watches (each case file, at 2,000 cases 2,000 of them)
and compares them with the last look. A save therefore waits a quarter of a
second on average, half a second at worst, before the rebuild starts, and the
looks cost the server CPU time all along. The kernel's own notices of changed
files (inotify on Linux, watchdog's native observer elsewhere) arrive at once
and cost nothing in between; where they cannot be had (no inotify, its limits
reached) the server keeps polling.

Once told of a change, the server waits until no other has come for a moment
(`build_delay`, a tenth of a second), so that a save made of several writes is
built once. The kernel's notices of one save (an editor's write, or its write to
a temporary file and rename) arrive within a millisecond or two of each other:
with them the server waits `SETTLE_SECONDS`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mkdocs.livereload import LiveReloadServer
from watchdog.events import (
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

log = logging.getLogger("mkdocs.plugins.casebook")

SETTLE_SECONDS = 0.03
"""How long the server waits after a notice for another before it rebuilds."""

CHANGES: list[type[FileSystemEvent]] = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent,
                                        FileMovedEvent]
"""The notices that mean a file changed. The kernel also tells of every file opened
and closed, and each rebuild opens the settings, the templates and the cases: the
server, which rebuilds on any notice, would rebuild for ever."""


class ChangesOnly(Observer):  # type: ignore[misc,valid-type]
    """The native observer, passing on the notices of changes only."""

    def schedule(self, event_handler: FileSystemEventHandler, path: str | Path,
                 **options: Any) -> ObservedWatch:
        options.setdefault("event_filter", CHANGES)
        watch: ObservedWatch = super().schedule(event_handler, path, **options)
        return watch


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
    server.observer = ChangesOnly()
    for path, count in watched.items():
        for _ in range(count):
            server.watch(path)
    server.build_delay = min(server.build_delay, SETTLE_SECONDS)
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
