"""What reading and checking each case file found, kept on disk for the next command.

Composing the front matter with every position is most of what loading costs
(about 0.25 ms a file, half a second at 2,000), and the commands that answer
questions (`casebook list`, `casebook show`) run again and again over files
that did not change. They pass `SavedReads.load` and `SavedReads.check` to
`load_corpus`, which reuse, for a file whose bytes are the same:

- what reading it found: its data, whether the schema accepted it (the record
  is made again from the data, by the schema), and its problems;
- what its per-case rules found on the same day (some rules compare dates
  with today).

Entries are keyed by the file's path and a digest of its bytes, so they never
go stale; the whole file is set aside when what made it differs (the code that
reads and checks, the settings, Python). A record made from a saved entry
keeps no positions: problems found across files (a duplicate id) are placed
at the top of the file. Answers that only need to know whether a file has
errors may use it; a command that prints a file's problems reads the file
afresh. Deleting the cache at any moment is safe: it only ever saves time.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from generator.checks.rules import Context, check_case
from generator.config import Config
from generator.files import read_cache, write_cache
from generator.records.diagnostics import Diagnostic, diagnostic
from generator.records.frontmatter import StrictYAMLHandler
from generator.records.loader import CaseFile, load_file
from generator.records.schema import Case

FORMAT = 1
FILE_NAME = "cases.json"
_HANDLER = StrictYAMLHandler()
# The packages whose code decides what a read or a check finds.
_SOURCES = ("records", "checks")


def code_fingerprint() -> str:
    """A digest of the code that reads and checks case files."""
    digest = hashlib.sha256()
    here = Path(__file__).parent.parent
    modules = [m for package in _SOURCES for m in sorted((here / package).glob("*.py"))]
    if not modules:  # pragma: no cover - installed without sources: no reuse
        return os.urandom(8).hex()
    for module in modules:
        digest.update(module.name.encode() + module.read_bytes())
    return digest.hexdigest()[:16]


def _problems(found: Sequence[Diagnostic]) -> list[list[Any]]:
    return [[d.line, d.column, d.code, d.message] for d in found]


def _diagnostics(rel: str, saved: list[list[Any]]) -> tuple[Diagnostic, ...]:
    return tuple(diagnostic(rel, line, column, code, message)
                 for line, column, code, message in saved)


@dataclass(slots=True)
class SavedReads:
    """The saved entries by file (relative path), and where they are kept (None: nowhere)."""

    path: Path | None
    key: dict[str, Any]
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The entries of the files read by this process, old and new: what is saved."""
    digests: dict[Path, str] = field(default_factory=dict)
    added: bool = False

    @classmethod
    def open(cls, config: Config) -> SavedReads:
        """The saved reads of this project, or none when `cache_dir` is empty or the file
        was made by other code or under other settings."""
        folder = config.settings.cache_dir
        path = config.root / folder / FILE_NAME if folder else None
        key = {"format": FORMAT, "code": code_fingerprint(), "python": sys.version,
               "root": str(config.root), "settings": config.settings.model_dump(mode="json")}
        saved = cls(path, key)
        files = read_cache(path, key).get("files")
        if isinstance(files, dict):
            saved.entries = files
        return saved

    def load(self, path: Path, config: Config) -> CaseFile:
        """The file's record: made from its saved entry when its bytes are the same."""
        try:
            raw = path.read_bytes() if not path.is_symlink() else None
        except OSError:
            raw = None
        if raw is None:
            return load_file(path, config)  # the reader says what is wrong, every time
        rel = config.relative(path)
        digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
        self.digests[path] = digest
        entry = self.entries.get(rel)
        if entry is not None and entry.get("digest") == digest:
            record = _from_entry(path, rel, raw, entry)
            if record is not None:
                self.used[rel] = entry
                return record
        record = load_file(path, config)
        entry = _entry(record, digest)
        if entry is not None:
            self.used[rel] = entry
            self.added = True
        return record

    def check(self, record: CaseFile, ctx: Context) -> Sequence[Diagnostic]:
        """What the per-case rules find in `record`, or found in the same bytes that day."""
        entry = self.used.get(record.rel)
        digest = self.digests.get(record.path)
        today = ctx.today.isoformat()
        if entry is None or entry["digest"] != digest:
            return check_case(record, ctx)
        checked = entry.get("checked")
        if isinstance(checked, list) and len(checked) == 2 and checked[0] == today:
            try:
                return _diagnostics(record.rel, checked[1])
            except (TypeError, ValueError, KeyError):
                pass
        found = check_case(record, ctx)
        entry["checked"] = [today, _problems(found)]
        self.added = True
        return found

    def save(self) -> None:
        """Write the entries of the files read, if something was learnt; written to a
        temporary file and renamed, so that a reader never sees half a file."""
        if self.path is None or not (self.added or self.used.keys() != self.entries.keys()):
            return
        if not write_cache(self.path, self.key, {"files": self.used}):
            return  # a cache that cannot be written is only a slower next command
        self.added = False


def _entry(record: CaseFile, digest: str) -> dict[str, Any] | None:
    """The saved form of a freshly read record; None for a file not worth keeping."""
    # A problem met while reading the YAML (CB1xx: a key that is not text, an alias...)
    # may leave data that JSON cannot hold as it is; such a file is read every time.
    if record.front_matter is None or not isinstance(record.data, dict) or any(
            d.code.startswith("CB1") for d in record.diagnostics):
        return None
    return {"digest": digest, "data": record.data, "accepted": record.case is not None,
            "problems": _problems(record.diagnostics)}


def _from_entry(path: Path, rel: str, raw: bytes, entry: dict[str, Any]) -> CaseFile | None:
    """The record of the file whose bytes are `raw`, made from its saved entry; None when
    the entry does not make one (then the file is read again)."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        parts = _HANDLER.split_file(text)
        data = entry["data"]
        case = Case.model_validate(data) if entry["accepted"] else None
        problems = _diagnostics(rel, entry["problems"])
    except (UnicodeDecodeError, KeyError, TypeError, ValueError, ValidationError):
        return None
    if parts is None:
        return None
    return CaseFile(path=path, rel=rel, case=case, data=data, body=parts.body,
                    body_line=parts.body_line, diagnostics=problems)

