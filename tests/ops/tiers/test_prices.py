"""The price table against the plan: every resource type the plan creates is priced, free or
listed as not priced; every priced type appears in the plan (or says which branch adds it);
every priced type has the function that derives its quantities; a malformed table stops with
one line naming the entry."""

from __future__ import annotations

import json

import pytest

from ops.errors import OperatorError
from ops.tiers.costs import CHARGES, billable, estimate_costs
from ops.tiers.prices import latest_price_file, parse_price_table


def plan_types(tier_builds) -> set[str]:
    return {r.type for runs in tier_builds.values() for run in runs for r in billable(run)}


def test_every_type_the_plan_creates_is_priced_free_or_listed_unpriced(tier_builds, prices):
    missing = sorted(plan_types(tier_builds) - set(prices.types))
    assert not missing, f"add these types to {prices.path.name} (priced, free or notPriced): {missing}"


def test_every_priced_type_appears_in_the_plan_or_names_the_work_that_adds_it(tier_builds, prices):
    in_plan = plan_types(tier_builds)
    for type_, entry in prices.types.items():
        if entry.status != "priced":
            continue
        assert type_ in in_plan or entry.anticipated, (
            f"{type_} is priced but the plan creates none, and no 'anticipated' says who adds it"
        )


def test_anticipated_types_include_the_arc_cluster(prices):
    """The ARC cluster is billed hourly: priced even where the plan has none."""
    entry = prices.entry("aws:route53recoverycontrol/cluster:Cluster")
    assert entry.status == "priced" and entry.charges == ("arc.cluster.hour",)
    assert prices.rate("arc.cluster.hour").price_in("us-west-2") > 0


def test_priced_types_and_charge_functions_are_the_same_set(prices):
    priced = {t for t, e in prices.types.items() if e.status == "priced"}
    assert priced == set(CHARGES)


def test_every_rate_a_charge_uses_is_one_its_type_declares(tier_builds, prices, usage):
    """The table's `charges` list documents what a type is billed for; the code must not bill
    a type for a rate the table does not list under it."""
    for runs in tier_builds.values():
        estimate = estimate_costs(runs, prices, usage)
        for item in estimate.items:
            declared = prices.entry(item.type).charges
            assert item.rate in declared or any(
                "<" in pattern and item.rate.startswith(pattern.split("<")[0]) for pattern in declared
            ), (item.type, item.rate)


def test_both_regions_have_a_price_or_a_reason_for_every_rate(prices):
    for rate in prices.rates.values():
        for region in ("us-east-1", "us-west-2"):
            assert rate.price_in(region) is not None or rate.not_priced, rate.id
        assert rate.source.startswith("https://aws.amazon.com/"), rate.id


def test_free_types_say_why_and_the_network_basics_are_listed_free(prices):
    for type_ in (
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:iam/role:Role",
    ):
        assert prices.entry(type_).status == "free" and prices.entry(type_).why


def test_the_table_is_dated_and_sourced(prices):
    assert latest_price_file().name == f"prices-{prices.price_date}.json"
    assert "aws" in prices.source.lower() and prices.price_date in prices.source


def _table(tmp_path, mutate):
    path = latest_price_file()
    document = json.loads(path.read_text())
    mutate(document)
    return document, tmp_path / path.name


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["rates"]["nat.gateway.hour"]["prices"].update({"us-west-2": None}), "notPriced reason"),
        (
            lambda d: d["rates"]["nat.gateway.hour"]["prices"].update({"us-west-2": -1}),
            "must be a price >= 0",
        ),
        (lambda d: d["rates"]["nat.gateway.hour"]["prices"].pop("us-west-2"), "must have a price for each"),
        (lambda d: d["rates"]["nat.gateway.hour"].update({"source": "a blog"}), "must name its source"),
        (lambda d: d["types"]["aws:ec2/vpc:Vpc"].pop("why"), "must say why"),
        (
            lambda d: d["types"]["aws:ec2/natGateway:NatGateway"].update({"charges": ["nat.nope"]}),
            "not a rate",
        ),
        (lambda d: d.update({"priceDate": "2020-01-01"}), "must equal the date in the file name"),
    ],
)
def test_a_malformed_table_stops_with_one_line_naming_the_entry(tmp_path, mutate, message):
    document, path = _table(tmp_path, mutate)
    with pytest.raises(OperatorError, match=message) as raised:
        parse_price_table(document, path)
    assert "\n" not in str(raised.value) and path.name in str(raised.value)
