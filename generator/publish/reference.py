"""Documentation generated from the code: the stage table, the field reference, the messages.

`python -m generator.publish.reference --write` refreshes the generated parts of
README.md, schema/case.schema.json and schema/mapping.schema.json; the tests fail
when they drift.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from generator.checks.gates import field_notes, stage_table
from generator.records.diagnostics import RULES
from generator.records.fields import SchemaField, records, schema_fields
from generator.records.schema import Case, enumerations
from generator.records.schema import json_schema as _bare_json_schema

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SCHEMA_FILE = ROOT / "schema" / "case.schema.json"
MAPPING_SCHEMA_FILE = ROOT / "schema" / "mapping.schema.json"


def _link(cls: type) -> str:
    return f"[{cls.__name__}](#{cls.__name__.lower()})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def meaning(field: SchemaField) -> str:
    """A field's description, followed by the stage gates on it."""
    note = field_notes().get(field.path)
    return f"{field.description} {note}" if note else field.description


def _fields_by_record() -> dict[type[BaseModel], list[SchemaField]]:
    """Each record's own fields, once: the first time the walk reaches that record."""
    found: dict[type[BaseModel], list[SchemaField]] = {model: [] for model in records()}
    prefixes: dict[type[BaseModel], str] = {Case: ""}
    for field in schema_fields():
        prefix = prefixes.setdefault(field.model, field.path.removesuffix(field.name))
        if field.path == f"{prefix}{field.name}":
            found[field.model].append(field)
    return found


def field_reference() -> str:
    """The Markdown reference of every key and every enumeration of a case."""
    out: list[str] = []
    for model, fields in _fields_by_record().items():
        out.append(f"#### {model.__name__}\n")
        out.append(f"{(model.__doc__ or '').strip()}\n")
        out.append("| key | type | required | meaning |")
        out.append("|---|---|---|---|")
        for field in fields:
            required = "yes" if field.required else "no"
            out.append(f"| `{field.name}` | {_cell(field.kind_with(_link))} | {required} | "
                       f"{_cell(meaning(field))} |")
        out.append("")
    out.append("A **count** is a whole number, a range `{min: 3, max: 7}`, or `null` for "
               "unknown. An **incident date** is `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a range "
               "`START/END`; a trailing `~` marks it approximate.\n")
    for cls in enumerations():
        out.append(f"#### {cls.__name__}\n")
        out.append(f"{(cls.__doc__ or '').strip()}\n")
        out.append("| value | label | meaning |")
        out.append("|---|---|---|")
        for member in cls:
            out.append(f"| `{member.value}` | {_cell(member.label)} | "
                       f"{_cell(member.description)} |")
        out.append("")
    return "\n".join(out)


def gates_reference() -> str:
    """The Markdown stage table: what each stage requires."""
    lines = ["| stage | must hold |", "|---|---|"]
    lines += [f"| {scope} | {_cell(text)} |" for scope, text in stage_table()]
    return "\n".join(lines) + "\n"


def rules_reference() -> str:
    """The Markdown table of every diagnostic code."""
    lines = ["| code | rule | severity | meaning |", "|---|---|---|---|"]
    for rule in RULES.values():
        lines.append(f"| {rule.code} | `{rule.name}` | {rule.severity.value} | "
                     f"{_cell(rule.summary)} |")
    return "\n".join(lines) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a case, each gated field's description followed by its gates."""
    schema = _bare_json_schema()
    for field in schema_fields():
        note = field_notes().get(field.path)
        if note is None:
            continue
        record = schema if field.model is Case else schema["$defs"][field.model.__name__]
        prop = record["properties"][field.name]
        prop["description"] = meaning(field)
    return schema


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def mapping_schema_text() -> str:
    """The JSON Schema of an import mapping (generator.review.mapping)."""
    from generator.review.mapping import mapping_json_schema

    return json.dumps(mapping_json_schema(), indent=2, ensure_ascii=False) + "\n"


def _generated() -> dict[str, str]:
    return {"gates": gates_reference(), "fields": field_reference(), "rules": rules_reference()}


def splice(text: str, name: str, content: str) -> str:
    """Replace the block between `<!-- name:start -->` and `<!-- name:end -->`."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    head, found, rest = text.partition(start)
    if not found:
        raise ValueError(f"README.md has no {start} marker")
    _, found, tail = rest.partition(end)
    if not found:
        raise ValueError(f"README.md has no {end} marker")
    note = "<!-- generated from the code by `make regen`; do not edit by hand -->\n"
    return f"{head}{start}\n{note}\n{content}\n{end}{tail}"


def expected_readme(current: str) -> str:
    for name, content in _generated().items():
        current = splice(current, name, content)
    return current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the generated files")
    args = parser.parse_args(argv)
    readme = README.read_text(encoding="utf-8")
    wanted = {README: expected_readme(readme), SCHEMA_FILE: schema_text(),
              MAPPING_SCHEMA_FILE: mapping_schema_text()}
    stale = [p for p, text in wanted.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.write:
        for path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(wanted[path], encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    for path in stale:
        print(f"{path.relative_to(ROOT)} is out of date: run `make regen`", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
