"""Every value of every enumeration, and every key, has a human label defined in the schema."""

from __future__ import annotations

import enum
import pickle
import typing

import pytest

from generator.records.fields import label_at, records, schema_fields
from generator.records.schema import (
    NOT_RECORDED,
    NOT_RECORDED_MEANING,
    ActionType,
    Choice,
    ClosureReason,
    Sensitivity,
    SourceType,
    Stage,
    UsOrigin,
    UsOriginBasis,
    Visibility,
    bucket_of,
    enumerations,
    field_title,
    is_unrecorded,
    json_schema,
    label_of,
)

MEMBERS = [member for cls in enumerations() for member in cls]

# Words a label may write with capitals after its first word: acronyms and the like.
PROPER = {"U.S.", "U.S.-origin", "UN", "IHL", "URL", "ID"}


def _mechanical(value: str) -> set[str]:
    """The labels that would be made from a value by rule alone."""
    words = value.replace("-", " ").replace("_", " ")
    return {words.capitalize(), words.title(), words[:1].upper() + words[1:]}


def _mentioned(annotation: object) -> set[type]:
    found = {annotation} if isinstance(annotation, type) else set()
    for arg in typing.get_args(annotation):
        found |= _mentioned(arg)
    return found


def test_every_enumeration_of_the_schema_is_listed_and_is_a_choice() -> None:
    used = {t for model in records() for info in model.model_fields.values()
            for t in _mentioned(info.annotation) if issubclass(t, enum.Enum)}
    assert used == set(enumerations())
    assert all(issubclass(cls, Choice) for cls in used)


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: f"{type(m).__name__}.{m.value}")
def test_every_member_has_a_label_and_a_description(member: Choice) -> None:
    assert member.label.strip() == member.label and member.label
    assert member.description.endswith(".")
    assert member.description != member.label
    # Sentence case: a capital first, then lower case but for acronyms.
    first, *rest = member.label.split(" ")
    assert first[:1].isupper(), member.label
    assert all(word == word.lower() or word in PROPER for word in rest), member.label


def test_labels_are_unique_within_an_enumeration() -> None:
    for cls in enumerations():
        labels = [m.label for m in cls]
        assert len(labels) == len(set(labels)), cls.__name__


@pytest.mark.parametrize(("member", "label"), [
    (ClosureReason.NOT_US_ORIGIN, "Not U.S. origin"),
    (UsOriginBasis.TYPE_ONLY_SUPPLIED_BY_US, "Type supplied only by the U.S."),
    (Visibility.NON_PUBLIC, "Non-public"),
    (ActionType.TACTICS_PROCEDURES_CHANGE, "Tactics or procedures change"),
    (Sensitivity.AMBER_STRICT, "TLP:AMBER+STRICT"),
    (SourceType.US_GOVERNMENT, "U.S. government"),
    (SourceType.UN_OR_IO, "UN or international organisation"),
])
def test_labels_that_a_rule_would_get_wrong(member: Choice, label: str) -> None:
    assert member.label == label
    assert label not in _mechanical(member.value)


def test_a_member_without_a_description_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match=r"Broken\.two: a description is required"):
        class Broken(Choice):
            ONE = enum.auto(), "The first."
            TWO = enum.auto(), " "


def test_a_member_takes_its_value_from_its_name_and_its_label_from_its_value() -> None:
    class Made(Choice):
        ON_HOLD = enum.auto(), "Paused."
        US_MADE = enum.auto(), "Made in the U.S."
        WRITTEN = "As-Written", "Written out.", "As written"

    assert [m.value for m in Made] == ["on-hold", "us-made", "As-Written"]
    assert [m.label for m in Made] == ["On hold", "U.S. made", "As written"]
    assert Made("on-hold") is Made.ON_HOLD
    assert Made.ON_HOLD.description == "Paused."


def test_values_are_what_case_files_hold() -> None:
    assert Stage("incident-analysis") is Stage.INCIDENT_ANALYSIS
    assert Stage.INCIDENT_ANALYSIS == "incident-analysis"
    assert str(Sensitivity.AMBER_STRICT) == "AMBER+STRICT"
    assert pickle.loads(pickle.dumps(ClosureReason.NOT_US_ORIGIN)) is ClosureReason.NOT_US_ORIGIN
    definitions = json_schema()["$defs"]
    for cls in enumerations():
        assert definitions[cls.__name__]["enum"] == [m.value for m in cls]
        assert definitions[cls.__name__]["enumDescriptions"] == [m.description for m in cls]


def test_label_of_and_the_not_recorded_bucket() -> None:
    assert label_of(ClosureReason.NOT_US_ORIGIN) == "Not U.S. origin"
    assert label_of(None) == NOT_RECORDED
    assert bucket_of(UsOrigin.UNKNOWN) == (NOT_RECORDED, NOT_RECORDED_MEANING)
    assert bucket_of(None) == (NOT_RECORDED, NOT_RECORDED_MEANING)
    assert bucket_of(UsOrigin.LIKELY) == ("Likely", UsOrigin.LIKELY.description)
    assert all(is_unrecorded(v) for v in (None, "unknown", " Unknown "))
    assert not any(is_unrecorded(v) for v in ("Unknown Forces", "known", ""))


def test_every_field_has_a_label_with_acronyms_as_written() -> None:
    for field in schema_fields():
        first, *rest = field.label.split(" ")
        assert first[:1].isupper(), field.path
        assert all(word == word.lower() or word in PROPER for word in rest), field.path
        assert not {"Us", "Ihl", "Url", "Id"} & set(field.label.split(" ")), field.path
    assert label_at("weapons.us_origin") == "U.S. origin"
    assert label_at("assessment.ihl_concern") == "IHL concern"
    assert label_at("sources.archive_url") == "Archive URL"
    assert label_at("incident.coordinates.lat") == "Latitude"
    assert field_title("partner_force") == "Partner force"
    with pytest.raises(KeyError, match="not a field"):
        label_at("incident.nowhere")


def test_the_json_schema_titles_are_the_field_labels() -> None:
    schema = json_schema()
    titled = 0
    for field in schema_fields():
        record = schema if field.model.__name__ == "Case" else schema["$defs"][field.model.__name__]
        # pydantic writes no title beside a bare $ref (a field that is one enumeration).
        title = record["properties"][field.name].get("title")
        assert title in (None, field.label), field.path
        titled += title is not None
    assert titled > 60
