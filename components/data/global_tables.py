"""GlobalTables (primary stack only): the DynamoDB tables the platform shares across regions,
created here and replicated into the DR region by the dr stack's TableReplica resources
(components/data/table_replicas.py).

Each table: on-demand billing, point-in-time recovery, deletion protection, streams with
NEW_AND_OLD_IMAGES (global-table replication reads them) and SSE with this region's CMK.
`replicas` is ignored because the dr stack's TableReplica adds the replica to the table's
description; without the ignore, every `pulumi up` of the primary would try to remove it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext


@dataclass(frozen=True)
class TableSpec:
    key: str
    """Short name in code and exports (sessions, config)."""
    name: str
    """Table name, the same in every region (replicas keep it): explicit, so replicas,
    backups and the orchestrator can name it."""
    hash_key: str
    ttl_attribute: str | None = None
    """Epoch-seconds attribute after which DynamoDB deletes the item; None for no TTL."""


TABLES = (
    TableSpec(key="sessions", name="trading-dr-sessions", hash_key="sessionId", ttl_attribute="expiresAt"),
    TableSpec(key="config", name="trading-dr-config", hash_key="configKey"),
)
TABLE_NAMES = tuple(spec.name for spec in TABLES)


@dataclass
class GlobalTablesArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""


class GlobalTables(pulumi.ComponentResource):
    tables: dict[str, aws.dynamodb.Table]
    """By TableSpec.key."""

    def __init__(self, name: str, args: GlobalTablesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:tables:GlobalTables", name, None, opts)
        self.tables = {spec.key: self._table(name, spec, args) for spec in TABLES}
        self.register_outputs({f"{key}_arn": table.arn for key, table in self.tables.items()})

    def _table(self, name: str, spec: TableSpec, args: GlobalTablesArgs) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{name}-{spec.key}",
            name=spec.name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=spec.hash_key,
            attributes=[aws.dynamodb.TableAttributeArgs(name=spec.hash_key, type="S")],
            ttl=(
                aws.dynamodb.TableTtlArgs(attribute_name=spec.ttl_attribute, enabled=True)
                if spec.ttl_attribute
                else None
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=args.context.protect,
            stream_enabled=True,
            stream_view_type="NEW_AND_OLD_IMAGES",
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args.context.kms_key_arn
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.context.protect,
                retain_on_delete=args.context.protect,
                ignore_changes=["replicas"],
            ),
        )
