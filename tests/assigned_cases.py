"""A small project whose cases say who has what: the fixture corpus with assignees.

`tests/fixtures/scenarios/valid-every-stage` (one case per stage, two closed),
copied into a temporary folder and edited so that each filter of `casebook
list` and each count of the site's assignee pages has cases it must find and
cases it must not. On TODAY:

| case | stage | assignee | country | sensitivity | overdue | stalled |
|---|---|---|---|---|---|---|
| 0001 | intake | jdoe | YEM | CLEAR | no | no (entered 2026-10-15) |
| 0002 | incident-analysis | asmith | YEM | CLEAR | yes | yes |
| 0003 | policy-impact-assessment | jdoe | YEM | AMBER | no | yes |
| 0004 | coordinated-action | (none) | SDN | CLEAR | no | yes | (one open action of two)
| 0005 | closed | jdoe | YEM | CLEAR | - | - |
| 0006 | closed | (none) | YEM | CLEAR | - | - |
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import FIXTURES, MKDOCS_YML

CORPUS = FIXTURES / "scenarios" / "valid-every-stage"
ASSIGNEES = {"CH-2024-0001": "jdoe", "CH-2024-0002": "asmith", "CH-2024-0003": "jdoe",
             "CH-2024-0005": "jdoe"}
# What each case's file says differently from the fixture: (old text, new text).
EDITS = {
    "CH-2024-0001": [("    date: 2024-02-01\n    by: jdoe", "    date: 2026-10-15\n    by: jdoe"),
                     ("market was shelled", "market in Old Quarter was shelled")],
    "CH-2024-0002": [("next_review: 2027-01-15", "next_review: 2026-11-01")],
    "CH-2024-0003": [("sensitivity: CLEAR", "sensitivity: AMBER")],
    "CH-2024-0004": [("country: YEM", "country: SDN"),
                     ("\nsources:", "\nactions:\n  - type: partner-engagement\n    status: proposed\n"
                      "    note: Raise with the partner.\n  - type: training\n"
                      "    status: completed\n    date: 2024-06-01\nsources:")],
}


def write_assigned_project(root: Path) -> Path:
    """The project in `root`: mkdocs.yml, templates/ and the edited cases/."""
    from conftest import ROOT

    cases = root / "cases"
    cases.mkdir(parents=True)
    for source in sorted(CORPUS.glob("*.md")):
        text = source.read_text(encoding="utf-8")
        for old, new in EDITS.get(source.stem, []):
            assert old in text, (source.name, old)
            text = text.replace(old, new, 1)
        handle = ASSIGNEES.get(source.stem)
        if handle:
            text = text.replace("\nstage_history:", f"\nassignee: {handle}\nstage_history:", 1)
        (cases / source.name).write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "mkdocs.yml").write_text(MKDOCS_YML + "docs_dir: docs\n", encoding="utf-8")
    return root
