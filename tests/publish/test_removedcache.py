"""The cache of what listing the removed values read (generator.publish.removedcache).

The cache only ever saves time: on the suite's sample project, in a real git
repository, what a profile removes is the same without it, with it cold, with
it warm, after a case is edited, and whatever state the cache file is in.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import copy_project
from generator.checks.corpus import load_corpus
from generator.config import Config, load_config
from generator.history.reader import read_history
from generator.publish.leakcheck import Finder
from generator.publish.profiles import Removed, profile, removed_values
from generator.publish.removedcache import RemovedCache

PUBLIC = profile("public")
AMBER_ID = "CH-2023-0001"  # a case the public profile leaves out


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


def cache_file(project: Path) -> Path:
    return project / ".cache" / "casebook" / "removed-public.json"


def test_the_same_values_without_the_cache_cold_warm_and_after_an_edit(project: Path) -> None:
    config = load_config(project / "mkdocs.yml")
    cold = RemovedCache.open(config, "public")
    assert_same(listed(config, cold), listed(config, None))
    cold.save()
    saved = json.loads(cache_file(project).read_bytes())
    assert saved["sentences"] and saved["words"]

    warm = RemovedCache.open(config, "public")
    assert_same(listed(config, warm), listed(config, None))
    assert not warm.added, "a warm cache knows every text of an unchanged project"

    # One case left out of the public build is edited: its new sentence is looked
    # for, and the entry of its old narrative is no longer kept.
    path = project / "cases" / f"{AMBER_ID}.md"
    old_body = path.read_text(encoding="utf-8")
    sentence = "A ninth account from the ferry landing described the same convoy at dusk."
    path.write_text(old_body.rstrip("\n") + f"\n\n{sentence}\n", encoding="utf-8")
    git(project, "commit", "-q", "-am", "Add an account")
    edited = RemovedCache.open(config, "public")
    removed = listed(config, edited)
    assert_same(removed, listed(config, None))
    assert removed.values[sentence].case == AMBER_ID
    edited.save()
    assert len(json.loads(cache_file(project).read_bytes())["sentences"]) == len(
        saved["sentences"])


@pytest.mark.parametrize("damage", ["truncated", "not json", "other key", "wrong types",
                                    "a folder"])
def test_a_damaged_cache_is_ignored_and_written_again(project: Path, damage: str) -> None:
    config = load_config(project / "mkdocs.yml")
    first = RemovedCache.open(config, "public")
    expected = listed(config, first)
    first.save()
    path = cache_file(project)
    raw = path.read_bytes()
    data = json.loads(raw)
    if damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "not json":
        path.write_bytes(b"\x00\xff" * 100)
    elif damage == "other key":
        data["key"]["code"] = "0" * 16
        path.write_text(json.dumps(data), encoding="ascii")
    elif damage == "wrong types":
        data["sentences"] = {k: [[1, 2]] if i % 2 else "x"
                             for i, k in enumerate(data["sentences"])}
        data["words"] = dict.fromkeys(data["words"])
        data["texts"] = []
        path.write_text(json.dumps(data), encoding="ascii")
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
