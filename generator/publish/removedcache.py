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

import base64
import contextlib
import dataclasses
import gc
import hashlib
import json
import os
import pickle
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.files import write_cache, write_cache_file

if TYPE_CHECKING:
    from generator.config import Config, LeakCheckSettings
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


def _read_keyed(path: Path | None, key: dict[str, Any]) -> dict[str, Any]:
    """`generator.files.read_cache`, but a file made under another key (the first
    build at a new code) is set aside by its key alone, which `write_cache` writes
    first: not parsed whole (tens of MB) to be thrown away."""
    if path is None:
        return {}
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if _written_key(data) not in (key, None):
        return {}
    try:
        raw = json.loads(data)
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) and raw.get("key") == key else {}


def _written_key(data: bytes) -> object:
    """The key at the head of a cache file as `write_cache` writes it; None when it
    cannot be told from the head (the whole file is read then)."""
    head = data[:_KEY_PREFIX_BYTES].decode("utf-8", "ignore")
    if not head.startswith('{"key":'):
        return None
    try:
        written: object = json.JSONDecoder().raw_decode(head, len('{"key":'))[0]
    except ValueError:
        return None
    return written


# A key is a few hundred bytes (the settings' included).
_KEY_PREFIX_BYTES = 1 << 14


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
    finder: Finder | None = None
    """A finder this build made afresh over every candidate value, to be kept."""
    digests: dict[str, str] = field(default_factory=dict)
    """The narratives' digests, by narrative, as this build made them."""

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
        with collector_paused():
            raw = _read_keyed(path, cache.key)
        cache.cached = {part: entries for part in cache.used
                        if isinstance(entries := raw.get(part), dict)}
        return cache

    def sentences(self, body: str, read: Callable[[str], list[tuple[str, str]]]
                  ) -> list[tuple[str, str]]:
        """`read(body)`, a narrative's sentences each with its words, unless the cache
        knows them (kept as one list: sentence, words, sentence, words...)."""
        digest = self._body_digest(body)
        entry = self.cached.get("sentences", {}).get(digest)
        if isinstance(entry, list) and len(entry) % 2 == 0 and set(map(type, entry)) <= {str}:
            self.used["sentences"][digest] = entry
            return list(zip(entry[::2], entry[1::2], strict=True))
        pairs = read(body)
        self.used["sentences"][digest] = [text for pair in pairs for text in pair]
        self.added = True
        return pairs

    def knows_sentences(self, body: str) -> bool:
        """Whether `sentences` would find this narrative's sentences in the cache."""
        entry = self.cached.get("sentences", {}).get(self._body_digest(body))
        return isinstance(entry, list)

    def _body_digest(self, body: str) -> str:
        # Asked for by `knows_sentences`, then by `sentences`: made once.
        digest = self.digests.get(body)
        if digest is None:
            digest = self.digests[body] = _digest(body)
        return digest

    def words(self, text: str, read: Callable[[str], str]) -> str:
        """`read(text)`, the text's words, unless the cache knows them (from an earlier
        build, or read by this one already)."""
        part, key = ("words", text) if len(text) <= _LONG else ("texts", _digest(text))
        known = self.cached.get(part, {}).get(key)
        if not isinstance(known, str):
            known = self.used[part].get(key)
        if not isinstance(known, str):
            known = read(text)
            self.added = True
        self.used[part][key] = known
        return str(known)

    def words_each(self, texts: list[str], read: Callable[[list[str]], list[str]]
                   ) -> list[str]:
        """`words` of each text, those the cache does not know read in one call."""
        found: list[str | None] = []
        keys = [("words", text) if len(text) <= _LONG else ("texts", _digest(text))
                for text in texts]
        for part, key in keys:
            known = self.cached.get(part, {}).get(key)
            if not isinstance(known, str):
                known = self.used[part].get(key)
            found.append(known if isinstance(known, str) else None)
        unread = [i for i, known in enumerate(found) if known is None]
        if unread:
            for i, words in zip(unread, read([texts[i] for i in unread]), strict=True):
                found[i] = words
            self.added = True
        out: list[str] = []
        for (part, key), known in zip(keys, found, strict=True):
            self.used[part][key] = str(known)
            out.append(str(known))
        return out

    def kept_finder(self, settings: LeakCheckSettings) -> Finder | None:
        """The finder an earlier build kept (`keep_finder`) under the same key and
        settings, if it can be read."""
        if self.path is None:
            return None
        return _read_finder(self.path.with_name(f"finder-{self.path.stem}.pickle"),
                            _finder_key(self.key, settings), settings)

    def keep_finder(self, finder: Finder) -> None:
        """Keep `finder`, made afresh over every candidate value, for the next build."""
        self.finder = finder

    def changed(self) -> bool:
        """Whether this build learnt an entry or left one out: what `save` writes."""
        return self.added or any(self.used[p].keys() != self.cached.get(p, {}).keys()
                                 for p in self.used)

    def carried(self) -> RemovedCache:
        """The cache of this process's next build: what saving this one and opening it
        again would give, without the file. It starts out using every entry this one
        used: the next build reuses what this one found in the cases it did not
        change (`Outputs`), without asking the cache for the texts read to find it."""
        return RemovedCache(self.path, self.key, cached=self.used,
                            used={part: dict(entries) for part, entries in self.used.items()})

    def save(self) -> None:
        """Write the entries this build used, if it learnt something or left some out;
        through a temporary file and a rename, so a reader never sees half a file. A
        cache that cannot be written is only a slower next build."""
        if self.path is None:
            return
        if self.finder is not None:
            with collector_paused():
                _write_finder(self.path.with_name(f"finder-{self.path.stem}.pickle"),
                              _finder_key(self.key, self.finder.settings), self.finder)
            self.finder = None
        if not self.changed():
            return
        with collector_paused():
            written = write_cache(self.path, self.key, self.used)
        if written:
            self.added = False



# --------------------------------------------------------------------------
# The automaton over every candidate value, kept between builds.
#
# Building it is most of what listing the removed values costs (about 1 s at 10,000
# cases, every build), and from one build to the next its values barely change. It
# is kept in one file, pickled: the automaton as pyahocorasick pickles itself, with
# its patterns and verdicts (plain strings, numbers, tuples and dicts). The file is
# read by an unpickler that makes no object but those and the automaton, so that
# a file put in the cache folder can run no code.

class _FinderUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("ahocorasick", "Automaton"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a kept finder")


def _finder_key(key: dict[str, Any], settings: LeakCheckSettings) -> dict[str, Any]:
    return {**key, "settings": settings.model_dump(mode="json"),
            "pyahocorasick": metadata.version("pyahocorasick")}


def _read_finder(path: Path, key: dict[str, Any], settings: LeakCheckSettings
                 ) -> Finder | None:
    import ahocorasick

    from generator.publish.leakcheck import Finder, Table

    try:
        with collector_paused(), path.open("rb") as handle:
            # The key is pickled first, by itself: a finder made under another (the
            # first build at a new code) is set aside without reading its 70 MB.
            if _FinderUnpickler(handle).load() != key:
                return None
            kept = _FinderUnpickler(handle).load()
    except (OSError, pickle.UnpicklingError, ValueError, EOFError, TypeError,
            AttributeError, IndexError):
        return None
    if not isinstance(kept, dict):
        return None
    automaton, why, sentence, groups = (kept.get(k) for k in (
        "automaton", "why", "sentence", "groups"))
    if not (isinstance(automaton, ahocorasick.Automaton) and isinstance(why, dict)
            and isinstance(sentence, dict) and isinstance(groups, list)
            and automaton.kind == ahocorasick.AHOCORASICK
            and automaton.store == ahocorasick.STORE_INTS
            and len(automaton) == len(groups) and why.keys() == sentence.keys()
            and all(type(group) is tuple for group in groups)):
        return None
    return Finder.restored(settings, why, sentence, [Table(automaton, groups)])


def _write_finder(path: Path, key: dict[str, Any], finder: Finder) -> None:
    if len(finder.tables) != 1:
        return  # only a finder made afresh, with one table of every value, is kept
    table = finder.tables[0]
    data = {"automaton": table.automaton, "why": finder.why, "sentence": finder.sentence,
            "groups": table.groups}
    write_cache_file(path, pickle.dumps(key, protocol=pickle.HIGHEST_PROTOCOL)
                     + pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


SCANNED_NAME = "scanned-{profile}.json"


def file_digest(raw: bytes) -> str:
    """What `CleanFiles` knows a file's bytes by."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def packed_words(words: str) -> str:
    """A file's words as `CleanFiles` keeps them."""
    packed = zlib.compress(words.encode("utf-8", "surrogatepass"), 1)
    return base64.b64encode(packed).decode("ascii")


def _value_ids(finder: Finder) -> dict[str, str]:
    """Each value the finder looks for, by a digest of it and of how it is looked for
    (a sentence is, a slug of it is not): the same value has the same id in every
    build under the same key."""
    ids: dict[str, str] = {}
    for value, why in finder.why.items():
        if why is None:
            sentence = finder.removed.values[value].sentence
            text = f"{int(sentence)}{value}".encode("utf-8", "surrogatepass")
            ids[hashlib.blake2b(text, digest_size=8).hexdigest()] = value
    return ids


@dataclass(slots=True)
class CleanFiles:
    """The files of the site, by path and a digest of their bytes, in which the last
    scans found none of the values they looked for (kept by an id each), with each
    file's text as the leak check reads it (`normalise`), compressed. A file with the
    same bytes holds none of those values now either, so it is not read again: when
    this build looks for no other value, it is clean; when it looks for some value
    more (a case left out was edited), only those values are looked for in the kept
    text, which is what reading the file again would give. Any other file is read.
    The file is used only under the same key (how text is read, the settings, the
    code) and loaded and ignored as `RemovedCache` is: a part that cannot be read
    only makes its file read again."""

    path: Path | None
    key: dict[str, Any]
    finder: Finder
    ids: dict[str, str]
    """The values this build looks for, by id."""
    proven: frozenset[str] = frozenset()
    """The values the kept files were found clean of, by id."""
    cached: dict[str, list[str]] = field(default_factory=dict)
    """Each kept file's digest and its text (zlib, then base64), by path."""
    used: dict[str, list[str]] = field(default_factory=dict)
    added: Finder | None = None
    """A finder of the values looked for now and not then (None: none)."""

    @classmethod
    def open(cls, config: Config, profile: str, finder: Finder) -> CleanFiles:
        path = _cache_path(config, SCANNED_NAME, profile)
        key = {**cache_key(), "settings": finder.removed.settings.model_dump(mode="json")}
        files = cls(path, key, finder, _value_ids(finder))
        with collector_paused():
            raw = _read_keyed(path, key)
        entries, proven = raw.get("files"), raw.get("values")
        if not (isinstance(entries, dict) and isinstance(proven, list)
                and all(isinstance(v, str) for v in proven)):
            return files
        files.cached = {rel: entry for rel, entry in entries.items()
                        if isinstance(entry, list) and len(entry) == 2
                        and all(isinstance(part, str) for part in entry)}
        files.proven = frozenset(proven)
        files.added = files._finder_of(files.ids.keys() - files.proven)
        return files

    def _finder_of(self, ids: set[str]) -> Finder | None:
        from generator.publish.leakcheck import Finder

        if not ids:
            return None
        removed = self.finder.removed
        values = {self.ids[i]: removed.values[self.ids[i]] for i in ids}
        return Finder(dataclasses.replace(
            removed, values=values, unprovable={}, prepared=None,
            words={v: removed.words[v] for v in values if v in removed.words}))

    def clean(self, rel: str, raw: bytes) -> bool:
        """Whether these bytes at `rel` hold none of the values looked for, as the kept
        text of the same bytes shows."""
        entry = self.cached.get(rel)
        if entry is None or entry[0] != file_digest(raw):
            return False
        if self.added is not None:
            try:
                words = zlib.decompress(base64.b64decode(entry[1], validate=True))
                text = words.decode("utf-8", "surrogatepass")
            except (ValueError, zlib.error):
                return False
            if next(self.added.find(text), None) is not None:
                return False
        self.used[rel] = entry
        return True

    def add(self, rel: str, raw: bytes, words: str) -> None:
        """The scan found no value in these bytes at `rel`, read as `words`."""
        self.used[rel] = [file_digest(raw), packed_words(words)]

    def keep(self, rel: str, digest: str, packed: str) -> None:
        """`add`, of a file whose digest and packed words were made elsewhere (by a
        process that read it for the scan)."""
        self.used[rel] = [digest, packed]

    def save(self) -> None:
        """Every file kept is now clean of every value this build looked for."""
        if self.path is not None and (self.used != self.cached or self.added is not None
                                      or self.proven != self.ids.keys()):
            with collector_paused():
                write_cache(self.path, self.key, {"values": sorted(self.ids),
                                                  "files": self.used})
