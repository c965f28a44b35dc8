"""Network resources as AWS accepts and the security baseline wants them: security-group
descriptions in EC2's charset, the flow-log role's documented
minimum, and no subnet that gives a launch a public address."""

from __future__ import annotations

import json
import re

import pytest

from tests.iam_eval import allows

SG = "aws:ec2/securityGroup:SecurityGroup"
RULES = (
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
)
STACKS = ["primary", "dr"]
# Written out here, not imported, so that a weakened pattern in the code still fails: EC2's
# documented set for group and rule descriptions, without "&" (API_UserIdGroupPair omits it).
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]{0,255}")


@pytest.mark.parametrize("stack", STACKS)
def test_every_security_group_and_rule_description_is_in_ec2s_charset(by_stack, stack):
    run = by_stack[stack]
    described = [r for r in run.of_type(SG) + [r for t in RULES for r in run.of_type(t)]]
    assert len(described) >= 10
    bad = [
        (r.name, r.inputs.get("description"))
        for r in described
        if not EC2_DESCRIPTION.fullmatch(r.inputs.get("description") or "")
    ]
    assert not bad, bad
    assert all(r.inputs.get("description") for r in described), "every group and rule is described"


def test_a_description_outside_the_charset_is_refused_before_registration():
    from components.network.security_groups import check_description

    with pytest.raises(ValueError, match="peer region's"):
        check_description("from the peer region's VPC")
    with pytest.raises(ValueError):
        check_description("x" * 256)
    assert (
        check_description("HTTPS to AWS APIs via NAT and endpoints")
        == "HTTPS to AWS APIs via NAT and endpoints"
    )


@pytest.mark.parametrize("stack", STACKS)
def test_the_flow_log_role_has_the_documented_minimum_on_its_log_group(by_stack, stack):
    """https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html: CreateLogStream,
    PutLogEvents, DescribeLogGroups, DescribeLogStreams (CreateLogGroup is not needed: the
    group exists before the flow log)."""
    run = by_stack[stack]
    flow_log = run.one("aws:ec2/flowLog:FlowLog")
    group_arn = flow_log.inputs["logDestination"]
    [policy] = [
        json.loads(p.inputs["policy"])
        for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
        if group_arn in p.inputs["policy"]
    ]
    for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"):
        assert allows(policy, action, f"{group_arn}:log-stream:eni-1-all"), action
    assert allows(policy, "logs:DescribeLogGroups", group_arn)
    assert not allows(policy, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:other:*")


@pytest.mark.parametrize("stack", STACKS)
def test_no_subnet_maps_a_public_ip_on_launch(by_stack, stack):
    """Not even the public tier: the ALB and the NAT gateways' Elastic IPs do not need it
    (ModifySubnetAttribute MapPublicIpOnLaunch,
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifySubnetAttribute.html)."""
    subnets = by_stack[stack].of_type("aws:ec2/subnet:Subnet")
    assert any(s.inputs["tags"]["Tier"] == "public" for s in subnets)
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)
