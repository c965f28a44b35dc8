"""The stack's configuration model: one typed, immutable Settings, validated before any
resource is registered.

`parse_settings` is a pure function from a flat config mapping (full keys such as
`trading-dr:role` and `aws:region`, values as strings or YAML scalars) to `Settings`. It
raises `SettingsError`, which names the key, the value and the rule, on the first bad
input (ops/stack_config.py adds the file and the value as written). Defaults come from the
`config:` block of Pulumi.yaml, the one place they are written down, read as the pulumi CLI
reads YAML (components/yaml_reader.py). `load_settings` reads the running stack's config
through `pulumi.Config`. `check_stack_pair` checks that the two stacks describe one pair.

Rules AWS would only enforce half-way through a deployment are enforced here, each with
its source: backup and maintenance windows, RFC 1918 CIDRs, one partition, instance types
that exist, ACM's 64-character first domain name.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.aws_catalog import (
    RECOVERY_CONTROL_CONFIG,
    control_plane_region,
    ec2_instance_types,
    region_partitions,
)
from components.setting_rules import string_problem
from components.tiers import TIERS, TierProfile, tier_profile
from components.yaml_reader import YamlFileError, read_yaml
from failover.config import ROUTE53_REQUEST_INTERVALS, lease_settings_problem, probes_fit
from failover.settings_table import BOOLEAN, BY_CONFIG_KEY, STRING, operator_settings, setting

PROJECT = "trading-dr"
PROJECT_FILE = Path(__file__).resolve().parent.parent / "Pulumi.yaml"

ROLES = ("primary", "dr")
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

_REGION_SHAPE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
_STACK_REF = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+){0,2}$")
_TIME = r"([01]\d|2[0-3]):[0-5]\d"
_BACKUP_WINDOW = re.compile(rf"^{_TIME}-{_TIME}$")
# RDS documents the days capitalised ("Valid Days: Mon | Tue | ...") and answers in
# lower case: either is accepted and the window is kept in lower case, as RDS reports it.
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
_DAY = r"(mon|tue|wed|thu|fri|sat|sun)"
_MAINTENANCE_WINDOW = re.compile(rf"^{_DAY}:{_TIME}-{_DAY}:{_TIME}$", re.IGNORECASE)
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
# An AMI id (8 or 17 hex digits) or an SSM parameter EC2 resolves at launch.
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/finding-an-ami-parameter-store.html
_AMI = re.compile(r"^(ami-([0-9a-f]{8}|[0-9a-f]{17})|resolve:ssm:/?[A-Za-z0-9_.\-/]+(:\d+)?)$")
# "User data is limited to 16 KB, in raw form, before it is base64-encoded."
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html
USER_DATA_MAX_BYTES = 16 * 1024


def yaml_spelling(value: Any) -> str:
    """A value as it would be written in YAML: `true`, `null`, `""`, not Python's spelling."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value and value.strip() == value else json.dumps(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


class SettingsError(ValueError):
    """Bad stack configuration: names the file, the key, the value and the rule it breaks.

    `file` and `written` (the value as the user wrote it in YAML) are filled in by whoever
    knows them (ops/stack_config.py); `stack` names the stack a pair-check error blames."""

    def __init__(
        self,
        key: str,
        value: Any,
        rule: str,
        *,
        file: str | None = None,
        written: str | None = None,
        stack: str | None = None,
    ):
        self.key, self.value, self.rule = key, value, rule
        self.file, self.written, self.stack = file, written, stack
        super().__init__(key, value, rule)

    def __str__(self) -> str:
        file = self.file or (f"Pulumi.{self.stack}.yaml" if self.stack else None)
        written = self.written if self.written is not None else f"= {yaml_spelling(self.value)}"
        line = f"{self.key} {written}: {self.rule}"
        return " ".join((f"{file}: {line}" if file else line).split())


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
    app_ami_id: str | None = None
    """appAmiId: the application's image in this stack's region; None: Amazon Linux 2023."""
    app_user_data: str | None = None
    """appUserData: the file's text, run at first boot instead of the default bootstrap."""

    @property
    def app_fqdn(self) -> str:
        return f"{self.app_name}.{self.zone_name}"


@dataclass(frozen=True)
class FailoverSettings:
    """The orchestrator settings a stack operator sets in Pulumi.yaml: one field per row of
    failover/settings_table.py that has a config key, named as the runtime names it (its
    default, bounds, variable and meaning are in that row, and only there)."""

    required_evaluations: int
    evaluation_interval_seconds: int
    """Cadence of the orchestrator's evaluations (EventBridge's minimum is one minute, so the
    orchestrator loops inside an invocation)."""
    probe_timeout_seconds: int
    """Bound on each probe of one evaluation, so a slow probe cannot stretch the cadence."""
    max_lag_seconds: int
    """The RPO gate: the largest replication lag an automatic promotion accepts."""
    lock_seconds: int
    write_lease_seconds: int
    """L of the write lease (failover/lease.py)."""
    write_lease_renew_seconds: int
    clock_margin_seconds: int
    heartbeat_max_age_seconds: int
    global_db_rpo_seconds: int | None = None
    """rds.global_db_rpo of the primary's Aurora PostgreSQL cluster (dbGlobalRpoSeconds:
    0 takes maxReplicationLagSeconds, -1 leaves the engine default: None)."""

    def runtime_environment(self) -> dict[str, str]:
        """The Lambda's variables for these settings, by the table (spelled as the runtime
        parses them: failover.config.OrchestratorConfig.from_env)."""
        return {row.env: row.spelled(getattr(self, row.name)) for row in operator_settings()}


@dataclass(frozen=True)
class EvidenceSettings:
    retention_days: int = 2557
    """Object Lock retention (compliance mode) of each evidence record, in days."""
    max_age_days: int = 90
    """`status` warns when the last passing drill or switchover is older than this."""


# S3 Object Lock: "The maximum retention period is 100 years"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html).
EVIDENCE_RETENTION_MAX_DAYS = 36500
EVIDENCE_RETENTION_DEFAULT_DAYS = 2557  # seven years (7 x 365 + two leap days)
EVIDENCE_RETENTION_DISPOSABLE_MAX_DAYS = 7
"""Without protectData the stack is disposable, but a compliance-mode object cannot be
deleted by anyone until it expires, and neither can its bucket: keep that short."""


def _evidence(read: _Reader, protect_data: bool) -> EvidenceSettings:
    key = "evidenceRetentionDays"
    days = read.integer(key, 0, EVIDENCE_RETENTION_MAX_DAYS)
    if days == 0:
        days = EVIDENCE_RETENTION_DEFAULT_DAYS if protect_data else 1
    elif not protect_data and days > EVIDENCE_RETENTION_DISPOSABLE_MAX_DAYS:
        raise SettingsError(
            _full(key),
            days,
            f"must be at most {EVIDENCE_RETENTION_DISPOSABLE_MAX_DAYS} when protectData is false "
            "(compliance-mode Object Lock: nobody can delete the records or their bucket before then)",
        )
    return EvidenceSettings(retention_days=days, max_age_days=read.integer("evidenceMaxAgeDays", 1, 366))


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
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Every key read, full name -> its parsed value (what the pair check compares)."""
    secret_keys: frozenset[str] = frozenset()
    """Keys whose value is a secret in the stack file (a placeholder offline)."""
    zone_ids: tuple[str, ...] = ()
    """zoneIds: the pinned Availability Zone IDs, in subnet order; () to choose them
    (components/network/zones.py)."""
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)

    @property
    def is_primary(self) -> bool:
        return self.role == "primary"

    @property
    def tier_profile(self) -> TierProfile:
        """What the tier means, written once (components/tiers.py)."""
        return tier_profile(self.tier)

    @property
    def peer_role(self) -> str:
        return "dr" if self.is_primary else "primary"

    @property
    def default_tags(self) -> dict[str, str]:
        return self.tags.for_role(self.role)


def project_spec(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """The `config:` block of Pulumi.yaml: bare key -> {type, description, default}.
    Raises YamlFileError (one line) when the file is missing, malformed or a key lacks its
    type, description or default."""
    path = path or PROJECT_FILE
    try:
        stat = path.stat()
    except OSError:
        stat = None
    return _project_spec(path, stat.st_mtime_ns if stat else None, stat.st_size if stat else None)


@functools.cache
def _project_spec(path: Path, mtime: int | None, size: int | None) -> dict[str, dict[str, Any]]:
    del mtime, size  # the cache key: a rewritten file is read again
    document = read_yaml(path)
    if not isinstance(document.data, dict) or not isinstance(document.data.get("config"), dict):
        raise YamlFileError(path.name, "needs a config: block declaring every key with its default")
    _check_project(document)
    spec = document.data["config"]
    for key, entry in spec.items():
        line = document.lines.get(("config", key))
        if not isinstance(entry, dict):
            raise YamlFileError(
                path.name, f"config key {key} must be a mapping with type, description and default", line
            )
        missing = [name for name in ("type", "description", "default") if name not in entry]
        if missing:
            raise YamlFileError(path.name, f"config key {key} has no {' or '.join(missing)}", line)
        kind, default = entry["type"], entry["default"]
        type_line = document.lines.get(("config", key, "type"), line)
        if kind not in CONFIG_TYPES:
            close = difflib.get_close_matches(str(kind), list(CONFIG_TYPES), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise YamlFileError(
                path.name,
                f"config key {key} type = {yaml_spelling(kind)}: must be one of "
                f"{' | '.join(CONFIG_TYPES)} (Pulumi project config types){hint}",
                type_line,
            )
        if not CONFIG_TYPES[kind](default) and not (kind != "string" and default == ""):
            raise YamlFileError(
                path.name,
                f"config key {key} default = {yaml_spelling(default)}: must be a {kind} (its declared type)",
                document.lines.get(("config", key, "default"), line),
            )
    return spec


# Pulumi project config types and what a default of each must be.
# https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options
CONFIG_TYPES = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "array": lambda value: isinstance(value, list),
}


def _check_project(document: Any) -> None:
    """name and runtime, which the rest of the project depends on: the config namespace
    (`trading-dr:` keys), the StackReference names and the stack names derive from `name`;
    the program is Python."""
    data, file = document.data, document.file
    name = data.get("name")
    if name != PROJECT:
        raise YamlFileError(
            file,
            f"name = {yaml_spelling(name)}: must be {PROJECT} (the config namespace {PROJECT}: and the "
            f"dr stack's StackReference .../{PROJECT}/primary use it)",
            document.lines.get(("name",)),
        )
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise YamlFileError(
            file,
            f"runtime = {yaml_spelling(runtime_name)}: must be python (__main__.py is the program)",
            document.lines.get(("runtime", "name"), document.lines.get(("runtime",))),
        )


def project_default_line(key: str, path: Path | None = None) -> int | None:
    """The line of `key`'s default in Pulumi.yaml (for an error about the default)."""
    try:
        document = read_yaml(path or PROJECT_FILE)
    except YamlFileError:
        return None
    bare = key.split(":", 1)[1] if key.startswith(f"{PROJECT}:") else key
    return document.lines.get(("config", bare, "default"))


def project_defaults() -> dict[str, Any]:
    """Defaults declared in Pulumi.yaml, keyed by full config key."""
    return {f"{PROJECT}:{key}": spec["default"] for key, spec in project_spec().items()}


class _Reader:
    """Reads one key at a time from the raw config, defaults applied, typed and checked.
    Records each parsed value, so the pair check compares what the program will use."""

    def __init__(self, raw: Mapping[str, Any]):
        self._values = {**project_defaults(), **raw}
        self.parsed: dict[str, Any] = {}

    def raw(self, key: str) -> Any:
        return self._values.get(key if ":" in key else f"{PROJECT}:{key}")

    def _keep(self, key: str, value: Any) -> Any:
        self.parsed[_full(key)] = value
        return value

    def string(self, key: str) -> str:
        """A string obeying its key's rules (components/setting_rules.py STRING_RULES)."""
        value = self.raw(key)
        if value is None:
            return self._keep(key, "")
        if not isinstance(value, str):
            raise SettingsError(_full(key), value, "must be a string")
        problem = string_problem(key.split(":", 1)[-1] if key.startswith(f"{PROJECT}:") else key, value)
        if problem:
            raise SettingsError(_full(key), value, problem)
        return self._keep(key, value.strip())

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
        return self._keep(key, number)

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if isinstance(value, bool):
            return self._keep(key, value)
        # The engine hands values over as strings; exactly what YAML 1.2 reads as a boolean
        # (true/false in any case) is accepted, so `no`, `off` and `0` are errors, not false.
        text = str(value).strip().lower() if isinstance(value, str) else None
        if text in ("true", "false"):
            return self._keep(key, text == "true")
        raise SettingsError(
            _full(key), value, "must be true or false (YAML 1.2: yes, no, on and off are strings)"
        )

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


def _region(read: _Reader, key: str) -> str:
    value = read.string(key)
    if not _REGION_SHAPE.match(value) or value not in region_partitions():
        raise SettingsError(_full(key), value, "must be an AWS region name such as us-east-1")
    return value


# RFC 1918 private address space, exactly: `ipaddress.is_private` also admits loopback,
# link-local and other special ranges a VPC cannot use.
# https://datatracker.ietf.org/doc/html/rfc1918#section-3 ;
# https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))

# ACM: "the length of the domain name (technically, the Common Name) that you provide
# cannot exceed 64 octets (characters), including periods."
# https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html
ACM_FIRST_NAME_MAX = 64

# RDS: PreferredBackupWindow "Must be at least 30 minutes" and "Must not conflict with the
# preferred maintenance window"; PreferredMaintenanceWindow "Minimum 30-minute window".
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
MIN_WINDOW_MINUTES = 30
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MINUTES, _WEEK_MINUTES = 24 * 60, 7 * 24 * 60


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _backup_interval(window: str) -> tuple[int, int]:
    """(start minute of the day, duration); a window may cross midnight."""
    start, end = (_minutes(part) for part in window.split("-"))
    return start, (end - start) % _DAY_MINUTES


def _maintenance_interval(window: str) -> tuple[int, int]:
    """(start minute of the week, duration); a window may cross the end of the week."""
    start, end = (_DAYS.index(part[:3]) * _DAY_MINUTES + _minutes(part[4:]) for part in window.split("-"))
    return start, (end - start) % _WEEK_MINUTES


def windows_overlap(backup_window: str, maintenance_window: str) -> bool:
    """True when the daily backup window meets the weekly maintenance window on any day."""
    b_start, b_length = _backup_interval(backup_window)
    m_start, m_length = _maintenance_interval(maintenance_window)
    for day in range(7):
        start = day * _DAY_MINUTES + b_start
        for shift in (-_WEEK_MINUTES, 0, _WEEK_MINUTES):  # the week is a circle
            if start + shift < m_start + m_length and m_start < start + shift + b_length:
                return True
    return False


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
    if not any(network.subnet_of(block) for block in RFC1918):
        raise SettingsError(
            _full(key), value, "must lie in RFC 1918 space: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
        )
    return network


def parse_settings(raw: Mapping[str, Any], stack: str, secret_keys: frozenset[str] = frozenset()) -> Settings:
    """Validate the flat config of one stack into Settings, or raise SettingsError.
    `secret_keys` name the values that are placeholders for secrets (offline)."""
    read = _Reader(raw)
    role = _role(read, stack)
    home_region, peer_region = _regions(read)
    vpc_cidr, peer_vpc_cidr = _vpc_cidrs(read)
    alert_email = read.string("alertEmail") or None
    primary_stack = _primary_stack(read, role, stack)
    tags = _tags(read)
    log_retention = _log_retention(read)
    database = _database(read)
    backup = BackupSettings(
        schedule=read.string("backupSchedule"),
        delete_after_days=read.integer("backupDeleteAfterDays", 7, 36500),
    )
    traffic = _traffic(read)
    failover = _failover(read, database.engine)
    protect_data = read.boolean("protectData")
    evidence = _evidence(read, protect_data)
    settings = Settings(
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
        protect_data=protect_data,
        database=database,
        backup=backup,
        traffic=traffic,
        failover=failover,
        values=read.parsed,
        secret_keys=frozenset(secret_keys),
        zone_ids=_zone_ids(read),
        evidence=evidence,
    )
    _read_remaining_keys(read)
    return settings


def _role(read: _Reader, stack: str) -> str:
    role = read.choice("role", ROLES)
    if stack in ROLES and role != stack:
        # The stack's name says which role its file describes; blame the role, not the
        # keys the other role needs.
        raise SettingsError(
            _full("role"),
            role,
            f"must be {stack} in the {stack} stack's file (roles and stacks are one to one)",
        )
    return role


def _regions(read: _Reader) -> tuple[str, str]:
    """(home, peer): two regions of one partition."""
    home_region = _region(read, "aws:region")
    peer_region = _region(read, "peerRegion")
    if peer_region == home_region:
        raise SettingsError(_full("peerRegion"), peer_region, "must differ from aws:region (the home region)")
    partitions = region_partitions()
    if partitions[peer_region] != partitions[home_region]:
        # Cross-partition peering, replication and global databases do not exist.
        # https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
        raise SettingsError(
            _full("peerRegion"),
            peer_region,
            f"must be in the same AWS partition as aws:region {home_region} ({partitions[home_region]}), "
            f"not {partitions[peer_region]}",
        )
    if control_plane_region(RECOVERY_CONTROL_CONFIG, partitions[home_region]) is None:
        # "routing control ... not available in the Beijing and Ningxia Regions nor in AWS
        # GovCloud (US)" (https://docs.aws.amazon.com/general/latest/gr/arc.html): the pair's
        # one traffic authority (docs/ARCHITECTURE.md) cannot exist outside the aws partition.
        raise SettingsError(
            _full("aws:region"),
            home_region,
            f"must be in a partition with Amazon ARC routing control (aws), not {partitions[home_region]}",
        )
    return home_region, peer_region


def _vpc_cidrs(read: _Reader) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Network]:
    """(this stack's VPC, the peer's): they must not overlap, as peered VPCs route to each other."""
    vpc_cidr = _vpc_cidr(read, "vpcCidr")
    peer_vpc_cidr = _vpc_cidr(read, "peerVpcCidr")
    read.parsed[_full("vpcCidr")], read.parsed[_full("peerVpcCidr")] = str(vpc_cidr), str(peer_vpc_cidr)
    if vpc_cidr.overlaps(peer_vpc_cidr):
        raise SettingsError(
            _full("peerVpcCidr"),
            str(peer_vpc_cidr),
            f"must not overlap vpcCidr {vpc_cidr} (peered VPCs route to each other)",
        )
    return vpc_cidr, peer_vpc_cidr


def _primary_stack(read: _Reader, role: str, stack: str) -> str | None:
    """primaryStack: the dr stack's StackReference to the primary; the primary has none."""
    primary_stack = read.string("primaryStack") or None
    if role == "primary" and primary_stack is not None:
        raise SettingsError(
            _full("primaryStack"),
            primary_stack,
            "is for the dr stack only: remove it from the primary's file",
        )
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
    if primary_stack is not None and primary_stack.rsplit("/", 1)[-1] == stack:
        raise SettingsError(
            _full("primaryStack"),
            primary_stack,
            f"names this stack ({stack}): it must name the primary stack",
        )
    return primary_stack


def _tags(read: _Reader) -> Tags:
    return Tags(
        environment=read.string("environment"),
        owner=read.string("owner"),
        cost_center=read.string("costCenter"),
        data_classification=read.choice("dataClassification", DATA_CLASSIFICATIONS),
    )


def _log_retention(read: _Reader) -> int:
    """logRetentionDays: a value CloudWatch Logs accepts, one year or more."""
    log_retention = read.integer("logRetentionDays", 1, 3653)
    if log_retention not in LOG_RETENTION_DAYS or log_retention < MIN_LOG_RETENTION_DAYS:
        allowed = [d for d in LOG_RETENTION_DAYS if d >= MIN_LOG_RETENTION_DAYS]
        raise SettingsError(
            _full("logRetentionDays"),
            log_retention,
            f"must be one of {', '.join(map(str, allowed))} (CloudWatch values, one year or more)",
        )
    return log_retention


def _database(read: _Reader) -> DatabaseSettings:
    engine = read.choice("dbEngine", tuple(DB_ENGINES))
    database = DatabaseSettings(
        engine=engine,
        engine_version=_engine_version(read, engine),
        instance_class=read.string("dbInstanceClass"),
        backup_retention_days=read.integer("backupRetentionDays", 7, 35),
        backup_window=_backup_window(read),
        maintenance_window=_maintenance_window(read),
    )
    if windows_overlap(database.backup_window, database.maintenance_window):
        raise SettingsError(
            _full("backupWindow"),
            database.backup_window,
            f"must not overlap maintenanceWindow {database.maintenance_window} (RDS rejects it)",
        )
    read.parsed[_full("dbEngineVersion")] = database.engine_version
    return database


def _orchestrator_setting(read: _Reader, config_key: str) -> Any:
    """An orchestrator setting's Pulumi.yaml key, read by its row of the settings table
    (failover/settings_table.py: the one place its bounds are written)."""
    row = BY_CONFIG_KEY[config_key]
    if row.kind == BOOLEAN:
        return read.boolean(config_key)
    if row.kind == STRING:
        return read.string(config_key)
    return read.integer(config_key, row.low, row.high)


def _failover(read: _Reader, engine: str) -> FailoverSettings:
    """The orchestrator's settings, each bounded by the table, then the rules between them
    (the runtime checks the same rules: failover/config.py)."""
    failover = FailoverSettings(
        **{row.name: _orchestrator_setting(read, row.config_key) for row in operator_settings()},
        global_db_rpo_seconds=_global_db_rpo(read, engine),
    )
    _check_probe_fits(failover)
    problem = lease_settings_problem(
        failover.write_lease_seconds,
        failover.write_lease_renew_seconds,
        failover.clock_margin_seconds,
        failover.lock_seconds,
    )
    if problem is not None:
        name, value, rule = problem
        raise SettingsError(_full(setting(name).config_key), value, rule)
    return failover


def _read_remaining_keys(read: _Reader) -> None:
    """Keys declared but not read by parse_settings (added by later work) still obey their
    declared type and the string rules, and the pair check compares them."""
    for key, spec in project_spec().items():
        if _full(key) not in read.parsed:
            read.parsed[_full(key)] = _declared(read, key, spec["type"])


def _declared(read: _Reader, key: str, kind: str) -> Any:
    """A key read by its Pulumi.yaml type alone (no bounds: whoever uses it adds those)."""
    if read.raw(key) in ("", None) and kind != "string":
        return read.raw(key)  # not set, and no default: whoever reads it says what it needs
    if kind == "integer":
        return read.integer(key, -(2**63), 2**63 - 1)
    if kind == "boolean":
        return read.boolean(key)
    if kind == "string":
        return read.string(key)
    return read.raw(key)


def _backup_window(read: _Reader) -> str:
    value = read.matching("backupWindow", _BACKUP_WINDOW, "must be hh24:mi-hh24:mi (UTC)")
    if _backup_interval(value)[1] < MIN_WINDOW_MINUTES:
        raise SettingsError(
            _full("backupWindow"), value, f"must be at least {MIN_WINDOW_MINUTES} minutes long"
        )
    return value


def _maintenance_window(read: _Reader) -> str:
    value = read.matching(
        "maintenanceWindow",
        _MAINTENANCE_WINDOW,
        "must be ddd:hh24:mi-ddd:hh24:mi (UTC), e.g. sun:04:30-sun:05:30",
    ).lower()
    read.parsed[_full("maintenanceWindow")] = value
    if _maintenance_interval(value)[1] < MIN_WINDOW_MINUTES:
        raise SettingsError(
            _full("maintenanceWindow"), value, f"must be at least {MIN_WINDOW_MINUTES} minutes long"
        )
    return value


def _check_probe_fits(failover: FailoverSettings) -> None:
    """The orchestrator's probe tries, each up to the probe timeout, must end inside one
    evaluation interval, or evaluations overlap and the cadence stretches; the runtime refuses
    the same (failover.config.probes_fit, the one statement of the rule)."""
    attempts = setting("probe_attempts").default
    timeout, interval = failover.probe_timeout_seconds, failover.evaluation_interval_seconds
    if not probes_fit(attempts, timeout, interval):
        raise SettingsError(
            _full("failoverProbeTimeoutSeconds"),
            timeout,
            f"x {attempts} probe attempts must be less than failoverEvaluationIntervalSeconds ({interval})",
        )


GLOBAL_DB_RPO_MIN = 20  # rds.global_db_rpo: 20 to 2,147,483,647 seconds (aurora_plan)


def _global_db_rpo(read: _Reader, engine: str) -> int | None:
    """dbGlobalRpoSeconds: -1 off, 0 = maxReplicationLagSeconds (the RPO gate's bound), else
    the bound itself. Checked against the parameter's range only where it applies
    (aurora-postgresql)."""
    value = read.integer("dbGlobalRpoSeconds", -1, 2_147_483_647)
    if engine != "aurora-postgresql" and value > 0:
        # rds.global_db_rpo is an Aurora PostgreSQL parameter; on aurora-mysql the bound would
        # be ignored without a word.
        raise SettingsError(
            _full("dbGlobalRpoSeconds"),
            value,
            f"applies to aurora-postgresql only (rds.global_db_rpo); with dbEngine {engine} leave it "
            "at 0 or -1",
        )
    if value == -1:
        return None
    bound = _orchestrator_setting(read, "maxReplicationLagSeconds") if value == 0 else value
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
        other = [
            name for name, (shape, _) in DB_ENGINE_VERSIONS.items() if name != engine and shape.match(version)
        ]
        family = f" (it is an {other[0]} version)" if other else ""
        raise SettingsError(
            _full("dbEngineVersion"), version, f"must be an {engine} version {example}{family}"
        )
    # Whether AWS still offers this version for global databases changes over time and is
    # known only to the RDS API (DescribeDBEngineVersions, SupportsGlobalDatabases): that is
    # preflight's to ask, not a table here that goes stale.
    return version


_ZONE_ID_SHAPE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-az[0-9]+$")


def _zone_ids(read: _Reader) -> tuple[str, ...]:
    """zoneIds: comma-separated zone IDs (use1-az1), as many as azCount, no repeats."""
    written = read.string("zoneIds")
    if not written:
        return ()
    ids = tuple(part.strip() for part in written.split(","))
    bad = [i for i in ids if not _ZONE_ID_SHAPE.match(i)]
    if bad:
        raise SettingsError(_full("zoneIds"), written, f"{bad[0]!r} is not a zone ID such as use1-az1")
    if len(set(ids)) != len(ids):
        raise SettingsError(_full("zoneIds"), written, "lists a zone ID twice")
    count = read.parsed.get(_full("azCount"))
    if count is not None and len(ids) != count:
        raise SettingsError(
            _full("zoneIds"),
            written,
            f"lists {len(ids)} zones but azCount is {count}: pin exactly azCount zone IDs "
            "(changing them replaces the subnets and everything in them)",
        )
    return ids


def _traffic(read: _Reader) -> TrafficSettings:
    zone_name = read.string("zoneName")
    hosted_zone_id = read.string("hostedZoneId") or None
    if hosted_zone_id is not None and not _ZONE_ID.match(hosted_zone_id):
        raise SettingsError(
            _full("hostedZoneId"), hosted_zone_id, "must be a Route 53 zone id such as Z123ABC"
        )
    # The runtime's bounds of the same Route 53 settings (it is given them for its RPO gate).
    interval = read.integer(
        "healthCheckInterval", min(ROUTE53_REQUEST_INTERVALS), max(ROUTE53_REQUEST_INTERVALS)
    )
    if interval not in ROUTE53_REQUEST_INTERVALS:
        raise SettingsError(_full("healthCheckInterval"), interval, "must be 10 or 30 (seconds)")
    health_path = read.string("healthCheckPath")
    min_size = read.integer("appMinSize", 0, 1000)
    max_size = read.integer("appMaxSize", 1, 1000)
    if min_size > max_size:
        raise SettingsError(_full("appMinSize"), min_size, f"must not exceed appMaxSize ({max_size})")
    desired = read.integer("appDesiredSize", 0, 1000)
    if not min_size <= desired <= max_size:
        raise SettingsError(
            _full("appDesiredSize"),
            desired,
            f"must lie between appMinSize ({min_size}) and appMaxSize ({max_size})",
        )
    app_name = read.string("appName")
    if len(f"{app_name}.{zone_name}") > ACM_FIRST_NAME_MAX:
        raise SettingsError(
            _full("appName"),
            app_name,
            f"with zoneName makes {app_name}.{zone_name} ({len(app_name) + 1 + len(zone_name)} characters), "
            f"over ACM's {ACM_FIRST_NAME_MAX} for a certificate's first domain name",
        )
    instance_type = read.matching(
        "instanceType", _INSTANCE_TYPE, "must be an EC2 instance type such as m6i.large"
    )
    if instance_type not in ec2_instance_types():
        raise SettingsError(
            _full("instanceType"),
            instance_type,
            "is not an EC2 instance type (botocore's EC2 model lists them)",
        )
    return TrafficSettings(
        zone_name=zone_name,
        hosted_zone_id=hosted_zone_id,
        app_name=app_name,
        app_port=read.integer("appPort", 1024, 65535),
        health_check_path=health_path,
        health_check_interval=interval,
        health_check_threshold=read.integer(
            "healthCheckThreshold", 1, setting("witness_check_threshold").high
        ),
        instance_type=instance_type,
        app_min_size=min_size,
        app_max_size=max_size,
        app_desired_size=desired,
        waf_rate_limit=read.integer("wafRateLimit", 100, 2_000_000_000),
        app_ami_id=_app_ami_id(read),
        app_user_data=_app_user_data(read),
    )


def _app_ami_id(read: _Reader) -> str | None:
    value = read.string("appAmiId")
    if not value:
        return None
    if not _AMI.match(value):
        raise SettingsError(
            _full("appAmiId"),
            value,
            "must be an AMI id of this stack's region (ami-...) or resolve:ssm:<parameter>",
        )
    return value


def _app_user_data(read: _Reader) -> str | None:
    """The text of the appUserData file (relative to the project directory)."""
    value = read.string("appUserData")
    if not value:
        return None
    path = Path(value) if Path(value).is_absolute() else PROJECT_FILE.parent / value
    if not path.is_file():
        raise SettingsError(_full("appUserData"), value, f"must be a readable file ({path} is not)")
    data = path.read_bytes()
    if not data.strip():
        raise SettingsError(_full("appUserData"), value, "must not be empty")
    if len(data) > USER_DATA_MAX_BYTES:
        raise SettingsError(
            _full("appUserData"),
            value,
            f"is {len(data)} bytes; EC2 user data is at most {USER_DATA_MAX_BYTES}",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(
            _full("appUserData"), value, "must be UTF-8 text (a script or cloud-init file)"
        ) from None


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


# Keys each stack sets for itself; every other declared key must be the same in both stacks,
# because the same code builds both regions from them (a dr region with another alertEmail
# pages nobody; another zoneName serves another name). A key added to Pulumi.yaml is shared
# unless it is listed here.
PER_STACK_KEYS = frozenset(
    {
        f"{PROJECT}:{key}"
        # AMI ids are regional: each stack names the image in its own region.
        # Zone IDs are regional too (the zones each stack pinned after its first deploy).
        for key in ("role", "peerRegion", "vpcCidr", "peerVpcCidr", "primaryStack", "appAmiId", "zoneIds")
    }
    | {"aws:region"}
)

# dr key, primary key it must equal, and why.
MIRRORED = (
    ("peerRegion", "aws:region", "the primary stack's aws:region"),
    ("aws:region", "peerRegion", "the primary stack's peerRegion"),
    ("peerVpcCidr", "vpcCidr", "the primary stack's vpcCidr"),
    ("vpcCidr", "peerVpcCidr", "the primary stack's peerVpcCidr"),
)


def shared_keys() -> list[str]:
    """Declared keys that must be equal in both stacks, in Pulumi.yaml's order."""
    return [key for key in project_defaults() if key not in PER_STACK_KEYS]


def check_stack_pair(primary: Settings, dr: Settings) -> None:
    """The two stacks must describe one pair: mirrored regions and CIDRs, every shared key
    equal. Each stack file can be valid on its own and still disagree with the other.
    Errors blame the dr stack's file, the one deployed second."""
    if primary.role != "primary":
        raise SettingsError(
            _full("role"), primary.role, f"stack {primary.stack} must have role primary", stack=primary.stack
        )
    if dr.role != "dr":
        raise SettingsError(_full("role"), dr.role, f"stack {dr.stack} must have role dr", stack=dr.stack)
    for dr_key, primary_key, what in MIRRORED:
        dr_value, primary_value = dr.values[_full(dr_key)], primary.values[_full(primary_key)]
        if str(dr_value) != str(primary_value):
            raise SettingsError(_full(dr_key), dr_value, f"must be {what} ({primary_value})", stack=dr.stack)
    for key in shared_keys():
        secret = {key in primary.secret_keys, key in dr.secret_keys}
        if secret == {True}:
            continue  # both encrypted with their own stack's key: not comparable offline
        if secret == {True, False}:
            raise SettingsError(
                key,
                dr.values.get(key),
                "must be a secret in both stack files or in neither (it must be the same in both)",
                written="(secret in one stack file only)",
                stack=dr.stack,
            )
        mine, theirs = dr.values.get(key), primary.values.get(key)
        if mine != theirs:
            raise SettingsError(key, mine, f"{SHARED_KEY_RULE} {yaml_spelling(theirs)}", stack=dr.stack)


SHARED_KEY_RULE = "must equal the primary stack's value"
