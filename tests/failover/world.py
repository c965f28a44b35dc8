"""Both regions for the orchestrator tests: moto DynamoDB (control tables) and CloudWatch
(lag datapoints) inside mock_aws, the doubles of tests/failover/fakes.py for the rest.
Faults are injected by flipping the world's flags; the doubles do not know the test."""

from __future__ import annotations

import functools
import io
import socket
from dataclasses import replace
from datetime import UTC, datetime

import boto3
from botocore.exceptions import EndpointConnectionError

from failover.clients import Clients
from failover.config import ArcEndpoint, OrchestratorConfig
from failover.control_table import ControlTable, create_table
from failover.logs import JsonLogger
from failover.orchestrator import Orchestrator
from failover.signals import ProbeAttempt
from tests.failover.fake_dynamodb import FakeDynamoDB
from tests.failover.fakes import (
    ACCOUNT,
    ARC_REGIONS,
    CLUSTERS,
    CONTROLS,
    DR,
    GLOBAL,
    HEALTHY_IP,
    PRIMARY,
    UNHEALTHY_IP,
    Arc,
    Clock,
    FakeAsg,
    FakeElb,
    FakeRds,
    FakeSns,
    GlobalCluster,
    cluster_arn,
)

PEER = {PRIMARY: DR, DR: PRIMARY}


def target_group_arn(region: str) -> str:
    return f"arn:aws:elasticloadbalancing:{region}:{ACCOUNT}:targetgroup/trading-{region}/0123456789abcdef"


@functools.cache
def _session() -> boto3.session.Session:
    """One boto3 session for every world. mock_aws swaps boto3's default session out at each
    start, so boto3.client() would load the service models from disk again in every test
    (~0.1 s a world); a session's clients are answered by moto all the same, since moto
    hooks every botocore session (before-send) and resets its backends per mock_aws."""
    return boto3.session.Session()


def witness_name(region: str) -> str:
    return f"witness-{region}.failover.trading.example.net"


class Timeline(dict):
    """A dict of flags that remembers when each flag last changed (the heartbeat's writer
    stops beating at the moment its region goes down)."""

    def __init__(self, clock, values):
        super().__init__(values)
        self.clock, self.changed_at = clock, dict.fromkeys(values, clock())

    def __setitem__(self, key, value):
        if self.get(key) != value:
            self.changed_at[key] = self.clock()
        super().__setitem__(key, value)


def config_for(region: str, **overrides) -> OrchestratorConfig:
    peer = PEER[region]
    base = OrchestratorConfig(
        home_region=region,
        peer_region=peer,
        global_cluster_id=GLOBAL,
        local_cluster_id=CLUSTERS[region],
        local_cluster_arn=cluster_arn(region),
        peer_health_url=f"https://app-{peer}.trading.example.net/health",
        control_table=f"trading-{region}-failover-control",
        alert_topic_arn=f"arn:aws:sns:{region}:{ACCOUNT}:alerts",
        witness_fqdn=witness_name(peer),
        home_witness_fqdn=witness_name(region),
        arc_cluster_endpoints=tuple(
            ArcEndpoint(f"https://host-{r}.route53-recovery-cluster.{r}.amazonaws.com/v1", r)
            for r in ARC_REGIONS
        ),
        home_routing_control_arn=CONTROLS[region],
        peer_routing_control_arn=CONTROLS[peer],
        asg_name=f"trading-{region}-app",
        asg_full_capacity=2,
        target_group_arn=target_group_arn(region),
        writer_instance_class="db.r6g.large",
        required_evaluations=3,
        # The World's DR group starts at size 0 (no healthy target at rest): a pilot light.
        serves_at_rest=False,
    )
    return replace(base, **overrides)


class Impairable:
    """A client whose calls fail with a connection error while its region is impaired."""

    def __init__(self, inner, impaired):
        self._inner, self._impaired = inner, impaired

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            if self._impaired():
                raise EndpointConnectionError(endpoint_url=f"https://{name}")
            return attr(*args, **kwargs)

        return call


class World:
    def __init__(
        self,
        dr_boot_seconds: float = 0.0,
        dr_target_lag_seconds: float = 0.0,
        dynamodb: str = "fake",
        **overrides,
    ):
        """dr_boot_seconds: how long the DR group's new instances take to be in service
        (0 by default, so that tests of other rules are not about boot time; the
        preparation-before-the-fence tests set it); dr_target_lag_seconds: how much longer
        until the load balancer finds them healthy. dynamodb: "fake" (the control tables in
        tests/failover/fake_dynamodb.py, checked against moto by test_control_table.py) or
        "moto"."""
        self.clock = Clock()
        self.g = GlobalCluster(self.clock)
        self.rds = {r: FakeRds(self.g, r) for r in (PRIMARY, DR)}
        self.arc = Arc()
        self.sns = {r: FakeSns() for r in (PRIMARY, DR)}
        self.asg = {
            PRIMARY: FakeAsg(self.clock, f"trading-{PRIMARY}-app", 2, 2, 4),
            DR: FakeAsg(self.clock, f"trading-{DR}-app", 0, 0, 4, boot_seconds=dr_boot_seconds),
        }
        self.elb = {
            r: FakeElb(self.asg[r], target_group_arn(r), dr_target_lag_seconds if r == DR else 0.0)
            for r in (PRIMARY, DR)
        }
        self.up = Timeline(self.clock, {PRIMARY: True, DR: True})
        """A region that is up serves its app (Route 53's checkers see it healthy)."""
        self.writing = Timeline(self.clock, {PRIMARY: True, DR: True})
        """The region's database commits (a gray failure: up, answering TCP, committing nothing)."""
        self.observer_up = {PRIMARY: True, DR: True}
        """The region's application writes its HEARTBEAT/OBSERVED item at every tick."""
        self.replication_lag = 1.0
        self.rogue_writer = False
        self.control_off_at: dict[str, float] = {}
        """The writer's application ignores the write lease: it beats while its database lives."""
        self.partitioned = False
        """No traffic between the two regions (each still reaches the internet)."""
        self.impaired = {PRIMARY: False, DR: False}
        """The region cannot reach its own regional services."""
        self.witness_unreadable = {PRIMARY: False, DR: False}
        self.route53_declares_after = 0.0
        """Seconds a region has been down before its Route 53 health check declares it unhealthy
        (0: at once). AWS: FailureThreshold consecutive failed checks RequestInterval apart."""
        self.probe_script: dict[str, list[bool] | None] = {PRIMARY: None, DR: None}
        self.probed: list[tuple[str, str]] = []
        self.resolved: list[tuple[str, str]] = []
        self.overrides = overrides
        self.dynamodb, self.cloudwatch, self.configs = {}, {}, {}
        for r in (PRIMARY, DR):
            self.configs[r] = config_for(r, **overrides)
            assert dynamodb in ("fake", "moto"), dynamodb
            self.dynamodb[r] = (
                _session().client("dynamodb", region_name=r) if dynamodb == "moto" else FakeDynamoDB(r)
            )
            self.cloudwatch[r] = _session().client("cloudwatch", region_name=r)
            create_table(self.dynamodb[r], self.configs[r].control_table)
        self._n = 0
        # Each region's application writes HEARTBEAT/OBSERVED every second, whatever the
        # orchestrator does (including while it sleeps through the lease wait).
        self.clock.on_sleep.append(lambda: [self.heartbeat_observation(r) for r in (PRIMARY, DR)])

    # --- what each region observes -------------------------------------------------------
    def resolver(self, region: str):
        def resolve(fqdn: str) -> list[str]:
            self.resolved.append((region, fqdn))
            if self.witness_unreadable[region] or self.impaired[region]:
                raise socket.gaierror("Temporary failure in name resolution")
            # Route 53's checkers are outside both regions: they see each region as it is.
            watched = region if fqdn == witness_name(region) else PEER[region]
            assert fqdn == witness_name(watched), fqdn
            serving = self.up[watched] and self.elb[watched].healthy() > 0
            if (
                not self.up[watched]
                and self.clock() - self.up.changed_at[watched] < self.route53_declares_after
            ):
                serving = True  # not declared yet (the witness answers as Route 53 last decided)
            return [HEALTHY_IP if serving else UNHEALTHY_IP]

        return resolve

    def probe(self, region: str):
        def probe(url: str) -> list[ProbeAttempt]:
            self.probed.append((region, url))
            script = self.probe_script[region]
            if script is not None:
                return [ProbeAttempt(ok, "scripted") for ok in script]
            ok = self.up[PEER[region]] and not self.partitioned and not self.impaired[region]
            return [ProbeAttempt(ok, "ok" if ok else "timeout")] * (1 if ok else 2)

        return probe

    def arc_factory(self, region: str):
        def factory(endpoint_url: str, endpoint_region: str):
            client = self.arc.factory(endpoint_url, endpoint_region)
            return Impairable(client, lambda: self.impaired[region])

        return factory

    def clients(self, region: str) -> Clients:
        impaired = lambda: self.impaired[region] or not self.up[region]  # noqa: E731
        self.rds[region].down = False
        return Clients(
            rds=Impairable(self.rds[region], impaired),
            dynamodb=Impairable(self.dynamodb[region], impaired),
            sns=Impairable(self.sns[region], lambda: not self.up[region]),
            cloudwatch=Impairable(self.cloudwatch[region], impaired),
            autoscaling=Impairable(self.asg[region], impaired),
            elbv2=Impairable(self.elb[region], impaired),
            # The peer's control table (read only when FAILOVER_PEER_CONTROL_TABLE is set):
            # not across a partition, nor from or to a region that is down.
            peer_dynamodb=Impairable(
                self.dynamodb[PEER[region]],
                lambda: (
                    impaired() or self.partitioned or not self.up[PEER[region]] or self.impaired[PEER[region]]
                ),
            ),
        )

    def orchestrator(self, region: str = DR, invocation_id: str | None = None, **overrides) -> Orchestrator:
        config = replace(self.configs[region], **overrides) if overrides else self.configs[region]
        self._n += 1
        return Orchestrator(
            config,
            self.clients(region),
            clock=self.clock,
            sleep=self.clock.sleep,
            probe=self.probe(region),
            resolver=self.resolver(region),
            arc_client_factory=self.arc_factory(region),
            logger=JsonLogger(stream=io.StringIO()),
            invocation_id=invocation_id or f"invocation-{region}-{self._n}",
        )

    # --- driving ---------------------------------------------------------------------------
    def heartbeat_observation(self, region: str) -> None:
        """What `region`'s application writes every second (HEARTBEAT/OBSERVED): the newest
        heartbeat of the writer its local replica holds. The writer beats while it is up and
        commits; the beats arrive one replication lag later, and not across a partition."""
        writer = self.g.writer
        for r in (PRIMARY, DR):
            if self.arc.state[CONTROLS[r]] == "Off":
                self.control_off_at.setdefault(r, self.clock())
            else:
                self.control_off_at.pop(r, None)
        if writer == region or not self.observer_up[region] or not self.up[region]:
            return
        now = self.clock()
        newest = now - self.replication_lag
        if not self.writing[writer] and not self.rogue_writer:
            newest = min(newest, self.writing.changed_at[writer])  # no more beats written
        if not self.up[writer] and not self.rogue_writer:
            # the region is gone: its beats stop, and so does their replication
            newest = min(newest, self.up.changed_at[writer] - self.replication_lag)
        if self.partitioned:
            newest = min(newest, self.partitioned_at - self.replication_lag)
        # A writer whose application keeps the write lease stops writing once its routing
        # control is Off (the lease lapses within L; taken as at once here). A rogue one does not.
        off_at = self.control_off_at.get(writer)
        if off_at is not None and not self.rogue_writer:
            newest = min(newest, off_at)
        self.dynamodb[region].put_item(
            TableName=self.configs[region].control_table,
            Item={
                "pk": {"S": "HEARTBEAT"},
                "sk": {"S": "OBSERVED"},
                "writer_region": {"S": writer},
                "epoch": {"N": "0"},
                "newest_at": {"N": repr(newest)},
                "observed_at": {"N": repr(now)},
                "observer": {"S": f"app-{region}"},
            },
        )

    partitioned_at = 0.0

    def partition(self) -> None:
        self.partitioned, self.partitioned_at = True, self.clock()

    def tick(self, region: str = DR, orchestrator: Orchestrator | None = None) -> dict:
        """One scheduled evaluation in `region`, then the clock moves one interval on."""
        self.heartbeat_observation(region)
        self._n += 1
        orchestrator = orchestrator or self.orchestrator(region)
        record = orchestrator.evaluate(schedule_event(f"ev-{self._n}"))
        self.clock.sleep(self.configs[region].evaluation_interval_seconds)
        return record

    def manual(self, region: str, **payload) -> dict:
        payload.setdefault("reason", "test")
        return self.orchestrator(region).evaluate(payload)

    def put_lag(self, region: str, seconds: float, metric: str = "AuroraGlobalDBRPOLag", age: float = 30.0):
        self.cloudwatch[region].put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": CLUSTERS[region]}],
                    "Timestamp": datetime.fromtimestamp(self.clock() - age, UTC),
                    "Value": seconds * 1000.0,
                    "Unit": "Milliseconds",
                }
            ],
        )

    def table(self, region: str = DR) -> ControlTable:
        return ControlTable(self.dynamodb[region], self.configs[region].control_table, self.clock)

    def epoch(self, region: str):
        state = self.table(region).read_state()
        return (state.active_region, state.epoch) if state else None

    def active(self) -> str:
        on = [r for r in (PRIMARY, DR) if self.arc.state[CONTROLS[r]] == "On"]
        assert len(on) == 1, self.arc.state
        return on[0]

    def pages(self, region: str = DR) -> list[str]:
        return [subject for subject, _ in self.sns[region].messages]

    def run_until(self, predicate, region: str = DR, limit: int = 200) -> list[dict]:
        records = []
        for _ in range(limit):
            records.append(self.tick(region))
            if predicate(records[-1]):
                return records
        raise AssertionError(f"not reached in {limit} evaluations: {[r['outcome'] for r in records[-5:]]}")


def schedule_event(event_id: str) -> dict:
    return {"id": event_id, "source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
