"""preview, up, refresh, destroy and outputs over both stacks, in dependency order, with a
progress display, a change summary per stack and a confirmation before up and destroy.

`up` always previews first and prints the change list, with or without --yes (no silent
skip-preview); `preview` selects existing stacks and never creates one as a side effect.

`run_stack_command` is what the CLI (and the local drill) call. The stack opener, the
environment, the terminal check and the prompt are parameters so tests drive it with fake
stacks and no pulumi CLI.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from components.settings import PROJECT
from ops.automation import (
    explain_failure,
    needs_primary,
    open_stack,
    plain_outputs,
    require_cli,
    stacks_for,
    workspace_env,
)
from ops.deploy_guard import check_real_deploy
from ops.errors import OperatorError
from ops.home_only import PlanOf, offline_plan
from ops.output import emit_table, progress
from ops.progress import ProgressDisplay, change_summary
from ops.stack_config import effective_config

_VERB = {"preview": "previewing", "up": "updating", "refresh": "refreshing", "destroy": "destroying"}

StackOpener = Callable[[str, Mapping[str, str], bool], Any]
"""(stack name, workspace env, create) -> an automation Stack (or a test double)."""


def ask_on_stderr(prompt: str) -> str:
    """input(), with the question on stderr: stdout carries only the command's result (a
    `--json` document stays the whole of stdout)."""
    sys.stderr.write(prompt)
    sys.stderr.flush()
    return sys.stdin.readline()


def confirm(question: str, yes: bool, interactive: bool, ask: Callable[[str], str] = ask_on_stderr) -> bool:
    """True to go ahead. --yes skips the question; with no terminal (CI) and no --yes nothing
    is changed, because nobody can answer."""
    if yes:
        return True
    if not interactive:
        raise OperatorError(
            f"{question} needs a confirmation and there is no terminal to ask on: pass --yes."
        )
    return ask(f"{question} Proceed? [y/N] ").strip().lower() in ("y", "yes")


@dataclass
class StackCommandResult:
    """What a command did, per stack, in the order it ran."""

    summaries: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)


def _region(stack: str) -> str:
    return str(effective_config(stack).get("aws:region", "?"))


def _check_primary_deployed(opener: StackOpener, env: Mapping[str, str]) -> None:
    """dr reads primary's outputs through a StackReference; say so plainly before the engine
    fails on it half-way."""
    from pulumi import automation as auto

    try:
        outputs = opener("primary", env, False).outputs()
    except auto.StackNotFoundError:
        raise needs_primary() from None
    except Exception as error:  # noqa: BLE001 every failure becomes one sentence
        raise explain_failure("primary", "outputs", error) from None
    if not outputs:
        raise needs_primary()


def _render_outputs(console: Console, stack: str, outputs: Mapping[str, Any], secret: set[str]) -> None:
    table = Table(title=f"stack {stack} outputs", title_justify="left")
    table.add_column("output")
    table.add_column("value")
    for key in sorted(outputs):
        table.add_row(escape(key), "\\[secret]" if key in secret else escape(str(outputs[key])))
    emit_table(console, table)


def _operate(
    stack: Any,
    name: str,
    command: str,
    console: Console,
    primary_ref: str | None,
    targets: list[str] | None = None,
    finished: list[Any] | None = None,
) -> str:
    """Run one engine operation with the progress display; returns its change summary.
    `targets`: only these URNs (the engine's --target; their dependents are not added).
    `finished` receives the engine's result (an up's outputs)."""
    extra = {} if targets is None else {"target": targets, "target_dependents": False}
    with ProgressDisplay(Console(stderr=True)) as display:
        on_event = display.track(name, _VERB[command])
        try:
            result = getattr(stack, command)(on_event=on_event, **extra)
        except Exception as error:  # noqa: BLE001 every failure becomes one sentence
            raise explain_failure(
                name, command, error, display.stacks[name].first_error, primary_ref
            ) from None
    if finished is not None:
        finished.append(result)
    if command == "preview":
        return change_summary(result.change_summary, planned=True)
    return change_summary(result.summary.resource_changes, planned=False)


def _after_up(
    after_up: Callable[[str, Mapping[str, Any]], Any], stack: Any, name: str, console: Console
) -> None:
    try:
        outputs = plain_outputs(stack.outputs())
    except Exception as error:  # noqa: BLE001 every failure becomes one sentence
        raise explain_failure(name, "outputs", error) from None
    done = after_up(name, outputs)
    if done is None:
        return
    console.print(f"stack {name}: {escape(done.message)}", highlight=False)
    if not done.ok:
        raise OperatorError(f"stack {name} was updated, but: {done.message}")


ZONE_IDS_KEY = f"{PROJECT}:zoneIds"


def zones_to_pin(config: Mapping[str, Any], outputs: Mapping[str, Any]) -> str | None:
    """The zoneIds value to write after an up: the zones the program chose, unless the stack
    already pins some (then they are what it used). Pure."""
    if str(config.get(ZONE_IDS_KEY) or "").strip():
        return None
    chosen = outputs.get("availabilityZoneIds")
    chosen = getattr(chosen, "value", chosen)
    return ",".join(chosen) if chosen else None


def _pin_zones(stack: Any, name: str, config: Mapping[str, Any], outputs: Mapping[str, Any], console) -> None:
    """After the first up, write the chosen zones into the stack's file (zoneIds): a later up
    never recomputes them from AWS's offerings, which would shift them and replace every
    subnet (components/network/vpc.py). Changing them is then an edit of zoneIds."""
    from pulumi import automation as auto

    value = zones_to_pin(config, outputs)
    if value is None:
        return
    stack.set_config(ZONE_IDS_KEY, auto.ConfigValue(value=value))
    console.print(
        f"stack {name}: pinned {ZONE_IDS_KEY}: {value} in Pulumi.{name}.yaml; commit it (changing it "
        "later replaces the subnets and everything in them)",
        soft_wrap=True,
        highlight=False,
    )


def run_stack_command(
    command: str,
    target: str | None,
    console: Console,
    *,
    yes: bool = False,
    env: Mapping[str, str] | None = None,
    opener: StackOpener | None = None,
    interactive: bool | None = None,
    ask: Callable[[str], str] = ask_on_stderr,
    which: Callable[[str], str | None] | None = None,
    config_of: Callable[[str], Mapping[str, Any]] = effective_config,
    preflight: Callable[[list[str]], None] | None = None,
    after_up: Callable[[str, Mapping[str, Any]], Any] | None = None,
    home_only: bool = False,
    home_plan_of: PlanOf | None = None,
) -> StackCommandResult:
    """Run `command` on the target stack, or on both in dependency order. Raises OperatorError
    with one clear sentence on any failure; stops at the first stack that fails.

    preview and up first refuse a zone a real deploy cannot use (ops/deploy_guard.py); up
    then runs `preflight` (the account and both regions, ops/preflight.py) unless it is None
    (`--skip-preflight`). Both happen before the engine is reached. After each successful up,
    `after_up(stack, outputs)` runs (the CLI passes ops/initial_authority.py's step, which sets
    the routing controls' first state after the primary's); its result is printed, and one
    that is not ok stops here with its message.

    `home_only` (preview and up of one stack): only the resources in the stack's home region,
    as ops/home_only.py computes them from the offline plan (`home_plan_of` in tests)."""
    if home_only and (command not in ("preview", "up") or target is None):
        raise OperatorError(
            "--home-only updates one stack's home region: use it with preview or up and --stack "
            "(e.g. `deploy.py up --stack dr --home-only` while the primary region is down)."
        )
    stacks = stacks_for(command, target)
    require_cli(which)
    if command in ("preview", "up"):
        check_real_deploy(stacks, config_of)
    ws_env = workspace_env(os.environ if env is None else env)
    if command == "up" and preflight is not None:
        preflight(stacks)
    opener = opener or (lambda name, e, create: open_stack(name, e, create))
    interactive = sys.stdin.isatty() if interactive is None else interactive
    if command in ("up", "destroy") and not yes and not interactive:
        # Refuse before previewing anything: nobody can answer the question in CI.
        confirm(f"{command} of {' and '.join(stacks)}", yes, interactive, ask)
    primary_ref = str(effective_config("dr").get("trading-dr:primaryStack") or "") or None
    console.print(f"backend [bold]{escape(ws_env['PULUMI_BACKEND_URL'])}[/], stacks {' then '.join(stacks)}")

    home_plans = {name: (home_plan_of or offline_plan)(name) for name in stacks} if home_only else {}
    result = StackCommandResult()
    for name in stacks:
        # Piped or in CI there is no progress bar: a line per stack says what runs now.
        progress(f"{command}: stack {name} ({_region(name)}) ...")
        targets = home_plans[name].targets if home_only else None
        if home_only:
            console.print(escape(home_plans[name].summary()), soft_wrap=True, highlight=False)
        if command in ("preview", "up") and name == "dr":
            _check_primary_deployed(opener, ws_env)
        try:
            # Only up brings a stack into existence; preview of a missing stack says so.
            stack = opener(name, ws_env, command == "up")
        except Exception as error:  # noqa: BLE001 every failure becomes one sentence
            if command == "destroy" and "StackNotFoundError" in type(error).__name__:
                console.print(f"stack {name}: not deployed, nothing to destroy")
                continue
            raise explain_failure(name, command, error, primary_ref=primary_ref) from None

        if command == "outputs":
            try:
                raw = stack.outputs()
            except Exception as error:  # noqa: BLE001 every failure becomes one sentence
                raise explain_failure(name, command, error) from None
            result.outputs[name] = plain_outputs(raw)
            secret = {key for key, value in raw.items() if getattr(value, "secret", False)}
            _render_outputs(console, name, result.outputs[name], secret)
            continue

        if command == "up":
            # Show what would change, then ask: the same contract as `pulumi up`. --yes skips
            # the question, never the change list.
            planned = _operate(stack, name, "preview", console, primary_ref, targets)
            console.print(f"stack {name} ({_region(name)}): {planned}")
            if not yes and not confirm(f"update stack {name} ({_region(name)})", yes, interactive, ask):
                raise OperatorError(f"cancelled: stack {name} was not updated.")
        if command == "destroy" and not confirm(
            f"destroy every resource of stack {name} ({_region(name)})", yes, interactive, ask
        ):
            raise OperatorError(f"cancelled: stack {name} was not destroyed.")

        finished: list[Any] = []
        summary = _operate(stack, name, command, console, primary_ref, targets, finished)
        result.summaries[name] = summary
        console.print(f"[bold]stack {name}[/] ({_region(name)}): {summary}")
        if command == "up":
            _pin_zones(stack, name, config_of(name), getattr(finished[0], "outputs", None) or {}, console)
        if command == "up" and after_up is not None:
            _after_up(after_up, stack, name, console)

    if result.summaries:
        table = Table(title=f"{command}: changes per stack", title_justify="left")
        table.add_column("stack")
        table.add_column("region")
        table.add_column("changes")
        for name, summary in result.summaries.items():
            table.add_row(name, _region(name), summary)
        emit_table(console, table)
    return result
