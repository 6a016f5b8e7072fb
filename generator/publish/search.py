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
package. It peaks while it writes an index, at about 0.3 MiB a page (2.6 GiB
for 9,179 case pages in one index), whatever is fed to it: it holds every
page's words with their positions (bench/results-build-memory.md). So the index
is made of parts of at most `search_part_pages` case pages each, taken in the
order of their ids, one indexer after another, each its own child process whose
memory is returned when it exits: the indexer's peak is that of one part,
whatever the number of cases. Each part is a whole Pagefind index in
`pagefind/part-N/`; `pagefind/parts.json` lists them with their first and last
case id, so that the search box looks an id up in the one part that may hold it
and merges the parts (Pagefind's `mergeIndex`) for a search of words.

The parts are written into a folder beside `site/pagefind/` that takes its place
by rename once complete, so that a reader of a served site never meets half an
index.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import shutil
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import BuildError as MkDocsBuildError

from generator.config import Settings

SEARCH_FOLDER = "pagefind"
"""Where the index goes in the site; the search box reads `pagefind/parts.json` first."""

BUILDING = f".{SEARCH_FOLDER}-building"
"""Where an index is written before it replaces the one in `SEARCH_FOLDER`.

In the site folder, beside the index it replaces, so that the rename stays on one
file system; outside `CASE_PAGES`, so that the indexer never reads it."""

RETIRED = f".{SEARCH_FOLDER}-retired"
"""Where the index being replaced goes for the instant of the swap, then is deleted."""

SCRATCH_FOLDERS = (f"{BUILDING}/", f"{RETIRED}/")
"""The folders of the site an index is written in or deleted from."""

CASE_PAGES = "cases"
"""The folder of the site whose sub-folders are the case pages, one per case id."""

PAGES_OF_A_CASE = "**/*.html"
"""Pagefind's glob for a case's pages, relative to its folder in `CASE_PAGES`."""

MANIFEST = "parts.json"
"""The list of the index's parts, in `SEARCH_FOLDER` (read by assets/search-box.js)."""

PART_PAGES: int = Settings.model_fields["search_part_pages"].default
"""Case pages in one part when the settings do not say (`search_part_pages`)."""


class SearchError(MkDocsBuildError):
    """The indexer failed or could not be started: the build fails with its message."""


@dataclass(frozen=True, slots=True)
class Part:
    """A run of consecutive case ids, indexed together into `pagefind/<folder>/`."""

    folder: str
    ids: tuple[str, ...]


def partition(ids: Sequence[str], part_pages: int) -> list[Part]:
    """The sorted `ids` cut into the fewest runs of at most `part_pages`, as the index's
    parts; their sizes differ by one at most, so that no part is a small remainder."""
    ordered = sorted(ids)
    count = -(-len(ordered) // part_pages)
    bounds = [len(ordered) * n // max(count, 1) for n in range(count + 1)]
    return [Part(f"part-{n}", tuple(ordered[start:end]))
            for n, (start, end) in enumerate(itertools.pairwise(bounds), 1)]


@dataclass(frozen=True, slots=True)
class Indexed:
    """What one indexing run did."""

    pages: int
    parts: int


def index_site(site_dir: Path, *, part_pages: int = PART_PAGES,
               vet: Callable[[Path], bool] | None = None,
               guard: AbstractContextManager[object] | None = None,
               placed: Callable[[], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> Indexed:
    """Index the case pages of the site in `site_dir` into `site_dir/pagefind/`.

    In parts of at most `part_pages` cases each. The new index replaces the one an
    earlier build left whole, so that the index never holds a page this build did
    not write. `vet`, when given, reads the new index before it takes its place:
    if it returns false the new index is thrown away and the earlier one stays
    (`SearchError`). `guard`, when given, is held while a folder of the index is
    renamed or deleted: a server's rebuild that walks the site holds it too, and
    never meets a folder that vanishes under it. `placed` is called, under the
    guard, once the new index is in its place. `cancelled` is asked before each
    part is indexed: a server that stops ends its indexing after the part under way
    (`SearchError`)."""
    output, building = site_dir / SEARCH_FOLDER, site_dir / BUILDING
    held = guard if guard is not None else contextlib.nullcontext()
    with held:
        shutil.rmtree(building, ignore_errors=True)
    try:
        parts = partition(_case_ids(site_dir), part_pages)
        pages = _index_parts(site_dir.resolve(), building.resolve(), parts, cancelled)
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
        if placed is not None:
            placed()
    return Indexed(sum(pages), len(parts))


def _case_ids(site_dir: Path) -> list[str]:
    folder = site_dir / CASE_PAGES
    return [p.name for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []


def _index_parts(site_dir: Path, building: Path, parts: list[Part],
                 cancelled: Callable[[], bool] | None = None) -> list[int]:
    """Each part indexed in turn, then the manifest; the case pages of each part.
    `cancelled` is asked before each part: when it says so, no more is written."""
    building.mkdir(parents=True)
    pages = []
    for part in parts:
        if cancelled is not None and cancelled():
            raise SearchError("the indexing was cancelled")
        pages.append(asyncio.run(_index(site_dir, building / part.folder, part_glob(part))))
    manifest = {"parts": [{"path": f"{part.folder}/", "first": part.ids[0],
                           "last": part.ids[-1], "pages": count}
                          for part, count in zip(parts, pages, strict=True)]}
    text = json.dumps(manifest, separators=(",", ":"))
    (building / MANIFEST).write_text(text + "\n", encoding="utf-8")
    return pages


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


def part_glob(part: Part) -> str:
    """Pagefind's glob for the pages of `part`: its case folders as alternatives.

    Reading the files itself, Pagefind is 15 times faster than when they are sent
    to it one by one; glob characters in an id are escaped."""
    names = ",".join(re.sub(r"([^\w.-])", r"\\\1", case_id) for case_id in part.ids)
    return f"{CASE_PAGES}/{{{names}}}/{PAGES_OF_A_CASE}"


async def _index(site_dir: Path, output: Path, glob: str) -> int:
    """Index the pages `glob` takes in `site_dir` into `output`; how many it took."""
    from pagefind.index import IndexConfig
    from pagefind.service import PagefindService

    # The headings' "¶" permalinks are not part of the case's text.
    config = IndexConfig(force_language="en", output_path=str(output),
                         exclude_selectors=[".headerlink"])
    # One indexer per part, ended before the next starts: its memory is returned.
    async with PagefindService() as service:
        index = await service.create_index(config)
        result = await index.add_directory(str(site_dir), glob=glob)
        await index.write_files()
        await _written(output)
    return int(result["page_count"])


WRITE_SECONDS = 60.0
"""How long the indexer may take to finish writing once it said it had written."""


async def _written(output: Path) -> None:
    """Wait until no file of the index in `output` is empty.

    Pagefind answers that it wrote the index when it has created every file and
    handed their contents to background writes it never waits for; the service
    is then ended, and a write still pending would leave its file empty (seen
    in one part in five at 10,000 cases). No file of a Pagefind index is empty
    once written: JSON, scripts, WebAssembly, or gzip with its header."""
    deadline = time.monotonic() + WRITE_SECONDS
    while empty := [p for p in output.rglob("*") if p.is_file() and p.stat().st_size == 0]:
        if time.monotonic() > deadline:
            raise OSError(f"the indexer left {len(empty)} files empty, such as {empty[0]}")
        await asyncio.sleep(0.02)
