"""Only a build that ran casebook renders the theme; any other builder fails, saying why.

Zensical reads mkdocs.yml but runs no MkDocs plugin, and mkdocs or ProperDocs without
the casebook plugin do not either: over the generated pages they would publish a site
with no profile banner, no search index and no leak check. The theme override refuses
to render a page for them (templates/overrides/main.html). These tests run the guard
under Jinja2, as mkdocs and ProperDocs do; Zensical is no dependency of the project
(what it did when tried is in the README, "Builders")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import TODAY, copy_project, run_casebook

pytestmark = pytest.mark.slow

GUARD = "casebook: this builder did not run casebook"
BANNER = f"Internal build: cases up to TLP:AMBER+STRICT, generated {TODAY}"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample project after `casebook build`: its pages generated, its site built."""
    project = copy_project(tmp_path_factory.mktemp("generated"))
    _casebook_build(project)
    return project


def _casebook_build(project: Path) -> None:
    result = run_casebook("build", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr


def _copy_without_plugin(generated: Path, target: Path) -> Path:
    """A copy of the generated project, its site removed and mkdocs.yml without the
    casebook plugin (and without mkdocs' default search plugin)."""
    shutil.copytree(generated, target)
    shutil.rmtree(target / "site")
    config = target / "mkdocs.yml"
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert [next(iter(p)) for p in settings["plugins"]] == ["casebook"]
    settings["plugins"] = []
    config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return target


def _pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_a_builder_without_the_casebook_plugin_fails_and_names_casebook_build(
        tool: str, generated: Path, tmp_path: Path) -> None:
    project = _copy_without_plugin(generated, tmp_path / "project")
    assert (project / ".generated" / "docs" / "index.md").is_file()
    result = subprocess.run([str(Path(sys.executable).parent / tool), "build"], cwd=project,
                            capture_output=True, text=True, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode != 0, tool
    assert GUARD in result.stderr, result.stderr[-3000:]
    assert "Build it with `casebook build`" in result.stderr
    assert _pages(project / "site") == [], tool


def test_casebook_build_needs_no_plugin_in_mkdocs_yml(generated: Path, tmp_path: Path) -> None:
    project = _copy_without_plugin(generated, tmp_path / "project")
    _casebook_build(project)
    site = project / "site"
    assert _pages(site) == _pages(generated / "site")
    assert BANNER in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "pagefind" / "parts.json").is_file()
