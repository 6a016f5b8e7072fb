"""`casebook new`: the next free id, a case that validates once filled in, never an overwrite."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import generator.files as files_module
import generator.review.newcase as newcase
from conftest import ROOT, TODAY
from generator.checks.corpus import load_corpus
from generator.checks.rules import Context, check_case
from generator.config import Config, Settings, load_config
from generator.records.diagnostics import Diagnostic
from generator.records.frontmatter import BODY_PLACEHOLDER, PLACEHOLDER_PREFIX
from generator.records.loader import CaseFile, load_bytes
from generator.review.fmt import format_text
from generator.review.newcase import (
    country_suggestions,
    create_case,
    next_id,
    option_problem,
    render_new_case,
)

CONFIG = Config(root=ROOT, settings=Settings())
CASE_ID = "CH-2026-0007"
REL = f"cases/{CASE_ID}.md"

FILLED = {
    # placeholder -> what a writer puts there
    newcase.TITLE: "Shelling of a market in an example town",
    newcase.NOTE: "Logged from a media report.",
    newcase.INCIDENT_DATE: "2026-11-20",
    newcase.COUNTRY: "YEM",
    newcase.SOURCE_TITLE: "Market shelled in example town",
    newcase.SOURCE_URL: "https://example.org/report",
    newcase.ACCESSED: "2026-11-27",
}


def check(text: str, rel: str = REL, config: Config = CONFIG) -> list[Diagnostic]:
    """The diagnostics of a single file, as `casebook validate` gives them."""
    record = load_bytes(text.encode("utf-8"), CaseFile(path=config.root / rel, rel=rel), config)
    record = record.adding(check_case(record, Context(config, TODAY)))
    return sorted(record.diagnostics, key=Diagnostic.sort_key)


def fill(text: str) -> str:
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
    text = re.sub(r"by: TODO$", "by: jdoe", text, flags=re.MULTILINE)
    return fill_body(text)


def fill_body(text: str) -> str:
    """The body as a writer leaves it who keeps the template's guidance as their text."""
    return text.replace(f"{BODY_PLACEHOLDER} ", "")


def placeholder_lines(text: str) -> dict[int, str]:
    """Line number -> key, for every front matter value that is a placeholder."""
    front = text.split("\n---\n", 1)[0]
    found = {}
    for number, line in enumerate(front.split("\n"), start=1):
        match = re.match(r"\s*(?:- )?([a-z_]+): (.*)$", line)
        if match and match.group(2).startswith(PLACEHOLDER_PREFIX):
            found[number] = match.group(1)
    return found


def body_placeholder_lines(text: str) -> dict[int, int]:
    """Line number -> column, for every line of the body that holds the body marker."""
    start = text.index("\n---\n") + 1
    first = text.count("\n", 0, start) + 2
    return {number: line.index(BODY_PLACEHOLDER) + 1
            for number, line in enumerate(text[start:].split("\n")[1:], start=first)
            if BODY_PLACEHOLDER in line}


# --------------------------------------------------------------------------
# next_id


@pytest.mark.parametrize(("existing", "expected"), [
    ([], "CH-2026-0001"),
    (["CH-2026-0001"], "CH-2026-0002"),
    (["CH-2026-0001", "CH-2026-0002", "CH-2026-0005"], "CH-2026-0006"),  # gaps stay gaps
    (["CH-2026-0003", "CH-2026-0001"], "CH-2026-0004"),  # any order
    (["CH-2025-0041", "CH-2027-0009", "XY-2026-0012", "CH-2026-12", "CH-2026-0003.md",
      "ch-2026-0050", "notes"], "CH-2026-0001"),  # other years, prefixes and names
    (["CH-2026-9998", "CH-2026-9999"], "CH-2026-10000"),  # more digits once 9999 is taken
    (["CH-2026-10000", "CH-2026-0004"], "CH-2026-10001"),
])
def test_next_id(existing: list[str], expected: str) -> None:
    assert next_id(CONFIG, 2026, existing) == expected


def test_next_id_uses_the_configured_prefix() -> None:
    config = Config(root=ROOT, settings=Settings(id_prefix="CIV"))
    assert next_id(config, 2026, ["CH-2026-0040", "CIV-2026-0002"]) == "CIV-2026-0003"


def test_next_id_refuses_a_year_that_is_not_four_digits() -> None:
    with pytest.raises(ValueError, match="four-digit year"):
        next_id(CONFIG, 99, [])


# --------------------------------------------------------------------------
# The rendered case


def test_a_new_case_is_intake_active_opened_today_with_a_first_stage_entry() -> None:
    text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY)
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["id"] == CASE_ID
    assert data["stage"] == "intake" and data["status"] == "active"
    assert data["opened"] == TODAY
    assert data["next_review"] == TODAY + dt.timedelta(days=14)
    assert data["sensitivity"] == "AMBER"
    assert data["stage_history"] == [{"stage": "intake", "date": TODAY, "by": "TODO",
                                      "note": newcase.NOTE}]
    assert data["incident"]["location_precision"] == "unknown"
    assert data["incident"]["attribution"] == "unknown"
    assert "assignee" not in data
    body = text.split("\n---\n", 1)[1]
    assert [line for line in body.splitlines() if line.startswith("## ")] == \
        ["## Summary", "## Intake notes", "## Next steps"]
    assert "[S1]" in body


def test_a_filled_in_new_case_validates_without_any_problem() -> None:
    text = fill(render_new_case(CONFIG, case_id=CASE_ID, today=TODAY))
    assert PLACEHOLDER_PREFIX + " " not in text.split("\n---\n")[0]
    assert BODY_PLACEHOLDER not in text
    assert check(text) == []


def test_every_passage_of_the_template_body_is_a_marked_placeholder() -> None:
    """What the writer must replace in the body is marked with the one marker the
    validator looks for: a passage left unmarked would never be reported."""
    text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY)
    body = text.split("\n---\n", 1)[1]
    passages = [line.removeprefix("- ") for line in body.splitlines()
                if line.strip() and not line.startswith("#")]
    assert len(passages) == 3
    assert all(passage.startswith(f"{BODY_PLACEHOLDER} ") for passage in passages), passages


def test_a_new_case_is_already_in_canonical_form() -> None:
    for text in (fill(render_new_case(CONFIG, case_id=CASE_ID, today=TODAY)),
                 fill(render_new_case(CONFIG, case_id=CASE_ID, today=TODAY, assignee="jdoe",
                                      title='He said "no": strike # 2', country="NOR",
                                      source_url="https://example.org/a#b",
                                      source_title="yes", sensitivity="CLEAR"))):
        assert format_text(text, rel=REL, config=CONFIG, today=TODAY) == (text, [])


def test_an_unfilled_new_case_reports_every_placeholder_as_cb211() -> None:
    text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY)
    where = placeholder_lines(text)
    assert sorted(where.values()) == ["accessed", "by", "country", "date", "note", "title",
                                      "title", "url"]
    in_body = body_placeholder_lines(text)
    assert list(in_body.values()) == [1, 3, 1]  # Summary, "- " Intake notes, Next steps
    found = check(text)
    # Nothing else: a placeholder in a date, country or url field is not also a bad date.
    assert [(d.line, d.code) for d in found] == [
        (line, "CB211") for line in sorted([*where, *in_body])]
    assert [(d.line, d.column) for d in found if d.line in in_body] == list(in_body.items())
    assert all("still holds the placeholder 'TODO" in d.message for d in found
               if d.line in where)
    assert [d.message.split(" still")[0] for d in found if d.line in in_body] == [
        "the Summary section", "the Intake notes section", "the Next steps section"]
    assert all(f"placeholder '{BODY_PLACEHOLDER} What" in d.message for d in found
               if d.line in in_body)


def test_each_placeholder_is_reported_until_it_is_filled() -> None:
    text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY)
    where = placeholder_lines(text)
    in_body = sorted(body_placeholder_lines(text))
    for placeholder, value in FILLED.items():
        text = text.replace(placeholder, value)
        where = {line: key for line, key in where.items() if line in placeholder_lines(text)}
        assert [d.line for d in check(text)] == sorted([*where, *in_body])
    assert [d.line for d in check(text)] == [12, *in_body]  # by: TODO, which fill() fills
    lines = text.split("\n")
    for line in in_body:  # one passage at a time: the others are still reported
        lines[line - 1] = lines[line - 1].replace(f"{BODY_PLACEHOLDER} ", "")
        in_body = in_body[1:]
        assert [d.line for d in check("\n".join(lines))] == [12, *in_body]
    assert check(fill(text)) == []


@pytest.mark.parametrize("narrative", [
    "The unit's TODO list was found at the site [S1].",
    "TODO: ask the hospital for its register [S1].",
    "A wall read TODO [S1].\n\n- TODO check the second report",
    "`[TODO]` is how a new case marks what to write [S1].",
])
def test_the_word_todo_in_a_narrative_is_not_a_placeholder(narrative: str) -> None:
    text = fill(render_new_case(CONFIG, case_id=CASE_ID, today=TODAY))
    head, _, _ = text.partition("\n---\n")
    found = check(f"{head}\n---\n## Summary\n\n{narrative}\n")
    expected = 1 if BODY_PLACEHOLDER in narrative else 0
    assert [d.code for d in found] == ["CB211"] * expected, found


def test_a_body_placeholder_is_reported_even_when_the_front_matter_is_wrong() -> None:
    """One run shows every placeholder: the body's are not hidden behind an error of
    the front matter."""
    text = fill(render_new_case(CONFIG, case_id=CASE_ID, today=TODAY)).replace(
        "country: YEM", "country: Yemen")
    text += f"\n{BODY_PLACEHOLDER} Who was harmed.\n"
    found = check(text)
    last = len(text.split("\n")) - 1
    assert [(d.code, d.line, d.column) for d in found] == [("CB207", 16, 12),
                                                          ("CB211", last, 1)]
    assert found[1].message == ("the Next steps section still holds the placeholder "
                                f"'{BODY_PLACEHOLDER} Who was harmed.'")


def test_given_values_replace_their_placeholders() -> None:
    text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY, title="A title",
                           country="YEM", source_url="https://example.org/r",
                           source_title="A report", assignee="asmith", sensitivity="RED")
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["title"] == "A title"
    assert data["assignee"] == "asmith"
    assert data["stage_history"][0]["by"] == "asmith"
    assert data["incident"]["country"] == "YEM"
    assert data["sensitivity"] == "RED"
    source = data["sources"][0]
    assert (source["title"], source["url"], source["accessed"]) == \
        ("A report", "https://example.org/r", TODAY)
    filled = text.replace(newcase.INCIDENT_DATE, "2026-11-01").replace(newcase.NOTE, "Logged.")
    assert check(fill_body(filled)) == []


@pytest.mark.parametrize("title", [
    'He said "no": the strike # 2 was [not] {ours}',
    "- starts like a list item",
    "ends with a colon:",
    "#hashtag first",
    "it's a 'quote'",
    "yes",
    "2024",
    "back\\slash, tab\tand unicode: café, قصف, \u2028 and on",
    "line\nbreak",
])
def test_a_title_is_written_safely(title: str) -> None:
    text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY, title=title)
    front = text.split("\n---\n", 1)[0] + "\n"
    assert len(front.splitlines()) == len(render_new_case(
        CONFIG, case_id=CASE_ID, today=TODAY).split("\n---\n", 1)[0].splitlines()), \
        "the title stays on its line"
    assert yaml.safe_load(front.removeprefix("---\n"))["title"] == title
    record = load_bytes(fill(text).encode("utf-8"), CaseFile(path=ROOT / REL, rel=REL), CONFIG)
    assert record.case is not None, record.diagnostics
    assert record.case.title == title
    title_line = front.splitlines()[2]
    assert title_line == f"title: {title}" or title_line.startswith('title: "')


def test_the_incident_date_and_who_logs_the_case_may_be_given() -> None:
    text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY, incident_date="2026-11",
                           by="kfarah", assignee="asmith")
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["incident"]["date"] == "2026-11"
    assert (data["assignee"], data["stage_history"][0]["by"]) == ("asmith", "kfarah")
    assert newcase.INCIDENT_DATE not in text
    assert format_text(fill(text), rel=REL, config=CONFIG, today=TODAY) == (fill(text), [])
    for day in ("2026-11-20", "2026", "2026-11-01~", "2026-10/2026-11"):
        text = render_new_case(CONFIG, case_id=CASE_ID, today=TODAY, incident_date=day)
        assert str(yaml.safe_load(text.split("---\n")[1])["incident"]["date"]) == day
        assert format_text(fill(text), rel=REL, config=CONFIG, today=TODAY) == (fill(text), [])


@pytest.mark.parametrize(("name", "given", "problem"), [
    ("country", "sudan", "'sudan' is not an ISO 3166-1 alpha-3 country code (did you mean "
                         "SDN (Sudan)?)"),
    ("country", "Sudna", "'Sudna' is not an ISO 3166-1 alpha-3 country code (did you mean "
                         "SDN (Sudan)?)"),
    ("country", "yem", "'yem' is not an ISO 3166-1 alpha-3 country code (did you mean YEM?)"),
    ("country", "SD", "'SD' is not an ISO 3166-1 alpha-3 country code (SD is a two-letter "
                      "code; did you mean SDN?)"),
    ("country", "Xyzzy", "'Xyzzy' is not an ISO 3166-1 alpha-3 country code"),
    ("sensitivity", "amber", "'amber' is not one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED "
                             "(did you mean AMBER?)"),
    ("sensitivity", "PURPEL", "'PURPEL' is not one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED"),
    ("source_type", "Media", "'Media' is not one of media, civil-society, foreign-government, "
                             "partner-government, us-government, un-or-io, social-media, "
                             "other (did you mean media?)"),
    ("incident_date", "2026-13", "'2026-13' is not a real date: there is no month 13"),
    ("incident_date", "20/11/2026", "'20/11/2026' has more than one '/'"),
    ("incident_date", "2026-12-01", "'2026-12-01' is after today (2026-11-28)"),
    ("by", "j doe", "'j doe' is not a user handle (for example jdoe)"),
    ("assignee", "@jdoe", "'@jdoe' is not a user handle (for example jdoe)"),
    ("source_url", "example.org/report", "'example.org/report' is not an http(s) URL"),
    ("title", "x" * 161, "String should have at most 160 characters"),
])
def test_a_value_the_case_cannot_hold_is_explained(name: str, given: str, problem: str) -> None:
    assert option_problem(name, given, TODAY) == problem


@pytest.mark.parametrize(("name", "given"), [
    ("country", "SDN"), ("sensitivity", "AMBER+STRICT"), ("source_type", "un-or-io"),
    ("incident_date", "2026-11-28"), ("incident_date", "2024~/2025"), ("by", "j.doe"),
    ("source_url", "https://example.org/r?id=1"), ("title", "Strike on a market"),
])
def test_a_value_the_case_can_hold_passes(name: str, given: str) -> None:
    assert option_problem(name, given, TODAY) is None


def test_a_country_is_suggested_by_its_name_or_a_word_of_it() -> None:
    assert country_suggestions("Sudan") == ["SDN (Sudan)"]
    assert country_suggestions("korea") == ["PRK (Korea, Democratic People's Republic of)",
                                            "KOR (Korea, Republic of)"]
    assert country_suggestions("syria") == ["SYR (Syrian Arab Republic)"]
    assert country_suggestions("") == []


def test_a_bad_sensitivity_is_refused() -> None:
    with pytest.raises(ValueError, match="PURPLE"):
        render_new_case(CONFIG, case_id=CASE_ID, today=TODAY, sensitivity="PURPLE")


def test_every_value_in_the_template_is_escaped_for_yaml() -> None:
    """Every value is written by the yaml filter; the body's marker is the one other
    thing the template writes, and only in the body."""
    template = (ROOT / "templates" / "case.md.j2").read_text(encoding="utf-8")
    front, body = template.rsplit("\n---\n", 1)
    expressions = re.findall(r"{{(.*?)}}", front)
    assert expressions
    for expression in expressions:
        assert expression.strip().endswith("| yaml"), expression
    markers = [e.strip() for e in re.findall(r"{{(.*?)}}", body) if "| yaml" not in e]
    assert markers == ["todo"] * 3


def test_a_repository_may_bring_its_own_template(repo: Path) -> None:
    config = load_config(repo / "mkdocs.yml")
    (repo / "templates").mkdir()
    own = (ROOT / "templates" / "case.md.j2").read_text("utf-8").replace(
        "## Intake notes", "## Our own heading")
    (repo / "templates" / "case.md.j2").write_text(own, encoding="utf-8")
    assert "## Our own heading" in render_new_case(config, case_id=CASE_ID, today=TODAY)


# --------------------------------------------------------------------------
# create_case


@pytest.fixture
def config(repo: Path) -> Config:
    return load_config(repo / "mkdocs.yml")


def test_create_case_takes_the_next_free_id_of_the_year(repo: Path, config: Config) -> None:
    cases = repo / "cases"
    for name in ("CH-2026-0001.md", "CH-2026-0004.md", "CH-2025-0009.md", "README.md"):
        (cases / name).write_text("keep\n", encoding="utf-8")
    (cases / "archive").mkdir()
    (cases / "archive" / "CH-2026-0006.md").write_text("keep\n", encoding="utf-8")
    path = create_case(config, today=TODAY, title="A new case")
    assert path == cases / "CH-2026-0007.md"
    assert path.read_text("utf-8") == render_new_case(config, case_id="CH-2026-0007",
                                                      today=TODAY, title="A new case")
    assert create_case(config, today=TODAY).name == "CH-2026-0008.md"
    assert create_case(config, today=dt.date(2027, 1, 2)).name == "CH-2027-0001.md"


def test_create_case_makes_the_cases_folder(tmp_path: Path) -> None:
    config = Config(root=tmp_path, settings=Settings())
    assert create_case(config, today=TODAY) == tmp_path / "cases" / "CH-2026-0001.md"


def test_create_case_never_overwrites(repo: Path, config: Config,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Another writer took CH-2026-0001 after the ids were read: the next id is used."""
    taken = repo / "cases" / "CH-2026-0001.md"
    taken.write_text("someone else's case\n", encoding="utf-8")
    monkeypatch.setattr(newcase, "case_files", lambda config: [])
    path = create_case(config, today=TODAY)
    assert path.name == "CH-2026-0002.md"
    assert taken.read_text("utf-8") == "someone else's case\n"


def test_a_failed_write_leaves_no_half_case(repo: Path, config: Config,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = files_module.os.write

    def half(handle: int, data: Any) -> int:
        if bytes(data[:3]) != b"---":
            return real_write(handle, data)
        real_write(handle, bytes(data[: len(data) // 2]))  # half written: the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files_module.os, "write", half)
    with pytest.raises(OSError, match="No space left"):
        create_case(config, today=TODAY)
    assert list((repo / "cases").iterdir()) == []


def test_a_created_case_validates_once_filled(repo: Path, config: Config) -> None:
    path = create_case(config, today=TODAY, assignee="jdoe")
    path.write_text(fill(path.read_text("utf-8")), encoding="utf-8")
    report = load_corpus(config, today=TODAY).report()
    assert report.diagnostics == ()
