"""No dead page in the README: every site path it names (`/exports/`,
`/cases/<id>/`) is a page of a site built by mkdocs from fixture cases, every link
to a file of the repository finds the file, and every link within the README finds
its heading."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, TODAY, copy_project, run_casebook

README = (ROOT / "README.md").read_text(encoding="utf-8")
SITE_PATH = re.compile(r"`(/[^`\s]*)`")
MACHINE_FOLDERS = frozenset({"usr", "bin", "etc", "opt", "tmp", "var", "home", "dev", "proc"})
"""First parts of a path on the machine (`/usr/bin/chromium`), not on the site."""
LINK = re.compile(r"\]\(([^)\s]+)\)")
PREVIEW_ONLY = frozenset({"/problems/"})
"""Pages only the live preview serves (tests/preview/test_preview_errors.py asks for them)."""


def site_paths(text: str) -> list[str]:
    """The site paths a text names in code spans: `/`, `/stages/<stage>/`, `/changes/feed.xml`."""
    found = []
    for path in SITE_PATH.findall(text):
        first = path.strip("/").split("/")[0]
        if first not in MACHINE_FOLDERS:
            found.append(path)
    return list(dict.fromkeys(found))


def test_site_paths_are_found_in_the_readme() -> None:
    paths = site_paths(README)
    assert {"/", "/exports/", "/cases/<id>/", "/changes/feed.xml"} <= set(paths), paths
    assert "/usr/bin/chromium" not in paths


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The suite's own samples: every stage, and analysts with pages of their own.
    project = copy_project(tmp_path_factory.mktemp("project"))
    result = run_casebook("build", "--quiet", "--today", TODAY.isoformat(), cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project / "site"


def _resolve(site: Path, path: str) -> Path | None:
    """The file that serves `path`; a `<name>` part stands for any folder there."""
    here = site
    for part in path.strip("/").split("/"):
        if not part:
            continue
        if part.startswith("<") and part.endswith(">"):
            folders = sorted(p for p in here.iterdir() if (p / "index.html").is_file())
            if not folders:
                return None
            here = folders[0]
        else:
            here = here / part
    target = here / "index.html" if path.endswith("/") else here
    return target if target.is_file() else None


@pytest.mark.slow
def test_every_site_path_the_readme_names_is_a_page(site: Path) -> None:
    paths = site_paths(README)
    assert set(paths) >= PREVIEW_ONLY, "a preview-only page the README no longer names"
    missing = [path for path in paths if path not in PREVIEW_ONLY and _resolve(site, path) is None]
    assert missing == [], f"the README names pages the site does not have: {missing}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_in_the_readme_finds_its_file_or_heading() -> None:
    headings = {_slug(h) for h in re.findall(r"^#+ (.+)$", README, flags=re.MULTILINE)}
    for target in LINK.findall(README):
        if re.match(r"[a-z]+:", target):
            continue  # an address elsewhere
        path, _, anchor = target.partition("#")
        if path:
            assert (ROOT / path).exists(), f"the README links to {path}, which is not there"
        else:
            assert anchor in headings, f"the README links to #{anchor}, which no heading has"
