"""The thin mkdocs plugin: generate the site's pages before each build, watch the cases.

Configured in mkdocs.yml as `plugins: - casebook: {...}`; its options are the
casebook settings (see `generator.config.Settings`), validated by casebook
itself so that the command line and the site read them the same way.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import LegacyConfig
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin

from generator.build import BuildError, Generated, generate, profile_named
from generator.config import Config, ConfigError, Settings, load_config
from generator.diagnostics import format_text
from generator.leakcheck import scan

log = logging.getLogger("mkdocs.plugins.casebook")


class CasebookPlugin(BasePlugin[LegacyConfig]):  # type: ignore[no-untyped-call]
    config_scheme = tuple((name, c.Optional(c.Type(object))) for name in Settings.model_fields)

    def __init__(self) -> None:
        self.casebook: Config | None = None
        self.pregenerated: Generated | None = None
        self.generated: Generated | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        try:
            self.casebook = load_config(Path(config.config_file_path))
        except ConfigError as err:
            raise PluginError(str(err)) from None
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
        try:
            result = generate(self.casebook, profile=profile_named(self.casebook, None))
        except BuildError as err:
            for d in err.report.diagnostics:
                log.error(format_text(d))
            raise PluginError(f"casebook: {err}; nothing was published") from None
        except KeyError as err:
            raise PluginError(f"casebook: {err.args[0]}") from None
        self.generated = result
        _state_profile(config, result)
        log.info("casebook: %d cases published (%s profile), %d files written, %d removed",
                 result.published, result.profile.name, len(result.written),
                 len(result.removed_files))

    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.generated is None:
            return
        leaks = scan(Path(config.site_dir), self.generated.removed)
        if leaks:
            # mkdocs has written the pages already; a site that leaks must not stay
            # on disk to be published by the next step of a pipeline.
            shutil.rmtree(config.site_dir, ignore_errors=True)
            for leak in leaks:
                log.error("casebook: leak: %s", leak)
            raise PluginError(f"casebook: the built site contains {len(leaks)} value(s) that "
                              f"the {self.generated.profile.name} profile removed; "
                              "the site was deleted")

    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig,
                 builder: Any) -> LiveReloadServer:
        assert self.casebook is not None
        server.watch(str(self.casebook.cases_dir))
        server.watch(str(self.casebook.root / "templates"))
        return server


def _state_profile(config: MkDocsConfig, result: Generated) -> None:
    """Tell the theme which profile this build is, for the banner on every page."""
    chosen = result.profile
    config.extra["casebook_profile"] = chosen.name
    config.extra["casebook_banner"] = (
        f"{chosen.name.capitalize()} build: cases up to TLP:{chosen.max_sensitivity.value}, "
        f"generated {result.today.isoformat()}. RED cases are never published.")
