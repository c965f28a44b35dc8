"""Prints the README's CLI reference from the CLI itself (ops/cli.py COMMANDS and --help), so
the README can be brought back in line with `deploy.py --help` in one step:

    venv/bin/python tools/cli_reference.py

tests/test_readme.py checks that every line printed here is in the README.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ops.cli import COMMANDS, build_parser  # noqa: E402
from ops.errors import EXIT_MEANINGS  # noqa: E402


def usage(name: str) -> str:
    """`deploy.py plan [--json FILE]`: the sub-command's usage from argparse, without -h."""
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    text = " ".join(action.choices[name].format_usage().split())
    return text.removeprefix("usage: ").replace(" [-h]", "")


def command_lines() -> list[str]:
    return [f"- `{usage(command.name)}`: {command.summary}" for command in COMMANDS]


def exit_code_lines() -> list[str]:
    return [f"| {code} | {meaning} |" for code, meaning in EXIT_MEANINGS.items()]


if __name__ == "__main__":
    print("\n".join(command_lines()))
    print()
    print("| exit code | meaning |\n|---|---|")
    print("\n".join(exit_code_lines()))
