"""`deploy.py plan` as an operator runs it: a subprocess on a copy of the project."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PROGRAM_FILES = ["__main__.py", "deploy.py", "Pulumi.yaml", "Pulumi.primary.yaml", "Pulumi.dr.yaml"]
PROGRAM_DIRS = ["components", "ops", "failover", "app"]


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for name in PROGRAM_FILES:
        shutil.copy(PROJECT / name, tmp_path / name)
    for name in PROGRAM_DIRS:
        shutil.copytree(PROJECT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def plan(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "deploy.py", "plan", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "160", "HOME": str(project)},
    )


def test_plan_shows_both_stacks_and_writes_json(project_copy):
    result = plan(project_copy, "--out", "plan.json")
    assert result.returncode == 0, result.stderr
    assert "stack primary: primary in us-east-1" in result.stdout
    assert "stack dr: dr in us-west-2" in result.stdout
    assert "symmetry" in result.stdout
    document = json.loads((project_copy / "plan.json").read_text())
    assert set(document["stacks"]) == {"primary", "dr"}
    for stack in document["stacks"].values():
        assert stack["resourceCount"] == len(
            [r for r in stack["resources"] if r["custom"] and not r["type"].startswith("pulumi:")]
        )
    assert document["symmetry"]


def test_bad_config_exits_1_with_the_rule_and_no_traceback(project_copy):
    stack_file = project_copy / "Pulumi.dr.yaml"
    stack_file.write_text(stack_file.read_text().replace("vpcCidr: 10.20.0.0/16", "vpcCidr: 10.20.0.0/24"))
    result = plan(project_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert "trading-dr:vpcCidr" in result.stderr and "10.20.0.0/24" in result.stderr
    assert "/16 and /20" in result.stderr
    assert "stack primary" not in result.stdout  # nothing was built


def test_a_pair_that_disagrees_exits_1_naming_the_stack(project_copy):
    stack_file = project_copy / "Pulumi.dr.yaml"
    stack_file.write_text(stack_file.read_text().replace("tier: hot-standby", "tier: pilot-light"))
    result = plan(project_copy)
    assert result.returncode == 1
    # The file deployed second is blamed, and the primary's file is named: either may be the
    # one that changed.
    assert result.stderr == (
        "error: Pulumi.dr.yaml: trading-dr:tier = pilot-light: differs from Pulumi.primary.yaml line "
        f"{line_of_tier(project_copy)} (hot-standby): a shared key must be the same in both stack files\n"
    )


def line_of_tier(project) -> int:
    lines = (project / "Pulumi.primary.yaml").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if "trading-dr:tier:" in line)


def test_a_missing_stack_file_is_one_clear_line(project_copy):
    (project_copy / "Pulumi.dr.yaml").unlink()
    result = plan(project_copy)
    assert result.returncode == 1
    assert result.stderr == f"error: Pulumi.dr.yaml: not found in {project_copy}\n"
