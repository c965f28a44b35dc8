"""The stack-to-stack contract (components/stack_contract.py,
docs/ARCHITECTURE.md#the-stack-contract), checked both ways on the built stacks:

- every output the dr stack reads is declared, and every declared output is read (the dr
  stack is built with its StackReference's reads recorded);
- the primary stack exports every declared output, with the declared type and secrecy;
- no module of the program reads the primary's outputs but through the contract.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pulumi
import pytest

from components import stack_contract as contract
from ops import mock_engine
from ops.stack_config import stack_settings

ROOT = Path(__file__).resolve().parents[2]
DECLARED = {item.name for item in contract.CONTRACT}
READ_METHODS = ("require_output", "get_output", "get_output_details")


def test_each_output_is_declared_once():
    assert len(DECLARED) == len(contract.CONTRACT)
    assert all(item.meaning and item.kind in (str, list, dict) for item in contract.CONTRACT)


def test_the_primary_exports_every_declared_output_with_its_type(primary):
    missing = sorted(DECLARED - set(primary.exports))
    assert missing == [], f"the dr stack reads what the primary does not export: {missing}"
    for item in contract.CONTRACT:
        assert isinstance(primary.exports[item.name], item.kind), item.name
        assert (item.name in primary.secret_exports) == item.secret, item.name


@pytest.mark.parametrize(
    ("config", "unread"),
    [({}, set()), ({"trading-dr:hostedZoneId": "Z0EXISTING123"}, {contract.HOSTED_ZONE_ID.name})],
    ids=["zone-from-primary", "zone-configured"],
)
def test_the_dr_stack_reads_exactly_the_declared_outputs(monkeypatch, config, unread):
    read: list[str] = []
    for method in ("require_output", "get_output"):
        original = getattr(pulumi.StackReference, method)

        def recording(self, name, _original=original):
            read.append(name)
            return _original(self, name)

        monkeypatch.setattr(pulumi.StackReference, method, recording)
    primary = mock_engine.run_stack("primary", overrides=config)
    # Built afresh (the suite remembers builds by configuration, tests/conftest.py), so that
    # its reads happen under the recording.
    build = getattr(mock_engine.run_stack, "__wrapped__", mock_engine.run_stack)
    reference = stack_settings("dr", config).primary_stack
    build(
        "dr",
        overrides=config,
        peer_exports={reference: primary.exports},
        peer_secrets={reference: primary.secret_exports},
    )
    assert set(read) == DECLARED - unread


def direct_reads(root: Path = ROOT) -> list[str]:
    """Uses of require_output/get_output anywhere in the program but the contract module:
    calls, and the method taken as a value (`peer = primary.require_output`)."""
    found = []
    for path in sorted((root / "components").rglob("*.py")):
        if path.name == "stack_contract.py" and path.parent.name == "components":
            continue
        lines = sorted(
            node.lineno
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute) and node.attr in READ_METHODS
        )
        found += [f"{path.relative_to(root).as_posix()}:{line}" for line in lines]
    return found


def test_the_program_reads_the_primary_only_through_the_contract():
    assert direct_reads() == []


def test_a_direct_read_is_named(tmp_path):
    (tmp_path / "components").mkdir()
    source = "x = 1\nzone = primary.require_output('hostedZoneId')\npeer = primary.get_output\n"
    (tmp_path / "components" / "zone.py").write_text(source)
    assert direct_reads(tmp_path) == ["components/zone.py:2", "components/zone.py:3"]
