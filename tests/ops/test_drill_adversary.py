"""The drill is an adversary: each scenario of the fault matrix FAILS an orchestrator that
breaks the rule the scenario exists for (tests/ops/drill_support.py), and says why. These run
without the real runtime, so they hold whatever the runtime does; tests/ops/test_drill.py
runs the real one."""

from __future__ import annotations

import pytest

from ops.drill import run_facts
from tests.ops.drill_support import facts, passive, timing, unsafe

# (scenario, unsafe orchestrator, tier, words in a failure, invariant that must break or None)
CASES = [
    ("region-gone", passive(), "hot-standby", "0 FailoverGlobalCluster calls accepted", None),
    ("region-gone-tiers", unsafe(), "warm-standby", "the DR group runs 1 instances", None),
    ("partition", unsafe(), "hot-standby", "a promotion was accepted during a partition", "one_writer"),
    ("dr-impaired", unsafe(), "hot-standby", "the routing controls moved to the impaired", None),
    ("api-faults", unsafe(detach_on_error=True), "hot-standby", "a cluster was detached", None),
    ("killed-mid-promotion", unsafe(hoard_lock=True), "hot-standby", "invariant broken", "no_orphan_lock"),
    (
        "primary-returns",
        unsafe(fail_back=True),
        "hot-standby",
        "routing controls On: ['us-east-1']",
        "traffic_follows_writer",
    ),
    (
        "primary-returns",
        unsafe(fail_back="promote"),
        "hot-standby",
        "invariant broken",
        "one_automatic_failover",
    ),
    ("lag-above-bound", unsafe(), "hot-standby", "promoted automatically past the RPO bound", None),
    ("switchover-failback", unsafe(flip_before_switchover=True), "hot-standby", "turned On at", None),
    # never two writers: an orchestrator with no lease from ARC, no home health check, waits
    # it does not need, a CloudWatch-timed gate, no page
    ("gray-partition", unsafe(), "hot-standby", "invariant broken", "one_writer"),
    ("gray-partition-no-arc", unsafe(), "hot-standby", "invariant broken", "one_writer"),
    ("killed-after-fence", unsafe(), "hot-standby", "invariant broken", "traffic_follows_writer"),
    ("returns-mid-promotion", unsafe(), "hot-standby", "invariant broken", "loss_within_lag"),
    ("bad-deploy", unsafe(), "hot-standby", "a promotion was accepted during a bad deploy", None),
    (
        "dr-throttled",
        unsafe(check_targets=True),
        "hot-standby",
        "0 FailoverGlobalCluster calls accepted",
        None,
    ),
    ("dr-dynamodb-down", unsafe(), "hot-standby", "did not page through SNS", None),
    (
        "replica-cut-then-gone",
        unsafe(),
        "hot-standby",
        "promoted automatically past a replication stall",
        None,
    ),
    ("db-stalled", passive(), "hot-standby", "no failover and nobody paged", None),
    (
        "cloudwatch-published",
        unsafe(cloudwatch_gate=True),
        "hot-standby",
        "0 FailoverGlobalCluster calls accepted",
        None,
    ),
]


@pytest.mark.parametrize("scenario,factory,tier,failure,invariant", CASES, ids=[c[0] for c in CASES])
def test_each_scenario_fails_an_orchestrator_that_breaks_its_rule(
    scenario, factory, tier, failure, invariant
):
    desired = 1 if tier == "warm-standby" else 3
    result = run_facts(
        scenario,
        facts(dr_desired=desired),
        timing(tier=tier),
        seed=0,
        tier=tier,
        orchestrator_factory=factory,
    )
    assert not result.passed
    assert any(failure in f for f in result.failures), result.failures
    if invariant is not None:
        assert result.violations.get(invariant), result.violations


def test_the_drill_fails_a_runtime_whose_held_lease_waits_for_the_evaluations_renewals(monkeypatch):
    """The real runtime without its renewals before each call (failover/renewal.py): the DR
    evaluation that drives the promotion to its end outlasts the lease, and the new writer's
    lease lapses while it serves and nothing is wrong. serving_lease_held says so, and the
    lapsed seconds are counted."""
    from failover.orchestrator import Orchestrator
    from tests.ops.test_evidence_drill import with_evidence

    monkeypatch.setattr(Orchestrator, "_tick", lambda self: None)
    # With the evidence bucket the plan configures: the drive ends with the seal.
    result = run_facts("region-gone", with_evidence(), timing(), seed=0, tier="hot-standby")
    assert not result.passed
    assert result.violations.get("serving_lease_held"), result.violations
    assert result.lease_gap_seconds > 0
