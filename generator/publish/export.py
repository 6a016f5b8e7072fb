"""`casebook export`: the site's export data without building the site.

The cases are read and checked as for a build (errors stop it), the profile
chooses and redacts them as the site would (`Profile.view`), and the files come
from the same `build_exports` the site's `/exports/` folder comes from. SQLite
(through sqlite-utils) holds the same tables as the CSV files, with typed
columns, plus `stage_history`, each keyed to `cases` by a foreign key, ready
for Datasette. Before anything is written at the output path, the export is
leak-checked against what the profile removes (`generator.publish.leakcheck`):
a leak writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from generator.config import Config
from generator.publish.leakcheck import scan
from generator.publish.profiles import Profile, removed_values
from generator.publish.site.exports import FORMULA_TRIGGERS, build_exports
from generator.records.schema import Case

FORMATS = ("csv", "json", "geojson", "jsonl", "sqlite")
CSV_TABLES = {"cases": "cases.csv", "sources": "sources.csv", "weapons": "weapons.csv",
              "actions": "actions.csv"}
_KEYS = {"cases": ("id",), "sources": ("case_id", "key"), "weapons": ("case_id", "index"),
         "actions": ("case_id", "index"), "stage_history": ("case_id", "index")}


class ExportError(Exception):
    """The export would show something the profile removes; nothing was written."""


def export_cases(config: Config, fmt: str, output: Path, chosen: Profile, *,
                 today: dt.date | None = None) -> int:
    """Write the export of `fmt` at `output` (a folder for csv); return how many cases."""
    from generator.checks.corpus import load_corpus
    from generator.publish.build import BuildError, build_date

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    corpus = load_corpus(config, today=today)
    report = corpus.report()
    if report.errors:
        raise BuildError(report)
    cases = corpus.cases
    published = [c for c in cases if chosen.publishes(c)]
    ids = {c.id for c in published}
    viewed = sorted((chosen.view(c, ids) for c in published), key=lambda c: c.id)
    files = build_exports(viewed, profile=chosen.name, generated=build_date(today))
    removed = removed_values(cases, {}, chosen)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".casebook-export-", dir=output.parent) as tmp:
        staged, readable = Path(tmp) / "out", Path(tmp) / "scan"
        readable.mkdir()
        _write(fmt, files, viewed, staged, readable)
        leaks = scan(readable, removed)
        if leaks:
            raise ExportError(f"the export would contain {len(leaks)} value(s) that the "
                              f"{chosen.name} profile removes; nothing was written: "
                              + "; ".join(str(leak) for leak in leaks[:5]))
        _replace(staged, output)
    return len(viewed)


def _write(fmt: str, files: dict[str, bytes], viewed: list[Case], staged: Path,
           readable: Path) -> None:
    """The export at `staged`, and its text as a reader's tools see it under `readable`."""
    if fmt == "csv":
        staged.mkdir()
        for name in CSV_TABLES.values():
            (staged / name).write_bytes(files[name])
            (readable / name).write_bytes(files[name])
    elif fmt in ("json", "geojson"):
        content = files["cases.json" if fmt == "json" else "cases.geojson"]
        staged.write_bytes(content)
        (readable / f"export.{fmt}").write_bytes(content)
    elif fmt == "jsonl":
        items = json.loads(files["cases.json"])["cases"]
        lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
        staged.write_text(lines, encoding="utf-8")
        (readable / "export.json").write_text(lines, encoding="utf-8")
    else:
        tables = sqlite_tables(files, viewed)
        write_sqlite(staged, tables)
        (readable / "sqlite.json").write_text(
            json.dumps(tables, ensure_ascii=False, default=str), encoding="utf-8")


def _replace(staged: Path, output: Path) -> None:
    if output.is_dir() and not output.is_symlink():
        # Only an earlier CSV export is replaced: never a folder holding anything else.
        others = sorted(p.name for p in output.iterdir() if p.name not in CSV_TABLES.values())
        if others:
            raise ExportError(f"{output} holds other files ({', '.join(others[:3])}): choose "
                              "an empty or new folder")
        shutil.rmtree(output)
    os.replace(staged, output)  # noqa: PTH105 - one rename: the export appears whole


# --------------------------------------------------------------------------
# SQLite.

_INTEGER = frozenset({"index", "credibility", "weapon_count", "source_count", "action_count"})
_REAL = frozenset({"lat", "lon"})
_BOOLEAN = frozenset({"incident_date_approximate"})


def _column_type(name: str) -> type:
    if name in _INTEGER or name.endswith(("_min", "_max")):
        return int
    if name in _REAL:
        return float
    if name in _BOOLEAN:
        return bool
    return str


def _typed(name: str, text: str) -> Any:
    """A CSV cell as the value it stands for: numbers as numbers, an empty cell as null,
    and text without the apostrophe that guards spreadsheets against formulas."""
    if text == "":
        return None
    kind = _column_type(name)
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    if kind is bool:
        return text == "true"
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def _rows(content: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    reader = csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))
    header = next(reader)
    return header, [{name: _typed(name, cell) for name, cell in zip(header, row, strict=True)}
                    for row in reader]


Tables = dict[str, tuple[list[str], list[dict[str, Any]]]]


def sqlite_tables(files: dict[str, bytes], viewed: list[Case]) -> Tables:
    """Every table of the SQLite export: its columns and its rows."""
    tables: Tables = {table: _rows(files[name]) for table, name in CSV_TABLES.items()}
    history = [{"case_id": case.id, "index": index, "stage": entry.stage.value,
                "date": entry.date.isoformat(), "by": entry.by, "note": entry.note}
               for case in viewed for index, entry in enumerate(case.stage_history, start=1)]
    tables["stage_history"] = (["case_id", "index", "stage", "date", "by", "note"], history)
    return tables


def write_sqlite(path: Path, tables: Tables) -> None:
    """The tables as a SQLite database: typed columns, primary keys, and a foreign key
    from every other table's case_id to cases.id."""
    import sqlite_utils

    db = sqlite_utils.Database(str(path))
    try:
        for table, (columns, rows) in tables.items():
            keys = _KEYS[table]
            db[table].create(  # type: ignore[union-attr]
                {name: _column_type(name) for name in columns},
                pk=keys[0] if len(keys) == 1 else keys,
                foreign_keys=[] if table == "cases" else [("case_id", "cases", "id")],
                not_null=set(keys))
            db[table].insert_all(rows)  # type: ignore[union-attr]
    finally:
        db.close()
