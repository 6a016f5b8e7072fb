"""The theme's files listed once per server, not once per rebuild.

Before every build mkdocs lists every file of the theme's folders, to copy its
static files, and tests each name against a dozen patterns: mkdocs-material's
templates hold some 14,000 files (its icons), and at 2,000 cases the listing
was a twentieth of every rebuild, for an answer that changes only when a theme
file is added, removed or renamed. Each of those changes the modification time
of the folder that holds the file; the listing is kept with the time of every
folder under the theme's, and made again as soon as one differs. A folder
changed a moment before the listing is not trusted: the file system's clock
moves in steps of milliseconds, and a second change within the same step would
leave the folder's time as it was.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection

import jinja2
from mkdocs.theme import Theme

Folders = tuple[tuple[str, int], ...]
"""Every folder under the theme's, with its modification time (ns)."""

RECENT_NS = 1_000_000_000
"""A listing is kept only when no folder changed within this long before it."""


class ThemeListing:
    """The names mkdocs' listing of the theme gave, kept while no folder changed."""

    def __init__(self) -> None:
        self._kept: dict[object, tuple[Folders, list[str]]] = {}
        self.listed = 0
        """How many listings were made afresh (the others were kept ones)."""

    def use(self, theme: Theme) -> None:
        """Make the environments `theme` gives list its files through this listing."""
        make = theme.get_env
        dirs = tuple(theme.dirs)
        static = tuple(sorted(theme.static_templates))

        def get_env() -> jinja2.Environment:
            env = make()
            listing = env.list_templates

            def list_templates(extensions: Collection[str] | None = None,
                               filter_func: Callable[[str], bool] | None = None
                               ) -> list[str]:
                # mkdocs' filter is made anew by every build, from the same code and
                # the theme's settings; another caller's filter is another entry.
                key = (dirs, static, tuple(sorted(extensions)) if extensions is not None else None,
                       getattr(filter_func, "__code__", filter_func))
                return self._names(key, dirs, lambda: listing(extensions, filter_func))

            env.list_templates = list_templates  # type: ignore[method-assign]
            return env

        theme.get_env = get_env  # type: ignore[method-assign]

    def _names(self, key: object, dirs: tuple[str, ...], listing: Callable[[], list[str]]
               ) -> list[str]:
        kept = self._kept.get(key)
        if kept is not None and _unchanged(kept[0]):
            return list(kept[1])
        now = time.time_ns()
        folders = _folders(dirs)  # before the listing: a file added meanwhile lists again
        names = listing()
        self.listed += 1
        if all(mtime < now - RECENT_NS for _, mtime in folders):
            self._kept[key] = (folders, list(names))
        else:
            self._kept.pop(key, None)
        return names


def _folders(dirs: tuple[str, ...]) -> Folders:
    found: list[tuple[str, int]] = []
    for top in dirs:
        for folder, _, _ in os.walk(top):  # as Jinja lists: links to folders not followed
            try:
                found.append((folder, os.stat(folder).st_mtime_ns))  # noqa: PTH116
            except OSError:
                found.append((folder, -1))
    return tuple(found)


def _unchanged(folders: Folders) -> bool:
    for folder, mtime in folders:
        try:
            if os.stat(folder).st_mtime_ns != mtime:  # noqa: PTH116
                return False
        except OSError:
            return False
    return True

