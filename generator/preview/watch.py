"""The leak check of a server that builds the same site again and again."""

from __future__ import annotations

from pathlib import Path

from generator.publish.leakcheck import Finder, Leak, scan_with, still_clean
from generator.publish.profiles import Removed
from generator.publish.search import SCRATCH_FOLDERS


class Watch:
    """The leak check of a server that builds the same site again and again.

    `mkdocs serve --dirty` rewrites only the pages a save changed. When the last
    check passed and this build looks for no value it did not (`still_clean`),
    only the files written since `started` are read. The automaton is built
    again only when the values change.
    """

    def __init__(self) -> None:
        self.passed: Removed | None = None
        self.finder: Finder | None = None

    def scan(self, site_dir: Path, removed: Removed, started: float) -> list[Leak]:
        if not removed.values:
            self.passed = None
            return []
        carried = self.passed is not None and still_clean(self.passed, removed)
        if self.finder is None or not _same(self.finder.removed, removed):
            self.finder = Finder(removed)
        # The second of margin covers file systems whose clock for modification
        # times runs a little behind the process's.
        # The background indexer's folders are read by it before they enter the site.
        leaks = scan_with(site_dir, self.finder, started - 1.0 if carried else None,
                          skip=SCRATCH_FOLDERS)
        self.passed = removed if not leaks else None
        return leaks


def _same(before: Removed, after: Removed) -> bool:
    return (before.settings == after.settings and before.values == after.values
            and before.unprovable == after.unprovable)
