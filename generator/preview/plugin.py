"""The mkdocs plugin: adapts mkdocs events to `generate`, run with caching steps.

Configured in mkdocs.yml as `plugins: - casebook: {...}`; its options are the
casebook settings (see `generator.config.Settings`), validated by casebook
itself so that the command line and the site read them the same way, plus
`generate` (`generator.publish.build.PLUGIN_GENERATES`), which `casebook
build` sets to false on the configuration it loads because it has generated
the pages itself; it is not meant for mkdocs.yml.

Under `mkdocs serve` (and only there) the plugin generates in drafts mode: a
case with errors never stops the server; its page shows its problems, every
page the server answers with links to the list of them (`generator.preview.banner`),
and the terminal shows them too. `mkdocs build`
and `casebook build` still refuse to publish while a case has errors.

Under `mkdocs serve` the search index is rebuilt in the background once a
rebuild has passed its leak check (`generator.preview.indexing`): the page shows
a save at once, and the preview's search may lag it by the indexing time (about
12 s at 2,000 cases). `mkdocs build` and `casebook build` index before the leak check.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import jinja2
from mkdocs.config import config_options as c
from mkdocs.config.base import LegacyConfig
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files, InclusionLevel
from mkdocs.structure.pages import Page

from generator.config import Config, ConfigError, Settings, load_config
from generator.preview.banner import ProblemsBanner
from generator.preview.collector import IdleCollection, settle
from generator.preview.compiled import CompiledTemplates
from generator.preview.dirty import DirtyBuilds, not_the_dirty_warning
from generator.preview.indexing import BackgroundIndex
from generator.preview.notify import notified
from generator.preview.pipeline import CachingPipeline
from generator.preview.tables import put_back, set_aside
from generator.preview.themefiles import ThemeListing
from generator.publish.build import (
    PLUGIN_GENERATES,
    BuildError,
    Generated,
    build_date,
    generate,
    theme_extra,
)
from generator.publish.leakcheck import scan
from generator.publish.search import SCRATCH_FOLDERS, SearchError, index_site
from generator.publish.site.pages import PROBLEMS_PATH
from generator.records.diagnostics import format_text

log = logging.getLogger("mkdocs.plugins.casebook")
PROBLEMS_FOLDER = PROBLEMS_PATH.partition("/")[0] + "/"


class CasebookPlugin(BasePlugin[LegacyConfig]):  # type: ignore[no-untyped-call]
    config_scheme = (*((name, c.Optional(c.Type(object))) for name in Settings.model_fields),
                     (PLUGIN_GENERATES, c.Type(bool, default=True)))

    def __init__(self) -> None:
        self.casebook: Config | None = None
        # Kept across the rebuilds of one `mkdocs serve` (on_startup makes mkdocs
        # keep this instance), so that a rebuild redoes only what a save changed.
        self.steps = CachingPipeline()
        self.dirty: DirtyBuilds | None = None
        self.generated: Generated | None = None
        self.serving = False
        """Under `mkdocs serve`: generate in drafts mode and index in the background."""
        self.search = BackgroundIndex()
        self.compiled = CompiledTemplates()
        self.set_aside: dict[str, tuple[str, list[str]]] = {}
        """Each page being converted: its Markdown, and the table blocks set aside."""
        self.settled = False
        """Whether what the first generation keeps is out of the collector's way."""
        self.collection = IdleCollection(work=lambda: self.steps.save())
        self.theme_files = ThemeListing()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        # `mkdocs serve --clean` starts as "build": it is meant to behave as one.
        self.serving = command == "serve"
        if dirty:
            self.dirty = DirtyBuilds()
            logging.getLogger("mkdocs.commands.build").addFilter(not_the_dirty_warning)

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if self.serving:
            self.collection.building()
            self.search.hold()
            self.theme_files.use(config.theme)
        try:
            casebook = load_config(Path(config.config_file_path))
        except ConfigError as err:
            raise PluginError(str(err)) from None
        if casebook != self.casebook:
            self.steps.save()
            self.steps = CachingPipeline()  # what was read under other settings is stale
        self.casebook = casebook
        return config

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self.generated = None
        if not self.config[PLUGIN_GENERATES]:
            return  # `casebook build` generated the pages and runs the leak check
        assert self.casebook is not None
        try:
            result = generate(self.casebook, today=build_date(), steps=self.steps,
                              drafts=self.serving)
        except BuildError as err:
            for d in err.report.diagnostics:
                log.error(format_text(d))
            raise PluginError(f"casebook: {err}; nothing was published") from None
        except KeyError as err:
            raise PluginError(f"casebook: {err.args[0]}") from None
        self.generated = result
        if self.serving and not self.settled:
            settle()
            self.settled = True
        if self.dirty is not None:
            self.dirty.generated(config, result.removed_files, result.today)
        config.extra.update(theme_extra(result))
        _log_problems(result)
        log.info("casebook: %d cases published (%s profile), %d files written, %d removed",
                 result.published, result.profile.name, len(result.written),
                 len(result.removed_files))

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        for file in files:
            if file.src_uri.startswith(PROBLEMS_FOLDER):
                # Reached from the banner; outside the navigation, like the cases.
                file.inclusion = InclusionLevel.NOT_IN_NAV
        if self.dirty is not None:
            self.dirty.files(files)
        return files

    @event_priority(-100)  # last: every other plugin reads the tables as they are
    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        text, blocks = set_aside(markdown)
        if blocks:
            self.set_aside[page.file.src_uri] = (markdown, blocks)
        return text

    @event_priority(100)  # first: before any other plugin reads the page's HTML
    def _put_tables_back(self, html: str, /, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        kept = self.set_aside.pop(page.file.src_uri, None)
        if kept is None:
            return html
        page.markdown = kept[0]  # what later readers of the page expect
        restored = put_back(html, kept[1])
        if restored is None:  # never seen; converting the page as it is stays right
            page.render(config, files)
            restored = page.content or ""
        return restored

    def on_page_context(self, context: Any, /, *, page: Page, config: MkDocsConfig,
                        nav: Any) -> Any:
        if self.dirty is not None:
            self.dirty.rebuilt.add(page.url)
        return context

    @event_priority(-100)  # last: every plugin has read the page's Markdown
    def _let_markdown_go(self, html: str, /, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str:
        if not self.config[PLUGIN_GENERATES]:
            # Under `casebook build` mkdocs holds every page until its build ends: the
            # Markdown (11 KB a page) is not read again once it is HTML. Empty, never
            # None: a page whose Markdown is None has no title.
            page.markdown = ""
        return html

    on_page_content = CombinedEvent(_put_tables_back, _let_markdown_go)

    @event_priority(-100)  # last: every plugin has read the page's HTML
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        if not self.config[PLUGIN_GENERATES]:
            # The page is rendered; no other page's template reads its content, and the
            # sitemap was written before the pages.
            page.content = None
        return output

    @event_priority(-100)  # last: the settings compared are those the templates compile with
    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig,
               files: Files) -> jinja2.Environment:
        if self.serving:
            settings = (tuple(config.theme.dirs), str(config.theme.locale),
                        tuple(sorted(env.extensions)), repr(env.autoescape))
            self.compiled.use(env, settings)
        return env

    @event_priority(-40)  # after the other plugins' files, before the leak check
    def _index_search(self, config: MkDocsConfig) -> None:
        if self.generated is None or self.serving:
            return  # `casebook build` indexes the site itself; a server, after the leak check
        # Every build indexes every case page again, dirty ones too: an index kept
        # from an earlier build would still find a deleted case, or the text of a
        # case the profile no longer publishes.
        site_dir = Path(config.site_dir)
        try:
            indexed = index_site(site_dir, part_pages=self._part_pages())
        except SearchError as err:
            raise PluginError(f"casebook: {err}") from None
        log.info("casebook: search index of %d case pages", indexed.pages)

    @event_priority(-50)  # after every other plugin has written its files
    def _check_for_leaks(self, config: MkDocsConfig) -> None:
        if self.generated is None:
            return
        removed = self.generated.removed
        assert removed is not None  # the plugin's generation lists what it removed
        site_dir = Path(config.site_dir)
        # A dirty rebuild rewrites only what changed, and the pipeline reads only that.
        # The indexing of an earlier rebuild may be swapping its folders meanwhile.
        with self.search.guard:
            leaks = (self.steps.leaks(site_dir, removed, self.generated.profile.name,
                                      self.generated.today, self.search.in_place)
                     if self.dirty is not None
                     else scan(site_dir, removed, SCRATCH_FOLDERS if self.serving else ()))
        if leaks:
            # mkdocs has written the pages already; a site that leaks must not stay
            # on disk to be published by the next step of a pipeline. An index under
            # way may have read those pages: it must not put itself back in the site.
            self.search.discard()
            with self.search.guard:
                shutil.rmtree(config.site_dir, ignore_errors=True)
            for leak in leaks:
                log.error("casebook: leak: %s", leak)
            raise PluginError(f"casebook: the built site contains {len(leaks)} value(s) that "
                              f"the {self.generated.profile.name} profile removed; "
                              "the site was deleted")
        if self.serving:
            # Every case page again, never only the rendered ones: an index kept from an
            # earlier build would still find a deleted case or an unpublished one's text.
            self.search.request(site_dir, removed, self._part_pages())

    @event_priority(-100)  # last: the rebuild is over once the leak check has passed
    def _built(self, config: MkDocsConfig) -> None:
        if self.serving:
            self.search.release()
            self.collection.built()

    on_post_build = CombinedEvent(_index_search, _check_for_leaks, _built)

    def on_build_error(self, *, error: Exception) -> None:
        if self.serving:
            self.search.release()
            self.collection.built()

    def _part_pages(self) -> int:
        assert self.casebook is not None  # read by on_config, before any build
        return self.casebook.settings.search_part_pages

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig,
                 builder: Any) -> LiveReloadServer:
        assert self.casebook is not None
        if Path(config.docs_dir).resolve() == self.casebook.generated_dir.resolve():
            # The generator writes the docs folder before each build; watching it
            # would make every save rebuild the site twice.
            server.unwatch(config.docs_dir)
        server.watch(str(self.casebook.cases_dir))
        server.watch(str(self.casebook.root / "templates"))
        notified(server)
        app = server.get_app()
        if app is not None:
            server.set_app(ProblemsBanner(app, self._problems_banner,
                                          f"{server.mount_path}{PROBLEMS_FOLDER}"))
        return server

    def on_shutdown(self) -> None:
        self.search.stop()
        self.collection.stop()
        self.steps.save()

    def _problems_banner(self) -> str:
        """The banner's text after the latest generation: empty while every case is valid."""
        generated = self.generated
        return generated.problems.summary if generated and generated.problems else ""


def _log_problems(result: Generated) -> None:
    """The preview's problems in the terminal, as `casebook validate` prints them.

    At info level: strict mode (mkdocs.yml) would fail the rebuild on a warning,
    and the server would stop answering, which drafts mode is there to prevent."""
    problems = result.problems
    if problems is None:
        return
    shown = [d for draft in problems.drafts for d in draft.diagnostics]
    for d in [*shown, *problems.elsewhere]:
        log.info("casebook: %s", format_text(d))
    log.info("casebook: %s, and %s not published; see /problems/", problems.summary,
             "it is" if len(problems.drafts) == 1 else "they are")
