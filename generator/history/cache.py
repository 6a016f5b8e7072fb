"""What earlier reads of the history learnt from git, kept so the next asks only what is new.

Reading 20,000 commits costs seconds: git diffs every commit's tree, and every
version of every case is parsed as YAML and compared with the version before.
None of that can change once done, because both parts of this cache are keyed by
git object ids, which name content:

- `commits`: each commit's author, dates, subject and changes to case files
  (what `git log --raw` says of it), by commit id;
- `changes`: the field changes between two versions of a case file, by the pair
  of blob ids.

So an entry never goes stale. The whole file is set aside when what made it
differs (the format, the code that reads the history, the git version or the
cases folder: its `key`). A file that cannot be read, or holds something
unexpected, is ignored and written again: the cache only ever saves time, and
deleting it at any moment is safe.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.files import read_cache, write_cache

FORMAT = 1
FILE_NAME = "history.json"

# The modules whose code decides what is cached: a change to any of them sets
# every cached answer aside.
_SOURCES = ("history/reader.py", "history/cache.py", "records/frontmatter.py",
            "repository/git.py")


def code_fingerprint() -> str:
    """A digest of the code that decides what the cache holds."""
    digest = hashlib.sha256()
    here = Path(__file__).parent.parent
    for name in _SOURCES:
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # pragma: no cover - installed without sources: no reuse
            digest.update(os.urandom(16))
    return digest.hexdigest()[:16]


@dataclass(slots=True)
class HistoryCache:
    """The cached answers, and where they are kept (None: kept nowhere)."""

    path: Path | None
    key: dict[str, Any]
    commits: dict[str, list[Any]] = field(default_factory=dict)
    changes: dict[str, list[list[Any]]] = field(default_factory=dict)
    added: bool = False
    """Something was learnt that the file does not hold yet."""

    @classmethod
    def load(cls, path: Path | None, key: dict[str, Any]) -> HistoryCache:
        """The cache at `path` if it was made under the same `key`, else an empty one."""
        cache = cls(path, key)
        raw = read_cache(path, key)
        commits, changes = raw.get("commits"), raw.get("changes")
        if isinstance(commits, dict) and isinstance(changes, dict):
            cache.commits, cache.changes = commits, changes
        return cache

    def add_commit(self, sha: str, entry: list[Any]) -> None:
        self.commits[sha] = entry
        self.added = True

    def add_changes(self, pair: str, changes: list[list[Any]]) -> None:
        self.changes[pair] = changes
        self.added = True

    def save(self, *, commits: Iterable[str] | None = None,
             pairs: Iterable[str] | None = None) -> None:
        """Write the cache if it learnt something, keeping only the `commits` and
        `pairs` given (those of the history as it is now), or all when None.

        Written to a temporary file and renamed, so a reader never sees half a
        file; a cache that cannot be written is only a slower next build.
        """
        if self.path is None or not self.added:
            return
        kept_commits = self.commits if commits is None else {
            sha: self.commits[sha] for sha in commits if sha in self.commits}
        kept_changes = self.changes if pairs is None else {
            pair: self.changes[pair] for pair in pairs if pair in self.changes}
        if not write_cache(self.path, self.key, {"commits": kept_commits,
                                                 "changes": kept_changes}):
            return
        self.added = False
