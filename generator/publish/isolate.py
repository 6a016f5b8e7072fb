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
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def in_child(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)`, called in a new process that ends when it returns.

    What it raises is raised here (exceptions cross as pickles: each must be
    rebuilt from what it pickles). The child's output goes where this process's does."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args, **kwargs).result()
