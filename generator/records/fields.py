"""Every key of a case, walked once from the schema's annotations.

`schema_fields` yields each field of the case record with its dotted path, its
type in words, whether it is required, its label and its description. The
loader's hints, the README's field reference and the JSON Schema's notes all
read the fields from here, so that no other code needs to know how pydantic
spells an optional value or a list of records.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from generator.records.schema import Case, CountRange, FuzzyDate, field_title

Namer = Callable[[type], str]
"""How a type words names an enumeration or a record (plain, or as a link)."""


def plain_name(cls: type) -> str:
    return cls.__name__


@dataclass(frozen=True, slots=True)
class SchemaField:
    """One key of a case, wherever it sits in the record."""

    path: str
    """Dotted from the top of the case, list items not counted: `weapons.us_origin`."""
    model: type[BaseModel]
    """The record the key belongs to."""
    name: str
    required: bool
    description: str
    holds: type[BaseModel] | None
    """The record its value is (or each of its items is), if any."""
    min_items: int
    """The fewest entries a list must have (0 when it may be empty or is no list)."""
    annotation: object
    label: str
    """What people read for the key: the field's `title` in the schema, else `field_title`."""

    @property
    def kind(self) -> str:
        """The type in words, e.g. `list of mapping (Weapon)`."""
        return type_words(self.annotation)

    def kind_with(self, name: Namer) -> str:
        """The type in words, with records and enumerations named by `name`."""
        return type_words(self.annotation, name)


def schema_fields(model: type[BaseModel] = Case, prefix: str = "") -> Iterator[SchemaField]:
    """Every field of `model` and of the records inside it, depth first, in schema order."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        holds = model_of(info.annotation)
        yield SchemaField(path=path, model=model, name=name, required=info.is_required(),
                          description=info.description or "", holds=holds,
                          min_items=_min_items(info), annotation=info.annotation,
                          label=info.title or field_title(name))
        if holds is not None:
            yield from schema_fields(holds, f"{path}.")


@functools.cache
def _by_path() -> dict[str, SchemaField]:
    return {f.path: f for f in schema_fields()}


def field_at(path: str) -> SchemaField | None:
    """The field at a dotted path such as `incident.date`; None when the case has none."""
    return _by_path().get(path)


def records() -> list[type[BaseModel]]:
    """The case record and every record inside it, in the order they first appear."""
    found: list[type[BaseModel]] = [Case]
    found += (f.holds for f in schema_fields() if f.holds is not None)
    return list(dict.fromkeys(found))


def model_of(annotation: object) -> type[BaseModel] | None:
    """The record an annotation holds, looking through optional, list and Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_of(arg)
        if found is not None:
            return found
    return None


def _min_items(info: FieldInfo) -> int:
    if typing.get_origin(info.annotation) is not list:
        return 0  # a text's minimum length is no count of entries
    return max((m.min_length for m in info.metadata if isinstance(m, annotated_types.MinLen)),
               default=0)


def _mentions(annotation: object, target: type) -> bool:
    return annotation is target or any(_mentions(a, target) for a in typing.get_args(annotation))


def type_words(annotation: object, name: Namer = plain_name) -> str:
    """A type in words a writer of case files reads; never a Python repr."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if _mentions(annotation, CountRange) and origin is not list:
        return "count"
    if origin is typing.Annotated:
        return type_words(args[0], name)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_words(a, name) for a in args if a is not type(None))
    if origin is list:
        return f"list of {type_words(args[0], name)}"
    if isinstance(annotation, type):
        return _class_words(annotation, name)
    raise TypeError(f"no words for the type {annotation!r}: add them to type_words")


_WORDS: dict[type, str] = {
    str: "text", int: "whole number", float: "number", dt.date: "date",
    FuzzyDate: "incident date",
}


def _class_words(cls: type, name: Namer) -> str:
    if issubclass(cls, enum.Enum):
        return name(cls)
    if issubclass(cls, BaseModel):
        return f"mapping ({name(cls)})"
    if cls in _WORDS:
        return _WORDS[cls]
    raise TypeError(f"no words for the type {cls.__name__}: add them to type_words")


def label_at(path: str) -> str:
    """The label of the key at a dotted path; a KeyError names a path the case lacks."""
    found = field_at(path)
    if found is None:
        raise KeyError(f"'{path}' is not a field of a case")
    return found.label
