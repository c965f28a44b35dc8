"""The README is short, its tables match the CLI, its links follow the docs map, and every
command it shows runs as shown: offline ones for real, the ones that need the pulumi CLI or
AWS credentials (neither exists here) must stop with one clear line and the exit code the
README gives. The configuration reference in docs/ is generated and must be current."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS_MAP = {
    "docs/ARCHITECTURE.md",
    "docs/RUNBOOK.md",
    "docs/CONFIGURATION.md",
    "docs/DRILL.md",
    "docs/SECURITY.md",
    "docs/COSTS.md",
    "docs/WRITE_LEASE.md",
    "docs/IAC_AND_FAILOVER.md",
    "docs/EVIDENCE.md",
}
OURS = ("docs/CONFIGURATION.md", "docs/DRILL.md", "docs/SECURITY.md", "docs/COSTS.md")
"""The docs this README's own work provides; the others come with the work they describe."""
EXTERNAL = {"aws", "dig"}
"""Tools outside the project the README shows for a one-time setup; not run here."""
OFFLINE = {"validate", "config", "plan", "drill"}


def readme() -> str:
    return README.read_text()


def shown_commands(text: str) -> list[str]:
    """Every command line of the README's ```sh blocks, comments dropped."""
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_readme_is_at_most_250_lines():
    assert len(readme().splitlines()) <= 250


def test_readme_tables_match_the_cli():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from cli_reference import command_lines, exit_code_lines
    finally:
        sys.path.remove(str(ROOT / "tools"))
    lines = readme().splitlines()
    missing = [line for line in command_lines() + exit_code_lines() if line not in lines]
    assert missing == [], "run `venv/bin/python tools/cli_reference.py` and update the README"


def test_the_configuration_reference_is_generated_from_pulumi_yaml():
    result = subprocess.run(
        [sys.executable, "tools/config_reference.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    from components.settings import project_spec

    reference = (ROOT / "docs/CONFIGURATION.md").read_text()
    for key, spec in project_spec().items():
        assert f"| `{key}` | {spec['type']} |" in reference


def test_links_follow_the_docs_map_and_ours_exist():
    texts = {"README.md": readme(), **{doc: (ROOT / doc).read_text() for doc in OURS}}
    linked = {link for text in texts.values() for link in re.findall(r"\]\((docs/[A-Z_]+\.md)\)", text)}
    linked |= set(re.findall(r"\b(docs/[A-Z_]+\.md)\b", readme()))
    assert linked <= DOCS_MAP and DOCS_MAP <= set(re.findall(r"\]\((docs/[A-Z_]+\.md)\)", readme()))
    for doc in OURS:
        assert (ROOT / doc).is_file(), doc


def test_one_invocation_style_everywhere():
    """`venv/bin/python deploy.py ...` or a make target; never `python deploy.py` or `./venv`."""
    for name in ("README.md", *OURS):
        text = (ROOT / name).read_text()
        assert not re.search(r"(?<!venv/bin/)\bpython3? (deploy\.py|benchmarks/|tools/|-m )", text), name
        assert "./venv/bin/python" not in text, name


def test_arc_cost_is_stated_once_and_matches_the_price_table():
    prices = json.loads(sorted((ROOT / "ops/pricing").glob("prices-*.json"))[-1].read_text())
    hourly = prices["rates"]["arc.cluster.hour"]["prices"]["us-east-1"]
    monthly = f"${hourly * prices['hoursPerMonth']:,.0f} a month"
    texts = [readme(), *((ROOT / doc).read_text() for doc in OURS)]
    assert sum(text.count(monthly) for text in texts) == 1
    for text in texts:  # no other ARC figure: per month, per cluster-hour only next to the one
        for sentence in re.findall(r"[^.]*\bARC\b[^.]*\$[\d,.]+[^.]*\.", text):
            assert monthly in sentence, sentence


def test_docs_commands_parse(tmp_path, monkeypatch):
    """The deploy.py commands shown in the docs are valid command lines (run in the README
    test where the README shows them); the files they read stand in empty."""
    from ops.cli import build_parser

    monkeypatch.chdir(tmp_path)
    for doc in OURS:
        for command in shown_commands((ROOT / doc).read_text()):
            argv = shlex.split(command)
            if argv[:2] == ["venv/bin/python", "deploy.py"]:
                for arg in argv:
                    if arg.endswith(".json"):
                        (tmp_path / arg).touch()
                build_parser().parse_args(argv[2:])


# --- every command the README shows, run ---------------------------------------------------
def makefile_recipe(target: str) -> list[str]:
    text = (ROOT / "Makefile").read_text()
    found = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n?)+)", text, re.MULTILINE)
    assert found, f"make {target}: no such target"
    return [line.strip().replace("$(PY)", "venv/bin/python") for line in found.group(1).splitlines()]


def expand(command: str) -> list[str]:
    argv = shlex.split(command)
    if argv[0] == "make":
        return [line for target in argv[1:] for line in makefile_recipe(target)]
    return [command]


README_COMMANDS = list(dict.fromkeys(line for c in shown_commands(README.read_text()) for line in expand(c)))


@pytest.fixture
def no_aws(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.chdir(tmp_path)  # files a command writes (plan.json) land here


@pytest.mark.parametrize("command", README_COMMANDS)
def test_every_readme_command_runs_as_shown(command, no_aws, capsys, tmp_path):
    from ops.cli import main
    from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_UNAVAILABLE

    argv = shlex.split(command)
    if argv[0] in EXTERNAL:
        return  # one-time setup with AWS's own tools
    assert argv[0] == "venv/bin/python", f"one invocation style: {command}"
    if argv[1:3] == ["-m", "pytest"]:
        # The suite itself: collecting proves the paths and options; running it is `make test`.
        result = subprocess.run(
            [sys.executable, *argv[1:], "--collect-only", "-q", "-n", "0"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout[-2000:]
        return
    if argv[1:3] == ["-m", "ruff"]:
        assert subprocess.run([sys.executable, *argv[1:]], cwd=ROOT).returncode == 0
        return
    assert argv[1] == "deploy.py", command
    args = argv[2:]
    name = next(a for a in args if not a.startswith("-"))
    if name == "drill" and "--scenario" not in args:
        # `make drill` is the whole matrix (a minute); here every option as shown, one scenario.
        args = [*args, "--scenario", "partition", "--seeds", "1"]
    code = main(args)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    if name in OFFLINE:
        assert code == EXIT_OK, captured.err
        return
    # Needs the pulumi CLI or AWS credentials: one clear line, the README's exit code.
    errors = [line for line in captured.err.splitlines() if line.startswith("error: ")]
    assert code in (EXIT_FAILED, EXIT_UNAVAILABLE) and len(errors) == 1, captured.err


def test_the_documented_error_example_is_what_validation_says():
    from components.setting_rules import string_problem

    reference = (ROOT / "docs/CONFIGURATION.md").read_text()
    rule = string_problem("healthCheckPath", "/santé")
    assert f"error: Pulumi.primary.yaml: trading-dr:healthCheckPath = /santé: {rule}\n" in reference
