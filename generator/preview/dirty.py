"""What `mkdocs serve --dirty` needs beyond what mkdocs does on its own.

A dirty build renders only the pages whose Markdown is newer than their HTML,
and keeps everything else in the site folder. Casebook's pages are framed by
more than their Markdown (the theme override, mkdocs.yml, the date in the
banner) and a deleted case leaves built pages behind: `DirtyBuilds` mends both.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from generator.preview.cache import fingerprint

log = logging.getLogger("mkdocs.plugins.casebook")


class DirtyBuilds:
    """The state one `mkdocs serve --dirty` keeps from build to build."""

    def __init__(self) -> None:
        self.frame: tuple[object, ...] | None = None
        self.pages: set[str] = set()
        self.rebuilt: set[str] = set()

    def generated(self, config: MkDocsConfig, removed_files: list[str], today: dt.date) -> None:
        """After a generation: drop the built pages of the generated pages that are
        gone, and every built page when their frame changed."""
        _remove_built(config, removed_files)
        frame = (_frame(config), today)
        if self.frame is not None and frame != self.frame:
            # The frame of every page changed, not any page's Markdown: a dirty build
            # would render only pages whose Markdown changed, so every page must go.
            log.info("casebook: the theme or the settings changed; rendering every page")
            _empty(Path(config.site_dir))
        self.frame = frame

    def files(self, files: Files) -> None:
        pages = files.documentation_pages()
        self.pages = {f.url for f in pages}
        self.rebuilt = set()
        for file in pages:
            # mkdocs asks each page twice whether its Markdown is newer than its HTML
            # (to convert it, then to render it), three looks at the disk each time,
            # and writes the HTML only after the second: the first answer stands.
            file.is_modified = _asked_once(file.is_modified)  # type: ignore[method-assign]


def _asked_once(ask: Callable[[], bool]) -> Callable[[], bool]:
    answers: list[bool] = []

    def once() -> bool:
        if not answers:
            answers.append(ask())
        return answers[0]

    return once


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


def not_the_dirty_warning(record: logging.LogRecord) -> bool:
    """A log filter: mkdocs warns on every dirty build that navigation may be
    inaccurate, and strict mode turns the warning into a failed build. Casebook's
    navigation lists fixed index pages only, so the warning never applies."""
    return not str(record.msg).startswith("A 'dirty' build is being performed")
