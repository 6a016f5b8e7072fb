"""The leak check's reading of text, on strings: `normalise` and `Finder`, no builds.

A withheld value hidden by invisible characters and odd whitespace, however
they are scattered into it, must still be found; a property test scatters them.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.publish.leakcheck import Finder, _suffix
from generator.publish.profiles import Removed, Withheld
from generator.publish.reading import (
    _WORD_OR_MARK,
    _folded,
    decoded,
    format_characters,
    narrative_sentences,
    normalise,
    normalise_each,
)
from generator.records.markup import CITATION

VALUES = ("Quokka Ministry cable XQ-7731", "Wombat Valley relay hotline transcript",
          "Seventh Pangolin Brigade", "rlopez", "https://intranet.example/cables/xq-7731",
          "Café Númbat Crossing")
WHAT = Withheld("CH-2026-0101", "sources[S2].title", "a non-public source")

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "&shy;", "&#173;",
             "&#x200B;", "\u200e", "\u200f", "\u202a", "\u202c", "\u2066", "\u2069",
             "\u034f", "\ufe0f", "\u180e"]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "&nbsp;", "\u2009", "\u202f", "\u3000",
          "<br>", "<br/>", " <br />\n", "%20", "%2520", "+"]


def finds(value: str, text: str) -> bool:
    finder = Finder(Removed(values={value: WHAT}))
    return any(hit.value == value for hit in finder.find(normalise(text)))


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    value = draw(st.sampled_from(VALUES))
    out = []
    for char in value:
        if char == " ":
            out.append(draw(st.sampled_from(SPACES)))
        else:
            out.append(char)
        out.extend(draw(st.lists(st.sampled_from(INVISIBLE), max_size=2)))
    return value, "".join(out)


@settings(max_examples=300, deadline=None)
@given(disguised(), st.sampled_from(["", "See ", "<p>", "ref.", "(", '"']),
       st.sampled_from(["", ".", "-annex", "_x", "s", ")", "</p>"]))
def test_invisible_characters_and_whitespace_never_hide_a_value(
        case: tuple[str, str], before: str, after: str) -> None:
    # Every value's last word is long enough to run on with letters ("7731s").
    value, text = case
    assert finds(value, f"{before}{text}{after} and more"), text


@pytest.mark.parametrize(("written", "value"), [
    ("Quokka Мinistry", "Quokka Ministry"),  # Cyrillic capital em
    ("quokkа ministry", "Quokka Ministry"),  # Cyrillic small a
    ("ＱＵＯＫＫＡ ministry", "Quokka Ministry"),  # fullwidth
    ("𝐐𝐮𝐨𝐤𝐤𝐚 ministry", "Quokka Ministry"),  # mathematical bold
    ("\u202eyrtsinim akkouq\u202c", "Quokka Ministry"),  # shown reversed
    ("QUOKKA MINISTRY", "Quokka Ministry"),
    ("Strasse Quokka", "Straße Quokka"),  # case folding
    ("Quokka%2BMinistry", "Quokka Ministry"),
    ("quokka-ministry", "Quokka Ministry"),  # a slug
    ("caf-n-mbat-crossing", "Café Númbat Crossing"),  # the site's slug of it
])
def test_look_alikes_and_encodings_read_as_the_value(written: str, value: str) -> None:
    assert finds(value, written)


@pytest.mark.parametrize(("text", "value"), [
    ("the ministry said", "Quokka Ministry"),  # one word in common
    ("Quokka, the ministry", "Quokka Ministry cable"),
    ("XQ-77310", "XQ-7731"),
    ("analysis", "ana"),
    ("<span class=\"quokka-ministry\">x</span>", "Quokka Ministry"),  # a class names no text
])
def test_words_in_common_are_not_a_value(text: str, value: str) -> None:
    assert not finds(value, text)


def test_normalise_gives_words_between_single_spaces() -> None:
    assert normalise("<p title=\"A&amp;B\">Ｈｅｌｌｏ,\u00a0wor\u00adld!</p>") == " a b hello world "
    assert normalise("") == " "


def test_narrative_sentences_too_short_to_tell_are_not_looked_for() -> None:
    short = Withheld("CH-2026-0102", "narrative", "a case left out: AMBER", sentence=True)
    removed = Removed(values={"The strike was reported.": short,
                              "A caller said the night shift had just left the hall.": short})
    finder = Finder(removed)
    assert finder.checked == 1
    assert finder.unprovable == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(
    ["a", "B", " ", ".", "&amp;", "%20", "<br>", "\u00ad", "\u200b", "é", "Ｆ", "\x1f",
     "\u202e", "<", "&", "%"]), max_size=12).map("".join), max_size=6))
def test_normalising_texts_in_one_pass_reads_each_as_alone(texts: list[str]) -> None:
    assert normalise_each(texts) == [normalise(t) for t in texts]


def test_sentences_of_one_template_are_each_found_only_where_all_their_words_stand() -> None:
    # Forty sentences that share their first nine words, more than one key of the
    # automaton may hold, and one alone: each is found where it stands whole, none
    # where only its first words do, and the last word may still run on with letters.
    shared = " ".join(f"word{n}" for n in range(8))
    sentence = Withheld("CH-2026-0103", "narrative", "a case left out: AMBER", sentence=True)
    template = [f"{shared} ending{n} and then four more{n}." for n in range(40)]
    alone = "A caller said the night shift had just left the hall."
    finder = Finder(Removed(values=dict.fromkeys([*template, alone], sentence)))
    assert finder.checked == 41

    def found(text: str) -> list[str]:
        return sorted(hit.value for hit in finder.find(normalise(text)))

    assert found(f"Before. {template[7]} After.") == [template[7]]
    assert found(f"{shared} ending7 and then four more7s; {template[39]}") == [
        template[39], template[7]]
    assert found(f"{shared} ending7 and then four more8.") == []
    assert found(f"{shared} ending7 and then four more7x2") == []
    assert found(f"word1 {template[3]}") == [template[3]]
    assert found(alone.upper()) == [alone]
    assert found("A caller said the night shift had just left.") == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40))
def test_ascii_text_is_read_into_the_words_unicode_reading_gives(text: str) -> None:
    """ASCII text takes a way of its own through `normalise`: the same words as the
    regular expression the rest of text is read with, every control byte included."""
    words = re.findall(r"[^\W_]+", decoded(text).lower())
    assert normalise(text) == (" " + " ".join(words) + " " if words else " ")
    marked = re.findall(r"[^\W_]+|\x1f", decoded(text).lower())
    assert normalise(text, re.compile(r"[^\W_]+|\x1f")) == (
        " " + " ".join(marked) + " " if marked else " ")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab.", max_size=8))
def test_a_site_files_kind_is_read_from_its_name_as_a_path_reads_it(name: str) -> None:
    assert _suffix(name) == PurePosixPath(name).suffix


# `normalise` written plainly, as it was before its faster ways through (each
# substitution in one regular expression, the folded runs found by one pattern,
# the words by the pattern over the lowered text): what those ways must give.
_PLAIN_NOT_TEXT = re.compile(r"""\s(?:class|style)\s*=\s*(?:"[^"]*"|'[^']*')""")
_PLAIN_ATTRIBUTE = re.compile(r"""\s[\w:.-]+\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PLAIN_TAG_PARTS = re.compile(r"</?[A-Za-z!?][^\s<>]*|/?>")
_PLAIN_RUN = re.compile(r"[\x00-\x7f]?[^\x00-\x7f]+")


def _plainly_untagged(text: str) -> str:
    text = _PLAIN_NOT_TEXT.sub(" ", text)
    return _PLAIN_TAG_PARTS.sub(" ", _PLAIN_ATTRIBUTE.sub(r" \1\2 ", text))


def plainly_decoded(text: str) -> str:
    steps = (("<", _plainly_untagged), ("&", html.unescape), ("%", unquote))
    for _ in range(4):
        before = text
        for sign, step in steps:
            text = step(text) if sign in text else text
        if text == before:
            return text
    return text


def plainly_normalised(text: str, word: re.Pattern[str] = re.compile(r"[^\W_]+")) -> str:
    text = plainly_decoded(text)
    first, second = (plainly_read(text, word, case_first) for case_first in (False, True))
    return first if second == first else f"{first}\x1d{second}"


def plainly_read(text: str, word: re.Pattern[str], case_first: bool) -> str:
    if not text.isascii():
        text = (_folded(text, case_first) if "\u202d" in text or "\u202e" in text
                else _PLAIN_RUN.sub(lambda m: _folded(m.group(), case_first), text))
    words = word.findall(text.lower())
    return " " + " ".join(words) + " " if words else " "


# What pasted text holds beside letters: accents (composed and not), curly quotes,
# no-break spaces, dashes, a heading's pilcrow, letters whose lowering is more than
# one character or depends on the word (a final sigma), other scripts, look-alikes,
# overrides, a lone surrogate (a JSON escape), and the markup and escapes around them.
_PASTED = st.sampled_from([
    "a", "B", "7", " ", "\n", "é", "e\u0301", "Ñ", "ü", "\u2019", "\u201c", "\u00a0", "\u2014",
    "\u2013", "\u00b6", "\u2026", "ß", "İ", "Σ", "σ", "ς", "\u212a", "ﬁ", "Ⅸ", "٣", "中文", "𝐀",
    "Ꭰ", "ꭰ", "Мinistry", "ΟΔΟΣ", "Ι", "\U0001d6ba", "ВОМВ", "\u200b", "\u00ad", "\u202e", "\u202d", "\ud800", "\x1f", "_", "<p>",
    "</a>", '<a href="/x y/" class="c">', " x='q'", " t = \"v\"", "&amp;", "&lt;", "&eacute;",
    "%20", "%C3%A9", "%", "&", "<", ">", "/", "=", '"', "'"])


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.text(), st.lists(st.one_of(_PASTED, st.text(max_size=3)),
                                     max_size=30).map("".join)))
def test_text_with_characters_outside_ascii_is_read_as_plainly_as_before(text: str) -> None:
    assert decoded(text) == plainly_decoded(text)
    assert normalise(text) == plainly_normalised(text)
    assert normalise(text, _WORD_OR_MARK) == plainly_normalised(text, _WORD_OR_MARK)


@pytest.mark.parametrize(("text", "words"), [
    ("Caf\u00e9 N\u00fambat\u00a0Crossing \u00b6", " cafe numbat crossing "),
    ("Dvořák \u201cTaiz\u201d \u2013 r\u00e9sum\u00e9", " dvorak taiz resume "),
    ("<h2>Qaluzan<a class=\"headerlink\" href=\"#q\">\u00b6</a></h2>", " qaluzan q "),
])
def test_pasted_text_is_read_into_its_words(text: str, words: str) -> None:
    assert normalise(text) == plainly_normalised(text) == words


_PLAIN_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])|\n\s*\n|\n(?=\s*(?:[-*+]|\d+\.|#+)\s)")


def plain_sentences(body: str) -> list[str]:
    return [t for s in _PLAIN_BREAK.split(body) if (t := CITATION.sub("", s).strip())]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(
    ["a", "B", "7", ".", "!", "?", " ", "\n", "\n\n", "\t", "- ", "* ", "1. ", "## ", "[S1]",
     "[S2](x)", "\\[S3]", "x[S4]", "[", "]", "(", '"', "'", "\0", "\u00a0", "é"]),
    max_size=25).map("".join))
def test_a_narrative_is_cut_into_the_sentences_the_plain_pattern_gives(body: str) -> None:
    assert narrative_sentences(body) == plain_sentences(body)


def test_the_format_characters_kept_as_ranges_are_those_the_unicode_data_gives() -> None:
    every = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert format_characters() == every
    assert format_characters("another version") == every


@pytest.mark.parametrize(("value", "texts"), [
    # Greek in either case, its final sigma included, and a mathematical capital.
    ("ΟΔΟΣ ΠΑΝΟΡΜΟΥ", ["οδος πανορμου", "Οδος Πανορμου", "οδοσ πανορμου"]),
    ("Σοφια Ιωαννου", ["ΣΟΦΙΑ ΙΩΑΝΝΟΥ", "σοφια ιωαννου"]),
    ("σοφια", ["ΣΟΦΙΑ", "\U0001d6ba\U0001d6b6\U0001d6bd\U0001d6b0\U0001d6a8"]),
    # Cyrillic in either case, and its capitals as look-alikes of Latin letters.
    ("Вода Кремль", ["ВОДА КРЕМЛЬ", "вода кремль"]),
    ("BOMB TEAM", ["ВОМВ ТЕАМ"]),
    ("ВОМВ ТЕАМ", ["bomb team", "вомв теам"]),
    # With or without its accents, composed or not: a value retyped without them.
    ("Οδός Πανόρμου", ["Οδος Πανορμου", "ΟΔΟΣ ΠΑΝΟΡΜΟΥ", "οδο\u0301ς πανο\u0301ρμου"]),
    ("Ministère de l'Intérieur", ["Ministere de l'Interieur", "MINISTÈRE DE L\u2019INTÉRIEUR"]),
    ("Dvorak Crossing", ["Dvořák Crossing", "DVOŘÁK CROSSING"]),
    ("Ёлка Кремль", ["елка кремль"]),
])
def test_a_value_is_found_whatever_its_case_and_look_alikes(value: str, texts: list[str]
                                                           ) -> None:
    finder = Finder(Removed(values={value: Withheld("CH-2026-0101", "title", "left out")}))
    for text in texts:
        assert [hit.value for hit in finder.find(normalise(f"<p>{text}</p>"))] == [value], text


_GREEK_AND_CYRILLIC = st.text(alphabet=st.characters(min_codepoint=0x391, max_codepoint=0x44F,
                                                     categories=("Lu", "Ll")),
                              min_size=4, max_size=12)


@settings(max_examples=300, deadline=None)
@given(_GREEK_AND_CYRILLIC, _GREEK_AND_CYRILLIC)
def test_a_greek_or_cyrillic_value_is_found_in_any_case(first: str, second: str) -> None:
    value = f"{first} {second}"
    finder = Finder(Removed(values={value: Withheld("CH-2026-0101", "title", "left out")}))
    for text in (value.upper(), value.lower(), value.casefold(), value.title()):
        assert value in {hit.value for hit in finder.find(normalise(text))}, text
