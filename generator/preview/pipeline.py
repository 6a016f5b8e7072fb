"""The generation steps of `mkdocs serve`: each reuses what is unchanged since the last.

`CachingPipeline` is `generate`'s `Steps` for a process that builds the same
site again and again. Saving one case reads that file again, runs its rules
again, renders again the pages and export parts whose inputs it changed, and
rewrites only the generated files whose bytes differ; the history is read
again only after a commit; the leak check reads only what the rebuild wrote.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING

from generator.checks.corpus import Corpus, load_corpus
from generator.config import Config
from generator.history.reader import History, head_commit, read_history
from generator.preview.cache import Fingerprint, LoadCache, fingerprint
from generator.preview.memo import Memo
from generator.preview.watch import Changed, Watch
from generator.publish.leakcheck import Leak
from generator.publish.profiles import Removed
from generator.publish.removedcache import RemovedCache
from generator.publish.site.exports import EXPORT_PART, EXPORTS_FOLDER, build_exports
from generator.publish.steps import OnDisk, Steps, Tree, same
from generator.records.schema import Case

if TYPE_CHECKING:
    from generator.publish.site.pages import Page


class CachingPipeline(Steps):
    """The steps of one server's generations, with what they made last time.

    One pipeline serves one casebook configuration: what was read under other
    settings may be read differently, so a server makes a new one when they change.
    """

    def __init__(self) -> None:
        self.files = LoadCache()
        self.memo = Memo()
        self.outputs = self.memo
        self.history: tuple[str | None, History] | None = None
        """The history read last, with the commit HEAD was at."""
        self.on_disk: OnDisk = {}
        """Each generated file as this process last wrote or read it: a file that still
        has that time and size holds those bytes, and need not be read again."""
        self.templates: dict[Path, Fingerprint] = {}
        self.watch = Watch()
        self.started = 0.0
        self.removed: tuple[str, RemovedCache] | None = None
        """The profile and removed values' cache of the last generation: the next one
        reads it from memory, not from its file."""
        self.unsaved = False
        """Whether that cache holds what its file does not: written once idle (`save`)."""
        self.profile = ""
        """The profile of the cache asked for last."""

    def begin(self) -> None:
        self.started = time.time()
        self.templates = {}  # a template saved since the last generation shows now
        self.memo.begin()

    def load_corpus(self, config: Config, today: dt.date, show_progress: bool) -> Corpus:
        return load_corpus(config, today=today, show_progress=show_progress,
                           load=self.files.load, check=self.files.check,
                           quality=self.files.check_quality)

    def read_history(self, config: Config) -> History:
        head = head_commit(config)
        if self.history is None or head is None or self.history[0] != head:
            self.history = (head, read_history(config))
        return self.history[1]

    def removed_cache(self, config: Config, profile: str) -> RemovedCache:
        last, self.profile = self.removed, profile
        if last is not None and last[0] == profile:
            return last[1].carried()
        self.save()
        self.removed = None
        return super().removed_cache(config, profile)

    def keep(self, cache: RemovedCache) -> None:
        # Writing the file (hundreds of KB at 2,000 cases, an automaton when made
        # afresh) would cost every save the reader waits for; it is for a later
        # process, and waits until the server is idle.
        last = self.removed[1] if self.removed is not None else None
        if last is not None and last.finder is not None and cache.finder is None:
            cache.finder = last.finder  # made by a generation whose cache is unwritten
        self.unsaved = self.unsaved or cache.changed() or cache.finder is not None
        self.removed = (self.profile, cache)

    def save(self) -> None:
        """Write the removed values' cache if its file is older than what it holds."""
        if self.removed is None or not self.unsaved:
            return
        cache = self.removed[1]
        cache.added = True  # the file is older than its entries, whatever this build learnt
        cache.save()
        self.unsaved = False

    def render_page(self, templates: Path, page: Page) -> bytes:
        now = self.templates.get(templates)
        if now is None:
            # The very tuple of the last generation when equal: every page compares it.
            now = self.templates[templates] = same(self.memo, ("templates", templates),
                                                   fingerprint(templates))
        render = functools.partial(super().render_page, templates, page)
        return self.memo.get(("page", page.path), (now, page), render)

    def end(self) -> None:
        self.memo.end()

    def tree(self, target: Path) -> Tree:
        return Tree(target, self.on_disk)

    def leaks(self, site_dir: Path, removed: Removed, profile: str,
              today: dt.date, indexed: Removed | None = None) -> list[Leak]:
        """The leak check of a dirty rebuild: the files written since this generation
        began, and of the exports the rows made since the last check that passed,
        unless the last check's values no longer cover this one's. `indexed`: the
        values the search index in the site was read clean of."""
        leaks = self.watch.scan(site_dir, removed, self.started,
                                functools.partial(self._new_rows, profile, today), indexed)
        if not leaks:
            self.memo.made.clear()
        return leaks

    def _new_rows(self, profile: str, today: dt.date) -> Changed:
        """Each export as generated, with the same export made of the cases whose
        part was made since the last check that passed (those still published)."""
        made = [self.memo.inputs(key) for key in self.memo.made
                if isinstance(key, tuple) and key[:1] == (EXPORT_PART,) and key in self.memo]
        cases = [inputs[0] for inputs in made
                 if isinstance(inputs, tuple) and isinstance(inputs[0], Case)]
        # Through the memo, which holds every part asked for here (made or kept by
        # the generation that just ended) and the schema.
        rows = build_exports(cases, profile=profile, generated=today, outputs=self.memo)
        return {rel: (self.on_disk[rel][0], rows[name]) for name in rows
                if (rel := f"{EXPORTS_FOLDER}{name}") in self.on_disk}
