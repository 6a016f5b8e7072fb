"""Steps of a build run in child processes, so that their memory ends with them.

Python keeps what a process freed for its own later use: after generating
10,000 cases the process stays at the size of its largest step. `casebook build`
therefore generates the pages in a child, then runs mkdocs in another; only what
the search index and the leak check need comes back to the parent, which stays
small while the search indexer (a process of its own) runs. While mkdocs builds
in its child, the parent lists what the leak check looks for (`beside`).

A child is started fresh ('spawn', never 'fork'): it shares nothing with the
parent but what is passed to it and returned from it, both pickled.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Generic, ParamSpec, TypeVar

from mkdocs.exceptions import BuildError as MkDocsBuildError

P = ParamSpec("P")
T = TypeVar("T")


def in_child(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)`, called in a new process that ends when it returns.

    What it raises is raised here (exceptions cross as pickles: each must be
    rebuilt from what it pickles). The child's output goes where this process's does."""
    with beside(function, *args, **kwargs) as running:
        return running.result()


class Running(Generic[T]):
    """A step running in a child process (`beside`)."""

    def __init__(self, future: Future[T], name: str) -> None:
        self.future = future
        self.name = name

    def result(self) -> T:
        """What the step returned, once it has (what it raised is raised here)."""
        try:
            return self.future.result()
        except BrokenProcessPool:
            raise ChildError(f"the process that ran {self.name} ended without an answer "
                             "(killed by the system, perhaps for want of memory)") from None


@contextlib.contextmanager
def beside(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
           ) -> Iterator[Running[T]]:
    """`function(*args, **kwargs)` started in a new process while this one goes on;
    leaving the block waits for the child to end (as `in_child`, whose answer is
    `Running.result`)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        yield Running(pool.submit(function, *args, **kwargs), function.__name__)


class ChildError(MkDocsBuildError):
    """A child process ended before it answered: the build fails with this message."""
