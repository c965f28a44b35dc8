"""The drill's world: two regions built from the offline plan of both stacks, on moto where
moto is faithful (DynamoDB control tables, SNS alert topics, CloudWatch metrics) and on the
explicit emulations of ops/emulation/ where it is not (Aurora global database, ARC cluster
data plane, Route 53 answers and resolvers, Auto Scaling and target health), all on one
simulated clock, with a client write stream and the invariants checked at every step.

Every AWS call the orchestrator makes goes through `install(client, caller, region)`: the call
is charged to the clock (an API round trip, or the client's own connect timeout times its
attempts when the network model says the endpoint cannot be reached), then answered by an
emulation or by moto. Time advances only through `advance`, which steps the world at most
one second at a time and checks every invariant after each step, so a broken invariant is
seen the moment it happens, inside an orchestrator's call if that is where it happens.

The world knows faults (ops/emulation/network.py), never scenarios.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions

from ops.emulation import invariants as inv
from ops.emulation.answers import CallFaults, Surroundings, error, ok
from ops.emulation.application import AppSurroundings, RegionApp, lease_module
from ops.emulation.aurora import ACCOUNT, AuroraEmulation, Cluster
from ops.emulation.client_stream import ClientStream
from ops.emulation.compute import ComputeEmulation, Group, LaunchTimes
from ops.emulation.metrics import MetricsEmulation
from ops.emulation.network import SERVER_ERROR, THROTTLE, UNREACHABLE, Killed, Network
from ops.emulation.route53 import RecordGate, Resolver, Route53Emulation
from ops.emulation.routing_controls import ArcEmulation
from ops.timing_model import TimingModel

PAGE_NAMESPACE = "TradingDr/Failover"
"""The runtime's page metric (namespace, metric "Page", dimension Kind): a page as surely as
an SNS publish, since an alarm in the same region watches it."""

EMULATED_SERVICES = ("rds", "rds-data", "autoscaling", "elbv2", "route53-recovery-cluster", "cloudwatch")
"""Answered by an emulation (cloudwatch: GetMetricStatistics only); the rest goes to moto."""

_SESSION: boto3.session.Session | None = None
_ARC_CLIENTS: dict[tuple[str, str, str, float], object] = {}


def session() -> boto3.session.Session:
    """One boto3 session for every drill run: it loads each service model once (moto's
    mock_aws resets boto3's default session on every start, and a fresh session re-reads
    the JSON models, seconds per run)."""
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


@dataclass
class RegionSpec:
    """What the plan says about one region, as the world needs it."""

    region: str
    cluster_id: str
    instance_ids: list[str]
    asg_name: str
    asg_min: int
    asg_max: int
    asg_desired: int
    table: dict
    """The control table's inputs in the plan (name, hashKey, rangeKey, attributes)."""
    topic_name: str


@dataclass
class WorldSpec:
    primary: RegionSpec
    dr: RegionSpec
    global_id: str
    engine: str
    engine_version: str
    app_fqdn: str
    record_gates: dict[str, RecordGate] = field(default_factory=dict)
    """Region -> its application record's gate (default: routing control and target health)."""
    global_db_rpo_seconds: float | None = None
    """rds.global_db_rpo of the primary's cluster parameter group, when the plan sets it."""


@dataclass
class ProbeAttempt:
    """One HTTPS try of the peer's health URL (the runtime's probe contract: ok, detail)."""

    ok: bool
    detail: str


@dataclass
class Invocation:
    id: str
    region: str
    started: float


@dataclass
class Violation:
    at: float
    invariant: str
    message: str


@dataclass
class WorldLog:
    at: float
    where: str
    what: str


@dataclass
class DrWorld:
    spec: WorldSpec
    timing: TimingModel
    promotion_seconds: float
    replication_lag: float
    start: float
    dns_phase: float = 0.0
    now: float = 0.0
    network: Network = field(default_factory=Network)
    log: list[WorldLog] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    pages: list[tuple[float, str, str]] = field(default_factory=list)
    metric_pages: list[tuple[float, str, str]] = field(default_factory=list)
    calls: list[tuple[float, str, str, str]] = field(default_factory=list)
    """(when, caller region, service, operation) of every AWS call an orchestrator made."""
    running: dict[str, Invocation] = field(default_factory=dict)
    ended: dict[str, inv.Ended] = field(default_factory=dict)
    converged: bool = False
    lock_lease: float = 60.0
    """The executor lock's lease (FAILOVER_LOCK_SECONDS): the longest a dead holder's lock may live."""
    seed: int = 0
    cloudwatch_as_published: bool | None = None
    """CloudWatch datapoints stamped at the period start and visible after it (see
    ops/emulation/metrics.py); default: when the profile charges a publication delay."""
    lease_enforced: bool = False
    """The applications write only under the write lease (the runtime ships one)."""
    acting: str = ""
    """The invocation whose call is being answered ("operator-..." for an operator's)."""
    lease_seconds: float | None = None
    """L (FAILOVER_WRITE_LEASE_SECONDS) while the write lease is enforced: the serving region's
    lease is judged (serving_lease_held) and its lapsed seconds counted (lease_gap_seconds)."""
    schedule_seconds: float = 60.0
    """EventBridge's schedule: a killed process's region has a new invocation within it."""
    overdue: Any = None
    """overdue(region) -> True while the drill owes `region`'s orchestrator an action (an
    evaluation, a renewal, a scheduled start) whose time has passed because another process
    is being run: one process runs at a time here, where AWS runs them side by side, so the
    lease of a region held up that way is not judged (set by the drill's scheduler)."""

    def __post_init__(self) -> None:
        self.now = self.start
        if self.cloudwatch_as_published is None:
            self.cloudwatch_as_published = self.timing.cloudwatch_publication_delay_seconds > 0
        self._rng = random.Random(f"world:{self.seed}")  # noqa: S311 -- repeatable draws, not secrets
        self.acks: list[tuple[float, str, str, int | None]] = []
        """(when, region, kind, epoch) of every write an application acknowledged."""
        self._acks_checked = 0
        self.lease_granted: dict[str, tuple[float, int]] = {}
        """Region -> (the latest valid_until ever written for it in its own table, epoch)."""
        self.arms: list[float] = []
        """When an operator re-armed automatic failover."""
        self.kills: list[tuple[float, str]] = []
        """(when, why) of every process the fault model killed."""
        self.killed_in: list[tuple[float, str]] = []
        """(when, region) of every orchestrator process the fault model killed."""
        self.lease_gap_seconds = 0.0
        """Seconds the serving region's write lease was not valid while its control read On, the
        peer's Off and its orchestrator was healthy (serving_lease_held; 0 when it holds)."""
        self._lease_gap_at: float | None = None
        self._lease_problem: str | None = None
        self._unable: dict[str, float] = {}
        """Region -> the last time a standing condition stopped its renewer (_can_renew)."""
        self._held_up: dict[str, float] = {}
        """Region -> the last time the drill's scheduler owed its orchestrator an action."""
        self._timed_out: dict[str, float] = {}
        """Region -> when its orchestrator's latest call that waits out a timeout ends."""
        """Region -> the last time the drill's scheduler owed its orchestrator an action."""
        self.triggers: list[tuple[Any, Any]] = []
        """(condition(world), action(world)): a fault that follows an event; fires once."""
        self._stash: dict[int, dict] = {}
        self._cached: tuple | None = None
        self._dead = False
        self._lost: str | None = None
        self._epochs: dict[str, int] = {}
        self._writer_seen: tuple[str | None, float] = (None, self.start)
        self.primary, self.dr = self.spec.primary.region, self.spec.dr.region
        self.regions = (self.primary, self.dr)
        clusters = {}
        for spec in (self.spec.primary, self.spec.dr):
            clusters[spec.region] = Cluster(
                spec.region,
                spec.cluster_id,
                instances={i: self.start - 3600 for i in spec.instance_ids},
                writer=spec is self.spec.primary,
                writer_since=self.start - 3600,
            )
        self.faults = CallFaults(
            self.network,
            acting=lambda: self.acting,
            kill=self.kill,
            lose_response=self.lose_response,
        )
        self.aurora = AuroraEmulation(
            self.clock,
            self.record,
            self.faults,
            self.spec.global_id,
            self.spec.engine,
            self.spec.engine_version,
            clusters,
            self.replication_lag,
            operation_seconds=lambda kind: self.draw_promotion_seconds(),
            writer_instance_seconds=self.timing.writer_instance_seconds,
        )
        self.aurora.global_db_rpo = self.spec.global_db_rpo_seconds
        self.compute = ComputeEmulation(
            self.clock,
            self.record,
            self.network,
            LaunchTimes.of(self.timing),
            {
                s.asg_name: Group(s.asg_name, s.region, s.asg_min, s.asg_max, s.asg_desired)
                for s in (self.spec.primary, self.spec.dr)
            },
        )
        self.arc = ArcEmulation(self.clock, self.record, self.faults, self.regions, active=self.primary)
        around = Surroundings(self.clock, self.record, self.network, self.timing)
        self.route53 = Route53Emulation(
            around,
            self.arc,
            self.compute,
            self.spec.record_gates,
            self.primary,
            self.dr,
            self.spec.app_fqdn,
        )
        surroundings = AppSurroundings(
            self.clock,
            self.aurora,
            self.compute,
            self.network,
            self.timing,
            self.raw_item,
            self.put_raw_item,
            self.acknowledged,
            lambda: self.lease_enforced,
        )
        self.apps = {r: RegionApp(surroundings, r) for r in self.regions}
        self.compute.health_ok = lambda region, now: self.apps[region].health_ok(now)
        self.stream = ClientStream(
            around,
            self.route53,
            self.compute,
            self.apps,
            self.primary,
            self.spec.app_fqdn,
            self.dns_phase,
        )
        self.metrics = MetricsEmulation(
            self.clock, self.aurora, self.network, self.timing, lambda: bool(self.cloudwatch_as_published)
        )
        self.resolvers = {r: Resolver(self.clock, self.network, self.route53, r) for r in self.regions}
        self.tables: dict[str, str] = {}
        self.topics: dict[str, str] = {}
        for spec in (self.spec.primary, self.spec.dr):
            self.tables[spec.region] = self._create_table(spec)
            self.topics[spec.region] = (
                session()
                .client("sns", region_name=spec.region)
                .create_topic(Name=spec.topic_name)["TopicArn"]
            )

    # --- moto resources -------------------------------------------------------------------
    @staticmethod
    def _create_table(spec: RegionSpec) -> str:
        inputs = spec.table
        keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
        if inputs.get("rangeKey"):
            keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
        session().client("dynamodb", region_name=spec.region).create_table(
            TableName=inputs["name"],
            KeySchema=keys,
            AttributeDefinitions=[
                {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        return inputs["name"]

    # --- responses for the emulations -------------------------------------------------------
    ok = staticmethod(ok)
    error = staticmethod(error)

    def record(self, where: str, what: str) -> None:
        self.log.append(WorldLog(self.now, where, what))

    def lose_response(self, operation: str) -> None:
        self._lost = operation

    def kill(self, reason: str) -> None:
        """The calling process dies: this call and every later one it would make (a dead
        process runs no `finally`) raise Killed until the drill has buried it (revive)."""
        self.record("drill", f"orchestrator killed {reason}")
        self.kills.append((self.now, reason))
        running = self.running.get(self.acting)
        if running is not None:
            self.killed_in.append((self.now, running.region))
        self._dead = True
        raise Killed(reason)

    def revive(self) -> None:
        self._dead = False

    # --- the clock ----------------------------------------------------------------------
    def clock(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Time passes: the world steps at most a second at a time; invariants after each."""
        end = self.now + max(0.0, seconds)
        while self.now < end:
            self.now = min(end, self.now + 1.0)
            self._step()

    def draw_promotion_seconds(self) -> float:
        """How long this promotion takes: promotion_seconds x a factor from the profile's range."""
        low, high = self.timing.promotion_spread
        return self.promotion_seconds * (low if low == high else self._rng.uniform(low, high))

    def _step(self) -> None:
        now = self.now
        self.aurora.step(now)
        for app in self.apps.values():
            app.step(now)
        self.route53.step(now)
        self.stream.step(now)
        self.metrics.step(now)
        for trigger in [t for t in self.triggers if t[0](self)]:
            self.triggers.remove(trigger)
            trigger[1](self)
        self.check()
        # Time-weighted: the seconds of this step count when the lease was lapsed at its end.
        lapsed = self._lease_problem is not None
        if lapsed and self._lease_gap_at is not None:
            self.lease_gap_seconds += now - self._lease_gap_at
        self._lease_gap_at = now

    # --- invariants ---------------------------------------------------------------------
    def accepting(self) -> set[str]:
        return {r for r in self.regions if self.aurora.accepting(r, self.now)}

    # --- the applications' acknowledgements and the leases they were given -----------------
    def acknowledged(self, region: str, at: float, kind: str, epoch: int | None, seq: int | None) -> None:
        self.acks.append((at, region, kind, epoch))

    def seed_lease(self, region: str, seconds: float) -> None:
        """The lease the primary's renewer held before the drill's window began."""
        lease = lease_module()
        if lease is None:
            return
        item = lease.lease_to_item(
            lease.WriteLease(
                region=region,
                epoch=0,
                valid_until=self.now + seconds,
                renewed_at=self.now,
                holder="drill-start",
            )
        )
        self.put_raw_item(region, {"pk": {"S": lease.LEASE_PK}, "sk": {"S": lease.LEASE_SK}, **item})
        self._sample_leases()

    def _sample_leases(self) -> None:
        lease = lease_module()
        if lease is None:
            return
        for region in self.regions:
            current = lease.lease_from_item(self.raw_item(region, lease.LEASE_PK, lease.LEASE_SK))
            if current is None or current.region != region:
                continue
            best = self.lease_granted.get(region)
            if best is None or current.valid_until > best[0]:
                self.lease_granted[region] = (float(current.valid_until), int(current.epoch))

    def _new_acks(self) -> list[tuple[float, str, str, int | None]]:
        fresh = self.acks[self._acks_checked :]
        self._acks_checked = len(self.acks)
        return fresh

    def check(self) -> None:
        now = self.now
        acks = self._new_acks()
        self._recent_acks = [a for a in getattr(self, "_recent_acks", []) if a[0] > now - 1.0] + acks
        self._writing = [a for a in getattr(self, "_writing", []) if a[0] > now - 2.0] + acks
        # The region that writes is the one whose application acknowledges (the database of
        # an old writer nobody fenced may still accept: that alone sends no client anywhere).
        acknowledging = {a[1] for a in self._writing}
        writer = next(iter(acknowledging)) if len(acknowledging) == 1 else None
        if writer != self._writer_seen[0]:
            self._writer_seen = (writer, now)
        grace = self.traffic_grace_seconds()
        # DNS follows the authority: the grace runs from the later of the writer's start
        # and the authority's last move (after a fence the old writer may finish its lease).
        since = max(self._writer_seen[1], self.arc.updates[-1][0])
        self._lease_problem = self._serving_lease_problem()
        found = {
            "one_writer": inv.one_writer(self._recent_acks, self.aurora.writer_region(), acks),
            "lease_respected": inv.lease_respected(acks, self.lease_granted)
            if self.apps[self.primary].enforces_lease
            else None,
            "loss_within_lag": self.aurora.bound_violations[-1] if self.aurora.bound_violations else None,
            "one_automatic_failover": inv.one_automatic_failover(
                [(at, caller) for at, _, caller in self.aurora.promotions], self.arms
            ),
            "traffic_follows_writer": inv.traffic_follows_writer(
                writer, since, self.route53.app_answer(), now, grace
            ),
            "epochs_agree": self._check_epochs(),
            "no_orphan_lock": inv.no_orphan_lock(
                self._records()[1], set(self.running), self.ended, self.lock_lease, now
            ),
            "serving_lease_held": self._lease_problem,
        }
        for name, message in found.items():
            if message and not any(
                v.invariant == name and v.message == message for v in self.violations[-20:]
            ):
                self.violations.append(Violation(now, name, message))
                self.record("INVARIANT", f"{name}: {message}")

    # --- the serving region's write lease ------------------------------------------------
    def _serving_lease_problem(self) -> str | None:
        if self.lease_seconds is None or not self.lease_enforced:
            return None
        on = self.arc.on_regions()
        serving = next(iter(on)) if len(on) == 1 else None
        if serving is None:
            return None
        lease = lease_module()
        item = self.raw_item(serving, lease.LEASE_PK, lease.LEASE_SK)
        try:
            current = lease.lease_from_item(item)
        except ValueError:
            current = None
        return inv.serving_lease_held(
            serving,
            current.region if current else None,
            float(current.valid_until) if current else None,
            self.orchestrator_healthy(serving),
            self.arc.updates[-1][0],
            float(self.lease_seconds),
            self.now,
        )

    def _can_renew(self, region: str) -> bool:
        """No standing condition stops `region`'s renewer now (orchestrator_healthy)."""
        network = self.network
        if region in network.down or region in network.impaired:
            return False
        for fault in network.faults:
            if fault.kind not in (UNREACHABLE, THROTTLE, SERVER_ERROR):
                continue  # the application's own faults (health, commits) do not touch renewals
            if fault.vantage not in (None, region):
                continue
            if fault.service in (None, "dynamodb") and fault.region in (None, region):
                return False
            if fault.service in (None, "route53-recovery-cluster"):
                return False
        return True

    def orchestrator_healthy(self, region: str) -> bool:
        """Can `region`'s orchestrator renew its write lease? The region is up and not
        impaired, no standing fault touches its own DynamoDB or the ARC data plane from it,
        and no process of it was killed within one schedule period and one lease (the next
        scheduled invocation renews within that)."""
        lease = float(self.lease_seconds or 0)
        if not self._can_renew(region):
            self._unable[region] = self.now
            return False
        # A region that could not renew (gone, impaired, cut off from ARC or its table) has
        # a lapsed lease when it comes back; its renewer renews within one lease.
        if self.now - self._unable.get(region, float("-inf")) <= lease:
            return False
        window = self.schedule_seconds + float(self.lease_seconds or 0)
        if any(r == region and self.now - at < window for at, r in self.killed_in):
            return False
        if self.overdue is not None and self.overdue(region):
            self._held_up[region] = self.now
        if self.now - self._timed_out.get(region, float("-inf")) <= lease:
            # One of its calls waits out (or waited, within a lease) its timeout: the renewer
            # runs between the orchestrator's calls, so it waits with it (docs/WRITE_LEASE.md,
            # "Renewals").
            return False
        # A renewal authorises L seconds: a region held up within the last L may lapse for it.
        return self.now - self._held_up.get(region, float("-inf")) > lease

    def traffic_grace_seconds(self) -> float:
        """How long DNS may keep answering another region after the writer moved: the
        authority follows the writer within one evaluation and one fence (ARC calls past two
        dead endpoints), Route 53 follows the authority after the routing-control check's
        propagation, and after interval x threshold where a record is gated by an endpoint
        health check. Clients may then keep the old answer for the record's TTL."""
        timing = self.timing
        grace = (
            timing.evaluation_interval_seconds
            + timing.fence_seconds
            + timing.routing_control_propagation_seconds
        )
        if any(gate.endpoint for gate in self.spec.record_gates.values()):
            grace += timing.health_check_detection_seconds
        return grace

    def _check_epochs(self) -> str | None:
        records = self._records()[0]
        leases = self.lease_records() if self.converged else None
        message = inv.epochs_agree(
            records, self._epochs, converged=self.converged, leases=leases, now=self.now
        )
        for record in records:
            self._epochs[record.region] = max(self._epochs.get(record.region, 0), record.epoch)
        return message

    def raw_item(self, region: str, pk: str, sk: str) -> dict[str, Any] | None:
        """An item of `region`'s control table as DynamoDB's attribute-value map (moto's own
        model, no HTTP): what an application instance reads."""
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        table = dynamodb_backends[ACCOUNT][region].tables.get(self.tables[region])
        if table is None:
            return None
        item = table.get_item(DynamoType({"S": pk}), DynamoType({"S": sk}) if table.range_key_attr else None)
        return None if item is None else item.to_json()["Attributes"]

    def put_raw_item(self, region: str, item: dict[str, Any]) -> None:
        from moto.dynamodb.models import dynamodb_backends

        dynamodb_backends[ACCOUNT][region].put_item(self.tables[region], item)
        self._cached = None

    def _item(self, region: str, pk: str, sk: str) -> dict[str, Any] | None:
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        table = dynamodb_backends[ACCOUNT][region].tables.get(self.tables[region])
        if table is None:
            return None
        range_key = DynamoType({"S": sk}) if table.range_key_attr else None
        item = table.get_item(DynamoType({"S": pk}), range_key)
        if item is None:
            return None
        return {k: v.cast_value for k, v in item.attrs.items()}

    def _records(self) -> tuple[list[inv.EpochRecord], list[inv.LockRecord]]:
        """Epoch and lock records, re-read from the tables only after a write to them."""
        down = frozenset(self.network.down)
        if self._cached is None or self._cached[0] != down:
            self._cached = (down, (self.epoch_records(), self.locks()))
        return self._cached[1]

    def epoch_records(self) -> list[inv.EpochRecord]:
        """Each region's recorded fencing epoch (a region that is gone is not read)."""
        records = []
        for region in self.regions:
            if region in self.network.down:
                continue
            state = self._item(region, "STATE", "ACTIVE")
            if state is not None and "epoch" in state:
                records.append(inv.EpochRecord(region, int(state["epoch"]), state.get("active_region")))
        return records

    def lease_records(self) -> list[inv.LeaseRecord]:
        """Each region's write lease as stored now (a region that is gone is not read)."""
        lease = lease_module()
        if lease is None:
            return []
        records = []
        for region in self.regions:
            if region in self.network.down:
                continue
            current = lease.lease_from_item(self.raw_item(region, lease.LEASE_PK, lease.LEASE_SK))
            if current is not None:
                records.append(inv.LeaseRecord(region, int(current.epoch), float(current.valid_until)))
        return records

    def locks(self) -> list[inv.LockRecord]:
        found = []
        for region in self.regions:
            lock = self._item(region, "LOCK", "FAILOVER")
            if lock and lock.get("holder"):
                found.append(inv.LockRecord(region, str(lock["holder"]), float(lock.get("expires_at", 0))))
        return found

    # --- what an orchestrator is given -------------------------------------------------
    def install(self, client, caller: str, region: str | None = None):
        """Route `client`'s calls through the network model, the clock and the emulations."""
        target = region or client.meta.region_name
        binding = getattr(client, "_drill_binding", None)
        if binding is None:  # clients are reused across runs: the hooks follow the binding
            binding = {}
            client._drill_binding = binding
            events = client.meta.events
            events.register(
                "before-parameter-build",
                lambda params, **_: binding["world"]._stash.__setitem__(id(client), dict(params)),
            )
            events.register(
                "before-call",
                lambda model, **_: binding["world"]._call(
                    client, model, binding["caller"], binding["target"]
                ),
            )
            events.register("after-call", lambda model=None, **_: binding["world"]._invalidate(model))
        binding.update(world=self, caller=caller, target=target)
        return client

    def _invalidate(self, model=None) -> None:
        self._cached = None
        if model is not None and model.service_model.service_name == "dynamodb":
            self._sample_leases()  # a renewer's write is seen the moment it lands

    def _attempts(self, client) -> int:
        retries = client.meta.config.retries or {}
        if "total_max_attempts" in retries:
            return int(retries["total_max_attempts"])
        if "max_attempts" in retries:
            return int(retries["max_attempts"]) + 1
        return 3 if retries.get("mode") == "standard" else 5

    def _call(self, client, model, caller: str, target: str):
        service = model.service_model.service_name
        operation = model.name
        params = self._stash.pop(id(client), {})
        url = client.meta.endpoint_url
        self.calls.append((self.now, caller, service, operation))
        if service == "dynamodb":
            self._cached = None  # a write may change the epoch or the lock
        if caller in self.network.down or self._dead:
            raise Killed(f"{caller}'s orchestrator process is dead")
        fault = self.network.fault(caller, service, target, operation)
        if fault is not None and fault.kind in (THROTTLE, SERVER_ERROR):
            self.advance(self.timing.api_latency_seconds)
            if fault.kind == SERVER_ERROR:
                return self.error("InternalFailure", f"{operation}: server error (standing fault)", 500)
            code = "ThrottlingException" if service == "dynamodb" else "Throttling"
            return self.error(code, f"{operation}: Rate exceeded (standing fault)", 400)
        if (fault is not None and fault.kind == UNREACHABLE) or not self.network.regional_service_ok(
            caller, target
        ):
            connect = client.meta.config.connect_timeout or 60
            wait = float(connect) * self._attempts(client)
            self._timed_out[caller] = self.now + wait
            self.advance(wait)
            raise botocore.exceptions.ConnectTimeoutError(endpoint_url=url)
        self.advance(
            self.timing.dynamodb_latency_seconds if service == "dynamodb" else self.timing.api_latency_seconds
        )
        if service == "sns" and operation == "Publish":
            self.pages.append(
                (self.now, caller, str(params.get("Subject") or params.get("Message", ""))[:120])
            )
        if (
            service == "cloudwatch"
            and operation == "PutMetricData"
            and params.get("Namespace") == PAGE_NAMESPACE
        ):
            for datum in params.get("MetricData", []):
                if datum.get("MetricName") == "Page":
                    kind = next((d["Value"] for d in datum.get("Dimensions", []) if d["Name"] == "Kind"), "")
                    self.metric_pages.append((self.now, caller, kind))
        if service == "dynamodb" and operation in ("GetItem", "PutItem", "Query"):
            fast = getattr(self, f"_fast_{operation}")(target, params)
            if fast is not None:
                self._cached = None
                return fast
        emulation = {
            "cloudwatch": self.metrics,
            "rds": self.aurora,
            "rds-data": self.aurora,
            "autoscaling": self.compute,
            "elbv2": self.compute,
            "route53-recovery-cluster": self.arc,
        }.get(service)
        if emulation is None:
            return None  # moto answers
        answer = emulation.answer(operation, params, caller, target)
        if self._lost is not None:
            self._lost = None
            wait = float(client.meta.config.read_timeout or 60)
            self._timed_out[caller] = self.now + wait
            self.advance(wait)
            raise botocore.exceptions.ReadTimeoutError(endpoint_url=url)
        return answer

    # DynamoDB straight from moto's own model: the same semantics (keys, condition
    # expressions) without moto's HTTP round trip and response serialisation, which the drill
    # would otherwise pay thousands of times. Anything beyond these plain shapes goes to moto.
    @staticmethod
    def _table(region: str, params: dict):
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[ACCOUNT][region]
        return backend, backend.tables.get(params.get("TableName"))

    def _fast_GetItem(self, region: str, params: dict):  # noqa: N802
        from moto.dynamodb.models.dynamo_type import DynamoType

        if set(params) - {"TableName", "Key", "ConsistentRead"}:
            return None
        _, table = self._table(region, params)
        if table is None:
            return None
        key = params["Key"]
        hash_value = key.get(table.hash_key_attr)
        range_value = key.get(table.range_key_attr) if table.range_key_attr else None
        if hash_value is None or len(key) != (2 if table.range_key_attr else 1):
            return None
        item = table.get_item(DynamoType(hash_value), DynamoType(range_value) if range_value else None)
        return self.ok({} if item is None else {"Item": item.to_json()["Attributes"]})

    def _fast_PutItem(self, region: str, params: dict):  # noqa: N802
        from moto.dynamodb.exceptions import ConditionalCheckFailed

        allowed = {
            "TableName",
            "Item",
            "ConditionExpression",
            "ExpressionAttributeNames",
            "ExpressionAttributeValues",
        }
        if set(params) - allowed:
            return None
        backend, table = self._table(region, params)
        if table is None:
            return None
        condition = params.get("ConditionExpression")
        try:
            backend.put_item(
                table.name,
                params["Item"],
                None,
                condition,
                params.get("ExpressionAttributeNames", {}),
                params.get("ExpressionAttributeValues", {}),
                condition is None,
            )
        except ConditionalCheckFailed as error:
            return self.error("ConditionalCheckFailedException", str(error.message), 400)
        return self.ok({})

    def _fast_Query(self, region: str, params: dict):  # noqa: N802
        """Only `<hash key> = :value`, optionally newest first and limited."""
        allowed = {
            "TableName", "KeyConditionExpression", "ExpressionAttributeValues",
            "ScanIndexForward", "Limit", "ConsistentRead",
        }  # fmt: skip
        if set(params) - allowed:
            return None
        _, table = self._table(region, params)
        condition = (params.get("KeyConditionExpression") or "").split()
        values = params.get("ExpressionAttributeValues", {})
        if table is None or len(condition) != 3 or condition[0] != table.hash_key_attr or condition[1] != "=":
            return None
        if condition[2] not in values or not table.range_key_attr:
            return None
        from moto.dynamodb.models.dynamo_type import DynamoType

        rows = table.items.get(DynamoType(values[condition[2]]), {})
        ordered = sorted(rows.values(), key=lambda item: item.range_key)
        if params.get("ScanIndexForward") is False:
            ordered.reverse()
        limit = params.get("Limit")
        page = ordered[:limit] if limit else ordered
        body: dict = {
            "Items": [i.to_json()["Attributes"] for i in page],
            "Count": len(page),
            "ScannedCount": len(page),
        }
        if limit and len(ordered) > limit:
            last = page[-1]
            body["LastEvaluatedKey"] = {
                table.hash_key_attr: last.hash_key.to_json(),
                table.range_key_attr: last.range_key.to_json(),
            }
        return self.ok(body)

    def probe_for(self, home: str, peer: str, attempts: int):
        """The HTTPS probe of the peer's health URL from `home` (the runtime's `probe`)."""

        def probe(url: str) -> list[ProbeAttempt]:
            tries = []
            for _ in range(max(1, attempts)):
                up = (
                    self.network.reachable(home, peer)
                    and home not in self.network.impaired
                    and self.compute.healthy_targets(peer, self.now) > 0
                )
                if up:
                    self.advance(self.timing.api_latency_seconds)
                    tries.append(ProbeAttempt(True, f"{url}: 200"))
                    break
                self.advance(self.timing.probe_timeout_seconds)
                tries.append(
                    ProbeAttempt(False, f"{url}: timed out after {self.timing.probe_timeout_seconds:.0f}s")
                )
            return tries

        return probe

    def resolver_for(self, home: str):
        """`home`'s VPC resolver (the runtime's `resolver`): IPv4 answers or socket.gaierror."""
        resolver = self.resolvers[home]

        def resolve(fqdn: str) -> list[str]:
            if not resolver.available():
                self.advance(self.timing.probe_timeout_seconds)
            else:
                self.advance(self.timing.api_latency_seconds / 4)
            return [resolver.resolve(fqdn)]

        return resolve

    def arc_client_factory(self, home: str):
        """The runtime's `arc_client_factory`: a boto3 route53-recovery-cluster client for one
        cluster endpoint, with the client settings the runtime's contract names."""
        from botocore.config import Config

        timeout = self.timing.probe_timeout_seconds

        def factory(endpoint_url: str, region: str):
            key = (home, endpoint_url, region, timeout)
            if key in _ARC_CLIENTS:
                return self.install(_ARC_CLIENTS[key], home, region)
            client = _ARC_CLIENTS[key] = session().client(
                "route53-recovery-cluster",
                region_name=region,
                endpoint_url=endpoint_url,
                config=Config(
                    connect_timeout=timeout, read_timeout=timeout, retries={"total_max_attempts": 1}
                ),
            )
            return self.install(client, home, region)

        return factory

    def lost_writes(self) -> int:
        return len(self.aurora.lost)
