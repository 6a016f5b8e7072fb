"""One step of a build run in a child process, so that its memory ends with it.

Python keeps what a process freed for its own later use: after generating
10,000 cases the process stays at the size of its largest step. `casebook build`
therefore generates the pages in a child, then runs mkdocs in another; only what
the search index and the leak check need comes back to the parent, which stays
small while the search indexer (a process of its own) runs.

The child is started fresh ('spawn', never 'fork'): it shares nothing with the
parent but what is passed to it and returned from it, both pickled.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import ParamSpec, TypeVar

from mkdocs.exceptions import BuildError as MkDocsBuildError

P = ParamSpec("P")
T = TypeVar("T")


def in_child(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)`, called in a new process that ends when it returns.

    What it raises is raised here (exceptions cross as pickles: each must be
    rebuilt from what it pickles). The child's output goes where this process's does."""
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            return pool.submit(function, *args, **kwargs).result()
    except BrokenProcessPool:
        raise ChildError(f"the process that ran {function.__name__} ended without an "
                         "answer (killed by the system, perhaps for want of memory)"
                         ) from None


class ChildError(MkDocsBuildError):
    """A child process ended before it answered: the build fails with this message."""
