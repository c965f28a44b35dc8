"""RegionalTransit: the Transit Gateway of one region, its explicit route table, the VPC
attachment on the private-app subnets, and this VPC's routes to the peer VPC through it.

Nothing is automatic: shared attachments are not auto-accepted and the default route-table
association and propagation are off, so every path through the gateway is one declared
here or in components/network/peering.py. The cross-region peering itself (attachment, accepter,
static routes on both route tables) belongs to the dr stack: see components/network/peering.py.

Only the application tier routes to the peer VPC. The data tier answers only the local app
security group and Aurora replicates over the AWS backbone, not through the VPC, so a route
from the data subnets to the peer region would be a path nothing should use.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext

# Private ASN of each gateway; the two ends of a peering must differ, so derive from role.
AMAZON_SIDE_ASN = {"primary": 64512, "dr": 64513}


@dataclass
class RegionalTransitArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    vpc_id: pulumi.Input[str]
    app_subnet_ids: Sequence[pulumi.Input[str]]
    """One subnet per AZ: the gateway places an attachment interface in each."""
    app_route_table_ids: Sequence[pulumi.Input[str]]
    """Private route tables that get a route to the peer VPC through the gateway."""
    peer_vpc_cidr: ipaddress.IPv4Network
    amazon_side_asn: int


class RegionalTransit(pulumi.ComponentResource):
    gateway: aws.ec2transitgateway.TransitGateway
    route_table: aws.ec2transitgateway.RouteTable
    """The gateway's one route table: the VPC attachment and the peering are associated with
    it; it learns the local VPC by propagation and the peer VPC by a static route."""
    vpc_attachment: aws.ec2transitgateway.VpcAttachment

    def __init__(self, name: str, args: RegionalTransitArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:transit:RegionalTransit", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.gateway = aws.ec2transitgateway.TransitGateway(
            f"{name}-tgw",
            description=f"{args.context.name_prefix} transit gateway",
            amazon_side_asn=args.amazon_side_asn,
            auto_accept_shared_attachments="disable",
            default_route_table_association="disable",
            default_route_table_propagation="disable",
            dns_support="enable",
            tags={"Name": f"{args.context.name_prefix}-tgw"},
            opts=child,
        )
        self.route_table = aws.ec2transitgateway.RouteTable(
            f"{name}-tgw-rt",
            transit_gateway_id=self.gateway.id,
            tags={"Name": f"{args.context.name_prefix}-tgw-rt"},
            opts=child,
        )
        self.vpc_attachment = aws.ec2transitgateway.VpcAttachment(
            f"{name}-vpc-attachment",
            transit_gateway_id=self.gateway.id,
            vpc_id=args.vpc_id,
            subnet_ids=list(args.app_subnet_ids),
            dns_support="enable",
            transit_gateway_default_route_table_association=False,
            transit_gateway_default_route_table_propagation=False,
            tags={"Name": f"{args.context.name_prefix}-tgw-vpc"},
            opts=child,
        )
        aws.ec2transitgateway.RouteTableAssociation(
            f"{name}-vpc-association",
            transit_gateway_attachment_id=self.vpc_attachment.id,
            transit_gateway_route_table_id=self.route_table.id,
            opts=child,
        )
        # Traffic arriving over the peering needs a route back to this VPC: propagate it.
        aws.ec2transitgateway.RouteTablePropagation(
            f"{name}-vpc-propagation",
            transit_gateway_attachment_id=self.vpc_attachment.id,
            transit_gateway_route_table_id=self.route_table.id,
            opts=child,
        )
        for index, table_id in enumerate(args.app_route_table_ids):
            aws.ec2.Route(
                f"{name}-to-peer-{index}",
                route_table_id=table_id,
                destination_cidr_block=str(args.peer_vpc_cidr),
                transit_gateway_id=self.gateway.id,
                # The gateway accepts routes only once the VPC is attached to it.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.vpc_attachment]),
            )
        self.register_outputs(
            {
                "transit_gateway_id": self.gateway.id,
                "route_table_id": self.route_table.id,
                "vpc_attachment_id": self.vpc_attachment.id,
            }
        )
