"""TableReplicas (dr stack only): a replica in this region of each of the primary's DynamoDB
tables (components/data/global_tables.py), encrypted with this region's CMK, with its own
point-in-time recovery. The dr stack owns the replicas because it is deployed second: the
tables, their streams and the primary's key exist by then."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext


@dataclass
class TableReplicasArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    global_table_arns: Mapping[str, pulumi.Input[str]]
    """TableSpec.key -> ARN of the primary's table (from the primary stack's exports)."""


class TableReplicas(pulumi.ComponentResource):
    replicas: dict[str, aws.dynamodb.TableReplica]

    def __init__(self, name: str, args: TableReplicasArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:tables:TableReplicas", name, None, opts)
        self.replicas = {
            key: aws.dynamodb.TableReplica(
                f"{name}-{key}",
                global_table_arn=table_arn,
                kms_key_arn=args.context.kms_key_arn,
                point_in_time_recovery=True,
                deletion_protection_enabled=args.context.protect,
                opts=pulumi.ResourceOptions(
                    parent=self, protect=args.context.protect, retain_on_delete=args.context.protect
                ),
            )
            for key, table_arn in sorted(args.global_table_arns.items())
        }
        self.register_outputs({f"{key}_arn": replica.arn for key, replica in self.replicas.items()})
