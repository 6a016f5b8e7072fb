"""Templates use only what their documented context provides (cf. datasette)."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import jinja2
import pytest
from jinja2 import nodes

from conftest import ROOT
from generator.publish.site import context

TEMPLATES = ROOT / "templates" / "site"
CONTEXT_OF = {
    "home.md.j2": context.HomePage,
    "case.md.j2": context.CasePage,
    "stages.md.j2": context.StagesPage,
    "stage.md.j2": context.StagePage,
    "group_index.md.j2": context.GroupIndexPage,
    "group.md.j2": context.GroupPage,
    "review.md.j2": context.ReviewPage,
    "duplicates.md.j2": context.DuplicatesPage,
    "changes.md.j2": context.ChangesPage,
    "dashboard.md.j2": context.DashboardPage,
    "exports.md.j2": context.ExportsPage,
    "about.md.j2": context.AboutPage,
    "moved.md.j2": context.MovedPage,
    "assignees.md.j2": context.AssigneeIndexPage,
    "assignee.md.j2": context.AssigneePage,
    "draft.md.j2": context.DraftPage,
    "problems.md.j2": context.ProblemsPage,
    "map.md.j2": context.MapPage,
    "listing.md.j2": context.ListingPage,
}


def _page_attributes(template: Path) -> set[str]:
    """Every `page.<name>` the template reads."""
    env = jinja2.Environment()
    tree = env.parse(template.read_text(encoding="utf-8"))
    return {node.attr for node in tree.find_all(nodes.Getattr)
            if isinstance(node.node, nodes.Name) and node.node.name == "page"}


def test_every_page_template_has_a_context_class() -> None:
    pages = {p.name for p in TEMPLATES.glob("*.md.j2") if not p.name.startswith("_")}
    assert pages == set(CONTEXT_OF)


@pytest.mark.parametrize("name", sorted(CONTEXT_OF))
def test_template_reads_only_documented_fields(name: str) -> None:
    fields = {f.name for f in dataclasses.fields(CONTEXT_OF[name])}
    used = _page_attributes(TEMPLATES / name)
    assert used, name
    assert used <= fields, f"{name} reads undocumented {sorted(used - fields)}"


@pytest.mark.parametrize("cls", [c for c in vars(context).values()
                                 if dataclasses.is_dataclass(c) and isinstance(c, type)])
def test_every_context_class_is_documented(cls: type) -> None:
    assert cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("), cls
    hints = typing.get_type_hints(cls)
    assert set(hints) == {f.name for f in dataclasses.fields(cls)}


def test_rendering_with_a_missing_field_fails_loudly() -> None:
    from generator.publish.site.render import environment

    env = environment(TEMPLATES)
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("review.md.j2").render(page=object())
