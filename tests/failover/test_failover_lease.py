"""The write lease module (failover/lease.py): the check every write path makes."""

from __future__ import annotations

import ast
import pathlib
import sys

import pytest

from failover.lease import (
    LEASE_PK,
    LEASE_SK,
    LEASE_TTL_GRACE_SECONDS,
    WriteLease,
    check_write,
    lease_from_item,
    lease_to_item,
)

LEASE = WriteLease(region="us-east-1", epoch=3, valid_until=1000.0, renewed_at=985.0, holder="inv-1")


def test_allows_only_its_region_strictly_before_valid_until():
    assert LEASE.allows("us-east-1", 999.999)
    assert not LEASE.allows("us-east-1", 1000.0)
    assert not LEASE.allows("us-east-1", 1500.0)
    assert not LEASE.allows("us-west-2", 999.0)
    assert not LEASE.allows("us-east-1", float("nan"))


def test_check_write_refuses_without_a_lease_and_after_it_lapsed():
    assert check_write(LEASE, "us-east-1", 990.0)[0]
    allowed, reason = check_write(None, "us-east-1", 990.0)
    assert not allowed and "no write lease" in reason
    allowed, reason = check_write(LEASE, "us-east-1", 1000.0)
    assert not allowed and "lapsed" in reason and "epoch 3" in reason
    allowed, reason = check_write(LEASE, "us-west-2", 990.0)
    assert not allowed and "names us-east-1" in reason


def test_item_round_trip_with_pk_sk_and_ttl():
    item = lease_to_item(LEASE)
    assert item["pk"] == {"S": LEASE_PK} and item["sk"] == {"S": LEASE_SK}
    assert item["expires_at"] == {"N": str(1000 + LEASE_TTL_GRACE_SECONDS)}
    assert lease_from_item(item) == LEASE
    fractional = WriteLease("us-west-2", 0, 12.25, 2.5)
    assert lease_from_item(lease_to_item(fractional)) == fractional


def test_no_item_is_no_lease_and_a_malformed_one_raises():
    assert lease_from_item(None) is None and lease_from_item({}) is None
    with pytest.raises(ValueError, match="malformed lease item"):
        lease_from_item({"pk": {"S": "LEASE"}, "region": {"S": "us-east-1"}})
    bad = lease_to_item(LEASE) | {"valid_until": {"N": "inf"}}
    with pytest.raises(ValueError, match="finite"):
        lease_from_item(bad)
    bad = lease_to_item(LEASE) | {"epoch": {"N": "1.5"}}
    with pytest.raises(ValueError, match="whole number"):
        lease_from_item(bad)


def test_lease_module_imports_only_the_standard_library():
    """Applications import failover/lease.py as it is: no boto3, no project package."""
    path = pathlib.Path(__file__).parents[2] / "failover" / "lease.py"
    tree = ast.parse(path.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            roots.add(node.module.split(".")[0])
    assert roots and roots <= set(sys.stdlib_module_names) | {"__future__"}, roots
