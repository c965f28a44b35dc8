"""trading-dr's failover orchestrator: plain boto3, no Pulumi; runs as a Lambda in each
region (failover.handler.lambda_handler) and in-process (failover.local).

Public API
----------
- ``OrchestratorConfig`` (failover.config): frozen, validated; ``OrchestratorConfig.from_env(env)``
  reads the variables in ``failover.config.ENV`` (FAILOVER_HOME_REGION, FAILOVER_PEER_REGION,
  FAILOVER_GLOBAL_CLUSTER_ID, FAILOVER_LOCAL_CLUSTER_ID, FAILOVER_LOCAL_CLUSTER_ARN,
  FAILOVER_PEER_HEALTH_URL, FAILOVER_CONTROL_TABLE, FAILOVER_ALERT_TOPIC_ARN,
  FAILOVER_LAG_ALARM_NAMES (comma-separated), FAILOVER_EVALUATIONS, FAILOVER_MAX_LAG_SECONDS,
  FAILOVER_LOCK_SECONDS, FAILOVER_PROBE_ATTEMPTS, FAILOVER_PROBE_TIMEOUT_SECONDS,
  FAILOVER_PROMOTION_TIMEOUT_SECONDS, FAILOVER_POLL_SECONDS, FAILOVER_EVALUATION_GAP_SECONDS,
  FAILOVER_EVALUATION_SPACING_SECONDS, FAILOVER_LAG_LOOKBACK_SECONDS); ``to_env()`` is the
  inverse. Bad values raise ``ConfigError``.
- ``Clients(rds, dynamodb, sns, cloudwatch)`` (failover.orchestrator): home-region clients;
  ``Clients.for_region(region, session=None)`` builds them with botocore standard retries.
- ``Orchestrator(config, clients=None, *, clock=time.time, sleep=time.sleep, probe=None,
  logger=None)``; ``.evaluate(event, request_id=None) -> dict`` (the decision record).
  ``clock()`` returns epoch seconds; ``sleep(s)`` must advance that clock. ``probe(url)``
  returns a list of ``failover.signals.ProbeAttempt(ok, detail)``.
- ``failover.local.evaluate_once(event, config_or_env, *, clients=None, request_id=None,
  clock=..., sleep=..., probe=..., logger=...)`` and ``failover.local.static_probe(healthy)``
  (a bool or a zero-argument callable) for drills and the operator CLI.
- ``failover.control_table.ControlTable`` / ``create_table`` (the DynamoDB schema is in its
  docstring) and ``failover.decision.decide`` (pure).

- ``failover.local.run_command(payload, *, region, environ=None, function_name=None,
  session=None, clients=None, request_id=None, **orchestrator_kwargs)``: a manual command
  for ``region`` (``deploy.py failover --local``); configuration from ``environ``, else this
  process's FAILOVER_* variables when they are for ``region``, else the deployed function's
  environment.
- On moto (tests, local drill): ``ops.emulation.rds.GlobalClusterEmulation`` answers
  FailoverGlobalCluster / SwitchoverGlobalCluster / RemoveFromGlobalCluster, which moto lacks
  (or, for the last, cannot do across regions); ``ops.emulation.world.build_world(start, **cfg)``
  builds both regions (global cluster, control tables, topics, lag alarms) with a
  ``SimulatedClock``.

Events: a scheduled EventBridge event, an SNS-delivered CloudWatch alarm, or a manual
``{"action": "failover" | "switchover" | "status", "dry_run": bool, "allow_data_loss": bool,
"reason": str, "request_id": str}``.

The decision record (every invocation returns one; see Orchestrator._base_record): outcome,
acted, action, dry_run, command, trigger, event_id, reason, region, peer_region, at, signals,
quorum, consecutive, required_consecutive, lag_seconds, max_lag_seconds, local_is_writer,
cluster, promotion, active_state {active_region, epoch, reason, at, event_id, action}, lock,
notified, errors. Outcomes: failover.decision (status, already_writer,
operation_in_progress, peer_healthy, no_quorum, awaiting_consecutive_evaluations, rpo_gate,
promote — with dry_run true: what would be done) and failover.orchestrator (invalid_event,
duplicate_event, lock_held, promoted, promotion_failed, promotion_timeout);
failover.handler adds config_error. Besides the record of a promotion, a promotion
failure or timeout and an RPO-gate block, the alert topic gets a ``writer_observed`` message
when the orchestrator sees that the writer moved (and advances its epoch to match).
"""
