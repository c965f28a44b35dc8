"""The monthly cost estimate as plain functions over the captured plans: line items add up,
quantities come from the plan's own inputs, nothing without a price is counted as zero, and
the DR region costs more the warmer the standby."""

from __future__ import annotations

import dataclasses
import math

import pytest

from ops.errors import OperatorError
from ops.tiers.costs import GLOBAL, billable, estimate_costs
from ops.tiers.usage import load_usage_file, resolve_usage


@pytest.fixture(scope="module")
def estimates(tier_builds, prices, usage):
    return {tier: estimate_costs(runs, prices, usage) for tier, runs in tier_builds.items()}


def dr_region(tier_builds) -> str:
    return tier_builds["hot-standby"][1].settings.home_region


def test_the_dr_region_costs_pilot_light_below_warm_below_hot(estimates, tier_builds):
    region = dr_region(tier_builds)
    pilot, warm, hot = (
        estimates[t].region_total(region) for t in ("pilot-light", "warm-standby", "hot-standby")
    )
    assert 0 < pilot < warm < hot


def test_line_items_add_up_per_region_and_per_stack(estimates):
    for estimate in estimates.values():
        total = sum(item.monthly for item in estimate.items)
        assert math.isclose(estimate.total, total, abs_tol=0.01)
        assert math.isclose(sum(estimate.by_region().values()), total, abs_tol=0.05)
        assert math.isclose(sum(estimate.by_stack().values()), total, abs_tol=0.05)


def test_every_resource_is_in_exactly_one_place(estimates, tier_builds, prices):
    """Each cloud resource is billed (line items), free, or listed unpriced: none vanishes."""
    for tier, runs in tier_builds.items():
        estimate = estimates[tier]
        billed = {(i.stack, i.type, i.name) for i in estimate.items}
        unpriced = {(u.stack, u.type, u.name) for u in estimate.unpriced}
        for run in runs:
            for resource in billable(run):
                key = (run.stack, resource.type, resource.name)
                free = prices.entry(resource.type).status == "free"
                assert free != (key in billed or key in unpriced), key
        assert sum(estimate.free.values()) == sum(
            1 for run in runs for r in billable(run) if prices.entry(r.type).status == "free"
        )


def test_instances_come_from_the_group_and_its_launch_template(estimates, tier_builds, prices):
    """Auto Scaling desired capacity x hours at the launch template's instance type, per stack."""
    for tier, (primary, dr) in tier_builds.items():
        for run in (primary, dr):
            group = run.one("aws:autoscaling/group:Group")
            template = run.one("aws:ec2/launchTemplate:LaunchTemplate")
            rate = f"ec2.instance.{template.inputs['instanceType']}"
            items = [i for i in estimates[tier].items if i.stack == run.stack and i.rate == rate]
            desired = float(group.inputs["desiredCapacity"])
            assert sum(i.quantity for i in items) == desired * prices.hours_per_month
    pilot_dr = [
        i for i in estimates["pilot-light"].items if i.stack == "dr" and i.rate.startswith("ec2.instance.")
    ]
    assert sum(i.monthly for i in pilot_dr) == 0  # a pilot-light DR group runs no instance


def test_aurora_instances_are_priced_per_class_and_counted_from_the_plan(estimates, tier_builds, prices):
    for tier, runs in tier_builds.items():
        instances = sum(len(run.of_type("aws:rds/clusterInstance:ClusterInstance")) for run in runs)
        items = [i for i in estimates[tier].items if i.type == "aws:rds/clusterInstance:ClusterInstance"]
        assert len(items) == instances
        assert all(i.quantity == prices.hours_per_month for i in items)


def test_route53_and_arc_are_global_and_the_regions_are_the_providers(estimates, tier_builds):
    regions = {t[1].settings.home_region for t in tier_builds.values()} | {
        t[0].settings.home_region for t in tier_builds.values()
    }
    for estimate in estimates.values():
        for item in estimate.items:
            if item.type.startswith("aws:route53"):
                assert item.region == GLOBAL
            else:
                assert item.region in regions


def test_a_type_missing_from_the_table_is_listed_unpriced_never_zero(tier_builds, prices, usage):
    nat = "aws:ec2/natGateway:NatGateway"
    types = {k: v for k, v in prices.types.items() if k != nat}
    without_nat = dataclasses.replace(prices, types=types)
    runs = tier_builds["hot-standby"]
    full, reduced = estimate_costs(runs, prices, usage), estimate_costs(runs, without_nat, usage)
    nat_cost = sum(i.monthly for i in full.items if i.type == nat)
    gateways = sum(len(run.of_type(nat)) for run in runs)
    assert nat_cost > 0
    assert [u.type for u in reduced.unpriced].count(nat) == gateways
    assert not any(i.type == nat for i in reduced.items)
    assert math.isclose(reduced.total, full.total - nat_cost, abs_tol=0.05)


def test_a_rate_without_a_price_is_listed_unpriced(tier_builds, prices, usage):
    runs = tier_builds["hot-standby"]
    rate = prices.rate("nat.gateway.hour")
    unknown = dataclasses.replace(rate, prices=dict.fromkeys(rate.prices), not_priced="test: no price")
    table = dataclasses.replace(prices, rates={**prices.rates, rate.id: unknown})
    estimate = estimate_costs(runs, table, usage)
    listed = [u for u in estimate.unpriced if u.rate == "nat.gateway.hour"]
    assert listed and all(u.reason == "test: no price" for u in listed)
    assert not any(i.rate == "nat.gateway.hour" for i in estimate.items)


def test_an_instance_type_without_a_price_is_listed_unpriced(tier_builds, prices, usage):
    runs = tier_builds["hot-standby"]
    rates = {k: v for k, v in prices.rates.items() if not k.startswith("ec2.instance.")}
    estimate = estimate_costs(runs, dataclasses.replace(prices, rates=rates), usage)
    groups = [u for u in estimate.unpriced if u.type == "aws:autoscaling/group:Group"]
    assert len(groups) == 2 and all("ec2.instance.m6i.large" in u.reason for u in groups)


@pytest.mark.parametrize(
    ("key", "grows"),
    [
        ("natGbPerInstanceMonth", "aws:ec2/natGateway:NatGateway"),
        ("dbStorageGb", "aws:rds/cluster:Cluster"),
        ("dbWriteIoMillionsPerMonth", "aws:rds/cluster:Cluster"),
        ("ddbWritesPerSecondPerTable", "aws:dynamodb/tableReplica:TableReplica"),
        ("requestsMillionsPerMonth", "aws:wafv2/webAcl:WebAcl"),
        ("s3DocumentsGb", "aws:s3/bucket:Bucket"),
        ("logIngestGbPerLogGroupMonth", "aws:cloudwatch/logGroup:LogGroup"),
        ("backupDailyChangePercent", "aws:backup/plan:Plan"),
    ],
)
def test_more_usage_costs_more_where_it_is_billed(tier_builds, prices, usage, key, grows):
    runs = tier_builds["warm-standby"]
    base = estimate_costs(runs, prices, usage).by_type()[grows]
    more = estimate_costs(runs, prices, resolve_usage({key: usage[key] * 2 + 1})).by_type()[grows]
    assert more > base


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"dbStorageGbb": 1}, "dbStorageGbb: not a usage assumption (did you mean dbStorageGb?)"),
        ({"dbStorageGb": -1}, "dbStorageGb=-1: must be >= 0"),
        ({"dbStorageGb": "100"}, 'dbStorageGb="100": must be a finite number'),
        ({"dbStorageGb": True}, "dbStorageGb=true: must be a finite number"),
    ],
)
def test_bad_usage_overrides_stop_with_one_line(tmp_path, override, message):
    path = tmp_path / "usage.json"
    path.write_text(__import__("json").dumps(override))
    with pytest.raises(OperatorError) as raised:
        load_usage_file(path)
    assert str(raised.value) == f"usage.json: {message}"


def test_a_non_finite_usage_value_is_refused():
    with pytest.raises(OperatorError, match="must be a finite number"):
        resolve_usage({"dbStorageGb": float("nan")})


def test_traffic_driven_usage_is_billed_only_where_traffic_goes(estimates, tier_builds):
    """The standby region serves no requests in steady state: no LCUs, no WAF requests, no
    writer I/O, no reads; it pays for what replication sends it."""
    primary, dr = tier_builds["hot-standby"]
    traffic_rates = {"elb.alb.lcu-hour", "waf.request.million", "aurora.io.million", "dynamodb.read.million"}
    for estimate in estimates.values():
        regions = {i.rate: set() for i in estimate.items}
        for item in estimate.items:
            regions[item.rate].add(item.region)
        for rate in traffic_rates:
            assert regions.get(rate) == {primary.settings.home_region}, rate
        assert dr.settings.home_region in regions["aurora.replicated-write-io.million"]
        assert primary.settings.home_region not in regions["aurora.replicated-write-io.million"]
