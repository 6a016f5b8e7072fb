"""The garbage collector of a server that builds the same site again and again.

A live-preview rebuild makes and drops hundreds of thousands of objects, and the
collector's full passes over everything the server holds fell in the middle of
it: at 2,000 cases two or three a save, a fifth of a second each, in the time
the reader waits for the page. While a rebuild runs the collector is paused; it
runs once the server has been idle a moment, when nobody waits for it. What the
server keeps from its first build (the cases, their history, each page's parts)
is moved out of the collector's way for good (`settle`), so that those idle
passes stay short too.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("mkdocs.plugins.casebook")

IDLE_SECONDS = 1.0
"""How long after a rebuild the collector runs, if no other rebuild began."""

LONGEST_PAUSE = 30.0
"""Saves that never leave the server idle still let it collect this often: a rebuild
that begins later than this after the last collection collects first."""


class IdleCollection:
    """Pauses the collector while the server builds; collects once it is idle, after
    `work` (what else can wait until nobody waits for the server)."""

    def __init__(self, idle: float = IDLE_SECONDS, longest: float = LONGEST_PAUSE,
                 work: Callable[[], None] | None = None) -> None:
        self.idle = idle
        self.longest = longest
        self.work = work
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._collected = time.monotonic()
        self._paused = False
        self._enabled_before = gc.isenabled()

    def building(self) -> None:
        """A rebuild begins: no collection until it ends."""
        with self._lock:
            self._cancel()
            if not self._paused:
                self._enabled_before = gc.isenabled()
                self._paused = True
            overdue = time.monotonic() - self._collected > self.longest
        gc.disable()
        if overdue:
            self._collect()

    def built(self) -> None:
        """A rebuild ended (built, or failed): collect once idle for `idle` seconds."""
        with self._lock:
            self._cancel()
            timer = threading.Timer(self.idle, self._collect_and_resume)
            timer.daemon = True  # stopping the server never waits for a collection
            self._timer = timer
        timer.start()

    def stop(self) -> None:
        """The server stops: the collector runs as it did before."""
        with self._lock:
            self._cancel()
            self._resume()

    def _collect_and_resume(self) -> None:
        with self._lock:
            if self._timer is None or self._timer is not threading.current_thread():
                return  # a rebuild began meanwhile and cancelled this one
            self._timer = None
            if self.work is not None:
                try:
                    self.work()
                except Exception as err:  # a thread's traceback would help nobody
                    log.warning("casebook: what waited for the server to be idle failed: "
                                "%s: %s", type(err).__name__, err)
            self._collect()
            self._resume()

    def _collect(self) -> None:
        gc.collect()
        self._collected = time.monotonic()

    def _resume(self) -> None:
        if self._paused and self._enabled_before:
            gc.enable()
        self._paused = False

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def settle() -> None:
    """Keep what the server holds now out of every later collection.

    Called once, after the first generation and before mkdocs makes its pages
    (which refer to each other and must be collected when the next build
    replaces them): what the server keeps from then on is never read by the
    collector again. What that generation threw away is collected first."""
    gc.collect()
    gc.freeze()
