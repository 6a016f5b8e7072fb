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
    longer made), so the memo holds one build's worth of outputs, never more. An
    output reused keeps the outputs asked for while it was made (a table's rows):
    the build needed them, through it.
    """

    def __init__(self) -> None:
        self._store: dict[Hashable, tuple[Any, Any]] = {}
        self._used: set[Hashable] = set()
        self._parts: dict[Hashable, frozenset[Hashable]] = {}
        """The keys asked for while each output was made, and theirs in turn: kept
        while it is kept, so that when it changes, only its parts that changed are
        made again. Gathered when it is made, so that keeping them is one update (a
        table kept whole holds every row of its pages)."""
        self._making: list[list[Hashable]] = []
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
        if self._making:
            self._making[-1].append(key)
        self._used.add(key)
        found = self._store.get(key)
        if found is not None and found[0] == inputs:
            self.hits += 1
            self._keep_parts(key)
            value: T = found[1]
            return value
        self.misses += 1
        self._making.append([])
        try:
            made = make()
        finally:
            parts = self._making.pop()
        self._store[key] = (inputs, made)
        below = self._parts
        self._parts[key] = frozenset(parts).union(*(below.get(part, ()) for part in parts))
        self.made.add(key)
        return made

    def _keep_parts(self, key: Hashable) -> None:
        parts = self._parts.get(key)
        if parts:
            self._used.update(parts)

    def inputs(self, key: Hashable) -> object:
        """What the output held for `key` was made from (KeyError when none is held)."""
        return self._store[key][0]

    def end(self) -> None:
        for key in self._store.keys() - self._used:
            del self._store[key]
            self._parts.pop(key, None)

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._store
