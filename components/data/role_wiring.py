"""Wiring of the data tier into the program, per role, so components/program.py stays a
short list of steps:

- `join_global_database` (before the regional stack): in primary, create the global
  cluster and the master password; in dr, take both from the primary's exports. Either way,
  the regional cluster gets a GlobalMembership.
- `build_role_data` (after the regional stack): primary creates the DynamoDB tables; dr
  creates the table replicas and the S3 replication in both directions.
- `data_exports`: what the failover orchestrator, alarms and the dr stack read.
"""

from __future__ import annotations

import pulumi

from components import stack_contract as contract
from components.context import RegionalContext
from components.data.aurora import GlobalMembership
from components.data.bucket_replication import BucketEnd
from components.data.global_database import GlobalDatabase, GlobalDatabaseArgs
from components.data.global_tables import TABLES, GlobalTables, GlobalTablesArgs
from components.data.replication import DataReplication, DataReplicationArgs
from components.providers import Providers
from components.regional_stack import RegionalStack
from components.settings import PROJECT, Settings


class PrimaryMismatchError(ValueError):
    """The dr stack's database config disagrees with the primary's global cluster."""


def check_same_engine(settings: Settings, primary_engine: str, primary_version: str) -> None:
    """A secondary must run the global cluster's engine and version; say which key differs."""
    database = settings.database
    for key, mine, theirs in (
        ("dbEngine", database.engine, primary_engine),
        ("dbEngineVersion", database.engine_version, primary_version),
    ):
        if mine != theirs:
            raise PrimaryMismatchError(
                f"invalid config {PROJECT}:{key}={mine!r}: must equal the primary stack's {theirs!r} "
                "(a secondary cluster runs the global cluster's engine and version)"
            )


def join_global_database(
    settings: Settings, context: RegionalContext, primary_outputs: pulumi.StackReference | None
) -> tuple[GlobalMembership, dict[str, pulumi.Input]]:
    """The regional cluster's membership, and the exports that come with it."""
    if settings.is_primary:
        providers = context.providers
        database = GlobalDatabase(
            "global-database",
            GlobalDatabaseArgs(context=context, database=settings.database, random_provider=providers.random),
            opts=pulumi.ResourceOptions(provider=providers.home),
        )
        membership = GlobalMembership(
            global_cluster_id=database.global_cluster_id,
            master_password=database.master_password,
            creates_writer=True,
        )
        return membership, {
            "globalClusterId": database.global_cluster_id,
            "dbEngine": settings.database.engine,
            "dbEngineVersion": settings.database.engine_version,
            # Apps find the writer here without a redeploy: "This endpoint always points to the
            # writer DB instance in the current primary cluster" (aws.rds.GlobalCluster.endpoint).
            "globalWriterEndpoint": database.cluster.endpoint,
            # For the dr stack's own copy of the credentials; a secret output, never plaintext.
            "dbMasterPassword": database.master_password,
        }
    if primary_outputs is None:
        raise ValueError("the dr stack needs the primary stack's outputs (StackReference)")

    def checked(values: list) -> str:
        global_id, engine, version = values
        check_same_engine(settings, engine, version)
        return global_id

    # The secondary's global_cluster_identifier resolves only when the engines agree, so a
    # mismatch stops the deployment before the cluster is created.
    global_id = pulumi.Output.all(
        contract.GLOBAL_CLUSTER_ID.read(primary_outputs),
        contract.DB_ENGINE.read(primary_outputs),
        contract.DB_ENGINE_VERSION.read(primary_outputs),
    ).apply(checked)
    membership = GlobalMembership(
        global_cluster_id=global_id,
        master_password=contract.DB_MASTER_PASSWORD.read(primary_outputs),
        creates_writer=False,
    )
    return membership, {
        "globalClusterId": global_id,
        "globalWriterEndpoint": contract.GLOBAL_WRITER_ENDPOINT.read(primary_outputs),
    }


def build_role_data(
    settings: Settings,
    providers: Providers,
    regional: RegionalStack,
    primary_outputs: pulumi.StackReference | None,
) -> dict[str, pulumi.Input]:
    """The role-specific data pieces; returns their exports."""
    key_arn = regional.keys.arn
    if settings.is_primary:
        tables = GlobalTables(
            "global-tables",
            GlobalTablesArgs(context=regional.context),
            opts=pulumi.ResourceOptions(provider=providers.home),
        )
        return {f"{key}TableArn": table.arn for key, table in tables.tables.items()}
    assert primary_outputs is not None
    data = regional.data
    replication = DataReplication(
        "data-replication",
        DataReplicationArgs(
            context=regional.context,
            global_table_arns={key: arn.read(primary_outputs) for key, arn in contract.TABLE_ARNS.items()},
            home_bucket=BucketEnd(
                region=settings.home_region,
                bucket=data.documents_bucket,
                bucket_arn=data.documents_bucket_arn,
                kms_key_arn=key_arn,
                alert_topic_arn=regional.alerts.arn,
            ),
            peer_bucket=BucketEnd(
                region=settings.peer_region,
                bucket=contract.DOCUMENTS_BUCKET.read(primary_outputs),
                bucket_arn=contract.DOCUMENTS_BUCKET_ARN.read(primary_outputs),
                kms_key_arn=contract.KMS_KEY_ARN.read(primary_outputs),
                alert_topic_arn=contract.ALERT_TOPIC_ARN.read(primary_outputs),
            ),
            home_bucket_versioning=data.documents_versioning,
            peer_provider=providers.peer,
        ),
        opts=pulumi.ResourceOptions(provider=providers.home),
    )
    return {f"{key}TableArn": arn for key, arn in replication.replica_arns.items()}


def data_exports(regional: RegionalStack) -> dict[str, pulumi.Input]:
    """Exports both stacks have (camelCase), for the orchestrator, alarms and the peer stack."""
    data = regional.data
    return {
        "auroraClusterId": data.cluster_id,
        "auroraClusterArn": data.cluster_arn,
        "auroraEndpoint": data.writer_endpoint,
        "auroraReaderEndpoint": data.reader_endpoint,
        "dbSecretArn": data.secret_arn,
        **{f"{spec.key}TableName": spec.name for spec in TABLES},
        "documentsBucket": data.documents_bucket,
        "documentsBucketArn": data.documents_bucket_arn,
        "backupVaultName": data.vault_name,
    }
