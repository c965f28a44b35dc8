"""A two-region Aurora Global Database world on moto, for the orchestrator tests and the
local drill: real boto3 calls go to moto (RDS, DynamoDB, SNS, SQS, CloudWatch); only the
global-cluster promotions moto lacks are emulated (ops/emulation/rds.py). A simulated clock makes
the minute-by-minute evaluations instant.

    with mock_aws():
        world = build_world(start=time.time(), required_evaluations=3)
        world.peer_down()                      # probe fails, lag alarms fire
        record = world.tick()                  # a minute passes, the dr orchestrator evaluates
        world.tick(region=PRIMARY)             # ... or the primary's
        world.orchestrator(DR).evaluate({"action": "switchover", "reason": "drill"})

Each region has its own control table, alert topic (observed through an SQS queue, see
notifications()), lag alarms and orchestrator configuration (regions[r].config).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import boto3

from failover.config import OrchestratorConfig
from failover.control_table import create_table
from failover.local import static_probe
from failover.logs import JsonLogger
from failover.orchestrator import AWS_CONFIG, Clients, Orchestrator
from ops.emulation.rds import GlobalClusterEmulation

PRIMARY, DR = "us-east-1", "us-west-2"
GLOBAL_ID = "trading-global"
CLUSTER = {PRIMARY: "trading-primary-db", DR: "trading-dr-db"}
LAG_ALARMS = ("trading-dr-replication-lag", "trading-dr-rpo-lag")
TABLE = "trading-dr-failover-control"


class SimulatedClock:
    def __init__(self, start: float):
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Region:
    name: str
    config: OrchestratorConfig
    clients: Clients
    emulation: GlobalClusterEmulation
    queue_url: str


@dataclass
class World:
    clock: SimulatedClock
    regions: dict[str, Region]
    peer_healthy: bool = True
    lag: float | None = 1.0
    """Replication lag (seconds) the ticking region's cluster reports; None: no datapoint."""
    log_stream: Any = None
    """Where the orchestrators' JSON logs go; None: standard output."""
    _ids: itertools.count = field(default_factory=itertools.count)

    def orchestrator(self, region: str = DR, **overrides) -> Orchestrator:
        r = self.regions[region]
        config = r.config if not overrides else OrchestratorConfig(**{**r.config.__dict__, **overrides})
        return Orchestrator(
            config,
            r.clients,
            clock=self.clock,
            sleep=self.clock.sleep,
            probe=static_probe(lambda: self.peer_healthy),
            logger=JsonLogger(stream=self.log_stream),
        )

    def scheduled_event(self) -> dict:
        return {
            "version": "0",
            "id": f"evt-{next(self._ids)}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": "2026-01-01T00:00:00Z",
            "resources": [],
            "detail": {},
        }

    def tick(self, region: str = DR, event: dict | None = None, **overrides) -> dict:
        """One minute passes (the lag metric reports), then one scheduled evaluation."""
        self.clock.sleep(60)
        if self.lag is not None:
            self.put_lag(self.lag, region)
        return self.orchestrator(region, **overrides).evaluate(event or self.scheduled_event())

    # --- signals ----------------------------------------------------------------------
    def set_lag_alarms(self, state: str, region: str = DR) -> None:
        cw = self.regions[region].clients.cloudwatch
        for name in self.regions[region].config.lag_alarm_names:
            cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")

    def put_lag(self, seconds: float, region: str = DR) -> None:
        from datetime import UTC, datetime

        self.regions[region].clients.cloudwatch.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "AuroraGlobalDBReplicationLag",
                    "Dimensions": [
                        {"Name": "DBClusterIdentifier", "Value": self.regions[region].config.local_cluster_id}
                    ],
                    "Timestamp": datetime.fromtimestamp(self.clock(), UTC),
                    "Value": seconds * 1000,
                    "Unit": "Milliseconds",
                }
            ],
        )

    def peer_down(self) -> None:
        """Two independent signals: the probe fails and the lag alarms fire."""
        self.peer_healthy = False
        self.set_lag_alarms("ALARM")

    def region_outage(self, down: str) -> None:
        """The region `down` goes dark, as the surviving region sees it: its health endpoint
        stops answering, replication from it stops (no more lag datapoints: the last one
        observed is the data-loss window), and the survivor's member of the global cluster
        reads as cut off from its writer (SynchronizationStatus pending-resync)."""
        self.peer_healthy = False
        self.lag = None
        for name, region in self.regions.items():
            if name != down:
                region.emulation.cut_off.add(region.config.local_cluster_arn)

    def region_recovered(self) -> None:
        """Every region answers again and replication resumes."""
        self.peer_healthy = True
        for region in self.regions.values():
            region.emulation.cut_off.clear()

    # --- observations -----------------------------------------------------------------
    def writer(self) -> str:
        region = self.regions[DR] if DR in self.regions else next(iter(self.regions.values()))
        global_id = region.config.global_cluster_id
        cluster = next(
            g
            for g in region.clients.rds.describe_global_clusters()["GlobalClusters"]
            if g["GlobalClusterIdentifier"] == global_id
        )
        return next(m["DBClusterArn"] for m in cluster["GlobalClusterMembers"] if m["IsWriter"])

    def promotions(self, region: str = DR) -> list:
        return self.regions[region].emulation.promotions()

    def table_items(self, region: str = DR) -> list[dict]:
        r = self.regions[region]
        return r.clients.dynamodb.scan(TableName=r.config.control_table)["Items"]

    def notifications(self, region: str = DR) -> list[dict]:
        sqs = boto3.client("sqs", region_name=region)
        messages = []
        while True:
            got = sqs.receive_message(QueueUrl=self.regions[region].queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not got:
                return messages
            for message in got:
                envelope = json.loads(message["Body"])
                messages.append(
                    {"subject": envelope.get("Subject"), "record": json.loads(envelope["Message"])}
                )
                sqs.delete_message(
                    QueueUrl=self.regions[region].queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


def build_world(start: float, headless_dr: bool = False, **config_overrides) -> World:
    """Call inside mock_aws. The primary writer lives in us-east-1, the secondary in us-west-2,
    each with one instance, or none in dr with `headless_dr` (pilot-light)."""
    rds_east = boto3.client("rds", region_name=PRIMARY)
    rds_east.create_global_cluster(GlobalClusterIdentifier=GLOBAL_ID, Engine="aurora-mysql")
    arns = {}
    for region in (PRIMARY, DR):
        extra = (
            {"MasterUsername": "admin", "MasterUserPassword": "not-a-real-secret"}
            if region == PRIMARY
            else {}
        )
        arns[region] = boto3.client("rds", region_name=region).create_db_cluster(
            DBClusterIdentifier=CLUSTER[region],
            Engine="aurora-mysql",
            GlobalClusterIdentifier=GLOBAL_ID,
            **extra,
        )["DBCluster"]["DBClusterArn"]
        if not (headless_dr and region == DR):
            boto3.client("rds", region_name=region).create_db_instance(
                DBInstanceIdentifier=f"{CLUSTER[region]}-0",
                DBClusterIdentifier=CLUSTER[region],
                Engine="aurora-mysql",
                DBInstanceClass="db.r6g.large",
            )
    regions = {}
    for region, peer in ((PRIMARY, DR), (DR, PRIMARY)):
        rds = boto3.client("rds", region_name=region, config=AWS_CONFIG)
        emulation = GlobalClusterEmulation()
        emulation.install(rds)
        clients = Clients(
            rds=rds,
            dynamodb=boto3.client("dynamodb", region_name=region, config=AWS_CONFIG),
            sns=boto3.client("sns", region_name=region, config=AWS_CONFIG),
            cloudwatch=boto3.client("cloudwatch", region_name=region, config=AWS_CONFIG),
        )
        create_table(clients.dynamodb, TABLE)
        topic = clients.sns.create_topic(Name=f"trading-dr-alerts-{region}")["TopicArn"]
        sqs = boto3.client("sqs", region_name=region)
        queue_url = sqs.create_queue(QueueName=f"alerts-{region}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        clients.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        for name in LAG_ALARMS:
            clients.cloudwatch.put_metric_alarm(
                AlarmName=name,
                Namespace="AWS/RDS",
                MetricName="AuroraGlobalDBReplicationLag",
                Dimensions=[{"Name": "DBClusterIdentifier", "Value": CLUSTER[region]}],
                Statistic="Maximum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=30000,
                ComparisonOperator="GreaterThanThreshold",
                TreatMissingData="breaching",
            )
        config = OrchestratorConfig(
            home_region=region,
            peer_region=peer,
            global_cluster_id=GLOBAL_ID,
            local_cluster_id=CLUSTER[region],
            local_cluster_arn=arns[region],
            peer_health_url=f"https://app-{peer}.trading.example.com/health",
            control_table=TABLE,
            alert_topic_arn=topic,
            lag_alarm_names=LAG_ALARMS,
            **config_overrides,
        )
        regions[region] = Region(region, config, clients, emulation, queue_url)
    world = World(clock=SimulatedClock(start), regions=regions)
    world.set_lag_alarms("OK")
    return world
