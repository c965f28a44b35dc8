"""The operator CLI behind deploy.py. Each command is a small function; errors the operator
can act on (bad config, missing CLI, ...) end in one clear message and an exit code, never a
traceback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from components.settings import SettingsError
from ops.stack_config import StackConfigError

EXIT_OK, EXIT_FAILED, EXIT_UNAVAILABLE = 0, 1, 2


class OperatorError(Exception):
    """A failure with a message for the operator and an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    from ops.plan import run_plan

    run_plan(console, args.json)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="deploy.py",
        description="Build, deploy and operate trading-dr's primary and dr stacks.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = commands.add_parser(
        "plan",
        help="build both stacks offline on the mock engine and show what they would create",
    )
    plan.add_argument("--json", type=Path, metavar="FILE", help="also write the whole plan as JSON")
    plan.set_defaults(handler=cmd_plan)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    err = Console(stderr=True)
    try:
        return args.handler(args, console)
    except SettingsError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        return EXIT_FAILED
    except (StackConfigError, OperatorError) as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        return getattr(error, "exit_code", EXIT_FAILED)
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
