"""The suite's own sample cases (tests/fixtures/project/cases/) hold what the tests rely on.

Tests read these, never the repository's cases/: a page for every stage, a RED
case that must never be published, a word in one narrative. Here is what they
must hold, checked on the suite's fixed day: every stage and every sensitivity
level, every case valid without a single warning and in canonical form, and
each saying it is fictional.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from conftest import SAMPLE_CASES, TODAY, copy_project, invoke, sample_config, shown
from generator.checks.corpus import load_corpus
from generator.records.schema import Sensitivity, Stage
from generator.review.fmt import format_text


def test_the_samples_cover_every_stage_and_every_sensitivity_level() -> None:
    cases = load_corpus(sample_config(), today=TODAY).cases
    assert len(cases) == len(list(SAMPLE_CASES.glob("*.md"))) >= 15
    stages = Counter(c.stage for c in cases)
    assert set(stages) == set(Stage), stages
    levels = Counter(c.sensitivity for c in cases)
    assert set(levels) == set(Sensitivity), levels


def test_the_samples_validate_without_any_problem(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    result = invoke("validate", "--strict", "--today", TODAY.isoformat(), cwd=project)
    assert result.exit_code == 0, shown(result)
    count = len(list(SAMPLE_CASES.glob("*.md")))
    assert result.stdout.strip().splitlines()[-1] == f"{count} cases, 0 errors, 0 warnings", \
        shown(result)


def test_the_samples_are_in_canonical_form() -> None:
    config = sample_config()
    for path in sorted(SAMPLE_CASES.glob("*.md")):
        text = path.read_bytes().decode("utf-8")
        assert format_text(text, rel=f"cases/{path.name}", config=config, today=TODAY) == \
            (text, []), path.name


def test_every_sample_says_it_is_fictional() -> None:
    for path in sorted(SAMPLE_CASES.glob("*.md")):
        assert "fictional" in path.read_text(encoding="utf-8").lower(), path.name
