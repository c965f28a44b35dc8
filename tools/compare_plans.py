#!/usr/bin/env python3
"""Compare two offline plans (`deploy.py plan --out FILE`) resource by resource.

Each resource is keyed by (type, name, parent chain of component types and names); the
inputs and the options are compared, with `depends_on` as a set (its order is not stable)
and aliases left out. Prints what only one side has and what differs; exits 1 on any
difference. Used to show that a refactor leaves both stacks' resources as they were:

    venv/bin/python deploy.py plan --out before.json   # on the old commit
    venv/bin/python deploy.py plan --out after.json    # on the new one
    venv/bin/python tools/compare_plans.py before.json after.json

Plans written before the JSON documents' keys became camelCase spell the options in
snake_case (`depends_on`); both spellings are read.
"""

from __future__ import annotations

import json
import sys


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def resource_index(stack: dict) -> dict[tuple, tuple]:
    by_urn = {r["urn"]: r for r in stack["resources"]}
    index = {}
    for resource in stack["resources"]:
        chain, parent = [], resource["parent"]
        while parent in by_urn:
            chain.append(f"{by_urn[parent]['type']}::{by_urn[parent]['name']}")
            parent = by_urn[parent]["parent"]
        options = {_camel(k): v for k, v in resource["options"].items() if k != "aliases"}
        # URNs in dependsOn carry the parent chain; compare them by type and name.
        options["dependsOn"] = sorted(urn.rsplit("$", 1)[-1] for urn in options.get("dependsOn") or [])
        index[(resource["type"], resource["name"], tuple(chain))] = (resource["inputs"], options)
    return index


def compare(before: dict, after: dict) -> list[str]:
    problems = []
    for stack in sorted(set(before["stacks"]) | set(after["stacks"])):
        old = resource_index(before["stacks"].get(stack, {"resources": []}))
        new = resource_index(after["stacks"].get(stack, {"resources": []}))
        problems += [f"{stack}: only before: {key}" for key in old.keys() - new.keys()]
        problems += [f"{stack}: only after: {key}" for key in new.keys() - old.keys()]
        problems += [f"{stack}: differs: {key}" for key in old.keys() & new.keys() if old[key] != new[key]]
    return sorted(problems)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: compare_plans.py BEFORE.json AFTER.json", file=sys.stderr)
        return 2
    with open(argv[0]) as a, open(argv[1]) as b:
        before, after = json.load(a), json.load(b)
    problems = compare(before, after)
    for line in problems:
        print(line)
    counts = ", ".join(f"{s} {len(after['stacks'][s]['resources'])}" for s in sorted(after["stacks"]))
    print(f"{len(problems)} differences ({counts} resources after)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
