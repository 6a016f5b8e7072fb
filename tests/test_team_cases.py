"""The suite holds for a team's own cases: the repository with its samples replaced.

A copy of the project (the files git would commit, without .venv) gets a cases/
of generated valid cases (bench/corpus.py, put in canonical form by `casebook
fmt` as the README's workflow and the pre-commit hook do) and one case made by
`casebook new` on the machine's real today and filled in as a writer would,
committed to a fresh git repository. The suite's data checks (tests/test_sample_cases.py) then
run in that copy with this pytest and the copy's own code: they must pass. This
is the one test that uses the machine's date on purpose: a team's case is
opened on the day it is logged, whatever day the suite runs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, bench_corpus, run_casebook

pytestmark = pytest.mark.slow

GENERATED = 12
SEED = 14
DATA_CHECKS = "tests/test_sample_cases.py"
# What a writer puts in place of the placeholders `casebook new` leaves, by key.
FILLED = {
    "title": "Shelling of a market in an example town",
    "by": "jdoe",
    "note": "Logged from a media report.",
    "country": "YEM",
    "url": "https://example.org/report",
}
BODY = """## Summary

A fictional case, logged today: shells struck the market of an example town, as a
media report tells it [S1].

## Next steps

Ask the partner's liaison office which unit fired.
"""
PLACEHOLDER = re.compile(r"^(?P<lead>\s*(?:- )?)(?P<key>[a-z_]+): (?P<value>\"?TODO.*)$",
                         re.MULTILINE)


def _git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Ana Analyst", "GIT_AUTHOR_EMAIL": "ana@example.org",
           "GIT_COMMITTER_NAME": "Ana Analyst", "GIT_COMMITTER_EMAIL": "ana@example.org"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    return subprocess.run(["git", "-C", str(root), *args], env=env, capture_output=True,
                          text=True, check=True).stdout


def copy_repository(target: Path) -> Path:
    """The files git would commit (tracked or new, not ignored) as they are in the work
    tree, without cases/: so no .venv, no site, no caches."""
    listed = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in sorted(set(listed.split("\0")) - {""}):
        source = ROOT / rel
        if rel.startswith("cases/") or not source.exists():
            continue  # the team's cases come next; a file deleted in the work tree is gone
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / rel, follow_symlinks=False)
    return target


def fill(text: str, today: dt.date) -> str:
    """A new case filled in: every placeholder of the front matter, and a body of our own."""
    values = {**FILLED, "date": (today - dt.timedelta(days=3)).isoformat(),
              "accessed": today.isoformat()}

    def value(match: re.Match[str]) -> str:
        key = match["key"]
        assert key in values, f"casebook new leaves a placeholder this test cannot fill: {key}"
        return f"{match['lead']}{key}: {values[key]}"

    _, front, _ = text.split("---\n", 2)
    return f"---\n{PLACEHOLDER.sub(value, front)}---\n{BODY}"


def team_case(project: Path, env: dict[str, str]) -> Path:
    """A case made by `casebook new` (opened today: no --today), then filled in."""
    before = dt.date.today()
    made = run_casebook("new", "--title", FILLED["title"], "--country", FILLED["country"],
                        "--source-url", FILLED["url"], "--source-title", "Market shelled",
                        "--assignee", FILLED["by"], cwd=project, env=env)
    assert made.returncode == 0, made.stdout + made.stderr
    path = project / made.stdout.strip().splitlines()[-1]
    text = path.read_text(encoding="utf-8")
    opened = re.search(r"^opened: (\S+)$", text, re.MULTILINE)
    assert opened is not None, text
    # The machine's today (the clock may have passed midnight while it ran).
    assert opened[1] in {before.isoformat(), dt.date.today().isoformat()}, text
    path.write_text(fill(text, dt.date.fromisoformat(opened[1])), encoding="utf-8")
    assert "TODO" not in path.read_text(encoding="utf-8")
    return path


def test_the_data_checks_pass_on_generated_cases_and_one_opened_today(tmp_path: Path) -> None:
    project = copy_repository(tmp_path / "project")
    assert (project / DATA_CHECKS).is_file() and not (project / "cases").exists()
    bench_corpus().write_corpus(project, GENERATED, seed=SEED)
    # The copy's own code, not the installed checkout's; and no pytest state of ours.
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PYTEST_", "PYTHON"))}
    env.update({"PYTHONPATH": str(project), "NO_COLOR": "1"})
    new = team_case(project, env)
    assert len(list((project / "cases").glob("*.md"))) == GENERATED + 1
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", f"Log {new.stem}, and the team's other cases")

    run = subprocess.run([sys.executable, "-m", "pytest", DATA_CHECKS, "-q", "-p",
                          "no:cacheprovider"], cwd=project, env=env, capture_output=True,
                         text=True, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    # Every check ran and passed: none skipped, none left out.
    checks = len(re.findall(r"^def test_", (project / DATA_CHECKS).read_text("utf-8"), re.M))
    summary = run.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"{checks} passed(, \d+ warnings?)? in .*", summary), output[-3000:]
