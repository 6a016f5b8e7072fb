"""What a watching server knows of the files it read: cases and templates.

`mkdocs serve` reads the same cases and templates before every rebuild. A
case file whose size, modification time and inode are as they were is not
read again, and its per-case rules do not run again on the same day; a
template folder is summed up by each file's time and size, so that a page
rendered from equal inputs under an equal fingerprint is known to be the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from stat import S_ISREG

from generator.checks.quality import quality_of
from generator.checks.rules import Context, check_case
from generator.config import Config
from generator.records.diagnostics import Diagnostic
from generator.records.loader import CaseFile, load_file

Fingerprint = tuple[tuple[str, int, int], ...]


class LoadCache:
    """Case files read before, and what their rules found, reused while unchanged.

    Records never change once read, so a reused record is the very object read
    before; `check` knows it by identity.
    """

    def __init__(self) -> None:
        self.entries: dict[Path, tuple[tuple[int, int, int], CaseFile]] = {}
        self.checked: dict[Path, tuple[CaseFile, dt.date, tuple[Diagnostic, ...]]] = {}
        self.quality: dict[Path, tuple[CaseFile, float, Sequence[Diagnostic]]] = {}

    def load(self, path: Path, config: Config) -> CaseFile:
        """The file's record, read again only when the file changed on disk."""
        try:
            stat = path.lstat()
        except OSError:
            return load_file(path, config)
        if not S_ISREG(stat.st_mode):  # not a plain file (a link, a folder): read again
            return load_file(path, config)  # the reader says what is wrong, every time
        key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        hit = self.entries.get(path)
        if hit is None or hit[0] != key:
            hit = (key, load_file(path, config))
            self.entries[path] = hit
        return hit[1]

    def check(self, record: CaseFile, ctx: Context) -> Sequence[Diagnostic]:
        """What the per-case rules find in `record`, or found in the same record on
        the same day (some rules compare dates with today)."""
        done = self.checked.get(record.path)
        if done is not None and done[0] is record and done[1] == ctx.today:
            return done[2]
        found = tuple(check_case(record, ctx))
        self.checked[record.path] = (record, ctx.today, found)
        return found

    def check_quality(self, record: CaseFile, config: Config) -> Sequence[Diagnostic]:
        """What the data-quality rules find in `record`, or found in the same record
        under the same tolerance (the one setting they read; they read no date)."""
        tolerance = config.settings.coordinates_tolerance_km
        done = self.quality.get(record.path)
        if done is not None and done[0] is record and done[1] == tolerance:
            return done[2]
        found = quality_of(record, config)
        self.quality[record.path] = (record, tolerance, found)
        return found


def fingerprint(folder: Path) -> Fingerprint:
    """Every file under `folder` with its modification time and size."""
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            stat = path.stat()
            found.append((path.relative_to(folder).as_posix(), stat.st_mtime_ns,
                          stat.st_size))
    return tuple(sorted(found))
