"""`deploy.py up|preview --stack S --home-only`: update only the resources of stack S that live
in its home region, for use while the peer region (or us-east-1) does not answer.

The targets come from the offline plan (ops/mock_engine.py: the same program, the same URNs
as the real engine makes): every resource whose explicit AWS provider points at the home
region, the region-less providers' resources (pulumi-random), the home-region providers
themselves, the StackReference to the primary (read from the state backend, not from AWS),
and the component resources that parent any of them (the engine refuses a targeted child of
an untargeted new parent). Everything else is skipped: its state stays as it is and nothing is
called for it. docs/IAC_AND_FAILOVER.md ("Home-region-only updates") lists what that is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ops.mock_engine import AWS_PROVIDER, STACK_REFERENCE, CapturedResource, StackRun


@dataclass(frozen=True)
class HomeOnlyPlan:
    stack: str
    home_region: str
    targets: list[str]
    """URNs to pass to the engine's --target, in the plan's order."""
    skipped: list[CapturedResource]
    """Resources left alone (on another region's provider)."""
    total: int

    def summary(self) -> str:
        regions = sorted({r.region or "?" for r in self.skipped})
        return (
            f"home-only: {len(self.targets)} of {self.total} resources of stack {self.stack} "
            f"({self.home_region}); skipping {len(self.skipped)} in {', '.join(regions) or 'no other region'}"
        )


def _in_home(resource: CapturedResource, run: StackRun, home: str) -> bool:
    if resource.type == AWS_PROVIDER:
        return resource.inputs.get("region") == home
    if resource.type.startswith("pulumi:providers:") or resource.type == STACK_REFERENCE:
        return True  # region-less (pulumi-random) or the state backend (StackReference)
    if not resource.custom:
        return False  # components: only as the parents of what is targeted
    if resource.region is not None:
        return resource.region == home
    provider = run.by_urn(resource.provider_urn) if resource.provider_urn else None
    # A resource of a region-less provider (pulumi-random) goes with its stack's home.
    return provider is not None and provider.type != AWS_PROVIDER


def home_only_plan(run: StackRun) -> HomeOnlyPlan:
    home = run.settings.home_region
    chosen = [r for r in run.resources if _in_home(r, run, home)]
    urns = {r.urn for r in chosen}
    for resource in chosen:
        urns.update(parent.urn for parent in run.ancestors(resource))
    targets = [r.urn for r in run.resources if r.urn in urns]
    # The other regions' providers are not targeted either; they are not listed as skipped.
    skipped = [r for r in run.resources if r.custom and r.urn not in urns and r.type != AWS_PROVIDER]
    return HomeOnlyPlan(run.stack, home, targets, skipped, len(run.resources))


def offline_plan(stack: str) -> HomeOnlyPlan:
    """The home-only plan of `stack` from the stack files, on the mock engine (no AWS)."""
    from ops.mock_engine import run_both

    primary, dr = run_both()
    return home_only_plan(primary if stack == "primary" else dr)


PlanOf = Callable[[str], HomeOnlyPlan]
