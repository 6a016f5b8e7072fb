"""Generated documentation and schema never drift from the code."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import ROOT, TODAY, sample_config
from generator.checks.corpus import load_corpus
from generator.publish import reference
from generator.records.diagnostics import RULES
from generator.records.fields import records, schema_fields
from generator.records.schema import Case, enumerations, json_schema, meanings


def test_readme_generated_blocks_are_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == reference.expected_readme(readme), "README.md drifted: run `make regen`"


def test_committed_json_schema_is_current() -> None:
    committed = (ROOT / "schema" / "case.schema.json").read_text(encoding="utf-8")
    assert committed == reference.schema_text(), "schema/case.schema.json drifted: run `make regen`"


def _generated_blocks(readme: str) -> dict[str, str]:
    blocks = {}
    for name in ("gates", "fields", "rules"):
        body = readme.split(f"<!-- {name}:start -->", 1)[1].split(f"<!-- {name}:end -->", 1)[0]
        blocks[name] = body
    return blocks


def test_generated_blocks_name_no_python_type() -> None:
    """Types are described in words: no repr such as <class '...'> reaches a reader."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = _generated_blocks(readme)
    assert set(blocks) == {"gates", "fields", "rules"}
    for name, body in blocks.items():
        assert body.strip(), name
        assert "<class " not in body, name
        assert "generator." not in body, name
        assert "typing." not in body and "Annotated" not in body, name


def test_every_field_has_its_type_in_words() -> None:
    kinds = {f.path: f.kind for f in schema_fields()}
    assert kinds["incident.date"] == "incident date"
    assert kinds["opened"] == "date"
    assert kinds["harm.killed"] == "count"
    assert kinds["weapons"] == "list of mapping (Weapon)"
    assert kinds["incident.coordinates.lat"] == "number"
    assert kinds["sources.credibility"] == "whole number"
    assert "| `date` | incident date | yes |" in reference.field_reference()


def test_a_type_without_words_fails_loudly() -> None:
    import decimal

    from generator.records.fields import type_words

    with pytest.raises(TypeError, match="Decimal"):
        type_words(decimal.Decimal)
    with pytest.raises(TypeError):
        type_words(list[decimal.Decimal])


def test_every_field_has_a_description() -> None:
    missing = []
    for model in records():
        missing += [f"{model.__name__}.{name}" for name, info in model.model_fields.items()
                    if not info.description]
    assert missing == []


def test_every_field_and_value_is_in_the_reference() -> None:
    text = reference.field_reference()
    for model in records():
        for name in model.model_fields:
            assert f"| `{name}` |" in text, name
    for cls in enumerations():
        for member in cls:
            assert (f"| `{member.value}` | {member.label} | {meanings(cls)[member.value]}"
                    in text)


def test_every_rule_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"| {rule.code} | `{rule.name}` |" in readme


def test_quick_start_is_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in quick.splitlines()[1:] if line.strip()]
    assert commands == ["make serve", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_suites_sample_cases_satisfy_the_json_schema() -> None:
    """The JSON Schema given to other tools accepts what our validator accepts."""
    schema = json.loads((ROOT / "schema" / "case.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    corpus = load_corpus(sample_config(), today=TODAY)
    assert len(corpus.files) >= 15
    for record in corpus.files:
        # What a generic YAML reader would produce after our strict reading:
        # dates as text, counts as numbers.
        errors = [e.message for e in validator.iter_errors(record.data)]
        assert errors == [], record.rel


@pytest.mark.parametrize("bad", [
    {"stage": "intak"}, {"sensitivity": "amber"}, {"unknown_key": 1}, {"title": ""},
])
def test_json_schema_rejects_what_the_validator_rejects(bad: dict[str, object]) -> None:
    schema = json_schema()
    sample = load_corpus(sample_config(), today=TODAY).files[0].data
    assert Case.model_validate(sample)
    broken = {**sample, **bad}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(broken))


def test_every_command_and_setting_is_documented() -> None:
    from generator.cli.main import cli
    from generator.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"casebook {name}" in readme, f"README.md does not mention `casebook {name}`"
    for name in Settings.model_fields:
        assert f"{name}:" in readme, f"README.md does not document the setting {name}"
