"""The package metadata installs without a deprecation warning from setuptools.

setuptools 77 deprecated `project.license` as a table (`{text = "MIT"}`) in favour
of an SPDX expression with `license-files`; older versions refuse the new form,
so the build system must ask for one that knows it.
"""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_license_is_an_spdx_expression_with_its_file() -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")


def test_the_build_asks_for_a_setuptools_that_reads_it() -> None:
    build = _pyproject()["build-system"]
    assert isinstance(build, dict)
    [setuptools] = [r for r in build["requires"] if r.startswith("setuptools")]
    match = re.fullmatch(r"setuptools>=([0-9]+)(?:\.[0-9.]+)?", setuptools)
    assert match and int(match.group(1)) >= 77, setuptools
