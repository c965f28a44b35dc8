"""Promotion of the home region's cluster, always through the home region's RDS endpoint:

- failover (unplanned): FailoverGlobalCluster with AllowDataLoss=True;
- switchover (planned): SwitchoverGlobalCluster, no data loss;
- detach: RemoveFromGlobalCluster, the fallback when a managed failover is refused; the
  home cluster leaves the global cluster and becomes a standalone writer.

A headless home cluster (pilot-light: storage replicated, no instance) first gets a writer
instance of writer_instance_class and waits for it, within the same time bound: promoting a
cluster with no compute would make a writer region that nothing can write to.

Then poll, bounded by promotion_timeout_seconds on the injected clock, until the home
cluster is the writer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from failover.cluster_state import ClusterView, read_cluster_view
from failover.config import OrchestratorConfig
from failover.events import FAILOVER, SWITCHOVER

DETACH = "detach"
ADD_WRITER = "add-writer-instance"


def writer_instance_id(cluster_id: str) -> str:
    """The instance a headless cluster gets before its promotion (IAM names it too)."""
    return f"{cluster_id}-failover-writer"


@dataclass
class PromotionResult:
    requested: str
    """failover or switchover."""
    performed: list[str] = field(default_factory=list)
    """API actions accepted by RDS, in order: failover, switchover, detach."""
    completed: bool = False
    """The home cluster is the writer."""
    waited_seconds: float = 0.0
    polls: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "requested": self.requested,
            "performed": self.performed,
            "completed": self.completed,
            "waited_seconds": self.waited_seconds,
            "polls": self.polls,
            "errors": self.errors,
        }


class Promoter:
    def __init__(
        self, rds, config: OrchestratorConfig, clock: Callable[[], float], sleep: Callable[[float], None]
    ):
        self.rds, self.config, self.clock, self.sleep = rds, config, clock, sleep

    def view(self) -> ClusterView:
        c = self.config
        return read_cluster_view(self.rds, c.global_cluster_id, c.local_cluster_id, c.local_cluster_arn)

    def promote(self, kind: str) -> PromotionResult:
        if kind not in (FAILOVER, SWITCHOVER):
            raise ValueError(f"unknown promotion {kind!r}")
        result = PromotionResult(requested=kind)
        c = self.config
        self._ensure_writer_instance(result)
        try:
            if kind == FAILOVER:
                self.rds.failover_global_cluster(
                    GlobalClusterIdentifier=c.global_cluster_id,
                    TargetDbClusterIdentifier=c.local_cluster_arn,
                    AllowDataLoss=True,
                )
            else:
                self.rds.switchover_global_cluster(
                    GlobalClusterIdentifier=c.global_cluster_id,
                    TargetDbClusterIdentifier=c.local_cluster_arn,
                )
            result.performed.append(kind)
        except (ClientError, BotoCoreError) as error:
            result.errors.append(f"{kind}: {error}")
            if kind == SWITCHOVER:
                # A planned switchover never falls back to a detach: nothing is on fire, and
                # a detach splits the global cluster for good.
                return result
            if not self._detach(result):
                return result
        self._wait_for_writer(result)
        return result

    def _ensure_writer_instance(self, result: PromotionResult) -> None:
        """Give a headless home cluster an instance and wait until it is available; any
        failure is recorded and the promotion still goes ahead (the storage is what holds the
        data; an operator can add compute, but cannot undo a missed promotion)."""
        c = self.config
        try:
            cluster = self.rds.describe_db_clusters(DBClusterIdentifier=c.local_cluster_id)["DBClusters"][0]
            if cluster.get("DBClusterMembers"):
                return
            if not c.writer_instance_class:
                result.errors.append(
                    f"{ADD_WRITER}: {c.local_cluster_id} is headless and no instance class is set"
                )
                return
            instance_id = writer_instance_id(c.local_cluster_id)
            self.rds.create_db_instance(
                DBInstanceIdentifier=instance_id,
                DBClusterIdentifier=c.local_cluster_id,
                Engine=cluster["Engine"],
                DBInstanceClass=c.writer_instance_class,
            )
            result.performed.append(ADD_WRITER)
            deadline = self.clock() + c.promotion_timeout_seconds
            for _ in range(c.promotion_timeout_seconds // c.poll_seconds + 2):
                instance = self.rds.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
                if instance.get("DBInstanceStatus") == "available":
                    return
                if self.clock() >= deadline:
                    break
                self.sleep(c.poll_seconds)
            result.errors.append(
                f"{ADD_WRITER}: {instance_id} not available within {c.promotion_timeout_seconds}s"
            )
        except (ClientError, BotoCoreError) as error:
            result.errors.append(f"{ADD_WRITER}: {error}")

    def _detach(self, result: PromotionResult) -> bool:
        c = self.config
        try:
            self.rds.remove_from_global_cluster(
                GlobalClusterIdentifier=c.global_cluster_id, DbClusterIdentifier=c.local_cluster_arn
            )
        except (ClientError, BotoCoreError) as error:
            result.errors.append(f"{DETACH}: {error}")
            return False
        result.performed.append(DETACH)
        return True

    def _wait_for_writer(self, result: PromotionResult) -> None:
        start = self.clock()
        deadline = start + self.config.promotion_timeout_seconds
        # Bounded twice: by the clock and by a poll count, so a clock that does not move
        # (a badly simulated one) cannot spin forever.
        max_polls = self.config.promotion_timeout_seconds // self.config.poll_seconds + 2
        while True:
            result.polls += 1
            try:
                view = self.view()
                if view.local_is_writer(self.config.local_cluster_arn) and not view.operation_in_progress:
                    result.completed = True
            except (ClientError, BotoCoreError) as error:
                # A failing describe during a promotion is expected now and then; keep polling.
                result.errors.append(f"poll: {error}")
            result.waited_seconds = round(self.clock() - start, 3)
            if result.completed or self.clock() >= deadline or result.polls >= max_polls:
                return
            self.sleep(min(self.config.poll_seconds, max(0.0, deadline - self.clock())))
