"""Data: the Aurora global database (global cluster, one member per region, credentials),
the DynamoDB global tables and their replicas, the documents buckets and their replication
both ways, and AWS Backup with copies to the peer region; `role_wiring.py` wires them per role."""

from __future__ import annotations

from components.data.aurora import AuroraCluster, AuroraClusterArgs
from components.data.backup import RegionalBackup, RegionalBackupArgs
from components.data.bucket_replication import BucketReplication, BucketReplicationArgs
from components.data.credentials import DatabaseCredentials, DatabaseCredentialsArgs
from components.data.documents_bucket import DocumentsBucket, DocumentsBucketArgs
from components.data.global_database import GlobalDatabase, GlobalDatabaseArgs
from components.data.global_tables import GlobalTables, GlobalTablesArgs
from components.data.regional_data import RegionalData, RegionalDataArgs
from components.data.replication import DataReplication, DataReplicationArgs
from components.data.table_replicas import TableReplicas, TableReplicasArgs

__all__ = [
    "AuroraCluster",
    "AuroraClusterArgs",
    "BucketReplication",
    "BucketReplicationArgs",
    "DataReplication",
    "DataReplicationArgs",
    "DatabaseCredentials",
    "DatabaseCredentialsArgs",
    "DocumentsBucket",
    "DocumentsBucketArgs",
    "GlobalDatabase",
    "GlobalDatabaseArgs",
    "GlobalTables",
    "GlobalTablesArgs",
    "RegionalBackup",
    "RegionalBackupArgs",
    "RegionalData",
    "RegionalDataArgs",
    "TableReplicas",
    "TableReplicasArgs",
]
