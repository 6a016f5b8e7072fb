"""`casebook duplicates`: planted near-copies are found, a corpus without them gives few
pairs, and a settled pair is not proposed again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import TODAY, bench_corpus, invoke, shown
from generator.checks.corpus import load_corpus
from generator.checks.duplicates import candidates
from generator.config import load_config

N = 900
ORIGINALS = range(0, 300, 25)


def _corpus(root: Path, copies: bool) -> list[tuple[str, str]]:
    """A generated corpus of N cases, with near-copies of some: (original, copy) ids."""
    module = bench_corpus()
    module.write_corpus(root, N)
    module.write_mkdocs_yml(root)
    planted = []
    if copies:
        for k, i in enumerate(ORIGINALS):
            j = N + 3 * k + (i - N) % 3  # the original's year: j % 3 == i % 3
            case_id, text = module.near_copy(i, j)
            (root / "cases" / f"{case_id}.md").write_text(text, encoding="utf-8")
            planted.append((module.case_id_for(i), case_id))
    return planted


@pytest.fixture(scope="module")
def planted_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    root = tmp_path_factory.mktemp("planted")
    return root, _corpus(root, copies=True)


def _pairs(root: Path) -> set[tuple[str, str]]:
    corpus = load_corpus(load_config(root / "mkdocs.yml"), today=TODAY)
    assert corpus.report().errors == 0, [str(d) for d in corpus.diagnostics[:3]]
    bodies = {f.case.id: f.body for f in corpus.files if f.case is not None}
    return {(p.first, p.second) for p in candidates(corpus.cases, bodies)}


def test_planted_near_copies_are_found(planted_root: tuple[Path, list[tuple[str, str]]]
                                       ) -> None:
    root, planted = planted_root
    found = _pairs(root)
    assert {tuple(sorted(pair)) for pair in planted} <= found
    assert len(found) <= len(planted) + N // 100


def test_a_corpus_without_copies_gives_few_pairs(tmp_path: Path) -> None:
    _corpus(tmp_path, copies=False)
    assert len(_pairs(tmp_path)) <= N // 100


def test_the_command_lists_pairs_with_reasons(planted_root: tuple[Path, list[tuple[str, str]]]
                                             ) -> None:
    root, planted = planted_root
    result = invoke("duplicates", "--format", "json", "--today", TODAY.isoformat(), cwd=root)
    assert result.exit_code == 0, shown(result)
    pairs = json.loads(result.stdout)["pairs"]
    first = next(p for p in pairs if (p["first"], p["second"]) == tuple(sorted(planted[0])))
    assert first["score"] >= 0.8
    assert any("km apart" in r or "same place" in r for r in first["reasons"])
    assert "same partner force" in first["reasons"] or "partner" not in " ".join(
        first["reasons"])
    text = invoke("duplicates", "--today", TODAY.isoformat(), cwd=root)
    assert "candidate pairs among" in text.stdout


def _settle(root: Path, case_id: str, line: str) -> None:
    path = root / "cases" / f"{case_id}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nstage_history:", f"\n{line}\nstage_history:", 1),
                    encoding="utf-8")


def test_a_pair_settled_as_not_duplicate_is_not_proposed_again(tmp_path: Path) -> None:
    planted = _corpus(tmp_path, copies=True)
    original, copy = planted[0]
    _settle(tmp_path, copy, f"not_duplicate_of:\n  - {original}")
    found = _pairs(tmp_path)
    assert tuple(sorted((original, copy))) not in found
    assert tuple(sorted(planted[1])) in found


def test_a_case_closed_as_a_duplicate_is_not_proposed(
        planted_root: tuple[Path, list[tuple[str, str]]]) -> None:
    root, planted = planted_root
    corpus = load_corpus(load_config(root / "mkdocs.yml"), today=TODAY)
    original, copy = planted[0]
    cases = [c.model_copy(update={"duplicate_of": original}) if c.id == copy else c
             for c in corpus.cases]
    found = {(p.first, p.second) for p in candidates(cases)}
    assert all(copy not in pair for pair in found)
