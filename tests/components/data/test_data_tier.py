"""The data tier on the mock engine: Aurora Global Database, credentials, DynamoDB global
tables, S3 replication both ways, AWS Backup copies, protection. Every assertion is over
what the program registered (inputs, options, awaited exports) in both stacks."""

from __future__ import annotations

import json

import pytest

from components.settings import TIERS
from ops.mock_engine import StackRun, run_both, run_stack
from ops.stack_config import STACKS, effective_config

GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMS = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
SUBNET_GROUP = "aws:rds/subnetGroup:SubnetGroup"
TABLE = "aws:dynamodb/table:Table"
REPLICA = "aws:dynamodb/tableReplica:TableReplica"
BUCKET = "aws:s3/bucket:Bucket"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
SECRET = "aws:secretsmanager/secret:Secret"
VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
KEY = "aws:kms/key:Key"
PASSWORD = "random:index/randomPassword:RandomPassword"

# The tiers' instance table (docs/ARCHITECTURE.md#tiers): (primary, dr) per tier. Written out
# here, not imported, so a change to aurora_plan that breaks the spec turns this red.
EXPECTED_INSTANCES = {"hot-standby": (2, 2), "warm-standby": (2, 1), "pilot-light": (2, 0)}


def keys_by_region(*runs: StackRun) -> dict[str, str]:
    """region -> ARN of the regional data key (RegionalKeys) of the stack whose home it is.
    Other keys (the us-east-1 key of the Route 53 alert topic) encrypt no data store."""
    return {
        key.region: key.outputs["arn"]
        for run in runs
        for key in run.of_type(KEY)
        if any(a.type == "tradingdr:keys:RegionalKeys" for a in run.ancestors(key))
    }


def global_tables(run: StackRun) -> list:
    """The replicated data tables (components/data/global_tables.py), not the orchestrator's
    regional control table."""
    from components.data.global_tables import TABLE_NAMES

    return [t for t in run.of_type(TABLE) if t.inputs.get("name") in TABLE_NAMES]


def resource_with_id(runs, type_token: str, id_: str):
    found = [r for run in runs for r in run.of_type(type_token) if r.id == id_]
    assert len(found) == 1, f"expected one {type_token} with id {id_}, found {len(found)}"
    return found[0]


def documents_buckets(run: StackRun):
    return [b for b in run.of_type(BUCKET) if "documents" in b.inputs["bucket"]]


# --- Aurora Global Database ----------------------------------------------------------------


def test_the_primary_owns_the_global_cluster_encrypted_and_protected(primary, dr):
    assert not dr.of_type(GLOBAL_CLUSTER)
    global_cluster = primary.one(GLOBAL_CLUSTER)
    assert global_cluster.inputs["engine"] == primary.settings.database.engine == "aurora-mysql"
    assert global_cluster.inputs["engineVersion"].startswith("8.0.")
    assert global_cluster.inputs["storageEncrypted"] is True
    assert global_cluster.inputs["deletionProtection"] is True
    assert global_cluster.region == "us-east-1"


def test_the_primary_cluster_is_the_writer_with_secret_credentials(primary):
    cluster = primary.one(CLUSTER)
    assert cluster.inputs["globalClusterIdentifier"] == primary.exports["globalClusterId"]
    assert cluster.inputs["masterUsername"]
    assert cluster.inputs["databaseName"]
    assert "masterPassword" in cluster.secret_inputs
    assert "manageMasterUserPassword" not in cluster.inputs  # unsupported on global clusters


def test_the_secondary_cluster_carries_no_credentials_and_ignores_failover_drift(primary, dr):
    cluster = dr.one(CLUSTER)
    for field in ("masterUsername", "masterPassword", "databaseName", "manageMasterUserPassword"):
        assert field not in cluster.inputs, f"secondary sets {field}"
    assert cluster.inputs["globalClusterIdentifier"] == primary.exports["globalClusterId"]
    assert cluster.inputs["engine"] == primary.one(GLOBAL_CLUSTER).inputs["engine"]
    assert cluster.inputs["engineVersion"] == primary.one(GLOBAL_CLUSTER).inputs["engineVersion"]
    assert {"replicationSourceIdentifier", "globalClusterIdentifier"} <= set(cluster.options.ignore_changes)
    assert dr.exports["globalClusterId"] == primary.exports["globalClusterId"]


def test_a_dr_engine_that_differs_from_the_primary_stops_the_deployment(primary):
    # The dr program checks against the primary's deployed exports (what `pulumi up -s dr`
    # sees), not only against the primary's stack file: run the stacks one by one.
    from ops.stack_config import stack_settings

    with pytest.raises(Exception, match=r"trading-dr:dbEngineVersion=.*must equal the primary"):
        run_stack(
            "dr",
            overrides={"trading-dr:dbEngineVersion": "8.0.mysql_aurora.3.09.0"},
            peer_exports={stack_settings("dr").primary_stack: primary.exports},
            peer_secrets={stack_settings("dr").primary_stack: primary.secret_exports},
        )


def test_the_plan_refuses_a_pair_with_different_engine_versions():
    with pytest.raises(
        Exception, match=r"^Pulumi.dr.yaml: trading-dr:dbEngineVersion = .*must equal the primary"
    ):
        run_both({"dr": {"trading-dr:dbEngineVersion": "8.0.mysql_aurora.3.09.0"}})


@pytest.mark.parametrize("stack", STACKS)
def test_each_regional_cluster_follows_the_database_settings(stacks, stack):
    run = stacks[STACKS.index(stack)]
    database = run.settings.database
    cluster = run.one(CLUSTER)
    inputs = cluster.inputs
    assert inputs["backupRetentionPeriod"] == database.backup_retention_days >= 7
    assert inputs["preferredBackupWindow"] == database.backup_window
    assert inputs["preferredMaintenanceWindow"] == database.maintenance_window
    assert inputs["deletionProtection"] is True
    assert inputs["copyTagsToSnapshot"] is True
    assert inputs["iamDatabaseAuthenticationEnabled"] is True
    assert inputs["enabledCloudwatchLogsExports"] == ["audit", "error", "slowquery"]
    assert inputs.get("skipFinalSnapshot") is False and inputs["finalSnapshotIdentifier"]
    assert "backtrackWindow" not in inputs  # not supported on global databases (recorded)


@pytest.mark.parametrize("stack", STACKS)
def test_the_cluster_lives_in_the_data_subnets_behind_the_db_security_group(stacks, stack):
    run = stacks[STACKS.index(stack)]
    cluster = run.one(CLUSTER)
    subnet_group = run.one(SUBNET_GROUP)
    data_subnet_ids = {
        s.id for s in run.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "data"
    }
    assert set(subnet_group.inputs["subnetIds"]) == data_subnet_ids and len(data_subnet_ids) == 3
    assert cluster.inputs["dbSubnetGroupName"] == subnet_group.outputs["name"]
    db_group = run.one("aws:ec2/securityGroup:SecurityGroup", "home-sg-db")
    assert cluster.inputs["vpcSecurityGroupIds"] == [db_group.id]


@pytest.mark.parametrize("stack", STACKS)
def test_the_cluster_parameter_group_forces_tls(stacks, stack):
    run = stacks[STACKS.index(stack)]
    group = run.one(PARAMS)
    assert run.one(CLUSTER).inputs["dbClusterParameterGroupName"] == group.outputs["name"]
    assert group.inputs["family"] == "aurora-mysql8.0"
    parameters = {p["name"]: p["value"] for p in group.inputs["parameters"]}
    assert parameters["require_secure_transport"] == "ON"


def test_postgresql_gets_its_family_tls_parameter_and_log_exports():
    overrides = {"trading-dr:dbEngine": "aurora-postgresql"}
    primary, dr = run_both({"primary": overrides, "dr": overrides})
    for run in (primary, dr):
        group = run.one(PARAMS)
        assert group.inputs["family"] == "aurora-postgresql16"
        parameters = {p["name"]: p["value"] for p in group.inputs["parameters"]}
        assert parameters["rds.force_ssl"] == "1"
        assert run.one(CLUSTER).inputs["enabledCloudwatchLogsExports"] == ["postgresql"]
        assert run.one(CLUSTER).inputs["port"] == 5432
    assert primary.one(GLOBAL_CLUSTER).inputs["engine"] == "aurora-postgresql"


@pytest.mark.parametrize("stack", STACKS)
def test_instances_are_private_spread_over_azs_and_monitored(stacks, stack):
    run = stacks[STACKS.index(stack)]
    instances = run.of_type(INSTANCE)
    assert instances
    monitoring_role = run.one("aws:iam/role:Role", "home-data-aurora-monitoring")
    zones = [i.inputs["availabilityZone"] for i in instances]
    assert len(set(zones)) == len(zones), f"instances share an AZ: {zones}"
    for instance in instances:
        assert instance.inputs["publiclyAccessible"] is False
        assert instance.inputs["clusterIdentifier"] == run.one(CLUSTER).id
        assert instance.inputs["monitoringInterval"] > 0
        assert instance.inputs["monitoringRoleArn"] == monitoring_role.outputs["arn"]
        assert instance.inputs["performanceInsightsEnabled"] is True
        assert instance.inputs["autoMinorVersionUpgrade"] is False  # upgrades go through the global cluster


@pytest.mark.parametrize("tier", TIERS)
def test_instance_counts_follow_the_tier(tier):
    overrides = {"trading-dr:tier": tier}
    primary, dr = run_both({"primary": overrides, "dr": overrides})
    expected_primary, expected_dr = EXPECTED_INSTANCES[tier]
    assert len(primary.of_type(INSTANCE)) == expected_primary
    assert len(dr.of_type(INSTANCE)) == expected_dr
    # Headless or not, the DR region always has its secondary cluster (the data replicates).
    assert len(dr.of_type(CLUSTER)) == 1


# --- Encryption: a customer-managed key of the data's own region -------------------------


def test_every_data_store_is_encrypted_with_its_own_regions_cmk(primary, dr):
    keys = keys_by_region(primary, dr)
    assert set(keys) == {"us-east-1", "us-west-2"}
    checked: list[str] = []
    for run in (primary, dr):
        for cluster in run.of_type(CLUSTER):
            assert cluster.inputs["storageEncrypted"] is True
            assert cluster.inputs["kmsKeyId"] == keys[cluster.region]
            checked.append(cluster.urn)
        for instance in run.of_type(INSTANCE):
            assert instance.inputs["performanceInsightsKmsKeyId"] == keys[instance.region]
            checked.append(instance.urn)
        for table in run.of_type(TABLE):
            sse = table.inputs["serverSideEncryption"]
            assert sse["enabled"] is True and sse["kmsKeyArn"] == keys[table.region]
            checked.append(table.urn)
        for replica in run.of_type(REPLICA):
            assert replica.inputs["kmsKeyArn"] == keys[replica.region]
            checked.append(replica.urn)
        for secret in run.of_type(SECRET):
            assert secret.inputs["kmsKeyId"] == keys[secret.region]
            checked.append(secret.urn)
        for vault in run.of_type(VAULT):
            assert vault.inputs["kmsKeyArn"] == keys[vault.region]
            checked.append(vault.urn)
        for bucket in documents_buckets(run):
            (sse,) = [s for s in run.of_type(SSE) if s.inputs["bucket"] == bucket.id]
            default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
            assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": keys[bucket.region]}
            checked.append(bucket.urn)
    # 2 clusters, 4 instances, 2 global tables + 2 orchestrator control tables, 2 replicas,
    # 2 secrets, 2 vaults, 2 buckets.
    assert len(checked) == 18


def test_only_the_access_log_buckets_use_sse_s3(primary, dr):
    # S3 server access logging delivers only to SSE-S3 buckets: the one recorded exception.
    for run in (primary, dr):
        for sse in run.of_type(SSE):
            bucket = resource_with_id([run], BUCKET, sse.inputs["bucket"])
            algorithm = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
            # ... and the orchestrator's signed-code artifacts (docs/SECURITY.md, "Recorded exceptions").
            sse_s3 = "access-logs" in bucket.inputs["bucket"] or "failover-code" in bucket.inputs["bucket"]
            expected = "AES256" if sse_s3 else "aws:kms"
            assert algorithm == expected, bucket.inputs["bucket"]


def test_every_key_policy_grants_the_data_services(primary, dr):
    for run in (primary, dr):
        policy = json.loads(run.one(KEY, "home-keys-key").inputs["policy"])
        via = {
            s["Condition"]["StringEquals"]["kms:ViaService"].split(".")[0]
            for s in policy["Statement"]
            if "kms:ViaService" in s.get("Condition", {}).get("StringEquals", {})
        }
        assert {"rds", "dynamodb", "s3", "secretsmanager", "backup"} <= via


# --- DynamoDB global tables ---------------------------------------------------------------


def test_the_tables_are_on_demand_recoverable_streamed_and_ignore_replicas(primary, dr):
    assert not global_tables(dr)
    tables = global_tables(primary)
    assert {t.inputs["name"] for t in tables} == {"trading-dr-sessions", "trading-dr-config"}
    for table in tables:
        inputs = table.inputs
        assert inputs["billingMode"] == "PAY_PER_REQUEST"
        assert inputs["pointInTimeRecovery"]["enabled"] is True
        assert inputs["deletionProtectionEnabled"] is True
        assert inputs["streamEnabled"] is True and inputs["streamViewType"] == "NEW_AND_OLD_IMAGES"
        assert "replicas" in table.options.ignore_changes
    sessions = primary.one(TABLE, "global-tables-sessions")
    assert sessions.inputs["ttl"] == {"attributeName": "expiresAt", "enabled": True}


def test_every_table_has_a_replica_in_the_dr_region(primary, dr):
    replicas = dr.of_type(REPLICA)
    for table in global_tables(primary):
        mine = [r for r in replicas if r.inputs["globalTableArn"] == table.outputs["arn"]]
        assert len(mine) == 1, f"{table.inputs['name']} has {len(mine)} replicas"
        replica = mine[0]
        assert replica.region == dr.settings.home_region != table.region
        assert replica.inputs["pointInTimeRecovery"] is True
    assert len(replicas) == len(global_tables(primary))


# --- S3: both directions -------------------------------------------------------------------


def test_documents_buckets_are_versioned_private_tls_only_and_logged(primary, dr):
    for run in (primary, dr):
        (bucket,) = documents_buckets(run)
        related = [r for r in run.resources if r.inputs.get("bucket") == bucket.id]
        by_type = {r.type: r for r in related}
        versioning = by_type[VERSIONING].inputs["versioningConfiguration"]
        assert versioning["status"] == "Enabled"
        block = by_type["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"].inputs
        assert all(block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls"))
        assert block["restrictPublicBuckets"] is True
        ownership = by_type["aws:s3/bucketOwnershipControls:BucketOwnershipControls"].inputs
        assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"
        policy = json.loads(by_type["aws:s3/bucketPolicy:BucketPolicy"].inputs["policy"])
        deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
        assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        lifecycle = by_type["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"].inputs
        assert any("noncurrentVersionExpiration" in rule for rule in lifecycle["rules"])
        logging = by_type["aws:s3/bucketLogging:BucketLogging"].inputs
        log_bucket = resource_with_id([run], BUCKET, logging["targetBucket"])
        assert "access-logs" in log_bucket.inputs["bucket"] and log_bucket.region == bucket.region


def test_every_bucket_replicates_to_the_peer_region_and_back(primary, dr):
    keys = keys_by_region(primary, dr)
    buckets = {b.region: b for run in (primary, dr) for b in documents_buckets(run)}
    assert set(buckets) == {"us-east-1", "us-west-2"}
    configs = dr.of_type(REPLICATION)
    assert not primary.of_type(REPLICATION), "replication belongs to the dr stack"
    for region, source in buckets.items():
        (destination,) = [b for r, b in buckets.items() if r != region]
        mine = [c for c in configs if c.inputs["bucket"] == source.outputs["bucket"]]
        assert len(mine) == 1, f"{source.inputs['bucket']} has {len(mine)} replication configurations"
        config = mine[0]
        assert config.region == source.region  # configured in the source bucket's region
        (rule,) = config.inputs["rules"]
        assert rule["status"] == "Enabled"
        assert rule["deleteMarkerReplication"]["status"] == "Enabled"
        assert rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled"
        target = rule["destination"]
        assert target["bucket"] == destination.outputs["arn"]
        assert target["encryptionConfiguration"]["replicaKmsKeyId"] == keys[destination.region]
        assert target["replicationTime"]["status"] == "Enabled"
        assert target["metrics"]["status"] == "Enabled"


def test_replication_waits_for_versioning_and_its_role_can_use_both_keys(primary, dr):
    keys = keys_by_region(primary, dr)
    (dr_bucket,) = documents_buckets(dr)
    versioning = [v for v in dr.of_type(VERSIONING) if v.inputs["bucket"] == dr_bucket.id]
    documents = [c for c in dr.of_type(REPLICATION) if "documents" in str(c.inputs["bucket"])]
    assert len(documents) == 2
    for config in documents:
        assert versioning[0].urn in config.options.depends_on
    policy = json.loads(
        dr.one("aws:iam/rolePolicy:RolePolicy", "data-replication-buckets-policy").inputs["policy"]
    )
    key_statements = {s["Resource"]: s for s in policy["Statement"] if s["Sid"].startswith("UseKey")}
    assert set(key_statements) == set(keys.values())
    for region, key in keys.items():
        via = key_statements[key]["Condition"]["StringEquals"]["kms:ViaService"]
        assert via == f"s3.{region}.amazonaws.com"


# --- AWS Backup ----------------------------------------------------------------------------


def test_backups_copy_to_the_peer_regions_vault(primary, dr):
    vaults = {run.settings.home_region: run.one(VAULT) for run in (primary, dr)}
    for run in (primary, dr):
        plan = run.one(PLAN)
        (rule,) = plan.inputs["rules"]
        assert rule["targetVaultName"] == vaults[run.settings.home_region].outputs["name"]
        assert rule["schedule"] == run.settings.backup.schedule
        (copy,) = rule["copyActions"]
        peer_vault = vaults[run.settings.peer_region]
        assert copy["destinationVaultArn"] == peer_vault.outputs["arn"]
        assert copy["lifecycle"]["deleteAfter"] == run.settings.backup.delete_after_days


def test_the_backup_selection_covers_the_cluster_and_the_tables(primary, dr):
    for run, tables in ((primary, global_tables(primary)), (dr, dr.of_type(REPLICA))):
        selection = run.one(SELECTION)
        expected = {run.one(CLUSTER).outputs["arn"], *(t.outputs["arn"] for t in tables)}
        assert len(expected) == 3
        assert set(selection.inputs["resources"]) == expected
        assert (
            selection.inputs["iamRoleArn"]
            == run.one("aws:iam/role:Role", "home-data-backup-role").outputs["arn"]
        )


# --- Credentials ---------------------------------------------------------------------------


def test_each_region_keeps_the_credentials_in_its_own_secret(primary, dr):
    for run in (primary, dr):
        secret = run.one(SECRET)
        assert run.exports["dbSecretArn"] == secret.outputs["arn"]
        version = run.one("aws:secretsmanager/secretVersion:SecretVersion")
        assert version.inputs["secretId"] == secret.id
        assert "secretString" in version.secret_inputs
        value = json.loads(version.inputs["secretString"])
        assert value["host"] == run.one(CLUSTER).outputs["endpoint"]  # the local cluster
    password = primary.one(PASSWORD).outputs["result"]
    for run in (primary, dr):
        value = json.loads(run.one("aws:secretsmanager/secretVersion:SecretVersion").inputs["secretString"])
        assert value["password"] == password


def test_the_password_appears_in_no_stack_config_and_no_plaintext_output(primary, dr):
    password = primary.one(PASSWORD).outputs["result"]
    assert len(password) >= 32
    assert primary.one(PASSWORD).inputs["length"] >= 32
    for stack in STACKS:
        config = effective_config(stack)
        assert not [key for key in config if "password" in key.lower()]
        assert password not in json.dumps(config, default=str)
    for run in (primary, dr):
        plaintext = {k: v for k, v in run.exports.items() if k not in run.secret_exports}
        assert password not in json.dumps(plaintext, default=str), f"{run.stack} exports it in plaintext"
        for resource in run.resources:
            if resource.type == PASSWORD:
                continue
            for name, value in resource.inputs.items():
                if password in json.dumps(value, default=str):
                    assert name in resource.secret_inputs, f"{run.stack}: {resource.name}.{name} is plaintext"
    assert "dbMasterPassword" in primary.secret_exports


# --- Nothing lost ----------------------------------------------------------------------------

PROTECTED = (GLOBAL_CLUSTER, CLUSTER, TABLE, REPLICA, BUCKET, KEY, SECRET, VAULT)


# Not a data store: the orchestrator's signed-code artifacts, rebuilt from the repository on
# every `up` (components/failover/signing.py).
ARTIFACT_BUCKETS = {"home-failover-code-bucket"}


def data_stores(run: StackRun):
    return [r for r in run.resources if r.type in PROTECTED and r.name not in ARTIFACT_BUCKETS]


def test_data_stores_are_protected_by_default(primary, dr):
    for run in (primary, dr):
        stores = data_stores(run)
        assert stores
        unprotected = [r.name for r in stores if not r.options.protect]
        assert not unprotected, f"{run.stack}: not protected: {unprotected}"
    assert primary.one(GLOBAL_CLUSTER).options.retain_on_delete is True
    for run in (primary, dr):
        assert all(b.options.retain_on_delete for b in run.of_type(BUCKET) if b.name not in ARTIFACT_BUCKETS)
    assert all(t.options.retain_on_delete for t in global_tables(primary))


def test_protect_data_false_makes_a_disposable_stack():
    overrides = {"trading-dr:protectData": False}
    primary, dr = run_both({"primary": overrides, "dr": overrides})
    for run in (primary, dr):
        protected = [r.name for r in data_stores(run) if r.options.protect or r.options.retain_on_delete]
        assert not protected, f"{run.stack}: still protected: {protected}"
        assert run.one(CLUSTER).inputs["deletionProtection"] is False
    assert primary.one(GLOBAL_CLUSTER).inputs["deletionProtection"] is False
    assert all(t.inputs["deletionProtectionEnabled"] is False for t in global_tables(primary))


# --- Exports for the orchestrator and alarms ------------------------------------------------


def test_both_stacks_export_what_the_orchestrator_and_alarms_need(primary, dr):
    needed = {
        "globalClusterId",
        "auroraClusterId",
        "auroraClusterArn",
        "auroraEndpoint",
        "dbSecretArn",
        "sessionsTableName",
        "configTableName",
        "documentsBucket",
        "backupVaultName",
    }
    for run in (primary, dr):
        missing = needed - set(run.exports)
        assert not missing, f"{run.stack} misses {missing}"
        assert run.exports["auroraClusterId"] == run.one(CLUSTER).inputs["clusterIdentifier"]
        assert run.exports["auroraEndpoint"] == run.one(CLUSTER).outputs["endpoint"]
        assert run.exports["backupVaultName"] == run.one(VAULT).inputs["name"]


def test_the_regional_data_tree_is_the_same_in_both_stacks_and_in_the_plan(primary, dr):
    from ops.plan import PRIMARY_ONLY, SAME, symmetry

    rows = {row.path: row for row in symmetry(primary, dr)}
    data_rows = [row for path, row in rows.items() if path.startswith("home/home-data")]
    assert len(data_rows) == 5  # RegionalData and its four components
    assert all(row.status == SAME for row in data_rows), [(r.path, r.status) for r in data_rows]
    assert rows["global-database"].status == PRIMARY_ONLY
    assert rows["global-tables"].status == PRIMARY_ONLY
    assert "data-replication" in rows and rows["data-replication"].primary is None


def test_the_dr_stack_reads_the_primary_through_one_stack_reference(primary, dr):
    (reference,) = dr.of_type("pulumi:pulumi:StackReference")
    assert reference.inputs["name"] == dr.settings.primary_stack
    assert not primary.of_type("pulumi:pulumi:StackReference")
