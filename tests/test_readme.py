"""The README's configuration reference matches Pulumi.yaml and its CLI section matches
`deploy.py --help`: every key and every registered command, whenever they were added."""

import re
from pathlib import Path

from components.settings import project_spec, yaml_spelling

ROOT = Path(__file__).resolve().parent.parent


def test_readme_documents_every_config_key_as_pulumi_yaml_declares_it():
    readme = (ROOT / "README.md").read_text()
    wrong = []
    for key, spec in project_spec().items():
        row = re.search(rf"^\| `{re.escape(key)}` \| (.*?) \| (.*?) \| (.*) \|$", readme, re.MULTILINE)
        if row is None:
            wrong.append(f"{key}: no row")
            continue
        type_, default, meaning = row.groups()
        expected_default = (
            {"(set per stack)", "(empty)"}
            if spec["default"] == ""
            else {f"`{yaml_spelling(spec['default'])}`"}
        )
        if type_ != spec["type"] or default not in expected_default or meaning != spec["description"]:
            wrong.append(f"{key}: README says {type_} | {default} | {meaning}")
    assert wrong == []


def test_readme_cli_section_matches_help_for_every_command(monkeypatch):
    import sys

    monkeypatch.setenv("COLUMNS", "200")  # argparse wraps usage at the terminal width
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from cli_reference import command_lines, exit_code_lines
    finally:
        sys.path.remove(str(ROOT / "tools"))
    readme = (ROOT / "README.md").read_text().splitlines()
    missing = [line for line in command_lines() + exit_code_lines() if line not in readme]
    assert missing == [], "run `venv/bin/python tools/cli_reference.py` and update the README"


def test_readme_quickstart_commands_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    readme = (ROOT / "README.md").read_text()
    for target in ("plan", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}:" in makefile
