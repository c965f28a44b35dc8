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
