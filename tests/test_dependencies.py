"""Every runtime dependency declared in pyproject.toml is used by the package.

A dependency nothing imports still has to be installed, audited and kept up to
date by everyone who installs casebook; this test notices one left behind.
"""

from __future__ import annotations

import ast
import re
import tomllib

import pytest
import yaml

from conftest import ROOT

IMPORT_NAMES = {
    "mkdocs": "mkdocs",
    "mkdocs-material": "material",
    "python-frontmatter": "frontmatter",
    "jinja2": "jinja2",
    "gitpython": "git",
    "pydantic": "pydantic",
    "pyyaml": "yaml",
    "click": "click",
    "rich": "rich",
    "iso3166": "iso3166",
    "nh3": "nh3",
    "pyahocorasick": "ahocorasick",
    "sqlite-utils": "sqlite_utils",
    "pagefind": "pagefind",
    "confusables": "confusables",
    "watchdog": "watchdog",
}
"""The module each distribution is imported as (a distribution's name is not always
its module's)."""


def _distribution(requirement: str) -> str:
    """The normalised distribution name of a requirement such as `pydantic>=2.7,<3`."""
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert match, f"cannot read the requirement {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [_distribution(r) for r in project["dependencies"]]


def _imported() -> set[str]:
    """The top-level modules that some module of generator/ imports."""
    found: set[str] = set()
    for path in (ROOT / "generator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.partition(".")[0])
    return found


def _theme() -> str | None:
    """The mkdocs theme: mkdocs-material is used by name there, never imported."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    theme = config.get("theme")
    return theme.get("name") if isinstance(theme, dict) else theme


def test_every_declared_dependency_is_used() -> None:
    declared = _declared()
    unknown = [name for name in declared if name not in IMPORT_NAMES]
    assert not unknown, f"add the module names of {unknown} to IMPORT_NAMES"
    used = _imported() | ({"material"} if _theme() == "material" else set())
    unused = [name for name in declared if IMPORT_NAMES[name] not in used]
    assert not unused, f"declared in pyproject.toml but never used by generator/: {unused}"


@pytest.mark.parametrize(("requirement", "name"), [
    ("ruamel.yaml>=0.18", "ruamel-yaml"), ("mkdocs-material>=9.5,<10", "mkdocs-material"),
    ("Jinja2 >= 3.1", "jinja2"), ("python_frontmatter", "python-frontmatter"),
])
def test_requirement_names_are_normalised(requirement: str, name: str) -> None:
    assert _distribution(requirement) == name
