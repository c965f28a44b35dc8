"""The timing model as plain functions: every part comes from Settings or a named assumption,
the budget's parts add up, and each part moves in the right direction with its setting."""

from __future__ import annotations

import dataclasses

import pytest

from components.settings import TIERS, parse_settings
from ops import timing_model as tm
from ops.stack_config import effective_config


def settings(**changes):
    config = effective_config("dr")
    config.update({f"trading-dr:{k}": v for k, v in changes.items()})
    return parse_settings(config, "dr")


def total(tier="hot-standby", promotion=120.0, **changes) -> float:
    return tm.timing_model(settings(**changes), promotion_seconds=promotion).total(tier)


def test_the_model_reads_the_cadence_and_health_checks_from_settings():
    model = tm.timing_model(
        settings(
            failoverEvaluationIntervalSeconds=15,
            failoverEvaluations=4,
            failoverProbeTimeoutSeconds=3,
            healthCheckInterval=30,
            healthCheckThreshold=2,
            tier="warm-standby",
        ),
        promotion_seconds=90,
    )
    assert model.evaluation_interval_seconds == 15
    assert model.consecutive_evaluations == 4
    assert model.probe_timeout_seconds == 3
    assert model.health_check_detection_seconds == 60
    assert model.promotion_seconds == 90
    assert model.tier == "warm-standby"
    assert (model.dns_ttl_seconds, model.witness_ttl_seconds) == tm.program_ttls()


@pytest.mark.parametrize("tier", TIERS)
def test_the_budget_parts_add_up_in_critical_path_order(tier):
    model = tm.timing_model(settings())
    parts = model.budget(tier)
    assert [p.name for p in parts] == [
        "detection",
        "decision",
        "prepare",
        "fence",
        "promotion",
        "dns",
        "compute",
        "verify",
        "reconnect",
    ]
    assert all(p.seconds >= 0 and p.note for p in parts)
    assert sum(p.seconds for p in parts) == pytest.approx(model.total(tier))
    assert model.detection_and_decision_seconds() == pytest.approx(parts[0].seconds + parts[1].seconds)


def test_tiers_order_pilot_light_slowest_and_the_promotion_assumption_is_named():
    model = tm.timing_model(settings())
    assert model.total("hot-standby") == model.total("warm-standby") < model.total("pilot-light")
    promotion = next(p for p in model.budget() if p.name == "promotion")
    assert "assumption" in promotion.note and "a few minutes" in promotion.note
    assert tm.PROMOTION_SECONDS_DEFAULT == 120


@pytest.mark.parametrize(
    "changes",
    [
        {"failoverEvaluationIntervalSeconds": 20},
        {"failoverEvaluations": 5},
        {"failoverProbeTimeoutSeconds": 4},  # 2 attempts x 4 s fit the 10 s interval
        {"healthCheckInterval": 30},
        {"healthCheckThreshold": 6},
    ],
)
def test_each_setting_lengthens_the_budget_when_raised(changes):
    assert total(**changes) > total()


def test_a_longer_promotion_lengthens_the_budget_and_a_bad_one_is_refused():
    assert total(promotion=180) - total(promotion=60) == pytest.approx(120)
    with pytest.raises(ValueError, match="promotion_seconds"):
        tm.timing_model(settings(), promotion_seconds=0)
    with pytest.raises(ValueError, match="unknown tier"):
        tm.timing_model(settings()).budget("cold")


def test_parallel_parts_count_only_beyond_the_promotion():
    model = tm.timing_model(settings(), promotion_seconds=1)
    parts = {p.name: p.seconds for p in model.budget("hot-standby")}
    # With a 1 s promotion, DNS (propagation + the record's TTL) is the longer branch.
    assert model.dns_seconds > model.database_seconds
    assert parts["dns"] == pytest.approx(model.dns_seconds - model.database_seconds)
    slow = dataclasses.replace(model, promotion_seconds=600)
    assert {p.name: p.seconds for p in slow.budget()}["dns"] == 0


def test_the_target_group_health_check_of_the_plan_is_the_models(dr):
    """The compute part charges the ALB target group's healthy threshold x interval; the plan
    must configure the same (components/traffic/entry.py)."""
    [group] = [r for r in dr.resources if r.type == "aws:lb/targetGroup:TargetGroup"]
    check = group.inputs["healthCheck"]
    assert check["interval"] == tm.TARGET_HEALTH_INTERVAL_SECONDS
    assert check["healthyThreshold"] == tm.TARGET_HEALTHY_THRESHOLD


@pytest.mark.parametrize("interval,extra", [(10, 0), (5, 0), (15, 0), (20, 0), (60, 0)])
def test_the_minute_schedule_leaves_no_longer_gap_between_invocations(interval, extra):
    """Evaluations run every interval below the whole-minute invocation budget; the next
    invocation starts at the next minute (EventBridge's minimum rate), one interval after the
    last evaluation (a 50 s budget used to leave one interval more)."""
    assert tm.invocation_gap(interval) == extra
    model = tm.timing_model(settings(failoverEvaluationIntervalSeconds=interval))
    assert model.invocation_gap_seconds == extra
