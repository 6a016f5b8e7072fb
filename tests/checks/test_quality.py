"""Data-quality warnings: coordinates outside their country (with the swap hint), sources
published before the incident; and none on a generated corpus of valid cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import TODAY, bench_corpus
from generator.checks.boundaries import atlas
from generator.checks.corpus import load_corpus
from generator.config import load_config

CASE = """---
id: CH-2024-0001
title: Strike on a market in an example town
opened: 2024-02-01
stage: intake
status: active
next_review: 2027-01-15
sensitivity: CLEAR
stage_history:
  - stage: intake
    date: 2024-02-01
    by: jdoe
    note: Logged from a media report.
incident:
  date: 2024-01-20
  country: {country}
  coordinates: {{lat: {lat}, lon: {lon}}}
  location_precision: settlement
  attribution: unknown
sources:
  - key: S1
    type: media
    visibility: public
    title: Market struck in example town
    url: https://example.org/report
    accessed: 2024-02-01
---
This is a fictional test case. A market was struck [S1].
"""


def _warnings(repo: Path, country: str, lat: float, lon: float,
              settings: str = "") -> list[str]:
    if settings:
        (repo / "mkdocs.yml").write_text(
            f"site_name: t\nplugins:\n  - casebook:\n      {settings}\n", encoding="utf-8")
    (repo / "cases" / "CH-2024-0001.md").write_text(
        CASE.format(country=country, lat=lat, lon=lon), encoding="utf-8")
    corpus = load_corpus(load_config(repo / "mkdocs.yml"), today=TODAY)
    return [d.message for d in corpus.diagnostics if d.code == "CB361"]


def test_the_boundaries_are_installed() -> None:
    boundaries = atlas()
    assert boundaries is not None, "run make: the world-atlas package is missing"
    assert {"YEM", "PSE", "UKR", "COL"} <= boundaries.codes


def test_swapped_coordinates_get_the_hint(repo: Path) -> None:
    # A strike in Gaza with latitude and longitude swapped lands in the sea off Turkey.
    [message] = _warnings(repo, "PSE", 34.45, 31.5)
    assert "latitude and longitude look swapped: lat 31.5, lon 34.45 is inside" in message


def test_a_point_in_another_country_has_no_swap_hint(repo: Path) -> None:
    [message] = _warnings(repo, "YEM", 24.7, 46.7)  # Riyadh
    assert "outside YEM" in message and "swapped" not in message


@pytest.mark.parametrize(("country", "lat", "lon"), [
    ("YEM", 15.35, 44.21),    # inland
    ("PSE", 31.52, 34.45),    # Gaza
    ("LBN", 33.89, 35.49),    # on the coast, where the 1:50m line is coarse
])
def test_points_inside_or_near_their_country_are_quiet(repo: Path, country: str, lat: float,
                                                       lon: float) -> None:
    assert _warnings(repo, country, lat, lon) == []


def test_the_tolerance_is_a_setting(repo: Path) -> None:
    # In the Red Sea, some 60 km off Yemen's coast.
    far = _warnings(repo, "YEM", 14.0, 42.0)
    assert far and "more than coordinates_tolerance_km, 10 km" in far[0]
    assert _warnings(repo, "YEM", 14.0, 42.0, "coordinates_tolerance_km: 500") == []


def test_no_quality_warning_on_a_generated_corpus(tmp_path: Path) -> None:
    corpus_module = bench_corpus()
    corpus_module.write_corpus(tmp_path, 400)
    corpus_module.write_mkdocs_yml(tmp_path)
    corpus = load_corpus(load_config(tmp_path / "mkdocs.yml"), today=TODAY)
    with_points = [c for c in corpus.cases if c.incident.coordinates is not None]
    assert len(with_points) > 150
    assert {c.incident.country for c in with_points} == set(corpus_module.COUNTRIES)
    assert [str(d) for d in corpus.diagnostics] == []
