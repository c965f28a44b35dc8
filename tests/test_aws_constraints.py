"""AWS's naming rules over the WHOLE plan: both stacks, every tier, both database engines, on
the mock engine. The mock engine accepts any string, AWS does not; each rule, its pattern and
its AWS page are one row of tests/aws_rules.py.

The plan is built once per configuration (six pairs, about ten seconds) inside one test, so
the two xdist workers never build the same configuration twice."""

from __future__ import annotations

import functools
import re
from types import SimpleNamespace

import pytest

from components.settings import DB_ENGINES, TIERS
from ops.mock_engine import StackRun, run_both
from tests.aws_rules import AUTONAME_SUFFIX, PREFIX_SUFFIX, RULES, names_for, values_at, violations

CONFIGURATIONS = [(tier, engine) for tier in TIERS for engine in DB_ENGINES]


@functools.cache
def plan(tier: str, engine: str) -> tuple[StackRun, StackRun]:
    overrides = {"trading-dr:tier": tier, "trading-dr:dbEngine": engine}
    return run_both({"primary": overrides, "dr": overrides})


def test_every_configuration_of_both_stacks_meets_every_rule():
    found = []
    checked = 0
    for tier, engine in CONFIGURATIONS:
        for run in plan(tier, engine):
            found += [f"[{tier}, {engine}] {v}" for v in violations(run.stack, run.resources)]
            checked += len(run.resources)
    assert found == []
    assert checked > 2000  # six pairs of ~200 resources: the plan was really built


def test_the_rules_reach_every_named_resource_of_the_plan(stacks):
    """Each row matches something in the plan or names a type the program may add (SSM,
    Step Functions, IAM managed policies...); every named type in the plan has rows."""
    primary, dr = stacks
    types = {r.type for r in primary.resources + dr.resources if r.type.startswith("aws:") and r.custom}
    ruled = {rule.resource for rule in RULES}
    must_have_rows = {
        t
        for t in types
        if any(
            re.fullmatch(rule_key, key)
            for r in primary.resources + dr.resources
            if r.type == t
            for key in r.inputs
            for rule_key in ("name", "namePrefix", "description", "identifier", "clusterIdentifier", "bucket")
        )
    }
    # Types whose such input refers to another resource (or is AWS's own), not a name we choose.
    refers = {
        "aws:ec2/vpcEndpoint:VpcEndpoint",  # serviceName is AWS's
        "aws:rds/clusterInstance:ClusterInstance",  # has a row; clusterIdentifier refers to the cluster
        # CreateTransitGateway documents no charset or length for Description (botocore model:
        # a plain string); https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTransitGateway.html
        "aws:ec2transitgateway/transitGateway:TransitGateway",
    } | {t for t in types if t.startswith("aws:s3/bucket") and t != "aws:s3/bucket:Bucket"}
    missing = sorted(t for t in must_have_rows - refers if t not in ruled)
    assert missing == []
    checked_in_plan = {
        rule.id
        for rule in RULES
        for r in primary.resources + dr.resources
        if rule.resource in (r.type, "*") and names_for(rule, r.name, r.inputs)
    }
    assert len(checked_in_plan) >= 40, sorted(checked_in_plan)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_each_rule_rejects_a_known_bad_value_and_accepts_a_good_one(rule):
    assert rule.accepts(rule.good), rule.good
    assert not rule.accepts(rule.bad), rule.bad


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_each_rule_cites_an_aws_page(rule):
    assert rule.url.startswith("https://docs.aws.amazon.com/")


def _resource(type_: str, name: str, **inputs):
    return SimpleNamespace(type=type_, name=name, inputs=inputs, custom=True)


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        # A real first deploy's failure: an apostrophe in a security-group rule description.
        (
            _resource(
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                "from-peer",
                description="from the peer region's VPC",
            ),
            "description",
        ),
        (
            _resource("aws:ec2/securityGroup:SecurityGroup", "app", ingress=[{"description": "it's open"}]),
            "ingress[].description",
        ),
        (_resource("aws:s3/bucket:Bucket", "b", bucket="Trading-DR-Docs"), "bucket"),
        # Auto-named: a long logical name overflows the ALB's 32 characters with Pulumi's suffix.
        (_resource("aws:lb/loadBalancer:LoadBalancer", "home-traffic-entry-load-balancer"), "name"),
        # A prefix: 26 characters are appended.
        (
            _resource("aws:rds/clusterParameterGroup:ClusterParameterGroup", "pg", namePrefix="Trading-"),
            "name",
        ),
        (_resource("aws:rds/cluster:Cluster", "c", clusterIdentifier="trading--dr"), "clusterIdentifier"),
        (_resource("aws:wafv2/webAcl:WebAcl", "w", rules=[{"name": "rate limit"}]), "rules[].name"),
        (_resource("aws:iam/role:Role", "r", tags={"aws:team": "x"}), "tags{k}"),
    ],
)
def test_a_violating_value_is_reported(resource, field):
    found = violations("primary", [resource])
    assert [v.rule.field for v in found] == [field]
    assert "docs.aws.amazon.com" in str(found[0])


def test_names_are_computed_as_pulumi_and_terraform_compute_them():
    lb = next(r for r in RULES if r.resource == "aws:lb/loadBalancer:LoadBalancer")
    assert names_for(lb, "alb", {}) == ["alb" + AUTONAME_SUFFIX]
    assert names_for(lb, "alb", {"namePrefix": "tdr-"}) == ["tdr-" + PREFIX_SUFFIX]
    assert names_for(lb, "alb", {"name": "given"}) == ["given"]
    assert len(AUTONAME_SUFFIX) == 8 and len(PREFIX_SUFFIX) == 26
    assert list(values_at({"a": [{"b": {"c": 1}}, {"b": {}}]}, "a[].b.c")) == [1]
    assert list(values_at({"t": {"k": "v"}}, "t{k}")) == ["k"]
