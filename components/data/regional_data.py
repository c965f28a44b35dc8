"""RegionalData: the data tier one region runs, built by the same code in both stacks: its
Aurora member cluster, the master credentials in its Secrets Manager, the documents bucket
and the AWS Backup vault and plan. The global and cross-region pieces are role-specific
(components/data/global_database.py, global_tables.py in primary; table_replicas.py,
bucket_replication.py in dr)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.data.aurora import AuroraCluster, AuroraClusterArgs, GlobalMembership
from components.data.aurora_plan import global_rpo_seconds
from components.data.backup import RegionalBackup, RegionalBackupArgs
from components.data.credentials import DatabaseCredentials, DatabaseCredentialsArgs
from components.data.documents_bucket import DocumentsBucket, DocumentsBucketArgs
from components.data.global_tables import TABLE_NAMES
from components.settings import Settings


@dataclass
class RegionalDataArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    settings: Settings
    membership: GlobalMembership
    data_subnets: Sequence[aws.ec2.Subnet]
    """RegionalNetwork.data_subnets: Aurora's subnet group and AZ spread."""
    db_security_group_id: pulumi.Input[str]
    """SecurityGroups.db: admits only the app tier on the DB port."""
    random_provider: pulumi.ProviderResource | None = None
    """Providers.random (the final snapshot's unique suffix)."""


class RegionalData(pulumi.ComponentResource):
    aurora: AuroraCluster
    credentials: DatabaseCredentials
    documents: DocumentsBucket
    backup: RegionalBackup

    def __init__(self, name: str, args: RegionalDataArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:data:RegionalData", name, None, opts)
        settings = args.settings
        child = pulumi.ResourceOptions(parent=self)

        self.aurora = AuroraCluster(
            f"{name}-aurora",
            AuroraClusterArgs(
                context=args.context,
                global_rpo_seconds=global_rpo_seconds(
                    settings.database, settings.role, settings.failover.global_db_rpo_seconds
                ),
                database=settings.database,
                membership=args.membership,
                subnet_ids=[subnet.id for subnet in args.data_subnets],
                availability_zones=[subnet.availability_zone for subnet in args.data_subnets],
                security_group_id=args.db_security_group_id,
                instance_count=settings.tier_profile.instances(settings.is_primary),
                random_provider=args.random_provider,
            ),
            opts=child,
        )
        self.credentials = DatabaseCredentials(
            f"{name}-credentials",
            DatabaseCredentialsArgs(
                context=args.context,
                password=args.membership.master_password,
                engine=settings.database.engine,
                host=self.aurora.cluster.endpoint,
                port=settings.database.port,
                cluster_identifier=self.aurora.cluster.cluster_identifier,
            ),
            opts=child,
        )
        self.documents = DocumentsBucket(
            f"{name}-documents",
            DocumentsBucketArgs(
                context=args.context,
                log_retention_days=settings.log_retention_days,
            ),
            opts=child,
        )
        self.backup = RegionalBackup(
            f"{name}-backup",
            RegionalBackupArgs(
                context=args.context,
                schedule=settings.backup.schedule,
                delete_after_days=settings.backup.delete_after_days,
                cluster_arn=self.aurora.cluster.arn,
                # Tables in primary, their replicas in dr: the same names in both regions.
                table_names=TABLE_NAMES,
            ),
            opts=child,
        )
        self.register_outputs(
            {
                "cluster_arn": self.aurora.cluster.arn,
                "secret_arn": self.credentials.secret_arn,
                "documents_bucket": self.documents.bucket.bucket,
                "vault_name": self.backup.vault.name,
            }
        )

    # What the region's consumers read, one level deep (the orchestrator, the application,
    # the alarms, the exports), so they do not depend on how the data tier is built.
    @property
    def writer_endpoint(self) -> pulumi.Output[str]:
        return self.aurora.cluster.endpoint

    @property
    def reader_endpoint(self) -> pulumi.Output[str]:
        return self.aurora.cluster.reader_endpoint

    @property
    def cluster_id(self) -> pulumi.Output[str]:
        return self.aurora.cluster.cluster_identifier

    @property
    def cluster_arn(self) -> pulumi.Output[str]:
        return self.aurora.cluster.arn

    @property
    def cluster_resource_id(self) -> pulumi.Output[str]:
        return self.aurora.cluster.cluster_resource_id

    @property
    def subnet_group_name(self) -> pulumi.Output[str]:
        return self.aurora.subnet_group.name

    @property
    def secret_arn(self) -> pulumi.Output[str]:
        return self.credentials.secret_arn

    @property
    def documents_bucket(self) -> pulumi.Output[str]:
        return self.documents.bucket.bucket

    @property
    def documents_bucket_arn(self) -> pulumi.Output[str]:
        return self.documents.bucket.arn

    @property
    def documents_versioning(self) -> aws.s3.BucketVersioning:
        return self.documents.versioning

    @property
    def vault_name(self) -> pulumi.Output[str]:
        return self.backup.vault.name
