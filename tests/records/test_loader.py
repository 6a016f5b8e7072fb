"""Loader hazards that need exact bytes on disk, and one run over many broken files.

The bytes are written here, in a throw-away repository: no binary file is
committed. Each test asserts the exact diagnostic (path, line, column, code,
message); a line and column of 0 mean 'the whole file'.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, TODAY
from generator.checks.corpus import Corpus, load_corpus
from generator.config import load_config

VALID = (FIXTURES / "scenarios" / "valid-every-stage" / "CH-2024-0001.md").read_bytes()
"""A valid intake case, CH-2024-0001, whose title is on line 3 and body on line 27."""

MIB = 1024 * 1024
NAME = "CH-2024-0001.md"
REL = f"cases/{NAME}"

Found = tuple[str, int, int, str, str]
"""(path, line, column, code, message) of one diagnostic."""


def validate(repo: Path) -> Corpus:
    return load_corpus(load_config(repo / "mkdocs.yml"), today=TODAY)


def found(repo: Path) -> list[Found]:
    report = validate(repo).report()
    return [(d.path, d.line, d.column, d.code, d.message) for d in report.diagnostics]


def write(repo: Path, data: bytes, name: str = NAME) -> Path:
    path = repo / "cases" / name
    path.write_bytes(data)
    return path


def padded(size: int) -> bytes:
    """The valid case, its body padded with text to exactly `size` bytes."""
    filler = size - len(VALID)
    assert filler > 0
    return VALID + (b"Padding text for the size limit.\n" * (filler // 33 + 1))[:filler]


def test_the_base_case_is_valid(repo: Path) -> None:
    write(repo, VALID)
    assert found(repo) == []
    assert VALID.splitlines()[2] == b"title: Shelling of a market in an example town"
    assert VALID.splitlines()[26].startswith(b"This is a fictional test case. A market")


# --------------------------------------------------------------------------
# Size.


def test_a_file_of_exactly_the_limit_is_read(repo: Path) -> None:
    write(repo, padded(MIB))
    assert found(repo) == []


def test_a_file_over_the_limit_is_refused(repo: Path) -> None:
    write(repo, padded(MIB + MIB // 2))
    assert found(repo) == [
        (REL, 1, 1, "CB100", "the file is 1,572,864 bytes, over the limit of 1,048,576 bytes "
                             "(max_file_bytes in mkdocs.yml)"),
    ]


def test_a_file_just_over_the_limit_says_by_how_much(repo: Path) -> None:
    write(repo, padded(MIB + 1))
    [(path, line, column, code, message)] = found(repo)
    assert (path, line, column, code) == (REL, 1, 1, "CB100")
    sizes = re.fullmatch(r"the file is (.+), over the limit of (.+) \(max_file_bytes in "
                         r"mkdocs.yml\)", message)
    assert sizes is not None, message
    assert sizes.group(1) != sizes.group(2), message


def test_the_limit_comes_from_mkdocs_yml(repo: Path) -> None:
    settings = repo / "mkdocs.yml"
    settings.write_text(settings.read_text(encoding="utf-8") + "      max_file_bytes: 2048\n",
                        encoding="utf-8")
    write(repo, padded(4096))
    assert found(repo) == [
        (REL, 1, 1, "CB100", "the file is 4,096 bytes, over the limit of 2,048 bytes "
                             "(max_file_bytes in mkdocs.yml)"),
    ]


# --------------------------------------------------------------------------
# Bytes that are not UTF-8 text.


def test_a_nul_byte_is_refused_with_its_position(repo: Path) -> None:
    # Line 27: "This is a fictional test case. A market\0 was shelled [S1]."
    write(repo, VALID.replace(b"A market was", b"A market\0 was"))
    assert found(repo) == [
        (REL, 27, 40, "CB100", "the file contains a NUL byte: it looks like a binary file, "
                               "not Markdown"),
    ]


def test_utf16_is_refused_as_binary(repo: Path) -> None:
    write(repo, VALID.decode("utf-8").encode("utf-16"))
    [(path, line, column, code, message)] = found(repo)
    # The first NUL is the high byte of '-', after the two bytes of the UTF-16 BOM.
    assert (path, line, column, code) == (REL, 1, 4, "CB100")
    assert "NUL byte" in message


def test_latin1_is_refused_with_the_position_of_the_bad_byte(repo: Path) -> None:
    # Line 3: "title: Bombardement \xe0 ...": the bad byte is the 21st character.
    write(repo, VALID.replace(b"Shelling of a", "Bombardement à".encode("latin-1")))
    assert found(repo) == [
        (REL, 3, 21, "CB100", "the file is not valid UTF-8 (byte 0xe0); save it as UTF-8"),
    ]


def test_the_column_of_a_bad_byte_counts_characters_not_bytes(repo: Path) -> None:
    # "title: Ünïcode " is 15 characters (17 bytes) before the bad byte.
    write(repo, VALID.replace(b"Shelling of a", "Ünïcode".encode() + b" \xff"))
    assert found(repo) == [
        (REL, 3, 16, "CB100", "the file is not valid UTF-8 (byte 0xff); save it as UTF-8"),
    ]


def test_a_truncated_utf8_sequence_at_the_end(repo: Path) -> None:
    write(repo, VALID + "é".encode()[:1])
    assert found(repo) == [
        (REL, 28, 1, "CB100", "the file is not valid UTF-8 (byte 0xc3); save it as UTF-8"),
    ]


# --------------------------------------------------------------------------
# Byte-order mark and line endings.


def test_bom_and_crlf_validate_cleanly(repo: Path) -> None:
    write(repo, b"\xef\xbb\xbf" + VALID.replace(b"\n", b"\r\n"))
    corpus = validate(repo)
    assert corpus.diagnostics == []
    [case] = corpus.cases
    assert case.id == "CH-2024-0001"
    assert case.title == "Shelling of a market in an example town"


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_bom_and_crlf_keep_lines_and_columns(repo: Path, prefix: bytes, newline: bytes) -> None:
    broken = VALID.replace(b"country: YEM", b"country: NO").replace(b"[S1]", b"[S9]")
    write(repo, prefix + broken.replace(b"\n", newline))
    assert found(repo) == [
        (REL, 16, 12, "CB207", "incident.country: 'NO' is not an ISO 3166-1 alpha-3 country "
                               "code (NO is a two-letter code; did you mean NOR?)"),
    ]


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_bom_and_crlf_keep_body_positions(repo: Path, prefix: bytes, newline: bytes) -> None:
    write(repo, prefix + VALID.replace(b"[S1]", b"[S9]").replace(b"\n", newline))
    assert found(repo) == [
        (REL, 20, 10, "CB353", "source S1 is never cited in the body"),
        (REL, 27, 53, "CB306", "the body cites [S9], but no source has that key"),
    ]


# --------------------------------------------------------------------------
# Symbolic links.


def _symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target)
    except (OSError, NotImplementedError) as err:  # pragma: no cover - Windows without rights
        pytest.skip(f"cannot create a symbolic link here: {err}")


SYMLINK_MESSAGE = ("the file is a symbolic link to a place outside the repository; case files "
                   "must live in the repository")


def test_a_symlink_out_of_the_repository_is_refused(repo: Path, tmp_path_factory:
                                                    pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside") / NAME
    outside.write_bytes(VALID)
    _symlink(repo / "cases" / NAME, outside)
    corpus = validate(repo)
    assert corpus.cases == []
    [d] = corpus.diagnostics
    assert (d.line, d.column, d.code, d.message) == (1, 1, "CB100", SYMLINK_MESSAGE)


def test_a_symlink_within_the_repository_is_read(repo: Path) -> None:
    (repo / "shared").mkdir()
    target = repo / "shared" / NAME
    target.write_bytes(VALID)
    _symlink(repo / "cases" / NAME, target)
    corpus = validate(repo)
    assert corpus.diagnostics == []
    assert [c.id for c in corpus.cases] == ["CH-2024-0001"]


@pytest.mark.parametrize("where", ["outside", "dangling"])
def test_symlink_diagnostics_name_the_link_in_cases(repo: Path, where: str,
                                                    tmp_path_factory: pytest.TempPathFactory
                                                    ) -> None:
    if where == "outside":
        target = tmp_path_factory.mktemp("outside") / NAME
        target.write_bytes(VALID)
    else:
        target = repo / "nowhere.md"
    _symlink(repo / "cases" / NAME, target)
    [d] = validate(repo).diagnostics
    assert (d.path, d.code) == (REL, "CB100")


# --------------------------------------------------------------------------
# Many broken files in one run.


def _id(n: int) -> bytes:
    return f"CH-2024-{n:04d}".encode()


def _text(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        assert old in data, old
        return data.replace(old, new, 1)

    return change


def _append_front_matter(lines: bytes) -> Callable[[bytes], bytes]:
    return _text(b"---\nThis", lines + b"---\nThis")


# (code expected, change to the valid case). Every file gets its own id and name.
BROKEN: list[tuple[str, Callable[[bytes], bytes]]] = [
    ("CB100", _text(b"A market", b"A\0market")),
    ("CB100", _text(b"Shelling of a", b"Bombardement \xe0")),
    ("CB100", lambda data: data + b"Padding.\n" * (MIB // 9)),
    ("CB101", _text(b"stage: intake\n", b"stage: intake\nstage: intake\n")),
    ("CB102", _text(b"title: Shelling of", b"title: Shelling: of")),
    ("CB102", _text(b"  country: YEM", b"\tcountry: YEM")),
    ("CB103", _text(b"sensitivity: CLEAR", b"sensitivity: &s CLEAR")),
    ("CB104", lambda data: data[4:]),
    ("CB104", lambda data: data.replace(b"---\nThis", b"\nThis")),
    ("CB105", lambda data: b"---\n- a\n- b\n---\nThis is a fictional test case.\n"),
    ("CB106", _text(b"opened: 2024", b"opened: !!str 2024")),
    ("CB107", _append_front_matter(b"tags: " + b"[" * 30 + b"]" * 30 + b"\n")),
    ("CB108", _append_front_matter(b"[a, b]: c\n")),
    ("CB201", _append_front_matter(b"asignee: jdoe\n")),
    ("CB202", _text(b"  attribution: unknown\n", b"")),
    ("CB203", _append_front_matter(b"harm:\n  killed: three\n")),
    ("CB204", _text(b"status: active\n", b"")),
    ("CB205", _text(b"sensitivity: CLEAR", b"sensitivity: amber")),
    ("CB206", _text(b"opened: 2024-02-01", b"opened: 2024-02-30")),
    ("CB207", _text(b"country: YEM", b"country: NO")),
    ("CB208", _append_front_matter(b"harm:\n  killed: {min: 5, max: 2}\n")),
    ("CB209", _text(b"  - stage: intake", b"  - stage: incident-analysis")),
    ("CB210", _text(b"status: active\n", b"status: active\nclosure_reason: withdrawn\n")),
    ("CB211", _text(b"title: Shelling", b"title: TODO Shelling")),
    ("CB303", _append_front_matter(b"related:\n  - CH-2024-0999\n")),
    ("CB305", _text(b"    date: 2024-02-01", b"    date: 2024-01-30")),
    ("CB306", _text(b"[S1]", b"[S1] [S7]")),
    ("CB307", _text(b"    accessed: 2024-02-01\n---",
                    b"    accessed: 2024-02-01\n  - key: S1\n    type: other\n"
                    b"    visibility: non-public\n    accessed: 2024-02-01\n---")),
    ("CB351", _text(b"next_review: 2027-01-15", b"next_review: 2026-01-15")),
    ("CB352", _text(b" [S1]", b"")),
]
VALID_IDS = range(201, 206)


def test_many_broken_files_are_all_reported_in_one_run(repo: Path) -> None:
    assert len(BROKEN) == 30
    expected: dict[str, str] = {}
    for n, (code, change) in enumerate(BROKEN, start=101):
        data = change(VALID.replace(_id(1), _id(n)))
        name = f"CH-2024-{n:04d}.md"
        write(repo, data, name)
        expected[f"cases/{name}"] = code
    # Cross-file rules: a misnamed file, an id declared twice, a year that does not match.
    write(repo, VALID.replace(_id(1), _id(131)), "CH-2024-0132.md")
    (repo / "cases" / "archive").mkdir()
    write(repo, VALID.replace(_id(1), _id(201)), "archive/CH-2024-0201.md")
    write(repo, VALID.replace(_id(1), b"CH-2023-0133"), "CH-2023-0133.md")
    expected.update({"cases/CH-2024-0132.md": "CB302", "cases/archive/CH-2024-0201.md": "CB301",
                     "cases/CH-2023-0133.md": "CB308"})
    for n in VALID_IDS:
        write(repo, VALID.replace(_id(1), _id(n)), f"CH-2024-{n:04d}.md")

    corpus = validate(repo)
    report = corpus.report()
    assert report.cases == 33 + len(VALID_IDS)

    codes_by_file: dict[str, set[str]] = {}
    for d in report.diagnostics:
        codes_by_file.setdefault(d.path, set()).add(d.code)
    for path, code in expected.items():
        assert code in codes_by_file.get(path, set()), (path, code, codes_by_file.get(path))
    # Nothing is reported about the valid files, and nothing about files not written.
    assert set(codes_by_file) == set(expected)
    # The valid files are still loaded, whatever happened to the others.
    loaded = {case.id for case in corpus.cases}
    assert {f"CH-2024-{n:04d}" for n in VALID_IDS} <= loaded
    assert report.errors >= 31
    assert report.warnings >= 2



def test_later_stages_add_to_a_new_corpus_and_leave_the_records_alone(repo: Path) -> None:
    from generator.checks.rules import Context, check_case
    from generator.records.diagnostics import diagnostic

    write(repo, VALID.replace(b"opened: 2024-02-01", b"opened: 2027-02-01"))
    corpus = validate(repo)
    [record] = corpus.files
    loaded = record.diagnostics
    first = corpus.diagnostics
    assert "CB305" in [d.code for d in first]
    assert loaded == ()  # every problem was found by a rule, none by the loader
    found = check_case(record, Context(load_config(repo / "mkdocs.yml"), TODAY))
    assert found == first and record.diagnostics == loaded

    later = diagnostic(record.rel, 1, 1, "CB355", "a difference with git")
    gone = diagnostic("cases/CH-2024-0099.md", 1, 1, "CB355", "about no file")
    more = corpus.adding([gone, later])
    assert corpus.diagnostics == first
    assert more.diagnostics == [*first, later, gone]
    assert more.files == corpus.files and record.diagnostics == loaded
    assert set(more.report().diagnostics) == {*first, later, gone}
    with pytest.raises(AttributeError):
        record.diagnostics = ()  # type: ignore[misc]
