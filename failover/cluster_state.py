"""What the home region's RDS endpoint says about the global cluster and our member of it.

It decides ELIGIBILITY (are we a member, is an operation in progress, do the engine
versions match) and whether we are the writer. It never decides that the peer is down:
AWS documents no survivor-side view of a dead primary (docs/ARCHITECTURE.md#down-or-cut-off),
so a member that still
reads "connected" while the primary's region is gone must not stop a promotion, and one
that reads anything else must not start one.

Managed cross-Region failover needs the same major and minor engine versions
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
FailoverState is "empty unless a switchover or failover operation is scheduled or is in
progress" (DescribeGlobalClusters); botocore lists pending / failing-over / cancelling and
the docs also switching-over, so any non-empty Status counts as in progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from failover.decision import Eligibility

# Global cluster statuses during which nobody should start another promotion.
_BUSY_STATUSES = {"failing-over", "switching-over", "modifying", "upgrading", "creating", "deleting"}


@dataclass(frozen=True)
class ClusterView:
    found: bool
    """The global cluster exists (after a detach and delete it may not)."""
    status: str | None = None
    writer_arn: str | None = None
    members: dict[str, dict] = field(default_factory=dict)
    """DBClusterArn -> the GlobalClusterMember record."""
    failover_state: dict | None = None
    engine: str | None = None
    engine_version: str | None = None
    local_member: bool = False
    local: dict | None = None
    """The home cluster as DescribeDBClusters returns it (None if it does not exist)."""

    @property
    def local_standalone_writer(self) -> bool:
        """The home cluster left the global cluster (an operator's detach) and is an
        available standalone writer."""
        c = self.local or {}
        return (
            not self.local_member
            and c.get("Status") == "available"
            and not c.get("ReplicationSourceIdentifier")
            and not c.get("GlobalClusterIdentifier")
        )

    def local_is_writer(self, local_arn: str) -> bool:
        return self.writer_arn == local_arn or self.local_standalone_writer

    @property
    def operation_in_progress(self) -> bool:
        return bool((self.failover_state or {}).get("Status")) or self.status in _BUSY_STATUSES

    def operation_targets(self, local_arn: str) -> bool:
        """An operation in progress whose target is our cluster (accepted for us)."""
        return self.operation_in_progress and (self.failover_state or {}).get("ToDbClusterArn") == local_arn

    @property
    def headless(self) -> bool:
        return self.local is not None and not self.local.get("DBClusterMembers")

    def eligibility(self, local_arn: str) -> Eligibility:
        if not self.found:
            return Eligibility(False, reason="the global cluster does not exist")
        if self.operation_in_progress:
            return Eligibility(
                False, in_progress=True, reason=f"operation in progress: {self.failover_state}"
            )
        if not self.local_member:
            return Eligibility(False, reason="this region's cluster is not a member of the global cluster")
        if self.local is None:
            return Eligibility(False, reason="this region's cluster cannot be described")
        local_engine, local_version = self.local.get("Engine"), self.local.get("EngineVersion")
        if self.engine and local_engine and local_engine != self.engine:
            return Eligibility(False, reason=f"engine {local_engine} differs from the global {self.engine}")
        if self.engine_version and local_version and _minor(local_version) != _minor(self.engine_version):
            return Eligibility(
                False,
                reason=f"engine version {local_version} differs from the global {self.engine_version} "
                "(managed failover needs the same major and minor version)",
            )
        return Eligibility(True)

    def as_dict(self) -> dict:
        return {
            "found": self.found,
            "status": self.status,
            "writer_arn": self.writer_arn,
            "members": sorted(self.members),
            "failover_state": self.failover_state,
            "local_member": self.local_member,
            "local_standalone_writer": self.local_standalone_writer,
            "headless": self.headless,
        }


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def read_cluster_view(rds, global_cluster_id: str, local_cluster_id: str, local_arn: str) -> ClusterView:
    """Describe the global cluster and our own cluster through the home region's RDS client.
    AWS errors other than not-found propagate (the caller counts them as "cannot reach RDS")."""
    try:
        found = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)["GlobalClusters"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "GlobalClusterNotFoundFault":
            raise
        found = []
    try:
        local = rds.describe_db_clusters(DBClusterIdentifier=local_cluster_id)["DBClusters"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] != "DBClusterNotFoundFault":
            raise
        local = None
    # Match the id ourselves: some implementations (moto) ignore the filter.
    cluster = next((g for g in found if g.get("GlobalClusterIdentifier") == global_cluster_id), None)
    if cluster is None:
        return ClusterView(found=False, local=local)
    members = {m["DBClusterArn"]: m for m in cluster.get("GlobalClusterMembers", [])}
    writer = next((arn for arn, m in members.items() if m.get("IsWriter")), None)
    return ClusterView(
        found=True,
        status=cluster.get("Status"),
        writer_arn=writer,
        members=members,
        failover_state=cluster.get("FailoverState") or None,
        engine=cluster.get("Engine"),
        engine_version=cluster.get("EngineVersion"),
        local_member=local_arn in members,
        local=local,
    )
