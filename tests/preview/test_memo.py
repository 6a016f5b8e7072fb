"""The memo that lets a watching server render again only what a save changed.

The unit tests pin down when an output is reused; the build tests hold the
memo to its one promise: a build that reuses the last build's outputs writes
exactly the files a build from nothing writes, whatever was edited in between.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from conftest import TODAY, copy_project, with_setting
from generator.config import load_config
from generator.preview.memo import Memo
from generator.preview.pipeline import CachingPipeline
from generator.publish.build import generate

# --------------------------------------------------------------------------
# The memo on its own.


def test_equal_inputs_reuse_the_output_and_other_inputs_make_it_again() -> None:
    memo = Memo()
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return text.upper()

    memo.begin()
    assert memo.get("k", ("a", [1]), lambda: make("a")) == "A"
    # Equal by value, not the same object.
    assert memo.get("k", ("a", [1]), lambda: make("again")) == "A"
    assert memo.get("k", ("a", [2]), lambda: make("b")) == "B"
    assert made == ["a", "b"]
    assert (memo.hits, memo.misses) == (1, 2)


def test_an_output_reused_keeps_the_outputs_it_was_made_from() -> None:
    memo = Memo()
    made: list[str] = []

    def row(name: str) -> str:
        return memo.get(("row", name), name, lambda: made.append(name) or name.upper())

    def table(names: tuple[str, ...]) -> str:
        return memo.get("table", names, lambda: ",".join(row(n) for n in names))

    memo.begin()
    assert table(("a", "b")) == "A,B"
    memo.end()
    memo.begin()
    assert table(("a", "b")) == "A,B"  # reused: its rows are not asked for...
    memo.end()
    assert ("row", "a") in memo and ("row", "b") in memo  # ...and are kept all the same
    memo.begin()
    assert table(("a", "c")) == "A,C"
    memo.end()
    assert made == ["a", "b", "c"]  # the changed table made only its new row
    assert ("row", "b") not in memo


def test_keys_a_build_did_not_ask_for_are_forgotten() -> None:
    memo = Memo()
    memo.begin()
    memo.get("kept", 1, lambda: "one")
    memo.get("dropped", 2, lambda: "two")
    memo.end()
    memo.begin()
    memo.get("kept", 1, lambda: "not made")
    memo.end()
    assert len(memo) == 1
    memo.begin()
    assert memo.get("dropped", 2, lambda: "made again") == "made again"


# --------------------------------------------------------------------------
# A memoised build against a build from nothing.


def project(target: Path) -> Path:
    return copy_project(target)


def tree(docs: Path) -> dict[str, bytes]:
    return {p.relative_to(docs).as_posix(): p.read_bytes()
            for p in sorted(docs.rglob("*")) if p.is_file()}


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def new_title(root: Path) -> None:
    # A title shows on the case's page, in every listing of the case, on the page of
    # the case related to it (CH-2023-0001), in the exports and in the search index.
    replace_once(root / "cases" / "CH-2023-0003.md", "a strike on a market in Northfield",
                 "a strike on a bakery in Northfield")


def overdue(root: Path) -> None:
    # An overdue review moves the case to the top of its listings and onto /review/.
    replace_once(root / "cases" / "CH-2024-0001.md", "next_review: 2027-01-20",
                 "next_review: 2026-10-20")


def deleted(root: Path) -> None:
    (root / "cases" / "CH-2024-0002.md").unlink()


def template(root: Path) -> None:
    path = root / "templates" / "site" / "case.md.j2"
    path.write_text(path.read_text("utf-8") + "\nA line the template gained.\n",
                    encoding="utf-8")


def made_red(root: Path) -> None:
    # Every value of a case left out is looked for, and decided against what the
    # published cases show: the values the profile removes change.
    replace_once(root / "cases" / "CH-2023-0002.md", "sensitivity: GREEN", "sensitivity: RED")


def shared_sentence(root: Path) -> None:
    # A sentence of a case left out that a published narrative holds is public through
    # it: it is no longer looked for.
    path = root / "cases" / "CH-2023-0002.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nLocal elders told a broadcaster "
                    "that the men were day labourers known in both villages.\n",
                    encoding="utf-8")


EDITS = {f.__name__: f for f in (new_title, overdue, deleted, template, made_red,
                                  shared_sentence)}


@pytest.mark.parametrize("page_size", [None, 3], ids=["whole-listings", "split-listings"])
@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_memoised_build_writes_what_a_build_from_nothing_writes(
        tmp_path: Path, edit: str, page_size: int | None) -> None:
    def project(target: Path) -> Path:  # listings of three rows a page: split everywhere
        made = copy_project(target)
        return made if page_size is None else with_setting(made, "listing_page_size",
                                                           page_size)

    warm = project(tmp_path / "warm")
    steps = CachingPipeline()
    config = load_config(warm / "mkdocs.yml")
    first = generate(config, today=TODAY, steps=steps, with_history=False)
    EDITS[edit](warm)
    again = generate(load_config(warm / "mkdocs.yml"), today=TODAY, steps=steps,
                     with_history=False)
    assert steps.memo.hits > 0  # the memo was used, not bypassed
    assert again.written or again.removed_files  # and the edit changed something

    cold = project(tmp_path / "cold")
    EDITS[edit](cold)
    fresh = generate(load_config(cold / "mkdocs.yml"), today=TODAY, with_history=False)
    assert tree(config.generated_dir) == tree(cold / ".generated" / "docs")
    # What the leak check looks for, and warns of, is what a build from nothing finds.
    assert list(again.removed.values.items()) == list(fresh.removed.values.items())
    assert again.removed.unprovable == fresh.removed.unprovable
    if edit in ("made_red", "shared_sentence"):
        assert again.removed.values.keys() != first.removed.values.keys()


@pytest.mark.parametrize("edit", ["new_title", "made_red", "shared_sentence", "deleted"])
def test_what_the_public_build_removes_is_found_again_as_from_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    """With the history read and the published cases gathered two by two: a save
    gathers again only its block, and the blocks joined decide as the whole does."""
    from generator.publish import profiles
    from generator.publish.build import profile_named

    monkeypatch.setattr(profiles, "_BLOCK", 2)
    warm = project(tmp_path / "warm")
    steps = CachingPipeline()
    config = load_config(warm / "mkdocs.yml")
    public = profile_named(config, "public")
    generate(config, today=TODAY, steps=steps, profile=public)
    EDITS[edit](warm)
    again = generate(load_config(warm / "mkdocs.yml"), today=TODAY, steps=steps,
                     profile=public)
    assert steps.memo.hits > 0

    cold = project(tmp_path / "cold")
    EDITS[edit](cold)
    fresh = generate(load_config(cold / "mkdocs.yml"), today=TODAY, profile=public)
    assert list(again.removed.values.items()) == list(fresh.removed.values.items())
    assert again.removed.unprovable == fresh.removed.unprovable
    assert again.removed.values  # the public profile removes something to look for


def test_a_save_lays_out_again_only_the_tables_that_list_the_saved_case(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.publish.site.pages import SiteBuilder

    warm = project(tmp_path)
    steps = CachingPipeline()
    generate(load_config(warm / "mkdocs.yml"), today=TODAY, steps=steps, with_history=False)
    new_title(warm)  # CH-2023-0003
    listed: dict[object, set[str]] = {}
    made: list[object] = []
    real_table, real_laid_out = SiteBuilder.table, SiteBuilder._laid_out

    def table(self: SiteBuilder, place: Any, facts: Any, *args: Any, **kwargs: Any) -> Any:
        given = tuple(facts)
        listed[place] = {f.case.id for f in given}
        return real_table(self, place, given, *args, **kwargs)

    def laid_out(self: SiteBuilder, place: Any, *args: Any) -> Any:
        made.append(place)
        return real_laid_out(self, place, *args)

    monkeypatch.setattr(SiteBuilder, "table", table)
    monkeypatch.setattr(SiteBuilder, "_laid_out", laid_out)
    generate(load_config(warm / "mkdocs.yml"), today=TODAY, steps=steps, with_history=False)
    listing_it = {place for place, ids in listed.items() if "CH-2023-0003" in ids}
    assert listing_it and len(listing_it) < len(listed)
    assert sorted(map(repr, made)) == sorted(map(repr, listing_it))


def test_nothing_is_reused_on_another_day(tmp_path: Path) -> None:
    warm = project(tmp_path / "warm")
    steps = CachingPipeline()
    config = load_config(warm / "mkdocs.yml")
    generate(config, today=TODAY, steps=steps, with_history=False)
    later = TODAY + dt.timedelta(days=40)
    generate(config, today=later, steps=steps, with_history=False)
    cold = project(tmp_path / "cold")
    generate(load_config(cold / "mkdocs.yml"), today=later, with_history=False)
    assert tree(config.generated_dir) == tree(cold / ".generated" / "docs")


def test_a_generated_file_changed_behind_the_memo_is_written_again(tmp_path: Path) -> None:
    warm = project(tmp_path)
    steps = CachingPipeline()
    config = load_config(warm / "mkdocs.yml")
    generate(config, today=TODAY, steps=steps, with_history=False)
    page = config.generated_dir / "cases" / "CH-2024-0002.md"
    good = page.read_bytes()
    page.write_bytes(good.replace(b"CH-2024-0002", b"CH-2024-9999"))
    again = generate(config, today=TODAY, steps=steps, with_history=False)
    assert again.written == ["cases/CH-2024-0002.md"]
    assert page.read_bytes() == good


def test_the_removed_values_cache_is_read_from_memory_and_written_once_idle(
        tmp_path: Path) -> None:
    from generator.publish.removedcache import RemovedCache, flush

    warm = project(tmp_path / "warm")
    steps = CachingPipeline()
    config = load_config(warm / "mkdocs.yml")
    profile = generate(config, today=TODAY, with_history=False).profile.name
    path = RemovedCache.open(config, profile).path
    assert path is not None and path.exists()
    path.unlink()  # as before any build
    generate(config, today=TODAY, steps=steps, with_history=False)
    assert not path.exists(), "not written while the reader waits for the page"
    steps.save()
    flush()  # written by a thread of its own: read here as another process reads it
    first = path.read_bytes()

    shared_sentence(warm)  # a new sentence of a case left out: a new entry
    generate(load_config(warm / "mkdocs.yml"), today=TODAY, steps=steps, with_history=False)
    assert path.read_bytes() == first
    steps.save()
    saved = RemovedCache.open(config, profile)
    assert path.read_bytes() != first
    assert steps.removed is not None and saved.cached == steps.removed[1].used

    written = path.stat().st_mtime_ns
    generate(load_config(warm / "mkdocs.yml"), today=TODAY, steps=steps, with_history=False)
    steps.save()  # nothing learnt: the file is left as it is
    assert path.stat().st_mtime_ns == written
