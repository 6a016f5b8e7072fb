"""Documentation generated from the code: the field reference and the table of messages.

`python -m generator.publish.reference --write` refreshes the generated parts of
README.md and schema/case.schema.json; the tests fail when they drift.
"""

from __future__ import annotations

import argparse
import enum
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from generator.records.diagnostics import RULES
from generator.records.schema import (
    Case,
    CountRange,
    FuzzyDate,
    enumerations,
    json_schema,
    meanings,
)

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SCHEMA_FILE = ROOT / "schema" / "case.schema.json"
_BLOCKS = {"fields": "field reference", "rules": "validator messages"}


def _type_words(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        inner = args[0]
        if inner is FuzzyDate:
            return "incident date"
        if typing.get_origin(inner) in (typing.Union, types.UnionType) and any(
                _mentions(a, CountRange) for a in typing.get_args(inner)):
            return "count"
        return _type_words(inner)
    if origin in (typing.Union, types.UnionType):
        words = [_type_words(a) for a in args if a is not type(None)]
        if any(_mentions(a, CountRange) for a in args):
            return "count"
        return " or ".join(words)
    if origin is list:
        return f"list of {_type_words(args[0])}"
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
        if issubclass(annotation, BaseModel):
            return f"mapping ([{annotation.__name__}](#{annotation.__name__.lower()}))"
        if annotation is str:
            return "text"
        if annotation is int:
            return "whole number"
        if annotation is float:
            return "number"
        if annotation.__name__ == "date":
            return "date"
    return str(annotation)


def _mentions(annotation: Any, target: type) -> bool:
    if annotation is target:
        return True
    return any(_mentions(a, target) for a in typing.get_args(annotation))


def _models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for info in model.model_fields.values():
            for found in _nested_models(info.annotation):
                visit(found)

    visit(Case)
    return seen


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _nested_models(a)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def field_reference() -> str:
    """The Markdown reference of every key and every enumeration of a case."""
    out: list[str] = []
    for model in _models():
        out.append(f"#### {model.__name__}\n")
        out.append(f"{(model.__doc__ or '').strip()}\n")
        out.append("| key | type | required | meaning |")
        out.append("|---|---|---|---|")
        for name, info in model.model_fields.items():
            required = "yes" if info.is_required() else "no"
            out.append(f"| `{name}` | {_cell(_type_words(info.annotation))} | {required} | "
                       f"{_cell(info.description or '')} |")
        out.append("")
    out.append("A **count** is a whole number, a range `{min: 3, max: 7}`, or `null` for "
               "unknown. An **incident date** is `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or a range "
               "`START/END`; a trailing `~` marks it approximate.\n")
    for cls in enumerations():
        out.append(f"#### {cls.__name__}\n")
        out.append(f"{(cls.__doc__ or '').strip()}\n")
        out.append("| value | meaning |")
        out.append("|---|---|")
        for value, meaning in meanings(cls).items():
            out.append(f"| `{value}` | {_cell(meaning)} |")
        out.append("")
    return "\n".join(out)


def rules_reference() -> str:
    """The Markdown table of every diagnostic code."""
    lines = ["| code | rule | severity | meaning |", "|---|---|---|---|"]
    for rule in RULES.values():
        lines.append(f"| {rule.code} | `{rule.name}` | {rule.severity.value} | "
                     f"{_cell(rule.summary)} |")
    return "\n".join(lines) + "\n"


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _generated() -> dict[str, str]:
    return {"fields": field_reference(), "rules": rules_reference()}


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
    wanted = {README: expected_readme(readme), SCHEMA_FILE: schema_text()}
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
