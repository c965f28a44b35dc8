"""Transit Gateway peering with routes on both sides, and the security groups between tiers."""

from __future__ import annotations

import pytest

from tests.traffic_support import by_id, run_of

TGW = "aws:ec2transitgateway/transitGateway:TransitGateway"
TGW_RT = "aws:ec2transitgateway/routeTable:RouteTable"
TGW_ROUTE = "aws:ec2transitgateway/route:Route"
TGW_ASSOC = "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation"
TGW_PROP = "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation"
VPC_ATTACHMENT = "aws:ec2transitgateway/vpcAttachment:VpcAttachment"
PEERING = "aws:ec2transitgateway/peeringAttachment:PeeringAttachment"
ACCEPTER = "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter"
ROUTE = "aws:ec2/route:Route"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INTERNET = "0.0.0.0/0"


# --- Transit Gateway ---------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_each_region_has_a_gateway_with_nothing_automatic(stacks, stack):
    run = run_of(stacks, stack)
    gateway = run.one(TGW)
    assert gateway.region == run.settings.home_region
    assert gateway.inputs["autoAcceptSharedAttachments"] == "disable"
    assert gateway.inputs["defaultRouteTableAssociation"] == "disable"
    assert gateway.inputs["defaultRouteTablePropagation"] == "disable"
    table = run.one(TGW_RT)
    assert table.inputs["transitGatewayId"] == gateway.id


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_vpc_attachment_sits_on_the_app_subnets_and_uses_the_explicit_table(stacks, stack):
    run = run_of(stacks, stack)
    attachment = run.one(VPC_ATTACHMENT)
    app_subnets = {s.id for s in run.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "app"}
    assert set(attachment.inputs["subnetIds"]) == app_subnets
    assert attachment.inputs["transitGatewayDefaultRouteTableAssociation"] is False
    assert attachment.inputs["transitGatewayDefaultRouteTablePropagation"] is False
    table_id = run.one(TGW_RT).id
    for kind in (TGW_ASSOC, TGW_PROP):
        assert any(
            r.inputs["transitGatewayAttachmentId"] == attachment.id
            and r.inputs["transitGatewayRouteTableId"] == table_id
            for r in run.of_type(kind)
        ), kind


def test_the_dr_stack_owns_the_peering_and_the_accepter_is_in_the_other_region(primary, dr):
    assert primary.of_type(PEERING) == [] and primary.of_type(ACCEPTER) == []
    requester, accepter = dr.one(PEERING), dr.one(ACCEPTER)
    assert requester.region == dr.settings.home_region
    assert accepter.region == dr.settings.peer_region != requester.region
    assert requester.inputs["peerRegion"] == accepter.region
    # Requester: the dr gateway; peer: the primary's gateway, read from its exports.
    assert requester.inputs["transitGatewayId"] == dr.one(TGW).id
    assert requester.inputs["peerTransitGatewayId"] == primary.one(TGW).id
    assert accepter.inputs["transitGatewayAttachmentId"] == requester.id


def _peer_routes(owner, table_id):
    """Static routes owned by `owner`'s peering in the table `table_id`, by destination."""
    attachment = owner.one(PEERING).id
    return {
        r.inputs["destinationCidrBlock"]: r
        for r in owner.of_type(TGW_ROUTE)
        if r.inputs["transitGatewayRouteTableId"] == table_id
        and r.inputs["transitGatewayAttachmentId"] == attachment
    }


def test_both_gateway_route_tables_route_the_other_vpc_over_the_peering(primary, dr):
    accepter = dr.one(ACCEPTER)
    dr_routes = _peer_routes(dr, dr.one(TGW_RT).id)
    primary_routes = _peer_routes(dr, primary.one(TGW_RT).id)
    assert set(dr_routes) == {str(primary.settings.vpc_cidr)}
    assert set(primary_routes) == {str(dr.settings.vpc_cidr)}
    assert dr_routes[str(primary.settings.vpc_cidr)].region == dr.settings.home_region
    assert primary_routes[str(dr.settings.vpc_cidr)].region == primary.settings.home_region
    # Routes and associations wait for the accepted attachment.
    for route in [*dr_routes.values(), *primary_routes.values()]:
        assert accepter.urn in route.options.depends_on


def test_the_peering_is_associated_with_both_route_tables(primary, dr):
    attachment = dr.one(PEERING).id
    associations = {
        (r.inputs["transitGatewayRouteTableId"], r.region)
        for r in dr.of_type(TGW_ASSOC)
        if r.inputs["transitGatewayAttachmentId"] == attachment
    }
    assert associations == {
        (dr.one(TGW_RT).id, dr.settings.home_region),
        (primary.one(TGW_RT).id, primary.settings.home_region),
    }


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_app_route_table_routes_the_peer_vpc_through_its_own_gateway(stacks, stack):
    run = run_of(stacks, stack)
    app_tables = {t.id for t in run.of_type("aws:ec2/routeTable:RouteTable") if "-app-rt-" in t.name}
    assert len(app_tables) == run.settings.az_count
    to_peer = [
        r for r in run.of_type(ROUTE) if r.inputs["destinationCidrBlock"] == str(run.settings.peer_vpc_cidr)
    ]
    assert {r.inputs["routeTableId"] for r in to_peer} == app_tables
    gateway = run.one(TGW)
    assert all(r.inputs["transitGatewayId"] == gateway.id for r in to_peer)
    # The routes only work once the VPC is attached to the gateway.
    attachment = run.one(VPC_ATTACHMENT)
    assert all(attachment.urn in r.options.depends_on for r in to_peer)


def test_the_peer_cidrs_of_the_two_stacks_are_each_others_vpc(primary, dr):
    assert primary.settings.peer_vpc_cidr == dr.settings.vpc_cidr
    assert dr.settings.peer_vpc_cidr == primary.settings.vpc_cidr


# --- Security groups ---------------------------------------------------------------------


def _groups(run):
    return {g.name.rsplit("-", 1)[1]: g for g in run.of_type(SG)}


def _rules(run, kind, group):
    return [r for r in run.of_type(kind) if r.inputs["securityGroupId"] == group.id]


def _source(run, rule):
    """What a rule admits or reaches: a CIDR or the tier name of a security group."""
    if "cidrIpv4" in rule.inputs:
        return rule.inputs["cidrIpv4"]
    group = by_id(run, rule.inputs["referencedSecurityGroupId"])
    return group.name.rsplit("-", 1)[1]


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_only_the_alb_admits_the_internet_and_only_on_80_and_443(stacks, stack):
    run = run_of(stacks, stack)
    alb = _groups(run)["alb"]
    open_to_internet = [r for r in run.of_type(INGRESS) if r.inputs.get("cidrIpv4") == INTERNET]
    assert {
        (r.inputs["securityGroupId"], r.inputs["fromPort"], r.inputs["toPort"]) for r in open_to_internet
    } == {
        (alb.id, 443, 443),
        (alb.id, 80, 80),
    }
    assert all(r.inputs["ipProtocol"] == "tcp" for r in open_to_internet)
    assert not any(r.inputs.get("cidrIpv6") for r in run.of_type(INGRESS))
    # No inline rules that could bypass the separate rule resources.
    assert not any(g.inputs.get("ingress") for g in run.of_type(SG))


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_rule_is_described(stacks, stack):
    run = run_of(stacks, stack)
    rules = run.of_type(INGRESS) + run.of_type(EGRESS)
    assert rules
    for rule in rules:
        assert rule.inputs.get("description", "").strip(), rule.name
    for group in run.of_type(SG):
        assert group.inputs.get("description", "").strip(), group.name


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_app_admits_only_the_alb_and_the_peer_vpc_on_the_app_port(stacks, stack):
    run = run_of(stacks, stack)
    app = _groups(run)["app"]
    port = run.settings.traffic.app_port
    admitted = {
        (_source(run, r), r.inputs["fromPort"], r.inputs["toPort"]) for r in _rules(run, INGRESS, app)
    }
    assert admitted == {("alb", port, port), (str(run.settings.peer_vpc_cidr), port, port)}


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_db_admits_only_the_app_tier_on_the_db_port_and_initiates_nothing(stacks, stack):
    run = run_of(stacks, stack)
    db = _groups(run)["db"]
    port = run.settings.database.port
    admitted = {(_source(run, r), r.inputs["fromPort"], r.inputs["toPort"]) for r in _rules(run, INGRESS, db)}
    assert admitted == {("app", port, port)}
    assert _rules(run, EGRESS, db) == []


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_egress_is_narrowed_per_tier(stacks, stack):
    run = run_of(stacks, stack)
    groups = _groups(run)
    app_port, db_port = run.settings.traffic.app_port, run.settings.database.port
    reach = {
        tier: {(_source(run, r), r.inputs["fromPort"]) for r in _rules(run, EGRESS, group)}
        for tier, group in groups.items()
    }
    assert reach["alb"] == {("app", app_port)}
    assert reach["app"] == {("db", db_port), (str(run.settings.peer_vpc_cidr), app_port), (INTERNET, 443)}
    # No "all traffic" rules anywhere: one TCP port, or UDP only for DNS (the orchestrator's
    # lookups of the witness through the VPC resolver).
    for rule in run.of_type(INGRESS) + run.of_type(EGRESS):
        assert rule.inputs["fromPort"] == rule.inputs["toPort"]
        assert rule.inputs["ipProtocol"] == "tcp" or (rule.inputs["ipProtocol"], rule.inputs["fromPort"]) == (
            "udp",
            53,
        )
