"""OrchestratorConfig: the orchestrator's settings, read from environment variables and
validated before anything runs.

The variable names in ENV are the contract with the Lambda component
(components/failover/orchestrator.py sets exactly these). A bad value raises ConfigError,
which names the variable, the value and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse


class ConfigError(ValueError):
    """Bad orchestrator configuration: names the variable, the value and the rule."""

    def __init__(self, key: str, value: object, rule: str):
        self.key, self.value, self.rule = key, value, rule
        super().__init__(f"invalid orchestrator config {key}={value!r}: {rule}")


# Environment variable for each field of OrchestratorConfig.
ENV = {
    "home_region": "FAILOVER_HOME_REGION",
    "peer_region": "FAILOVER_PEER_REGION",
    "global_cluster_id": "FAILOVER_GLOBAL_CLUSTER_ID",
    "local_cluster_id": "FAILOVER_LOCAL_CLUSTER_ID",
    "local_cluster_arn": "FAILOVER_LOCAL_CLUSTER_ARN",
    "peer_health_url": "FAILOVER_PEER_HEALTH_URL",
    "control_table": "FAILOVER_CONTROL_TABLE",
    "alert_topic_arn": "FAILOVER_ALERT_TOPIC_ARN",
    "lag_alarm_names": "FAILOVER_LAG_ALARM_NAMES",
    "required_evaluations": "FAILOVER_EVALUATIONS",
    "max_lag_seconds": "FAILOVER_MAX_LAG_SECONDS",
    "lock_seconds": "FAILOVER_LOCK_SECONDS",
    "probe_attempts": "FAILOVER_PROBE_ATTEMPTS",
    "probe_timeout_seconds": "FAILOVER_PROBE_TIMEOUT_SECONDS",
    "promotion_timeout_seconds": "FAILOVER_PROMOTION_TIMEOUT_SECONDS",
    "poll_seconds": "FAILOVER_POLL_SECONDS",
    "evaluation_gap_seconds": "FAILOVER_EVALUATION_GAP_SECONDS",
    "evaluation_spacing_seconds": "FAILOVER_EVALUATION_SPACING_SECONDS",
    "lag_lookback_seconds": "FAILOVER_LAG_LOOKBACK_SECONDS",
    "writer_instance_class": "FAILOVER_WRITER_INSTANCE_CLASS",
}
# Optional strings: empty means "not configured".
_OPTIONAL = {"writer_instance_class"}

# name -> (default, low, high). Ranges of the first three match components/settings.py.
_INTEGERS = {
    "required_evaluations": (3, 1, 10),
    "max_lag_seconds": (30, 1, 300),
    "lock_seconds": (900, 60, 3600),
    "probe_attempts": (3, 1, 10),
    "probe_timeout_seconds": (3, 1, 30),
    # A Lambda runs at most 900 s; the component sets its timeout above this bound.
    "promotion_timeout_seconds": (600, 10, 780),
    "poll_seconds": (10, 1, 60),
    # Two quorum evaluations further apart than this are not "consecutive" (missed
    # schedules, a paused orchestrator): the streak starts again.
    "evaluation_gap_seconds": (180, 60, 3600),
    # Evaluations closer together than this count once (alarm notifications arrive between
    # the scheduled ones); below the schedule's minute, with room for its jitter.
    "evaluation_spacing_seconds": (30, 0, 300),
    # How far back the last observed replication lag may lie.
    "lag_lookback_seconds": (900, 60, 86400),
}

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_CLUSTER_ID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
_ARN = re.compile(
    r"^arn:(aws|aws-us-gov|aws-cn):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):\d{12}:(?P<rest>.+)$"
)
_TABLE = re.compile(r"^[a-zA-Z0-9_.-]{3,255}$")
_INSTANCE_CLASS = re.compile(r"^db\.[a-z0-9-]+\.[a-z0-9]+$")


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
    """HTTPS health endpoint of the peer region's application."""
    control_table: str
    """Name of the DynamoDB control table in the home region."""
    alert_topic_arn: str
    lag_alarm_names: tuple[str, ...] = ()
    """Home-region alarms on replication and RPO lag; ALARM counts as a peer-down signal."""
    required_evaluations: int = 3
    max_lag_seconds: int = 30
    lock_seconds: int = 900
    probe_attempts: int = 3
    probe_timeout_seconds: int = 3
    promotion_timeout_seconds: int = 600
    poll_seconds: int = 10
    evaluation_gap_seconds: int = 180
    evaluation_spacing_seconds: int = 30
    lag_lookback_seconds: int = 900
    writer_instance_class: str = ""
    """Class of the instance added to a headless (pilot-light) home cluster before it is
    promoted, so the new writer region has compute; empty: never add one."""

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
        if self.writer_instance_class and not _INSTANCE_CLASS.match(self.writer_instance_class):
            raise ConfigError(
                ENV["writer_instance_class"],
                self.writer_instance_class,
                "must be a class such as db.r6g.large",
            )
        for name, (_, low, high) in _INTEGERS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ConfigError(ENV[name], value, f"must be a whole number between {low} and {high}")

    def _arn(self, name: str, service: str, resource: str | None) -> None:
        value = getattr(self, name)
        match = _ARN.match(value)
        if not match or match["service"] != service or match["region"] != self.home_region:
            raise ConfigError(ENV[name], value, f"must be an {service} ARN in {self.home_region}")
        if resource is not None and match["rest"] != resource:
            raise ConfigError(ENV[name], value, f"must name {resource}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> OrchestratorConfig:
        """Read every field from its variable in ENV; required ones must be set."""
        values: dict[str, object] = {}
        for name, key in ENV.items():
            raw = environ.get(key, "").strip()
            if name in _INTEGERS:
                if raw == "":
                    continue
                try:
                    values[name] = int(raw)
                except ValueError:
                    raise ConfigError(key, raw, "must be a whole number") from None
            elif name == "lag_alarm_names":
                values[name] = tuple(part.strip() for part in raw.split(",") if part.strip())
            elif name in _OPTIONAL:
                values[name] = raw
            elif raw == "":
                raise ConfigError(key, raw, "is required")
            else:
                values[name] = raw
        return cls(**values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """The inverse of from_env: what the Lambda component (or a local run) sets."""
        env = {}
        for name, key in ENV.items():
            value = getattr(self, name)
            env[key] = ",".join(value) if isinstance(value, tuple) else str(value)
        return env
