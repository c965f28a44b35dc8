"""FailoverDiscovery: where applications and operators find the writer and the authority
without a redeploy, as SSM parameters in this region under /trading-dr/. Both stacks write
the same names in their own region, so an application reads the same path wherever it runs.

- the Aurora global writer endpoint, which "always points to the writer DB instance in the
  current primary cluster" (aws.rds.GlobalCluster.endpoint;
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-connecting.html):
  it follows a failover by itself, so nothing needs rewriting on the failover path;
- the ARC authority: cluster ARN, its five regional data-plane endpoints, control panel and
  routing controls (region -> ARN): who takes traffic is read there, never from DNS;
- this region's failover control table, which holds the fencing epoch the orchestrator
  records (failover/ runtime, STATE item);
- what the operator's failover toolkit (ops/discovery.py: `deploy.py status`, `failover`)
  needs to act with AWS credentials for the surviving region only, never Pulumi state: the
  stack's role and regions, the global cluster, this region's member, the orchestrator
  function, the alert topic and the Route 53 health checks of this region's endpoint. A region
  that is down takes its own parameters with it; the survivor's name the peer, so the toolkit
  knows what it cannot reach.

Parameter names: a-zA-Z0-9_.-/, at most fifteen levels, not starting with aws or ssm
(https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html); checked
by parameter_name below before anything is registered.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PREFIX = "/trading-dr"
_NAME = re.compile(r"^/[a-zA-Z0-9_.\-]+(/[a-zA-Z0-9_.\-]+)*$")
MAX_LEVELS = 15

# key -> path below PREFIX; {home}/{peer} are the regions. The keys name the stack export
# ssmParameters' entries; the routing controls are one parameter per region, named by it.
PARAMETERS = {
    "globalWriterEndpoint": "database/global-writer-endpoint",
    "authorityClusterArn": "failover/authority/cluster-arn",
    "authorityClusterEndpoints": "failover/authority/cluster-endpoints",
    "authorityControlPanelArn": "failover/authority/control-panel-arn",
    "authorityRoutingControlHome": "failover/authority/routing-controls/{home}",
    "authorityRoutingControlPeer": "failover/authority/routing-controls/{peer}",
    "epochControlTable": "failover/epoch/control-table",
    # The operator toolkit's discovery (ops/discovery.py reads these names through this dict).
    "stackRole": "stack/role",
    "homeRegion": "stack/home-region",
    "peerRegion": "stack/peer-region",
    "globalClusterId": "database/global-cluster-id",
    "localClusterArn": "database/local-cluster-arn",
    "orchestratorFunctionName": "failover/orchestrator/function-name",
    "alertTopicArn": "failover/alert-topic-arn",
    "healthCheckId": "traffic/health-check-id",
    "routingControlHealthCheckId": "traffic/routing-control-health-check-id",
}


def parameter_name(path: str) -> str:
    """The full name of a parameter under PREFIX, checked against the SSM naming rules."""
    name = f"{PREFIX}/{path}"
    if not _NAME.match(name) or name.count("/") > MAX_LEVELS:
        raise ValueError(f"SSM parameter name {name!r}: a-zA-Z0-9_.- levels, at most {MAX_LEVELS}")
    if re.match(r"^/?(aws|ssm)", name, re.IGNORECASE):
        raise ValueError(f"SSM parameter name {name!r} must not start with aws or ssm")
    return name


@dataclass
class FailoverDiscoveryArgs:
    global_writer_endpoint: pulumi.Input[str]
    authority_cluster_arn: pulumi.Input[str]
    authority_cluster_endpoints: pulumi.Input[list]
    """[{"Endpoint": url, "Region": region}, ...] as DescribeCluster returns them."""
    authority_control_panel_arn: pulumi.Input[str]
    home_region: str
    peer_region: str
    home_routing_control_arn: pulumi.Input[str]
    peer_routing_control_arn: pulumi.Input[str]
    control_table_name: pulumi.Input[str]
    role: str = ""
    """The stack's role (primary or dr): the toolkit tells the pair's regions apart by it."""
    global_cluster_id: pulumi.Input[str] = ""
    local_cluster_arn: pulumi.Input[str] = ""
    orchestrator_function_name: pulumi.Input[str] = ""
    alert_topic_arn: pulumi.Input[str] = ""
    health_check_id: pulumi.Input[str] = ""
    """Route 53 health check of this region's endpoint."""
    routing_control_health_check_id: pulumi.Input[str] = ""


class FailoverDiscovery(pulumi.ComponentResource):
    """Outputs: `parameters` (key of PARAMETERS -> aws.ssm.Parameter)."""

    parameters: dict[str, aws.ssm.Parameter]

    def __init__(self, name: str, args: FailoverDiscoveryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:failover:FailoverDiscovery", name, None, opts)
        as_json = lambda value: pulumi.Output.from_input(value).apply(  # noqa: E731
            lambda v: json.dumps(v, sort_keys=True)
        )
        values: dict[str, pulumi.Input[str]] = {
            "globalWriterEndpoint": args.global_writer_endpoint,
            "authorityClusterArn": args.authority_cluster_arn,
            "authorityClusterEndpoints": as_json(args.authority_cluster_endpoints),
            "authorityControlPanelArn": args.authority_control_panel_arn,
            "authorityRoutingControlHome": args.home_routing_control_arn,
            "authorityRoutingControlPeer": args.peer_routing_control_arn,
            "epochControlTable": args.control_table_name,
            "stackRole": args.role,
            "homeRegion": args.home_region,
            "peerRegion": args.peer_region,
            "globalClusterId": args.global_cluster_id,
            "localClusterArn": args.local_cluster_arn,
            "orchestratorFunctionName": args.orchestrator_function_name,
            "alertTopicArn": args.alert_topic_arn,
            "healthCheckId": args.health_check_id,
            "routingControlHealthCheckId": args.routing_control_health_check_id,
        }
        regions = {"home": args.home_region, "peer": args.peer_region}
        self.parameters = {
            key: aws.ssm.Parameter(
                # Logical names by role, so both stacks build the same tree.
                f"{name}-{path.format(home='home', peer='peer').replace('/', '-')}",
                name=parameter_name(path.format(**regions)),
                type="String",  # ARNs and endpoint names: not secrets
                value=values[key],
                description=f"trading-dr: {key} (failover discovery; read at run time, never baked in)",
                opts=pulumi.ResourceOptions(parent=self),
            )
            for key, path in PARAMETERS.items()
        }
        self.register_outputs({key: p.name for key, p in self.parameters.items()})

    def exports(self) -> dict[str, pulumi.Input]:
        return {"ssmParameters": {key: p.name for key, p in self.parameters.items()}}
