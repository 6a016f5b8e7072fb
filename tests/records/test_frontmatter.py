"""Unit tests of the strict front matter reader (generator/records/frontmatter.py)."""

from __future__ import annotations

import frontmatter
import pytest

from generator.records.diagnostics import Diagnostic
from generator.records.frontmatter import FrontMatter, SplitFile, StrictYAMLHandler, compose

HANDLER = StrictYAMLHandler()


def read(text: str, first_line: int = 2, **kwargs: int) -> tuple[FrontMatter, list[Diagnostic]]:
    return compose(text, "cases/x.md", first_line, **kwargs)


def problems(text: str, first_line: int = 2, **kwargs: int) -> list[tuple[str, int, int, str]]:
    _, found = read(text, first_line, **kwargs)
    return [(d.code, d.line, d.column, d.message) for d in found]


# --------------------------------------------------------------------------
# Plain scalars resolve by casebook's rules, not YAML 1.1's.

SCALARS = [
    # The Norway problem and its cousins: YAML 1.1 booleans stay text.
    ("NO", "NO"), ("no", "no"), ("on", "on"), ("On", "On"), ("yes", "yes"), ("Y", "Y"),
    ("off", "off"),
    # Leading zeros, octal and hexadecimal forms stay text, exactly as written.
    ("0123", "0123"), ("00", "00"), ("0o14", "0o14"), ("0x1F", "0x1F"), ("1_000", "1_000"),
    # Sexagesimal numbers and times stay text.
    ("12:30", "12:30"), ("190:20:30", "190:20:30"),
    # Dates stay text for the schema to check.
    ("2024-02-30", "2024-02-30"), ("2024-02-01", "2024-02-01"),
    # Decimal numbers are numbers.
    ("1.5", 1.5), ("-3", -3), ("0", 0), ("+5", 5), ("42", 42), ("-0.25", -0.25),
    ("1.0e3", 1000.0),
    # Not numbers: no digit before the point, no point, special values.
    (".5", ".5"), ("1.", "1."), ("1e3", "1e3"), (".inf", ".inf"), (".nan", ".nan"),
    # Nulls.
    ("null", None), ("Null", None), ("NULL", None), ("~", None),
    # Only true and false are booleans.
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False),
]


@pytest.mark.parametrize(("written", "expected"), SCALARS)
def test_plain_scalar_in_block_context(written: str, expected: object) -> None:
    fm, found = read(f"value: {written}\n")
    assert found == []
    assert fm.data == {"value": expected}
    assert type(fm.data["value"]) is type(expected)


@pytest.mark.parametrize(("written", "expected"), SCALARS)
def test_plain_scalar_in_flow_context(written: str, expected: object) -> None:
    fm, found = read(f"seq: [{written}]\nmap: {{v: {written}}}\n")
    assert found == []
    assert fm.data == {"seq": [expected], "map": {"v": expected}}
    assert type(fm.data["seq"][0]) is type(expected)
    assert type(fm.data["map"]["v"]) is type(expected)


@pytest.mark.parametrize("written", ["'3'", '"3"', "'true'", "'null'", "'1.5'", '"~"'])
def test_quoted_scalars_stay_text(written: str) -> None:
    fm, found = read(f"value: {written}\nseq: [{written}]\n")
    assert found == []
    assert fm.data == {"value": written[1:-1], "seq": [written[1:-1]]}


def test_an_empty_value_is_null_and_an_empty_quoted_value_is_text() -> None:
    fm, found = read("a:\nb: ''\nc: \"\"\n")
    assert found == []
    assert fm.data == {"a": None, "b": "", "c": ""}


def test_block_scalars_stay_text() -> None:
    fm, _ = read("a: |\n  NO\n  0123\nb: >\n  yes\n")
    assert fm.data == {"a": "NO\n0123\n", "b": "yes\n"}


# --------------------------------------------------------------------------
# Duplicate keys.


def test_duplicate_key_at_top_level_names_the_line_of_the_first() -> None:
    fm, found = read("title: One\nopened: 2024-01-01\ntitle: Two\n")
    assert [(d.code, d.line, d.column, d.message) for d in found] == [
        ("CB101", 4, 1, "duplicate key 'title' (first written on line 2); YAML would "
                        "silently keep only the last value"),
    ]
    # The first value is kept, not silently replaced by the last.
    assert fm.data == {"title": "One", "opened": "2024-01-01"}


def test_duplicate_key_nested_and_in_flow_mappings() -> None:
    text = "incident:\n  country: YEM\n  admin1: A\n  country: NOR\nharm: {killed: 1, killed: 2}\n"
    assert problems(text, first_line=5) == [
        ("CB101", 8, 3, "duplicate key 'country' (first written on line 6); YAML would "
                        "silently keep only the last value"),
        ("CB101", 9, 19, "duplicate key 'killed' (first written on line 9); YAML would "
                         "silently keep only the last value"),
    ]


def test_same_key_in_different_mappings_is_not_a_duplicate() -> None:
    text = "sources:\n  - key: S1\n    type: media\n  - key: S2\n    type: media\n"
    assert problems(text) == []


def test_each_repetition_is_reported() -> None:
    found = problems("a: 1\na: 2\na: 3\n")
    assert [(code, line) for code, line, _, _ in found] == [("CB101", 3), ("CB101", 4)]
    assert all("first written on line 2" in message for *_, message in found)


# --------------------------------------------------------------------------
# Anchors, aliases and tags are refused.


def test_anchor_and_alias_are_refused_and_the_alias_is_not_expanded() -> None:
    fm, found = read("opened: &d 2024-02-01\nnext_review: *d\n")
    assert [(d.code, d.line, d.column, d.message) for d in found] == [
        ("CB103", 2, 9, "anchor &d is not allowed: write each value out in full"),
        ("CB103", 3, 14, "alias *d is not allowed: write the value out in full"),
    ]
    assert fm.data == {"opened": "2024-02-01", "next_review": None}


def test_anchor_on_a_collection_and_alias_as_a_key() -> None:
    found = problems("base: &b {a: 1}\n*b : 2\n")
    assert [(code, line, column) for code, line, column, _ in found] == [
        ("CB103", 2, 7), ("CB103", 3, 1),
    ]


def test_an_alias_to_an_unknown_anchor_is_still_only_an_alias() -> None:
    assert problems("a: *nowhere\n") == [
        ("CB103", 2, 4, "alias *nowhere is not allowed: write the value out in full"),
    ]


BILLION_LAUGHS = "\n".join(
    [f"a: &a [{', '.join(['lol'] * 9)}]"]
    + [f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
       for prev, name in zip("abcdefgh", "bcdefghi", strict=True)]
) + "\n"


def test_alias_bomb_returns_promptly_without_expanding() -> None:
    fm, found = read(BILLION_LAUGHS)
    assert {d.code for d in found} == {"CB103"}
    # 9 anchors and 8 x 9 aliases, each reported once where it is written.
    assert len(found) == 9 + 8 * 9
    assert fm.data["i"] == [None] * 9
    assert fm.data["a"] == ["lol"] * 9


@pytest.mark.parametrize(("text", "tag", "value"), [
    ("v: !!int '3'\n", "!!int", "3"),
    ("v: !!str 2024-02-01\n", "!!str", "2024-02-01"),
    ("v: !!binary aGVsbG8=\n", "!!binary", "aGVsbG8="),
    ("v: !!python/object:os.system ls\n", "!!python/object:os.system", "ls"),
    ("v: !custom value\n", "!custom", "value"),
])
def test_explicit_tags_on_scalars_are_refused(text: str, tag: str, value: str) -> None:
    fm, found = read(text)
    assert [(d.code, d.line, d.column, d.message) for d in found] == [
        ("CB106", 2, 4, f"explicit tag {tag} is not allowed: write the plain value"),
    ]
    # The value is kept as the text written, never constructed.
    assert fm.data == {"v": value}


def test_explicit_tags_on_collections_and_keys_are_refused() -> None:
    found = problems("a: !!map {b: 1}\nc: !!seq [1]\n!!str d: 2\n")
    assert [(code, line, column, message) for code, line, column, message in found] == [
        ("CB106", 2, 4, "explicit tag !!map is not allowed"),
        ("CB106", 3, 4, "explicit tag !!seq is not allowed"),
        ("CB106", 4, 1, "explicit tag !!str is not allowed"),
    ]


# --------------------------------------------------------------------------
# Keys that are not text.


@pytest.mark.parametrize(("text", "line", "column"), [
    ("[a, b]: 1\n", 2, 1),
    ("{a: 1}: 2\n", 2, 1),
    ("? [a, b]\n: 1\n", 2, 3),
])
def test_a_collection_as_a_key_is_refused(text: str, line: int, column: int) -> None:
    fm, found = read(text)
    assert [(d.code, d.line, d.column, d.message) for d in found] == [
        ("CB108", line, column, "a key must be plain text, not a list or mapping"),
    ]
    assert fm.data == {}


# --------------------------------------------------------------------------
# Nesting depth.


def _nested_flow_list(levels: int) -> str:
    return "tags: " + "[" * levels + "]" * levels + "\n"


def test_nesting_up_to_the_limit_is_accepted() -> None:
    # The top mapping is level 0, so 15 nested lists reach level 15.
    fm, found = read(_nested_flow_list(15))
    assert found == []
    value = fm.data["tags"]
    for _ in range(14):
        value = value[0]
    assert value == []


def test_nesting_past_the_limit_is_cut_with_one_diagnostic() -> None:
    fm, found = read(_nested_flow_list(40))
    assert [(d.code, d.line, d.column, d.message) for d in found] == [
        # The 16th list, at column 7 + 15.
        ("CB107", 2, 22, "the front matter nests more than 16 levels deep here"),
    ]
    value = fm.data["tags"]
    for _ in range(15):
        value = value[0]
    assert value is None


def test_the_depth_limit_is_a_parameter() -> None:
    found = problems("a:\n  b:\n    c:\n      d: 1\n", max_depth=3)
    assert [(code, line, column) for code, line, column, _ in found] == [("CB107", 5, 7)]


def test_block_nesting_past_the_limit() -> None:
    text = "".join("  " * level + f"k{level}:\n" for level in range(30))
    found = problems(text)
    assert [(code, line, column) for code, line, column, _ in found] == [("CB107", 18, 33)]


@pytest.mark.parametrize("levels", [1000, 5000])
def test_a_thousand_levels_return_promptly_without_recursion_error(levels: int) -> None:
    fm, found = read(_nested_flow_list(levels))
    assert found, "a thousand levels of nesting must be reported"
    assert fm.data is None or isinstance(fm.data, dict)


def test_a_thousand_levels_are_reported_as_too_deep() -> None:
    # libyaml reads a flow collection ahead and stops at its own limit of 1,000
    # levels before the composer reaches ours, so the place is where it stopped.
    found = problems(_nested_flow_list(1000))
    assert [(code, line, column, message) for code, line, column, message in found] == [
        ("CB107", 2, 1006, "the front matter nests more than 16 levels deep"),
    ]


# --------------------------------------------------------------------------
# Positions.

POSITIONS = """id: CH-2024-0001
stage_history:
  - stage: intake
    date: 2024-02-01
incident:
  country: YEM
  coordinates: {lat: 31.5, lon: 34.45}
tags: [a, b]
"""


def test_positions_of_keys_and_values_count_from_the_first_line() -> None:
    fm, found = read(POSITIONS, first_line=2)
    assert found == []
    assert fm.first_line == 2
    assert fm.keys[("id",)] == (2, 1)
    assert fm.values[("id",)] == (2, 5)
    assert fm.keys[("stage_history",)] == (3, 1)
    assert fm.values[("stage_history",)] == (4, 3)
    assert fm.values[("stage_history", 0)] == (4, 5)
    assert fm.keys[("stage_history", 0, "stage")] == (4, 5)
    assert fm.values[("stage_history", 0, "stage")] == (4, 12)
    assert fm.keys[("stage_history", 0, "date")] == (5, 5)
    assert fm.values[("stage_history", 0, "date")] == (5, 11)
    assert fm.keys[("incident", "country")] == (7, 3)
    assert fm.values[("incident", "country")] == (7, 12)
    assert fm.values[("incident", "coordinates")] == (8, 16)
    assert fm.keys[("incident", "coordinates", "lon")] == (8, 28)
    assert fm.values[("incident", "coordinates", "lon")] == (8, 33)
    assert fm.values[("tags", 1)] == (9, 11)


def test_positions_move_with_the_first_line() -> None:
    near, _ = read(POSITIONS, first_line=2)
    far, _ = read(POSITIONS, first_line=12)
    for path, (line, column) in near.values.items():
        assert far.values[path] == (line + 10, column)
    for path, (line, column) in near.keys.items():
        assert far.keys[path] == (line + 10, column)


def test_position_of_a_missing_key_is_its_parent_key() -> None:
    fm, _ = read(POSITIONS)
    assert fm.position(("incident", "country")) == (7, 12)
    assert fm.position(("incident", "attribution")) == (6, 1)
    assert fm.position(("stage_history", 0, "note")) == (4, 5)
    assert fm.position(("title",)) == (1, 1)
    assert fm.key_position(("incident", "country")) == (7, 3)
    assert fm.key_position(("incident", "place")) == (6, 1)


def test_crlf_line_endings_keep_line_numbers() -> None:
    lf, lf_found = read(POSITIONS)
    crlf, crlf_found = read(POSITIONS.replace("\n", "\r\n"))
    assert lf_found == crlf_found == []
    assert crlf.data == lf.data
    assert crlf.keys == lf.keys
    assert crlf.values == lf.values


def test_crlf_line_numbers_of_problems() -> None:
    text = "a: 1\r\nb: 2\r\na: 3\r\nc: [x,\r\n  *y]\r\n"
    assert [(code, line, column) for code, line, column, _ in problems(text)] == [
        ("CB101", 4, 1), ("CB103", 6, 3),
    ]


# --------------------------------------------------------------------------
# Syntax errors and documents.


def test_syntax_error_with_hint_and_position() -> None:
    assert problems("title: Strike: a market\n", first_line=2) == [
        ("CB102", 2, 14, "YAML syntax: mapping values are not allowed in this context "
                         "(a value containing ': ' must be put in quotes)"),
    ]




@pytest.mark.parametrize(("text", "line", "column"), [
    ("incident:\n  date: 1\n\tcountry: YEM\n", 4, 1),
    ("a: 1\n\tb: 2\n", 3, 1),
    pytest.param("incident:\n\tcountry: YEM\n", 3, 1),
    pytest.param("incident:\n  \tcountry: YEM\n", 3, 3),
    pytest.param("\tid: CH-2024-0001\n", 2, 1),
])
def test_tab_indentation_hint(text: str, line: int, column: int) -> None:
    found = problems(text)
    assert [(code, at, col) for code, at, col, _ in found] == [("CB102", line, column)]
    assert found[0][3].endswith("(use spaces, not tabs, to indent)"), found[0][3]


def test_tabs_inside_a_line_are_only_white_space() -> None:
    fm, found = read("a:\t1\nb: [1,\t2]\n")
    assert found == []
    assert fm.data == {"a": 1, "b": [1, 2]}


def test_syntax_error_leaves_no_data() -> None:
    fm, found = read("a: 'unterminated\n")
    assert [d.code for d in found] == ["CB102"]
    assert fm.data is None


def test_a_second_document_is_refused() -> None:
    assert problems("a: 1\n---\nb: 2\n") == [
        ("CB102", 3, 1, "the front matter holds more than one YAML document"),
    ]


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n"])
def test_empty_front_matter_is_none_without_problems(text: str) -> None:
    fm, found = read(text)
    assert found == []
    assert fm.data is None


def test_a_list_is_read_as_a_list() -> None:
    fm, found = read("- a\n- b\n")
    assert found == []
    assert fm.data == ["a", "b"]


# --------------------------------------------------------------------------
# Splitting a file.

CASE = "---\nid: CH-2024-0001\ntitle: T\n---\n## Summary\nBody [S1].\n"


def test_split_file_cuts_front_matter_and_body_with_line_numbers() -> None:
    assert HANDLER.split_file(CASE) == SplitFile(
        front_matter="id: CH-2024-0001\ntitle: T\n", first_line=2,
        body="## Summary\nBody [S1].\n", body_line=5)


def test_split_file_with_crlf() -> None:
    parts = HANDLER.split_file(CASE.replace("\n", "\r\n"))
    assert parts is not None
    assert parts.front_matter == "id: CH-2024-0001\r\ntitle: T\r\n"
    assert (parts.first_line, parts.body_line) == (2, 5)
    assert parts.body == "## Summary\r\nBody [S1].\r\n"


def test_split_file_after_the_loader_strips_the_bom() -> None:
    with_bom = "\ufeff" + CASE.replace("\n", "\r\n")
    # The loader removes the byte-order mark first; split_file expects it gone.
    assert HANDLER.split_file(with_bom) is None
    parts = HANDLER.split_file(with_bom.removeprefix("\ufeff"))
    assert parts is not None
    assert (parts.first_line, parts.body_line) == (2, 5)
    fm, found = compose(parts.front_matter, "x.md", parts.first_line)
    assert found == []
    assert fm.data == {"id": "CH-2024-0001", "title": "T"}
    assert fm.keys[("title",)] == (3, 1)


@pytest.mark.parametrize("text", [
    "---\nid: CH-2024-0001\n",
    "---\nid: CH-2024-0001\n## Summary\n",
    "---",
])
def test_unclosed_front_matter_is_not_split(text: str) -> None:
    assert HANDLER.split_file(text) is None


@pytest.mark.parametrize("text", ["# Title\n", "\n---\na: 1\n---\n", " ---\na: 1\n---\n", ""])
def test_no_front_matter_is_not_split(text: str) -> None:
    assert HANDLER.split_file(text) is None


def test_empty_front_matter_is_split() -> None:
    assert HANDLER.split_file("---\n---\nBody\n") == SplitFile("", 2, "Body\n", 3)


def test_closing_with_dots_and_trailing_spaces() -> None:
    parts = HANDLER.split_file("--- \na: 1\n... \nBody\n")
    assert parts is not None
    assert (parts.front_matter, parts.body, parts.body_line) == ("a: 1\n", "Body\n", 4)


def test_dashes_inside_the_body_do_not_matter() -> None:
    parts = HANDLER.split_file("---\na: 1\n---\nBody\n\n---\n\nMore\n")
    assert parts is not None
    assert parts.body == "Body\n\n---\n\nMore\n"


# --------------------------------------------------------------------------
# As a python-frontmatter handler.


def test_handler_with_python_frontmatter() -> None:
    post = frontmatter.loads("---\ncountry: NO\ncount: 0123\n---\nBody\n", handler=HANDLER)
    assert post.metadata == {"country": "NO", "count": "0123"}
    assert post.content == "Body"


def test_handler_load_raises_on_problems() -> None:
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        HANDLER.load("a: 1\na: 2\n")


# --------------------------------------------------------------------------
# read_data: the history's fast reader gives exactly what compose gives.

TRICKY = [
    "", "# only a comment\n", "a: 1\n", "a:\n", "a: ''\n", "[1, 2]\n", "just text\n",
    "a: {b: [1, 2.5, true, null, ~, '3']}\nc: |\n  block\n  text\n",
    "'quoted key': 1\n\"true\": false\n1: one\n",
    "a: &x 1\nb: *x\n", "a: *missing\n", "a: &x [1]\n", "*x : 1\n",
    "a: !!str 3\n", "a: !custom {b: 1}\n", "a: ! 3\n", "!!map {a: 1}\n",
    "a: 1\na: 2\n", "a: {b: 1, b: 2}\n", "[a]: 1\n", "? {a: 1}\n: 2\n", "? a\n: 1\n",
    "a: [1\n", "a: b: c\n", "a:\n\t- 1\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n", "a: 1\r\nb: [x, y]\r\n",
    "k: " + "[" * 16 + "]" * 16 + "\n", "k: " + "[" * 17 + "]" * 17 + "\n",
    "k: " + "[" * 1000 + "]" * 1000 + "\n",
    "a:\n" + "".join("  " * i + f"l{i}:\n" for i in range(1, 20)),
    "a: NO\nb: 0123\nc: 12:30\nd: .inf\ne: 1.0e3\nf: TODO: fill in\n",
]


def _front_matters() -> list[str]:
    from conftest import FIXTURES

    texts = list(TRICKY)
    for path in sorted(FIXTURES.rglob("*.md")):
        parts = HANDLER.split_file(path.read_text(encoding="utf-8", errors="replace"))
        if parts is not None:
            texts.append(parts.front_matter)
    return texts


def test_read_data_gives_what_compose_gives() -> None:
    from generator.records.frontmatter import read_data

    texts = _front_matters()
    assert len(texts) > len(TRICKY) + 30  # the fixtures, sample cases included, were found
    for text in texts:
        full, found = compose(text, "", 2)
        expected = (full.data, not any(d.code == "CB102" for d in found))
        got = read_data(text)
        # repr as well as ==: True == 1 == 1.0, but a reader must tell them apart.
        assert (repr(got), got) == (repr(expected), expected), text


def test_read_data_reads_plain_case_files_without_compose(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.records.frontmatter as module
    from conftest import SAMPLE_CASES

    plain = HANDLER.split_file((SAMPLE_CASES / "CH-2024-0001.md").read_text(encoding="utf-8"))
    assert plain is not None
    expected = compose(plain.front_matter, "", 2)[0].data
    monkeypatch.setattr(module, "compose", lambda *args, **kwargs: pytest.fail("composed"))
    assert module.read_data(plain.front_matter) == (expected, True)
    with pytest.raises(pytest.fail.Exception):
        module.read_data("a: &x 1\nb: *x\n")
