"""The layer rules of docs/ARCHITECTURE.md#import-rules, read from the syntax tree.

- components/ never imports ops/ (the program does not depend on the operator's tools);
- components/ uses failover/ only through its contract with the program: the package (where
  the code asset is), failover.settings_table (every setting's variable, default and bounds),
  failover.config (the rules between settings), failover.actions
  (the AWS calls, for the IAM policy) and failover.lease / failover.heartbeat (the items the
  application instances read and put, for the instance role's policy);
- failover/ imports neither components/ nor ops/ (its whole allowed set is checked in
  tests/failover/test_runtime_artifact.py);
- app/ (the default application, shipped to the instances) imports the standard library,
  app.* and failover's application modules (lease, heartbeat, write_path) only: the instance
  has nothing else.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.module_imports import imports, modules_named

ROOT = Path(__file__).resolve().parent.parent
FAILOVER_CONTRACT = {
    "failover",
    "failover.settings_table",
    "failover.config",
    "failover.actions",
    "failover.lease",
    "failover.heartbeat",
}
APPLICATION_MODULES = {"failover.lease", "failover.heartbeat", "failover.write_path"}


def violations(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted((root / "components").rglob("*.py")):
        where = path.relative_to(root).as_posix()
        for imp in imports(path, root):
            if imp.top == "ops":
                found.append(f"{where}:{imp.line}: components/ imports {imp.module} (ops/ sits above it)")
            elif imp.top == "failover" and not modules_named(imp, root) <= FAILOVER_CONTRACT:
                found.append(f"{where}:{imp.line}: components/ imports {imp.module}: not the contract")
    for path in sorted((root / "failover").rglob("*.py")):
        where = path.relative_to(root).as_posix()
        found += [
            f"{where}:{imp.line}: failover/ imports {imp.module}"
            for imp in imports(path, root)
            if imp.top in ("components", "ops")
        ]
    for path in sorted((root / "app").rglob("*.py")):
        where = path.relative_to(root).as_posix()
        for imp in imports(path, root):
            stdlib = imp.top in sys.stdlib_module_names or imp.top == "__future__"
            if imp.top == "failover" and modules_named(imp, root) <= APPLICATION_MODULES:
                continue
            if not stdlib and imp.top != "app":
                found.append(f"{where}:{imp.line}: app/ imports {imp.module} (not on the instance)")
    return found


def test_each_layer_imports_only_what_it_may():
    assert violations() == []


def test_the_rules_catch_a_layer_crossed(tmp_path):
    files = {
        "components/__init__.py": "",
        "components/ok.py": "from failover import config\nfrom failover.actions import X\nimport failover\n",
        "components/bad.py": "def f():\n    from ops import cli\nfrom failover import executor, config\n",
        "failover/__init__.py": "",
        "failover/actions.py": "",
        "failover/config.py": "",
        "failover/executor.py": "from ..components import settings\n",
        "ops/__init__.py": "",
        "failover/write_path.py": "",
        "app/__init__.py": "",
        "app/ok.py": "import json\nfrom failover import write_path\nfrom app import ok\n",
        "app/bad.py": "import boto3\nfrom failover import executor\n",
    }
    for name, source in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(source)
    assert [v.split(" ", 1)[0] for v in violations(tmp_path)] == [
        "components/bad.py:2:",
        "components/bad.py:3:",
        "failover/executor.py:1:",
        "app/bad.py:1:",
        "app/bad.py:2:",
    ]
