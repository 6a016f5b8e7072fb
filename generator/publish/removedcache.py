"""What listing the removed values read from the text of the cases, kept for the next build.

Cutting the narratives of the cases a profile leaves out into sentences, and
reading each sentence and value as the leak check reads it (`normalise`), is
most of what `removed_values` costs: at 10,000 cases, 8,000 narratives of 9 KB.
Both are pure functions of the text they read, and are kept by it:

- `sentences`: a narrative's sentences, each with its words, by a digest of the
  narrative;
- `words`: a value's words, by the value (a long text: by its digest, in `texts`).

So an entry never goes stale. The whole file is set aside when what made it
differs (its `key`: the format, the code that cuts and reads text, the
look-alike table, Python's Unicode version). Which values are looked for is
decided afresh by every build from these entries, since that depends on every
case at once (what the published cases show). A file that cannot be read, or
an entry that holds something unexpected, is ignored and made again: the cache
only ever saves time, and deleting it at any moment is safe.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.files import write_cache

if TYPE_CHECKING:
    from generator.config import Config
    from generator.publish.leakcheck import Finder

FORMAT = 1
FILE_NAME = "removed-{profile}.json"
"""One file for each profile: each keeps the entries of its own builds only, and a
build of one profile does not set aside those of another."""
# A text longer than this is kept by its digest: a narrative's is shorter than it.
_LONG = 200

# The modules whose code decides what is cached: a change to any of them sets
# every cached answer aside.
_SOURCES = ("publish/removedcache.py", "publish/profiles.py", "publish/leakcheck.py",
            "records/markup.py", "publish/site/pages.py")


def cache_key() -> dict[str, Any]:
    """What made the cached answers: the file is used only under the same key."""
    here = Path(__file__).parent.parent
    try:
        code = hashlib.sha256(b"\0".join((here / name).read_bytes() for name in _SOURCES))
        confusables = metadata.version("confusables")
    except (OSError, metadata.PackageNotFoundError):  # pragma: no cover - no reuse
        return {"format": FORMAT, "unknown": os.urandom(8).hex()}
    return {"format": FORMAT, "code": code.hexdigest()[:16],
            "unicode": unicodedata.unidata_version, "confusables": confusables}


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No collection by the garbage collector inside: a build holds millions of
    objects (every case, its history, its pages), and its full passes over them
    would cost as much as reading this cache or listing the removed values, whose
    objects (strings, lists of them) never refer to themselves."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _cache_path(config: Config, name: str, profile: str) -> Path | None:
    """The file `name` of builds of `profile` in the project's `cache_dir` (None when
    that is empty)."""
    folder = config.settings.cache_dir
    if not folder:
        return None
    safe = profile if re.fullmatch(r"[\w-]{1,64}", profile, re.ASCII) else _digest(profile)
    return config.root / folder / name.format(profile=safe)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(slots=True)
class RemovedCache:
    """The cached answers, and where they are kept (None: kept nowhere)."""

    path: Path | None
    key: dict[str, Any] = field(default_factory=cache_key)
    cached: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The file's entries: `sentences`, `words` and `texts`, each by its key."""
    used: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"sentences": {}, "words": {}, "texts": {}})
    """The entries this build asked for, old and new: what is saved."""
    added: bool = False

    @classmethod
    def open(cls, config: Config, profile: str) -> RemovedCache:
        """The project's cache for builds of `profile`, in its `cache_dir` (none when
        that is empty)."""
        return cls.load(_cache_path(config, FILE_NAME, profile))

    @classmethod
    def load(cls, path: Path | None) -> RemovedCache:
        """The cache at `path` if it was made under the same key, else an empty one."""
        cache = cls(path)
        if path is None:
            return cache
        try:
            with collector_paused():
                raw = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return cache
        if isinstance(raw, dict) and raw.get("key") == cache.key:
            cache.cached = {part: entries for part in cache.used
                            if isinstance(entries := raw.get(part), dict)}
        return cache

    def sentences(self, body: str, read: Callable[[str], list[tuple[str, str]]]
                  ) -> list[tuple[str, str]]:
        """`read(body)`, a narrative's sentences each with its words, unless the cache
        knows them (kept as one list: sentence, words, sentence, words...)."""
        digest = _digest(body)
        entry = self.cached.get("sentences", {}).get(digest)
        if isinstance(entry, list) and len(entry) % 2 == 0 and set(map(type, entry)) <= {str}:
            self.used["sentences"][digest] = entry
            return list(zip(entry[::2], entry[1::2], strict=True))
        pairs = read(body)
        self.used["sentences"][digest] = [text for pair in pairs for text in pair]
        self.added = True
        return pairs

    def words(self, text: str, read: Callable[[str], str]) -> str:
        """`read(text)`, the text's words, unless the cache knows them."""
        part, key = ("words", text) if len(text) <= _LONG else ("texts", _digest(text))
        known = self.cached.get(part, {}).get(key)
        if not isinstance(known, str):
            known = read(text)
            self.added = True
        self.used[part][key] = known
        return str(known)

    def save(self) -> None:
        """Write the entries this build used, if it learnt something or left some out;
        through a temporary file and a rename, so a reader never sees half a file. A
        cache that cannot be written is only a slower next build."""
        if self.path is None:
            return
        if not self.added and all(self.used[p].keys() == self.cached.get(p, {}).keys()
                                  for p in self.used):
            return
        if write_cache(self.path, self.key, self.used):
            self.added = False



SCANNED_NAME = "scanned-{profile}.json"


@dataclass(slots=True)
class CleanFiles:
    """The files of the site, by path and a digest of their bytes, in which the last
    scans found no removed value, under the same key: the values looked for (a
    digest of them), how they are read, and the code that reads them. A file with
    the same bytes read by the same finder holds no value now either, so it is not
    read again; any other file is. Kept, loaded and ignored as `RemovedCache` is."""

    path: Path | None
    key: dict[str, Any]
    cached: dict[str, str] = field(default_factory=dict)
    used: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, config: Config, profile: str, finder: Finder) -> CleanFiles:
        path = _cache_path(config, SCANNED_NAME, profile)
        digest = hashlib.sha256()
        for value, why in sorted(finder.why.items()):
            if why is None:
                sentence = finder.removed.values[value].sentence
                digest.update(f"{int(sentence)}{value}\0".encode("utf-8", "surrogatepass"))
        key = {**cache_key(), "values": digest.hexdigest(),
               "settings": finder.removed.settings.model_dump(mode="json")}
        files = cls(path, key)
        if path is not None:
            try:
                with collector_paused():
                    raw = json.loads(path.read_bytes())
            except (OSError, ValueError):
                return files
            entries = raw.get("files") if isinstance(raw, dict) else None
            if isinstance(entries, dict) and raw.get("key") == key:
                files.cached = {k: v for k, v in entries.items() if isinstance(v, str)}
        return files

    def clean(self, rel: str, raw: bytes) -> bool:
        """Whether the last scans found nothing in these bytes at `rel`."""
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        if self.cached.get(rel) == digest:
            self.used[rel] = digest
            return True
        return False

    def add(self, rel: str, raw: bytes) -> None:
        """The scan found nothing in these bytes at `rel`."""
        self.used[rel] = hashlib.blake2b(raw, digest_size=16).hexdigest()

    def save(self) -> None:
        if self.path is not None and self.used != self.cached:
            write_cache(self.path, self.key, {"files": self.used})
