"""The package's shape: stages in order, each importing only from itself or earlier.

Every module of `generator/` is parsed (not imported) and each of its imports,
wherever it stands (inside a function, under TYPE_CHECKING), is held against
the stage order: the root modules, records, repository, history, checks,
review, publish, preview, the command line, and `generator/__main__.py` on top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "generator"
ROOT_MODULES = ("config", "progress", "escape", "templating", "files")
STAGES = ("records", "repository", "history", "checks", "review", "publish", "preview", "cli")
TOP = len(STAGES) + 1
"""The rank of `generator/__main__.py`, above every stage."""
def rank_of_module(rel: Path) -> int:
    """The stage rank of the module at `rel` (relative to generator/)."""
    if len(rel.parts) == 1:
        return TOP if rel.name == "__main__.py" else 0
    stage = rel.parts[0]
    assert stage in STAGES, f"generator/{stage}/ is no stage of {STAGES}: add it to the order"
    return STAGES.index(stage) + 1


def rank_of_import(name: str) -> int | None:
    """The stage rank of the imported module `name`, or None outside the package."""
    parts = name.split(".")
    if parts[0] != "generator":
        return None
    if len(parts) == 1 or parts[1] in ROOT_MODULES or parts[1] == "__init__":
        return 0
    if parts[1] == "__main__":
        return TOP
    assert parts[1] in STAGES, f"{name}: generator.{parts[1]} is neither a root module nor a stage"
    return STAGES.index(parts[1]) + 1


def imported(tree: ast.AST, module: str) -> Iterator[tuple[int, str]]:
    """(line, module name) of every import in `tree`, relative imports resolved
    against `module` (the dotted name of the importing package's module)."""
    package = module.split(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[:len(package) - node.level]
                base = ".".join([*anchor, *([base] if base else [])])
            if base == "generator":
                # `from generator import publish` imports the stage itself.
                for alias in node.names:
                    yield node.lineno, f"generator.{alias.name}"
            else:
                yield node.lineno, base


def later_imports(source: str, rel: Path) -> Iterator[tuple[int, str]]:
    """(line, module name) of each import of the module at `rel` (source text
    `source`) from a later stage."""
    own = rank_of_module(rel)
    dotted = ".".join(("generator", *rel.with_suffix("").parts))
    for line, name in imported(ast.parse(source, filename=str(rel)), dotted):
        target = rank_of_import(name)
        if target is not None and target > own:
            yield line, name


def violations(source: str, rel: Path) -> list[str]:
    """Each import from a later stage, as a message naming the module and the import."""
    path = f"generator/{rel.as_posix()}"
    return [f"{path}:{line} imports {name}, a later stage"
            for line, name in later_imports(source, rel)]


def modules() -> list[Path]:
    return sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py"))


def test_no_module_imports_from_a_later_stage() -> None:
    found = [v for rel in modules()
             for v in violations((PACKAGE / rel).read_text("utf-8"), rel)]
    assert found == []


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = ("from __future__ import annotations\n"
              "import generator.config\n"
              "def later():\n"
              "    from generator.preview.memo import Memo\n"
              "    from ..cli import main\n"
              "    import generator.publish.build\n")
    assert violations(source, Path("checks/corpus.py")) == [
        "generator/checks/corpus.py:4 imports generator.preview.memo, a later stage",
        "generator/checks/corpus.py:5 imports generator.cli, a later stage",
        "generator/checks/corpus.py:6 imports generator.publish.build, a later stage",
    ]
    assert violations(source, Path("cli/main.py")) == []
    assert violations("from generator import review\n", Path("records/loader.py")) == [
        "generator/records/loader.py:1 imports generator.review, a later stage"]


def test_the_package_root_is_small_and_its_stages_say_what_they_are() -> None:
    root_modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root_modules) <= 8, root_modules
    stages = sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())
    assert len(stages) >= 4, stages
    for stage in stages:
        doc = ast.get_docstring(ast.parse((stage / "__init__.py").read_text("utf-8")))
        assert doc and doc.strip(), f"generator/{stage.name}/__init__.py has no docstring"
        assert stage.name in STAGES, f"generator/{stage.name}/ is no stage of {STAGES}"


def test_no_function_is_over_80_lines() -> None:
    # A function too long to read at once hides which step of the pipeline it is.
    long = [f"generator/{rel.as_posix()}:{node.lineno} {node.name} ({length} lines)"
            for rel in modules()
            for node in ast.walk(ast.parse((PACKAGE / rel).read_text("utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > 80]
    assert long == []
