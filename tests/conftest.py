"""Shared fixtures: golden files, throw-away repositories, the command line."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

if TYPE_CHECKING:
    from generator.config import Config

# No deadline: speed is measured by the benchmarks in bench/, never asserted by a
# test (a deadline fails at random on a loaded two-core machine).
settings.register_profile("casebook", deadline=None)
settings.load_profile("casebook")

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
GOLDEN = TESTS / "golden"
FIXTURES = TESTS / "fixtures"
TODAY = dt.date(2026, 11, 28)
"""Every test that depends on today's date uses this one."""
SAMPLE_CASES = FIXTURES / "project" / "cases"
"""The suite's own fictional sample cases: a test that needs particular cases reads
these, never the repository's cases/, which may hold any team's valid cases."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite the golden files under tests/golden from the current output")


class Golden:
    """Compare output with a file under tests/golden; `--update-golden` rewrites it."""

    def __init__(self, update: bool) -> None:
        self.update = update

    def check(self, name: str, actual: str) -> None:
        path = GOLDEN / name
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path.relative_to(ROOT)}: run pytest --update-golden"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from {path.relative_to(ROOT)}"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(bool(request.config.getoption("--update-golden")))


MKDOCS_YML = """site_name: Test casebook
plugins:
  - casebook:
      cases_dir: cases
      id_prefix: CH
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty casebook repository: mkdocs.yml and an empty cases/ folder."""
    (tmp_path / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (tmp_path / "cases").mkdir()
    return tmp_path


def invoke(*args: str, cwd: Path) -> Result:
    """Run `casebook ARGS` in this process from the folder `cwd`, as a user would type it.

    Exceptions other than the command's own exit propagate: a crash is never taken
    for exit code 1. The result has `exit_code`, `stdout` and `stderr` apart."""
    from generator.cli.main import cli

    with contextlib.chdir(cwd):
        return CliRunner().invoke(cli, list(args), prog_name="casebook",
                                  catch_exceptions=False)


def shown(result: Result) -> str:
    """A command's exit code and output, for an assertion's message."""
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def run_casebook(*args: str, cwd: Path, env: dict[str, str] | None = None
                 ) -> subprocess.CompletedProcess[str]:
    """Run the real command in a child process: for what only a process shows (the
    console script, signals, a whole build with its logging)."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd,
                          capture_output=True, text=True, env=full_env, check=False)


@pytest.fixture
def casebook() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_casebook


@pytest.fixture
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user or system git configuration may change what these tests see."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                 "GIT_CEILING_DIRECTORIES", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                 "GIT_AUTHOR_DATE", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
                 "GIT_COMMITTER_DATE"):
        monkeypatch.delenv(name, raising=False)


def sample_config() -> Config:
    """The project's settings (its mkdocs.yml) read as if its cases were SAMPLE_CASES:
    for tests that only read cases; a test that writes uses copy_project."""
    from generator.config import load_config

    return load_config(ROOT / "mkdocs.yml").model_copy(update={"root": SAMPLE_CASES.parent})


def copy_project(target: Path) -> Path:
    """A copy of the project's site inputs with the suite's sample cases (SAMPLE_CASES),
    so that tests never write into the checkout nor read the repository's cases/."""
    shutil.copytree(SAMPLE_CASES, target / "cases")
    shutil.copytree(ROOT / "templates", target / "templates")
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    (target / ".generated" / "docs").mkdir(parents=True)
    return target


def with_page_size(project: Path, size: int) -> Path:
    """`project` with its listings split into pages of `size` rows (`listing_page_size`
    in mkdocs.yml), so that the suite's few sample cases span several pages."""
    return with_setting(project, "listing_page_size", size)


def with_search_parts(project: Path, size: int) -> Path:
    """`project` with its search index in parts of `size` case pages
    (`search_part_pages`), so that the suite's few sample cases make several parts."""
    return with_setting(project, "search_part_pages", size)


def with_setting(project: Path, name: str, value: int) -> Path:
    """`project` with the casebook setting `name` set to `value` in its mkdocs.yml."""
    settings = project / "mkdocs.yml"
    text = settings.read_text(encoding="utf-8")
    assert "      stalled_days: 60\n" in text
    settings.write_text(text.replace("      stalled_days: 60\n",
                                     f"      stalled_days: 60\n      {name}: {value}\n"),
                        encoding="utf-8")
    return project


def search_fragment_files(site: Path) -> list[Path]:
    """The compressed entry of each page in the site's search index, every part's
    (`pagefind/part-N/fragment/`, generator/publish/search.py)."""
    return sorted((site / "pagefind").glob("*/fragment/*.pf_fragment"))


def search_fragments(site: Path) -> list[dict[str, Any]]:
    """Each page's entry in the site's search index: its url, content and meta."""
    return [json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
            for path in search_fragment_files(site)]


def bench_corpus() -> ModuleType:
    """bench/corpus.py, which writes valid synthetic cases (bench/ is a folder of scripts,
    not a package): loaded from its path once per process, under the name the
    benchmarks give it."""
    name = "casebook_bench_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: its dataclasses look the module up
    spec.loader.exec_module(module)
    return module
