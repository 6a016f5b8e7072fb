"""The leak check of a server that builds the same site again and again."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from generator.publish.leakcheck import Finder, Leak, scan_file, scan_with, still_clean
from generator.publish.profiles import Removed
from generator.publish.search import SCRATCH_FOLDERS, SEARCH_FOLDER

Changed = dict[str, tuple[bytes, bytes]]
"""Each export by its place in the site: its whole content as generated, and the same
file made of the rows made anew since the last check that passed."""


class Watch:
    """The leak check of a server that builds the same site again and again.

    `mkdocs serve --dirty` rewrites only the pages a save changed. When the last
    check passed and this build looks for no value it did not (`still_clean`),
    only the files written since `started` are read, and of an export that is in
    the site as generated, only its rows made anew: every other row was in a file
    that passed. The automaton is built again only when the values change.
    """

    def __init__(self) -> None:
        self.passed: Removed | None = None
        self.finder: Finder | None = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None

    def scan(self, site_dir: Path, removed: Removed, started: float,
             exports: Callable[[], Changed] | None = None,
             indexed: Removed | None = None) -> list[Leak]:
        """The leaks in what this build wrote (in everything, when the last check's
        values do not cover this one's); `exports` is asked only when they do.
        `indexed`: the values the search index in the site was read clean of before
        it took its place; when they cover this check's, it is not read again (it
        may have been put there a moment before this build began)."""
        if not removed.values:
            self.passed = None
            return []
        carried = self.passed is not None and still_clean(self.passed, removed)
        if self.finder is None or not _same(self.finder.removed, removed):
            self.finder = Finder(removed)
        rows = _in_site(site_dir, exports()) if carried and exports else {}
        # The second of margin covers file systems whose clock for modification
        # times runs a little behind the process's.
        # The background indexer's folders are read by it before they enter the site.
        vetted = (f"{SEARCH_FOLDER}/",) if carried and indexed is not None and still_clean(
            indexed, removed) else ()
        leaks = scan_with(site_dir, self.finder, started - 1.0 if carried else None,
                          skip=(*SCRATCH_FOLDERS, *vetted, *rows))
        leaks += self._scan_rows(site_dir, rows)
        self.passed = removed if not leaks else None
        return leaks

    def _scan_rows(self, site_dir: Path, rows: dict[str, bytes]) -> list[Leak]:
        """The leaks in the new rows of each export; where there is one, the export is
        read whole, so that each leak is placed where the site holds it."""
        assert self.finder is not None
        if rows and self._scratch is None:
            # One folder for the server's life: making and deleting one per rebuild
            # costs more than reading the rows.
            self._scratch = tempfile.TemporaryDirectory(prefix="casebook-rows-")
        leaks: list[Leak] = []
        for rel, content in rows.items():
            assert self._scratch is not None
            part = Path(self._scratch.name) / Path(rel).name
            part.write_bytes(content)
            if scan_file(part, rel, self.finder):
                leaks += scan_file(site_dir / rel, rel, self.finder)
        return leaks


def _in_site(site_dir: Path, exports: Changed) -> dict[str, bytes]:
    """The new rows of each export whose file in the site holds what was generated."""
    found = {}
    for rel, (whole, rows) in exports.items():
        path = site_dir / rel
        try:
            # The walk skips by the start of a name: nothing else may start with it.
            alike = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
            if alike == [path] and path.read_bytes() == whole:
                found[rel] = rows
        except OSError:
            continue  # not in the site as generated: the walk reads what is there
    return found




def _same(before: Removed, after: Removed) -> bool:
    return (before.settings == after.settings and before.values == after.values
            and before.unprovable == after.unprovable)
