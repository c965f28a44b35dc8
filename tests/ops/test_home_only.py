"""`deploy.py up|preview --stack S --home-only`: the targets are the stack's home-region
resources, computed from the offline plan (ops/home_only.py), and reach the engine as
--target; nothing on another region's provider is targeted."""

from __future__ import annotations

import pytest
from rich.console import Console

from ops.deploy_cmd import run_stack_command
from ops.errors import OperatorError
from ops.home_only import home_only_plan
from ops.mock_engine import AWS_PROVIDER, STACK_REFERENCE
from tests.ops.test_operator_deploy import FakeStack, _runner

# What the dr stack owns outside its home region (docs/IAC_AND_FAILOVER.md): the Transit
# Gateway accepter and its routes in the primary region, the primary bucket's replication
# configuration, the global alerts' key and topic, the Route 53 pieces (us-east-1 only).
DR_PIECES_ELSEWHERE = {
    "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
    "aws:kms/key:Key",
    "aws:sns/topic:Topic",
    "aws:route53/record:Record",
    "aws:route53/healthCheck:HealthCheck",
}


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_no_target_uses_a_provider_of_another_region(by_stack, stack):
    run = by_stack[stack]
    plan = home_only_plan(run)
    home = run.settings.home_region
    assert plan.targets
    for urn in plan.targets:
        resource = run.by_urn(urn)
        assert resource is not None, urn
        if resource.type == AWS_PROVIDER:
            assert resource.inputs["region"] == home, urn
        elif resource.custom and resource.type != STACK_REFERENCE and not resource.type.startswith("pulumi:"):
            provider = run.by_urn(resource.provider_urn)
            assert provider is not None, urn
            assert provider.type != AWS_PROVIDER or provider.inputs["region"] == home, urn
    # Everything of the home region is in, and its parents too (the engine needs them).
    targeted = set(plan.targets)
    for resource in run.resources:
        if resource.custom and resource.region == home:
            assert resource.urn in targeted, resource.name
            assert all(parent.urn in targeted for parent in run.ancestors(resource)), resource.name
    # A targeted component parents something targeted (no empty component is pulled in).
    for urn in targeted:
        resource = run.by_urn(urn)
        if not resource.custom:
            assert any(urn in {p.urn for p in run.ancestors(r)} for r in run.resources if r.urn in targeted)
    assert {r.urn for r in plan.skipped}.isdisjoint(targeted)
    assert all(r.region not in (home, None) for r in plan.skipped)


def test_the_dr_stack_skips_its_pieces_in_the_primary_region(dr):
    plan = home_only_plan(dr)
    skipped = {r.type for r in plan.skipped}
    assert DR_PIECES_ELSEWHERE <= skipped, DR_PIECES_ELSEWHERE - skipped
    assert {r.region for r in plan.skipped} == {"us-east-1"}
    # The final snapshot suffix (pulumi-random) and the primary's outputs go with the stack.
    types = {dr.by_urn(u).type for u in plan.targets}
    assert "random:index/randomId:RandomId" in types and STACK_REFERENCE in types


def test_the_primary_stack_skips_the_arc_pieces_in_us_west_2(primary):
    plan = home_only_plan(primary)
    assert {r.type.split(":")[1].split("/")[0] for r in plan.skipped} == {"route53recoverycontrol"}


class TargetedStack(FakeStack):
    """A fake stack that records the targets each operation received."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets: dict[str, list[str] | None] = {}

    def preview(self, on_event, target=None, target_dependents=None):
        self.targets["preview"] = target
        assert target_dependents is False
        return self._run("preview", on_event)

    def up(self, on_event, target=None, target_dependents=None):
        self.targets["up"] = target
        assert target_dependents is False
        return self._run("up", on_event)


def _console() -> Console:
    return Console(file=open("/dev/null", "w"), width=200)  # noqa: SIM115


def test_up_home_only_passes_the_plans_targets_to_preview_and_up(dr):
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log, {"vpcId": "vpc-1"}), "dr": TargetedStack("dr", log)}
    plan = home_only_plan(dr)
    run_stack_command(
        "up",
        "dr",
        _console(),
        yes=True,
        home_only=True,
        home_plan_of=lambda name: plan,
        **_runner(log, stacks),
    )
    assert stacks["dr"].targets == {"preview": plan.targets, "up": plan.targets}
    assert "up dr" in log


@pytest.mark.parametrize(("command", "stack"), [("up", None), ("destroy", "dr"), ("refresh", "dr")])
def test_home_only_needs_one_stack_and_preview_or_up(command, stack):
    with pytest.raises(OperatorError, match="--home-only"):
        run_stack_command(command, stack, _console(), yes=True, home_only=True, **_runner([], {}))


def test_the_cli_passes_home_only(monkeypatch):
    from ops.cli import main

    seen = {}

    def fake_run(command, stack, console, *, yes, preflight, **kwargs):
        seen.update(command=command, stack=stack, **kwargs)

    monkeypatch.setattr("ops.deploy_cmd.run_stack_command", fake_run)
    assert main(["up", "--stack", "dr", "--home-only", "--yes", "--skip-preflight"]) == 0
    seen.pop("after_up", None)  # the authority's first state after up (tests/ops/test_initial_authority.py)
    assert seen == {"command": "up", "stack": "dr", "home_only": True}
