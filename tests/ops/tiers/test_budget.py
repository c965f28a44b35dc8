"""The recovery budget per tier: its parts are the timing model's (one source of truth, shared
with the drill), they add up, each moves in the right direction with its setting, and the RPO
bound and the targets are read from the settings and the plan."""

from __future__ import annotations

import dataclasses
import inspect
import json

import pytest

from components.settings import TIERS, parse_settings
from ops import drill as drill_module
from ops import timing_model as tm
from ops.errors import OperatorError
from ops.stack_config import effective_config
from ops.tiers.budget import load_drill_result, parse_drill_result, recovery_budget, rpo_bound


def settings(**changes):
    config = effective_config("dr")
    config.update({f"trading-dr:{k}": v for k, v in changes.items()})
    return parse_settings(config, "dr")


def part(tier: str, name: str, promotion: float = 120.0, **changes) -> float:
    budget = recovery_budget(tier, settings(**changes), promotion_seconds=promotion)
    return next(p.seconds for p in budget.parts if p.name == name)


def total(tier: str, promotion: float = 120.0, **changes) -> float:
    return recovery_budget(tier, settings(**changes), promotion_seconds=promotion).total_seconds


@pytest.mark.parametrize("tier", TIERS)
def test_the_parts_add_up_and_name_every_step(tier):
    budget = recovery_budget(tier, settings())
    assert [p.name for p in budget.parts] == [
        "detection", "decision", "prepare", "fence", "promotion", "dns", "compute", "verify", "reconnect",
    ]  # fmt: skip
    assert budget.total_seconds == pytest.approx(sum(p.seconds for p in budget.parts))
    assert all(p.seconds >= 0 and p.note for p in budget.parts)


@pytest.mark.parametrize("tier", TIERS)
def test_the_budget_is_the_timing_models_budget(tier):
    """Same constants: the budget's parts are exactly what the model gives for the tier."""
    model = tm.timing_model(settings(), promotion_seconds=95.0, tier=tier)
    budget = recovery_budget(tier, settings(), promotion_seconds=95.0)
    assert [(p.name, p.seconds, p.note) for p in budget.parts] == [tuple(p) for p in model.budget(tier)]
    assert budget.total_seconds == pytest.approx(model.total(tier))


def test_the_budget_reads_the_model_at_run_time_not_a_copy(monkeypatch):
    """Change an assumption in ops.timing_model and the budget follows: no second constant."""
    before = part("pilot-light", "prepare")
    monkeypatch.setattr(tm, "WRITER_INSTANCE_SECONDS", tm.WRITER_INSTANCE_SECONDS + 100)
    assert part("pilot-light", "prepare") == pytest.approx(before + 100)
    calls = []
    real = tm.timing_model
    monkeypatch.setattr(tm, "timing_model", lambda *a, **k: calls.append(a) or real(*a, **k))
    recovery_budget("hot-standby", settings())
    assert calls, "the budget must build its model through ops.timing_model.timing_model"


def test_the_drill_builds_its_clock_from_the_same_model(monkeypatch, capsys):
    """The drill side of 'one source of truth': the drill's `timing_model` is the model's own
    function, and a drill run calls it. It runs once the drill reads ops.timing_model
    (h10-drill's work, merged by the integrator); until then it says so instead of passing."""
    if not hasattr(drill_module, "timing_model"):
        pytest.skip("ops/drill.py does not read ops.timing_model yet (branch h10-drill)")
    from ops.cli import main

    assert drill_module.timing_model is tm.timing_model
    calls = []
    real = tm.timing_model
    monkeypatch.setattr(drill_module, "timing_model", lambda *a, **k: calls.append(a) or real(*a, **k))
    from ops import cli

    args = ["drill", "--local", "--scenario", drill_module.SCENARIOS[0], "--json"]
    if '"--seeds"' in inspect.getsource(cli):
        args += ["--seeds", "1"]
    main(args)
    capsys.readouterr()
    assert calls, "the drill must build its clock through ops.timing_model.timing_model"


@pytest.mark.parametrize(
    ("name", "setting", "low", "high"),
    [
        ("detection", "healthCheckInterval", 10, 30),
        ("detection", "healthCheckThreshold", 2, 5),
        ("decision", "failoverEvaluations", 2, 5),
        ("decision", "failoverEvaluationIntervalSeconds", 5, 20),
        ("decision", "failoverProbeTimeoutSeconds", 1, 4),
        ("fence", "failoverProbeTimeoutSeconds", 1, 4),
    ],
)
def test_each_part_grows_with_its_setting(name, setting, low, high):
    for tier in TIERS:
        assert part(tier, name, **{setting: high}) > part(tier, name, **{setting: low})
        assert total(tier, **{setting: high}) > total(tier, **{setting: low})


def test_the_promotion_assumption_moves_the_promotion_part_only():
    for tier in TIERS:
        assert part(tier, "promotion", promotion=240.0) == pytest.approx(part(tier, "promotion") + 120)
        assert part(tier, "detection", promotion=240.0) == part(tier, "detection")
    note = next(p.note for p in recovery_budget("hot-standby", settings()).parts if p.name == "promotion")
    assert "assumption" in note and "a few minutes" in note


def test_colder_tiers_never_recover_faster():
    hot, warm, pilot = (total(t) for t in ("hot-standby", "warm-standby", "pilot-light"))
    assert hot <= warm < pilot


def test_the_rto_verdict_follows_the_target():
    fast = recovery_budget("hot-standby", settings(), promotion_seconds=60.0)
    slow = recovery_budget("hot-standby", settings(), promotion_seconds=float(tm.RTO_TARGET_SECONDS))
    assert fast.total_seconds <= tm.RTO_TARGET_SECONDS and fast.meets_rto
    assert slow.total_seconds > tm.RTO_TARGET_SECONDS and not slow.meets_rto


def test_the_rpo_bound_is_the_gate_setting_and_checked_against_the_target():
    assert recovery_budget("hot-standby", settings(maxReplicationLagSeconds=30)).rpo.seconds == 30
    assert recovery_budget("hot-standby", settings(maxReplicationLagSeconds=30)).meets_rpo
    assert not recovery_budget("hot-standby", settings(maxReplicationLagSeconds=120)).meets_rpo


def test_the_rpo_enforcement_is_read_from_the_plan(tier_builds):
    """`rds.global_db_rpo` on the primary's parameter group makes the bound hard; without it
    the bound is a gate on the decision, and the report says so."""
    primary, dr = tier_builds["hot-standby"]
    bound = rpo_bound(dr.settings, [primary, dr])
    groups = primary.of_type("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    has_parameter = any(
        p.get("name") == "rds.global_db_rpo" for g in groups for p in g.inputs.get("parameters") or []
    )
    assert bound.hard == has_parameter
    assert ("gate" in bound.enforcement) != has_parameter
    assert "s3" in bound.other_stores and "15 min" in bound.other_stores["s3"]
    assert "dynamodb" in bound.other_stores


def test_a_drill_result_gives_measured_p50_p95_per_tier(tmp_path):
    """The drill's document (ops/drill.py as_document): rto.<tier>.rto_seconds.p50/p95/max."""
    path = tmp_path / "drill.json"
    document = {
        "promotion_seconds": 60,
        "rto": {
            "warm-standby": {
                "rto_seconds": {"p50": 80.5, "p95": 101, "max": 110},
                "detection_decision_seconds": {"p50": 40, "p95": 50, "max": 55},
            },
            "pilot-light": {"rto_seconds": {"p50": None, "p95": None, "max": None}},
        },
    }
    path.write_text(json.dumps(document))
    measured = load_drill_result(path)
    assert measured.rto["warm-standby"].p95 == 101 and measured.promotion_seconds == 60
    assert "pilot-light" not in measured.rto  # nothing measured is not a number


def test_the_flat_shape_is_read_too(tmp_path):
    measured = parse_drill_result({"rto": {"hot-standby": {"p50": 70, "p95": 90}}}, tmp_path / "d.json")
    assert measured.rto["hot-standby"].p50 == 70 and measured.promotion_seconds is None


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"scenarios": []}, "not a drill result"),
        ({"rto": {"cold": {"p50": 1, "p95": 2}}}, "rto.cold: not a tier"),
        ({"rto": {"hot-standby": {"p50": -1, "p95": 2}}}, "rto.hot-standby.p50=-1: must be a number"),
        ({"rto": {"hot-standby": {"p50": 1}}}, "rto.hot-standby.p95=null: must be a number"),
        ({"rto": {"hot-standby": {"rto_seconds": {"p50": "1", "p95": 2}}}}, 'rto_seconds.p50="1": must be'),
    ],
)
def test_a_bad_drill_result_stops_with_one_line(tmp_path, document, message):
    with pytest.raises(OperatorError, match=message) as raised:
        parse_drill_result(document, tmp_path / "drill.json")
    assert "\n" not in str(raised.value)


def test_a_primary_that_sets_global_db_rpo_makes_the_bound_hard(tier_builds):
    """Aurora PostgreSQL's rds.global_db_rpo blocks commits beyond the bound: the report must
    tell that hard bound from the gate. A primary whose parameter group sets it, built from
    the real one."""
    primary, dr = tier_builds["hot-standby"]
    group = primary.one("aws:rds/clusterParameterGroup:ClusterParameterGroup")
    parameters = [*group.inputs.get("parameters", []), {"name": "rds.global_db_rpo", "value": "20"}]
    with_rpo = dataclasses.replace(group, inputs={**group.inputs, "parameters": parameters})
    others = [r for r in primary.resources if r is not group]
    hardened = dataclasses.replace(primary, resources=[*others, with_rpo])
    assert not rpo_bound(dr.settings, [primary, dr]).hard
    bound = rpo_bound(dr.settings, [hardened, dr])
    assert bound.hard and "blocks commits" in bound.enforcement
    assert bound.seconds == 20  # the parameter, below the gate's 30 s
    wide = [{**p, "value": "45"} if p["name"] == "rds.global_db_rpo" else p for p in parameters]
    looser = dataclasses.replace(group, inputs={**group.inputs, "parameters": wide})
    hardened = dataclasses.replace(primary, resources=[*others, looser])
    assert rpo_bound(dr.settings, [hardened, dr]).seconds == 45  # the guarantee, not the 30 s gate
