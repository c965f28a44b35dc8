"""The DR data plane the two stacks define, created in moto from the offline plan.

`materialize(primary, dr, clock)` takes the mock engine's record of both stacks and creates,
in moto, what the failover path touches: the Aurora global cluster with both members, each
region's orchestrator control table (with the schema the stack declares), alert topic, alarms
and Route 53 health check. Each region's orchestrator is configured from the environment the
stack gives its Lambda, with the plan's values translated to what moto created, so a drill
exercises the stacks' real wiring: an orchestrator variable that points at nothing the plan
creates fails here, not in AWS. Call it inside `moto.mock_aws()`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import boto3

from failover.config import ENV, OrchestratorConfig
from failover.orchestrator import AWS_CONFIG, Clients
from ops.emulation.rds import GlobalClusterEmulation
from ops.emulation.world import Region, SimulatedClock, World
from ops.mock_engine import CapturedResource, StackRun

GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
TABLE = "aws:dynamodb/table:Table"
TOPIC = "aws:sns/topic:Topic"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
FUNCTION = "aws:lambda/function:Function"
ORCHESTRATOR = "tradingdr:failover:FailoverOrchestrator"
ALARMS = "tradingdr:alarms:RegionalAlarms"


class DrillSetupError(RuntimeError):
    """The plan lacks something the drill needs, or wires it to nothing."""


@dataclass(frozen=True)
class HealthCheckSpec:
    """A region's Route 53 health check as the plan configures it."""

    region: str
    interval_seconds: int
    failure_threshold: int

    @property
    def seconds_to_unhealthy(self) -> int:
        return self.interval_seconds * self.failure_threshold


@dataclass
class DrillWorld:
    world: World
    primary_region: str
    dr_region: str
    health_checks: dict[str, HealthCheckSpec]


def _under(run: StackRun, resource: CapturedResource, component_type: str) -> bool:
    return any(a.type == component_type for a in run.ancestors(resource))


def _one_under(run: StackRun, type_token: str, component_type: str) -> CapturedResource:
    found = [
        r
        for r in run.of_type(type_token)
        if r.region == run.settings.home_region and _under(run, r, component_type)
    ]
    if len(found) != 1:
        raise DrillSetupError(
            f"stack {run.stack}: expected one {type_token} under {component_type}, found {len(found)}"
        )
    return found[0]


def _by_arn(run: StackRun, type_token: str, arn: str) -> CapturedResource:
    found = [r for r in run.of_type(type_token) if r.outputs.get("arn") == arn]
    if len(found) != 1:
        raise DrillSetupError(f"stack {run.stack}: no {type_token} in the plan has the ARN {arn}")
    return found[0]


def _create_clusters(primary: StackRun, dr: StackRun) -> dict[str, str]:
    """The global cluster and both members, as the plan defines them; region -> cluster ARN."""
    global_cluster = primary.one(GLOBAL_CLUSTER).inputs
    region = primary.settings.home_region
    boto3.client("rds", region_name=region).create_global_cluster(
        GlobalClusterIdentifier=global_cluster["globalClusterIdentifier"],
        Engine=global_cluster["engine"],
    )
    arns = {}
    for run in (primary, dr):  # the writer first: the secondary joins it
        inputs = run.one(CLUSTER).inputs
        credentials = (
            {"MasterUsername": inputs["masterUsername"], "MasterUserPassword": inputs["masterPassword"]}
            if "masterUsername" in inputs
            else {}
        )
        created = boto3.client("rds", region_name=run.settings.home_region).create_db_cluster(
            DBClusterIdentifier=inputs["clusterIdentifier"],
            Engine=inputs["engine"],
            GlobalClusterIdentifier=inputs["globalClusterIdentifier"],
            **credentials,
        )
        arns[run.settings.home_region] = created["DBCluster"]["DBClusterArn"]
        # The instances the tier gives this region (none: a headless pilot-light cluster).
        for instance in run.of_type(INSTANCE):
            boto3.client("rds", region_name=run.settings.home_region).create_db_instance(
                DBInstanceIdentifier=instance.inputs["identifier"],
                DBClusterIdentifier=inputs["clusterIdentifier"],
                Engine=inputs["engine"],
                DBInstanceClass=instance.inputs["instanceClass"],
            )
    return arns


def _create_table(region: str, table: CapturedResource) -> str:
    inputs = table.inputs
    keys = [{"AttributeName": inputs["hashKey"], "KeyType": "HASH"}]
    if inputs.get("rangeKey"):
        keys.append({"AttributeName": inputs["rangeKey"], "KeyType": "RANGE"})
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=inputs["name"],
        KeySchema=keys,
        AttributeDefinitions=[
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs["attributes"]
        ],
        BillingMode=inputs.get("billingMode", "PAY_PER_REQUEST"),
    )
    return inputs["name"]


def _create_topic(region: str, topic: CapturedResource) -> tuple[str, str]:
    """The alert topic, with an SQS queue subscribed so the drill can read what it published."""
    sns = boto3.client("sns", region_name=region)
    arn = sns.create_topic(Name=topic.outputs["name"])["TopicArn"]
    sqs = boto3.client("sqs", region_name=region)
    queue_url = sqs.create_queue(QueueName=f"drill-alerts-{region}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn)
    return arn, queue_url


def _create_alarms(run: StackRun, translate) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=run.settings.home_region)
    for alarm in run.of_type(ALARM):
        if alarm.region != run.settings.home_region or not _under(run, alarm, ALARMS):
            continue
        i = alarm.inputs
        cloudwatch.put_metric_alarm(
            AlarmName=i["name"],
            Namespace=i["namespace"],
            MetricName=i["metricName"],
            Dimensions=[{"Name": k, "Value": str(v)} for k, v in i["dimensions"].items()],
            Statistic=i["statistic"],
            Period=int(i["period"]),
            EvaluationPeriods=int(i["evaluationPeriods"]),
            DatapointsToAlarm=int(i["datapointsToAlarm"]),
            Threshold=float(i["threshold"]),
            ComparisonOperator=i["comparisonOperator"],
            TreatMissingData=i["treatMissingData"],
            AlarmActions=[translate(a) for a in i["alarmActions"]],
            OKActions=[translate(a) for a in i.get("okActions", [])],
        )


def _health_check(run: StackRun) -> HealthCheckSpec:
    [check] = run.of_type(HEALTH_CHECK)
    i = check.inputs
    boto3.client("route53", region_name="us-east-1").create_health_check(
        CallerReference=f"drill-{run.stack}",
        HealthCheckConfig={
            "Type": i["type"],
            "FullyQualifiedDomainName": i["fqdn"],
            "Port": int(i["port"]),
            "ResourcePath": i["resourcePath"],
            "RequestInterval": int(i["requestInterval"]),
            "FailureThreshold": int(i["failureThreshold"]),
        },
    )
    return HealthCheckSpec(run.settings.home_region, int(i["requestInterval"]), int(i["failureThreshold"]))


def materialize(
    primary: StackRun, dr: StackRun, clock: SimulatedClock, promotion_seconds: float = 60.0
) -> DrillWorld:
    """Create the plan's failover data plane in moto; returns the world the drill drives."""
    cluster_arns = _create_clusters(primary, dr)
    regions: dict[str, Region] = {}
    checks: dict[str, HealthCheckSpec] = {}
    for run in (primary, dr):
        region = run.settings.home_region
        translations: dict[str, str] = {}
        plan_cluster = run.one(CLUSTER)
        translations[plan_cluster.outputs["arn"]] = cluster_arns[region]
        environment = _one_under(run, FUNCTION, ORCHESTRATOR).inputs["environment"]["variables"]
        # The topic the orchestrator publishes to, found by the ARN its environment names.
        plan_topic = _by_arn(run, TOPIC, environment[ENV["alert_topic_arn"]])
        topic_arn, queue_url = _create_topic(region, plan_topic)
        translations[plan_topic.outputs["arn"]] = topic_arn
        _create_table(region, _one_under(run, TABLE, ORCHESTRATOR))
        _create_alarms(run, lambda value, t=translations: t.get(value, value))
        checks[region] = _health_check(run)

        config = OrchestratorConfig.from_env({k: translations.get(v, v) for k, v in environment.items()})
        unwired = {k: v for k, v in environment.items() if v.startswith("arn:") and v not in translations}
        if unwired:
            raise DrillSetupError(
                f"stack {run.stack}: the orchestrator's {', '.join(sorted(unwired))} point at nothing "
                "the drill could create from the plan"
            )
        emulation = GlobalClusterEmulation(
            complete_after_polls=max(1, math.ceil(promotion_seconds / config.poll_seconds))
        )
        clients = Clients(
            rds=emulation.install(boto3.client("rds", region_name=region, config=AWS_CONFIG)),
            dynamodb=boto3.client("dynamodb", region_name=region, config=AWS_CONFIG),
            sns=boto3.client("sns", region_name=region, config=AWS_CONFIG),
            cloudwatch=boto3.client("cloudwatch", region_name=region, config=AWS_CONFIG),
        )
        regions[region] = Region(region, config, clients, emulation, queue_url)
    world = World(clock=clock, regions=regions)
    return DrillWorld(world, primary.settings.home_region, dr.settings.home_region, checks)
