"""Protected stacks keep their data; disposable ones (protectData=false) can be destroyed and
created again: final snapshots, the DR table replicas' deletion protection and the DB secret's
recovery window (a one-line change of protectData flips them), and buckets `destroy` may empty."""

from __future__ import annotations

import re

import pytest

from ops.mock_engine import run_both

CLUSTER = "aws:rds/cluster:Cluster"
RANDOM_ID = "random:index/randomId:RandomId"
SECRET = "aws:secretsmanager/secret:Secret"
REPLICA = "aws:dynamodb/tableReplica:TableReplica"
BUCKET = "aws:s3/bucket:Bucket"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
# DeleteDBCluster FinalDBSnapshotIdentifier: 1-255 letters, digits, hyphens; a letter first;
# no "--"; no trailing hyphen. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html
SNAPSHOT_ID = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)")


@pytest.fixture(scope="module")
def disposable():
    overrides = {"trading-dr:protectData": False}
    return run_both({"primary": overrides, "dr": overrides})


def _log_bucket_ids(run) -> set[str]:
    """Buckets that receive logs: the SSE-S3 access-log targets and the trail's bucket."""
    sse_s3 = {
        e.inputs["bucket"]
        for e in run.of_type(ENCRYPTION)
        if e.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    }
    trail = {t.inputs["s3BucketName"] for t in run.of_type("aws:cloudtrail/trail:Trail")}
    return sse_s3 | trail


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_final_snapshot_identifier_is_new_for_each_incarnation_of_the_cluster(by_stack, stack):
    """DeleteDBCluster fails with DBClusterSnapshotAlreadyExistsFault when the identifier is
    taken (same URL): a fixed `<cluster>-final` blocks the second destroy of a re-created
    stack. The suffix is a random id kept for the cluster's life (keepers: identifier, key)."""
    run = by_stack[stack]
    cluster = run.one(CLUSTER)
    identifier = cluster.inputs["finalSnapshotIdentifier"]
    assert cluster.inputs["skipFinalSnapshot"] is False
    assert SNAPSHOT_ID.fullmatch(identifier), identifier
    suffix = run.one(RANDOM_ID)
    assert suffix.inputs["keepers"]["cluster"] == cluster.inputs["clusterIdentifier"]
    assert suffix.inputs["keepers"]["kms_key"] == cluster.inputs["kmsKeyId"]
    assert identifier == f"{cluster.inputs['clusterIdentifier']}-final-{suffix.outputs['hex']}"
    assert suffix.provider_urn and "random" in suffix.provider_urn


def test_a_protected_secret_keeps_a_recovery_window(primary, dr):
    """Deleting the DB secret without a recovery window loses the only copy of the master
    password in that region: protected stacks keep the 7-30 day window
    (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html)."""
    for run in (primary, dr):
        assert 7 <= run.one(SECRET).inputs["recoveryWindowInDays"] <= 30


def test_a_disposable_secret_is_deleted_at_once_so_its_name_can_be_reused(disposable):
    """A name scheduled for deletion cannot be created again until its window ends (same URL);
    0 is "force deletion without recovery"."""
    for run in disposable:
        assert run.one(SECRET).inputs["recoveryWindowInDays"] == 0


def test_the_dr_table_replicas_are_protected_from_deletion(dr):
    """DynamoDB deletion protection on each replica, and pulumi protect, in a protected stack
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection)."""
    replicas = dr.of_type(REPLICA)
    assert replicas
    for replica in replicas:
        assert replica.inputs["deletionProtectionEnabled"] is True, replica.name
        assert replica.options.protect and replica.options.retain_on_delete


def test_disposable_table_replicas_can_be_deleted(disposable):
    _, dr = disposable
    assert all(r.inputs["deletionProtectionEnabled"] is False for r in dr.of_type(REPLICA))


def test_buckets_are_emptied_on_destroy_only_in_a_disposable_stack(stacks, disposable):
    """A versioned bucket must be empty of every version to be deleted
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html): force_destroy
    follows protectData. Disposable stacks force-destroy every bucket, the documents buckets
    included (replication fills them from the peer, so `destroy` would otherwise fail);
    protected stacks never force-destroy a data or log bucket."""

    # The orchestrator's signed-code artifacts are rebuilt from the repository on every up
    # (components/failover/signing.py): always disposable, never data.
    def artifacts(run):
        return {b.id for b in run.of_type(BUCKET) if b.name.endswith("-failover-code-bucket")}

    for run in stacks:
        assert all(b.inputs["forceDestroy"] is (b.id in artifacts(run)) for b in run.of_type(BUCKET))
    for run in disposable:
        assert _log_bucket_ids(run)
        documents = [b for b in run.of_type(BUCKET) if b.inputs["bucket"].startswith("trading-dr-documents-")]
        assert len(documents) == 1, [b.name for b in run.of_type(BUCKET)]
        for bucket in run.of_type(BUCKET):
            assert bucket.inputs["forceDestroy"] is True, bucket.name
