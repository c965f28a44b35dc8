"""The fault matrix against the REAL failover runtime (failover/), one seed per scenario: each
must pass, with what its row of the fault matrix demands. A runtime that loses one of the
safety rules fails here (tests/ops/test_drill_adversary.py proves each scenario fails an
orchestrator without its rule). The last tests run `deploy.py drill --local` end to end on
the plan of both stacks."""

from __future__ import annotations

import json

import pytest

from ops.cli import main
from ops.drill import ScenarioResult, SeedResult, run_facts
from ops.errors import EXIT_FAILED
from tests.ops.drill_support import facts, timing

# Known failures of the runtime as merged, found by this drill and reported to its owners;
# strict: each test turns red the moment the runtime is fixed, so the mark is removed then.


def run(scenario: str, tier: str = "hot-standby", seed: int = 0) -> SeedResult:
    shape = {"hot-standby": facts(), "warm-standby": facts(dr_desired=1), "pilot-light": facts(0, 0)}[tier]
    result = run_facts(scenario, shape, timing(tier=tier), seed, tier)
    assert result.passed, (result.failures, result.violations)
    assert not result.violations
    return result


def test_region_gone_promotes_dr_and_clients_write_there():
    result = run("region-gone")
    line = result.timeline
    # Detection and decision (the fence) come before the promotion, which takes its time.
    assert 0 < line["health_check_unhealthy"] < line["fence"] <= line["promotion_started"]
    assert line["writer_moved"] - line["promotion_started"] == pytest.approx(120, abs=2)
    assert result.rto_seconds >= line["writer_moved"]
    # about a second of replication lag, counted from the writes of the four clients
    assert result.lost_writes <= 2 * 4


@pytest.mark.parametrize(
    "tier",
    [
        "warm-standby",
        "pilot-light",
    ],
)
def test_region_gone_scales_the_dr_group_and_serves_only_healthy_targets(tier):
    result = run("region-gone-tiers", tier)
    assert result.rto_seconds is not None


@pytest.mark.parametrize(
    "scenario",
    [
        "gray-partition",
        "gray-partition-no-arc",
        "killed-after-fence",
        "returns-mid-promotion",
        "bad-deploy",
        "dr-throttled",
        "dr-dynamodb-down",
        "db-stalled",
        "cloudwatch-published",
        "replica-cut-then-gone",
    ],
)
def test_never_two_writers_scenarios_hold_with_the_real_runtime(scenario):
    """Each must end with no promotion or a completed one, a page where a human must act, and
    every invariant held (two-writer windows 0, no write after its lease, loss within the lag)."""
    result = run(scenario)
    assert result.acknowledged_by, "no client write was judged"


def test_a_partition_never_promotes_and_pages():
    result = run("partition")
    assert result.pages > 0 and result.timeline["promotion_started"] is None


def test_an_impaired_dr_region_never_promotes():
    assert run("dr-impaired").timeline["fence"] is None


def test_api_faults_on_the_promotion_neither_detach_nor_stop_it():
    assert run("api-faults").timeline["writer_moved"] is not None


def test_an_orchestrator_killed_mid_promotion_resumes_once_and_frees_its_lock():
    assert run("killed-mid-promotion").timeline["writer_moved"] is not None


def test_a_returning_primary_takes_no_traffic_and_no_writes_and_epochs_agree():
    run("primary-returns")


def test_lag_above_the_bound_waits_for_a_human_and_loses_what_the_stream_says():
    result = run("lag-above-bound")
    assert result.pages > 0
    assert result.lost_writes >= 30  # the writes of the last 45 s of lag, not an echo of the input


def test_a_planned_switchover_and_failback_lose_nothing():
    assert run("switchover-failback").lost_writes == 0


def test_the_cli_exits_1_when_a_scenario_fails(monkeypatch, capsys):
    failed = SeedResult(
        "partition", "hot-standby", 0, False, ["a promotion was accepted"], {}, None, None, None, 0, 0, {}
    )
    monkeypatch.setattr(
        "ops.drill.run_scenario", lambda *a, **k: [ScenarioResult("partition", "hot-standby", [failed])]
    )
    monkeypatch.setattr("ops.mock_engine.run_both", lambda *a, **k: (None, None))
    assert main(["drill", "--local", "--scenario", "partition", "--seeds", "1", "--json"]) == EXIT_FAILED
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is False
    [scenario] = document["scenarios"]
    assert scenario["verdict"] == "fail" and scenario["failures"] == ["a promotion was accepted"]


def test_the_cli_runs_a_scenario_on_the_plan_of_both_stacks(capsys):
    """End to end: the orchestrators' environment comes from the plan's Lambdas."""
    code = main(["drill", "--local", "--scenario", "partition", "--seeds", "1", "--json"])
    document = json.loads(capsys.readouterr().out)
    [scenario] = document["scenarios"]
    assert scenario["scenario"] == "partition" and scenario["seeds"] == 1
    # Every document's field names are camelCase (ops/output.py json_document).
    assert set(scenario["invariants"]) == {
        "oneWriter",
        "leaseRespected",
        "lossWithinLag",
        "oneAutomaticFailover",
        "trafficFollowsWriter",
        "epochsAgree",
        "noOrphanLock",
        "servingLeaseHeld",
    }
    # The healthy primary serves throughout: its write lease never lapsed.
    assert scenario["servingLeaseLapsedSeconds"]["max"] == 0.0
    assert document["promotionSeconds"] == 120 and "a few minutes" in document["promotionSource"]
    assert code == (0 if document["passed"] else EXIT_FAILED)


def test_seeds_move_the_outage_phase_and_runs_repeat():
    first, again, other = (
        run_facts("partition", facts(), timing(), seed, "hot-standby") for seed in (0, 0, 1)
    )
    assert first.events == again.events
    assert first.events != other.events


def test_an_invocation_under_way_keeps_evaluating_across_the_drills_phases():
    """The scenario's phases (steady state, fault, recovery) are separate run_until calls; the
    Lambda does not stop between them. An invocation ended at a phase boundary would leave
    its region blind until the next scheduled minute: up to 60 s charged to the RTO that no
    deployed orchestrator would spend."""
    from moto import mock_aws

    from ops.drill import DRILL_START, Run

    class Counting:
        def __init__(self):
            self.at: list[float] = []

        def evaluate(self, event):
            self.at.append(run.world.now)
            return {}

    model = timing()
    with mock_aws():
        run = Run("region-gone", facts(), model, 120.0, 0, 1.0)
        seen = {region: Counting() for region in run.runtimes}
        for region, runtime in run.runtimes.items():
            runtime.orchestrator = lambda invocation, r=region: seen[r]
        for end in (30, 60, 75, 90, 150):  # boundaries inside invocations, whatever the phase
            run.run_until(DRILL_START + end)
        run.finish()
    for region, counting in seen.items():
        gaps = [b - a for a, b in zip(counting.at, counting.at[1:], strict=False)]
        assert len(counting.at) >= 10, region
        assert max(gaps) <= model.evaluation_interval_seconds + model.function_run_seconds + 1e-6, (
            region,
            gaps,
        )
    assert not run.world.running  # finish() ends what was still under way


def test_the_promotion_takes_the_time_the_drill_is_given():
    result = run_facts("killed-mid-promotion", facts(), timing(promotion=60), 0, "hot-standby")
    assert result.promotion_seconds_observed == pytest.approx(60, abs=2)


def test_the_plan_and_the_timing_model_agree_on_ttls_and_cadence(primary, dr):
    """The drill charges DNS from the timing model; the plan must configure the same TTLs."""
    from ops.emulation.plan_spec import plan_facts
    from ops.timing_model import timing_model

    model = timing_model(dr.settings)
    app = dr.settings.traffic.app_fqdn
    for run in (primary, dr):
        [record] = [
            r
            for r in run.of_type("aws:route53/record:Record")
            if str(r.inputs.get("name", "")).rstrip(".") == app and r.inputs.get("failoverRoutingPolicies")
        ]
        assert float(record.inputs.get("ttl") or 60) == model.dns_ttl_seconds
        witness = [
            r for r in run.of_type("aws:route53/record:Record") if "witness" in str(r.inputs.get("name"))
        ]
        assert all(float(r.inputs["ttl"]) == model.witness_ttl_seconds for r in witness)
    facts_ = plan_facts(primary, dr)
    for plan in facts_.regions.values():
        env = plan.environment
        if "FAILOVER_EVALUATION_INTERVAL_SECONDS" in env:
            assert float(env["FAILOVER_EVALUATION_INTERVAL_SECONDS"]) == model.evaluation_interval_seconds
            assert float(env["FAILOVER_PROBE_TIMEOUT_SECONDS"]) == model.probe_timeout_seconds


def _result(scenario: str, tier: str, rto: float):
    from ops.drill import ScenarioResult, SeedResult

    seed = SeedResult(scenario, tier, 0, True, [], {}, rto, 50.0, 60.0, 0, 0, {})
    return ScenarioResult(scenario, tier, [seed])


def test_a_timed_scenario_over_the_rto_target_fails_unless_its_tier_budget_is_over_it_too(stacks):
    """The drill exits 4 over its RTO target. Hot- and warm-standby promise the 300 s
    target (their budget is under it); pilot-light's own budget is over it (plan --tiers says
    so), so it is reported, not failed; untimed scenarios (a human decides) have no target."""
    from ops.drill import over_target
    from ops.mock_engine import run_both

    pilot = {"trading-dr:tier": "pilot-light"}
    plans = {"hot-standby": stacks, "pilot-light": run_both({"primary": pilot, "dr": pilot})}
    results = [
        _result("region-gone", "hot-standby", 301.0),
        _result("region-gone-tiers", "pilot-light", 900.0),
        _result("lag-above-bound", "hot-standby", 400.0),
    ]
    over, by_design = over_target(results, plans, 120.0, 300.0)
    assert over == ["region-gone (hot-standby): 301 s"]
    assert by_design == ["region-gone-tiers (pilot-light): 900 s"]
    assert over_target([_result("region-gone", "hot-standby", 299.0)], plans, 120.0, 300.0) == ([], [])


def test_an_action_due_while_an_evaluation_runs_past_the_phase_end_still_happens():
    """Both regions share one clock: an evaluation that takes long carries the clock past the
    end of a phase with a scenario action (a partition healing) already due. The action must
    still apply as soon as the clock is free; dropped, the scenario would judge a world whose
    fault never cleared."""
    from moto import mock_aws

    from ops.drill import DRILL_START, Run

    class Slow:
        def evaluate(self, event):
            run.world.advance(200.0)  # one evaluation holds the shared clock for 200 s
            return {}

    applied: list[float] = []
    with mock_aws():
        run = Run("region-gone", facts(), timing(), 120.0, 0, 1.0)
        for runtime in run.runtimes.values():
            runtime.orchestrator = lambda invocation: Slow()
        run.run_until(DRILL_START + 5)
        heal = run.world.now + 1
        run.at(heal, "fault cleared", lambda: applied.append(run.world.now))
        run.run_until(heal)
        run.finish()
    assert applied, "the action due during the long evaluation never applied"
    assert applied[0] >= heal
