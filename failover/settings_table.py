"""Every orchestrator setting, once: its name, the Pulumi.yaml key a stack operator sets it
with (if any), its environment variable, default, bounds, unit and meaning.

This table is the one place these facts are written. Everything else reads it:

- the runtime (failover/config.py) parses and checks its environment by it;
- the program's settings reader (components/settings.py) bounds-checks the Pulumi.yaml keys by it;
- the program builds the Lambda's environment by it (components/failover/orchestrator_function.py);
- the drill overrides a region's environment by it (ops/emulation/plan_spec.py);
- the configuration reference (docs/CONFIGURATION.md) is generated from it
  (tools/config_reference.py).

Pulumi.yaml cannot import Python: tests/test_settings_table.py checks that its defaults and
the bounds in its descriptions agree with this table. To change a bound or a default, change
the row here (and the Pulumi.yaml line the test then names).

It lives in failover/ because the Lambda's code imports it, and so it imports only the
standard library (docs/ARCHITECTURE.md#the-orchestrator-settings, #import-rules).
"""

from __future__ import annotations

from dataclasses import dataclass

INTEGER, STRING, BOOLEAN, ENDPOINTS = "integer", "string", "boolean", "endpoints"


@dataclass(frozen=True)
class Setting:
    name: str
    """The runtime's name (a field of failover.config.OrchestratorConfig)."""
    env: str
    """The environment variable the Lambda reads it from."""
    kind: str
    """INTEGER, STRING, BOOLEAN or ENDPOINTS (a JSON list of ARC cluster endpoints)."""
    default: int | str | bool | None
    """None: required (the program always sets it)."""
    meaning: str
    low: int | None = None
    high: int | None = None
    unit: str = ""
    config_key: str | None = None
    """The Pulumi.yaml key a stack operator sets it with; None: the program derives it from
    the stack (wiring, the tier) or the runtime's default stands."""

    @property
    def bounds(self) -> tuple[int, int] | None:
        return None if self.low is None or self.high is None else (self.low, self.high)

    def spelled(self, value: int | str | bool) -> str:
        """A value as its variable holds it (booleans as true/false)."""
        if self.kind == BOOLEAN:
            return "true" if value else "false"
        return str(value)

    def bounds_text(self) -> str:
        """The bounds as Pulumi.yaml's description and the reference write them: `1 to 10`."""
        return "" if self.bounds is None else f"{self.low} to {self.high}"


def _integer(name: str, env: str, default: int, low: int, high: int, unit: str, meaning: str, key=None):
    return Setting(name, env, INTEGER, default, meaning, low, high, unit, key)


def _string(name: str, env: str, meaning: str, default: str | None = None) -> Setting:
    return Setting(name, env, STRING, default, meaning)


SETTINGS: tuple[Setting, ...] = (
    # --- where the orchestrator runs and what it acts on (wired by the program) ---
    _string(
        "home_region",
        "FAILOVER_HOME_REGION",
        "The region this orchestrator runs in, reads its signals from and promotes.",
    ),
    _string("peer_region", "FAILOVER_PEER_REGION", "The other region of the pair."),
    _string("global_cluster_id", "FAILOVER_GLOBAL_CLUSTER_ID", "The Aurora global database's identifier."),
    _string(
        "local_cluster_id",
        "FAILOVER_LOCAL_CLUSTER_ID",
        "The home region's member cluster of the global database.",
    ),
    _string(
        "local_cluster_arn",
        "FAILOVER_LOCAL_CLUSTER_ARN",
        "ARN of the home region's member of the global cluster (the promotion target).",
    ),
    _string(
        "peer_health_url",
        "FAILOVER_PEER_HEALTH_URL",
        "HTTPS health endpoint of the PEER region's application (supporting evidence only).",
    ),
    _string(
        "control_table", "FAILOVER_CONTROL_TABLE", "Name of the DynamoDB control table in the home region."
    ),
    _string(
        "alert_topic_arn",
        "FAILOVER_ALERT_TOPIC_ARN",
        "SNS topic in the home region: the survivor pages from its own region.",
    ),
    _string(
        "witness_fqdn",
        "FAILOVER_WITNESS_FQDN",
        "DNS name whose Route 53 failover answer follows the PEER's health check: "
        "the outside view of the peer.",
    ),
    Setting(
        "arc_cluster_endpoints",
        "FAILOVER_ARC_CLUSTER_ENDPOINTS",
        ENDPOINTS,
        None,
        "The ARC cluster's regional endpoints, a JSON list of "
        '{"Endpoint", "Region"} (DescribeCluster\'s shape).',
    ),
    _string(
        "home_routing_control_arn",
        "FAILOVER_HOME_ROUTING_CONTROL_ARN",
        "The home region's ARC routing control.",
    ),
    _string(
        "peer_routing_control_arn",
        "FAILOVER_PEER_ROUTING_CONTROL_ARN",
        "The peer region's ARC routing control.",
    ),
    # RFC 5737 documentation addresses: the witness records answer them, nothing is reached.
    _string(
        "witness_healthy_address",
        "FAILOVER_WITNESS_HEALTHY_ADDRESS",
        "The witness record's answer while its region is healthy.",
        "192.0.2.1",
    ),
    _string(
        "witness_unhealthy_address",
        "FAILOVER_WITNESS_UNHEALTHY_ADDRESS",
        "The witness record's answer once its region's health check fails.",
        "192.0.2.2",
    ),
    _string(
        "asg_name",
        "FAILOVER_ASG_NAME",
        "The home application Auto Scaling group, scaled to full size on promotion; empty: none.",
        "",
    ),
    _integer(
        "asg_full_capacity",
        "FAILOVER_ASG_FULL_CAPACITY",
        0,
        0,
        1000,
        "instances",
        "The group's desired capacity once promoted (at least 1 when a group is named).",
    ),
    _string(
        "target_group_arn",
        "FAILOVER_TARGET_GROUP_ARN",
        "The home ALB's target group: traffic moves here only once it has a healthy target; "
        "empty: the group's InService instances are taken instead.",
        "",
    ),
    _string(
        "writer_instance_class",
        "FAILOVER_WRITER_INSTANCE_CLASS",
        "Class of the instance added to a headless (pilot-light) home cluster before it is promoted; "
        "empty: never add one.",
        "",
    ),
    _string(
        "data_api_secret_arn",
        "FAILOVER_DATA_API_SECRET_ARN",
        "Secret for the RDS Data API test write; empty: the test write is not verified.",
        "",
    ),
    _string(
        "data_api_database",
        "FAILOVER_DATA_API_DATABASE",
        "Database the Data API test write uses.",
        "postgres",
    ),
    # --- the cadence and the decision (docs/ARCHITECTURE.md, the cadence) ---
    _integer(
        "required_evaluations",
        "FAILOVER_EVALUATIONS",
        2,
        1,
        10,
        "evaluations",
        "Consecutive evaluations on which two independent signals must agree "
        "before the orchestrator promotes.",
        "failoverEvaluations",
    ),
    _integer(
        "evaluation_interval_seconds",
        "FAILOVER_EVALUATION_INTERVAL_SECONDS",
        10,
        5,
        60,
        "seconds",
        "Seconds between two evaluations (the orchestrator loops inside each scheduled invocation; "
        "EventBridge schedules are at least a minute apart).",
        "failoverEvaluationIntervalSeconds",
    ),
    # Lambda runs at most 900 s; leave room for one evaluation and the margin.
    _integer(
        "invocation_budget_seconds",
        "FAILOVER_INVOCATION_BUDGET_SECONDS",
        60,
        10,
        840,
        "seconds",
        "How long one invocation keeps evaluating (the program derives it from the cadence).",
    ),
    # Above the gap between the last evaluation of one invocation and the first of the next.
    _integer(
        "evaluation_gap_seconds",
        "FAILOVER_EVALUATION_GAP_SECONDS",
        45,
        15,
        600,
        "seconds",
        "Quorum evaluations further apart than this (missed schedules, a paused orchestrator) are not "
        "consecutive: the streak starts again.",
    ),
    _integer(
        "probe_attempts",
        "FAILOVER_PROBE_ATTEMPTS",
        2,
        1,
        5,
        "attempts",
        "Tries of each probe within one evaluation.",
    ),
    _integer(
        "probe_timeout_seconds",
        "FAILOVER_PROBE_TIMEOUT_SECONDS",
        2,
        1,
        10,
        "seconds",
        "Timeout of each probe try; all tries must end inside one evaluation interval.",
        "failoverProbeTimeoutSeconds",
    ),
    _integer(
        "max_lag_seconds",
        "FAILOVER_MAX_LAG_SECONDS",
        30,
        1,
        300,
        "seconds",
        "RPO gate: no automatic unplanned promotion while the last observed replication lag exceeds this.",
        "maxReplicationLagSeconds",
    ),
    # docs/ARCHITECTURE.md#the-rpo-gate
    _integer(
        "lag_max_age_seconds",
        "FAILOVER_LAG_MAX_AGE_SECONDS",
        120,
        60,
        600,
        "seconds",
        "The RPO gate's CloudWatch second opinion uses a lag datapoint no older than this.",
    ),
    _integer(
        "lock_seconds",
        "FAILOVER_LOCK_SECONDS",
        60,
        15,
        900,
        "seconds",
        "Lease of the one-execution-at-a-time lock, renewed at every step: a crashed holder's lock lapses "
        "after at most this long and the next invocation resumes the execution.",
        "failoverLockSeconds",
    ),
    _integer(
        "page_after_seconds",
        "FAILOVER_PAGE_AFTER_SECONDS",
        120,
        30,
        3600,
        "seconds",
        "A condition that persists this long (peer down, a blocked gate) pages.",
    ),
    _integer(
        "promotion_page_after_seconds",
        "FAILOVER_PROMOTION_PAGE_AFTER_SECONDS",
        600,
        60,
        3600,
        "seconds",
        "The orchestrator pages (promotion_slow) when its promotion execution has run longer than this. "
        "Not how long AWS takes to promote: the drill assumes that "
        "(deploy.py drill --assumed-promotion-seconds).",
    ),
    # --- the write lease (failover/lease.py; docs/ARCHITECTURE.md "Never two writers") ---
    # L adds directly to every unplanned RTO: small. 10 s tolerates four missed renewals at the
    # 2 s period below, and one invocation that starts up to L late (Orchestrator.handle keeps
    # renewing for L past its budget, and EventBridge may start the next one "several seconds"
    # late, https://docs.aws.amazon.com/eventbridge/latest/userguide/run-lambda-schedule.html).
    _integer(
        "write_lease_seconds",
        "FAILOVER_WRITE_LEASE_SECONDS",
        10,
        4,
        120,
        "seconds",
        "Write lease L: a region's write path accepts writes for at most L seconds after its orchestrator "
        "last read its routing control On; the DR side waits L plus the clock margin after its fence "
        "before promoting.",
        "writeLeaseSeconds",
    ),
    # Each renewal is GetRoutingControlState x2 on one cluster endpoint plus one conditional
    # PutItem: 1 read a second per region. ARC documents a quota only for MUTATING calls (3 per
    # second per cluster endpoint,
    # https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.quotas.html); one renewer
    # per region keeps reads far below anything that could throttle the fence's update.
    _integer(
        "write_lease_renew_seconds",
        "FAILOVER_WRITE_LEASE_RENEW_SECONDS",
        2,
        1,
        30,
        "seconds",
        "How often the write lease is renewed, at each evaluation and between them; at most a third of "
        "the lease.",
        "writeLeaseRenewSeconds",
    ),
    # EC2 and Lambda hosts keep time with the Amazon Time Sync Service, accurate to about a
    # millisecond or better (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html);
    # 2 s is three orders of magnitude above that, for a host whose chrony is misconfigured.
    _integer(
        "clock_margin_seconds",
        "FAILOVER_CLOCK_MARGIN_SECONDS",
        2,
        0,
        60,
        "seconds",
        "Added to the write lease by the DR executor's wait between the fence and FailoverGlobalCluster "
        "(clocks of the old region's hosts and ours may disagree).",
        "clockMarginSeconds",
    ),
    # Its observer writes one every second; 10 s tolerates a few missed writes.
    _integer(
        "heartbeat_max_age_seconds",
        "FAILOVER_HEARTBEAT_MAX_AGE_SECONDS",
        10,
        2,
        300,
        "seconds",
        "A heartbeat observation (HEARTBEAT/OBSERVED) older than this is unknown: the RPO gate then blocks.",
        "heartbeatMaxAgeSeconds",
    ),
    # A hot standby never waits on them at all (failover/executor.py, targets_ready).
    _integer(
        "max_prefence_wait_seconds",
        "FAILOVER_MAX_PREFENCE_WAIT_SECONDS",
        300,
        30,
        3600,
        "seconds",
        "The longest an automatic failover waits before its fence for reads it needs (a pilot-light "
        "group's first healthy target): past it the fence goes on and pages.",
    ),
    _string(
        "home_witness_fqdn",
        "FAILOVER_HOME_WITNESS_FQDN",
        "DNS name whose Route 53 failover answer follows the HOME region's health check; empty: no outside "
        'witness of the home region, and automatic failover abstains (docs/ARCHITECTURE.md, "No flapping").',
        "",
    ),
    # The old-primary database fence (docs/ARCHITECTURE.md, "Never two writers").
    _string(
        "db_fence_secret_arn",
        "FAILOVER_DB_FENCE_SECRET_ARN",
        "Secret of a database user allowed to revoke and grant the application's write privileges through "
        "the RDS Data API; empty: no database fence (the write lease alone fences).",
        "",
    ),
    _string(
        "db_fence_engine",
        "FAILOVER_DB_FENCE_ENGINE",
        "Engine of the database fence's SQL.",
        "aurora-postgresql",
    ),
    _string(
        "db_app_user",
        "FAILOVER_DB_APP_USER",
        "The application's database user whose write privileges the database fence revokes.",
        "",
    ),
    Setting(
        "serves_at_rest",
        "FAILOVER_SERVES_AT_REST",
        BOOLEAN,
        True,
        "This region's application has healthy targets before any failover (the primary, a hot or warm "
        "standby); false for a pilot light.",
    ),
    # The peer witness's Route 53 health check, as the program configures it (the program's
    # healthCheckInterval/healthCheckThreshold are read with these bounds): RequestInterval
    # "10 or 30" seconds, FailureThreshold 1 to 10
    # (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html).
    # 0 = not given: the RPO gate of a pilot light then takes no credit for how long Route 53
    # had been failing the peer before it declared it unhealthy (decision.writer_down_by).
    _integer(
        "witness_check_interval_seconds",
        "FAILOVER_WITNESS_CHECK_INTERVAL_SECONDS",
        0,
        0,
        30,
        "seconds",
        "RequestInterval of the Route 53 health check the peer witness follows (10 or 30; 0: not given).",
    ),
    _integer(
        "witness_check_threshold",
        "FAILOVER_WITNESS_CHECK_THRESHOLD",
        0,
        0,
        10,
        "checks",
        "FailureThreshold of that health check (0: not given; both or neither).",
    ),
    # Evidence (failover/evidence.py): both or neither; empty = no evidence written.
    _string(
        "evidence_bucket",
        "FAILOVER_EVIDENCE_BUCKET",
        "The region's evidence bucket (S3 Object Lock): each execution's record goes there.",
        "",
    ),
    _string(
        "evidence_key_arn",
        "FAILOVER_EVIDENCE_KEY_ARN",
        "The region's asymmetric signing key (ECC_NIST_P256) that seals each record.",
        "",
    ),
    _string(
        "build_commit",
        "FAILOVER_BUILD_COMMIT",
        "The commit the deployed code was built from, named in each record's manifest.",
        "",
    ),
    # docs/ARCHITECTURE.md, "One fencing epoch".
    _string(
        "peer_control_table",
        "FAILOVER_PEER_CONTROL_TABLE",
        "The peer region's control table, read (never written) for its fencing epoch only; "
        "empty: the epoch follows the routing controls alone.",
        "",
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
BY_CONFIG_KEY: dict[str, Setting] = {s.config_key: s for s in SETTINGS if s.config_key}


def setting(name: str) -> Setting:
    return BY_NAME[name]


def default(name: str):
    """The default of a setting (for OrchestratorConfig's field defaults)."""
    return BY_NAME[name].default


def env(name: str) -> str:
    return BY_NAME[name].env


def operator_settings() -> tuple[Setting, ...]:
    """The settings a stack operator sets in Pulumi.yaml, in the table's order."""
    return tuple(s for s in SETTINGS if s.config_key)
