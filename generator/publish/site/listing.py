"""Long tables split into pages of a few hundred rows, each page linked to the others.

A listing of every case in a stage or a group held all its rows on one page, which
grew past a megabyte at a few thousand cases. Now a table longer than the page size
is split: its first page stays where the table always was, the others follow at
`<page 1's address>[<table>/]page/<n>/`. Beside each page, a JSON file holds the
same rows as cells (what the page shows, nothing more), so that the site's script
can sort and filter the whole table from any of its pages.

Nothing here touches the disk: `SiteBuilder` adds the pages and files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from generator.publish.site.links import page_url, relative, url_between

T = TypeVar("T")
R = TypeVar("R")

ROWS_FILE = "rows.json"
WINDOW = 2
"""Page numbers shown either side of the current page; the first and last always."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a table's pages and rows files go."""

    base: str
    """The page the table is on, and so its first page (`stages/intake.md`)."""
    title: str
    """What the table lists, as the later pages' title ("Intake")."""
    key: str = ""
    """Which table of the base page, for a page with several ("overdue")."""
    anchor: str = ""
    """The heading of the base page that the table is under, for links back to it."""

    def page(self, number: int) -> str:
        """The page of the table's `number`th page (1 is the base page)."""
        if number == 1:
            return self.base
        folder = page_url(self.base) + (f"{self.key}/" if self.key else "")
        return f"{folder}page/{number}.md"

    def rows_file(self, number: int) -> str:
        """The rows of the `number`th page, in that page's own folder: the links in
        them, relative to the page, are then relative to the file too."""
        name = f"rows-{self.key}.json" if self.key and number == 1 else ROWS_FILE
        return page_url(self.page(number)) + name

    def url(self, from_number: int, to_number: int) -> str:
        """A final URL from one of the table's pages to another (to the table's heading
        on the base page, which may hold other tables)."""
        link = url_between(self.page(from_number), self.page(to_number))
        return link + f"#{self.anchor}" if to_number == 1 and self.anchor else link


@dataclass(frozen=True, slots=True)
class PageLink:
    """A page number in a pager; a gap (`…`) has no URL."""

    label: str
    url: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a table that spans several: where it stands, and how to reach the
    others (final URLs, for the HTML that the pager is written in)."""

    title: str
    number: int
    count: int
    """How many pages the table has."""
    first_row: int
    last_row: int
    """The rows of this page, counted from 1 across the whole table."""
    total: int
    size: int
    """Rows a page."""
    first: str
    previous: str
    next: str
    last: str
    """Links to the first, previous, next and last pages; empty where there is none."""
    pages: tuple[PageLink, ...]
    rows_files: tuple[str, ...]
    """Every page's rows file, in order, relative to this page."""


@dataclass(frozen=True, slots=True)
class Table(Generic[R]):
    """A table on a page: its rows on this page, and where the page stands when the
    table spans several (None when every row is here)."""

    rows: list[R]
    columns: Columns | None = None
    listing: Listing | None = None


@dataclass(frozen=True, slots=True)
class Columns:
    """Which of the optional columns a table of cases has."""

    stage: bool = False
    extra_header: str = ""
    """The heading of the extra column (empty: none)."""
    extra_left: bool = False
    """Whether the extra column is text (left-aligned) rather than a number."""


def split(rows: Sequence[T], size: int) -> list[Sequence[T]]:
    """The rows in pages of `size`, in order; an empty table is one empty page."""
    if size < 1:
        raise ValueError(f"page size {size} is not positive")
    return [rows[i:i + size] for i in range(0, len(rows), size)] or [rows[:0]]


def numbers(number: int, count: int) -> list[int | None]:
    """The page numbers a pager shows at page `number`: the first, the last, and
    those near the current page; None marks a gap."""
    near = set(range(max(1, number - WINDOW), min(count, number + WINDOW) + 1)) | {1, count}
    shown: list[int | None] = []
    last = 0
    for n in sorted(near):
        if n - last == 2:
            shown.append(n - 1)  # a gap of one page is that page's number
        elif n - last > 2:
            shown.append(None)
        shown.append(n)
        last = n
    return shown


def listings(place: Place, total: int, size: int) -> list[Listing] | None:
    """Each page of a table of `total` rows, or None when they fit on one page."""
    count = len(split(range(total), size))
    if count == 1:
        return None
    return [_listing(place, number, count, total, size) for number in range(1, count + 1)]


def _listing(place: Place, number: int, count: int, total: int, size: int) -> Listing:
    def to(other: int) -> str:
        return place.url(number, other)

    here = page_url(place.page(number))
    return Listing(
        title=place.title, number=number, count=count,
        first_row=(number - 1) * size + 1, last_row=min(number * size, total),
        total=total, size=size,
        first=to(1) if number > 1 else "", previous=to(number - 1) if number > 1 else "",
        next=to(number + 1) if number < count else "",
        last=to(count) if number < count else "",
        pages=tuple(PageLink("…", "") if n is None else PageLink(str(n), to(n), n == number)
                    for n in numbers(number, count)),
        rows_files=tuple(relative(place.rows_file(n), here) for n in range(1, count + 1)))


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a row as the script draws it: its text, and its link, tooltip and
    flags (`overdue`, `stalled`) where it has them."""

    text: str
    link: str = ""
    hint: str = ""
    flags: tuple[str, ...] = ()


def rows_json(rows: Iterable[Sequence[Cell]]) -> bytes:
    """A page's rows for the script: each row a list of cells, each cell
    `[text, link, hint, flags]` without its trailing empty parts, the hint an index
    into `hints` (the same tooltips recur on every row)."""
    hints: dict[str, int] = {}
    out = []
    for row in rows:
        cells: list[list[object]] = []
        for cell in row:
            # The parts up to the last one that is not empty (a page's thousands of
            # cells: each case spelled out rather than trimmed).
            hint = cell.hint
            if cell.flags:
                cells.append([cell.text, cell.link,
                              hints.setdefault(hint, len(hints)) if hint else "",
                              list(cell.flags)])
            elif hint:
                cells.append([cell.text, cell.link, hints.setdefault(hint, len(hints))])
            elif cell.link:
                cells.append([cell.text, cell.link])
            else:
                cells.append([cell.text])
        out.append(cells)
    data = {"hints": list(hints), "rows": out}
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
