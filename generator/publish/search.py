"""The site's search index: Pagefind, run on the built site after mkdocs writes it.

Material's own search (lunr) sends the whole index to every reader and builds it
in the browser: at 10,000 cases that is 40 MiB and 12 s before a first result.
Pagefind splits the index into compressed chunks that the search box loads on
demand (a few hundred KB for one search), in `site/pagefind/`.

Only case pages are results: the indexer reads `cases/` alone, and on each case
page only the element marked `data-pagefind-body` (the content, without the
frame), with the case's id, stage and incident date as metadata and the id and
stage as filters (templates/site/case.md.j2). The index is made from the pages
of this build only, so a public build's index holds the public pages only, and
the leak check reads its files like every other (`generator.publish.leakcheck`).

The indexer is Pagefind's own binary, run as a child process by the `pagefind`
package: its memory is its own, returned when it exits, and never the build's.
It peaks while it writes the index, at about 0.29 MiB a page (2.6 GiB for 9,179
case pages), whatever is fed to it: it holds every page's words with their
positions, and reads each file in pieces, so the theme's frame costs time only
(bench/results-build-memory.md). Only several smaller indexes would lower it.
It writes into a folder beside `site/pagefind/` that takes its place by rename
once complete, so that a reader of a served site never meets half an index.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import BuildError as MkDocsBuildError

SEARCH_FOLDER = "pagefind"
"""Where the index goes in the site; the search box loads `pagefind/pagefind.js`."""

BUILDING = f".{SEARCH_FOLDER}-building"
"""Where an index is written before it replaces the one in `SEARCH_FOLDER`.

In the site folder, beside the index it replaces, so that the rename stays on one
file system; outside `RESULT_PAGES`, so that the indexer never reads it."""

RETIRED = f".{SEARCH_FOLDER}-retired"
"""Where the index being replaced goes for the instant of the swap, then is deleted."""

SCRATCH_FOLDERS = (f"{BUILDING}/", f"{RETIRED}/")
"""The folders of the site an index is written in or deleted from."""

RESULT_PAGES = "cases/**/*.html"
"""The pages that are search results (Pagefind's glob, relative to the site)."""


class SearchError(MkDocsBuildError):
    """The indexer failed or could not be started: the build fails with its message."""


@dataclass(frozen=True, slots=True)
class Indexed:
    """What one indexing run did."""

    pages: int


def index_site(site_dir: Path, *, vet: Callable[[Path], bool] | None = None,
               guard: AbstractContextManager[object] | None = None) -> Indexed:
    """Index the case pages of the site in `site_dir` into `site_dir/pagefind/`.

    The new index replaces the one an earlier build left whole, so that the index
    never holds a page this build did not write. `vet`, when given, reads the new
    index before it takes its place: if it returns false the new index is thrown
    away and the earlier one stays (`SearchError`). `guard`, when given, is held
    while a folder of the index is renamed or deleted: a server's rebuild that
    walks the site holds it too, and never meets a folder that vanishes under it."""
    output, building = site_dir / SEARCH_FOLDER, site_dir / BUILDING
    held = guard if guard is not None else contextlib.nullcontext()
    with held:
        shutil.rmtree(building, ignore_errors=True)
    try:
        pages = asyncio.run(_index(site_dir.resolve(), building.resolve()))
    except Exception as err:  # the binary missing, or dying: say so, without a traceback
        with held:
            shutil.rmtree(building, ignore_errors=True)
        raise SearchError(f"the search index could not be built: {err}") from None
    if vet is not None and not vet(building):
        with held:
            shutil.rmtree(building, ignore_errors=True)
        raise SearchError("the new search index was refused; the previous one is kept")
    with held:
        _swap(building, output)
    return Indexed(pages)


def _swap(building: Path, output: Path) -> None:
    """Put the complete index in `building` in the place of `output`.

    Two renames, each atomic: between them (microseconds) a reader finds no
    index, never a mix of two."""
    retired = output.with_name(RETIRED)
    shutil.rmtree(retired, ignore_errors=True)
    if output.exists():
        output.replace(retired)
    building.replace(output)
    shutil.rmtree(retired, ignore_errors=True)


async def _index(site_dir: Path, output: Path) -> int:
    from pagefind.index import IndexConfig, PagefindIndex

    # The headings' "¶" permalinks are not part of the case's text.
    config = IndexConfig(force_language="en", output_path=str(output),
                         exclude_selectors=[".headerlink"])
    async with PagefindIndex(config=config) as index:
        result = await index.add_directory(str(site_dir), glob=RESULT_PAGES)
        # Written on leaving the block; an error above writes nothing.
    return int(result["page_count"])
