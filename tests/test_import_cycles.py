"""No import cycles in the program, the orchestrator runtime or the operator tooling.

Every `import` and `from ... import` in components/, failover/ and ops/ counts, also the
ones inside functions: a command that imports the CLI lazily still ties the two together.
Imports under `if TYPE_CHECKING:` are left out: they never run, they only name a type for
annotations. graphlib (stdlib) finds the cycle and names its modules."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("components", "failover", "ops", "app")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def parse(source: str, attempts: int = 3) -> ast.Module:
    """ast.parse, retried on CPython 3.11's spurious "AST constructor recursion depth
    mismatch" SystemError: the AST constructor's depth counter is shared by the interpreter's
    threads, so another thread building an AST at the same moment (a mock engine's worker
    left from an earlier test) can trip it. https://github.com/python/cpython/issues/106905
    (fixed in later releases). A real syntax error still raises at once."""
    for attempt in range(attempts):
        try:
            return ast.parse(source)
        except SystemError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def imported_modules(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `path` imports: `from a.b import c` is a.b.c when that is a module,
    else the package a.b (its __init__)."""
    found = set()
    tree = parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        for statement in node.body
        for inner in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported_modules(path, modules) - {name} for name, path in modules.items()}


def test_the_import_graph_has_no_cycle():
    try:
        tuple(graphlib.TopologicalSorter(import_graph()).static_order())
    except graphlib.CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_the_walker_finds_a_cycle(tmp_path, monkeypatch):
    """The check above can fail: two modules importing each other, one lazily, are a cycle."""
    package = tmp_path / "ops"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text("from ops.command import run\n")
    (package / "command.py").write_text("def run():\n    from ops.cli import main\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGES", ("ops",))
    with pytest.raises(graphlib.CycleError):
        tuple(graphlib.TopologicalSorter(import_graph()).static_order())


def test_operator_commands_do_not_import_the_cli():
    graph = import_graph()
    importers = sorted(name for name, imports in graph.items() if "ops.cli" in imports)
    assert importers == [], importers
