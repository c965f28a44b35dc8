"""The one timing model of a failover: every duration the drill charges to its clock and
every part of the recovery budget `deploy.py plan` shows, derived from the stack's Settings.

Why one module: the drill (ops/drill.py) and the tier chooser's recovery budget (ops/tiers/budget.py)
must not disagree about how long a step takes. Both build a `TimingModel` with
`timing_model(settings, promotion_seconds=...)` and read its fields; no other module holds a
duration of the failover path.

What is configuration and what is an assumption:
- from Settings (the stack's config): the evaluation cadence, the consecutive evaluations a
  decision needs, the probe timeout, the Route 53 health-check interval and threshold, the tier;
- from the program's own constants (and checked against the plan by a test): the ALB target
  group's health check (interval 15 s, healthy threshold 2; components/traffic/entry.py);
- assumptions, each marked as such with its source: how long AWS takes to promote a global
  cluster ("a few minutes"; we have no measurement, so a parameter, default 120 s), to add a
  writer instance to a headless cluster, to boot an application instance, an API round trip,
  the orchestrator's own run time per evaluation, and the application's reconnect.

The budget (`budget(tier)`) is a worst case along the critical path, in order, from the
moment the primary fails: parts that run in parallel with the promotion (DNS moving to DR,
DR compute scaling out) are charged only for what they add beyond it, so the parts add up to
the total. The drill measures the distribution (outage at a random phase of the cadence);
the budget is its upper bound under the same assumptions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import NamedTuple

from components.settings import Settings
from components.tiers import TierProfile, tier_profile

# --- AWS facts (documented) -------------------------------------------------------------
ALIAS_TO_ALB_TTL_SECONDS = 60
"""An alias record answers with the TTL of its target; an ALB's DNS records have a 60 s TTL.
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html
("If an alias record points to an AWS resource, you can't set the TTL; Route 53 uses the
default TTL for the resource" -- 60 s for Elastic Load Balancing)."""

PROMOTION_SECONDS_DEFAULT = 120.0
"""FailoverGlobalCluster / SwitchoverGlobalCluster duration: an ASSUMPTION. AWS says the
failover "typically" completes "within a few minutes"; we have no measurement.
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html"""
PROMOTION_SOURCE = (
    "assumption: AWS documents 'a few minutes' for FailoverGlobalCluster, no measurement "
    "(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html)"
)

TARGET_HEALTH_INTERVAL_SECONDS = 15
TARGET_HEALTHY_THRESHOLD = 2
"""The ALB target group's health check (components/traffic/entry.py): a new instance takes
traffic after `healthy_threshold` consecutive passing checks `interval` apart.
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html"""

ARC_DATA_PLANE_ENDPOINTS = 5
ARC_ENDPOINTS_THAT_MAY_FAIL = 2
"""Five regional cluster endpoints, at least three always reachable: a call may time out on
two before one answers. https://docs.aws.amazon.com/r53recovery/latest/dg/introduction-components-routing.html"""

SCHEDULE_SECONDS = 60
"""EventBridge's minimum rate: one invocation a minute, which loops evaluations inside it.
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html"""
INVOCATION_BUDGET_SECONDS = 60
"""FAILOVER_INVOCATION_BUDGET_SECONDS as the program sets it: no evaluation starts at or after
this into an invocation; the whole minute, so the last starts one interval before the next
invocation and no gap between evaluations is longer than the interval."""

# --- assumptions (no AWS figure; each is a field, so a benchmark can vary it) ------------
API_LATENCY_SECONDS = 0.2
"""One AWS API round trip from the orchestrator (same-region or ARC data plane): assumption."""
DYNAMODB_LATENCY_SECONDS = 0.02
"""One DynamoDB call from the orchestrator (the control table: lock, execution, epoch,
evaluations): an ASSUMPTION of 20 ms. What AWS documents is DynamoDB's own side, "single-digit
millisecond performance at any scale"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html), an
average of the service's time for single-item operations, without the network or the
client (https://repost.aws/knowledge-center/dynamodb-high-latency); the function reaches
DynamoDB through the VPC's gateway endpoint, and botocore's own signing and parsing on a
256 MB function is the larger unknown. `benchmarks/bench_drill.py --dynamodb-ms` shows what
the figure is worth: the hot-standby p95 stays inside 120 s up to about 50 ms."""
FUNCTION_RUN_SECONDS = 0.5
"""The orchestrator's own compute per evaluation (decision, logging, control-table row)."""
WITNESS_TTL_SECONDS = 10
"""Fallback TTL of the witness record when the program declares none
(components.traffic.names.WITNESS_TTL_SECONDS is the source once the witness exists); the DR
region's resolver may serve the previous answer this long after Route 53 flips it."""
ROUTING_CONTROL_PROPAGATION_SECONDS = 5
"""From UpdateRoutingControlStates to Route 53 answering by the RECOVERY_CONTROL health
check: AWS gives no figure; an assumption."""
PROMOTION_POLL_SECONDS = 10
"""How often the executor describes the global cluster while a promotion runs: it sees the
new writer up to one poll late."""
WRITER_INSTANCE_SECONDS = 600
"""Pilot-light: CreateDBInstance in a headless secondary until the instance is available.
AWS gives no figure ("adds minutes"); assumption, and it precedes the promotion."""
SCALE_OUT_SECONDS = 10
"""SetDesiredCapacity until EC2 Auto Scaling launches instances: assumption."""
INSTANCE_IN_SERVICE_SECONDS = 30
"""EC2 launch until the instance runs and passes the EC2 status checks, when its Auto Scaling
group marks it InService ("After the instance is fully configured and passes the Amazon EC2
health checks, it is attached to the Auto Scaling group and it enters the InService state",
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html): the
application is still starting, and the load balancer has not yet found the target healthy.
The duration is an assumption; that it precedes target health is AWS's."""
INSTANCE_BOOT_SECONDS = 90
"""EC2 launch, OS boot and application start until the health path answers: assumption."""
APP_RECONNECT_SECONDS = 10
"""The application's pool to its own region's cluster endpoint notices that the cluster
became writable after a promotion (its connections were read-only) and reconnects:
assumption."""
VERIFY_CALLS = 2
"""After the writer is available: the test write through the global writer endpoint and the
epoch record, each one API round trip."""


# --- timing profiles: the figures a drill run charges beyond the Settings --------------------
@dataclass(frozen=True)
class Profile:
    """The figures that differ between the drill's timing profiles. Each field of a profile
    is one figure; PROFILE_SOURCES says where each `realistic` figure comes from (an AWS page
    or "assumption"). `nominal` keeps the figures the drill used before profiles existed."""

    name: str
    route53_flip_extra_seconds: float
    """Added to ROUTING_CONTROL_PROPAGATION_SECONDS: Route 53 acting on a routing-control flip."""
    client_reconnect_seconds: float
    """A trading client whose request failed (connection refused, timed out, or an error
    answer) opens its next connection this long after the failure."""
    cloudwatch_publication_delay_seconds: float
    """A CloudWatch datapoint, stamped at the start of its period, becomes visible this long
    after the period ENDS (ops/emulation/metrics.py models the stamping)."""
    promotion_spread: tuple[float, float]
    """FailoverGlobalCluster / SwitchoverGlobalCluster take promotion_seconds x a factor drawn
    uniformly from this range, per operation (the drill's seeded random draw)."""
    dynamodb_latency_seconds: float
    """One DynamoDB call (the orchestrator's control table; the application's lease read)."""


PROFILES: dict[str, Profile] = {
    "nominal": Profile(
        name="nominal",
        route53_flip_extra_seconds=0.0,
        client_reconnect_seconds=0.0,
        cloudwatch_publication_delay_seconds=0.0,
        promotion_spread=(1.0, 1.0),
        dynamodb_latency_seconds=DYNAMODB_LATENCY_SECONDS,
    ),
    "realistic": Profile(
        name="realistic",
        route53_flip_extra_seconds=10.0,
        client_reconnect_seconds=20.0,
        cloudwatch_publication_delay_seconds=60.0,
        promotion_spread=(0.75, 1.25),
        dynamodb_latency_seconds=0.05,
    ),
}
PROFILE_DEFAULT = "nominal"
PROFILE_SOURCES: dict[str, str] = {
    "route53_flip_extra_seconds": (
        "assumption: AWS gives no figure for how soon Route 53 answers differently after a "
        "routing-control update "
        "(https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.update.api.html); "
        "10 s more than the nominal 5 s, one health-checker round"
    ),
    "client_reconnect_seconds": (
        "assumption: a trading client backs off about 20 s after a failed request before it "
        "connects again (typical exponential back-off of HTTP client libraries; no AWS figure)"
    ),
    "cloudwatch_publication_delay_seconds": (
        "AWS: a datapoint is stamped with the start of its period "
        "(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html) "
        "and can only be published once the period has ended; the further delay of 60 s is an "
        "ASSUMPTION (AWS gives no figure for AWS/RDS)"
    ),
    "promotion_spread": (
        "assumption: AWS documents 'a few minutes' and no distribution "
        "(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/"
        "aurora-global-database-disaster-recovery.html); uniform in 0.75x..1.25x of --promotion-seconds"
    ),
    "dynamodb_latency_seconds": (
        "assumption: DynamoDB's own side is single-digit ms "
        "(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html); "
        "50 ms charges the client, TLS and a cold connection from a Lambda or an instance"
    ),
}


def profile(name: str) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"unknown timing profile {name!r}; expected one of {', '.join(PROFILES)}")
    return PROFILES[name]


# --- targets (docs/ARCHITECTURE.md#targets), read by the drill's verdict and the recovery budget ------
RTO_TARGET_SECONDS = 300
"""Recovery time objective: traffic served by a writable DR region within 5 minutes."""
RPO_TARGET_SECONDS = 60
"""Recovery point objective: at most one minute of acknowledged writes lost."""


class BudgetPart(NamedTuple):
    name: str
    seconds: float
    note: str


@dataclass(frozen=True)
class TimingModel:
    """Every duration of the failover path, in seconds. Build with `timing_model`."""

    tier: str
    # cadence of the decision (Settings.failover)
    evaluation_interval_seconds: float
    consecutive_evaluations: int
    probe_timeout_seconds: float
    function_run_seconds: float
    api_latency_seconds: float
    dynamodb_latency_seconds: float
    # Route 53 (Settings.traffic) and DNS
    health_check_interval_seconds: float
    health_check_threshold: int
    witness_ttl_seconds: float
    dns_ttl_seconds: float
    routing_control_propagation_seconds: float
    # the database
    promotion_seconds: float
    promotion_poll_seconds: float
    writer_instance_seconds: float
    # compute and the application
    scale_out_seconds: float
    instance_in_service_seconds: float
    instance_boot_seconds: float
    target_health_interval_seconds: float
    target_healthy_threshold: int
    app_reconnect_seconds: float
    timing_profile: str = PROFILE_DEFAULT
    """The timing profile (PROFILES) the profile-dependent figures come from."""
    client_reconnect_seconds: float = 0.0
    cloudwatch_publication_delay_seconds: float = 0.0
    promotion_spread: tuple[float, float] = (1.0, 1.0)
    invocation_gap_seconds: float = 0.0
    """How much longer than one interval the gap between the last evaluation of an
    invocation and the first of the next is (the loop stops at the invocation budget)."""

    # --- derived parts ------------------------------------------------------------------
    @property
    def health_check_detection_seconds(self) -> float:
        """Route 53 marks the primary unhealthy after `threshold` failed checks."""
        return self.health_check_interval_seconds * self.health_check_threshold

    @property
    def witness_seconds(self) -> float:
        """Outage -> the DR region's resolver answers the witness's failover value."""
        return self.health_check_detection_seconds + self.witness_ttl_seconds

    @property
    def evaluation_seconds(self) -> float:
        """Wall time of one evaluation whose peer probe hangs to its timeout."""
        return self.probe_timeout_seconds + self.function_run_seconds

    @property
    def decision_seconds(self) -> float:
        """Witness flipped -> the N-th agreeing evaluation has decided (worst phase: the
        flip lands just after an evaluation started)."""
        return (
            self.consecutive_evaluations * self.evaluation_interval_seconds
            + self.invocation_gap_seconds
            + self.evaluation_seconds
        )

    @property
    def arc_call_seconds(self) -> float:
        """One ARC data-plane call when two of the five endpoints time out first."""
        return ARC_ENDPOINTS_THAT_MAY_FAIL * self.probe_timeout_seconds + self.api_latency_seconds

    @property
    def fence_seconds(self) -> float:
        """Read the routing controls, then flip both in one UpdateRoutingControlStates."""
        return 2 * self.arc_call_seconds

    @property
    def profile(self) -> TierProfile:
        return tier_profile(self.tier)

    @property
    def headless(self) -> bool:
        return self.profile.headless_dr

    @property
    def prepare_seconds(self) -> float:
        """Decision -> the reversible preparation is done and the fence may go (the runtime
        prepares BEFORE the fence, failover/executor.py): pilot-light adds the writer
        instance to its headless cluster and boots its group in parallel, and waits for
        both; hot- and warm-standby already serve and have instances (0 s)."""
        if not self.headless:
            return 0.0
        return max(self.writer_instance_seconds, self.compute_seconds)

    @property
    def database_seconds(self) -> float:
        """Fence done -> the DR cluster has an available writer and the executor saw it."""
        return self.api_latency_seconds + self.promotion_seconds + self.promotion_poll_seconds

    @property
    def dns_seconds(self) -> float:
        """Fence done -> every resolver answers the DR region (routing-control health check,
        then the cached PRIMARY answer expires)."""
        return self.routing_control_propagation_seconds + self.dns_ttl_seconds

    @property
    def target_healthy_seconds(self) -> float:
        return self.target_health_interval_seconds * self.target_healthy_threshold

    @property
    def compute_seconds(self) -> float:
        """Scale-out started -> the DR target group has a healthy target. Hot-standby and
        warm-standby already serve (warm-standby at minimum size; its scale-out to full size
        runs in the background); pilot-light has no instance until the scale-out, which is
        part of the preparation before the fence."""
        if self.profile.dr_serves_at_once:
            return 0.0
        return self.scale_out_seconds + self.instance_boot_seconds + self.target_healthy_seconds

    @property
    def full_size_seconds(self) -> float:
        """Fence done -> the DR group runs at full size (capacity, not availability)."""
        if self.profile.dr_full_size_at_once:
            return 0.0
        return self.scale_out_seconds + self.instance_boot_seconds + self.target_healthy_seconds

    @property
    def verify_seconds(self) -> float:
        return VERIFY_CALLS * self.api_latency_seconds

    # --- the budget -----------------------------------------------------------------------
    def budget(self, tier: str | None = None) -> list[BudgetPart]:
        """The worst-case recovery budget of `tier` (default: this model's), in critical-path
        order; the seconds add up to `total(tier)`."""
        model = self if tier is None or tier == self.tier else replace(self, tier=_tier(tier))
        return model._parts()

    def total(self, tier: str | None = None) -> float:
        return sum(part.seconds for part in self.budget(tier))

    def detection_and_decision_seconds(self) -> float:
        """Outage -> the decision to promote (printed apart from the promotion)."""
        return self.witness_seconds + self.decision_seconds

    def _parts(self) -> list[BudgetPart]:
        database = self.database_seconds
        dns_beyond = max(0.0, self.dns_seconds - database)
        prepare = (
            f"before the fence, in parallel: CreateDBInstance in the headless cluster "
            f"{self.writer_instance_seconds:.0f}s (assumption) and {self._compute_note()}"
            if self.headless
            else f"{self.tier} has its instances and serves already: nothing to prepare"
        )
        return [
            BudgetPart(
                "detection",
                self.witness_seconds,
                f"Route 53 health check {self.health_check_interval_seconds:.0f}s x "
                f"{self.health_check_threshold} + witness TTL {self.witness_ttl_seconds:.0f}s",
            ),
            BudgetPart(
                "decision",
                self.decision_seconds,
                f"{self.consecutive_evaluations} agreeing evaluations "
                f"{self.evaluation_interval_seconds:.0f}s apart "
                f"+ the {self.invocation_gap_seconds:.0f}s longer gap between two invocations "
                f"+ one evaluation ({self.probe_timeout_seconds:.0f}s probe timeout, "
                f"{self.function_run_seconds:.1f}s run time)",
            ),
            BudgetPart("prepare", self.prepare_seconds, prepare),
            BudgetPart(
                "fence",
                self.fence_seconds,
                f"ARC read + UpdateRoutingControlStates, each past {ARC_ENDPOINTS_THAT_MAY_FAIL} timed-out "
                f"endpoints of {ARC_DATA_PLANE_ENDPOINTS}",
            ),
            BudgetPart(
                "promotion",
                database,
                f"FailoverGlobalCluster {self.promotion_seconds:.0f}s ({PROMOTION_SOURCE}) "
                f"+ up to one {self.promotion_poll_seconds:.0f}s poll",
            ),
            BudgetPart(
                "dns",
                dns_beyond,
                "beyond the promotion: routing-control health check "
                f"{self.routing_control_propagation_seconds:.0f}s "
                f"+ record TTL {self.dns_ttl_seconds:.0f}s = {self.dns_seconds:.0f}s after the fence",
            ),
            BudgetPart(
                "compute",
                0.0,
                f"after the fence: nothing; the fence waits for healthy targets ({self._compute_note()})",
            ),
            BudgetPart(
                "verify",
                self.verify_seconds,
                f"test write through the global writer endpoint + epoch record, {VERIFY_CALLS} API calls",
            ),
            BudgetPart(
                "reconnect",
                self.app_reconnect_seconds + self.client_reconnect_seconds,
                f"the application reconnects to its own region's cluster endpoint "
                f"{self.app_reconnect_seconds:.0f}s + a client's back-off after a failed request "
                f"{self.client_reconnect_seconds:.0f}s ({self.timing_profile} profile; assumptions)",
            ),
        ]

    def _compute_note(self) -> str:
        boot = (
            f"scale-out {self.scale_out_seconds:.0f}s + boot {self.instance_boot_seconds:.0f}s + "
            f"{self.target_healthy_threshold} x {self.target_health_interval_seconds:.0f}s "
            "target health checks"
        )
        if self.profile.dr_full_size_at_once:
            return f"{self.tier} serves at full size already (0s)"
        if self.profile.dr_serves_at_once:
            return f"{self.tier} serves at minimum size at once; full size after {boot} (in the background)"
        return f"{self.tier} has no instance: {boot} = {self.compute_seconds:.0f}s"


def program_ttls() -> tuple[float, float]:
    """(failover record TTL, witness record TTL) as the program declares them
    (components/traffic/names.py), so the budget and the plan cannot disagree. A program
    without routing-control-gated CNAMEs answers through an ALB alias: 60 s."""
    from components.traffic import names

    record = getattr(names, "FAILOVER_RECORD_TTL_SECONDS", ALIAS_TO_ALB_TTL_SECONDS)
    witness = getattr(names, "WITNESS_TTL_SECONDS", WITNESS_TTL_SECONDS)
    return float(record), float(witness)


def _tier(tier: str) -> str:
    return tier_profile(tier).name


def timing_model(
    settings: Settings,
    promotion_seconds: float = PROMOTION_SECONDS_DEFAULT,
    tier: str | None = None,
    profile_name: str = PROFILE_DEFAULT,
) -> TimingModel:
    """The timing model of a stack's settings (its tier unless `tier` is given) under a
    timing profile (PROFILES). Pure."""
    if promotion_seconds <= 0:
        raise ValueError(f"promotion_seconds must be positive, got {promotion_seconds!r}")
    chosen = profile(profile_name)
    failover, traffic = settings.failover, settings.traffic
    record_ttl, witness_ttl = program_ttls()
    return TimingModel(
        tier=_tier(tier or settings.tier),
        evaluation_interval_seconds=float(failover.evaluation_interval_seconds),
        consecutive_evaluations=failover.required_evaluations,
        probe_timeout_seconds=float(failover.probe_timeout_seconds),
        function_run_seconds=FUNCTION_RUN_SECONDS,
        api_latency_seconds=API_LATENCY_SECONDS,
        dynamodb_latency_seconds=chosen.dynamodb_latency_seconds
        if chosen.name != PROFILE_DEFAULT
        else DYNAMODB_LATENCY_SECONDS,
        health_check_interval_seconds=float(traffic.health_check_interval),
        health_check_threshold=traffic.health_check_threshold,
        witness_ttl_seconds=witness_ttl,
        dns_ttl_seconds=record_ttl,
        routing_control_propagation_seconds=float(ROUTING_CONTROL_PROPAGATION_SECONDS)
        + chosen.route53_flip_extra_seconds,
        promotion_seconds=float(promotion_seconds),
        promotion_poll_seconds=float(PROMOTION_POLL_SECONDS),
        writer_instance_seconds=float(WRITER_INSTANCE_SECONDS),
        scale_out_seconds=float(SCALE_OUT_SECONDS),
        instance_in_service_seconds=float(INSTANCE_IN_SERVICE_SECONDS),
        instance_boot_seconds=float(INSTANCE_BOOT_SECONDS),
        target_health_interval_seconds=float(TARGET_HEALTH_INTERVAL_SECONDS),
        target_healthy_threshold=TARGET_HEALTHY_THRESHOLD,
        app_reconnect_seconds=float(APP_RECONNECT_SECONDS),
        invocation_gap_seconds=invocation_gap(float(failover.evaluation_interval_seconds)),
        timing_profile=chosen.name,
        client_reconnect_seconds=chosen.client_reconnect_seconds,
        cloudwatch_publication_delay_seconds=chosen.cloudwatch_publication_delay_seconds,
        promotion_spread=chosen.promotion_spread,
    )


def invocation_gap(interval: float) -> float:
    """Evaluations start at 0, interval, ... below the budget; the next invocation starts at
    the next minute. The extra wait beyond one interval, at worst once per decision."""
    last = math.ceil(INVOCATION_BUDGET_SECONDS / interval) * interval - interval
    return max(0.0, SCHEDULE_SECONDS - last - interval)
