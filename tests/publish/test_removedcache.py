"""The caches of the leak check (generator.publish.removedcache).

They only ever save time: on the suite's sample project, in a real git
repository, what a profile removes is the same without the cache of what was
read, with it cold, with it warm, after a case is edited, and whatever state
its file is in; a scan finds the same leaks whether or not it knows which files
were clean, and reads again every file whose bytes or values looked for changed.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pickle
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import copy_project
from generator.checks.corpus import load_corpus
from generator.config import Config, load_config
from generator.history.reader import read_history
from generator.publish import leakcheck, removedcache
from generator.publish.leakcheck import Finder, builds_on
from generator.publish.profiles import Removed, Withheld, profile, removed_values
from generator.publish.removedcache import CleanFiles, RemovedCache

PUBLIC = profile("public")
AMBER_ID = "CH-2023-0001"  # a case the public profile leaves out


@pytest.fixture(autouse=True)
def writes_at_once(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache files are written before `save` returns, so that a test may read
    them as files (a build writes them in a thread: see the test of that)."""
    if "being_written" in request.node.name:
        return
    behind = removedcache._write_behind

    def at_once(files: list[tuple[Path, bytes]]) -> None:
        behind(files)
        removedcache.flush()

    monkeypatch.setattr(removedcache, "_write_behind", at_once)


def git(project: Path, *args: str) -> None:
    who = {"GIT_AUTHOR_NAME": "Jo Analyst", "GIT_AUTHOR_EMAIL": "jo@casebook.example",
           "GIT_COMMITTER_NAME": "Jo Analyst", "GIT_COMMITTER_EMAIL": "jo@casebook.example",
           "GIT_AUTHOR_DATE": "2026-11-01T12:00:00+00:00",
           "GIT_COMMITTER_DATE": "2026-11-01T12:00:00+00:00",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", *args], cwd=project, env={**os.environ, **who}, check=True,
                   capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = copy_project(tmp_path / "project")
    git(root, "init", "-q")
    git(root, "add", "cases")
    git(root, "commit", "-q", "-m", "Add the cases")
    return root


def add_an_account(project: Path) -> str:
    """A sentence appended to the narrative of a case left out, and committed."""
    path = project / "cases" / f"{AMBER_ID}.md"
    sentence = "A ninth account from the ferry landing described the same convoy at dusk."
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{sentence}\n",
                    encoding="utf-8")
    git(project, "commit", "-q", "-am", "Add an account")
    return sentence


def listed(config: Config, cache: RemovedCache | None) -> Removed:
    """What the public profile removes from the project, as `generate` lists it."""
    corpus = load_corpus(config)
    history = read_history(config)
    files = [f for f in corpus.files if f.case is not None]
    return removed_values(corpus.cases, {f.case.id: history.for_file(f.path)
                                         for f in files if f.case},
                          PUBLIC, bodies={f.case.id: f.body for f in files if f.case},
                          settings=config.settings.leakcheck, cache=cache)


def assert_same(removed: Removed, expected: Removed) -> None:
    assert removed.values == expected.values
    assert removed.unprovable == expected.unprovable
    assert removed.values, "the sample project leaves cases out of a public build"
    # What the leak check looks for, and how, is the same as well.
    finder, reference = Finder(removed), Finder(expected)
    assert finder.why == reference.why
    text = " " + " ".join(f" {w} " for w in sorted(removed.values)) + " "
    assert sorted(map(str, finder.find(text))) == sorted(map(str, reference.find(text)))


def listed_and_saved(project: Path) -> tuple[Config, Removed]:
    """The project's configuration, and what a first build lists, its caches saved."""
    config = load_config(project / "mkdocs.yml")
    first = RemovedCache.open(config, "public")
    expected = listed(config, first)
    first.save()
    return config, expected


def cache_file(project: Path) -> Path:
    return project / ".cache" / "casebook" / "removed-public.pickle"


def read_saved(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A cache file's key, and what it holds under it (pickled one after the other)."""
    handle = io.BytesIO(path.read_bytes())
    key, data = pickle.load(handle), pickle.load(handle)
    assert isinstance(key, dict) and isinstance(data, dict)
    return key, data


def write_saved(path: Path, key: object, data: object) -> None:
    path.write_bytes(pickle.dumps(key) + pickle.dumps(data))


def test_the_same_values_without_the_cache_cold_warm_and_after_an_edit(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    cold = RemovedCache.open(config, "public")
    assert_same(listed(config, cold), listed(config, None))
    cold.save()
    _, saved = read_saved(cache_file(project))
    assert saved["sentences"] and saved["words"]

    warm = RemovedCache.open(config, "public")
    assert_same(listed(config, warm), listed(config, None))
    assert not warm.added, "a warm cache knows every text of an unchanged project"

    # One case left out of the public build is edited: its new sentence is looked
    # for, and the entry of its old narrative is no longer kept.
    sentence = add_an_account(project)
    edited = RemovedCache.open(config, "public")
    removed = listed(config, edited)
    assert_same(removed, listed(config, None))
    assert removed.values[sentence].case == AMBER_ID
    edited.save()
    assert len(read_saved(cache_file(project))[1]["sentences"]) == len(saved["sentences"])


def test_a_file_that_differs_by_a_few_entries_is_not_written_again(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, _ = listed_and_saved(project)
    path = cache_file(project)
    before = path.read_bytes()
    # An edit's few texts, beside many kept: the sample's hundreds of entries count as
    # the tens of thousands of a large project.
    monkeypatch.setattr(removedcache, "_REWRITE_SHARE", 1)
    add_an_account(project)
    edited = RemovedCache.open(config, "public")
    removed = listed(config, edited)
    assert edited.added and 0 < edited.learnt < 5
    edited.save()
    assert path.read_bytes() == before, "not written again"
    # The next build reads those few texts again, and lists the same values.
    again = RemovedCache.open(config, "public")
    assert_same(listed(config, again), removed)
    assert again.learnt == edited.learnt
    # A cache carried over by a watching server may hold what its file does not.
    carried = again.carried()
    listed(config, carried)
    carried.added = True
    carried.save()
    assert path.read_bytes() != before
    fresh = RemovedCache.open(config, "public")
    listed(config, fresh)
    assert fresh.learnt == 0, "the carried cache wrote every entry it used"


@pytest.mark.parametrize("damage", ["truncated", "not a pickle", "other key", "wrong types",
                                    "code", "code as the key", "a folder"])
def test_a_damaged_cache_is_ignored_and_written_again(project: Path, tmp_path: Path,
                                                      damage: str) -> None:
    config, expected = listed_and_saved(project)
    path = cache_file(project)
    raw = path.read_bytes()
    key, data = read_saved(path)
    planted = tmp_path / "planted"
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "not a pickle":
        path.write_bytes(b"\x00\xff" * 100)
    elif damage == "other key":
        write_saved(path, {**key, "code": "0" * 16}, data)
    elif damage == "wrong types":
        data["sentences"] = {k: [[1, 2]] if i % 2 else "x"
                             for i, k in enumerate(data["sentences"])}
        data["words"] = dict.fromkeys(data["words"])
        data["texts"] = []
        write_saved(path, key, data)
    elif damage == "code":
        write_saved(path, key, {**data, "words": _Planted(planted)})
    elif damage == "code as the key":
        write_saved(path, _Planted(planted), data)
    else:
        path.unlink()
        path.mkdir()
    damaged = RemovedCache.open(config, "public")
    assert_same(listed(config, damaged), expected)
    damaged.save()
    if damage != "a folder":
        again = RemovedCache.open(config, "public")
        listed(config, again)
        assert not again.added, "the cache is written again, whole"


def test_a_cache_made_under_another_key_is_set_aside_by_its_key_alone(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first build at a new code: the file is not read whole to be thrown away.
    config, expected = listed_and_saved(project)
    path = cache_file(project)
    key, saved = read_saved(path)
    write_saved(path, {**key, "code": "0" * 16}, saved)
    loaded: list[object] = []
    load = removedcache._PlainUnpickler.load

    def counting(self: pickle.Unpickler) -> object:
        loaded.append(result := load(self))
        return result

    monkeypatch.setattr(removedcache._PlainUnpickler, "load", counting)
    stale = RemovedCache.open(config, "public")
    assert stale.cached == {} and len(loaded) == 1, "the key alone was read"
    assert_same(listed(config, stale), expected)
    write_saved(path, stale.key, saved)
    assert RemovedCache.open(config, "public").cached["words"] == saved["words"]


def test_a_file_being_written_is_waited_for_by_a_reader_in_the_same_process(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    written: list[Path] = []
    write = removedcache.write_cache_file

    def slowly(path: Path, data: bytes) -> bool:
        time.sleep(0.3)  # the system writing tens of MB
        written.append(path)
        return write(path, data)

    monkeypatch.setattr(removedcache, "write_cache_file", slowly)
    first = RemovedCache.open(config, "public")
    expected = listed(config, first)
    first.save()
    assert written == [], "the build goes on while the files are written"
    again = RemovedCache.open(config, "public")
    assert again.cached and again.kept_finder(config.settings.leakcheck) is not None
    assert {p.name for p in written} == {"removed-public.pickle", "finder-removed-public.pickle",
                                         "automaton-removed-public.pickle"}
    assert_same(listed(config, again), expected)
    assert not again.added


def test_the_file_an_earlier_version_wrote_in_json_goes(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    old = cache_file(project).with_suffix(".json")
    old.parent.mkdir(parents=True)
    old.write_text('{"key": {"format": 1}}', encoding="utf-8")
    cache = RemovedCache.open(config, "public")
    listed(config, cache)
    cache.save()
    assert cache_file(project).is_file() and not old.exists()


def test_no_cache_folder_means_no_file(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    config = config.model_copy(update={"settings": config.settings.model_copy(
        update={"cache_dir": ""})})
    cache = RemovedCache.open(config, "public")
    assert cache.path is None
    assert_same(listed(config, cache), listed(config, None))
    cache.save()
    assert not (project / ".cache").exists()


def test_each_profile_keeps_its_own_file(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    assert RemovedCache.open(config, "internal").path != RemovedCache.open(
        config, "public").path
    assert RemovedCache.open(config, "../x").path.parent == cache_file(project).parent  # type: ignore[union-attr]


# --------------------------------------------------------------------------
# The files a scan found clean, not read again while their bytes and the values
# looked for are the same.


def scanned(config: Config, site: Path, finder: Finder,
            monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """The leaks a scan finds (as text), and the files it read."""
    read: list[str] = []
    reader = leakcheck.site_text

    def counting(path: Path, raw: bytes) -> tuple[str, str]:
        read.append(path.relative_to(site).as_posix())
        return reader(path, raw)

    monkeypatch.setattr(leakcheck, "site_text", counting)
    clean = CleanFiles.open(config, "public", finder)
    leaks = [str(leak) for leak in leakcheck.scan_with(site, finder, clean=clean)]
    clean.save()
    return leaks, sorted(read)


def finder_file(project: Path) -> Path:
    return project / ".cache" / "casebook" / "finder-removed-public.pickle"


def test_the_automaton_is_kept_and_lent_to_the_next_build(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    first = RemovedCache.open(config, "public")
    listed(config, first)
    assert first.finder is not None, "a build with no kept automaton makes one to keep"
    first.save()
    assert finder_file(project).is_file()

    # The next build borrows it whole: nothing is built, nothing is kept again.
    warm = RemovedCache.open(config, "public")
    kept = warm.kept_finder(config.settings.leakcheck)
    assert kept is not None and len(kept.tables) == 1
    removed = listed(config, warm)
    assert_same(removed, listed(config, None))
    assert warm.finder is None
    lent = removed.prepared
    assert isinstance(lent, Finder) and len(lent.tables) == 1

    # A case left out gains a sentence: only it is read into a table of its own, and
    # it is found as a fresh finder finds it.
    sentence = add_an_account(project)
    edited = RemovedCache.open(config, "public")
    removed = listed(config, edited)
    assert_same(removed, listed(config, None))
    lent = removed.prepared
    assert isinstance(lent, Finder) and len(lent.tables) == 2
    assert [p[1] for group in lent.tables[1].groups for p in group] == [sentence]
    text = f" a {leakcheck.normalise(sentence)} b "
    assert [hit.value for hit in Finder(removed).find(text)] == [sentence]


def test_a_value_read_another_way_now_is_not_lent_by_the_earlier_finder() -> None:
    field = Withheld("CH-2023-0001", "location.place", "a case left out")
    as_field = {"Quokka Ministry cable annex": field}
    base = Finder(Removed(values=as_field))
    # The same text is now a sentence: no slug form, its own length rule.
    sentence = dataclasses.replace(field, field="narrative", sentence=True)
    now = Removed(values={"Quokka Ministry cable annex": sentence})
    borrowed, fresh = Finder(now, base=base), Finder(now)
    assert borrowed.why == fresh.why and borrowed.reading == fresh.reading
    slug = " quokka ministry cable annex"  # the slug's words; a sentence has no slug
    assert list(base.find(slug)) and not list(fresh.find(slug))
    assert list(borrowed.find(slug)) == list(fresh.find(slug)) == []
    assert not builds_on(base, Removed(values={f"Value number {i} of many": field
                                               for i in range(10)}))
    assert builds_on(base, Removed(values=as_field))


class _Planted:
    """Pickles as a call that would create a file, if the unpickler allowed it."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str, ...]]:
        return (Path.touch, (str(self.target),))  # type: ignore[return-value]


@pytest.mark.parametrize("damage", ["truncated", "not a pickle", "other key", "code",
                                    "code as the key", "wrong types"])
def test_a_damaged_kept_automaton_is_ignored_and_runs_nothing(
        project: Path, tmp_path: Path, damage: str) -> None:
    config, expected = listed_and_saved(project)
    path = finder_file(project)
    raw = path.read_bytes()
    planted = tmp_path / "planted"
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "not a pickle":
        path.write_bytes(b"\x00\xff" * 100)
    else:
        # The key, pickled by itself, then the finder.
        handle = io.BytesIO(raw)
        key, data = pickle.load(handle), pickle.load(handle)
        if damage == "other key":
            key["code"] = "0" * 16
        elif damage == "code":
            data["why"] = _Planted(planted)
        elif damage == "code as the key":
            key = _Planted(planted)
        else:
            data["groups"] = ["not a tuple"] * len(data["groups"])
        path.write_bytes(pickle.dumps(key) + pickle.dumps(data))
    damaged = RemovedCache.open(config, "public")
    assert damaged.kept_finder(config.settings.leakcheck) is None
    assert not planted.exists()
    assert_same(listed(config, damaged), expected)
    assert damaged.finder is not None, "a new automaton is made, and kept"


def automaton_file(project: Path) -> Path:
    return project / ".cache" / "casebook" / "automaton-removed-public.pickle"


def test_at_a_new_code_an_automaton_over_the_same_keys_is_used_not_built_again(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, expected = listed_and_saved(project)
    kept = automaton_file(project)
    before = kept.stat().st_mtime_ns, kept.read_bytes()
    monkeypatch.setattr(removedcache, "FORMAT", "a new code")
    new = RemovedCache.open(config, "public")
    assert new.kept_finder(config.settings.leakcheck) is None, "the finder's key changed"
    removed = listed(config, new)
    assert_same(removed, expected)
    lent = removed.prepared
    assert isinstance(lent, Finder) and new.automaton_kept == lent.tables[0].keys
    new.save()
    assert (kept.stat().st_mtime_ns, kept.read_bytes()) == before, "not written again"
    # The finder is kept under the new key: the next build at this code lends it.
    again = RemovedCache.open(config, "public")
    assert again.kept_finder(config.settings.leakcheck) is not None
    assert_same(listed(config, again), expected)
    assert again.finder is None


def test_an_automaton_over_other_keys_is_not_used(project: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config, expected = listed_and_saved(project)
    path = automaton_file(project)
    handle = io.BytesIO(path.read_bytes())
    head, automaton = pickle.load(handle), pickle.load(handle)
    # Another automaton under this one's digest: what a build of other values kept.
    other = leakcheck.Table.of([(" quokka relay", "Quokka relay", True, 0)]).automaton
    path.write_bytes(pickle.dumps(head) + pickle.dumps(other))
    monkeypatch.setattr(removedcache, "FORMAT", "a new code")
    new = RemovedCache.open(config, "public")
    removed = listed(config, new)
    assert_same(removed, expected)
    assert new.automaton_kept is None
    new.save()
    handle = io.BytesIO(path.read_bytes())
    assert pickle.load(handle) == head and len(pickle.load(handle)) == len(automaton)


@pytest.mark.parametrize("damage", ["truncated", "not a pickle", "other keys", "code",
                                    "code as the head", "not an automaton"])
def test_a_damaged_kept_automaton_file_is_ignored_and_runs_nothing(
        project: Path, tmp_path: Path, damage: str) -> None:
    config, expected = listed_and_saved(project)
    path = automaton_file(project)
    raw = path.read_bytes()
    planted = tmp_path / "planted"
    handle = io.BytesIO(raw)
    head, automaton = pickle.load(handle), pickle.load(handle)
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "not a pickle":
        path.write_bytes(b"\x00\xff" * 100)
    else:
        if damage == "other keys":
            head["keys"] = "0" * 32
        elif damage == "code":
            automaton = _Planted(planted)
        elif damage == "code as the head":
            head = _Planted(planted)
        else:
            automaton = {"kind": "a dict"}
        path.write_bytes(pickle.dumps(head) + pickle.dumps(automaton))
    damaged = RemovedCache.open(config, "public")
    assert damaged.kept_finder(config.settings.leakcheck) is None
    assert not planted.exists()
    assert_same(listed(config, damaged), expected)
    assert damaged.finder is not None and damaged.automaton_kept is None
    damaged.save()
    assert RemovedCache.open(config, "public").kept_finder(config.settings.leakcheck)


def test_a_file_read_clean_is_not_read_again_until_it_or_the_values_change(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    site = tmp_path / "site"
    (site / "cases").mkdir(parents=True)
    (site / "index.html").write_text("<p>Nothing here.</p>", encoding="utf-8")
    (site / "cases" / "a.html").write_text("<p>Quokka Ministry cable</p>", encoding="utf-8")
    (site / "search.json").write_text('{"text": "the wombat relay"}', encoding="utf-8")
    what = Withheld("CH-2023-0001", "sources[S2].title", "a non-public source")
    finder = Finder(Removed(values={"Quokka Ministry cable": what}))
    first = scanned(config, site, finder, monkeypatch)
    assert first == ([str(leak) for leak in leakcheck.scan(site, finder.removed)],
                     ["cases/a.html", "index.html", "search.json"])
    assert len(first[0]) == 1
    # The file with a leak is read again, and found again; the others are not read.
    assert scanned(config, site, finder, monkeypatch) == (first[0], ["cases/a.html"])
    (site / "index.html").write_text("<p>The Quokka Ministry cable.</p>", encoding="utf-8")
    leaks, read = scanned(config, site, finder, monkeypatch)
    assert read == ["cases/a.html", "index.html"] and len(leaks) == 2
    # Another value looked for, standing in a file that did not change: its kept text
    # shows it, so the file is read again and the value found.
    more = Finder(Removed(values={"Quokka Ministry cable": what, "wombat relay": what}))
    leaks, read = scanned(config, site, more, monkeypatch)
    assert read == ["cases/a.html", "index.html", "search.json"] and len(leaks) == 3
    assert any("search.json" in leak and "wombat relay" in leak for leak in leaks)


def site_of(tmp_path: Path, files: dict[str, str]) -> Path:
    """A built site holding `files` (path: text)."""
    site = tmp_path / "site"
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    return site



def test_at_a_new_code_that_reads_text_the_same_the_kept_texts_are_searched_again(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    site = site_of(tmp_path, {"index.html": "<p>Nothing here.</p>",
                              "other.html": "<p>Nor here.</p>"})
    what = Withheld("CH-2023-0001", "sources[S2].title", "a non-public source")
    finder = Finder(Removed(values={"Quokka Ministry cable": what}))
    assert scanned(config, site, finder, monkeypatch) == ([], ["index.html", "other.html"])
    # A kept text that holds the value (as an earlier code's finder might have missed
    # it): the same code trusts what it proved and reads nothing...
    path = project / ".cache" / "casebook" / "scanned-public.pickle"
    key, kept = read_saved(path)
    digest, _ = kept["files"]["other.html"]
    kept["files"]["other.html"] = (digest, removedcache.packed_words(" the quokka ministry cable "))
    write_saved(path, key, kept)
    assert scanned(config, site, finder, monkeypatch) == ([], [])
    # ...and a new code that looks for values differently looks for every value in the
    # kept texts, reading only the file whose kept text shows one.
    monkeypatch.setattr(removedcache, "checking_code", lambda: "a new code")
    assert scanned(config, site, finder, monkeypatch) == ([], ["other.html"])
    assert scanned(config, site, finder, monkeypatch) == ([], [])
    # A new code that reads text differently reads every file again.
    monkeypatch.setattr(removedcache, "_READING", ("publish/leakcheck.py",))
    assert scanned(config, site, finder, monkeypatch) == ([], ["index.html", "other.html"])


def test_at_a_new_code_that_reads_text_the_same_the_texts_read_are_kept(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config, expected = listed_and_saved(project)
    monkeypatch.setattr(removedcache, "checking_code", lambda: "a new code")
    new = RemovedCache.open(config, "public")
    assert new.kept_finder(config.settings.leakcheck) is None, "its verdicts are set aside"
    assert_same(listed(config, new), expected)
    assert not new.added, "every text was read by the same code"
    monkeypatch.setattr(removedcache, "_READING", ("publish/leakcheck.py",))
    assert RemovedCache.open(config, "public").cached == {}


def test_a_value_added_or_removed_is_looked_for_in_the_kept_text_of_unchanged_files(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    # Written so that only reading as the check reads (entities, escapes, case) shows
    # the value: the kept text is that reading, not the bytes.
    site = site_of(tmp_path, {"index.html": "<p>Nothing here.</p>",
                              "data.json": '{"text": "the W&#111;mbat \\u0052elay"}'})
    what = Withheld("CH-2023-0001", "sources[S2].title", "a non-public source")
    one = {"Quokka Ministry cable": what}
    assert scanned(config, site, Finder(Removed(values=one)), monkeypatch) == (
        [], ["data.json", "index.html"])
    # A value added that no kept text holds: nothing is read.
    two = {**one, "Platypus burrow ledger": what}
    assert scanned(config, site, Finder(Removed(values=two)), monkeypatch) == ([], [])
    # Values only removed since: still clean, nothing read.
    assert scanned(config, site, Finder(Removed(values=one)), monkeypatch) == ([], [])
    # The value the unchanged data.json holds, added now: found there, and only there.
    three = {**one, "wombat relay": what}
    leaks, read = scanned(config, site, Finder(Removed(values=three)), monkeypatch)
    assert read == ["data.json"] and len(leaks) == 1 and "wombat relay" in leaks[0]
    assert leaks == [str(leak) for leak in leakcheck.scan(site, Removed(values=three))]


def test_a_damaged_list_of_clean_files_is_ignored(project: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    site = site_of(tmp_path, {"index.html": "<p>Nothing here.</p>"})
    what = Withheld("CH-2023-0001", "title", "a case left out: AMBER")
    finder = Finder(Removed(values={"Quokka Ministry cable": what}))
    scanned(config, site, finder, monkeypatch)
    path = project / ".cache" / "casebook" / "scanned-public.pickle"
    for damaged in (b"[1, 2]", b'{"key": 1}', path.read_bytes()[:40], b"\xff"):
        path.write_bytes(damaged)
        assert scanned(config, site, finder, monkeypatch) == ([], ["index.html"])


def test_a_damaged_kept_text_makes_its_file_read_again(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    site = site_of(tmp_path, {"index.html": "<p>The wombat relay.</p>"})
    what = Withheld("CH-2023-0001", "title", "a case left out: AMBER")
    scanned(config, site, Finder(Removed(values={"Quokka Ministry cable": what})),
            monkeypatch)
    path = project / ".cache" / "casebook" / "scanned-public.pickle"
    key, kept = read_saved(path)
    more = Finder(Removed(values={"Quokka Ministry cable": what, "wombat relay": what}))
    digest, packed = kept["files"]["index.html"]
    for text in (b"not zlib", b"", packed[:-8] + b"\0" * 8, "a text, not bytes"):
        kept["files"]["index.html"] = (digest, text)
        write_saved(path, key, kept)
        leaks, read = scanned(config, site, more, monkeypatch)
        assert read == ["index.html"] and len(leaks) == 1 and "wombat relay" in leaks[0]


def test_a_data_file_whose_hits_only_run_across_fields_is_kept_as_clean(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    # "wombat relay" stands only across two fields: no value as written.
    site = site_of(tmp_path, {"data.json": '{"a": "the wombat", "b": "relay station",'
                                           ' "c": "quokka ministry cable"}'})
    what = Withheld("CH-2023-0001", "title", "a case left out: AMBER")
    one = {"wombat relay": what}
    assert scanned(config, site, Finder(Removed(values=one)), monkeypatch) == (
        [], ["data.json"])
    assert scanned(config, site, Finder(Removed(values=one)), monkeypatch) == ([], [])
    # A value added that stands in one field of the unchanged file: found there.
    two = {**one, "Quokka Ministry cable": what}
    leaks, read = scanned(config, site, Finder(Removed(values=two)), monkeypatch)
    assert read == ["data.json"] and len(leaks) == 1 and "field c" in leaks[0]


def test_a_value_planted_in_one_row_of_an_export_kept_as_clean_is_found(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(project / "mkdocs.yml")
    rows = [{"id": f"CH-2024-{n:04d}", "title": f"Shelling of ward {n}"} for n in range(50)]
    site = site_of(tmp_path, {"exports/cases.json": json.dumps(rows),
                              "exports/cases.csv": "id,title\nCH-2024-0001,Shelling\n"})
    what = Withheld("CH-2023-0001", "title", "a case left out: AMBER")
    finder = Finder(Removed(values={"Quokka Ministry cable": what}))
    assert scanned(config, site, finder, monkeypatch) == (
        [], ["exports/cases.csv", "exports/cases.json"])
    rows[31]["title"] = "The quokka ministry cable"
    (site / "exports" / "cases.json").write_text(json.dumps(rows), encoding="utf-8")
    leaks, read = scanned(config, site, finder, monkeypatch)
    assert read == ["exports/cases.json"]
    assert len(leaks) == 1 and "case CH-2024-0031, field [31].title" in leaks[0]
