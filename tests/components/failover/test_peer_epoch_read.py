"""One fencing epoch, as the program wires it: each region's orchestrator is told the PEER
stack's control table (FAILOVER_PEER_CONTROL_TABLE) and may read exactly its STATE/ACTIVE
item there, nothing else (docs/ARCHITECTURE.md, "One fencing epoch").

IAM rules relied on: dynamodb:LeadingKeys names the partition keys a request touches
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
DynamoDB uses a table's customer managed key on the caller's behalf, with the encryption
context aws:dynamodb:tableName (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
The policies are evaluated with tests/iam_eval.py (moto ignores Condition blocks).
"""

from __future__ import annotations

import json

import pytest

from failover.config import OrchestratorConfig
from failover.control_table import LOCK, STATE
from failover.lease import LEASE_PK
from tests.iam_eval import allows

FUNCTION = "aws:lambda/function:Function"
TABLE = "aws:dynamodb/table:Table"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ACCOUNT = "123456789012"


def _config(run) -> OrchestratorConfig:
    return OrchestratorConfig.from_env(
        run.one(FUNCTION, "home-failover-function").inputs["environment"]["variables"]
    )


def _policy(run) -> dict:
    return json.loads(run.one(ROLE_POLICY, "home-failover-policy").inputs["policy"])


@pytest.fixture(params=["primary", "dr"])
def pair(request, stacks):
    """(this stack, the peer stack)."""
    primary, dr = stacks
    return (primary, dr) if request.param == "primary" else (dr, primary)


def test_each_orchestrator_is_told_the_peer_stacks_control_table(pair):
    run, peer = pair
    config = _config(run)
    peer_table = peer.one(TABLE, "home-failover-control")
    assert config.peer_control_table == peer_table.outputs["name"]
    assert peer_table.region == config.peer_region != run.settings.home_region
    assert config.peer_control_table != config.control_table


def test_the_role_reads_only_the_peers_state_item(pair):
    run, peer = pair
    config, document = _config(run), _policy(run)
    table = peer.one(TABLE, "home-failover-control").outputs["arn"]
    assert table.split(":")[3] == config.peer_region
    assert allows(document, "dynamodb:GetItem", table, {"dynamodb:LeadingKeys": [STATE]})
    # Not the lease, the lock, or any other item of the peer's table ...
    for other in (LEASE_PK, LOCK, "EXEC"):
        assert not allows(document, "dynamodb:GetItem", table, {"dynamodb:LeadingKeys": [other]}), other
    assert not allows(document, "dynamodb:GetItem", table, {"dynamodb:LeadingKeys": [STATE, LOCK]})
    # ... and never a write, a query or a scan there.
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"):
        assert not allows(document, action, table, {"dynamodb:LeadingKeys": [STATE]}), action
    assert not allows(document, "dynamodb:Scan", table)


def test_the_peers_key_decrypts_only_that_table_through_dynamodb_of_the_peer_region(pair):
    run, _ = pair
    config, document = _config(run), _policy(run)
    key = f"arn:aws:kms:{config.peer_region}:{ACCOUNT}:key/0000-peer"
    through = {
        "kms:ViaService": f"dynamodb.{config.peer_region}.amazonaws.com",
        "kms:EncryptionContext:aws:dynamodb:tableName": config.peer_control_table,
    }
    assert allows(document, "kms:Decrypt", key, through)
    elsewhere = [
        {**through, "kms:EncryptionContext:aws:dynamodb:tableName": "another-table"},
        {**through, "kms:ViaService": f"s3.{config.peer_region}.amazonaws.com"},
        {**through, "kms:ViaService": f"dynamodb.{config.home_region}.amazonaws.com"},
        {"kms:ViaService": f"dynamodb.{config.peer_region}.amazonaws.com"},
        {},
    ]
    for context in elsewhere:
        assert not allows(document, "kms:Decrypt", key, context), context
    assert not allows(document, "kms:GenerateDataKey", key, through)
