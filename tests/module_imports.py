"""What a Python file imports, read from its syntax tree (never by running it): every
`import a.b` and `from a.b import c` anywhere in the file, also inside functions and under
`if TYPE_CHECKING:`, with relative imports resolved against the file's package. Shared by the
layer rules (tests/test_layers.py) and the Lambda artifact's checks
(tests/failover/test_runtime_artifact.py)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Import:
    line: int
    module: str
    """The module named by the statement (`a.b` for `from a.b import c`)."""
    names: tuple[str, ...] = ()
    """For `from a.b import c, d`: ("c", "d"); a name may itself be a submodule."""

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append(Import(node.lineno, module, tuple(alias.name for alias in node.names)))
    return sorted(found, key=lambda i: (i.line, i.module))


def is_module(name: str, root: Path) -> bool:
    path = root / name.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def modules_named(imp: Import, root: Path) -> set[str]:
    """The project modules an import statement loads by name: `from failover import config`
    names failover.config (a submodule); `from failover.config import ENV` names
    failover.config."""
    submodules = {f"{imp.module}.{n}" for n in imp.names if is_module(f"{imp.module}.{n}", root)}
    return submodules or {imp.module}


def module_path(name: str, root: Path) -> Path:
    path = root / name.replace(".", "/")
    return path / "__init__.py" if (path / "__init__.py").is_file() else path.with_suffix(".py")


def reachable(entry: str, package: str, root: Path) -> set[str]:
    """Every module of `package` that importing `entry` loads, directly or not: what each
    reached module imports of the package, with the packages above each (importing a.b.c runs
    a/__init__.py and a/b/__init__.py first). A name the package does not hold is kept, so a
    missing module shows up as a path that does not exist."""
    seen: set[str] = set()
    todo = [entry]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            module = ".".join(parts[:depth])
            if module in seen:
                continue
            seen.add(module)
            path = module_path(module, root)
            if path.is_file():
                todo += [
                    found
                    for imp in imports(path, root)
                    if imp.top == package
                    for found in modules_named(imp, root)
                ]
    return seen
