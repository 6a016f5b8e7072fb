"""The thin mkdocs plugin: generate the site's pages before each build, watch the cases.

Configured in mkdocs.yml as `plugins: - casebook: {...}`; its options are the
casebook settings (see `generator.config.Settings`), validated by casebook
itself so that the command line and the site read them the same way.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import LegacyConfig
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from generator.checks.corpus import load_corpus
from generator.config import Config, ConfigError, Settings, load_config
from generator.history.reader import History, head_commit, read_history
from generator.preview.memo import Memo
from generator.publish.build import BuildError, Generated, build_date, generate, profile_named
from generator.publish.leakcheck import Watch, scan
from generator.publish.site.render import fingerprint
from generator.records.diagnostics import format_text
from generator.records.loader import LoadCache

log = logging.getLogger("mkdocs.plugins.casebook")


class CasebookPlugin(BasePlugin[LegacyConfig]):  # type: ignore[no-untyped-call]
    config_scheme = tuple((name, c.Optional(c.Type(object))) for name in Settings.model_fields)

    def __init__(self) -> None:
        self.casebook: Config | None = None
        self.pregenerated: Generated | None = None
        self.generated: Generated | None = None
        # Kept across the rebuilds of one `mkdocs serve` (on_startup makes mkdocs
        # keep this instance), so that saving one case reads one file again, and
        # the history again only after a commit.
        self.dirty = False
        self.files = LoadCache()
        self.history: tuple[str | None, History] | None = None
        self.memo = Memo()
        self.started = 0.0
        self.watch = Watch()
        self.frame: tuple[object, ...] | None = None
        self.pages: set[str] = set()
        self.rebuilt: set[str] = set()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.dirty = dirty
        if dirty:
            # mkdocs warns on every dirty build that navigation may be inaccurate,
            # and strict mode turns the warning into a failed build. Casebook's
            # navigation lists fixed index pages only, so the warning never applies.
            logging.getLogger("mkdocs.commands.build").addFilter(_not_the_dirty_warning)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            casebook = load_config(Path(config.config_file_path))
        except ConfigError as err:
            raise PluginError(str(err)) from None
        if casebook != self.casebook:
            # What was read under other settings may be read differently now.
            self.files = LoadCache()
            self.history = None
            self.memo = Memo()
        self.casebook = casebook
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        if self.pregenerated is not None:
            # `casebook build` generated the pages already, from the same corpus, and
            # runs the leak check itself.
            _state_profile(config, self.pregenerated)
            self.pregenerated = None
            self.generated = None
            return
        assert self.casebook is not None
        self.started = time.time()
        try:
            today = build_date()
            corpus = load_corpus(self.casebook, today=today, cache=self.files)
            result = generate(self.casebook, corpus=corpus, today=today,
                              history=self._history(self.casebook), memo=self.memo,
                              profile=profile_named(self.casebook, None))
        except BuildError as err:
            for d in err.report.diagnostics:
                log.error(format_text(d))
            raise PluginError(f"casebook: {err}; nothing was published") from None
        except KeyError as err:
            raise PluginError(f"casebook: {err.args[0]}") from None
        self.generated = result
        if self.dirty:
            _remove_built(config, result.removed_files)
            frame = (_frame(config), today)
            if self.frame is not None and frame != self.frame:
                # The frame of every page changed (the theme override, mkdocs.yml, the
                # date in the banner), not any page's Markdown: a dirty build would
                # render only pages whose Markdown changed, so every page must go.
                log.info("casebook: the theme or the settings changed; rendering every page")
                _empty(Path(config.site_dir))
            self.frame = frame
        _state_profile(config, result)
        log.info("casebook: %d cases published (%s profile), %d files written, %d removed",
                 result.published, result.profile.name, len(result.written),
                 len(result.removed_files))

    def _history(self, casebook: Config) -> History:
        head = head_commit(casebook)
        if self.history is None or head is None or self.history[0] != head:
            self.history = (head, read_history(casebook))
        return self.history[1]

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        self.pages = {f.url for f in files.documentation_pages()}
        self.rebuilt = set()
        return files

    def on_page_context(self, context: Any, /, *, page: Page, config: MkDocsConfig,
                        nav: Any) -> Any:
        self.rebuilt.add(page.url)
        return context

    @event_priority(50)  # before the search plugin writes its index
    def _keep_search_entries(self, config: MkDocsConfig) -> None:
        """Keep the search entries of the pages a dirty rebuild did not render.

        Under `--dirty` mkdocs renders only the pages whose Markdown changed, so the
        search plugin sees only those. Material keeps the previous index and swaps
        in the entries of one page; one saved case changes several pages (the case
        and the indexes it is listed on), so casebook does the merge for all of
        them: every page rendered now replaces its old entries, every page that
        is gone loses them.
        """
        search = config.plugins.get("material/search") or config.plugins.get("search")
        index = getattr(search, "search_index", None)
        previous = getattr(search, "search_index_prev", None)
        if not self.dirty or index is None or previous is None:
            return
        kept = [entry for entry in previous.entries
                if (page := str(entry["location"]).partition("#")[0]) in self.pages
                and page not in self.rebuilt]
        index.entries = kept + index.entries
        search.search_index_prev = None  # type: ignore[union-attr]

    @event_priority(-50)  # after every other plugin has written its files
    def _check_for_leaks(self, config: MkDocsConfig) -> None:
        if self.generated is None:
            return
        removed = self.generated.removed
        site_dir = Path(config.site_dir)
        # A dirty rebuild rewrites only what changed, and the watch reads only that.
        leaks = (self.watch.scan(site_dir, removed, self.started) if self.dirty
                 else scan(site_dir, removed))
        if leaks:
            # mkdocs has written the pages already; a site that leaks must not stay
            # on disk to be published by the next step of a pipeline.
            shutil.rmtree(config.site_dir, ignore_errors=True)
            for leak in leaks:
                log.error("casebook: leak: %s", leak)
            raise PluginError(f"casebook: the built site contains {len(leaks)} value(s) that "
                              f"the {self.generated.profile.name} profile removed; "
                              "the site was deleted")

    on_post_build = CombinedEvent(_keep_search_entries, _check_for_leaks)

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig,
                 builder: Any) -> LiveReloadServer:
        assert self.casebook is not None
        if Path(config.docs_dir).resolve() == self.casebook.generated_dir.resolve():
            # The generator writes the docs folder before each build; watching it
            # would make every save rebuild the site twice.
            server.unwatch(config.docs_dir)
        server.watch(str(self.casebook.cases_dir))
        server.watch(str(self.casebook.root / "templates"))
        return server


def _frame(config: MkDocsConfig) -> tuple[object, ...]:
    """What every built page is framed by, beyond its own Markdown: the settings file
    and the theme's override folder, each file with its time and size."""
    settings = Path(config.config_file_path).read_bytes() if config.config_file_path else b""
    custom = config.theme.custom_dir
    return (settings, fingerprint(Path(custom)) if custom else ())


def _empty(folder: Path) -> None:
    """Delete what is in `folder`, keeping the folder (the server serves from it)."""
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _remove_built(config: MkDocsConfig, sources: list[str]) -> None:
    """Delete the built pages of generated pages that are gone (a deleted case).

    A full build starts from an empty site; a dirty one keeps what is there, and
    a case deleted from the corpus must not stay browsable in the preview.
    """
    site = Path(config.site_dir).resolve()
    for rel in sources:
        built = File(rel, config.docs_dir, config.site_dir, config.use_directory_urls)
        dest = Path(built.abs_dest_path).resolve()
        dest.unlink(missing_ok=True)
        # With directory URLs a page is a folder of its own (case/CH-1/index.html):
        # the folders it leaves empty go too, up to the site's.
        folder = dest.parent
        while folder != site and site in folder.parents:
            try:
                folder.rmdir()
            except OSError:  # not empty, or already gone
                break
            folder = folder.parent


def _not_the_dirty_warning(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("A 'dirty' build is being performed")


def _state_profile(config: MkDocsConfig, result: Generated) -> None:
    """Tell the theme which profile this build is, for the banner on every page."""
    chosen = result.profile
    config.extra["casebook_profile"] = chosen.name
    config.extra["casebook_banner"] = (
        f"{chosen.name.capitalize()} build: cases up to TLP:{chosen.max_sensitivity.value}, "
        f"generated {result.today.isoformat()}. RED cases are never published.")
