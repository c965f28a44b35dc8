"""deploy.py drill --local, end to end on moto: the data plane comes from the offline plan,
the real orchestrator decides on a simulated clock."""

from __future__ import annotations

import copy
import json

import pytest
from moto import mock_aws

from ops.cli import main
from ops.drill import RTO_TARGET_SECONDS, run_scenario
from ops.emulation.plan_world import DrillSetupError, materialize
from ops.emulation.world import SimulatedClock
from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_TARGET_MISSED


def kinds(result) -> list[str]:
    return [event.kind for event in result.events]


def first(result, kind: str):
    return next(event for event in result.events if event.kind == kind)


def test_an_outage_fails_over_to_dr_in_order_within_the_rto(primary, dr):
    result = run_scenario(primary, dr, "outage", replication_lag=0.8)
    assert result.converged
    assert result.writer_region == dr.settings.home_region == result.expected_writer
    # Timeline: outage, then detection, then decision, then promotion and the new epoch.
    order = [first(result, k).at for k in ("outage", "detection", "decision", "promotion", "epoch")]
    assert order == sorted(order) and order[0] == 0
    assert first(result, "detection").at < first(result, "promotion").at
    assert result.rto_seconds == first(result, "promotion").at <= RTO_TARGET_SECONDS
    assert result.data_loss_seconds == 0.8
    assert result.epochs[dr.settings.home_region] == 1
    assert "alert" in kinds(result)
    # N consecutive evaluations were needed: no promotion on the first one.
    evaluations = [e for e in result.events if e.kind == "evaluation"]
    assert len(evaluations) == dr.settings.failover.consecutive_evaluations


def test_a_planned_switchover_loses_no_data_and_both_regions_agree(primary, dr):
    result = run_scenario(primary, dr, "switchover")
    assert result.converged and result.writer_region == dr.settings.home_region
    assert result.data_loss_seconds == 0.0
    assert set(result.epochs.values()) == {1}
    assert "outage" not in kinds(result) and "command" in kinds(result)


def test_failback_returns_the_writer_to_the_primary(primary, dr):
    result = run_scenario(primary, dr, "failback")
    assert result.converged and result.writer_region == primary.settings.home_region
    assert set(result.epochs.values()) == {2}  # failover, then failback, seen by both
    recovery, command = first(result, "recovery"), first(result, "command")
    assert first(result, "promotion").at <= recovery.at <= command.at


def test_lag_above_the_rpo_bound_does_not_promote_and_the_drill_says_so(primary, dr):
    bound = dr.settings.failover.max_replication_lag_seconds
    result = run_scenario(primary, dr, "outage", replication_lag=bound + 15)
    assert not result.converged
    assert result.writer_region == primary.settings.home_region
    assert "paged" in kinds(result) and "promotion" not in kinds(result)


def test_an_orchestrator_wired_to_nothing_in_the_plan_fails_the_setup(primary, dr):
    broken = copy.deepcopy(dr)
    [function] = [r for r in broken.resources if r.type == "aws:lambda/function:Function"]
    variables = function.inputs["environment"]["variables"]
    variables["FAILOVER_ALERT_TOPIC_ARN"] = "arn:aws:sns:us-west-2:123456789012:no-such-topic"
    with mock_aws(), pytest.raises(DrillSetupError, match="no-such-topic"):
        materialize(primary, broken, SimulatedClock(0))


def test_the_cli_prints_json_and_exits_0_when_it_converges(capsys):
    assert main(["drill", "--local", "--scenario", "switchover", "--json"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    [drill] = document["drills"]
    assert drill["scenario"] == "switchover" and drill["converged"] is True
    assert document["schemaVersion"] == 1 and document["kind"] == "drill"


def test_the_cli_exits_4_when_a_scenario_is_over_its_rto_target(capsys, monkeypatch):
    import ops.drill

    # The switchover takes the simulated promotion's 60 s; a 30 s target is missed.
    monkeypatch.setattr(ops.drill, "RTO_TARGET_SECONDS", 30)
    assert main(["drill", "--local", "--scenario", "switchover", "--json"]) == EXIT_TARGET_MISSED
    assert capsys.readouterr().err == "error: over the 30s RTO target: switchover\n"


def test_the_cli_exits_1_when_the_drill_does_not_converge(capsys):
    assert main(["drill", "--local", "--scenario", "outage", "--replication-lag", "120"]) == EXIT_FAILED
    assert "did not converge" in capsys.readouterr().out


def test_a_drill_needs_local(capsys):
    assert main(["drill"]) == EXIT_FAILED
    assert "--local" in capsys.readouterr().err


def test_a_pilot_light_outage_adds_a_writer_to_the_headless_cluster_then_promotes():
    from ops.mock_engine import run_both

    tier = {"trading-dr:tier": "pilot-light"}
    primary, dr = run_both({"primary": tier, "dr": tier})
    assert not dr.of_type("aws:rds/clusterInstance:ClusterInstance")  # headless in the plan
    result = run_scenario(primary, dr, "outage")
    assert result.converged and result.writer_region == dr.settings.home_region
    assert "add-writer-instance, failover called" in first(result, "promotion").detail
