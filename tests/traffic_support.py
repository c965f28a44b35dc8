"""Helpers for the connectivity and traffic tests: look resources up by what references them."""

from __future__ import annotations

import json

from ops.mock_engine import CapturedResource, StackRun


def by_id(run: StackRun, id_: str) -> CapturedResource:
    """The resource whose id (or ARN) a reference holds."""
    # A resource whose "arn" is an input (an SNS topic policy) only names another resource.
    found = [
        r
        for r in run.resources
        if r.custom and (r.id == id_ or (r.outputs.get("arn") == id_ and "arn" not in r.inputs))
    ]
    assert len(found) == 1, f"{run.stack}: {len(found)} resources with id/arn {id_!r}"
    return found[0]


def under(run: StackRun, component_name: str) -> list[CapturedResource]:
    """Resources below the component of that name (at any depth)."""
    return [r for r in run.resources if any(a.name == component_name for a in run.ancestors(r))]


def policy(resource: CapturedResource, key: str = "policy") -> dict:
    return json.loads(resource.inputs[key])


def run_of(stacks: tuple[StackRun, StackRun], stack: str) -> StackRun:
    return {run.stack: run for run in stacks}[stack]
