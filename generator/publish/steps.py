"""The expensive steps of one generation, each done from nothing.

`generate` (in `generator.publish.build`) reads top-down and hands the steps
that cost to a `Steps`: reading and checking the cases, reading the history,
rendering one page, and writing the tree; the smaller outputs made once per
case (its listing rows, its page's context, its part of the exports) are
asked of `Steps.outputs`. A build made once uses these plain steps. A process
that generates the same site again and again (the live preview, in
`generator.preview`) passes a subclass that reuses what is unchanged since its
last generation, so that nothing here knows about caches.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from generator.checks.corpus import Corpus, load_corpus
from generator.config import Config
from generator.history.reader import History, read_history
from generator.publish.removedcache import RemovedCache

if TYPE_CHECKING:
    from generator.publish.site.pages import Page

T = TypeVar("T")

KEEP = frozenset({".gitkeep"})
"""Files in the generated folder that the generator never removes."""

OnDisk = dict[str, tuple[bytes, tuple[int, int]]]
"""Each generated file as a process last wrote or read it, with its modification
time and size then."""


class Outputs(Protocol):
    """Where an output made from some inputs is asked for before it is made."""

    def get(self, key: Hashable, inputs: object, make: Callable[[], T]) -> T:
        """The output for `key` made from `inputs`: `make()`, or one equal to it."""
        ...


def same(outputs: Outputs, key: Hashable, value: T) -> T:
    """`value`, or the equal one this key was given last time: passed on as the input
    of many outputs, one that is the very object of the last generation is told equal
    at once (an equal container holds it), where comparing each would cost."""
    return outputs.get(key, (value,), lambda: value)


class Fresh:
    """Outputs made every time they are asked for: a build made once reuses nothing."""

    def get(self, key: Hashable, inputs: object, make: Callable[[], T]) -> T:
        return make()


@dataclass(slots=True)
class Written:
    """What writing the tree did."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


class Steps:
    """The plain steps: each reads, renders or writes what it is asked to."""

    outputs: Outputs = Fresh()
    """Asked for each case's listing rows, page context and export part."""

    def load_corpus(self, config: Config, today: dt.date, show_progress: bool) -> Corpus:
        return load_corpus(config, today=today, show_progress=show_progress)

    def read_history(self, config: Config) -> History:
        return read_history(config)

    def begin(self) -> None:
        """A generation starts."""

    def removed_cache(self, config: Config, profile: str) -> RemovedCache:
        """What earlier builds of `profile` read of the cases' text, for listing the
        values it removes."""
        return RemovedCache.open(config, profile)

    def keep(self, cache: RemovedCache) -> None:
        """The generation is done with `cache`: kept for the next build."""
        cache.save()

    def render_page(self, templates: Path, page: Page) -> bytes:
        from generator.publish.site.render import environment, render_page

        return render_page(environment(templates), page)

    def end(self) -> None:
        """A generation has asked for every output it needs."""

    def tree(self, target: Path) -> Tree:
        """Where the generation's files are put, each as it is made."""
        return Tree(target)


class Tree:
    """Makes a folder hold exactly the files put into it, each written as it is put
    (so that a generation never holds every page it rendered at once) and only when
    its content differs from what the file holds; `finish` removes the rest.

    `on_disk` spares reading a file whose modification time and size are those it
    had when this process last wrote or read the same bytes; it is kept up to date.
    Without it (a build made once) nothing put is kept: every page's bytes held to
    the end would be a quarter of the generation's memory at 10,000 cases."""

    def __init__(self, target: Path, on_disk: OnDisk | None = None) -> None:
        target.mkdir(parents=True, exist_ok=True)
        self.target = target
        self.root = str(target)
        self.known = on_disk
        self.put_paths: set[str] = set()
        self.written: set[str] = set()
        self.unchanged = 0

    def put(self, rel_path: str, content: bytes) -> None:
        self.put_paths.add(rel_path)
        # Plain strings: a watching server puts every one of thousands of files at
        # each rebuild, nearly all unchanged, and pathlib's objects cost more than the
        # look at the file itself.
        path = os.path.join(self.root, rel_path)  # noqa: PTH118 - see above
        known = self.known
        try:
            stat = os.stat(path)  # noqa: PTH116 - see above
            now = (stat.st_mtime_ns, stat.st_size)
            last = known.get(rel_path) if known is not None else None
            if (last is not None and last[1] == now and last[0] == content) or (
                    _read(path) == content):
                if known is not None:
                    known[rel_path] = (content, now)
                self.unchanged += 1
                return
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            pass
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(content)
        stat = temporary.stat()
        temporary.replace(target)
        if known is not None:
            known[rel_path] = (content, (stat.st_mtime_ns, stat.st_size))
        self.written.add(rel_path)

    def finish(self) -> Written:
        """Remove every file not put (but `KEEP`), and every folder left empty."""
        wanted = self.put_paths
        if self.known is not None:
            for gone in self.known.keys() - wanted:
                del self.known[gone]
        removed: list[str] = []
        _sweep(self.root, "", wanted, removed)
        return Written(written=sorted(self.written), unchanged=self.unchanged,
                       removed=sorted(removed, reverse=True))


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:  # noqa: PTH123 - a string path (Tree.put)
        return handle.read()


def _sweep(folder: str, prefix: str, wanted: set[str], removed: list[str]) -> bool:
    """Remove from `folder` (at `prefix` in the tree) every file not `wanted` (but
    `KEEP`) and every folder left empty, listing each file removed in `removed`;
    whether `folder` is empty now. Links are removed or kept as files, never followed."""
    with os.scandir(folder) as listing:
        entries = list(listing)
    empty = True
    for entry in entries:
        rel_path = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            if _sweep(entry.path, f"{rel_path}/", wanted, removed):
                Path(entry.path).rmdir()
            else:
                empty = False
        elif rel_path not in wanted and entry.name not in KEEP:
            Path(entry.path).unlink()
            removed.append(rel_path)
        else:
            empty = False
    return empty
