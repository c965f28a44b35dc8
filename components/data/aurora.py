"""AuroraCluster: one region's member of the Aurora global database, built by the same code
in both stacks: the cluster, its instances, subnet group, TLS-forcing parameter group and
enhanced-monitoring role.

The member that creates the global database's first cluster (the primary stack's) sets the
master credentials and database name; the other (the dr stack's secondary) must not, and
inherits them through replication. Both ignore drift on the fields a failover rewrites.

Exceptions recorded, not faked (AWS "facts that bite"):
- Backtrack (backtrack_window) is not supported on Aurora global databases: left unset.
- Auto minor version upgrade is off: a global database's members must run the same engine
  version, so minor upgrades go through the global cluster (its engine_version), which
  upgrades every region together, not through instance-level automatic upgrades.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.context import RegionalContext
from components.data.aurora_plan import (
    DATABASE_NAME,
    MASTER_USERNAME,
    MONITORING_INTERVAL_SECONDS,
    PERFORMANCE_INSIGHTS_RETENTION_DAYS,
    cluster_identifier,
    cluster_parameters,
    parameter_group_family,
)
from components.settings import DatabaseSettings

# Fields a failover or switchover rewrites on the cluster (the old writer becomes a
# secondary with a replication source), and the version that engine upgrades through the
# global cluster change underneath. Pulumi property names, as ignore_changes expects them.
DRIFTING_FIELDS = ("replicationSourceIdentifier", "globalClusterIdentifier", "engineVersion")


@dataclass
class GlobalMembership:
    """How a regional cluster joins the global database."""

    global_cluster_id: pulumi.Input[str]
    """Identifier of the aws.rds.GlobalCluster (primary: its own; dr: the primary's export)."""
    master_password: pulumi.Input[str]
    """Secret. Set on the cluster only when creates_writer; every region stores it."""
    creates_writer: bool
    """True in the stack whose cluster is created as the global database's writer."""


@dataclass
class AuroraClusterArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    global_rpo_seconds: int | None
    """rds.global_db_rpo for this cluster's parameter group (aurora_plan.global_rpo_seconds:
    the primary's PostgreSQL cluster only), None for the engine default."""
    database: DatabaseSettings
    membership: GlobalMembership
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private-data subnets, one per AZ."""
    availability_zones: Sequence[pulumi.Input[str]]
    """The AZ of each subnet in subnet_ids, in the same order; instances go round-robin."""
    security_group_id: pulumi.Input[str]
    """The DB tier's group (admits only the app tier on the DB port)."""
    instance_count: int
    """TierProfile.instances(is_primary) (components/tiers.py); 0 leaves the cluster headless."""
    random_provider: pulumi.ProviderResource | None = None
    """pulumi-random's explicit provider (Providers.random), for the final snapshot's suffix."""


def final_snapshot_identifier(cluster_id: str, suffix: str) -> str:
    """`<cluster>-final-<suffix>`: DeleteDBCluster fails with DBClusterSnapshotAlreadyExistsFault
    when the final snapshot's identifier is taken, so a stack that is destroyed and created
    again needs a new one. 1 to 255 letters, digits or hyphens, a letter first, no "--", no
    trailing hyphen: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html"""
    return f"{cluster_id}-final-{suffix}"


class AuroraCluster(pulumi.ComponentResource):
    cluster: aws.rds.Cluster
    instances: list[aws.rds.ClusterInstance]
    subnet_group: aws.rds.SubnetGroup
    parameter_group: aws.rds.ClusterParameterGroup
    monitoring_role: aws.iam.Role

    def __init__(self, name: str, args: AuroraClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:aurora:AuroraCluster", name, None, opts)
        if args.instance_count < 0:
            raise ValueError(f"instance_count must be 0 or more, got {args.instance_count}")
        if len(args.subnet_ids) != len(args.availability_zones) or not args.subnet_ids:
            raise ValueError("subnet_ids and availability_zones must be non-empty and of equal length")
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._identifier = cluster_identifier(args.context.region)

        self.subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=self._identifier,
            description=f"trading-dr Aurora in {args.context.region}: private-data subnets only",
            subnet_ids=list(args.subnet_ids),
            opts=self._child,
        )
        self.parameter_group = self._parameter_group()
        self.monitoring_role = self._monitoring_role()
        self.cluster = self._cluster()
        self.instances = [self._instance(index) for index in range(args.instance_count)]
        self.register_outputs(
            {
                "cluster_id": self.cluster.cluster_identifier,
                "cluster_arn": self.cluster.arn,
                "endpoint": self.cluster.endpoint,
            }
        )

    def _parameter_group(self) -> aws.rds.ClusterParameterGroup:
        database = self._args.database
        return aws.rds.ClusterParameterGroup(
            f"{self._name}-params",
            name_prefix=f"{self._identifier}-",
            family=parameter_group_family(database),
            description="trading-dr: TLS required, audit and slow-query logs on",
            parameters=[
                aws.rds.ClusterParameterGroupParameterArgs(name=key, value=value, apply_method="immediate")
                for key, value in sorted(cluster_parameters(database, self._args.global_rpo_seconds).items())
            ],
            # name_prefix: a replacement group (e.g. a new family on a major upgrade) is created
            # beside the old one before the cluster moves to it.
            opts=self._child,
        )

    def _monitoring_role(self) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-monitoring",
            description="RDS enhanced monitoring of the trading-dr Aurora instances",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=self._child,
        )
        self._monitoring_attachment = aws.iam.RolePolicyAttachment(
            f"{self._name}-monitoring-policy",
            role=role.name,
            policy_arn=pulumi.Output.concat(
                "arn:",
                self._args.context.partition,
                ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
            ),
            opts=self._child,
        )
        return role

    def _cluster(self) -> aws.rds.Cluster:
        args, database = self._args, self._args.database
        membership = args.membership
        writer = membership.creates_writer
        return aws.rds.Cluster(
            f"{self._name}-cluster",
            cluster_identifier=self._identifier,
            engine=database.engine,
            engine_version=database.engine_version,
            # The RDS Data API: the failover orchestrator's test write on a newly promoted
            # writer (it ships no DB driver). "With Aurora global databases, you can enable Data
            # API on both the primary and secondary DB clusters"; queries succeed once the
            # cluster has a writer (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html).
            enable_http_endpoint=True,
            global_cluster_identifier=membership.global_cluster_id,
            # Only the writer at creation sets credentials and the database name; a secondary
            # that sets them is rejected by RDS (it inherits them through replication).
            master_username=MASTER_USERNAME if writer else None,
            master_password=pulumi.Output.secret(membership.master_password) if writer else None,
            database_name=DATABASE_NAME if writer else None,
            storage_encrypted=True,
            kms_key_id=args.context.kms_key_arn,
            db_subnet_group_name=self.subnet_group.name,
            vpc_security_group_ids=[args.security_group_id],
            db_cluster_parameter_group_name=self.parameter_group.name,
            port=database.port,
            backup_retention_period=database.backup_retention_days,
            preferred_backup_window=database.backup_window,
            preferred_maintenance_window=database.maintenance_window,
            copy_tags_to_snapshot=True,
            enabled_cloudwatch_logs_exports=list(database.log_exports),
            iam_database_authentication_enabled=True,
            deletion_protection=args.context.protect,
            skip_final_snapshot=False,
            final_snapshot_identifier=self._final_snapshot_suffix().hex.apply(
                lambda suffix: final_snapshot_identifier(self._identifier, suffix)
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.context.protect,
                ignore_changes=list(DRIFTING_FIELDS),
            ),
        )

    def _final_snapshot_suffix(self) -> random.RandomId:
        """New with every incarnation of the cluster (a new stack, or a replacement through a
        new identifier or key), stable for its life: no diff on each `up`, and never the
        identifier of an earlier incarnation's final snapshot."""
        return random.RandomId(
            f"{self._name}-final-snapshot-suffix",
            byte_length=4,
            keepers={"cluster": self._identifier, "kms_key": self._args.context.kms_key_arn},
            opts=pulumi.ResourceOptions(parent=self, provider=self._args.random_provider),
        )

    def _instance(self, index: int) -> aws.rds.ClusterInstance:
        args = self._args
        zones = args.availability_zones
        return aws.rds.ClusterInstance(
            f"{self._name}-instance-{index}",
            identifier=f"{self._identifier}-{index}",
            cluster_identifier=self.cluster.id,
            engine=self.cluster.engine,
            instance_class=args.database.instance_class,
            db_subnet_group_name=self.subnet_group.name,
            # Round-robin over the data subnets' AZs: the writer and its readers never share one.
            availability_zone=zones[index % len(zones)],
            publicly_accessible=False,
            # In-region failover promotes the lowest tier first: instance 1, then 2, ...
            promotion_tier=index,
            performance_insights_enabled=True,
            performance_insights_kms_key_id=args.context.kms_key_arn,
            performance_insights_retention_period=PERFORMANCE_INSIGHTS_RETENTION_DAYS,
            monitoring_interval=MONITORING_INTERVAL_SECONDS,
            monitoring_role_arn=self.monitoring_role.arn,
            auto_minor_version_upgrade=False,  # see the module docstring: upgrades go global
            copy_tags_to_snapshot=True,
            # Instances hold no data (the cluster volume does), so they are not protected: a
            # tier change must be able to remove one.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._monitoring_attachment]),
        )
