"""The routing controls' first state, set by the primary's deploy through the ARC data plane
(ops/initial_authority.py): primary On / DR Off only when both are Off (new routing controls
are Off), never over a decided state, and `up` stops with one line when it cannot.
ARC is the double of tests/failover/fakes.py (moto has no route53-recovery-cluster)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from ops.cli import main
from ops.deploy_cmd import run_stack_command
from ops.errors import EXIT_OK, OperatorError
from ops.initial_authority import FAILED, INCIDENT, LEFT, SET, SKIPPED, ensure_initial_authority
from tests.failover.fakes import ARC_REGIONS, CONTROLS, DR, PRIMARY, Arc
from tests.ops.test_operator_deploy import FakeStack, _runner

OUTPUTS = {
    "region": PRIMARY,
    "peerRegion": DR,
    "trafficAuthorityClusterEndpoints": [
        {"Endpoint": f"https://host-{r}.route53-recovery-cluster.{r}.amazonaws.com/v1", "Region": r}
        for r in ARC_REGIONS
    ],
    "trafficAuthorityRoutingControlArns": {PRIMARY: CONTROLS[PRIMARY], DR: CONTROLS[DR]},
}


def arc_with(primary: str, dr: str) -> Arc:
    arc = Arc()
    arc.state = {CONTROLS[PRIMARY]: primary, CONTROLS[DR]: dr}
    return arc


def test_a_fresh_pair_gets_primary_on_dr_off_in_one_transaction():
    arc = arc_with("Off", "Off")
    done = ensure_initial_authority("primary", OUTPUTS, factory=arc.factory)
    assert (done.action, done.ok) == (SET, True)
    assert arc.state == {CONTROLS[PRIMARY]: "On", CONTROLS[DR]: "Off"}
    assert arc.updates == [{CONTROLS[PRIMARY]: "On", CONTROLS[DR]: "Off"}]  # one transaction
    assert done.before == {PRIMARY: "Off", DR: "Off"} and done.after == {PRIMARY: "On", DR: "Off"}


def test_a_second_up_changes_nothing():
    arc = arc_with("Off", "Off")
    ensure_initial_authority("primary", OUTPUTS, factory=arc.factory)
    again = ensure_initial_authority("primary", OUTPUTS, factory=arc.factory)
    assert again.action == LEFT and again.ok and len(arc.updates) == 1


def test_a_live_failover_is_never_flipped_back():
    arc = arc_with("Off", "On")  # the DR region took over
    done = ensure_initial_authority("primary", OUTPUTS, factory=arc.factory)
    assert done.action == LEFT and done.ok and f"{DR} On" in done.message
    assert arc.updates == [] and arc.state == {CONTROLS[PRIMARY]: "Off", CONTROLS[DR]: "On"}


def test_both_on_is_an_incident_left_for_an_operator():
    arc = arc_with("On", "On")
    done = ensure_initial_authority("primary", OUTPUTS, factory=arc.factory)
    assert done.action == INCIDENT and not done.ok and "RUNBOOK" in done.message
    assert arc.updates == []


def test_unreadable_controls_write_nothing():
    arc = arc_with("Off", "Off")
    arc.unavailable.update(ARC_REGIONS)
    done = ensure_initial_authority("primary", OUTPUTS, factory=arc.factory)
    assert done.action == FAILED and not done.ok and "again" in done.message
    assert arc.updates == []


def test_only_the_primary_sets_it():
    arc = arc_with("Off", "Off")
    done = ensure_initial_authority(
        "dr", {**OUTPUTS, "region": DR, "peerRegion": PRIMARY}, factory=arc.factory
    )
    assert done.action == SKIPPED and arc.calls == [] and arc.updates == []


def _deploy(arc: Arc, log: list[str]):
    stacks = {"primary": FakeStack("primary", log, OUTPUTS), "dr": FakeStack("dr", log)}

    def after_up(stack, outputs):
        log.append(f"authority after {stack}")
        return ensure_initial_authority(stack, outputs, factory=arc.factory)

    out = io.StringIO()
    result = run_stack_command(
        "up", None, Console(file=out, width=300), yes=True, after_up=after_up, **_runner(log, stacks)
    )
    return result, out.getvalue()


def test_up_sets_the_authority_right_after_the_primary_is_deployed():
    arc, log = arc_with("Off", "Off"), []
    _, out = _deploy(arc, log)
    assert log.index("up primary") < log.index("authority after primary") < log.index("up dr")
    assert arc.updates == [{CONTROLS[PRIMARY]: "On", CONTROLS[DR]: "Off"}]
    assert f"routing controls set: {PRIMARY} On, {DR} Off" in out


def test_up_stops_with_one_line_when_the_authority_cannot_be_set():
    arc, log = arc_with("On", "On"), []
    with pytest.raises(
        OperatorError, match="stack primary was updated, but: INCIDENT: both routing controls"
    ):
        _deploy(arc, log)
    assert "up dr" not in log and arc.updates == []


def test_the_cli_wires_the_step_into_up_only(monkeypatch):
    import ops.deploy_cmd
    import ops.initial_authority

    seen = []
    monkeypatch.setattr(
        ops.deploy_cmd,
        "run_stack_command",
        lambda command, target, console, **kwargs: (
            seen.append((command, kwargs.get("after_up"))) or ops.deploy_cmd.StackCommandResult()
        ),
    )
    monkeypatch.setattr(
        ops.initial_authority, "ensure_initial_authority", lambda stack, outputs: ("called", stack, outputs)
    )
    assert main(["up", "--yes", "--skip-preflight"]) == EXIT_OK
    assert main(["preview"]) == EXIT_OK
    (up, hook), (preview, none) = seen
    assert (up, preview, none) == ("up", "preview", None)
    assert hook("primary", {"a": 1}) == ("called", "primary", {"a": 1})
