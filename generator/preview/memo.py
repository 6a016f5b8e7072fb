"""What one build made from each input, for the next build of the same process.

`mkdocs serve` rebuilds the site after every save. Saving one case changes the
inputs of a handful of pages (the case's own page, the listings it appears on,
the dashboard) and leaves the inputs of every other page as they were; a memo
hands those their last output again instead of rendering them anew. Inputs are
compared by value (`==`, never identity or a hash of their text), so an output
is reused only when everything it was made from is equal: a page context is a
tree of frozen dataclasses, case records are pydantic models.

A build that is made once (`casebook build`) has no memo: its plain steps
make every output (`generator.publish.steps.Fresh`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class Memo:
    """Outputs by key, each with the inputs it was made from.

    Between `begin()` and `end()` a build asks for every output it needs; `end()`
    forgets the keys the build did not ask for (a deleted case, a page that is no
    longer made), so the memo holds one build's worth of outputs, never more.
    """

    def __init__(self) -> None:
        self._store: dict[Hashable, tuple[Any, Any]] = {}
        self._used: set[Hashable] = set()
        self.made: set[Hashable] = set()
        """Keys made since the owner last cleared it, over every build (a build that
        failed half-way too), for what must be checked again because it is new."""
        self.hits = 0
        self.misses = 0

    def begin(self) -> None:
        self._used = set()
        self.hits = self.misses = 0

    def get(self, key: Hashable, inputs: object, make: Callable[[], T]) -> T:
        """The output made last time for `key` when its inputs equal `inputs`; otherwise
        `make()`, remembered with them."""
        self._used.add(key)
        found = self._store.get(key)
        if found is not None and found[0] == inputs:
            self.hits += 1
            value: T = found[1]
            return value
        self.misses += 1
        made = make()
        self._store[key] = (inputs, made)
        self.made.add(key)
        return made

    def inputs(self, key: Hashable) -> object:
        """What the output held for `key` was made from (KeyError when none is held)."""
        return self._store[key][0]

    def end(self) -> None:
        for key in self._store.keys() - self._used:
            del self._store[key]

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._store
