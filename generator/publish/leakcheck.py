"""Prove that a built site holds nothing its profile removed.

Leaving things out is not enough without proof: after every build, each file
the build wrote (HTML, the search index, the sitemap, exports, feeds, JSON) is
read as a reader's tools would read it (HTML entities, percent-encoding and
JSON escapes decoded, gzip opened, the search index's compressed chunks
decoded) and searched for every removed value,
case-insensitively and as a whole word. A single hit fails the build, naming the file and the value.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import ahocorasick

from generator.publish.profiles import Removed

if TYPE_CHECKING:
    from generator.config import Config
    from generator.publish.profiles import Profile

# Pagefind's index (generator/publish/search.py): gzip-compressed, each file
# starting with a signature, then JSON (fragments: each page's text) or CBOR.
PAGEFIND_SUFFIXES = (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter")
_PAGEFIND_SIGNATURE = b"pagefind_dcd"
TEXT_SUFFIXES = frozenset({".html", ".htm", ".json", ".xml", ".csv", ".geojson", ".txt",
                           ".js", ".md", ".svg", ".gz", *PAGEFIND_SUFFIXES})
# The theme's own files are the same for every build and hold no case data.
SKIPPED_FOLDERS = ("assets/javascripts/", "assets/stylesheets/", "assets/images/")


@dataclass(frozen=True, slots=True)
class Leak:
    path: str
    value: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}: contains {self.what}: {self.value!r}"


# A run of \\u escapes is decoded as one, so that surrogate pairs come out whole.
_JSON_ESCAPE = re.compile(r'(?:\\u[0-9a-fA-F]{4})+|\\["\\/bfnrt]')


def _json_unescape(text: str) -> str:
    # Decoding the escapes where they stand, rather than walking the parsed data,
    # keeps each string's text whole at a fraction of the cost on a large index.
    return _JSON_ESCAPE.sub(lambda m: str(json.loads(f'"{m.group()}"')), text)


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    elif path.suffix in PAGEFIND_SUFFIXES:
        return pagefind_text(raw)
    return raw.decode("utf-8", errors="replace")


def pagefind_text(raw: bytes) -> str:
    """The text in one of Pagefind's files: a fragment's JSON as it is, and the strings
    of a CBOR chunk (words, filter values, metadata) one a line, so that the length
    byte CBOR writes before a string is not read as a letter of its first word."""
    data = gzip.decompress(raw).removeprefix(_PAGEFIND_SIGNATURE)
    if data[:1] in (b"{", b"["):
        text = data.decode("utf-8", errors="replace")
        # The JSON is read with its escapes decoded as well, as a .json file is.
        return f"{text}\n{_json_unescape(text)}" if "\\" in text else text
    strings = _cbor_strings(data)
    # Not CBOR after all: read every byte, rather than nothing.
    return "\n".join(strings) if strings is not None else data.decode("utf-8", "replace")


def _cbor_strings(data: bytes) -> list[str] | None:
    """Every text and byte string in a CBOR document, in order; None if it is not one.

    Arrays, maps and tags are headers followed by their items, so one pass over the
    items, without nesting, meets every string."""
    strings: list[str] = []
    at = 0
    while at < len(data):
        major, info = data[at] >> 5, data[at] & 0x1F
        at += 1
        if info == 31 or info in (28, 29, 30):
            return None  # indefinite lengths and reserved values: Pagefind writes neither
        size = 0 if info < 24 else 1 << (info - 24)
        value = info if info < 24 else int.from_bytes(data[at:at + size], "big")
        at += size
        if major in (2, 3):
            strings.append(data[at:at + value].decode("utf-8", errors="replace"))
            at += value
    return strings if at == len(data) else None


def _readable(lines: list[str], suffix: str) -> str:
    # No encoding used here spans a line break, so the layers of a text are the
    # layers of its lines: only the lines that hold an escape get a decoded copy,
    # and the scan decodes only lines it has not read before.
    layers = list(lines)
    if suffix in (".json", ".geojson"):
        layers += [_json_unescape(line) for line in lines if "\\" in line]
    layers += [html.unescape(line) for line in layers if "&" in line]
    # A value inside a link's address is written percent-encoded.
    layers += [unquote(line) for line in layers if "%" in line]
    return "\n".join(layers)


def readable_text(path: Path) -> str:
    """The file's text as a reader would see it, with every encoding layer removed."""
    return _readable(_text(path).split("\n"), path.suffix)


# A hit must stand as a whole word: not inside a word, an address or a dotted name
# before it, and not inside a word or a hyphenated name after it.
_BEFORE = re.compile(r"[\w@.-]")
_AFTER = re.compile(r"[\w@-]")


class Finder:
    """Find every removed value in a text in one pass, whatever the number of values.

    One regular expression alternating over every value is tried at every
    character of every page, so its cost grows with pages times values: quadratic
    in the number of cases. An Aho-Corasick automaton over the lower-cased values
    reads each text once. Published text that contains a removed value (a
    published title that begins with an unpublished case's whole title) has an
    automaton of its own, read only when a page has a hit, so that a hit lying
    inside it is not taken for a leak.
    """

    def __init__(self, removed: list[str], kept: list[str],
                 clean: dict[str, set[str]] | None = None) -> None:
        self.removed = _automaton(removed)
        self.kept = _automaton(kept)
        # Lines read so far, by file suffix (a JSON file's lines are decoded more);
        # lines found clean by an earlier finder whose values this one's cannot
        # find more of (see `still_clean`) are clean here too.
        self.clean: dict[str, set[str]] = clean if clean is not None else {}
        self.dirty: dict[str, dict[str, list[str]]] = {}

    def __call__(self, text: str, suffix: str) -> list[str]:
        """The removed values in `text`, decoding and reading each distinct line once.

        Most of a site's text is the theme's frame, the same on every page; lines
        already read are skipped, which cuts the text decoded and read about
        fivefold. Values are single lines (see `_automaton`), and new lines are
        read joined by the newline that separated them, so no hit is lost or made.
        """
        if self.removed is None:
            return []
        clean = self.clean.setdefault(suffix, set())
        dirty = self.dirty.setdefault(suffix, {})
        lines = [line for line in dict.fromkeys(_pieces(text, suffix)) if line not in clean]
        values = [v for line in lines if line in dirty for v in dirty[line]]
        fresh = [line for line in lines if line not in dirty]
        if not self._find(_readable(fresh, suffix)):
            clean.update(fresh)
            return values
        for line in fresh:
            found = self._find(_readable([line], suffix))
            if found:
                dirty[line] = found
                values.extend(found)
            else:
                clean.add(line)
        return values

    def _find(self, text: str) -> list[str]:
        if self.removed is None:
            return []
        lowered = text.lower()
        hits = list(_whole_words(self.removed, lowered))
        if not hits or self.kept is None:
            return [value for _, _, value in hits]
        kept = list(_whole_words(self.kept, lowered))
        return [value for start, end, value in hits
                if not any(k_start <= start and end <= k_end for k_start, k_end, _ in kept)]


# Between two objects of a JSON list: a string cannot hold these characters unescaped,
# so no value found inside a string is ever cut in two here.
_JSON_ITEMS = re.compile(r'(?<=\}),(?=\{")')


def _pieces(text: str, suffix: str) -> list[str]:
    """The text's lines; a JSON file's long lines (the search index is one line) cut
    between the objects of a list as well, so that an entry read once is not read
    again in the next build's index."""
    lines = text.split("\n")
    if suffix in (".json", ".geojson"):
        return [piece for line in lines
                for piece in (_JSON_ITEMS.split(line) if '},{"' in line else (line,))]
    return lines


def _automaton(values: list[str]) -> Any:
    automaton = ahocorasick.Automaton()
    for value in values:
        # A value on several lines is looked for by its longest line: the page may
        # wrap it differently, and any one line of it is a leak.
        line = max(value.splitlines() or [value], key=len).strip().lower()
        if len(line) >= 2:
            automaton.add_word(line, (line, value))
    if len(automaton) == 0:
        return None
    automaton.make_automaton()
    return automaton


def _whole_words(automaton: Any, lowered: str) -> Iterator[tuple[int, int, str]]:
    for end, (word, value) in automaton.iter(lowered):
        start = end - len(word) + 1
        if not ((start > 0 and _BEFORE.match(lowered, start - 1))
                or _AFTER.match(lowered, end + 1)):
            yield start, end, value


def still_clean(before: Removed, after: Removed) -> bool:
    """Whether every file with no leak of `before` has no leak of `after` either.

    True when `after` looks for no value that `before` did not, and none of its
    values lies inside a published text that `before` allowed and `after` does
    not (a hit inside allowed text is not a leak; once the text is no longer
    published, the same hit would be one). A watching server then scans only the
    files a rebuild wrote.
    """
    if not after.values.keys() <= before.values.keys():
        return False
    dropped = sorted(before.kept - after.kept)
    return not dropped or not Finder(list(after.values), [])._find("\n".join(dropped))


def scan(site_dir: Path, removed: Removed, skip: tuple[str, ...] = ()) -> list[Leak]:
    """Every removed value found in the files under `site_dir`, once per file
    (none under the folders in `skip`: see `scan_with`)."""
    if not removed.values:
        return []
    return scan_with(site_dir, removed, Finder(list(removed.values), sorted(removed.kept)),
                     skip=skip)


def scan_with(site_dir: Path, removed: Removed, finder: Finder,
              since: float | None = None, skip: tuple[str, ...] = ()) -> list[Leak]:
    """`scan` with a given finder, reading only files modified at or after `since`
    when it is given (a watching server's scan of what a rebuild wrote), and none
    under the folders in `skip` (a server's search index being written, which is
    read before it is put in place)."""
    leaks: list[Leak] = []
    for path in sorted(site_dir.rglob("*")):
        rel = path.relative_to(site_dir).as_posix()
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES or rel.startswith(
                (*SKIPPED_FOLDERS, *skip)):
            continue
        try:
            if since is not None and path.stat().st_mtime < since:
                continue
            text = _text(path)
        except FileNotFoundError:
            continue  # gone since the listing (a served index replaced): not in the site
        found: dict[str, Leak] = {}
        for value in finder(text, path.suffix):
            found.setdefault(value, Leak(rel, value, removed.values[value]))
        leaks.extend(found[v] for v in sorted(found))
    return leaks


def check_built_site(config: Config, site_dir: Path, chosen: Profile) -> tuple[Removed, list[Leak]]:
    """What `chosen` removes from the cases and their history as they are now, and
    every place the site built into `site_dir` shows one (`casebook leakcheck`)."""
    from generator.checks.corpus import load_corpus
    from generator.history.reader import read_history
    from generator.publish.profiles import removed_values

    corpus = load_corpus(config)
    history = read_history(config)
    histories = {f.case.id: history.for_file(f.path) for f in corpus.files if f.case}
    removed = removed_values(corpus.cases, histories, chosen)
    return removed, scan(site_dir, removed)
