"""The validation pipeline, top-down: read every file, check each, check across, report.

Later stages (history, profiles, the site) start from the `Corpus` this returns.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.checks.rules import Context, check_case, check_corpus
from generator.config import Config
from generator.progress import progress
from generator.records.diagnostics import Diagnostic, Report
from generator.records.loader import CaseFile, LoadCache, case_files, load_files
from generator.records.schema import Case


@dataclass(frozen=True, slots=True)
class Corpus:
    """Every case file read, with every problem found in them."""

    files: tuple[CaseFile, ...]
    elsewhere: tuple[Diagnostic, ...] = ()
    """Problems about no file of the working tree (a case deleted since the base)."""

    @property
    def cases(self) -> list[Case]:
        """The records that the schema accepted, in file order."""
        return [f.case for f in self.files if f.case is not None]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for f in self.files for d in f.diagnostics] + list(self.elsewhere)

    def adding(self, problems: Iterable[Diagnostic]) -> Corpus:
        """This corpus with more problems, each given to the file it names."""
        by_rel = {f.rel: f for f in self.files}
        elsewhere = list(self.elsewhere)
        for problem in problems:
            record = by_rel.get(problem.path)
            if record is not None:
                record.diagnostics.append(problem)
            else:
                elsewhere.append(problem)
        return Corpus(self.files, tuple(elsewhere))

    def report(self, only: Iterable[Path] | None = None, config: Config | None = None) -> Report:
        """The report over every file, or only over the files in `only`."""
        files = self.files
        elsewhere: tuple[Diagnostic, ...] = self.elsewhere
        if only is not None and config is not None:
            wanted = {config.relative(p) for p in only}
            files = tuple(f for f in files if f.rel in wanted)
            elsewhere = tuple(d for d in elsewhere if d.path in wanted)
        return Report.of(len(files), [*(d for f in files for d in f.diagnostics), *elsewhere])


def load_corpus(config: Config, *, extra: Iterable[Path] = (),
                today: dt.date | None = None, show_progress: bool = False,
                cache: LoadCache | None = None) -> Corpus:
    """Read and check every case file (the cases folder plus `extra` paths); with a
    `cache`, files unchanged since it last read them are not read again."""
    # 1. Read every file on its own: bytes, front matter, schema.
    paths = case_files(config, extra)
    files = []
    with progress("Reading cases", len(paths), enabled=show_progress) as advance:
        for record in load_files(paths, config, cache):
            files.append(record)
            advance(1)

    # 2. Rules within each case that the schema accepted.
    context = Context(config, today or dt.date.today())
    for record in files:
        if cache is None:
            check_case(record, context)
        else:
            cache.check(record, context.today, functools.partial(check_case, record, context))

    # 3. Rules across cases, which need every file read first.
    check_corpus(files)
    return Corpus(tuple(files))
