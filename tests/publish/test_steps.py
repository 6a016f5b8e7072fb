"""Writing the generated tree (generator.publish.steps.Tree): each file as it is put."""

from __future__ import annotations

from pathlib import Path

from generator.publish.steps import OnDisk, Tree


def test_each_file_is_written_as_it_is_put_and_finish_removes_the_rest(tmp_path: Path) -> None:
    target = tmp_path / "docs"
    first = Tree(target)
    for rel, content in {"a.md": b"one", "old/b.md": b"two", ".gitkeep": b""}.items():
        first.put(rel, content)
    first.finish()
    (target / "old" / ".gitkeep").write_bytes(b"")
    before = (target / "a.md").stat().st_mtime_ns

    tree = Tree(target)
    tree.put("a.md", b"one")  # the same bytes: not written again
    tree.put("new/c.md", b"three")
    assert (target / "new" / "c.md").read_bytes() == b"three", "written when put"
    assert (target / "old" / "b.md").exists(), "nothing is removed before finish"
    done = tree.finish()

    assert (done.written, done.unchanged, done.removed) == (["new/c.md"], 1, ["old/b.md"])
    assert (target / "a.md").stat().st_mtime_ns == before
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        ".gitkeep", "a.md", "new", "new/c.md", "old", "old/.gitkeep"]


def test_a_file_put_twice_holds_the_last_bytes_and_is_listed_once(tmp_path: Path) -> None:
    tree = Tree(tmp_path)
    tree.put("a.md", b"first")
    tree.put("a.md", b"second")
    done = tree.finish()
    assert (tmp_path / "a.md").read_bytes() == b"second"
    assert done.written == ["a.md"]


def test_a_tree_made_once_keeps_none_of_the_bytes_put(tmp_path: Path) -> None:
    once = Tree(tmp_path / "once")
    once.put("a.md", b"one")
    once.put("a.md", b"one")  # unchanged: compared with the file
    assert once.known is None and once.finish().written == ["a.md"]

    on_disk: OnDisk = {}
    kept = Tree(tmp_path / "kept", on_disk)
    kept.put("a.md", b"one")
    kept.put("gone.md", b"two")
    kept.finish()
    kept = Tree(tmp_path / "kept", on_disk)
    kept.put("a.md", b"one")
    done = kept.finish()
    assert (done.unchanged, done.removed) == (1, ["gone.md"])
    assert list(on_disk) == ["a.md"] and on_disk["a.md"][0] == b"one"


def test_finish_removes_folders_left_empty_and_never_follows_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.md").write_bytes(b"not the generator's")
    target = tmp_path / "docs"
    first = Tree(target)
    first.put("deep/er/still/a.md", b"one")
    first.put("b.md", b"two")
    first.finish()
    (target / "linked").symlink_to(outside, target_is_directory=True)

    tree = Tree(target)
    tree.put("b.md", b"two")
    done = tree.finish()

    assert done.removed == ["linked", "deep/er/still/a.md"]
    assert sorted(p.name for p in target.iterdir()) == ["b.md"], "empty folders removed"
    assert (outside / "keep.md").read_bytes() == b"not the generator's"
