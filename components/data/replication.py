"""DataReplication (dr stack only): the cross-region data links the dr stack owns, because
it is deployed second: a replica of each DynamoDB table in this region, and S3 replication
of the documents buckets in both directions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.context import RegionalContext
from components.data.bucket_replication import BucketEnd, BucketReplication, BucketReplicationArgs
from components.data.table_replicas import TableReplicas, TableReplicasArgs


@dataclass
class DataReplicationArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    global_table_arns: Mapping[str, pulumi.Input[str]]
    """TableSpec.key -> the primary table's ARN (primary exports)."""
    home_bucket: BucketEnd
    peer_bucket: BucketEnd
    home_bucket_versioning: pulumi.Resource
    peer_provider: pulumi.ProviderResource


class DataReplication(pulumi.ComponentResource):
    tables: TableReplicas
    buckets: BucketReplication

    def __init__(self, name: str, args: DataReplicationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:data:DataReplication", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.tables = TableReplicas(
            f"{name}-tables",
            TableReplicasArgs(context=args.context, global_table_arns=args.global_table_arns),
            opts=child,
        )
        self.buckets = BucketReplication(
            f"{name}-buckets",
            BucketReplicationArgs(
                home=args.home_bucket,
                peer=args.peer_bucket,
                peer_provider=args.peer_provider,
                depends_on=[args.home_bucket_versioning],
            ),
            opts=child,
        )
        self.register_outputs({})

    @property
    def replica_arns(self) -> dict[str, pulumi.Output[str]]:
        """Table key -> the ARN of this region's replica."""
        return {key: replica.arn for key, replica in self.tables.replicas.items()}
