"""OrchestratorConfig: the orchestrator's settings, read from environment variables and
validated before anything runs.

Each setting's variable, default and bounds are written once, in failover/settings_table.py:
the contract with the Lambda component (components/failover/orchestrator_function.py builds
the environment from the same table). A bad value raises ConfigError, which names the
variable, the value and the rule: one clear line per bad variable.

Why these settings (the cadence, docs/ARCHITECTURE.md#one-authority): EventBridge schedules fire at most
once a minute (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html),
so ONE invocation loops, evaluating every `evaluation_interval_seconds` until
`invocation_budget_seconds` is spent, and the Lambda's timeout leaves a margin above that
budget. Probes and DNS/ARC calls use `probe_timeout_seconds`, short enough that an
evaluation fits its interval. Nothing waits longer than one invocation: long waits (a
failover in progress, an instance coming up) are polls across evaluations.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from failover.settings_table import BOOLEAN, ENDPOINTS, INTEGER, SETTINGS, default


class ConfigError(ValueError):
    """Bad orchestrator configuration: names the variable, the value and the rule."""

    def __init__(self, key: str, value: object, rule: str):
        self.key, self.value, self.rule = key, value, rule
        super().__init__(f"invalid orchestrator config {key}={value!r}: {rule}")


# Environment variable for each field of OrchestratorConfig (failover/settings_table.py).
ENV = {s.name: s.env for s in SETTINGS}

EVIDENCE_PREFIX = "executions"
"""In the evidence bucket, each execution's record lives under executions/<execution id>/
(failover/evidence.py writes it; the program grants the orchestrator that prefix only)."""

# Integer settings: name -> (default, low, high).
_INTEGERS = {s.name: (s.default, s.low, s.high) for s in SETTINGS if s.kind == INTEGER}

ROUTE53_REQUEST_INTERVALS = (10, 30)
"""The RequestInterval values Route 53 accepts for an endpoint health check (API_HealthCheckConfig)."""

DB_FENCE_ENGINES = ("aurora-postgresql", "aurora-mysql")
# The metric every page also puts (failover/paging.py) and the program's alarm watches
# (components/observability/): part of the runtime's contract with the program.
PAGE_NAMESPACE, PAGE_METRIC, PAGE_ALL_KINDS = "TradingDr/Failover", "Page", "all"
# The partition key of the control table's STATE/ACTIVE item (the fencing epoch,
# failover/control_table.py): the only item the PEER region's orchestrator may read there
# (the program's grant, components/failover/policy.py).
STATE_PK = "STATE"


def bounds(name: str) -> tuple[int, int, int]:
    """(default, low, high) of an integer setting (failover/settings_table.py)."""
    return _INTEGERS[name]


def probes_fit(attempts: int, timeout_seconds: int, interval_seconds: int) -> bool:
    """An evaluation's probe tries, each up to the probe timeout, end inside one evaluation
    interval; otherwise evaluations overlap and the cadence stretches (the program's settings
    reader checks the same rule with this function)."""
    return attempts * timeout_seconds < interval_seconds


def lease_settings_problem(
    write_lease_seconds: int, renew_seconds: int, clock_margin_seconds: int, lock_seconds: int
) -> tuple[str, int, str] | None:
    """(field, value, rule) of the first write-lease rule these settings break, else None."""
    if renew_seconds * 3 > write_lease_seconds:
        return (
            "write_lease_renew_seconds",
            renew_seconds,
            f"x 3 must not exceed the write lease ({write_lease_seconds}s): a healthy writer's "
            "lease must survive two missed renewals",
        )
    if write_lease_seconds + clock_margin_seconds >= lock_seconds:
        return (
            "write_lease_seconds",
            write_lease_seconds,
            f"+ the clock margin ({clock_margin_seconds}s) must be below the executor lock "
            f"({lock_seconds}s): the executor sleeps that long after the fence while holding it",
        )
    return None


_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_CLUSTER_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
_ARN = re.compile(
    r"^arn:(aws|aws-us-gov|aws-cn):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):\d{12}:(?P<rest>.+)$"
)
_TABLE = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9-]+\.[a-z0-9]+$")
_FQDN_LABEL = re.compile(r"^(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$")
_ASG_NAME = re.compile(r"^[\x20-\x7e]{1,255}$")
_DATABASE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,62}$")
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}(\+dirty)?$")
# A routing control ARN (global: no region), e.g.
# arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/def
_ROUTING_CONTROL = re.compile(
    r"^arn:(aws|aws-us-gov|aws-cn):route53-recovery-control::\d{12}:controlpanel/[a-z0-9]+/routingcontrol/[a-z0-9]+$"
)


@dataclass(frozen=True)
class ArcEndpoint:
    """One regional endpoint of the ARC cluster (DescribeCluster's ClusterEndpoint)."""

    endpoint: str
    region: str


@dataclass(frozen=True)
class OrchestratorConfig:
    home_region: str
    """The region this orchestrator runs in, reads its signals from and promotes."""
    peer_region: str
    global_cluster_id: str
    local_cluster_id: str
    local_cluster_arn: str
    """ARN of the home region's member of the global cluster (the promotion target)."""
    peer_health_url: str
    """HTTPS health endpoint of the PEER region's application (supporting evidence only)."""
    control_table: str
    """Name of the DynamoDB control table in the home region."""
    alert_topic_arn: str
    """SNS topic in the home region: the survivor pages from its own region."""
    witness_fqdn: str
    """DNS name whose Route 53 failover answer follows the PEER's health check: the outside
    view of the peer, resolved through the VPC resolver (Route 53's data plane)."""
    arc_cluster_endpoints: tuple[ArcEndpoint, ...]
    home_routing_control_arn: str
    peer_routing_control_arn: str
    witness_healthy_address: str = default("witness_healthy_address")
    witness_unhealthy_address: str = default("witness_unhealthy_address")
    asg_name: str = default("asg_name")
    """The home application Auto Scaling group, scaled to full size on promotion."""
    asg_full_capacity: int = default("asg_full_capacity")
    target_group_arn: str = default("target_group_arn")
    """The home ALB's target group: traffic moves here only once it has a HEALTHY target
    (DescribeTargetHealth). An instance is InService in its Auto Scaling group before the
    load balancer's health checks pass, so the group's view is not the load balancer's.
    Empty: the group's InService instances are taken instead (a stack without an ALB)."""
    writer_instance_class: str = default("writer_instance_class")
    """Class of the instance added to a headless (pilot-light) home cluster before it is
    promoted (AWS: a headless secondary needs an instance first); empty: never add one."""
    data_api_secret_arn: str = default("data_api_secret_arn")
    """Secret for the RDS Data API test write; empty: the test write is not verified by the
    orchestrator and the execution says so."""
    data_api_database: str = default("data_api_database")
    required_evaluations: int = default("required_evaluations")
    evaluation_interval_seconds: int = default("evaluation_interval_seconds")
    invocation_budget_seconds: int = default("invocation_budget_seconds")
    evaluation_gap_seconds: int = default("evaluation_gap_seconds")
    probe_attempts: int = default("probe_attempts")
    probe_timeout_seconds: int = default("probe_timeout_seconds")
    max_lag_seconds: int = default("max_lag_seconds")
    lag_max_age_seconds: int = default("lag_max_age_seconds")
    lock_seconds: int = default("lock_seconds")
    page_after_seconds: int = default("page_after_seconds")
    promotion_page_after_seconds: int = default("promotion_page_after_seconds")
    evidence_bucket: str = default("evidence_bucket")
    """The region's evidence bucket (S3 Object Lock): each execution's record goes there."""
    evidence_key_arn: str = default("evidence_key_arn")
    """The region's asymmetric signing key (ECC_NIST_P256) that seals each record."""
    build_commit: str = default("build_commit")
    """The commit the deployed code was built from, named in each record's manifest."""
    write_lease_seconds: int = default("write_lease_seconds")
    """L: how long a renewal of the write lease authorises writes (failover/lease.py)."""
    write_lease_renew_seconds: int = default("write_lease_renew_seconds")
    """How often the lease is renewed, at each evaluation and between them."""
    clock_margin_seconds: int = default("clock_margin_seconds")
    """Added to L by the DR executor's wait between the fence and FailoverGlobalCluster."""
    heartbeat_max_age_seconds: int = default("heartbeat_max_age_seconds")
    """An older HEARTBEAT/OBSERVED item is unknown (RPO gate and writer liveness)."""
    max_prefence_wait_seconds: int = default("max_prefence_wait_seconds")
    """Bound on any wait of an automatic failover before its fence; it pages when spent."""
    home_witness_fqdn: str = default("home_witness_fqdn")
    """DNS name whose Route 53 failover answer follows the HOME region's health check: the
    outside view of the region we would fence onto. Empty: automatic failover abstains."""
    db_fence_secret_arn: str = default("db_fence_secret_arn")
    """Secret of a database user allowed to REVOKE/GRANT the application's write privileges
    through the RDS Data API; empty: no database fence (the write lease still fences)."""
    db_fence_engine: str = default("db_fence_engine")
    db_app_user: str = default("db_app_user")
    """The application's database user whose write privileges the database fence revokes."""
    peer_control_table: str = default("peer_control_table")
    """The PEER region's control table: its STATE/ACTIVE item is read (never written) so that
    this region adopts a higher fencing epoch naming the active region ARC shows here; empty:
    the epoch follows the routing controls alone."""
    witness_check_interval_seconds: int = default("witness_check_interval_seconds")
    """RequestInterval of the Route 53 health check the peer witness follows (0: not given)."""
    witness_check_threshold: int = default("witness_check_threshold")
    """FailureThreshold of that health check (0: not given)."""
    serves_at_rest: bool = default("serves_at_rest")
    """This region's application has healthy targets before any failover (the primary, a hot
    or warm standby): it must look healthy to its own outside witness when the decision is
    taken. False (a pilot light): only when it is fenced onto, after its preparation."""

    def __post_init__(self) -> None:
        for name in ("home_region", "peer_region"):
            value = getattr(self, name)
            if not _REGION.match(value):
                raise ConfigError(ENV[name], value, "must be an AWS region name such as us-west-2")
        if self.peer_region == self.home_region:
            raise ConfigError(ENV["peer_region"], self.peer_region, "must differ from the home region")
        for name in ("global_cluster_id", "local_cluster_id"):
            value = getattr(self, name)
            if not _CLUSTER_ID.match(value):
                raise ConfigError(
                    ENV[name], value, "must be an RDS identifier (letter, then letters/digits/-)"
                )
        self._arn("local_cluster_arn", "rds", f"cluster:{self.local_cluster_id}")
        self._arn("alert_topic_arn", "sns", None)
        url = urlparse(self.peer_health_url)
        if url.scheme != "https" or not url.hostname:
            raise ConfigError(ENV["peer_health_url"], self.peer_health_url, "must be an https:// URL")
        if not _TABLE.match(self.control_table):
            raise ConfigError(ENV["control_table"], self.control_table, "must be a DynamoDB table name")
        if self.peer_control_table and not _TABLE.match(self.peer_control_table):
            raise ConfigError(
                ENV["peer_control_table"], self.peer_control_table, "must be a DynamoDB table name"
            )
        labels = self.witness_fqdn.rstrip(".").split(".")
        if len(labels) < 2 or len(self.witness_fqdn) > 253 or not all(_FQDN_LABEL.match(x) for x in labels):
            raise ConfigError(
                ENV["witness_fqdn"], self.witness_fqdn, "must be a DNS name such as witness.example.net"
            )
        if not self.arc_cluster_endpoints or len(self.arc_cluster_endpoints) > 5:
            raise ConfigError(
                ENV["arc_cluster_endpoints"], self.arc_cluster_endpoints, "must list 1 to 5 cluster endpoints"
            )
        for endpoint in self.arc_cluster_endpoints:
            if urlparse(endpoint.endpoint).scheme != "https" or not _REGION.match(endpoint.region):
                raise ConfigError(
                    ENV["arc_cluster_endpoints"],
                    endpoint,
                    "each endpoint needs an https:// Endpoint and an AWS Region",
                )
        for name in ("home_routing_control_arn", "peer_routing_control_arn"):
            if not _ROUTING_CONTROL.match(getattr(self, name)):
                raise ConfigError(ENV[name], getattr(self, name), "must be an ARC routing control ARN")
        if self.home_routing_control_arn == self.peer_routing_control_arn:
            raise ConfigError(
                ENV["peer_routing_control_arn"],
                self.peer_routing_control_arn,
                "must differ from the home control",
            )
        addresses = []
        for name in ("witness_healthy_address", "witness_unhealthy_address"):
            try:
                addresses.append(ipaddress.IPv4Address(getattr(self, name)))
            except ValueError:
                raise ConfigError(ENV[name], getattr(self, name), "must be an IPv4 address") from None
        if addresses[0] == addresses[1]:
            raise ConfigError(
                ENV["witness_unhealthy_address"],
                self.witness_unhealthy_address,
                "must differ from the healthy address",
            )
        if self.asg_name and not _ASG_NAME.match(self.asg_name):
            raise ConfigError(ENV["asg_name"], self.asg_name, "must be an Auto Scaling group name")
        if self.writer_instance_class and not _INSTANCE_CLASS.match(self.writer_instance_class):
            raise ConfigError(
                ENV["writer_instance_class"],
                self.writer_instance_class,
                "must be a class such as db.r6g.large",
            )
        if self.data_api_secret_arn:
            self._arn("data_api_secret_arn", "secretsmanager", None)
        if self.target_group_arn:
            self._arn("target_group_arn", "elasticloadbalancing", None)
            if not _ARN.match(self.target_group_arn)["rest"].startswith("targetgroup/"):
                raise ConfigError(ENV["target_group_arn"], self.target_group_arn, "must name a targetgroup/")
        if not _DATABASE.match(self.data_api_database):
            raise ConfigError(ENV["data_api_database"], self.data_api_database, "must be a database name")
        if bool(self.evidence_bucket) != bool(self.evidence_key_arn):
            raise ConfigError(
                ENV["evidence_key_arn"],
                self.evidence_key_arn,
                "is needed with an evidence bucket (both or neither)",
            )
        if self.evidence_bucket and not _BUCKET.match(self.evidence_bucket):
            raise ConfigError(ENV["evidence_bucket"], self.evidence_bucket, "must be an S3 bucket name")
        if self.evidence_key_arn:
            self._arn("evidence_key_arn", "kms", None)
        if self.build_commit and not _COMMIT.match(self.build_commit):
            raise ConfigError(ENV["build_commit"], self.build_commit, "must be a git commit hash")
        for name, (_, low, high) in _INTEGERS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(ENV[name], value, f"must be a whole number between {low} and {high}")
        if self.asg_name and self.asg_full_capacity < 1:
            raise ConfigError(
                ENV["asg_full_capacity"], self.asg_full_capacity, "must be at least 1 when an ASG is named"
            )
        if self.evaluation_gap_seconds <= self.evaluation_interval_seconds:
            raise ConfigError(
                ENV["evaluation_gap_seconds"],
                self.evaluation_gap_seconds,
                f"must exceed the evaluation interval ({self.evaluation_interval_seconds}s)",
            )
        if not probes_fit(self.probe_attempts, self.probe_timeout_seconds, self.evaluation_interval_seconds):
            raise ConfigError(
                ENV["probe_timeout_seconds"],
                self.probe_timeout_seconds,
                f"x {self.probe_attempts} attempts must fit in the evaluation interval "
                f"({self.evaluation_interval_seconds}s)",
            )
        self._check_lease_settings()
        self._check_witness_check()

    def _check_witness_check(self) -> None:
        """Both Route 53 settings of the witness's health check, or neither (0)."""
        interval, threshold = self.witness_check_interval_seconds, self.witness_check_threshold
        if interval and interval not in ROUTE53_REQUEST_INTERVALS:
            raise ConfigError(
                ENV["witness_check_interval_seconds"],
                interval,
                "must be 10 or 30 (Route 53's RequestInterval)",
            )
        if bool(interval) != bool(threshold):
            raise ConfigError(
                ENV["witness_check_threshold"],
                threshold,
                f"must be given with the interval ({interval}): both or neither",
            )

    @property
    def witness_failing_seconds(self) -> int:
        """How long the witness's Route 53 health check had been failing the peer, at least,
        when it declared it unhealthy: (FailureThreshold - 1) x RequestInterval (each check is
        sent RequestInterval seconds after the previous one's response; the declaration follows
        the FailureThreshold-th consecutive failure). 0 when the settings are not given."""
        if not self.witness_check_interval_seconds:
            return 0
        return (self.witness_check_threshold - 1) * self.witness_check_interval_seconds

    def _check_lease_settings(self) -> None:
        """The write lease's rules between settings (the single place they are stated)."""
        problem = lease_settings_problem(
            self.write_lease_seconds,
            self.write_lease_renew_seconds,
            self.clock_margin_seconds,
            self.lock_seconds,
        )
        if problem is not None:
            raise ConfigError(ENV[problem[0]], problem[1], problem[2])
        if self.home_witness_fqdn:
            labels = self.home_witness_fqdn.rstrip(".").split(".")
            if len(labels) < 2 or not all(_FQDN_LABEL.match(x) for x in labels):
                raise ConfigError(
                    ENV["home_witness_fqdn"],
                    self.home_witness_fqdn,
                    "must be a DNS name such as witness.example.net",
                )
            if self.home_witness_fqdn.rstrip(".").lower() == self.witness_fqdn.rstrip(".").lower():
                raise ConfigError(
                    ENV["home_witness_fqdn"], self.home_witness_fqdn, "must differ from the peer witness"
                )
        if self.db_fence_secret_arn:
            self._arn("db_fence_secret_arn", "secretsmanager", None)
            if not _DATABASE.match(self.db_app_user):
                raise ConfigError(
                    ENV["db_app_user"], self.db_app_user, "must name the application's database user"
                )
        if not isinstance(self.serves_at_rest, bool):
            raise ConfigError(ENV["serves_at_rest"], self.serves_at_rest, "must be true or false")
        if self.db_fence_engine not in DB_FENCE_ENGINES:
            raise ConfigError(
                ENV["db_fence_engine"], self.db_fence_engine, f"must be one of {', '.join(DB_FENCE_ENGINES)}"
            )

    def _arn(self, name: str, service: str, resource: str | None) -> None:
        value = getattr(self, name)
        match = _ARN.match(value)
        if not match or match["service"] != service or match["region"] != self.home_region:
            raise ConfigError(ENV[name], value, f"must be an ARN of {service} in {self.home_region}")
        if resource is not None and match["rest"] != resource:
            raise ConfigError(ENV[name], value, f"must name {resource}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> OrchestratorConfig:
        """Read every setting from its variable (failover/settings_table.py); required ones must
        be set, the others take the table's default when unset."""
        values: dict[str, object] = {}
        for setting in SETTINGS:
            name, key = setting.name, setting.env
            raw = environ.get(key, "").strip()
            if setting.kind == INTEGER:
                if raw == "":
                    continue
                try:
                    values[name] = int(raw)
                except ValueError:
                    raise ConfigError(key, raw, "must be a whole number") from None
            elif setting.kind == ENDPOINTS:
                values[name] = parse_endpoints(key, raw)
            elif setting.kind == BOOLEAN:
                if raw.lower() not in ("", "true", "false"):
                    raise ConfigError(key, raw, "must be true or false")
                values[name] = setting.default if raw == "" else raw.lower() == "true"
            elif setting.default is not None:
                values[name] = raw or setting.default
            elif raw == "":
                raise ConfigError(key, raw, "is required")
            else:
                values[name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The inverse of from_env: what the Lambda component (or a local run) sets."""
        env = {}
        for setting in SETTINGS:
            value = getattr(self, setting.name)
            if setting.kind == ENDPOINTS:
                env[setting.env] = json.dumps([{"Endpoint": e.endpoint, "Region": e.region} for e in value])
            elif setting.kind == BOOLEAN:
                env[setting.env] = "true" if value else "false"
            else:
                env[setting.env] = str(value)
        return env


def parse_endpoints(key: str, raw: str) -> tuple[ArcEndpoint, ...]:
    """A JSON list of {"Endpoint", "Region"} (DescribeCluster's shape; the lower-case keys of
    the Pulumi output are accepted too)."""
    if raw == "":
        raise ConfigError(key, raw, "is required")
    try:
        items = json.loads(raw)
    except ValueError:
        raise ConfigError(key, raw, 'must be a JSON list of {"Endpoint": ..., "Region": ...}') from None
    if not isinstance(items, list):
        raise ConfigError(key, raw, 'must be a JSON list of {"Endpoint": ..., "Region": ...}')
    endpoints = []
    for item in items:
        if not isinstance(item, dict):
            raise ConfigError(key, item, 'each item must be {"Endpoint": ..., "Region": ...}')
        url = item.get("Endpoint", item.get("endpoint"))
        region = item.get("Region", item.get("region"))
        if not isinstance(url, str) or not isinstance(region, str):
            raise ConfigError(key, item, 'each item must be {"Endpoint": ..., "Region": ...}')
        endpoints.append(ArcEndpoint(url, region))
    return tuple(endpoints)
