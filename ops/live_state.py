"""What the next `pulumi up` would change on resources whose live state moved under the
program (a failover, a switchover, a detach): the plan's diff, computed on the mock engine.

The mock engine's `live_state` seeds the read-back of a resource (ops/mock_engine.py); this
module compares it with what the program registers, property by property, the way the
engine and the bridged provider diff:

- a property in the resource's `ignore_changes` keeps its live value: no change;
- a property the program sets to the live value: no change;
- a property the program sets to another value: a change (the engine would write it back);
- a property the program leaves unset while it is set live: a change when it is one of the
  type's INPUTS (an Optional, non-computed input left unset is cleared by the provider, e.g.
  the cluster's replication_source_identifier, terraform-provider-aws rds/cluster.go); an
  output-only property (global_cluster_members) is never diffed.

Conservative by design: an Optional+Computed input left unset would in fact be kept, so a
reported change there is a false alarm, never a missed revert. docs/IAC_AND_FAILOVER.md lists
the properties a failover changes and the rule each follows.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ops.mock_engine import CapturedResource, StackRun


@dataclass(frozen=True)
class PlannedChange:
    stack: str
    type: str
    name: str
    property: str
    planned: Any
    """What the program would set (None: unset, the provider clears it)."""
    live: Any

    def line(self) -> str:
        return f"{self.stack}: {self.name} ({self.type}) {self.property}: {self.live!r} -> {self.planned!r}"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@cache
def input_properties(type_token: str) -> frozenset[str] | None:
    """The input properties (snake_case) of a pulumi-aws type, from its Args class; None when
    the type is not pulumi-aws's (then every seeded property counts as an input)."""
    package, module, class_name = type_token.split(":")
    if package != "aws":
        return None
    try:
        args_class = getattr(
            importlib.import_module(f"pulumi_aws.{module.split('/')[0]}"), f"{class_name}Args"
        )
    except (ImportError, AttributeError):
        return None
    return frozenset(
        p for p in inspect.signature(args_class.__init__).parameters if p not in ("self", "__self__")
    )


def _unset(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def resource_changes(stack: str, resource: CapturedResource) -> list[PlannedChange]:
    changes = []
    inputs = input_properties(resource.type)
    for prop, live in resource.live.items():
        if prop in resource.options.ignore_changes:
            continue
        if prop in resource.inputs:
            planned = resource.inputs[prop]
            if planned == live or (_unset(planned) and _unset(live)):
                continue
        else:
            planned = None
            if _unset(live) or (inputs is not None and _snake(prop) not in inputs):
                continue  # nothing to clear, or an output the engine never diffs
        changes.append(PlannedChange(stack, resource.type, resource.name, prop, planned, live))
    return changes


def planned_changes(run: StackRun) -> list[PlannedChange]:
    """Every property of `run` whose seeded live value the next `up` would change."""
    return [change for resource in run.resources for change in resource_changes(run.stack, resource)]
