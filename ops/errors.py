"""Errors the operator can act on, and the CLI's exit codes. Every command raises
`OperatorError`; only the CLI (ops/cli.py) turns it into a message and an exit code, so the
commands never import the CLI."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
"""Bad configuration, a failed operation, a cancelled confirmation."""
EXIT_USAGE = 2
"""The command line itself is wrong (argparse's convention)."""
EXIT_UNAVAILABLE = 3
"""A tool or credentials are missing: the pulumi CLI, AWS credentials, a dependency."""
EXIT_TARGET_MISSED = 4
"""The drill passed but a scenario recovered slower than the RTO target on a tier whose own
recovery budget is within it (a tier whose budget is over the target, pilot-light by default,
is reported in a note and does not change the exit code)."""
EXIT_UNSEALED = 5
"""evidence verify: the records are an intact prefix but the bundle is not sealed (an
execution still running, or one that crashed): neither verified (0) nor broken (1)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT): 128 + 2, the shell's convention."""

EXIT_MEANINGS = {
    EXIT_OK: "success",
    EXIT_FAILED: "failure: bad configuration or a failed operation (one line on stderr says which)",
    EXIT_USAGE: "usage error: unknown command or option, or a bad option value",
    EXIT_UNAVAILABLE: "a tool or credentials are unavailable (pulumi CLI, AWS credentials)",
    EXIT_TARGET_MISSED: "drill only: a scenario over the RTO target on a tier whose budget meets it",
    EXIT_UNSEALED: "evidence verify: an intact prefix of records, not sealed (yet)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


class OperatorError(Exception):
    """A failure with a message for the operator and an exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code
