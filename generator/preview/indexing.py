"""The live preview's search index, rebuilt in the background after each rebuild.

Indexing every case page costs seconds (about 12 s at 2,000 cases), far more
than the rest of a rebuild: under `mkdocs serve` the page shows a saved edit as
soon as mkdocs has written it, and the search catches up when the index is done.
The preview's search may therefore lag a save by the indexing time; `casebook
build` and `mkdocs build` index before their leak check and never lag.

While a rebuild runs, the indexing waits (before its next part, and before each
file its leak check reads): at 2,000 cases that check holds Python's lock for
about a third of a second per index, and a save a few seconds after the last
one found its rebuild sharing it. The indexer's own process is stopped meanwhile
(on Linux) and continued when the rebuild ends: on two cores, lowered priority
alone still left the first save after the server started 40% slower while
the first index was being made. One indexing runs at a time. A rebuild that
ends while one runs asks for another, which starts when the running one ends
(several such rebuilds ask for one): the last index is always made from the
last rebuild's pages. The new index is read by the leak check before it
replaces the old one whole (`generator.publish.search.index_site`); a rebuild
whose site leaks discards the indexing under way, which may have read its pages.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from generator.publish.leakcheck import scan
from generator.publish.profiles import Removed
from generator.publish.search import PART_PAGES, SearchError, index_site

log = logging.getLogger("mkdocs.plugins.casebook")

NICENESS = 10
"""How much lower than the server's the indexing's CPU priority is."""

STOP_SECONDS = 120.0
"""How long a stopping server waits for the part of the index being written (a part
of 1,000 pages takes about 6 s here); the site is deleted after it."""


HOLD_SECONDS = 30.0
"""The longest the indexing waits for one rebuild to end (one that never said so)."""


@dataclass(frozen=True, slots=True)
class _Job:
    site_dir: Path
    removed: Removed
    serial: int
    part_pages: int


class BackgroundIndex:
    """Indexes a served site in a thread of its own, one indexing at a time."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._next: _Job | None = None
        self._running = False
        self._serial = 0
        self._discarded = 0
        """Jobs up to this serial must not put their index in place."""
        self._stopped = False
        self._held = False
        """A rebuild runs: the indexing waits at its next part or file."""
        self._thread: int | None = None
        """The native id of the indexing thread, whose child processes a hold stops."""
        self._unheld: threading.Timer | None = None
        self.in_place: Removed | None = None
        """The values the index now in the site was read clean of before it took its
        place (None: no index put there by this server)."""
        self.guard = threading.Lock()
        """Held while the indexing renames or deletes a folder of the site, and by a
        rebuild while it walks the site: a folder listed must still be there when
        it is read (the leak check would fail the rebuild, and the server would
        stop answering until the next save)."""

    def request(self, site_dir: Path, removed: Removed, part_pages: int = PART_PAGES) -> None:
        """Index the site once the running indexing, if any, has ended; never waits."""
        with self._changed:
            self._serial += 1
            self._next = _Job(site_dir, removed, self._serial, part_pages)
            if self._running:
                return  # the running thread takes it when it is done
            self._running = True
        # A daemon: stopping the server must not wait for an index nobody will read.
        threading.Thread(target=self._work, name="casebook-search-index", daemon=True).start()

    def hold(self) -> None:
        """A rebuild begins: the indexing under way waits at its next part or file,
        and its indexer process stops where it is."""
        with self._changed:
            if self._held:
                return
            self._held = True
            _signal_children(self._thread, signal.SIGSTOP)
            # A rebuild that never says it ended (a failure before mkdocs built
            # anything) must not keep the indexer stopped.
            self._unheld = threading.Timer(HOLD_SECONDS, self.release)
            self._unheld.daemon = True
            self._unheld.start()

    def release(self) -> None:
        """The rebuild ended: the indexing goes on."""
        with self._changed:
            if self._unheld is not None:
                self._unheld.cancel()
                self._unheld = None
            if self._held:
                _signal_children(self._thread, signal.SIGCONT)
            self._held = False
            self._changed.notify_all()

    def discard(self) -> None:
        """Drop every indexing asked for so far, the running one included."""
        with self._changed:
            self._next = None
            self._discarded = self._serial

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """The server stops and deletes its site: the indexing under way ends quietly,
        after the part it is writing, which the deletion must not meet half-written."""
        self.release()  # an indexer stopped by a hold must finish its part
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        self.discard()
        self.wait(timeout)

    def wait(self, timeout: float) -> bool:
        """Wait until no indexing runs or is asked for; false if `timeout` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._running, timeout)

    def _work(self) -> None:
        _yield_to_the_server()
        with self._changed:
            self._thread = threading.get_native_id()
        while True:
            with self._changed:
                job, self._next = self._next, None
                if job is None:
                    self._running = False
                    self._thread = None
                    self._changed.notify_all()
                    return
            self._index(job)

    def _index(self, job: _Job) -> None:
        """One indexing: errors go to the terminal, since no build is there to fail."""
        try:
            indexed = index_site(job.site_dir, part_pages=job.part_pages,
                                 vet=lambda folder: self._vet(job, folder), guard=self.guard,
                                 placed=lambda: setattr(self, "in_place", job.removed),
                                 cancelled=self._next_part)
        except Exception as err:  # never end the thread in a traceback: a rebuild asks again
            if self._stopped:
                return  # its site was deleted under it: nobody will read this index
            if isinstance(err, SearchError):
                log.error("casebook: %s", err)
            else:
                log.error("casebook: the search index could not be built: %s", err)
        else:
            log.info("casebook: search index of %d case pages", indexed.pages)

    def _vet(self, job: _Job, folder: Path) -> bool:
        with self._changed:
            if job.serial <= self._discarded:
                return False
        leaks = scan(folder, job.removed, pace=self._pace)
        for leak in leaks:
            log.error("casebook: leak in the new search index: %s", leak)
        return not leaks

    def _next_part(self) -> bool:
        """Whether to stop before the next part, once no rebuild runs."""
        self._pace()
        return self._stopped

    def _pace(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: not self._held or self._stopped, HOLD_SECONDS)


def children(thread: int) -> list[int]:
    """The processes that one thread of this process started and that still run
    (Linux keeps them by thread; none elsewhere, or when it does not say)."""
    try:
        listed = Path(f"/proc/self/task/{thread}/children").read_text(encoding="ascii")
    except OSError:
        return []
    return [int(pid) for pid in listed.split()]


def _signal_children(thread: int | None, number: signal.Signals) -> None:
    if thread is None:
        return
    for pid in children(thread):
        with contextlib.suppress(OSError):  # ended since it was listed
            os.kill(pid, number)


def _yield_to_the_server() -> None:
    """Lower the CPU priority of this thread and of the indexer it starts.

    On a machine of two cores the indexer (a process of its own) and this thread
    would otherwise take the CPU from the next rebuild, which the reader waits
    for. Linux keeps a nice value per thread, and a child process inherits its
    thread's; elsewhere the value is the whole process's, so it stays as it is."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):  # not allowed: the indexing runs as it did
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + NICENESS)
