"""Progress of a deployment, driven by the engine's events: resources done of those started
per stack, failures highlighted as they happen, and a change summary per stack at the end.

`StackProgress` is the state (pure: fed constructed events in tests); `ProgressDisplay` draws
it with rich and hands the Automation API one `on_event` callback per stack.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# Order and wording of the change summary; anything else the engine reports comes after.
_PLANNED = {"create": "to create", "update": "to update", "replace": "to replace", "delete": "to delete"}
_DONE = {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}
_ORDER = ("create", "update", "replace", "delete", "same")


def short_name(urn: str | None) -> str:
    """`urn:pulumi:dr::trading-dr::aws:rds/cluster:Cluster::home-db` -> `home-db`."""
    return urn.rsplit("::", 1)[-1] if urn else "-"


@dataclass
class StackProgress:
    """What the engine has reported for one stack so far."""

    stack: str
    started: set[str] = field(default_factory=set)
    """URNs a step has begun on (resource pre events)."""
    finished: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    """Error diagnostics, `resource: message`, in the order reported."""

    def handle(self, event: Any) -> str | None:
        """Update from one EngineEvent; returns an error line to show now, if any."""
        if event.resource_pre_event is not None:
            self.started.add(event.resource_pre_event.metadata.urn)
        elif event.res_outputs_event is not None:
            urn = event.res_outputs_event.metadata.urn
            self.started.add(urn)
            self.finished.add(urn)
        elif event.res_op_failed_event is not None:
            urn = event.res_op_failed_event.metadata.urn
            self.started.add(urn)
            self.failed.add(urn)
        elif event.diagnostic_event is not None and event.diagnostic_event.severity == "error":
            diagnostic = event.diagnostic_event
            line = f"{short_name(diagnostic.urn)}: {' '.join(diagnostic.message.split())}"
            self.errors.append(line)
            return line
        return None

    @property
    def total(self) -> int:
        return len(self.started)

    @property
    def done(self) -> int:
        return len(self.finished | self.failed)

    @property
    def first_error(self) -> str | None:
        # The engine ends a failed update with a generic "update failed" line on the stack
        # resource; the first resource-level diagnostic is the cause.
        return self.errors[0] if self.errors else None


def change_counts(changes: Mapping[Any, int] | None) -> dict[str, int]:
    """An OpMap (keys OpType or str) as {op: count}, without zeros."""
    return {getattr(op, "value", str(op)): count for op, count in (changes or {}).items() if count}


def change_summary(changes: Mapping[Any, int] | None, planned: bool) -> str:
    """`3 to create, 1 to update, 40 unchanged` (preview) or `3 created, ...` (after)."""
    counts = change_counts(changes)
    if not counts:
        return "no changes"
    words = _PLANNED if planned else _DONE
    ordered = [op for op in _ORDER if op in counts] + sorted(set(counts) - set(_ORDER))
    parts = []
    for op in ordered:
        label = "unchanged" if op == "same" else words.get(op, op)
        parts.append(f"{counts[op]} {label}")
    return ", ".join(parts)


class ProgressDisplay:
    """A rich progress bar per stack. The Automation API calls `on_event` from its own
    thread, so the state update is locked."""

    def __init__(self, console: Console):
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failures]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            # A bar only on a terminal: in CI and pipes the change summary says it all.
            disable=not console.is_terminal,
        )
        self.stacks: dict[str, StackProgress] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> ProgressDisplay:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def track(self, stack: str, verb: str) -> Callable[[Any], None]:
        """A fresh progress line for `verb stack` and the on_event callback that drives it."""
        state = StackProgress(stack)
        self.stacks[stack] = state
        task = self.progress.add_task(f"{verb} {stack}", total=None, failures="")

        def on_event(event: Any) -> None:
            with self._lock:
                error = state.handle(event)
                failures = f"[bold red]{len(state.failed)} failed[/]" if state.failed else ""
                self.progress.update(task, completed=state.done, total=state.total or None, failures=failures)
                if error:
                    self.progress.console.print(f"[bold red]✗ {stack}[/] {escape(error)}", highlight=False)

        return on_event
