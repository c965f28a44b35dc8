"""Production runs what the tests run (docs/ARCHITECTURE.md#the-lambda-artifact).

The Lambda ships the failover package's own files on the Python runtime, which brings boto3
and botocore: "Your code runs in an environment that includes the SDK for Python (Boto3)"
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html). So

- failover/ may import only the standard library, boto3, botocore and failover.* (read from
  the syntax tree: also imports inside functions and under TYPE_CHECKING), or a module the
  tests have (a logging library, pulumi) would be missing in the cloud;
- the code asset the program builds holds exactly the runtime's modules: the ones reachable
  by import from the handler. A stray module is not shipped, a missing one fails here;
- logs are the standard library's: one JSON object per line.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from failover.logs import SERVICE, JsonLogger, get_logger
from tests.module_imports import imports, module_path, reachable

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "failover"
HANDLER_MODULE = "failover.handler"
ALLOWED_THIRD_PARTY = {"boto3", "botocore"}
CODE_SOURCE = ("aws:s3/bucketObjectv2:BucketObjectv2", "home-failover-code-source")


def disallowed_imports(package_dir: Path, root: Path) -> list[str]:
    allowed = set(sys.stdlib_module_names) | ALLOWED_THIRD_PARTY | {PACKAGE, "__future__"}
    return [
        f"{path.relative_to(root).as_posix()}:{imp.line}: imports {imp.module}"
        for path in sorted(package_dir.rglob("*.py"))
        for imp in imports(path, root)
        if imp.top not in allowed
    ]


def runtime_files(root: Path = ROOT) -> set[str]:
    """The archive names the handler's import closure needs, as the Lambda loads them."""
    modules = reachable(HANDLER_MODULE, PACKAGE, root)
    return {module_path(name, root).relative_to(root).as_posix() for name in modules}


def artifact_problems(archived: set[str], needed: set[str]) -> list[str]:
    return [f"shipped but never imported by the handler: {name}" for name in sorted(archived - needed)] + [
        f"imported by the handler but not shipped: {name}" for name in sorted(needed - archived)
    ]


def write_package(root: Path, files: dict[str, str]) -> Path:
    """A failover package under `root`: module name -> source."""
    package = root / PACKAGE
    package.mkdir()
    for name, source in files.items():
        (package / f"{name}.py").write_text(source)
    return package


def test_failover_imports_only_the_standard_library_boto3_botocore_and_itself():
    assert disallowed_imports(ROOT / PACKAGE, ROOT) == []


def test_the_import_rule_sees_lazy_and_typing_only_imports(tmp_path):
    package = write_package(
        tmp_path,
        {
            "__init__": "import json\nimport boto3\nfrom botocore.config import Config\n",
            "a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pulumi\n",
            "b": "def log():\n    from aws_lambda_powertools import Logger\n",
            "c": "from . import a\nfrom .a import TYPE_CHECKING\n",
        },
    )
    assert disallowed_imports(package, tmp_path) == [
        "failover/a.py:3: imports pulumi",
        "failover/b.py:2: imports aws_lambda_powertools",
    ]


@pytest.mark.parametrize("index", [0, 1], ids=["primary", "dr"])
def test_the_code_asset_holds_exactly_the_modules_the_handler_imports(stacks, index):
    source = stacks[index].one(*CODE_SOURCE)
    archived = set(source.inputs["source"]["archive"])
    needed = runtime_files()
    assert {"failover/__init__.py", "failover/handler.py", "failover/orchestrator.py"} <= needed
    assert artifact_problems(archived, needed) == []


def test_a_stray_or_a_missing_module_is_named():
    needed = runtime_files()
    stray = "failover/local.py"  # the local runner: ops/ and the tests use it, the Lambda never
    assert stray not in needed
    assert artifact_problems(needed | {stray}, needed) == [
        f"shipped but never imported by the handler: {stray}"
    ]
    missing = "failover/executor.py"
    assert artifact_problems(needed - {missing}, needed) == [
        f"imported by the handler but not shipped: {missing}"
    ]


def test_reachability_follows_imports_and_keeps_a_module_that_does_not_exist(tmp_path):
    write_package(
        tmp_path,
        {
            "__init__": "",
            "handler": "from failover import used\n",
            "used": "def later():\n    from failover.gone import x\n",
            "stray": "",
        },
    )
    assert runtime_files(tmp_path) == {
        "failover/__init__.py",
        "failover/handler.py",
        "failover/used.py",
        "failover/gone.py",
    }


def test_the_program_refuses_a_handler_that_imports_a_module_the_package_lacks(tmp_path):
    from components.failover.orchestrator_function import package_sources

    package = write_package(
        tmp_path, {"__init__": "", "handler": "import json\nfrom failover.gone import x\n"}
    )
    with pytest.raises(ValueError, match="failover.gone"):
        package_sources(package)


def test_logs_are_one_json_object_per_line_from_the_standard_library(capsys):
    stream = io.StringIO()
    logger = JsonLogger(stream=stream)
    logger.warning("duplicate event", event_id="e-1", when=object())
    logger.info("two")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["level"] == "WARNING" and first["message"] == "duplicate event"
    assert first["service"] == SERVICE and first["event_id"] == "e-1" and first["timestamp"].endswith("Z")
    assert first["when"].startswith("<object object")
    assert second["level"] == "INFO"
    get_logger().error("to stdout", n=1)
    assert json.loads(capsys.readouterr().out) | {"timestamp": ""} == {
        "level": "ERROR",
        "timestamp": "",
        "service": SERVICE,
        "message": "to stdout",
        "n": 1,
    }
    assert type(get_logger()) is JsonLogger
