"""The history of every case from git, read in one pass (generator/history/reader.py).

Every scenario builds a real git repository in a temporary folder, with fixed
authors, committers and dates, and asserts the exact history: hashes from
`git rev-parse`, authors, dates, subjects, paths and field changes. Each case's
commit list is also checked against `git log --follow` run on the same
repository (merge commits left out: the history lists the commits a merge
brings in, never the merge itself).

Where the module is wrong, the test states the right answer and is marked
`xfail(strict=True)`: fixing the module turns it into a failure to remove the mark.
"""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import git
import pytest
import yaml
from gitrepo import (
    ALICE,
    BOB,
    BODY,
    CAROL,
    P1,
    P2,
    GitRepo,
    added,
    assert_matches_git,
    case,
    expected,
    render,
    when,
)

from generator.config import load_config
from generator.history.reader import (
    FieldChange,
    HistoryStatus,
    field_changes,
    read_history,
)

pytestmark = pytest.mark.usefixtures("isolated_git")


# 1. Several authors, a stage moved forward, field-level changes ------------------------------


def test_several_authors_and_field_changes(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    v1 = case("CH-2024-0001")
    repo.write(P1, v1)
    (repo.root / "README.md").write_text("# Casebook\n", encoding="utf-8")
    d1 = "2024-01-09T10:00:00+01:00"
    c1 = repo.commit("Open CH-2024-0001", who=ALICE, date=d1)

    v2 = copy.deepcopy(v1)
    v2["stage"] = "incident-analysis"
    v2["harm"]["killed"] = {"min": 3, "max": 7}
    repo.write(P1, v2)
    # Bob wrote it, Alice applied it a day later: author and committer differ.
    d2, d2c = "2024-02-01T14:30:00+00:00", "2024-02-02T09:00:00+00:00"
    c2 = repo.commit("Move CH-2024-0001 to incident analysis\n\nA second source gives 3 to 7 killed.",
                     who=BOB, date=d2, committer=ALICE, committed=d2c)

    v3 = copy.deepcopy(v2)
    v3["weapons"][0]["us_origin"] = "confirmed"
    v3["sources"].append({"key": "S2", "type": "ngo-report", "publisher": "Example Monitor"})
    v3["tags"] = ["air-strike", "multi-source", "verified"]
    repo.write(P1, v3)
    other = case("CH-2024-0002", stage="intake")
    repo.write(P2, other)
    (repo.root / "cases" / "notes.txt").write_text("not a case\n", encoding="utf-8")
    d3 = "2024-02-15T11:00:00-05:00"
    c3 = repo.commit("Confirm US origin of the munition", who=CAROL, date=d3)

    v4 = copy.deepcopy(v3)
    v4["stage"] = "policy-impact-assessment"
    del v4["assignee"]
    v4["reviewer"] = "mfofana"
    repo.write(P1, v4)
    d4 = "2024-03-01T16:00:00+00:00"
    c4 = repo.commit("Move CH-2024-0001 to policy impact assessment", who=BOB, date=d4)

    repo.write(P1, v4, body=BODY + "\n## Analysis\n\nThe crater is consistent with a guided bomb.\n")
    d5 = "2024-03-05T10:00:00+00:00"
    c5 = repo.commit("Add the crater analysis", who=ALICE, date=d5)

    (repo.root / "README.md").write_text("# Casebook\n\nRead me.\n", encoding="utf-8")
    c6 = repo.commit("Expand the read-me", who=BOB, date="2024-03-06T10:00:00+00:00")

    history = repo.history()
    assert history.status is HistoryStatus.COMPLETE
    assert history.message == ""
    assert history.head == c6
    assert set(history.cases) == {P1, P2}

    first = history.cases[P1]
    assert first.commits == [
        expected(c5, ALICE, d5, "Add the crater analysis", P1),
        expected(c4, BOB, d4, "Move CH-2024-0001 to policy impact assessment", P1, [
            FieldChange("stage", "incident-analysis", "policy-impact-assessment"),
            FieldChange("assignee", "tnguyen", None),
            FieldChange("reviewer", None, "mfofana"),
        ]),
        expected(c3, CAROL, d3, "Confirm US origin of the munition", P1, [
            FieldChange("weapons[0].us_origin", "likely", "confirmed"),
            FieldChange("sources[1]", None,
                        {"key": "S2", "type": "ngo-report", "publisher": "Example Monitor"}),
            FieldChange("tags", ["air-strike", "single-source"],
                        ["air-strike", "multi-source", "verified"]),
        ]),
        expected(c2, BOB, d2, "Move CH-2024-0001 to incident analysis", P1, [
            FieldChange("stage", "intake", "incident-analysis"),
            FieldChange("harm.killed", 3, {"min": 3, "max": 7}),
        ], committed=d2c),
        expected(c1, ALICE, d1, "Open CH-2024-0001", P1, added(v1), created=True),
    ]
    assert history.cases[P2].commits == [
        expected(c3, CAROL, d3, "Confirm US origin of the munition", P2, added(other),
                 created=True),
    ]

    assert first.first == first.commits[-1]
    assert first.last == first.commits[0]
    assert first.last is not None
    assert first.last.short == c5[:8]
    # Dates keep the offset they were written with.
    assert first.commits[-1].date.isoformat() == "2024-01-09T10:00:00+01:00"
    assert first.commits[2].date.isoformat() == "2024-02-15T11:00:00-05:00"
    assert first.commits[3].committed.isoformat() == "2024-02-02T09:00:00+00:00"

    assert first.stage_dates() == {
        "intake": dt.date(2024, 1, 9),
        "incident-analysis": dt.date(2024, 2, 1),
        "policy-impact-assessment": dt.date(2024, 3, 1),
    }
    assert history.cases[P2].stage_dates() == {"intake": dt.date(2024, 2, 15)}
    assert history.of(P1) is first
    assert history.of("cases/CH-2099-0001.md") is None
    assert history.latest(4) == [(P1, first.commits[0]), (P1, first.commits[1]),
                                 (P2, history.cases[P2].commits[0]), (P1, first.commits[2])]
    assert_matches_git(repo, history)


def test_stage_dates_keep_the_first_appearance(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    repo.commit("Open", who=ALICE, date="2024-01-09T10:00:00+00:00")
    repo.write(P1, case("CH-2024-0001", stage="incident-analysis"))
    repo.commit("Analyse", who=BOB, date="2024-02-01T10:00:00+00:00")
    repo.write(P1, case("CH-2024-0001", stage="intake"))
    repo.commit("Back to intake", who=CAROL, date="2024-03-01T10:00:00+00:00")
    repo.write(P1, case("CH-2024-0001", stage="incident-analysis"))
    repo.commit("Analyse again", who=BOB, date="2024-04-01T10:00:00+00:00")

    history = repo.history()
    assert history.cases[P1].stage_dates() == {
        "intake": dt.date(2024, 1, 9),
        "incident-analysis": dt.date(2024, 2, 1),
    }
    assert_matches_git(repo, history)


def test_paths_limits_the_cases_read(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    repo.write(P2, case("CH-2024-0002"))
    c1 = repo.commit("Open two cases", who=ALICE, date="2024-01-09T10:00:00+00:00")

    history = read_history(load_config(start=repo.root), paths=[P2])
    assert set(history.cases) == {P2}
    assert [c.hash for c in history.cases[P2].commits] == [c1]


# 2. A rename keeps the earlier history ---------------------------------------------------------


def test_rename_keeps_the_earlier_history(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    v1 = case("CH-2024-0001")
    repo.write(P1, v1)
    d1 = "2024-01-09T10:00:00+00:00"
    c1 = repo.commit("Open CH-2024-0001", who=ALICE, date=d1)
    v2 = case("CH-2024-0001", stage="incident-analysis")
    repo.write(P1, v2)
    d2 = "2024-02-01T10:00:00+00:00"
    c2 = repo.commit("Move to incident analysis", who=BOB, date=d2)

    repo.git("mv", P1, P2)
    v3 = case("CH-2024-0002", stage="incident-analysis")
    v3["title"] = v1["title"]
    repo.write(P2, v3)
    d3 = "2024-03-01T10:00:00+00:00"
    c3 = repo.commit("Renumber CH-2024-0001 as CH-2024-0002", who=CAROL, date=d3)

    history = repo.history()
    assert set(history.cases) == {P2}
    assert history.cases[P2].commits == [
        expected(c3, CAROL, d3, "Renumber CH-2024-0001 as CH-2024-0002", P2,
                 [FieldChange("id", "CH-2024-0001", "CH-2024-0002")]),
        expected(c2, BOB, d2, "Move to incident analysis", P1,
                 [FieldChange("stage", "intake", "incident-analysis")]),
        expected(c1, ALICE, d1, "Open CH-2024-0001", P1, added(v1), created=True),
    ]
    assert history.cases[P2].stage_dates() == {"intake": dt.date(2024, 1, 9),
                                               "incident-analysis": dt.date(2024, 2, 1)}
    assert_matches_git(repo, history)


def test_renames_are_followed_through_every_earlier_name(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    a, b, c = "cases/CH-2024-0001.md", "cases/CH-2024-0002.md", "cases/CH-2024-0003.md"
    v1 = case("CH-2024-0001")
    repo.write(a, v1)
    d1 = "2024-01-09T10:00:00+00:00"
    c1 = repo.commit("Open", who=ALICE, date=d1)
    repo.git("mv", a, b)
    d2 = "2024-02-01T10:00:00+00:00"
    c2 = repo.commit("Rename, no edit", who=BOB, date=d2)
    repo.git("mv", b, c)
    v3 = case("CH-2024-0001", stage="incident-analysis")
    repo.write(c, v3)
    d3 = "2024-03-01T10:00:00+00:00"
    c3 = repo.commit("Rename again and move on", who=CAROL, date=d3)

    history = repo.history()
    assert set(history.cases) == {c}
    assert history.cases[c].commits == [
        expected(c3, CAROL, d3, "Rename again and move on", c,
                 [FieldChange("stage", "intake", "incident-analysis")]),
        expected(c2, BOB, d2, "Rename, no edit", b),
        expected(c1, ALICE, d1, "Open", a, added(v1), created=True),
    ]
    assert_matches_git(repo, history)


def test_a_copied_case_starts_its_own_history(tmp_path: Path) -> None:
    """A renamed file keeps its history; a new file copied from another does not.

    `git log --follow` disagrees here: it looks for copies too, and carries the
    new case on into the history of the one it was copied from.
    """
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    c1 = repo.commit("Open CH-2024-0001", who=ALICE, date="2024-01-01T10:00:00+00:00")
    repo.write(P1, case("CH-2024-0001", stage="incident-analysis"))
    c2 = repo.commit("Move on", who=BOB, date="2024-01-02T10:00:00+00:00")
    copied = case("CH-2024-0002", stage="incident-analysis")
    repo.write(P2, copied)
    d3 = "2024-01-03T10:00:00+00:00"
    c3 = repo.commit("Open CH-2024-0002 from a copy of CH-2024-0001", who=CAROL, date=d3)

    history = repo.history()
    assert history.cases[P2].commits == [
        expected(c3, CAROL, d3, "Open CH-2024-0002 from a copy of CH-2024-0001", P2,
                 added(copied), created=True),
    ]
    assert [c.hash for c in history.cases[P1].commits] == [c2, c1]
    assert repo.follow(P2, copies=True) == [c3, c2, c1]
    assert_matches_git(repo, history)


# 3. Merges -----------------------------------------------------------------------------------


def test_merge_of_branches_that_edit_different_cases(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    one, two = case("CH-2024-0001"), case("CH-2024-0002")
    repo.write(P1, one)
    repo.write(P2, two)
    d0 = "2024-01-01T10:00:00+00:00"
    c0 = repo.commit("Open two cases", who=ALICE, date=d0)

    repo.git("checkout", "-q", "-b", "feat-a")
    repo.write(P1, case("CH-2024-0001", status="on-hold"))
    da = "2024-01-02T10:00:00+00:00"
    a1 = repo.commit("Put CH-2024-0001 on hold", who=BOB, date=da)

    repo.git("checkout", "-q", "-b", "feat-b", c0)
    repo.write(P2, case("CH-2024-0002", harm={"killed": 4, "injured": 2}))
    db = "2024-01-03T10:00:00+00:00"
    b1 = repo.commit("Update the toll of CH-2024-0002", who=CAROL, date=db)

    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feat-a", "feat-a",
             who=ALICE, date="2024-01-04T10:00:00+00:00")
    m1 = repo.rev("HEAD")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge feat-b", "feat-b",
             who=ALICE, date="2024-01-05T10:00:00+00:00")
    m2 = repo.rev("HEAD")
    assert len(repo.rev(f"{m2}^2")) == 40  # really a merge

    history = repo.history()
    assert history.head == m2
    assert history.cases[P1].commits == [
        expected(a1, BOB, da, "Put CH-2024-0001 on hold", P1,
                 [FieldChange("status", "open", "on-hold")]),
        expected(c0, ALICE, d0, "Open two cases", P1, added(one), created=True),
    ]
    assert history.cases[P2].commits == [
        expected(b1, CAROL, db, "Update the toll of CH-2024-0002", P2,
                 [FieldChange("harm.killed", 3, 4), FieldChange("harm.injured", None, 2)]),
        expected(c0, ALICE, d0, "Open two cases", P2, added(two), created=True),
    ]
    every = {c.hash for h in history.cases.values() for c in h.commits}
    assert m1 not in every
    assert m2 not in every
    assert_matches_git(repo, history)


def test_merge_of_branches_that_edit_the_same_case(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    v0 = case("CH-2024-0001")
    repo.write(P1, v0)
    d0 = "2024-01-01T10:00:00+00:00"
    c0 = repo.commit("Open CH-2024-0001", who=ALICE, date=d0)

    repo.git("checkout", "-q", "-b", "toll")
    repo.write(P1, case("CH-2024-0001", harm={"killed": 5, "injured": None}))
    dx = "2024-01-02T10:00:00+00:00"
    x1 = repo.commit("Raise the toll to 5", who=BOB, date=dx)

    repo.git("checkout", "-q", "-b", "stage", c0)
    repo.write(P1, case("CH-2024-0001", stage="incident-analysis"))
    dy = "2024-01-03T10:00:00+00:00"
    y1 = repo.commit("Move to incident analysis", who=CAROL, date=dy)

    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge toll", "toll",
             who=ALICE, date="2024-01-04T10:00:00+00:00")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge stage", "stage",
             who=ALICE, date="2024-01-05T10:00:00+00:00")
    m2 = repo.rev("HEAD")
    merged = yaml.safe_load((repo.root / P1).read_text(encoding="utf-8").split("---\n")[1])
    assert merged["stage"] == "incident-analysis"
    assert merged["harm"]["killed"] == 5

    history = repo.history()
    assert history.cases[P1].commits == [
        expected(y1, CAROL, dy, "Move to incident analysis", P1,
                 [FieldChange("stage", "intake", "incident-analysis")]),
        expected(x1, BOB, dx, "Raise the toll to 5", P1, [FieldChange("harm.killed", 3, 5)]),
        expected(c0, ALICE, d0, "Open CH-2024-0001", P1, added(v0), created=True),
    ]
    # A plain `git log -- <path>` shows the merge here (it differs from both parents);
    # `git log --follow` does not, and neither does the history.
    plain = repo.git("log", "--format=%H", "--", P1).split()
    assert plain == [m2, y1, x1, c0]
    assert repo.follow(P1, merges=True) == [y1, x1, c0]
    assert_matches_git(repo, history)


# 4. A squash merge -----------------------------------------------------------------------------


def test_squash_merge_is_one_commit_with_co_authors(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    v0 = case("CH-2024-0001")
    repo.write(P1, v0)
    d0 = "2024-01-01T10:00:00+00:00"
    c0 = repo.commit("Open CH-2024-0001", who=ALICE, date=d0)

    repo.git("checkout", "-q", "-b", "review")
    repo.write(P1, case("CH-2024-0001", harm={"killed": 6, "injured": None}))
    f1 = repo.commit("Raise the toll", who=BOB, date="2024-01-02T10:00:00+00:00")
    repo.write(P1, case("CH-2024-0001", harm={"killed": 6, "injured": None},
                        stage="incident-analysis"))
    f2 = repo.commit("Move on", who=CAROL, date="2024-01-03T10:00:00+00:00")

    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--squash", "review")
    ds = "2024-01-04T10:00:00+00:00"
    message = ("Review of CH-2024-0001 (#12)\n\nRaise the toll and move on.\n\n"
               f"Co-authored-by: {BOB.name} <{BOB.email}>\n"
               f"Co-authored-by: {CAROL.name} <{CAROL.email}>\n")
    s = repo.commit(message, who=ALICE, date=ds)
    assert repo.git("rev-list", "--parents", "-n", "1", s).split() == [s, c0]

    history = repo.history()
    assert history.cases[P1].commits == [
        expected(s, ALICE, ds, "Review of CH-2024-0001 (#12)", P1, [
            FieldChange("stage", "intake", "incident-analysis"),
            FieldChange("harm.killed", 3, 6),
        ], co_authors=(f"{BOB.name} <{BOB.email}>", f"{CAROL.name} <{CAROL.email}>")),
        expected(c0, ALICE, d0, "Open CH-2024-0001", P1, added(v0), created=True),
    ]
    every = {c.hash for h in history.cases.values() for c in h.commits}
    assert f1 not in every
    assert f2 not in every
    assert_matches_git(repo, history)


# 5. Non-ASCII file names -----------------------------------------------------------------------


def test_non_ascii_file_names(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb", mkdocs=False)  # and the default settings
    nandu = "cases/CH-2024-0003-ñandú.md"
    tome = "cases/CH-2024-0004 São Tomé.md"
    tome2 = "cases/CH-2024-0004-são-tomé.md"
    v3, v4 = case("CH-2024-0003"), case("CH-2024-0004")
    repo.write(nandu, v3)
    repo.write(tome, v4)
    d1 = "2024-01-09T10:00:00+00:00"
    c1 = repo.commit("Open two cases", who=CAROL, date=d1)
    repo.write(nandu, case("CH-2024-0003", stage="incident-analysis"))
    d2 = "2024-02-01T10:00:00+00:00"
    c2 = repo.commit("Move CH-2024-0003 on", who=BOB, date=d2)
    repo.git("mv", tome, tome2)
    d3 = "2024-03-01T10:00:00+00:00"
    c3 = repo.commit("Rename São Tomé case without a space", who=ALICE, date=d3)

    history = repo.history()
    assert set(history.cases) == {nandu, tome2}
    assert history.cases[nandu].commits == [
        expected(c2, BOB, d2, "Move CH-2024-0003 on", nandu,
                 [FieldChange("stage", "intake", "incident-analysis")]),
        expected(c1, CAROL, d1, "Open two cases", nandu, added(v3), created=True),
    ]
    assert history.cases[tome2].commits == [
        expected(c3, ALICE, d3, "Rename São Tomé case without a space", tome2),
        expected(c1, CAROL, d1, "Open two cases", tome, added(v4), created=True),
    ]
    assert_matches_git(repo, history)


# 6. A shallow clone ----------------------------------------------------------------------------


def _shallow_pair(tmp_path: Path) -> tuple[GitRepo, GitRepo, dict[str, str]]:
    src = GitRepo.create(tmp_path / "origin")
    src.write(P1, case("CH-2024-0001"))
    src.write(P2, case("CH-2024-0002"))
    shas = {"c1": src.commit("Open two cases", who=ALICE, date="2024-01-01T10:00:00+00:00")}
    src.write(P1, case("CH-2024-0001", stage="incident-analysis"))
    shas["c2"] = src.commit("Move on", who=BOB, date="2024-01-02T10:00:00+00:00")
    src.write(P1, case("CH-2024-0001", stage="incident-analysis",
                       harm={"killed": 5, "injured": None}))
    shas["c3"] = src.commit("Raise the toll", who=CAROL, date="2024-01-03T10:00:00+00:00")
    src.write(P1, case("CH-2024-0001", stage="incident-analysis",
                       harm={"killed": 5, "injured": None}, tags=["air-strike"]))
    shas["c4"] = src.commit("Retag", who=ALICE, date="2024-01-04T10:00:00+00:00")
    subprocess.run(["git", "clone", "-q", "--depth", "2", (src.root.as_uri()),
                    str(tmp_path / "clone")], check=True, capture_output=True)
    clone = GitRepo(tmp_path / "clone")
    assert clone.git("rev-parse", "--is-shallow-repository").strip() == "true"
    return src, clone, shas


def test_shallow_clone_is_partial(tmp_path: Path) -> None:
    _, clone, shas = _shallow_pair(tmp_path)
    history = clone.history()
    assert history.status is HistoryStatus.PARTIAL
    assert "shallow" in history.message
    assert "partial" in history.message
    assert history.head == shas["c4"]
    assert set(history.cases) == {P1, P2}
    # Only the two commits the clone has; the boundary commit looks like a root
    # commit to git, so `git log --follow` lists it for every file, and so does the history.
    assert [c.hash for c in history.cases[P1].commits] == [shas["c4"], shas["c3"]]
    assert [c.hash for c in history.cases[P2].commits] == [shas["c3"]]
    newest = history.cases[P1].commits[0]
    assert newest == expected(shas["c4"], ALICE, "2024-01-04T10:00:00+00:00", "Retag", P1,
                              [FieldChange("tags", ["air-strike", "single-source"],
                                           ["air-strike"])])
    boundary = history.cases[P1].commits[1]
    assert (boundary.author, boundary.email, boundary.date, boundary.subject, boundary.path) == (
        CAROL.name, CAROL.email, when("2024-01-03T10:00:00+00:00"), "Raise the toll", P1)
    assert_matches_git(clone, history)


def test_shallow_boundary_commit_claims_no_creation(tmp_path: Path) -> None:
    _, clone, shas = _shallow_pair(tmp_path)
    history = clone.history()
    for path in (P1, P2):
        boundary = history.cases[path].commits[-1]
        assert boundary.hash == shas["c3"]
        assert boundary.created is False, path
        assert boundary.changes == (), path
    assert history.cases[P1].stage_dates() == {}


# 7. and 8. No git, no commits ----------------------------------------------------------------


def test_folder_without_git_is_missing(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    (folder / "cases").mkdir(parents=True)
    (folder / "cases" / "CH-2024-0001.md").write_text(render(case("CH-2024-0001")),
                                                      encoding="utf-8")
    probe = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=folder,
                           capture_output=True, check=False)
    if probe.returncode == 0:
        pytest.skip("the temporary folder is itself inside a git repository")
    history = read_history(load_config(start=folder))
    assert history.status is HistoryStatus.MISSING
    assert "not a git repository" in history.message
    assert history.cases == {}
    assert history.head is None


def test_git_not_installed_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    repo.commit("Open", who=ALICE, date="2024-01-01T10:00:00+00:00")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    monkeypatch.setattr(git.Git, "GIT_PYTHON_GIT_EXECUTABLE", str(empty_bin / "git"))
    history = repo.history()
    assert history.status is HistoryStatus.MISSING
    assert "git" in history.message


def test_repository_without_commits(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))  # written, never committed
    history = repo.history()
    assert history.status is HistoryStatus.COMPLETE
    assert history.cases == {}
    assert history.head is None
    assert "no commits" in history.message


def test_commits_that_never_touch_the_cases_folder(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    c1 = repo.commit("Add the site configuration", who=ALICE, date="2024-01-01T10:00:00+00:00")
    repo.write(P1, case("CH-2024-0001"))  # not committed
    history = repo.history()
    assert history.status is HistoryStatus.COMPLETE
    assert history.head == c1
    assert history.cases == {}


# 9. Deleted cases ------------------------------------------------------------------------------


def test_deleted_case_is_not_listed(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    one = case("CH-2024-0001")
    repo.write(P1, one)
    repo.write(P2, case("CH-2024-0002"))
    d1 = "2024-01-01T10:00:00+00:00"
    c1 = repo.commit("Open two cases", who=ALICE, date=d1)
    repo.write(P2, case("CH-2024-0002", stage="incident-analysis"))
    repo.commit("Move CH-2024-0002 on", who=BOB, date="2024-01-02T10:00:00+00:00")
    repo.git("rm", "-q", P2)
    repo.commit("Withdraw CH-2024-0002: a duplicate", who=CAROL,
                date="2024-01-03T10:00:00+00:00")

    history = repo.history()
    assert set(history.cases) == {P1}
    assert history.cases[P1].commits == [
        expected(c1, ALICE, d1, "Open two cases", P1, added(one), created=True),
    ]
    assert_matches_git(repo, history)


def test_renamed_then_deleted_case_is_not_listed(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    repo.commit("Open", who=ALICE, date="2024-01-01T10:00:00+00:00")
    repo.git("mv", P1, P2)
    repo.commit("Renumber", who=BOB, date="2024-01-02T10:00:00+00:00")
    repo.git("rm", "-q", P2)
    repo.commit("Withdraw", who=CAROL, date="2024-01-03T10:00:00+00:00")

    history = repo.history()
    assert history.cases == {}
    assert_matches_git(repo, history)


def _delete_and_re_add(tmp_path: Path) -> tuple[GitRepo, dict[str, str]]:
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    shas = {"c1": repo.commit("Open", who=ALICE, date="2024-01-01T10:00:00+00:00")}
    repo.write(P1, case("CH-2024-0001", stage="incident-analysis"))
    shas["c2"] = repo.commit("Move on", who=BOB, date="2024-01-02T10:00:00+00:00")
    repo.git("rm", "-q", P1)
    shas["c3"] = repo.commit("Withdraw", who=CAROL, date="2024-01-03T10:00:00+00:00")
    repo.write(P1, case("CH-2024-0001", status="reopened"))
    shas["c4"] = repo.commit("Reopen", who=ALICE, date="2024-01-04T10:00:00+00:00")
    return repo, shas


def test_deleted_and_re_added_case_keeps_all_its_history(tmp_path: Path) -> None:
    """Policy of history.py: a path re-added after a deletion keeps its earlier commits."""
    repo, shas = _delete_and_re_add(tmp_path)
    history = repo.history()
    assert set(history.cases) == {P1}
    commits = history.cases[P1].commits
    last, first = commits[0], commits[-1]
    assert last.hash == shas["c4"]
    assert last.created is True
    assert last.changes == tuple(added(case("CH-2024-0001", status="reopened")))
    assert first.hash == shas["c1"]
    assert first.created is True
    move_on = next(c for c in commits if c.hash == shas["c2"])
    assert move_on.changes == (FieldChange("stage", "intake", "incident-analysis"),)


def test_deleted_and_re_added_case_lists_the_deletion(tmp_path: Path) -> None:
    repo, shas = _delete_and_re_add(tmp_path)
    history = repo.history()
    commits = history.cases[P1].commits
    assert [c.hash for c in commits] == [shas["c4"], shas["c3"], shas["c2"], shas["c1"]]
    withdraw = commits[1]
    assert (withdraw.author, withdraw.subject, withdraw.path, withdraw.created) == (
        CAROL.name, "Withdraw", P1, False)
    assert_matches_git(repo, history)


def _renumbered_on_a_branch(tmp_path: Path) -> tuple[GitRepo, str, str]:
    """A case opened on main, then renamed from P1 to P2 on the branch `renumber`
    (checked out); the commits that opened and renamed it."""
    repo = GitRepo.create(tmp_path / "kb")
    repo.write(P1, case("CH-2024-0001"))
    c0 = repo.commit("Open", who=ALICE, date="2024-01-01T10:00:00+00:00")
    repo.git("checkout", "-q", "-b", "renumber")
    repo.git("mv", P1, P2)
    r1 = repo.commit("Renumber", who=BOB, date="2024-01-02T10:00:00+00:00")
    return repo, c0, r1


def test_edit_on_a_parallel_branch_to_a_renamed_case(tmp_path: Path) -> None:
    repo, c0, r1 = _renumbered_on_a_branch(tmp_path)
    repo.git("checkout", "-q", "main")
    repo.write(P1, case("CH-2024-0001", harm={"killed": 5, "injured": None}))
    e1 = repo.commit("Raise the toll", who=CAROL, date="2024-01-03T10:00:00+00:00")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge renumber", "renumber",
             who=ALICE, date="2024-01-04T10:00:00+00:00")
    assert "killed: 5" in (repo.root / P2).read_text(encoding="utf-8")

    history = repo.history()
    assert set(history.cases) == {P2}
    # `git log --follow` itself misses e1 here (it follows one name at a time); the
    # content of P2 carries e1's change, so its history must list it.
    assert [c.hash for c in history.cases[P2].commits] == [e1, r1, c0]
    assert history.cases[P2].commits[0].changes == (FieldChange("harm.killed", 3, 5),)


def test_merging_main_into_a_branch_that_renamed_a_case(tmp_path: Path) -> None:
    """The merge's diff against its first parent is empty in the cases folder, so
    `git log -m` prints only the diff against the second: it must not be taken
    for the first parent's."""
    repo, c0, r1 = _renumbered_on_a_branch(tmp_path)
    repo.write(P2, case("CH-2024-0002", stage="incident-analysis"))
    e1 = repo.commit("Move on", who=BOB, date="2024-01-03T10:00:00+00:00")
    repo.git("checkout", "-q", "main")
    (repo.root / "README.md").write_text("Fictional sample casebook.\n", encoding="utf-8")
    repo.commit("Add a README", who=CAROL, date="2024-01-04T10:00:00+00:00")
    repo.git("checkout", "-q", "renumber")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge main", "main",
             who=BOB, date="2024-01-05T10:00:00+00:00")

    history = repo.history()
    assert [c.hash for c in history.cases[P2].commits] == [e1, r1, c0]
    assert_matches_git(repo, history)


# 10. field_changes on plain values -------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "changes"), [
    pytest.param({"a": 1, "b": {"c": [1, 2]}}, {"a": 1, "b": {"c": [1, 2]}}, [],
                 id="identical"),
    pytest.param({}, {}, [], id="both-empty"),
    pytest.param({"stage": "intake"}, {"stage": "incident-analysis"},
                 [FieldChange("stage", "intake", "incident-analysis")], id="scalar"),
    pytest.param({"harm": {"killed": 3, "injured": 1}}, {"harm": {"killed": 4, "injured": 1}},
                 [FieldChange("harm.killed", 3, 4)], id="nested-dict"),
    pytest.param({"harm": {"killed": 3}}, {"harm": {"killed": {"min": 3, "max": 7}}},
                 [FieldChange("harm.killed", 3, {"min": 3, "max": 7})], id="scalar-to-mapping"),
    pytest.param({"harm": {"killed": {"min": 3, "max": 7}}}, {"harm": {"killed": {"min": 3, "max": 9}}},
                 [FieldChange("harm.killed.max", 7, 9)], id="deeply-nested"),
    pytest.param({"a": {"b": {"c": {"d": 1}}}}, {"a": {"b": {"c": {"d": 2, "e": 3}}}},
                 [FieldChange("a.b.c.d", 1, 2), FieldChange("a.b.c.e", None, 3)],
                 id="four-levels"),
    pytest.param({"weapons": [{"type": "bomb", "us_origin": "likely"}]},
                 {"weapons": [{"type": "bomb", "us_origin": "confirmed"}]},
                 [FieldChange("weapons[0].us_origin", "likely", "confirmed")],
                 id="list-of-mappings-by-index"),
    pytest.param({"weapons": [{"t": "a"}, {"t": "b", "n": 1}]},
                 {"weapons": [{"t": "a"}, {"t": "c", "n": 1}]},
                 [FieldChange("weapons[1].t", "b", "c")], id="second-item"),
    pytest.param({"sources": [{"key": "S1"}]}, {"sources": [{"key": "S1"}, {"key": "S2"}]},
                 [FieldChange("sources[1]", None, {"key": "S2"})], id="item-appended"),
    pytest.param({"sources": [{"key": "S1"}, {"key": "S2"}]}, {"sources": [{"key": "S1"}]},
                 [FieldChange("sources[1]", {"key": "S2"}, None)], id="item-removed"),
    pytest.param({"sources": []}, {"sources": [{"key": "S1"}]},
                 [FieldChange("sources[0]", None, {"key": "S1"})], id="first-item-of-empty"),
    pytest.param({"tags": ["a", "b"]}, {"tags": ["a", "c"]},
                 [FieldChange("tags", ["a", "b"], ["a", "c"])], id="plain-list-whole"),
    pytest.param({"tags": ["a"]}, {"tags": ["a", "b"]},
                 [FieldChange("tags", ["a"], ["a", "b"])], id="plain-list-appended"),
    pytest.param({"tags": ["a", "b"]}, {"tags": ["b", "a"]},
                 [FieldChange("tags", ["a", "b"], ["b", "a"])], id="plain-list-reordered"),
    pytest.param({"tags": []}, {"tags": ["a"]}, [FieldChange("tags", [], ["a"])],
                 id="plain-list-from-empty"),
    pytest.param({"tags": "a"}, {"tags": ["a"]}, [FieldChange("tags", "a", ["a"])],
                 id="scalar-to-list"),
    pytest.param({"a": 1, "gone": 2, "b": 3}, {"a": 1, "b": 3, "new": 4},
                 [FieldChange("gone", 2, None), FieldChange("new", None, 4)],
                 id="removed-and-added-keys"),
    pytest.param({"assignee": None}, {}, [FieldChange("assignee", None, None)],
                 id="null-key-removed"),
    pytest.param({"harm": {"killed": 3, "injured": 1}}, {"harm": {"killed": 3}},
                 [FieldChange("harm.injured", 1, None)], id="nested-key-removed"),
    pytest.param({}, {"id": "CH-2024-0001", "harm": {"killed": 3}},
                 [FieldChange("id", None, "CH-2024-0001"),
                  FieldChange("harm", None, {"killed": 3})], id="from-nothing"),
    pytest.param([1], {"a": 1}, [FieldChange("(front matter)", [1], {"a": 1})],
                 id="top-level-not-a-mapping"),
])
def test_field_changes(old: Any, new: Any, changes: list[FieldChange]) -> None:
    assert field_changes(old, new) == changes


def test_field_changes_keeps_the_order_of_the_old_keys() -> None:
    old = {"z": 1, "a": 1, "m": 1}
    new = {"m": 2, "a": 2, "z": 2, "b": 0}
    assert [c.field for c in field_changes(old, new)] == ["z", "a", "m", "b"]


@pytest.mark.parametrize(("old", "new"), [
    pytest.param({"verified": True}, {"verified": 1}, id="bool-to-int"),
    pytest.param({"harm": {"killed": 3}}, {"harm": {"killed": 3.0}}, id="int-to-float"),
])
def test_field_changes_sees_a_change_of_type(old: Any, new: Any) -> None:
    assert field_changes(old, new) != []


# 11. One pass: one `git log`, one `git cat-file --batch` -------------------------------------


def test_one_git_log_for_the_whole_folder(tmp_path: Path) -> None:
    repo = GitRepo.create(tmp_path / "kb")
    paths = [f"cases/CH-2024-{n:04d}.md" for n in range(1, 21)]
    minute = 0
    for stage in ("intake", "incident-analysis", "policy-impact-assessment"):
        for n, path in enumerate(paths, start=1):
            repo.write(path, case(f"CH-2024-{n:04d}", stage=stage))
            minute += 1
            repo.commit(f"{stage}: CH-2024-{n:04d}", who=(ALICE, BOB, CAROL)[n % 3],
                        date=f"2024-01-01T{minute // 60:02d}:{minute % 60:02d}:00+00:00")

    spawned: list[list[str]] = []
    executed: list[list[str]] = []
    real_popen = git.cmd.safer_popen
    real_execute = git.cmd.Git.execute
    real_subprocess_popen = subprocess.Popen

    def counting_popen(command: Any, *args: Any, **kwargs: Any) -> Any:
        spawned.append([str(a) for a in command] if isinstance(command, list | tuple)
                       else [str(command)])
        return real_popen(command, *args, **kwargs)

    def counting_execute(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        executed.append([str(a) for a in command] if isinstance(command, list | tuple)
                        else [str(command)])
        return real_execute(self, command, *args, **kwargs)

    class CountingPopen(real_subprocess_popen):  # type: ignore[misc, valid-type]
        def __init__(self, command: Any, *args: Any, **kwargs: Any) -> None:
            spawned.append([str(a) for a in command] if isinstance(command, list | tuple)
                           else [str(command)])
            super().__init__(command, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(git.cmd, "safer_popen", counting_popen)
        patch.setattr(git.cmd.Git, "execute", counting_execute)
        patch.setattr(subprocess, "Popen", CountingPopen)
        history = repo.history()

    def runs(argv: list[str], sub: str) -> bool:
        # The git subcommand, after `git` and any `-c key=value` options.
        rest = argv[1:]
        while rest and rest[0] == "-c":
            rest = rest[2:]
        return bool(rest) and rest[0] in (sub, sub.replace("-", "_"))

    logs = [argv for argv in spawned if runs(argv, "log")]
    assert len(logs) == 1, logs
    # The whole folder, not one file: diffs limited to it, no pathspec; the
    # commits come from one rev-list, fed on standard input.
    assert logs[0][-1] == "--relative=cases/"
    assert "--stdin" in logs[0]
    assert "--" not in logs[0]
    assert len([argv for argv in spawned if runs(argv, "rev-list")]) == 1
    # One `--batch` process for every version of every file, and GitPython's
    # `--batch-check` for resolving HEAD.
    cat_files = sorted(argv[-1] for argv in spawned if runs(argv, "cat-file"))
    assert set(cat_files) <= {"--batch", "--batch-check"}, cat_files
    assert cat_files.count("--batch") == 1, cat_files
    assert len(cat_files) == len(set(cat_files)), cat_files
    # rev-parse, git version, rev-list, log, ls-tree and the cat-file processes:
    # nothing per case.
    assert len(spawned) <= 7, spawned

    assert len(history.cases) == 20
    for n, path in enumerate(paths, start=1):
        commits = history.cases[path].commits
        assert [c.subject for c in commits] == [
            f"{stage}: CH-2024-{n:04d}"
            for stage in ("policy-impact-assessment", "incident-analysis", "intake")]
        assert commits[0].changes == (
            FieldChange("stage", "incident-analysis", "policy-impact-assessment"),)
    assert_matches_git(repo, history)
