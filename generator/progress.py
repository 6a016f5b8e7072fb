"""Progress for long commands: a bar with counts and elapsed time on a terminal only."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[int], None]


def wanted(quiet: bool) -> bool:
    """A bar only when a person is watching: stderr is a terminal and not --quiet."""
    return not quiet and sys.stderr.isatty()


@contextmanager
def progress(label: str, total: int, *, enabled: bool) -> Iterator[Advance]:
    """Yield a function that advances the bar by n steps (a no-op when not enabled)."""
    if not enabled or total <= 0:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
