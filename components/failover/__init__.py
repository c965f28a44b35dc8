"""Failover deployment: the orchestrator runtime (the top-level failover/ package) deployed
as a Lambda in each region, with its least-privilege IAM policy, control table, schedule,
alarm subscription and dead-letter queue."""

from __future__ import annotations

from components.failover.orchestrator_function import FailoverOrchestrator, FailoverOrchestratorArgs

__all__ = [
    "FailoverOrchestrator",
    "FailoverOrchestratorArgs",
]
