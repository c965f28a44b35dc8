"""trading-dr's failover orchestrator: plain boto3 + stdlib, no Pulumi; runs as a Lambda in
each region (failover.handler.lambda_handler) and in-process (failover.local).

Modules (one concern each)
--------------------------
- settings_table: every orchestrator setting once (name, Pulumi.yaml key, FAILOVER_*
  variable, default, bounds, unit, meaning); everything else reads it.
- config: ``OrchestratorConfig`` and ``ENV`` (field -> FAILOVER_* variable), read by the
  table and validated; ``ConfigError`` names the variable, the value and the rule.
- clients: ``Clients(rds, dynamodb, sns, cloudwatch, autoscaling, elbv2, rds_data)``, all
  for the HOME region (``Clients.for_region``).
- signals: the outside witness (DNS through the VPC resolver), the HTTPS probe of the
  peer, and the lag reading of the RPO gate (fresh, larger of the two metrics).
- decision: the pure decision (self-check, veto, witness, probe, eligibility, N
  consecutive, RPO gate).
- cluster_state: the global cluster as the home RDS endpoint sees it (eligibility, writer).
- arc: the routing controls through the ARC cluster's regional endpoints (the fence).
- actions: the reconciled RDS calls (never RemoveFromGlobalCluster), the test write, the
  unplanned-failover snapshot copy.
- capacity: the home Auto Scaling group (full size, reversible pre-warm) and its ALB
  target group's healthy targets (the fence waits for one).
- executor: the resumable, leased, DynamoDB-driven state machine of a promotion.
- control_table: the regional control table's items (schema in its docstring), including
  LEASE/WRITE, ARMING/AUTO, DBFENCE/WRITE and the application's HEARTBEAT/OBSERVED.
- lease: the write lease (stdlib only; applications import it): ``WriteLease``,
  ``check_write``, the item codec.
- paging: pages through SNS and the TradingDr/Failover Page metric, without DynamoDB.
- db_fence: the old primary's database fence (REVOKE/GRANT through the RDS Data API).
- orchestrator: ``Orchestrator(config, clients=None, *, clock, sleep, probe, resolver,
  arc_client_factory, logger, invocation_id)``; ``.handle(event, request_id, remaining_ms)``
  runs a scheduled invocation's loop (or one manual command); ``.evaluate(event)`` runs
  exactly one evaluation.
- events: the accepted events (schedule, SNS alarm, manual
  ``{"action": "failover" | "switchover" | "status" | "arm", "dry_run", "allow_data_loss",
  "reason", "request_id", "operator"}``).
- local: ``evaluate_once`` / ``run_command`` / ``static_probe`` for the CLI and drills.

Outcomes of a decision record: status, abstain, already_writer, peer_healthy, no_quorum,
not_eligible, operation_in_progress, awaiting_consecutive_evaluations, rpo_gate, promote
(dry run), disarmed, both_unhealthy, home_unhealthy, writer_silent from failover.decision;
invalid_event, duplicate_event, lock_held, executing, promoted, step_failed, cancelled,
armed from failover.orchestrator; config_error from failover.handler.
"""
