"""bench/build_memory.py: the peak of a build's whole process tree, and when it happens."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT, TODAY, copy_project


@pytest.fixture
def build_memory(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # it imports measure by name
    return importlib.import_module("build_memory")


def test_the_peak_is_the_largest_sum_at_one_moment_not_the_sum_of_peaks(
        build_memory: ModuleType) -> None:
    sample = build_memory.Sample
    samples = [sample(1.0, [(10, "casebook", 100.0), (11, "python", 700.0)]),
               sample(2.0, [(10, "casebook", 300.0), (12, "pagefind_extend", 600.0)]),
               sample(3.0, [(10, "casebook", 400.0)])]
    lines = build_memory.report(samples, 10)
    assert lines[0].startswith("- tree peak: **900 MiB** at 2.0 s: casebook (the command) 300")
    assert "| casebook (the command) | 400 | 3.0 |" in lines
    assert "| python (child 11) | 700 | 1.0 |" in lines
    assert lines[-1] == ("- while the indexer runs (2.0-2.0 s): the command at most 300 MiB, "
                         "every process but the indexer 300 MiB, the tree 900 MiB")


@pytest.mark.slow
def test_a_real_build_shows_its_child_and_the_indexer(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "build_memory.py"), str(project),
                           "--casebook", str(Path(sys.executable).parent / "casebook"),
                           "--today", TODAY.isoformat()],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| python (child" in done.stdout  # the child that generates and runs mkdocs
    assert "- while the indexer runs" in done.stdout  # it was seen, however small
    assert (project / "site" / "index.html").is_file()
