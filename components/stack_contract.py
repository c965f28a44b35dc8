"""The stack-to-stack contract: every output of the primary stack that the dr stack reads,
declared once, with its type and meaning (docs/ARCHITECTURE.md#the-stack-contract).

The primary owns the global pieces and the dr stack reads them through its StackReference
to the primary (docs/ARCHITECTURE.md#stack-ownership); the primary never reads the dr.
Every read goes through `PrimaryOutput.read`, so a name here is the name on both sides.
tests/components/test_stack_contract.py checks both directions on the built stacks: the
primary exports every item with its type (and secrecy), and the dr stack reads exactly
these items, no other output of the primary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from components.data.global_tables import TABLES


@dataclass(frozen=True)
class PrimaryOutput:
    name: str
    """The primary stack's export (camelCase)."""
    kind: type
    """str, list or dict: what the export holds."""
    meaning: str
    secret: bool = False
    """The export is a secret output; the reader keeps it one."""

    def read(self, primary: pulumi.StackReference) -> pulumi.Output[Any]:
        value = primary.require_output(self.name)
        return pulumi.Output.secret(value) if self.secret else value


# --- the database (the primary owns the Aurora global cluster) --------------------------------
GLOBAL_CLUSTER_ID = PrimaryOutput("globalClusterId", str, "the Aurora global cluster the dr cluster joins")
DB_ENGINE = PrimaryOutput("dbEngine", str, "the global cluster's engine: the dr stack's must be the same")
DB_ENGINE_VERSION = PrimaryOutput("dbEngineVersion", str, "its engine version: the dr stack's must match")
DB_MASTER_PASSWORD = PrimaryOutput(
    "dbMasterPassword", str, "the master password, for the dr region's copy of the credentials", secret=True
)
GLOBAL_WRITER_ENDPOINT = PrimaryOutput(
    "globalWriterEndpoint", str, "the global writer endpoint the dr region's applications use"
)
# --- the DynamoDB global tables (the primary owns them; the dr stack adds its replicas) -------
TABLE_ARNS = {
    spec.key: PrimaryOutput(f"{spec.key}TableArn", str, f"the {spec.name} global table the dr replica joins")
    for spec in TABLES
}
# --- the documents buckets, replicated both ways (a link: the dr stack builds it) -------------
DOCUMENTS_BUCKET = PrimaryOutput("documentsBucket", str, "the primary's documents bucket (replication peer)")
DOCUMENTS_BUCKET_ARN = PrimaryOutput("documentsBucketArn", str, "its ARN (replication rules and role)")
KMS_KEY_ARN = PrimaryOutput("kmsKeyArn", str, "the primary region's key: replicas into the primary use it")
ALERT_TOPIC_ARN = PrimaryOutput(
    "alertTopicArn", str, "the primary region's alert topic: replication into it pages there"
)
# --- the evidence buckets, replicated both ways (a link: the dr stack builds it) --------------
EVIDENCE_BUCKET = PrimaryOutput("evidenceBucket", str, "the primary's evidence bucket (replication peer)")
EVIDENCE_BUCKET_ARN = PrimaryOutput("evidenceBucketArn", str, "its ARN (replication rules and role)")
# --- the failover authority (the primary owns the ARC cluster) ---------------------------------
AUTHORITY_CLUSTER_ARN = PrimaryOutput("trafficAuthorityClusterArn", str, "the ARC cluster")
AUTHORITY_CLUSTER_ENDPOINTS = PrimaryOutput(
    "trafficAuthorityClusterEndpoints", list, "the ARC cluster's regional data-plane endpoints"
)
AUTHORITY_CONTROL_PANEL_ARN = PrimaryOutput("trafficAuthorityControlPanelArn", str, "the ARC control panel")
AUTHORITY_ROUTING_CONTROL_ARNS = PrimaryOutput(
    "trafficAuthorityRoutingControlArns", dict, "region -> its routing control (the one authority)"
)
AUTHORITY_SAFETY_RULE_ARNS = PrimaryOutput(
    "trafficAuthoritySafetyRuleArns", list, "the safety rules that keep exactly one control On"
)
# --- the network link (the dr stack builds the Transit Gateway peering) -----------------------
TRANSIT_GATEWAY_ID = PrimaryOutput(
    "transitGatewayId", str, "the primary's Transit Gateway (peering accepter)"
)
TRANSIT_GATEWAY_ROUTE_TABLE_ID = PrimaryOutput(
    "transitGatewayRouteTableId", str, "its route table: the route back to the dr VPC"
)
# --- DNS (the primary owns the hosted zone unless hostedZoneId names one) ---------------------
HOSTED_ZONE_ID = PrimaryOutput("hostedZoneId", str, "the hosted zone, read only when hostedZoneId is not set")

CONTRACT: tuple[PrimaryOutput, ...] = (
    GLOBAL_CLUSTER_ID,
    DB_ENGINE,
    DB_ENGINE_VERSION,
    DB_MASTER_PASSWORD,
    GLOBAL_WRITER_ENDPOINT,
    *TABLE_ARNS.values(),
    DOCUMENTS_BUCKET,
    DOCUMENTS_BUCKET_ARN,
    KMS_KEY_ARN,
    ALERT_TOPIC_ARN,
    EVIDENCE_BUCKET,
    EVIDENCE_BUCKET_ARN,
    AUTHORITY_CLUSTER_ARN,
    AUTHORITY_CLUSTER_ENDPOINTS,
    AUTHORITY_CONTROL_PANEL_ARN,
    AUTHORITY_ROUTING_CONTROL_ARNS,
    AUTHORITY_SAFETY_RULE_ARNS,
    TRANSIT_GATEWAY_ID,
    TRANSIT_GATEWAY_ROUTE_TABLE_ID,
    HOSTED_ZONE_ID,
)
"""Every output of the primary the dr stack reads."""
