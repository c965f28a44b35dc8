"""TransitPeering: the cross-region link between the two Transit Gateways. Built by the dr
stack only (a link belongs to the stack deployed second, docs/ARCHITECTURE.md#stack-ownership):
the requester attachment
in the dr region, its accepter in the primary region, the association of the peering with
each side's route table and a static route to the other VPC on each side (peering
attachments do not propagate routes).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext


@dataclass
class TransitPeeringArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    transit_gateway_id: pulumi.Input[str]
    """This (dr) region's gateway: the requester."""
    route_table_id: pulumi.Input[str]
    """This region's gateway route table."""
    vpc_cidr: ipaddress.IPv4Network
    """This region's VPC, routed to from the peer's gateway."""
    peer_transit_gateway_id: pulumi.Input[str]
    """The primary region's gateway (from the primary stack's exports): the accepter."""
    peer_route_table_id: pulumi.Input[str]
    peer_vpc_cidr: ipaddress.IPv4Network
    peer_provider: pulumi.ProviderResource
    """Provider of the primary region: the accepter side's resources are created there."""


class TransitPeering(pulumi.ComponentResource):
    attachment: aws.ec2transitgateway.PeeringAttachment
    accepter: aws.ec2transitgateway.PeeringAttachmentAccepter

    def __init__(self, name: str, args: TransitPeeringArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:transit:TransitPeering", name, None, opts)
        home = pulumi.ResourceOptions(parent=self)

        self.attachment = aws.ec2transitgateway.PeeringAttachment(
            f"{name}-attachment",
            transit_gateway_id=args.transit_gateway_id,
            peer_transit_gateway_id=args.peer_transit_gateway_id,
            peer_region=args.context.peer_region,
            peer_account_id=args.context.account_id,
            tags={"Name": f"{args.context.name_prefix}-tgw-peering"},
            opts=home,
        )
        self.accepter = aws.ec2transitgateway.PeeringAttachmentAccepter(
            f"{name}-accepter",
            transit_gateway_attachment_id=self.attachment.id,
            tags={"Name": f"{args.context.name_prefix}-tgw-peering"},
            opts=pulumi.ResourceOptions(parent=self, provider=args.peer_provider),
        )
        # Associations and routes need an available attachment, i.e. an accepted one.
        accepted = [self.accepter]
        home_after = pulumi.ResourceOptions(parent=self, depends_on=accepted)
        peer_after = pulumi.ResourceOptions(parent=self, provider=args.peer_provider, depends_on=accepted)

        # The same attachment id names the peering on both sides.
        aws.ec2transitgateway.RouteTableAssociation(
            f"{name}-association",
            transit_gateway_attachment_id=self.attachment.id,
            transit_gateway_route_table_id=args.route_table_id,
            opts=home_after,
        )
        aws.ec2transitgateway.RouteTableAssociation(
            f"{name}-peer-association",
            transit_gateway_attachment_id=self.accepter.transit_gateway_attachment_id,
            transit_gateway_route_table_id=args.peer_route_table_id,
            opts=peer_after,
        )
        aws.ec2transitgateway.Route(
            f"{name}-route-to-peer",
            destination_cidr_block=str(args.peer_vpc_cidr),
            transit_gateway_attachment_id=self.attachment.id,
            transit_gateway_route_table_id=args.route_table_id,
            opts=home_after,
        )
        aws.ec2transitgateway.Route(
            f"{name}-peer-route-back",
            destination_cidr_block=str(args.vpc_cidr),
            transit_gateway_attachment_id=self.accepter.transit_gateway_attachment_id,
            transit_gateway_route_table_id=args.peer_route_table_id,
            opts=peer_after,
        )
        self.register_outputs({"peering_attachment_id": self.attachment.id})
