"""The repository's own cases/, whatever cases a team keeps there: they validate and they
satisfy the JSON Schema.

Every check here holds for any valid set of cases, on any date: cases that
`casebook validate` passes. Canonical form is not asked for here: it is style,
which the pre-commit hook (`casebook fmt`) and a pull request's `casebook fmt
--check` keep, and valid cases a team imports or writes by hand may not have it
yet (tests/test_fixture_project.py holds the suite's own samples to it). Nor is a
build: whether a team's site may be published (its leak check) is the site
workflow's verdict on the data, not the test suite's on the code. The cases are
checked as `casebook validate` checks them on the day the suite runs, and only
errors fail: warnings (an overdue review, a stalled case) come to any team's
cases as time passes, and a team's CI must not break because a date went by.
Nothing here asserts what the cases hold (a stage, a level, a word): tests that
need particular cases read the suite's own samples under tests/fixtures/project/.
tests/test_team_cases.py runs this module on a copy of the project whose cases/
holds generated cases and one opened today.
"""

from __future__ import annotations

import json

import jsonschema

from conftest import ROOT, invoke, shown


def test_every_case_validates_without_an_error() -> None:
    result = invoke("validate", "--format", "json", cwd=ROOT)
    report = json.loads(result.stdout)
    errors = [f"{d['path']}:{d['line']}:{d['column']}: {d['code']} {d['message']}"
              for d in report["diagnostics"] if d["severity"] == "error"]
    assert errors == [], shown(result)
    assert result.exit_code == 0, shown(result)


def test_every_case_satisfies_the_json_schema() -> None:
    """What the validator accepts, the JSON Schema given to other tools accepts too."""
    from generator.checks.corpus import load_corpus
    from generator.config import load_config

    schema = json.loads((ROOT / "schema" / "case.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    for record in load_corpus(load_config(ROOT / "mkdocs.yml")).files:
        assert [e.message for e in validator.iter_errors(record.data)] == [], record.rel
