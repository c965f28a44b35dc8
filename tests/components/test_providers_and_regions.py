"""Every AWS resource and invoke names an explicit provider, and lands in the expected region."""

from __future__ import annotations

import pytest

from ops.mock_engine import AWS_PROVIDER, StackRun

EXPECTED_PROVIDERS = {"aws-home", "aws-peer", "aws-global", "aws-recovery-control"}


def explicit_provider_names(run: StackRun) -> dict[str, str]:
    """provider URN -> logical name, for the aws providers the program created itself."""
    return {r.urn: r.name for r in run.of_type(AWS_PROVIDER)}


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_program_creates_exactly_the_three_regional_providers(by_stack, stack):
    run = by_stack[stack]
    providers = {r.name: r.inputs.get("region") for r in run.of_type(AWS_PROVIDER)}
    assert providers == {
        "aws-home": run.settings.home_region,
        "aws-peer": run.settings.peer_region,
        "aws-global": "us-east-1",
        "aws-recovery-control": "us-west-2",
    }


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_aws_resource_uses_an_explicit_provider(by_stack, stack):
    run = by_stack[stack]
    explicit = explicit_provider_names(run)
    aws_resources = [r for r in run.resources if r.is_aws]
    assert aws_resources, "the program registered no AWS resource"
    without = [f"{r.type} {r.name}" for r in aws_resources if r.provider_urn not in explicit]
    assert without == [], f"resources on a default or unknown provider: {without}"


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_invoke_uses_an_explicit_provider(by_stack, stack):
    run = by_stack[stack]
    explicit = explicit_provider_names(run)
    assert run.invokes, "the program made no invoke (AZs and caller identity are expected)"
    without = [
        i.token
        for i in run.invokes
        if i.provider_urn is None or i.provider_urn.rsplit("::", 1)[0] not in explicit
    ]
    assert without == [], f"invokes on a default provider: {without}"


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_regional_tree_lands_in_the_home_region(by_stack, stack):
    run = by_stack[stack]
    home_tree = [r for r in run.resources if r.is_aws and any(a.name == "home" for a in run.ancestors(r))]
    assert home_tree
    # Route 53 and other us-east-1-only services are the exceptions, on the global provider.
    names = explicit_provider_names(run)
    elsewhere = [
        f"{r.type} {r.name} in {r.region}"
        for r in home_tree
        if r.region != run.settings.home_region and names.get(r.provider_urn) != "aws-global"
    ]
    assert elsewhere == []


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_providers_carry_the_default_tags(by_stack, stack):
    run = by_stack[stack]
    for provider in run.of_type(AWS_PROVIDER):
        default_tags = provider.inputs["defaultTags"]
        if isinstance(default_tags, str):  # providers receive structured inputs as JSON
            import json

            default_tags = json.loads(default_tags)
        tags = default_tags["tags"]
        assert set(tags) == {
            "Application",
            "Environment",
            "Owner",
            "CostCenter",
            "DataClassification",
            "ManagedBy",
            "DRRole",
        }
        assert tags["DRRole"] == run.settings.role


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_cloud_resource_lives_inside_a_component(by_stack, stack):
    """Only providers and the StackReference sit at the stack root: every AWS (and random)
    resource belongs to a component, so the tree shows what it is part of."""
    run = by_stack[stack]
    at_root = [
        (r.type, r.name)
        for r in run.resources
        if r.custom and not r.type.startswith("pulumi:") and not run.ancestors(r)
    ]
    assert at_root == []
