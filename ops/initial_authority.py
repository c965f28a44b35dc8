"""The traffic authority's first state: after `deploy.py up` of the primary stack, the routing
controls are set to primary On, DR Off through the ARC cluster's data plane (failover/arc.py),
once, and never again.

New routing controls are Off, and both Off is no decision: Route 53 answers the PRIMARY record
as its last resort, the "at least one On" rule is broken from the start, and no region may hold
the write lease (docs/ARCHITECTURE.md#failover-architecture, docs/ARCHITECTURE.md#the-write-lease).
So the primary's deploy sets the steady state, under one rule: it writes ONLY when it reads
both controls Off (a fresh pair). Anything else is left as it is and reported:
- exactly one On: the state is already decided (the steady state, or a failover that moved it
  to the DR region): a routine `up` never flips a live failover back;
- both On: an incident for an operator (docs/RUNBOOK.md), never "fixed" by a deploy;
- the controls cannot be read: nothing is written; `up` again (it is idempotent) once ARC answers.

Both controls change in ONE UpdateRoutingControlStates transaction, as the orchestrators do,
so the safety rules are evaluated on the result (exactly one On)
(https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.safety-rules.html,
https://docs.aws.amazon.com/routing-control/latest/APIReference/API_UpdateRoutingControlStates.html).
ARC has no conditional update: between the read (both Off) and the write, another writer could
move the controls. On a first deploy nobody can (the dr stack, and with it the DR region's
orchestrator, is deployed after the primary); the write is then re-read, and a state other
than the one written is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from failover.arc import OFF, ON, ArcConflict, ArcError, RoutingControls, boto3_factory
from failover.config import ArcEndpoint

ARC_TIMEOUT_SECONDS = 5

SET, LEFT, INCIDENT, FAILED, SKIPPED = "set", "left", "incident", "failed", "skipped"


@dataclass(frozen=True)
class AuthorityInit:
    action: str
    """set (both were Off, now primary On), left (one On already), incident (both On),
    failed (ARC did not answer or refused), skipped (not the primary, or no authority)."""
    message: str
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.action in (SET, LEFT, SKIPPED)


def _controls(outputs: Mapping[str, Any], factory: Any, session: Any) -> RoutingControls:
    primary, dr = str(outputs["region"]), str(outputs["peerRegion"])
    arns = outputs["trafficAuthorityRoutingControlArns"]
    endpoints = [
        ArcEndpoint(str(e["Endpoint"]), str(e["Region"])) for e in outputs["trafficAuthorityClusterEndpoints"]
    ]
    return RoutingControls(
        endpoints,
        factory or boto3_factory(ARC_TIMEOUT_SECONDS, session),
        str(arns[primary]),
        str(arns[dr]),
        prefer_region=primary,
    )


def ensure_initial_authority(
    stack: str, outputs: Mapping[str, Any], factory: Any = None, session: Any = None
) -> AuthorityInit:
    """After `up` of `stack`: set primary On / DR Off when both are Off (see the module doc)."""
    if stack != "primary":
        return AuthorityInit(SKIPPED, f"stack {stack}: the primary's deploy sets the authority's first state")
    needed = (
        "region",
        "peerRegion",
        "trafficAuthorityClusterEndpoints",
        "trafficAuthorityRoutingControlArns",
    )
    missing = [key for key in needed if not outputs.get(key)]
    if missing:
        return AuthorityInit(SKIPPED, f"stack primary exports no {', '.join(missing)}: no authority to set")
    primary, dr = str(outputs["region"]), str(outputs["peerRegion"])
    controls = _controls(outputs, factory, session)

    def named(states: dict[str, str]) -> dict[str, str]:
        return {primary: states["home"], dr: states["peer"]}

    try:
        before = named(controls.states())
    except ArcError as error:
        return AuthorityInit(
            FAILED,
            f"routing controls not read, nothing set ({error}); run `deploy.py up --stack primary` again "
            "once the ARC cluster answers (it is idempotent)",
        )
    on = sorted(region for region, state in before.items() if state == ON)
    if len(on) == 1:
        return AuthorityInit(
            LEFT, f"routing controls left as they are: {on[0]} On (already decided)", before, before
        )
    if len(on) == 2:
        return AuthorityInit(
            INCIDENT,
            f"INCIDENT: both routing controls are On ({', '.join(on)}); left as they are: "
            "see docs/RUNBOOK.md, 'Both routing controls On'",
            before,
            before,
        )
    try:
        controls.activate_home()  # primary On, DR Off: one transaction
        after = named(controls.states())
    except ArcConflict as error:
        return AuthorityInit(FAILED, f"the ARC cluster refused primary On / DR Off: {error}", before)
    except ArcError as error:
        return AuthorityInit(
            FAILED,
            f"primary On / DR Off not confirmed ({error}): check with `deploy.py status`",
            before,
        )
    if after != {primary: ON, dr: OFF}:
        return AuthorityInit(
            FAILED,
            f"routing controls read {after} after setting {primary} On, {dr} Off: check `deploy.py status`",
            before,
            after,
        )
    return AuthorityInit(
        SET, f"routing controls set: {primary} On, {dr} Off (both were Off: a fresh pair)", before, after
    )
