"""Consumers reach one level deep: the program and the regional stack read what a component
exposes (`data.writer_endpoint`), never a resource inside a component inside it
(`data.aurora.cluster.endpoint`), so a component can change how it is built without its
consumers changing with it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The modules that wire components together, and the names they hold components under.
CONSUMERS = ("components/regional_stack.py", "components/program.py", "components/data/role_wiring.py")
COMPONENT_ROOTS = {"self", "regional"}
MAX_HOPS = 2  # component.attribute or component.child.attribute: one level into a component


def deep_reaches(source: str) -> list[str]:
    tree = ast.parse(source)
    inner = {
        child
        for node in ast.walk(tree)
        for child in ast.iter_child_nodes(node)
        if isinstance(node, ast.Attribute)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or node in inner:
            continue
        names, value = [node.attr], node.value
        while isinstance(value, ast.Attribute):
            names.append(value.attr)
            value = value.value
        if not isinstance(value, ast.Name) or value.id not in COMPONENT_ROOTS:
            continue
        names.reverse()
        if names[-1] == "apply":  # a method of an Output, not a hop into a component
            names.pop()
        hops = len(names) - (1 if value.id == "self" else 0)
        if hops > MAX_HOPS:
            found.append(f"{value.id}.{'.'.join(names)} (line {node.lineno})")
    return found


@pytest.mark.parametrize("module", CONSUMERS)
def test_consumers_read_what_components_expose_one_level_deep(module):
    assert deep_reaches((ROOT / module).read_text()) == []


def test_the_check_sees_a_deep_reach():
    assert deep_reaches("x = self.data.aurora.cluster.endpoint\ny = self.data.writer_endpoint\n") == [
        "self.data.aurora.cluster.endpoint (line 1)"
    ]
