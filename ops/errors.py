"""Errors the operator can act on, and the CLI's exit codes. Every command raises
`OperatorError`; only the CLI (ops/cli.py) turns it into a message and an exit code, so the
commands never import the CLI."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_UNAVAILABLE = 0, 1, 2


class OperatorError(Exception):
    """A failure with a message for the operator and an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code
