"""RegionalNetwork: the VPC of one region over N AZs, with public, private-app and
private-data subnets, egress, flow logs and gateway endpoints."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.network.orderable import orderable_query
from components.network.subnet_plan import plan_subnets
from components.network.zones import Zone, choose_zones, no_longer_offered, pinned_zones
from components.settings import DatabaseSettings

# The documented minimum of the flow-log role: "logs:CreateLogGroup, logs:CreateLogStream,
# logs:PutLogEvents, logs:DescribeLogGroups, logs:DescribeLogStreams".
# https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
FLOW_LOG_GROUP_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams")
FLOW_LOG_LIST_ACTIONS = ("logs:DescribeLogGroups",)


def flow_log_policy(log_group_arn: str) -> str:
    """The flow-log role's policy: the documented minimum, scoped to this one log group where
    the action has resource-level permissions. DescribeLogGroups lists the account's groups
    and takes no single-group resource, so it names `*` (it reads names, writes nothing).
    logs:CreateLogGroup is left out: the group exists before the flow log (Pulumi creates it,
    with the CMK and retention the service would not set)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "WriteThisLogGroup",
                    "Effect": "Allow",
                    "Action": list(FLOW_LOG_GROUP_ACTIONS),
                    "Resource": [log_group_arn, f"{log_group_arn}:*"],
                },
                {
                    "Sid": "FindTheLogGroup",
                    "Effect": "Allow",
                    "Action": list(FLOW_LOG_LIST_ACTIONS),
                    "Resource": "*",
                },
            ],
        }
    )


@dataclass
class RegionalNetworkArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    cidr: ipaddress.IPv4Network
    az_count: int
    nat_gateway_count: int
    """One per AZ for resilience, or one to save cost (pilot-light); at most az_count."""
    log_retention_days: int
    instance_type: str
    """The application's EC2 instance type: only zones offering it are used."""
    database: DatabaseSettings
    """Engine, version and instance class: only zones where RDS offers them for a global
    database are used (components/network/zones.py)."""
    pinned_zone_ids: Sequence[str] = ()
    """zoneIds: the zones chosen at the first deploy, kept whatever AWS offers later."""


class RegionalNetwork(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    public_subnets: list[aws.ec2.Subnet]
    app_subnets: list[aws.ec2.Subnet]
    """Private subnets of the application tier (ASG, Transit Gateway attachment, Lambda)."""
    data_subnets: list[aws.ec2.Subnet]
    """Private subnets of the data tier (Aurora); no route to the internet."""
    app_route_tables: list[aws.ec2.RouteTable]
    data_route_tables: list[aws.ec2.RouteTable]
    flow_log_group: aws.cloudwatch.LogGroup
    zones: pulumi.Output[list[Zone]]
    """The chosen zones, index i holding subnet i of each tier."""

    def __init__(self, name: str, args: RegionalNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:network:RegionalNetwork", name, None, opts)
        if not 1 <= args.nat_gateway_count <= args.az_count:
            raise ValueError(
                f"nat_gateway_count {args.nat_gateway_count} must be between 1 and {args.az_count}"
            )
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        plan = plan_subnets(args.cidr, args.az_count)

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(args.cidr),
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags("vpc"),
            opts=self._child,
        )
        # Manage the default security group so that it admits and emits nothing: anything
        # that forgets its own group gets no traffic rather than the default allow-all.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            ingress=[],
            egress=[],
            tags=self._tags("default-sg-unused"),
            opts=self._child,
        )
        self.zones = self._zones()
        self._zone_names = self.zones.apply(lambda zones: [zone.name for zone in zones])

        self.public_subnets = self._subnets("public", plan.public)
        self.app_subnets = self._subnets("app", plan.app)
        self.data_subnets = self._subnets("data", plan.data)

        nat_gateways = self._internet_egress()
        self.app_route_tables = [
            self._private_route_table("app", index, subnet, nat_gateways)
            for index, subnet in enumerate(self.app_subnets)
        ]
        # The data tier reaches AWS services only through the gateway endpoints.
        self.data_route_tables = [
            self._private_route_table("data", index, subnet, None)
            for index, subnet in enumerate(self.data_subnets)
        ]
        self._gateway_endpoints()
        self.flow_log_group = self._flow_logs()

        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "app_subnet_ids": [s.id for s in self.app_subnets],
                "data_subnet_ids": [s.id for s in self.data_subnets],
            }
        )

    def _tags(self, what: str) -> dict[str, str]:
        return {"Name": f"{self._args.context.name_prefix}-{what}"}

    def _zones(self) -> pulumi.Output[list[Zone]]:
        """The zones of this region by the one rule of components/network/zones.py."""
        args, invoke = self._args, pulumi.InvokeOutputOptions(parent=self)
        zones = aws.get_availability_zones_output(state="available", opts=invoke)
        offerings = aws.ec2.get_instance_type_offerings_output(
            location_type="availability-zone-id",
            filters=[{"name": "instance-type", "values": [args.instance_type]}],
            opts=invoke,
        )
        # The storage type and the preferred class make the provider's lookup match one entry:
        # since Aurora I/O-Optimized the API answers one per storage type, and the provider
        # fails on more than one (components/network/orderable.py; preflight asks the same).
        orderable = aws.rds.get_orderable_db_instance_output(
            **orderable_query(args.database).invoke_args(), opts=invoke
        )

        def decide(v) -> list[Zone]:
            if not args.pinned_zone_ids:
                return choose_zones(
                    region=args.context.region,
                    names=v[0],
                    zone_ids=v[1],
                    instance_type=args.instance_type,
                    instance_zone_ids=v[2],
                    db_instance_class=args.database.instance_class,
                    db_zone_names=v[3],
                    az_count=args.az_count,
                )
            # Pinned after the first deploy (deploy.py up writes zoneIds): recomputing from
            # today's offerings would shift `qualifying[:az_count]` when an offering changes
            # and replace the subnets, and with them NAT, ALB, TGW and Aurora.
            chosen = pinned_zones(
                region=args.context.region, names=v[0], zone_ids=v[1], pinned=args.pinned_zone_ids
            )
            for zone in no_longer_offered(chosen, v[2], v[3]):
                pulumi.log.warn(
                    f"pinned zone {zone.zone_id} ({zone.name}) of {args.context.region} no longer offers "
                    f"{args.instance_type} or {args.database.instance_class} for a global database: "
                    "kept; to move, change zoneIds explicitly (replaces the subnets there)",
                    resource=self,
                )
            return chosen

        return pulumi.Output.all(
            zones.names, zones.zone_ids, offerings.locations, orderable.availability_zones
        ).apply(decide)

    def _subnets(self, tier: str, cidrs) -> list[aws.ec2.Subnet]:
        return [
            aws.ec2.Subnet(
                f"{self._name}-{tier}-{index}",
                vpc_id=self.vpc.id,
                cidr_block=str(cidr),
                availability_zone=self._zone_names.apply(lambda names, i=index: names[i]),
                # No subnet hands out public addresses, not even the public tier: the ALB and
                # the NAT gateways (Elastic IPs) do not need it, and an instance launched there
                # by mistake would be reachable. ModifySubnetAttribute MapPublicIpOnLaunch:
                # https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySubnetAttribute.html
                map_public_ip_on_launch=False,
                tags={**self._tags(f"{tier}-{index}"), "Tier": tier},
                opts=self._child,
            )
            for index, cidr in enumerate(cidrs)
        ]

    def _internet_egress(self) -> list[aws.ec2.NatGateway]:
        igw = aws.ec2.InternetGateway(
            f"{self._name}-igw", vpc_id=self.vpc.id, tags=self._tags("igw"), opts=self._child
        )
        public_rt = aws.ec2.RouteTable(
            f"{self._name}-public-rt", vpc_id=self.vpc.id, tags=self._tags("public-rt"), opts=self._child
        )
        aws.ec2.Route(
            f"{self._name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=self._child,
        )
        for index, subnet in enumerate(self.public_subnets):
            aws.ec2.RouteTableAssociation(
                f"{self._name}-public-rta-{index}",
                route_table_id=public_rt.id,
                subnet_id=subnet.id,
                opts=self._child,
            )
        nat_gateways = []
        for index in range(self._args.nat_gateway_count):
            eip = aws.ec2.Eip(
                f"{self._name}-nat-eip-{index}",
                domain="vpc",
                tags=self._tags(f"nat-eip-{index}"),
                opts=self._child,
            )
            nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{self._name}-nat-{index}",
                    allocation_id=eip.id,
                    subnet_id=self.public_subnets[index].id,
                    tags=self._tags(f"nat-{index}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )
        return nat_gateways

    def _private_route_table(self, tier, index, subnet, nat_gateways) -> aws.ec2.RouteTable:
        table = aws.ec2.RouteTable(
            f"{self._name}-{tier}-rt-{index}",
            vpc_id=self.vpc.id,
            tags=self._tags(f"{tier}-rt-{index}"),
            opts=self._child,
        )
        if nat_gateways:
            # With fewer NAT gateways than AZs, AZs share them round-robin.
            aws.ec2.Route(
                f"{self._name}-{tier}-default-{index}",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat_gateways[index % len(nat_gateways)].id,
                opts=self._child,
            )
        aws.ec2.RouteTableAssociation(
            f"{self._name}-{tier}-rta-{index}",
            route_table_id=table.id,
            subnet_id=subnet.id,
            opts=self._child,
        )
        return table

    def _gateway_endpoints(self) -> None:
        private_tables = [t.id for t in self.app_route_tables + self.data_route_tables]
        for service in ("s3", "dynamodb"):
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{self._args.context.region}.{service}",
                vpc_endpoint_type="Gateway",
                route_table_ids=private_tables,
                tags=self._tags(f"{service}-endpoint"),
                opts=self._child,
            )

    def _flow_logs(self) -> aws.cloudwatch.LogGroup:
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            retention_in_days=self._args.log_retention_days,
            kms_key_id=self._args.context.kms_key_arn,
            opts=self._child,
        )
        role = aws.iam.Role(
            f"{self._name}-flow-logs-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=self._child,
        )
        aws.iam.RolePolicy(
            f"{self._name}-flow-logs-policy",
            role=role.id,
            policy=log_group.arn.apply(flow_log_policy),
            opts=self._child,
        )
        aws.ec2.FlowLog(
            f"{self._name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags("flow-log"),
            opts=self._child,
        )
        return log_group

    @property
    def vpc_id(self) -> pulumi.Output[str]:
        return self.vpc.id
