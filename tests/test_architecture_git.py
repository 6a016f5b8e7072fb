"""Only generator/repository/ reaches git: no other module imports subprocess or GitPython."""

from __future__ import annotations

import ast
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[1] / "generator"
GATEWAY = GENERATOR / "repository"
FORBIDDEN = {"subprocess", "git", "gitpython"}


def forbidden_imports(source: str) -> list[str]:
    """The forbidden modules a module imports, anywhere in it (functions included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0].lower() in FORBIDDEN]
    return found


def test_only_the_repository_gateway_imports_subprocess_or_git() -> None:
    assert forbidden_imports("import os\nfrom generator.repository import git\n") == []
    assert forbidden_imports("def f():\n    import git.cmd\n    from subprocess import run\n"
                             ) == ["git.cmd", "subprocess"]
    modules = sorted(GENERATOR.rglob("*.py"))
    assert GATEWAY / "git.py" in modules
    offenders = {
        module.relative_to(GENERATOR.parent).as_posix(): names
        for module in modules if not module.is_relative_to(GATEWAY)
        if (names := forbidden_imports(module.read_text(encoding="utf-8")))}
    assert offenders == {}, f"only generator/repository/ may import these: {offenders}"
