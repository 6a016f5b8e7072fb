"""The synthetic corpus of bench/corpus.py: valid cases, and the git history it claims.

The benchmarks measure casebook on this corpus, so a corpus with invalid cases
or a history other than the one it describes would measure something else.
Every test writes a small corpus (40 cases) into a temporary folder; the
history is a real git repository, read back with git itself.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT, TODAY
from generator.checks.corpus import load_corpus
from generator.config import load_config

N = 40
SEED = 7
COMMITS_PER_CASE = 4


def _bench_module(name: str) -> ModuleType:
    """A script of bench/ (a folder of scripts, not a package), loaded from its path."""
    spec = importlib.util.spec_from_file_location(f"casebook_bench_{name}",
                                                  ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus() -> ModuleType:
    # The benchmarks' own loader, so that the tests read the module they run.
    module: ModuleType = _bench_module("measure").load_corpus_module()
    return module


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True, env=env).stdout


@pytest.fixture(scope="module")
def history_repo(corpus: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history") / "repo"
    corpus.write_history_repo(root, N, seed=SEED, commits_per_case=COMMITS_PER_CASE)
    return root


def _written(corpus: ModuleType, root: Path, *, seed: int = SEED) -> Path:
    corpus.write_corpus(root, N, seed=seed)
    corpus.write_mkdocs_yml(root)
    return root


def _problems(root: Path) -> list[str]:
    checked = load_corpus(load_config(start=root), today=TODAY)
    assert len(checked.files) > 0
    return [f"{d.path}:{d.line} {d.code} {d.message}" for d in checked.diagnostics]


# --- the cases ------------------------------------------------------------------------


def test_generated_cases_validate_without_any_problem(corpus: ModuleType, tmp_path: Path) -> None:
    root = _written(corpus, tmp_path)
    assert _problems(root) == []
    assert len(load_corpus(load_config(start=root), today=TODAY).cases) == N


def test_generated_cases_pass_the_validate_command_in_strict_mode(
        corpus: ModuleType, tmp_path: Path,
        casebook: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    root = _written(corpus, tmp_path)
    done = casebook("validate", "--strict", "--today", TODAY.isoformat(), cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{N} cases" in done.stdout


def test_every_stage_is_represented(corpus: ModuleType, tmp_path: Path) -> None:
    root = _written(corpus, tmp_path)
    cases = load_corpus(load_config(start=root), today=TODAY).cases
    stages = Counter(case.stage.value for case in cases)
    assert set(stages) == set(corpus.STAGES), stages


def test_the_same_seed_gives_the_same_bytes(corpus: ModuleType, tmp_path: Path) -> None:
    first = corpus.write_corpus(tmp_path / "first", N, seed=SEED)
    again = corpus.write_corpus(tmp_path / "again", N, seed=SEED)
    assert [p.name for p in first] == [p.name for p in again]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]


def test_another_seed_gives_other_cases(corpus: ModuleType, tmp_path: Path) -> None:
    first = corpus.write_corpus(tmp_path / "first", N, seed=SEED)
    other = corpus.write_corpus(tmp_path / "other", N, seed=SEED + 1)
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]


def test_a_case_is_the_same_whatever_the_size_of_the_corpus(corpus: ModuleType,
                                                           tmp_path: Path) -> None:
    small = corpus.write_corpus(tmp_path / "small", N // 2, seed=SEED)
    large = corpus.write_corpus(tmp_path / "large", N, seed=SEED)
    assert [p.read_bytes() for p in small] == [p.read_bytes() for p in large[: N // 2]]


def test_every_planned_version_of_every_case_is_valid(corpus: ModuleType,
                                                      tmp_path: Path) -> None:
    plans, commits = corpus.planned_history(N, seed=SEED, commits_per_case=COMMITS_PER_CASE)
    # One folder for each step of the histories: the k-th version of every case together,
    # so that the checks across cases (related ids) see a whole corpus.
    for seq in range(COMMITS_PER_CASE):
        root = tmp_path / f"version-{seq}"
        (root / "cases").mkdir(parents=True)
        corpus.write_mkdocs_yml(root)
        for commit in commits:
            if commit.seq == seq:
                plan = plans[commit.index]
                (root / "cases" / f"{plan.case_id}.md").write_text(
                    corpus.render(plan, commit.state), encoding="utf-8")
        assert _problems(root) == [], f"version {seq}"


# --- the history ----------------------------------------------------------------------


def test_the_history_has_the_number_of_commits_it_claims(corpus: ModuleType,
                                                         history_repo: Path) -> None:
    _, commits = corpus.planned_history(N, seed=SEED, commits_per_case=COMMITS_PER_CASE)
    count = int(_git(history_repo, "rev-list", "--count", "HEAD"))
    assert len(commits) == N * COMMITS_PER_CASE
    assert count == 1 + len(commits)  # and the set-up commit


@pytest.mark.parametrize("commits_per_case", [1, 2, 6])
def test_each_case_gets_the_number_of_commits_asked_for(corpus: ModuleType, tmp_path: Path,
                                                        commits_per_case: int) -> None:
    n = 12
    corpus.write_history_repo(tmp_path, n, seed=SEED, commits_per_case=commits_per_case)
    assert int(_git(tmp_path, "rev-list", "--count", "HEAD")) == 1 + n * commits_per_case
    for path in _git(tmp_path, "ls-files", "cases").split():
        assert len(_git(tmp_path, "log", "--format=%H", "--", path).split()) == commits_per_case


def test_each_case_ends_as_make_case_writes_it(corpus: ModuleType, history_repo: Path) -> None:
    expected = dict(corpus.make_case(i, corpus.case_rng(SEED, i)) for i in range(N))
    committed = sorted(_git(history_repo, "ls-tree", "--name-only", "HEAD", "cases/").split())
    assert committed == sorted(f"cases/{case_id}.md" for case_id in expected)
    for case_id, text in expected.items():
        assert _git(history_repo, "show", f"HEAD:cases/{case_id}.md") == text, case_id
        assert (history_repo / "cases" / f"{case_id}.md").read_text(encoding="utf-8") == text
    assert _git(history_repo, "status", "--porcelain") == ""


def test_the_commits_touching_each_case_are_those_planned(corpus: ModuleType,
                                                          history_repo: Path) -> None:
    plans, commits = corpus.planned_history(N, seed=SEED, commits_per_case=COMMITS_PER_CASE)
    emails = {name: f"{handle}@{corpus.AUTHOR_DOMAIN}" for handle, name in corpus.ANALYSTS}
    for plan in plans:
        path = f"cases/{plan.case_id}.md"
        planned = [c for c in commits if c.index == plan.index]
        logged = [line.split("\0") for line in _git(
            history_repo, "log", "--follow", "--format=%H%x00%an%x00%ae%x00%aI%x00%s", "--",
            path).splitlines()]
        assert [(name, email, subject) for _, name, email, _, subject in logged] == [
            (c.author, emails[c.author], c.message) for c in reversed(planned)], plan.case_id
        for (sha, *_, when, _), commit in zip(logged, reversed(planned), strict=True):
            assert dt.datetime.fromisoformat(when).date() >= commit.date, (plan.case_id, sha)
            assert _git(history_repo, "show", f"{sha}:{path}") == corpus.render(
                plan, commit.state), (plan.case_id, sha)


def test_the_same_arguments_give_the_same_commits(corpus: ModuleType, history_repo: Path,
                                                  tmp_path: Path) -> None:
    corpus.write_history_repo(tmp_path, N, seed=SEED, commits_per_case=COMMITS_PER_CASE)
    assert _git(tmp_path, "rev-parse", "HEAD") == _git(history_repo, "rev-parse", "HEAD")


def test_the_stage_histories_agree_with_the_dates_git_recorded(
        history_repo: Path, casebook: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    done = casebook("validate", "--history", "--strict", "--today", TODAY.isoformat(),
                    cwd=history_repo)
    assert done.returncode == 0, done.stdout + done.stderr
