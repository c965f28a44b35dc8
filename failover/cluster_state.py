"""What the home region's RDS endpoint says about the global cluster and our member of it.
Shared by the signals (is the peer's writer healthy?) and the actions (are we the writer yet?)."""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

# FailoverState.Status values that mean an operation is under way.
_IN_PROGRESS = {"pending", "failing-over", "cancelling"}
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
    local_member: bool = False
    local_standalone_writer: bool = False
    """The home cluster left the global cluster (detach) and is an available writer."""

    def local_is_writer(self, local_arn: str) -> bool:
        return self.writer_arn == local_arn or self.local_standalone_writer

    @property
    def operation_in_progress(self) -> bool:
        state = (self.failover_state or {}).get("Status")
        return state in _IN_PROGRESS or self.status in _BUSY_STATUSES

    def as_dict(self) -> dict:
        return {
            "found": self.found,
            "status": self.status,
            "writer_arn": self.writer_arn,
            "members": sorted(self.members),
            "failover_state": self.failover_state,
            "local_member": self.local_member,
            "local_standalone_writer": self.local_standalone_writer,
        }


def read_cluster_view(rds, global_cluster_id: str, local_cluster_id: str, local_arn: str) -> ClusterView:
    """Describe the global cluster (and, if we are not a member, our own cluster) through
    the home region's RDS client. AWS errors other than not-found propagate."""
    try:
        found = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)["GlobalClusters"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "GlobalClusterNotFoundFault":
            raise
        found = []
    # Match the id ourselves: some implementations (moto) ignore the filter.
    cluster = next((g for g in found if g.get("GlobalClusterIdentifier") == global_cluster_id), None)
    if cluster is None:
        return ClusterView(found=False, local_standalone_writer=_standalone_writer(rds, local_cluster_id))
    members = {m["DBClusterArn"]: m for m in cluster.get("GlobalClusterMembers", [])}
    writer = next((arn for arn, m in members.items() if m.get("IsWriter")), None)
    local_member = local_arn in members
    return ClusterView(
        found=True,
        status=cluster.get("Status"),
        writer_arn=writer,
        members=members,
        failover_state=cluster.get("FailoverState"),
        local_member=local_member,
        local_standalone_writer=not local_member and _standalone_writer(rds, local_cluster_id),
    )


def _standalone_writer(rds, local_cluster_id: str) -> bool:
    # A detached (RemoveFromGlobalCluster) cluster is a standalone regional writer: it
    # replicates from nobody and is no member of any global cluster.
    try:
        cluster = rds.describe_db_clusters(DBClusterIdentifier=local_cluster_id)["DBClusters"][0]
    except ClientError as error:
        if error.response["Error"]["Code"] == "DBClusterNotFoundFault":
            return False
        raise
    return (
        cluster.get("Status") == "available"
        and not cluster.get("ReplicationSourceIdentifier")
        and not cluster.get("GlobalClusterIdentifier")
    )
