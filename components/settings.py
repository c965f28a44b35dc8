"""The stack's configuration model: one typed, immutable Settings, validated before any
resource is registered.

`parse_settings` is a pure function from a flat config mapping (full keys such as
`trading-dr:role` and `aws:region`, values as strings or YAML scalars) to `Settings`. It
raises `SettingsError`, which names the key, the value and the rule, on the first bad
input. Defaults come from the `config:` block of Pulumi.yaml, the one place they are
written down. `load_settings` reads the running stack's config through `pulumi.Config`.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT = "trading-dr"
PROJECT_FILE = Path(__file__).resolve().parent.parent / "Pulumi.yaml"

ROLES = ("primary", "dr")
TIERS = ("hot-standby", "warm-standby", "pilot-light")
DB_ENGINES = {
    # engine -> (default version, port, CloudWatch log exports)
    "aurora-mysql": ("8.0.mysql_aurora.3.08.2", 3306, ("audit", "error", "slowquery")),
    "aurora-postgresql": ("16.6", 5432, ("postgresql",)),
}
# Engine version shapes, so the cluster parameter group family can be derived from them.
DB_ENGINE_VERSIONS = {
    "aurora-mysql": (
        re.compile(r"^\d+\.\d+\.mysql_aurora\.\d+\.\d+\.\d+$"),
        "such as 8.0.mysql_aurora.3.08.2",
    ),
    "aurora-postgresql": (re.compile(r"^\d+(\.\d+)?$"), "such as 16.6"),
}
DATA_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
# The retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
MIN_LOG_RETENTION_DAYS = 365
VPC_PREFIX_RANGE = (16, 20)
AZ_COUNT_RANGE = (2, 6)

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_REGION_SHAPE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_STACK_REF = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")
_TIME = r"([01]\d|2[0-3]):[0-5]\d"
_BACKUP_WINDOW = re.compile(rf"^{_TIME}-{_TIME}$")
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)"
_MAINTENANCE_WINDOW = re.compile(rf"^{_DAY}:{_TIME}-{_DAY}:{_TIME}$")
_CRON = re.compile(r"^cron\((\S+ ){5}\S+\)$")
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
_DB_INSTANCE_CLASS = re.compile(r"^db\.(r|x)[0-9][a-z0-9-]*\.[a-z0-9]+$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{1,256}$")


class SettingsError(ValueError):
    """Bad stack configuration: names the key, the value and the rule it breaks."""

    def __init__(self, key: str, value: Any, rule: str):
        self.key, self.value, self.rule = key, value, rule
        super().__init__(f"invalid config {key}={value!r}: {rule}")


@dataclass(frozen=True)
class Tags:
    """Default tags carried by every provider, so every taggable resource has them."""

    environment: str
    owner: str
    cost_center: str
    data_classification: str

    def for_role(self, role: str) -> dict[str, str]:
        return {
            "Application": PROJECT,
            "Environment": self.environment,
            "Owner": self.owner,
            "CostCenter": self.cost_center,
            "DataClassification": self.data_classification,
            "ManagedBy": "pulumi",
            "DRRole": role,
        }


@dataclass(frozen=True)
class DatabaseSettings:
    engine: str
    engine_version: str
    instance_class: str
    backup_retention_days: int
    backup_window: str
    maintenance_window: str

    @property
    def port(self) -> int:
        return DB_ENGINES[self.engine][1]

    @property
    def log_exports(self) -> tuple[str, ...]:
        return DB_ENGINES[self.engine][2]


@dataclass(frozen=True)
class BackupSettings:
    schedule: str
    delete_after_days: int


@dataclass(frozen=True)
class TrafficSettings:
    zone_name: str
    hosted_zone_id: str | None  # None: the primary stack creates the zone
    app_name: str
    app_port: int
    health_check_path: str
    health_check_interval: int
    health_check_threshold: int
    instance_type: str
    app_min_size: int
    app_max_size: int
    app_desired_size: int
    waf_rate_limit: int

    @property
    def app_fqdn(self) -> str:
        return f"{self.app_name}.{self.zone_name}"


@dataclass(frozen=True)
class FailoverSettings:
    consecutive_evaluations: int
    max_replication_lag_seconds: int
    lock_seconds: int
    evaluation_interval_seconds: int
    """Cadence of the orchestrator's evaluations (EventBridge's minimum is one minute, so the
    orchestrator loops inside an invocation)."""
    probe_timeout_seconds: int
    """Bound on each probe of one evaluation, so a slow probe cannot stretch the cadence."""
    global_db_rpo_seconds: int | None = None
    """rds.global_db_rpo of the primary's Aurora PostgreSQL cluster (dbGlobalRpoSeconds:
    0 takes maxReplicationLagSeconds, -1 leaves the engine default: None)."""


@dataclass(frozen=True)
class Settings:
    """Everything a stack needs to know, validated. Built once per program run."""

    stack: str
    role: str
    home_region: str
    peer_region: str
    vpc_cidr: ipaddress.IPv4Network
    peer_vpc_cidr: ipaddress.IPv4Network
    az_count: int
    tier: str
    alert_email: str | None
    primary_stack: str | None  # dr only: StackReference name of the primary stack
    tags: Tags
    key_deletion_window_days: int
    log_retention_days: int
    protect_data: bool
    database: DatabaseSettings
    backup: BackupSettings
    traffic: TrafficSettings
    failover: FailoverSettings

    @property
    def is_primary(self) -> bool:
        return self.role == "primary"

    @property
    def peer_role(self) -> str:
        return "dr" if self.is_primary else "primary"

    @property
    def default_tags(self) -> dict[str, str]:
        return self.tags.for_role(self.role)


@functools.cache
def project_defaults() -> dict[str, Any]:
    """Defaults declared in Pulumi.yaml, keyed by full config key."""
    declared = yaml.safe_load(PROJECT_FILE.read_text())["config"]
    return {f"{PROJECT}:{key}": spec["default"] for key, spec in declared.items()}


class _Reader:
    """Reads one key at a time from the raw config, defaults applied, typed and checked."""

    def __init__(self, raw: Mapping[str, Any]):
        self._values = {**project_defaults(), **raw}

    def raw(self, key: str) -> Any:
        return self._values.get(key if ":" in key else f"{PROJECT}:{key}")

    def string(self, key: str) -> str:
        value = self.raw(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise SettingsError(_full(key), value, "must be a string")
        return value.strip()

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.raw(key)
        if isinstance(value, bool):
            raise SettingsError(_full(key), value, "must be a whole number")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise SettingsError(_full(key), value, "must be a whole number") from None
        if not low <= number <= high:
            raise SettingsError(_full(key), value, f"must be between {low} and {high}")
        return number

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise SettingsError(_full(key), value, "must be true or false")

    def choice(self, key: str, choices: tuple[str, ...] | dict) -> str:
        value = self.string(key)
        if value not in choices:
            raise SettingsError(_full(key), value, f"must be one of {' | '.join(choices)}")
        return value

    def matching(self, key: str, pattern: re.Pattern, rule: str) -> str:
        value = self.string(key)
        if not pattern.match(value):
            raise SettingsError(_full(key), value, rule)
        return value


def _full(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


@functools.cache
def _known_regions() -> frozenset[str]:
    # botocore ships the partition endpoint data; no network call is made.
    import botocore.session

    session = botocore.session.get_session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ec2", partition_name=partition))
    return frozenset(regions)


def _region(read: _Reader, key: str) -> str:
    value = read.string(key)
    if not _REGION_SHAPE.match(value) or value not in _known_regions():
        raise SettingsError(_full(key), value, "must be an AWS region name such as us-east-1")
    return value


def _vpc_cidr(read: _Reader, key: str) -> ipaddress.IPv4Network:
    value = read.string(key)
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise SettingsError(
            _full(key), value, f"must be an IPv4 network in CIDR notation ({error})"
        ) from None
    low, high = VPC_PREFIX_RANGE
    if not low <= network.prefixlen <= high:
        raise SettingsError(_full(key), value, f"prefix must be between /{low} and /{high}")
    if not network.is_private:
        raise SettingsError(_full(key), value, "must be a private (RFC 1918) range")
    return network


def parse_settings(raw: Mapping[str, Any], stack: str) -> Settings:
    """Validate the flat config of one stack into Settings, or raise SettingsError."""
    read = _Reader(raw)

    role = read.choice("role", ROLES)
    home_region = _region(read, "aws:region")
    peer_region = _region(read, "peerRegion")
    if peer_region == home_region:
        raise SettingsError(_full("peerRegion"), peer_region, "must differ from aws:region (the home region)")

    vpc_cidr = _vpc_cidr(read, "vpcCidr")
    peer_vpc_cidr = _vpc_cidr(read, "peerVpcCidr")
    if vpc_cidr.overlaps(peer_vpc_cidr):
        raise SettingsError(
            _full("peerVpcCidr"),
            str(peer_vpc_cidr),
            f"must not overlap vpcCidr {vpc_cidr} (peered VPCs route to each other)",
        )

    alert_email = read.string("alertEmail") or None
    if alert_email is not None and not _EMAIL.match(alert_email):
        raise SettingsError(_full("alertEmail"), alert_email, "must be an e-mail address")

    primary_stack = read.string("primaryStack") or None
    if role == "dr" and primary_stack is None:
        raise SettingsError(
            _full("primaryStack"),
            "",
            "is required when role is dr (the StackReference name of the primary stack)",
        )
    if primary_stack is not None and not _STACK_REF.match(primary_stack):
        raise SettingsError(
            _full("primaryStack"), primary_stack, "must be a stack name such as org/project/stack"
        )

    tags = Tags(
        environment=read.matching("environment", _TAG_VALUE, "must be a tag value (1-256 chars)"),
        owner=read.matching("owner", _TAG_VALUE, "must be a tag value (1-256 chars)"),
        cost_center=read.matching("costCenter", _TAG_VALUE, "must be a tag value (1-256 chars)"),
        data_classification=read.choice("dataClassification", DATA_CLASSIFICATIONS),
    )

    log_retention = read.integer("logRetentionDays", 1, 3653)
    if log_retention not in LOG_RETENTION_DAYS or log_retention < MIN_LOG_RETENTION_DAYS:
        allowed = [d for d in LOG_RETENTION_DAYS if d >= MIN_LOG_RETENTION_DAYS]
        raise SettingsError(
            _full("logRetentionDays"),
            log_retention,
            f"must be one of {', '.join(map(str, allowed))} (CloudWatch values, one year or more)",
        )

    engine = read.choice("dbEngine", tuple(DB_ENGINES))
    database = DatabaseSettings(
        engine=engine,
        engine_version=_engine_version(read, engine),
        instance_class=read.matching(
            "dbInstanceClass",
            _DB_INSTANCE_CLASS,
            "must be a memory-optimised db.r*/db.x* class (Global Database needs one)",
        ),
        backup_retention_days=read.integer("backupRetentionDays", 7, 35),
        backup_window=read.matching("backupWindow", _BACKUP_WINDOW, "must be hh24:mi-hh24:mi"),
        maintenance_window=read.matching(
            "maintenanceWindow", _MAINTENANCE_WINDOW, "must be ddd:hh24:mi-ddd:hh24:mi"
        ),
    )

    backup = BackupSettings(
        schedule=read.matching("backupSchedule", _CRON, "must be a cron(...) with 6 fields"),
        delete_after_days=read.integer("backupDeleteAfterDays", 7, 36500),
    )

    traffic = _traffic(read)

    failover = FailoverSettings(
        consecutive_evaluations=read.integer("failoverEvaluations", 1, 10),
        max_replication_lag_seconds=read.integer("maxReplicationLagSeconds", 1, 300),
        lock_seconds=read.integer("failoverLockSeconds", 15, 900),
        evaluation_interval_seconds=read.integer("failoverEvaluationIntervalSeconds", 5, 60),
        probe_timeout_seconds=read.integer("failoverProbeTimeoutSeconds", 1, 10),
        global_db_rpo_seconds=_global_db_rpo(read, engine),
    )

    return Settings(
        stack=stack,
        role=role,
        home_region=home_region,
        peer_region=peer_region,
        vpc_cidr=vpc_cidr,
        peer_vpc_cidr=peer_vpc_cidr,
        az_count=read.integer("azCount", *AZ_COUNT_RANGE),
        tier=read.choice("tier", TIERS),
        alert_email=alert_email,
        primary_stack=primary_stack,
        tags=tags,
        key_deletion_window_days=read.integer("keyDeletionWindowDays", 7, 30),
        log_retention_days=log_retention,
        protect_data=read.boolean("protectData"),
        database=database,
        backup=backup,
        traffic=traffic,
        failover=failover,
    )


GLOBAL_DB_RPO_MIN = 20  # rds.global_db_rpo: 20 to 2,147,483,647 seconds (aurora_plan)


def _global_db_rpo(read: _Reader, engine: str) -> int | None:
    """dbGlobalRpoSeconds: -1 off, 0 = maxReplicationLagSeconds (the RPO gate's bound), else
    the bound itself. Checked against the parameter's range only where it applies
    (aurora-postgresql)."""
    value = read.integer("dbGlobalRpoSeconds", -1, 2_147_483_647)
    if value == -1:
        return None
    bound = read.integer("maxReplicationLagSeconds", 1, 300) if value == 0 else value
    if engine == "aurora-postgresql" and bound < GLOBAL_DB_RPO_MIN:
        derived = f" (0 takes maxReplicationLagSeconds={bound})" if value == 0 else ""
        raise SettingsError(
            _full("dbGlobalRpoSeconds"),
            value,
            f"rds.global_db_rpo must be at least {GLOBAL_DB_RPO_MIN} seconds{derived}; "
            "set 20 or more, or -1 to leave it unset",
        )
    return bound


def _engine_version(read: _Reader, engine: str) -> str:
    version = read.string("dbEngineVersion") or DB_ENGINES[engine][0]
    pattern, example = DB_ENGINE_VERSIONS[engine]
    if not pattern.match(version):
        raise SettingsError(_full("dbEngineVersion"), version, f"must be an {engine} version {example}")
    return version


def _traffic(read: _Reader) -> TrafficSettings:
    zone_name = read.matching("zoneName", _DNS_NAME, "must be a lower-case DNS name")
    hosted_zone_id = read.string("hostedZoneId") or None
    if hosted_zone_id is not None and not _ZONE_ID.match(hosted_zone_id):
        raise SettingsError(
            _full("hostedZoneId"), hosted_zone_id, "must be a Route 53 zone id such as Z123ABC"
        )
    interval = read.integer("healthCheckInterval", 10, 30)
    if interval not in (10, 30):
        raise SettingsError(_full("healthCheckInterval"), interval, "must be 10 or 30 (seconds)")
    health_path = read.string("healthCheckPath")
    if not health_path.startswith("/") or " " in health_path:
        raise SettingsError(_full("healthCheckPath"), health_path, "must be a URL path starting with /")
    min_size = read.integer("appMinSize", 0, 1000)
    max_size = read.integer("appMaxSize", 1, 1000)
    desired = read.integer("appDesiredSize", 0, 1000)
    if not min_size <= desired <= max_size:
        raise SettingsError(
            _full("appDesiredSize"),
            desired,
            f"must lie between appMinSize ({min_size}) and appMaxSize ({max_size})",
        )
    return TrafficSettings(
        zone_name=zone_name,
        hosted_zone_id=hosted_zone_id,
        app_name=read.matching("appName", _DNS_LABEL, "must be one lower-case DNS label"),
        app_port=read.integer("appPort", 1024, 65535),
        health_check_path=health_path,
        health_check_interval=interval,
        health_check_threshold=read.integer("healthCheckThreshold", 1, 10),
        instance_type=read.matching(
            "instanceType", _INSTANCE_TYPE, "must be an EC2 instance type such as m6i.large"
        ),
        app_min_size=min_size,
        app_max_size=max_size,
        app_desired_size=desired,
        waf_rate_limit=read.integer("wafRateLimit", 100, 2_000_000_000),
    )


def load_settings() -> Settings:
    """Settings of the running stack, from pulumi.Config (defaults applied by the CLI)."""
    import pulumi

    raw: dict[str, Any] = {}
    aws_region = pulumi.Config("aws").get("region")
    if aws_region is not None:
        raw["aws:region"] = aws_region
    project = pulumi.Config(PROJECT)
    for key in project_defaults():
        value = project.get(key.split(":", 1)[1])
        if value is not None:
            raw[key] = value
    return parse_settings(raw, pulumi.get_stack())


# Keys both stacks must agree on: the regions are built by the same code from them.
SHARED_KEYS = {
    "tier": lambda s: s.tier,
    "azCount": lambda s: s.az_count,
    "dbEngine": lambda s: s.database.engine,
    "dbEngineVersion": lambda s: s.database.engine_version,
    "zoneName": lambda s: s.traffic.zone_name,
    "appName": lambda s: s.traffic.app_name,
    "appPort": lambda s: s.traffic.app_port,
    "healthCheckPath": lambda s: s.traffic.health_check_path,
}


def check_stack_pair(primary: Settings, dr: Settings) -> None:
    """The two stacks must describe one pair: mirrored regions and CIDRs, shared settings
    equal. Each stack file can be valid on its own and still disagree with the other."""
    if primary.role != "primary":
        raise SettingsError(_full("role"), primary.role, f"stack {primary.stack} must have role primary")
    if dr.role != "dr":
        raise SettingsError(_full("role"), dr.role, f"stack {dr.stack} must have role dr")
    mirrored = [
        ("peerRegion", dr.peer_region, primary.home_region, "must be the primary stack's aws:region"),
        ("aws:region", dr.home_region, primary.peer_region, "must be the primary stack's peerRegion"),
        ("peerVpcCidr", dr.peer_vpc_cidr, primary.vpc_cidr, "must be the primary stack's vpcCidr"),
        ("vpcCidr", dr.vpc_cidr, primary.peer_vpc_cidr, "must be the primary stack's peerVpcCidr"),
    ]
    for key, dr_value, primary_value, rule in mirrored:
        if dr_value != primary_value:
            raise SettingsError(
                f"{_full(key)} (stack {dr.stack})", str(dr_value), f"{rule} ({primary_value})"
            )
    for key, value_of in SHARED_KEYS.items():
        if value_of(dr) != value_of(primary):
            raise SettingsError(
                f"{_full(key)} (stack {dr.stack})",
                value_of(dr),
                f"must equal the primary stack's value {value_of(primary)!r}",
            )
