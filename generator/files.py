"""Writing files so that no reader ever sees half of one.

`casebook fmt` replaces a case file (`write_atomic`); `casebook new` and the
import create one and never overwrite (`write_new`); the caches of what was
read before are JSON files replaced whole (`write_cache`, read back by
`read_cache`). Each leaves the old state or
the new one when the disk fills up or the process is stopped, never a
truncated file. A root module: every stage that writes uses it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def write_all(handle: int, data: bytes) -> None:
    """All of `data` to the open file `handle`: `os.write` may write only part of it."""
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace the file at `path` (through a symbolic link: its target) with `data`,
    keeping its permissions; on any failure the old file is left as it was."""
    target = path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent)
    temporary = Path(name)
    try:
        try:
            write_all(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
        temporary.chmod(mode)
        os.replace(temporary, target)  # noqa: PTH105 - the atomic rename, said plainly
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)


def write_new(path: Path, data: bytes) -> None:
    """Create the file `path` holding `data`; FileExistsError if it exists (O_EXCL, so
    also when another process created it a moment ago). A failed write removes it."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            write_all(handle, data)
        finally:
            os.close(handle)
    except BaseException:
        path.unlink(missing_ok=True)  # ours: created just above, and not complete
        raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def read_cache(path: Path | None, key: Mapping[str, Any]) -> dict[str, Any]:
    """What the cache file `path` holds besides its key, if `write_cache` wrote it under
    the same `key`; empty when there is no such file, it cannot be read or holds
    something else: a cache only ever saves time, so a bad one is ignored."""
    if path is None:
        return {}
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("key") != key:
        return {}
    return raw


def write_cache(path: Path, key: Mapping[str, Any], parts: Mapping[str, Any]) -> bool:
    """Replace the cache file `path` with `key` and `parts` as JSON (`write_cache_file`)."""
    data = json.dumps({"key": key, **parts}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    return write_cache_file(path, data)


def write_cache_file(path: Path, data: bytes) -> bool:
    """Replace the cache file `path` (its folder made if need be) with `data`, through a
    temporary file and a rename; False when it cannot be written, which only makes
    the next command slower. No fsync: a cache lost in a crash is read again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            try:
                write_all(handle, data)
            finally:
                os.close(handle)
            Path(name).replace(path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True
