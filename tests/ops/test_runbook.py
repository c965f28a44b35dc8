"""docs/RUNBOOK.md: every `deploy.py` command it shows parses with the CLI as it is (a renamed
or removed flag turns this red), each section the status incidents point to exists, and no
outage step asks for Pulumi."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ops.cli import build_parser

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "RUNBOOK.md"


def commands() -> list[str]:
    """The deploy.py commands in the runbook's code blocks."""
    blocks = re.findall(r"```\n(.*?)```", RUNBOOK.read_text(), re.DOTALL)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("deploy.py")
    ]


def test_the_runbook_shows_a_command_for_each_situation():
    shown = " ".join(commands())
    for needed in (
        "status",
        "--unplanned",
        "--allow-data-loss",
        "--planned",
        "--detach",
        "--arm",
        "--dry-run",
    ):
        assert needed in shown, needed


@pytest.mark.parametrize("command", commands())
def test_every_runbook_command_parses(command):
    try:
        args = build_parser().parse_args(shlex.split(command)[1:])
    except SystemExit as exit_:
        pytest.fail(f"{command!r} does not parse (exit {exit_.code})")
    assert args.handler is not None


def test_the_sections_the_incidents_point_to_exist():
    import inspect

    import ops.initial_authority
    import ops.status

    text = RUNBOOK.read_text()
    headings = re.findall(r"^## .*$", text, re.MULTILINE)
    sections = [
        section
        for module in (ops.status, ops.initial_authority)
        for section in re.findall(r"docs/RUNBOOK\.md, '([^']+)'", inspect.getsource(module))
    ]
    assert {s.lower() for s in sections} == {"both routing controls off", "both routing controls on"}
    for section in sections:
        assert any(section.lower() in heading.lower() for heading in headings), section
