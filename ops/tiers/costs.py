"""Monthly cost of a plan, from the plan's own resources: pure functions of the captured
resources (type, region, inputs), the price table and the usage assumptions.

Every AWS resource the plan creates ends in exactly one of three places:
- line items: a rate from the table times a quantity read from the resource's inputs (an Auto
  Scaling group's desired capacity and its launch template's instance type, a cluster
  instance's class, a web ACL's rules, a log group's retention, ...) or from a usage
  assumption (data volume, requests, write rate);
- free: the table says the type costs nothing, and why;
- unpriced: the type is not in the table, or is listed as not priced, or a rate it needs has
  no price (an instance type the table lacks, a rate AWS does not state) — listed with the
  reason, never counted as zero.

Regions: a line item belongs to the region of the resource's provider, except Route 53 and
ARC, which are global services ("global"), and transfer out, which is billed in the region
the data leaves. Traffic-driven usage goes to the region that takes traffic, the primary
stack's home region.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ops.mock_engine import CapturedResource, StackRun
from ops.tiers.prices import PriceTable

GLOBAL = "global"
GLOBAL_SERVICES = ("aws:route53/", "aws:route53recoverycontrol/")
SECONDS_PER_MONTH = 730 * 3600
WRITES_MILLIONS_PER_UNIT_PER_SECOND = SECONDS_PER_MONTH / 1e6
"""One write per second for a month, in millions (2.628)."""


@dataclass(frozen=True)
class Charge:
    """One billable quantity of a resource, before its price is looked up."""

    rate: str
    quantity: float
    basis: str
    """How the quantity was derived, for the reader of the breakdown."""
    region: str | None = None
    """Where it is billed, when not the resource's own region (transfer out)."""


@dataclass(frozen=True)
class LineItem:
    stack: str
    region: str
    type: str
    name: str
    rate: str
    unit: str
    quantity: float
    unit_price: float
    monthly: float
    basis: str


@dataclass(frozen=True)
class Unpriced:
    stack: str
    region: str
    type: str
    name: str
    rate: str | None
    reason: str


@dataclass
class CostEstimate:
    items: list[LineItem] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)
    free: Counter = field(default_factory=Counter)
    """type -> number of resources of a free type."""

    @property
    def total(self) -> float:
        return round(sum(item.monthly for item in self.items), 2)

    def by_region(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for item in self.items:
            totals[item.region] += item.monthly
        return {region: round(value, 2) for region, value in sorted(totals.items())}

    def by_stack(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for item in self.items:
            totals[item.stack] += item.monthly
        return {stack: round(value, 2) for stack, value in sorted(totals.items())}

    def region_total(self, region: str) -> float:
        return self.by_region().get(region, 0.0)

    def by_type(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for item in self.items:
            totals[item.type] += item.monthly
        return {t: round(v, 2) for t, v in sorted(totals.items(), key=lambda kv: -kv[1])}

    def as_dict(self) -> dict[str, Any]:
        return {
            "totalMonthly": self.total,
            "byRegion": self.by_region(),
            "byStack": self.by_stack(),
            "byType": self.by_type(),
            "lineItems": [_camel(asdict(item)) for item in self.items],
            "unpriced": [_camel(asdict(u)) for u in self.unpriced],
            "free": dict(sorted(self.free.items())),
        }


def _camel(record: dict[str, Any]) -> dict[str, Any]:
    """JSON keys in camelCase, like the rest of the document (unit_price -> unitPrice)."""
    return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key): value for key, value in record.items()}


class PlanView:
    """What charge functions need to know about the plan beyond one resource."""

    def __init__(self, runs: Sequence[StackRun]):
        self.runs = list(runs)
        primary = next((r for r in self.runs if r.settings.role == "primary"), self.runs[0])
        self.traffic_region = primary.settings.home_region
        """The region that takes traffic and writes in steady state."""
        self.global_table_names = {
            str(r.inputs.get("globalTableArn", "")).rsplit("/", 1)[-1]
            for run in self.runs
            for r in run.of_type("aws:dynamodb/tableReplica:TableReplica")
        }

    def in_region(self, run: StackRun, type_token: str, region: str | None) -> list[CapturedResource]:
        return [r for r in run.of_type(type_token) if r.region == region]

    def running_instances(self, run: StackRun, region: str | None) -> float:
        return sum(
            float(g.inputs.get("desiredCapacity") or 0)
            for g in self.in_region(run, "aws:autoscaling/group:Group", region)
        )

    def by_id(self, run: StackRun, type_token: str, id_: str | None) -> CapturedResource | None:
        return next((r for r in run.of_type(type_token) if r.id == id_), None)


ChargeFn = Callable[[PlanView, StackRun, CapturedResource, Mapping[str, float], float], list[Charge]]


def _asg(plan, run, r, usage, hours):
    desired = float(r.inputs.get("desiredCapacity") or 0)
    template_ref = r.inputs.get("launchTemplate") or {}
    template = plan.by_id(run, "aws:ec2/launchTemplate:LaunchTemplate", template_ref.get("id"))
    inputs = template.inputs if template else {}
    instance_type = inputs.get("instanceType", "unknown")
    basis = f"desired capacity {desired:g} x {hours:g} h"
    charges = [Charge(f"ec2.instance.{instance_type}", desired * hours, f"{instance_type}: {basis}")]
    for mapping in inputs.get("blockDeviceMappings") or []:
        ebs = mapping.get("ebs") or {}
        size = float(ebs.get("volumeSize") or 8)
        volume = ebs.get("volumeType") or "gp3"
        basis = f"{desired:g} x {size:g} GB {volume}"
        charges.append(Charge(f"ebs.{volume}.gb-month", desired * size, basis))
    if (inputs.get("monitoring") or {}).get("enabled"):
        charges.append(
            Charge(
                "cloudwatch.ec2-detailed-monitoring.instance-month",
                desired,
                f"detailed monitoring on {desired:g} instances",
            )
        )
    return charges


def _nat(plan, run, r, usage, hours):
    gateways = len(plan.in_region(run, "aws:ec2/natGateway:NatGateway", r.region)) or 1
    instances = plan.running_instances(run, r.region)
    gb = usage["natGbPerInstanceMonth"] * instances / gateways
    return [
        Charge("nat.gateway.hour", hours, f"{hours:g} h"),
        Charge(
            "nat.gateway.gb",
            gb,
            f"{usage['natGbPerInstanceMonth']:g} GB x {instances:g} running instances / {gateways} gateways",
        ),
    ]


def _eip(plan, run, r, usage, hours):
    return [Charge("vpc.public-ipv4.hour", hours, f"{hours:g} h")]


def _vpc_endpoint(plan, run, r, usage, hours):
    if str(r.inputs.get("vpcEndpointType", "Gateway")) == "Gateway":
        return [Charge("vpc.endpoint.gateway.month", 1, "gateway endpoint")]
    zones = len(r.inputs.get("subnetIds") or []) or 1
    return [Charge("vpc.endpoint.interface.az-hour", zones * hours, f"{zones} AZ x {hours:g} h")]


def _alb(plan, run, r, usage, hours):
    charges = [Charge("elb.alb.hour", hours, f"{hours:g} h")]
    if r.region == plan.traffic_region:
        lcu = usage["albActiveLcu"]
        charges.append(Charge("elb.alb.lcu-hour", lcu * hours, f"{lcu:g} LCU x {hours:g} h (takes traffic)"))
    return charges


def _attachment(plan, run, r, usage, hours):
    return [Charge("tgw.attachment.hour", hours, f"{hours:g} h")]


def _vpc_attachment(plan, run, r, usage, hours):
    gb = usage["tgwGbPerMonth"]
    return [*_attachment(plan, run, r, usage, hours), Charge("tgw.data-processing.gb", gb, f"{gb:g} GB")]


def _peering_attachment(plan, run, r, usage, hours):
    gb = usage["tgwGbPerMonth"]
    return [
        *_attachment(plan, run, r, usage, hours),
        Charge("transfer.inter-region.gb", gb, f"{gb:g} GB between the regions"),
    ]


def _cluster_instance(plan, run, r, usage, hours):
    engine = r.inputs.get("engine", "unknown")
    klass = r.inputs.get("instanceClass", "unknown")
    return [Charge(f"rds.{engine}.{klass}", hours, f"{klass} {engine}: {hours:g} h")]


def _cluster(plan, run, r, usage, hours):
    gb = usage["dbStorageGb"]
    charges = [Charge("aurora.storage.gb-month", gb, f"{gb:g} GB cluster volume")]
    if run.settings.role == "primary":
        io = usage["dbIoMillionsPerMonth"]
        charges.append(Charge("aurora.io.million", io, f"{io:g} M I/Os on the writer"))
    else:
        writes = usage["dbWriteIoMillionsPerMonth"]
        basis = f"{writes:g} M replicated write I/Os"
        charges.append(Charge("aurora.replicated-write-io.million", writes, basis))
        charges.append(
            Charge("aurora.global-replication.transfer.gb", writes, "replication traffic of the write I/Os")
        )
    return charges


def _pitr(spec: Any) -> bool:
    return bool(spec.get("enabled")) if isinstance(spec, dict) else bool(spec)


def _table(plan, run, r, usage, hours):
    name = r.inputs.get("name", r.name)
    if str(r.inputs.get("billingMode", "PROVISIONED")) != "PAY_PER_REQUEST":
        return [Charge("dynamodb.provisioned", 0, "provisioned capacity is not modelled")]
    if name not in plan.global_table_names:
        writes = usage["controlTableRequestsMillionsPerMonth"]
        return [Charge("dynamodb.write.million", writes, f"{writes:g} M orchestrator writes")]
    wps, rps, gb = (
        usage["ddbWritesPerSecondPerTable"],
        usage["ddbReadsPerSecondPerTable"],
        usage["ddbStorageGbPerTable"],
    )
    charges = [
        Charge(
            "dynamodb.replicated-write.million",
            wps * WRITES_MILLIONS_PER_UNIT_PER_SECOND,
            f"{wps:g} writes/s, replica {r.region}",
        ),
        Charge("dynamodb.storage.gb-month", gb, f"{gb:g} GB"),
    ]
    if r.region == plan.traffic_region:
        charges.append(
            Charge("dynamodb.read.million", rps * WRITES_MILLIONS_PER_UNIT_PER_SECOND, f"{rps:g} reads/s")
        )
    if _pitr(r.inputs.get("pointInTimeRecovery")):
        charges.append(Charge("dynamodb.pitr.gb-month", gb, f"{gb:g} GB under point-in-time recovery"))
    return charges


def _table_replica(plan, run, r, usage, hours):
    wps, gb = usage["ddbWritesPerSecondPerTable"], usage["ddbStorageGbPerTable"]
    source = _arn_region(str(r.inputs.get("globalTableArn", ""))) or plan.traffic_region
    # 1 KB items: writes per month x 1 KB, in GB.
    transfer_gb = wps * SECONDS_PER_MONTH / (1024 * 1024)
    charges = [
        Charge(
            "dynamodb.replicated-write.million",
            wps * WRITES_MILLIONS_PER_UNIT_PER_SECOND,
            f"{wps:g} writes/s, replica {r.region}",
        ),
        Charge("dynamodb.storage.gb-month", gb, f"{gb:g} GB"),
        Charge("transfer.inter-region.gb", transfer_gb, f"{wps:g} writes/s x 1 KB", region=source),
    ]
    if _pitr(r.inputs.get("pointInTimeRecovery")):
        charges.append(Charge("dynamodb.pitr.gb-month", gb, f"{gb:g} GB under point-in-time recovery"))
    return charges


def _arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def _replicated_buckets(plan: PlanView) -> set[str]:
    names = set()
    for run in plan.runs:
        for config in run.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig"):
            names.add(str(config.inputs.get("bucket")))
            for rule in config.inputs.get("rules") or []:
                names.add(str((rule.get("destination") or {}).get("bucket", "")).rsplit(":", 1)[-1])
    return names


def _bucket(plan, run, r, usage, hours):
    name = str(r.inputs.get("bucket", r.name))
    if name in _replicated_buckets(plan):
        gb = usage["s3DocumentsGb"]
        return [Charge("s3.standard.gb-month", gb, f"{gb:g} GB of documents")]
    gb = usage["s3LogBucketGb"]
    return [Charge("s3.standard.gb-month", gb, f"{gb:g} GB of logs")]


def _bucket_replication(plan, run, r, usage, hours):
    if r.region != plan.traffic_region:
        # The standby side writes nothing in steady state: its rules replicate nothing.
        return [Charge("s3.put.thousand", 0, "standby side: no new objects")]
    gb, objects = usage["s3NewDocumentsGbPerMonth"], usage["s3NewObjectsThousandsPerMonth"]
    charges = [
        Charge("s3.put.thousand", objects, f"{objects:g} thousand replicated objects"),
        Charge("transfer.inter-region.gb", gb, f"{gb:g} GB of new documents"),
    ]
    for rule in r.inputs.get("rules") or []:
        if ((rule.get("destination") or {}).get("replicationTime") or {}).get("status") == "Enabled":
            charges.append(Charge("s3.rtc.gb", gb, f"{gb:g} GB under Replication Time Control"))
    return charges


def _kms_key(plan, run, r, usage, hours):
    requests = usage["kmsRequestsPerKeyMonth"]
    return [
        Charge("kms.key.month", 1, "one key"),
        Charge("kms.request.ten-thousand", requests / 1e4, f"{requests:g} requests"),
    ]


def _secret(plan, run, r, usage, hours):
    calls = usage["secretsApiCallsPerSecretMonth"]
    return [
        Charge("secretsmanager.secret.month", 1, "one secret"),
        Charge("secretsmanager.api.ten-thousand", calls / 1e4, f"{calls:g} API calls"),
    ]


def _backup_plan(plan, run, r, usage, hours):
    """Recovery points of what the plan's selections name, in its vault and each copy's
    vault: a full copy plus the daily change for each retained day; the copies cross
    regions once a day."""
    selected = [
        res
        for selection in run.of_type("aws:backup/selection:Selection")
        if selection.inputs.get("planId") == r.id
        for res in selection.inputs.get("resources") or []
    ]
    clusters = sum(1 for arn in selected if ":rds:" in arn and ":cluster:" in arn)
    tables = sum(1 for arn in selected if ":dynamodb:" in arn)
    change = usage["backupDailyChangePercent"] / 100
    charges = []
    for rule in r.inputs.get("rules") or []:
        days = float((rule.get("lifecycle") or {}).get("deleteAfter") or 35)
        targets = [(None, "its vault")] + [
            (_arn_region(str(copy.get("destinationVaultArn", ""))), "the copy's vault")
            for copy in rule.get("copyActions") or []
        ]
        for kind, count, gb, rate in (
            ("Aurora", clusters, usage["dbStorageGb"], "backup.aurora.gb-month"),
            ("DynamoDB", tables, usage["ddbStorageGbPerTable"], "backup.dynamodb.gb-month"),
        ):
            if not count:
                continue
            stored = count * gb * (1 + change * max(days - 1, 0))
            kept = f"{count} {kind} x {gb:g} GB, {days:g} days at {change:.0%}/day"
            for region, where in targets:
                charges.append(Charge(rate, stored, f"{kept}, {where}", region))
            for region, _ in targets[1:]:
                copied = count * gb * change * 30
                charges.append(
                    Charge("backup.cross-region-copy.gb", copied, f"{kind}: daily change copied to {region}")
                )
    return charges


def _zone(plan, run, r, usage, hours):
    queries = usage["dnsQueriesMillionsPerMonth"]
    return [
        Charge("route53.zone.month", 1, "one hosted zone"),
        Charge("route53.query.million", queries, f"{queries:g} M non-alias queries"),
    ]


def _health_check(plan, run, r, usage, hours):
    kind = str(r.inputs.get("type", ""))
    if kind == "RECOVERY_CONTROL":
        return [Charge("route53.health-check.recovery-control.month", 1, "routing-control health check")]
    if kind in ("CALCULATED", "CLOUDWATCH_METRIC"):
        return [Charge("route53.health-check.aws.month", 1, f"{kind.lower()} health check")]
    target = str(r.inputs.get("fqdn") or "")
    family = "aws" if target.endswith(".amazonaws.com") else "other"
    features = [
        name
        for name, on in (
            ("HTTPS", kind.startswith("HTTPS")),
            ("string matching", kind.endswith("STR_MATCH")),
            ("fast interval", float(r.inputs.get("requestInterval") or 30) < 30),
            ("latency measurement", bool(r.inputs.get("measureLatency"))),
        )
        if on
    ]
    charges = [Charge(f"route53.health-check.{family}.month", 1, f"{kind} check of an {family} endpoint")]
    if features:
        rate = f"route53.health-check.{family}-feature.month"
        charges.append(Charge(rate, len(features), ", ".join(features)))
    return charges


def _arc_cluster(plan, run, r, usage, hours):
    return [Charge("arc.cluster.hour", hours, f"{hours:g} h")]


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_PER_MONTH = {"minute": 730 * 60, "hour": 730, "day": 730 / 24}


def _invocations_per_month(expression: str) -> float | None:
    match = _RATE.match(expression.strip())
    if not match:
        return None
    return _PER_MONTH[match.group(2).rstrip("s")] / int(match.group(1))


def _lambda(plan, run, r, usage, hours):
    schedules = [
        str(rule.inputs.get("scheduleExpression", ""))
        for rule in plan.in_region(run, "aws:cloudwatch/eventRule:EventRule", r.region)
        if rule.inputs.get("scheduleExpression")
    ]
    counts = [_invocations_per_month(s) for s in schedules]
    if not counts or None in counts:
        return [Charge("lambda.request.million", 0, f"schedule {schedules} not modelled")] + [
            Charge("lambda.schedule.unknown", 0, "invocations of an unmodelled schedule")
        ]
    invocations = sum(counts)
    seconds = min(usage["orchestratorSecondsPerInvocation"], float(r.inputs.get("timeout") or 3))
    memory_gb = float(r.inputs.get("memorySize") or 128) / 1024
    return [
        Charge("lambda.request.million", invocations / 1e6, f"{invocations:g} scheduled invocations"),
        Charge(
            "lambda.gb-second",
            invocations * seconds * memory_gb,
            f"{invocations:g} x {seconds:g} s x {memory_gb:g} GB",
        ),
    ]


def _state_machine(plan, run, r, usage, hours):
    if str(r.inputs.get("type", "STANDARD")) != "STANDARD":
        return [Charge("sfn.express.request.million", 0, "express workflows are not modelled")]
    transitions = usage["stepFunctionsTransitionsPerMonth"]
    return [Charge("sfn.standard.transition.thousand", transitions / 1000, f"{transitions:g} transitions")]


def _metric_alarm(plan, run, r, usage, hours):
    queries = r.inputs.get("metricQueries") or []
    metrics = sum(1 for q in queries if q.get("metric")) or 1
    periods = [float(r.inputs.get("period") or 60)] + [
        float((q.get("metric") or {}).get("period") or 60) for q in queries if q.get("metric")
    ]
    resolution = "high-resolution" if min(periods) < 60 else "standard"
    return [Charge(f"cloudwatch.alarm.{resolution}.month", metrics, f"{metrics} metric(s), {resolution}")]


def _composite_alarm(plan, run, r, usage, hours):
    return [Charge("cloudwatch.alarm.composite.month", 1, "one composite alarm")]


def _dashboard(plan, run, r, usage, hours):
    return [Charge("cloudwatch.dashboard.month", 1, "one dashboard")]


def _log_group(plan, run, r, usage, hours):
    ingest = usage["logIngestGbPerLogGroupMonth"]
    days = float(r.inputs.get("retentionInDays") or 3653)
    stored = ingest * days / 30.4
    return [
        Charge("cloudwatch.logs.ingest.gb", ingest, f"{ingest:g} GB"),
        Charge("cloudwatch.logs.storage.gb-month", stored, f"{ingest:g} GB/month kept {days:g} days"),
    ]


def _trail(plan, run, r, usage, hours):
    selectors = (r.inputs.get("eventSelectors") or []) + (r.inputs.get("advancedEventSelectors") or [])
    charges = [Charge("cloudtrail.management-events.first-copy", 1, "first copy of management events")]
    if any(s.get("dataResources") or s.get("fieldSelectors") for s in selectors):
        charges.append(Charge("cloudtrail.data-events.hundred-thousand", 0, "data events are not modelled"))
    return charges


def _web_acl(plan, run, r, usage, hours):
    rules = len(r.inputs.get("rules") or [])
    charges = [
        Charge("waf.web-acl.month", 1, "one web ACL"),
        Charge("waf.rule.month", rules, f"{rules} rules"),
    ]
    if r.region == plan.traffic_region:
        requests = usage["requestsMillionsPerMonth"]
        charges.append(Charge("waf.request.million", requests, f"{requests:g} M requests (takes traffic)"))
    return charges


def _ssm_parameter(plan, run, r, usage, hours):
    tier = str(r.inputs.get("tier") or "Standard").lower()
    rate = "ssm.parameter.advanced.month" if tier == "advanced" else "ssm.parameter.standard.month"
    return [Charge(rate, 1, f"{tier} parameter")]


CHARGES: dict[str, ChargeFn] = {
    "aws:autoscaling/group:Group": _asg,
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:lb/loadBalancer:LoadBalancer": _alb,
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": _vpc_attachment,
    "aws:ec2transitgateway/peeringAttachment:PeeringAttachment": _peering_attachment,
    "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter": _attachment,
    "aws:rds/clusterInstance:ClusterInstance": _cluster_instance,
    "aws:rds/cluster:Cluster": _cluster,
    "aws:dynamodb/table:Table": _table,
    "aws:dynamodb/tableReplica:TableReplica": _table_replica,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": _bucket_replication,
    "aws:kms/key:Key": _kms_key,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:route53/zone:Zone": _zone,
    "aws:route53/healthCheck:HealthCheck": _health_check,
    "aws:route53recoverycontrol/cluster:Cluster": _arc_cluster,
    "aws:lambda/function:Function": _lambda,
    "aws:sfn/stateMachine:StateMachine": _state_machine,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": _composite_alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudtrail/trail:Trail": _trail,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:ssm/parameter:Parameter": _ssm_parameter,
}
"""type -> the function deriving its charges; the price table lists the same types as priced."""


def billable(run: StackRun) -> Iterable[CapturedResource]:
    """The cloud resources of a stack: providers, components and stack references excluded."""
    return (r for r in run.resources if r.custom and not r.type.startswith("pulumi:"))


def report_region(resource: CapturedResource) -> str:
    if resource.type.startswith(GLOBAL_SERVICES):
        return GLOBAL
    return resource.region or GLOBAL


def estimate_costs(runs: Sequence[StackRun], prices: PriceTable, usage: Mapping[str, float]) -> CostEstimate:
    """Line items, free resources and unpriced ones of the plan made of `runs`."""
    plan = PlanView(runs)
    estimate = CostEstimate()
    for run in runs:
        for resource in billable(run):
            _estimate_resource(estimate, plan, run, resource, prices, usage)
    return estimate


def _estimate_resource(
    estimate: CostEstimate,
    plan: PlanView,
    run: StackRun,
    resource: CapturedResource,
    prices: PriceTable,
    usage: Mapping[str, float],
) -> None:
    region = report_region(resource)

    def unpriced(rate: str | None, reason: str, where: str = region) -> None:
        estimate.unpriced.append(Unpriced(run.stack, where, resource.type, resource.name, rate, reason))

    entry = prices.entry(resource.type)
    if entry is None:
        unpriced(None, f"type not in the price table {prices.path.name}")
        return
    if entry.status == "free":
        estimate.free[resource.type] += 1
        return
    if entry.status == "notPriced":
        unpriced(None, entry.why)
        return
    charge_fn = CHARGES.get(resource.type)
    if charge_fn is None:
        unpriced(None, "priced in the table but no charge function derives its quantities")
        return
    for charge in charge_fn(plan, run, resource, usage, prices.hours_per_month):
        billed_in = charge.region or resource.region or ""
        where = GLOBAL if region == GLOBAL else billed_in
        rate = prices.rate(charge.rate)
        if rate is None:
            unpriced(charge.rate, f"no rate {charge.rate} in {prices.path.name}", where)
            continue
        price = rate.price_in(billed_in)
        if price is None:
            unpriced(charge.rate, rate.not_priced or f"no {billed_in} price for {charge.rate}", where)
            continue
        estimate.items.append(
            LineItem(
                stack=run.stack,
                region=where,
                type=resource.type,
                name=resource.name,
                rate=charge.rate,
                unit=rate.unit,
                quantity=round(charge.quantity, 6),
                unit_price=price,
                monthly=round(charge.quantity * price, 4),
                basis=charge.basis,
            )
        )
