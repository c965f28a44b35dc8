"""The RDS side of a promotion, always through the HOME region's RDS endpoint, each call
idempotent and reconciled:

- FailoverGlobalCluster(AllowDataLoss=True) must be called in the target secondary's region
  (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html);
- SwitchoverGlobalCluster for planned moves and failback;
- on EVERY error the global cluster is described again: already the writer? an operation
  already targeting us (the call was accepted and its response lost)? someone else's
  operation in progress? Only then is the call retried, with backoff. AWS does not map
  "already in progress" to one error code (InvalidGlobalClusterStateFault or
  InvalidDBClusterStateFault), so the describe decides, not the code.
- there is NO RemoveFromGlobalCluster here: a detach is irreversible and unfenced, so it is
  only a separate operator command (ops/failover_cmd.py run_detach) that first confirms
  through ARC that the old region is fenced. A refused switchover stays refused.

A headless (pilot-light) home cluster gets a writer instance first: "Before you can perform
a switchover or failover to a headless secondary Aurora DB cluster, you must add a DB
instance to it" (same page).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from failover.cluster_state import ClusterView
from failover.events import FAILOVER, SWITCHOVER

UNPLANNED_SNAPSHOT_PREFIX = "rds:unplanned-global-failover-"
# Errors after which a retry may succeed (throttling, 5xx, timeouts); anything else that
# the describe does not explain is a refusal.
_TRANSIENT = {
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalFailure",
    "ServiceUnavailable",
}


def writer_instance_id(cluster_id: str) -> str:
    """The instance a headless cluster gets before its promotion (IAM names it too)."""
    return f"{cluster_id}-failover-writer"


@dataclass(frozen=True)
class StepOutcome:
    status: str
    """done (move on), wait (poll again at the next evaluation), failed (retry and page),
    refused (a planned move the cluster will not make: the execution ends, nothing else)."""
    detail: str = ""


DONE, WAIT, FAILED, REFUSED = "done", "wait", "failed", "refused"


def _code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "")
    return type(error).__name__


def _transient(error: Exception) -> bool:
    if isinstance(error, BotoCoreError):
        return True  # connection errors, timeouts
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)  # type: ignore[attr-defined]
    return _code(error) in _TRANSIENT or status >= 500


def reconcile(view: ClusterView, local_arn: str) -> StepOutcome | None:
    """What the global cluster says about our promotion, or None if it says nothing."""
    if view.local_is_writer(local_arn) and not view.operation_in_progress:
        return StepOutcome(DONE, "this region's cluster is the writer")
    if view.operation_targets(local_arn):
        return StepOutcome(DONE, f"accepted: {view.failover_state}")
    if view.operation_in_progress:
        return StepOutcome(WAIT, f"another operation is in progress: {view.failover_state}")
    return None


def request_promotion(
    rds,
    kind: str,
    global_cluster_id: str,
    local_arn: str,
    read_view: Callable[[], ClusterView],
    sleep: Callable[[float], None],
    attempts: int = 3,
    backoff: float = 0.5,
) -> StepOutcome:
    """Ask for the promotion unless the global cluster already shows it; reconcile every
    error by describing; retry transient ones with backoff (kept short: the next evaluation
    tries again)."""
    if kind not in (FAILOVER, SWITCHOVER):
        raise ValueError(f"unknown promotion {kind!r}")
    known = reconcile(read_view(), local_arn)
    if known is not None:
        return known
    last = ""
    for attempt in range(attempts):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        try:
            if kind == FAILOVER:
                rds.failover_global_cluster(
                    GlobalClusterIdentifier=global_cluster_id,
                    TargetDbClusterIdentifier=local_arn,
                    AllowDataLoss=True,
                )
            else:
                rds.switchover_global_cluster(
                    GlobalClusterIdentifier=global_cluster_id, TargetDbClusterIdentifier=local_arn
                )
            return StepOutcome(DONE, f"{kind} requested")
        except (ClientError, BotoCoreError) as error:
            last = f"{kind}: {_code(error)}: {error}"
            try:
                known = reconcile(read_view(), local_arn)
            except (ClientError, BotoCoreError) as describe_error:
                known, last = None, f"{last}; describe: {describe_error}"
            if known is not None:
                return known
            if not _transient(error):
                # Not throttling/5xx and the describe shows nothing of ours: refused.
                # A planned move ends here; an unplanned one is retried at the next
                # evaluation (the cluster may become ready). Never a detach.
                return StepOutcome(REFUSED if kind == SWITCHOVER else FAILED, last)
    return StepOutcome(FAILED, last)


def ensure_writer_instance(rds, view: ClusterView, cluster_id: str, instance_class: str) -> StepOutcome:
    """Add a writer instance to a headless home cluster (non-blocking: the next step polls)."""
    if not view.headless:
        return StepOutcome(DONE, "the cluster has instances")
    if not instance_class:
        return StepOutcome(FAILED, f"{cluster_id} is headless and FAILOVER_WRITER_INSTANCE_CLASS is not set")
    instance_id = writer_instance_id(cluster_id)
    try:
        rds.create_db_instance(
            DBInstanceIdentifier=instance_id,
            DBClusterIdentifier=cluster_id,
            Engine=(view.local or {})["Engine"],
            DBInstanceClass=instance_class,
            # CreateDBInstance applies minor engine upgrades automatically unless told not
            # to ("By default, minor engine upgrades are applied automatically",
            # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html);
            # the members of a global database stay on one engine version, so the program's
            # instances turn it off (components/data/aurora.py) and so does this one.
            AutoMinorVersionUpgrade=False,
        )
    except ClientError as error:
        if _code(error) != "DBInstanceAlreadyExists":
            raise
    return StepOutcome(DONE, f"{instance_id} requested")


def instance_available(rds, instance_id: str) -> bool:
    try:
        instances = rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"]
    except ClientError as error:
        if _code(error) == "DBInstanceNotFound":
            return False
        raise
    return bool(instances) and instances[0].get("DBInstanceStatus") == "available"


def writer_instance_ready(rds, view: ClusterView, cluster_id: str) -> StepOutcome:
    """Wait until the (added) writer instance of a headless cluster is available."""
    members = (view.local or {}).get("DBClusterMembers") or []
    ids = [m["DBInstanceIdentifier"] for m in members] or [writer_instance_id(cluster_id)]
    if any(instance_available(rds, i) for i in ids):
        return StepOutcome(DONE, "an instance is available")
    return StepOutcome(WAIT, f"waiting for {', '.join(ids)} to be available")


def local_writer_ready(rds, view: ClusterView, local_arn: str) -> StepOutcome:
    """Our cluster is the writer, no operation is in progress, and its writer instance is
    available."""
    if not view.local_is_writer(local_arn) or view.operation_in_progress:
        return StepOutcome(WAIT, f"writer {view.writer_arn}, operation {view.failover_state}")
    members = (view.local or {}).get("DBClusterMembers") or []
    writer = next((m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")), None)
    if writer is None:
        return StepOutcome(WAIT, "the cluster has no writer instance yet")
    if not instance_available(rds, writer):
        return StepOutcome(WAIT, f"writer instance {writer} is not available yet")
    return StepOutcome(DONE, f"writer instance {writer} available")


def test_write(
    rds_data,
    view: ClusterView,
    local_arn: str,
    secret_arn: str,
    database: str,
    epoch: int,
    execution_id: str,
    region: str,
) -> StepOutcome:
    """A write on the new writer through the RDS Data API (Lambda ships no DB driver).
    It writes the fencing epoch as a row, so the app and the operator can read it on the
    writer. The Data API reaches the cluster by its ARN, which after the promotion is the
    cluster behind the global writer endpoint; it is not the endpoint's DNS name itself."""
    if not secret_arn or rds_data is None:
        return StepOutcome(
            DONE, "not verified: FAILOVER_DATA_API_SECRET_ARN not set; the first app write verifies"
        )
    postgres = "postgres" in ((view.local or {}).get("Engine") or "")
    create = (
        "CREATE TABLE IF NOT EXISTS trading_dr_failover_epochs "
        "(epoch BIGINT PRIMARY KEY, region VARCHAR(32) NOT NULL, execution_id VARCHAR(200) NOT NULL)"
    )
    # Constant SQL; the values travel as Data API parameters.
    insert = (
        "INSERT INTO trading_dr_failover_epochs (epoch, region, execution_id) "
        "VALUES (:epoch, :region, :id) ON CONFLICT (epoch) DO NOTHING"
        if postgres
        else "INSERT IGNORE INTO trading_dr_failover_epochs (epoch, region, execution_id) "
        "VALUES (:epoch, :region, :id)"
    )
    parameters = [
        {"name": "epoch", "value": {"longValue": epoch}},
        {"name": "region", "value": {"stringValue": region}},
        {"name": "id", "value": {"stringValue": execution_id}},
    ]
    common = {"resourceArn": local_arn, "secretArn": secret_arn, "database": database}
    rds_data.execute_statement(sql=create, **common)
    rds_data.execute_statement(sql=insert, parameters=parameters, **common)
    return StepOutcome(DONE, "verified: epoch row written through the RDS Data API")


def preserve_failover_snapshots(rds) -> list[str]:
    """Copy every `rds:unplanned-global-failover-*` system snapshot in the home region to a
    manual snapshot: the system one is "subject to the backup retention period configured
    on the old primary cluster ... you can copy it to save it as a manual snapshot" (AWS
    DR page above). It is taken of the OLD primary's storage, so it appears where that
    cluster lives once its region is back; every orchestrator runs this for its own region,
    and the copy is idempotent (named after the source)."""
    copied = []
    snapshots = _all_snapshots(rds, "automated")
    existing = {s["DBClusterSnapshotIdentifier"] for s in _all_snapshots(rds, "manual")}
    for snapshot in snapshots:
        source = snapshot["DBClusterSnapshotIdentifier"]
        if not source.startswith(UNPLANNED_SNAPSHOT_PREFIX):
            continue
        target = kept_snapshot_id(source)
        if target in existing:
            continue
        if snapshot.get("Status") != "available":
            # The source "must specify a valid source snapshot in the 'available' state"
            # (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html):
            # one still being created is copied by a later invocation.
            continue
        try:
            rds.copy_db_cluster_snapshot(
                SourceDBClusterSnapshotIdentifier=source,
                TargetDBClusterSnapshotIdentifier=target,
                CopyTags=True,
            )
        except ClientError as error:
            # Another invocation copied it between our read and this call: kept all the same.
            # AWS lists the fault as DBClusterSnapshotAlreadyExistsFault; whether the code on
            # the wire carries the "Fault" suffix is not documented, so both count.
            if _code(error) not in ("DBClusterSnapshotAlreadyExistsFault", "DBClusterSnapshotAlreadyExists"):
                raise
        copied.append(target)
    return copied


def _all_snapshots(rds, kind: str) -> list[dict]:
    """Every cluster snapshot of a type in the home region, following the Marker pages."""
    snapshots, marker = [], None
    while True:
        page = rds.describe_db_cluster_snapshots(SnapshotType=kind, **({"Marker": marker} if marker else {}))
        snapshots.extend(page.get("DBClusterSnapshots", []))
        marker = page.get("Marker")
        if not marker:
            return snapshots


KEPT_PREFIX = "kept-unplanned-global-failover-"


def kept_snapshot_id(source: str) -> str:
    """The manual copy's id: KEPT_PREFIX + a digest of the source's name, so the same source
    always gives the same id (the copy is idempotent) and it fits CopyDBClusterSnapshot's
    TargetDBClusterSnapshotIdentifier: 1 to 63 letters, digits or hyphens, a letter first, no
    trailing or double hyphen
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html).
    The source's own name (rds:unplanned-global-failover-<cluster>-<timestamp>) is already
    over 63 characters for our clusters, so it cannot be kept in the id itself."""
    return KEPT_PREFIX + hashlib.sha256(source.encode()).hexdigest()[:16]
