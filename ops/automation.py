"""Deploying the real stacks through the Pulumi Automation API: which stacks a command touches
and in what order, the backend and passphrase it runs with, the missing-CLI check, and the
mapping of automation exceptions to one clear message per failure.

Everything that decides (stack order, backend, passphrase, error wording) is a pure function
so it is tested without the pulumi CLI; `open_stack` is the one place that starts the CLI.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ops.errors import EXIT_FAILED, EXIT_UNAVAILABLE, OperatorError
from ops.stack_config import PROJECT_DIR, STACKS

COMMANDS = ("preview", "up", "refresh", "destroy", "outputs")
STATE_DIR_NAME = ".pulumi-state"
"""Default local file backend, inside the project folder (ignored by git)."""

MISSING_CLI = (
    "the pulumi CLI is not installed (or not on PATH): install it from "
    "https://www.pulumi.com/docs/install/ (curl -fsSL https://get.pulumi.com | sh) and run this again."
)
NO_PASSPHRASE = (
    "no passphrase for the stacks' secrets: set PULUMI_CONFIG_PASSPHRASE, or "
    "PULUMI_CONFIG_PASSPHRASE_FILE to a file holding it."
)

# What each command is called in a sentence ("update of stack dr failed").
_NOUN = {"preview": "preview", "up": "update", "refresh": "refresh", "destroy": "destroy", "outputs": "read"}


def stacks_for(command: str, target: str | None = None) -> list[str]:
    """The stacks a command runs on, in the order it must run them: primary then dr (dr reads
    primary's outputs), except destroy, which takes dr down first (it owns the links into
    primary). `target` narrows to one stack."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    if target is not None:
        if target not in STACKS:
            raise OperatorError(f"unknown stack {target!r}: choose one of {', '.join(STACKS)}")
        return [target]
    return list(reversed(STACKS)) if command == "destroy" else list(STACKS)


def backend_url(env: Mapping[str, str], project_dir: Path = PROJECT_DIR) -> str:
    """PULUMI_BACKEND_URL when set, else a file backend in the project folder, so a first
    deploy needs no Pulumi Cloud account."""
    return env.get("PULUMI_BACKEND_URL") or (project_dir / STATE_DIR_NAME).resolve().as_uri()


def uses_passphrase(url: str) -> bool:
    """DIY backends (file, s3, gs, azblob, postgres) encrypt secrets with a passphrase; Pulumi
    Cloud (https) keeps its own keys."""
    return not url.startswith(("https://", "http://"))


def read_passphrase(env: Mapping[str, str]) -> str:
    """The secrets passphrase from PULUMI_CONFIG_PASSPHRASE, else from the file named by
    PULUMI_CONFIG_PASSPHRASE_FILE. An empty passphrase is refused: the stacks hold the
    database master password."""
    if "PULUMI_CONFIG_PASSPHRASE" in env:
        if not env["PULUMI_CONFIG_PASSPHRASE"]:
            raise OperatorError(
                "PULUMI_CONFIG_PASSPHRASE is set but empty: the stacks' secrets need a passphrase.",
                EXIT_UNAVAILABLE,
            )
        return env["PULUMI_CONFIG_PASSPHRASE"]
    path = env.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if not path:
        raise OperatorError(NO_PASSPHRASE, EXIT_UNAVAILABLE)
    try:
        # A trailing newline is an editor's, not part of the passphrase.
        passphrase = Path(path).expanduser().read_text().rstrip("\r\n")
    except OSError as error:
        raise OperatorError(
            f"PULUMI_CONFIG_PASSPHRASE_FILE={path} cannot be read: {error.strerror or error}.",
            EXIT_UNAVAILABLE,
        ) from None
    if not passphrase:
        raise OperatorError(
            f"PULUMI_CONFIG_PASSPHRASE_FILE={path} is empty: put the passphrase in it.", EXIT_UNAVAILABLE
        )
    return passphrase


def workspace_env(env: Mapping[str, str], project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Environment the pulumi CLI runs with: the backend always, the passphrase where the
    backend needs one (passed as PULUMI_CONFIG_PASSPHRASE so the file is read, and checked,
    once, here)."""
    url = backend_url(env, project_dir)
    result = {"PULUMI_BACKEND_URL": url, "PULUMI_SKIP_UPDATE_CHECK": "true"}
    if uses_passphrase(url):
        result["PULUMI_CONFIG_PASSPHRASE"] = read_passphrase(env)
    return result


def require_cli(which: Callable[[str], str | None] | None = None) -> str:
    """Path of the pulumi CLI; checked before the Automation API is touched, because its own
    failure is a FileNotFoundError traceback from deep inside subprocess."""
    path = (which or shutil.which)("pulumi")
    if not path:
        raise OperatorError(MISSING_CLI, EXIT_UNAVAILABLE)
    return path


_ERROR_LINE = re.compile(r"^\s*error:\s*(.+)$", re.MULTILINE)


def _error_lines(text: str) -> list[str]:
    """The `error: ...` lines of CLI output, without the engine's generic closing line."""
    found = [m.group(1).strip() for m in _ERROR_LINE.finditer(text)]
    return [line for line in found if line and not line.startswith("update failed")]


def _detail(text: str) -> str | None:
    """The most useful line of a CommandError's text (`code/stdout/stderr` as automation
    formats it): an error line from stderr, else from stdout."""
    stdout, _, stderr = text.partition(" stderr:")
    found = _error_lines(stderr) or _error_lines(stdout)
    return found[0] if found else None


def explain_failure(
    stack: str,
    command: str,
    error: BaseException,
    first_error: str | None = None,
    primary_ref: str | None = None,
) -> OperatorError:
    """One clear message naming the stack for a failure of the Automation API. Pure: tested
    table-driven with constructed exceptions.

    `first_error` is the first error diagnostic the engine reported (ops.progress), which
    names the resource; `primary_ref` is the dr stack's StackReference name."""
    from pulumi import automation as auto

    if isinstance(error, FileNotFoundError):
        return OperatorError(MISSING_CLI, EXIT_UNAVAILABLE)
    text = str(error)
    if isinstance(error, auto.ConcurrentUpdateError):
        return OperatorError(
            f"stack {stack} is locked by another update: wait for it to finish; if none is running, "
            f"clear the stale lock with `pulumi cancel --stack {stack}` (Pulumi Cloud) or delete it "
            f"under .pulumi/locks in the backend."
        )
    mentions_primary = "unknown stack" in text or (primary_ref is not None and primary_ref in text)
    if stack == "dr" and mentions_primary:
        return needs_primary()
    if isinstance(error, auto.StackNotFoundError):
        return OperatorError(
            f"stack {stack} does not exist in this backend: deploy it with `deploy.py up --stack {stack}`"
            f" (or point PULUMI_BACKEND_URL at the backend that holds it)."
        )
    if isinstance(error, auto.CommandError):
        detail = first_error or _detail(text) or "the engine reported no error detail"
        if command == "destroy" and "protected" in detail:
            detail += " (data stores are protected: set trading-dr:protectData false and run up first)"
        return OperatorError(f"{_NOUN.get(command, command)} of stack {stack} failed: {detail}")
    return OperatorError(f"{_NOUN.get(command, command)} of stack {stack} failed: {error}", EXIT_FAILED)


def needs_primary() -> OperatorError:
    return OperatorError(
        "stack dr needs the primary stack deployed first: run `deploy.py up --stack primary`."
    )


def open_stack(name: str, env: Mapping[str, str], create: bool, project_dir: Path = PROJECT_DIR) -> Any:
    """The named stack of the local program in the project folder. `create` for commands that
    may bring a stack into existence (preview, up); the others select an existing stack."""
    from pulumi import automation as auto

    url = env["PULUMI_BACKEND_URL"]
    if url.startswith("file://"):
        # `pulumi login file://...` wants the directory to exist.
        Path(url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    opts = auto.LocalWorkspaceOptions(work_dir=str(project_dir), env_vars=dict(env))
    factory = auto.create_or_select_stack if create else auto.select_stack
    return factory(stack_name=name, work_dir=str(project_dir), opts=opts)


def plain_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """`Stack.outputs()` (OutputValue objects) as plain values."""
    return {key: getattr(value, "value", value) for key, value in outputs.items()}
