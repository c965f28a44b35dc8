"""Prints the README's command and exit-code tables from the CLI itself (ops/cli.py COMMANDS
and ops/errors.py EXIT_MEANINGS), so the README can be brought back in line with
`deploy.py --help` in one step:

    venv/bin/python tools/cli_reference.py

tests/test_readme.py checks that every line printed here is in the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.cli import COMMANDS  # noqa: E402
from ops.errors import EXIT_MEANINGS  # noqa: E402


def command_lines() -> list[str]:
    return [f"| `{command.name}` | {command.summary} |" for command in COMMANDS]


def exit_code_lines() -> list[str]:
    return [f"| {code} | {meaning} |" for code, meaning in EXIT_MEANINGS.items()]


if __name__ == "__main__":
    print("| command | what it does |\n|---|---|")
    print("\n".join(command_lines()))
    print()
    print("| exit code | meaning |\n|---|---|")
    print("\n".join(exit_code_lines()))
