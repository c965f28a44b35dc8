"""The decision as a pure function, rule by rule (failover/decision.py's docstring lists
the rules; docs/ARCHITECTURE.md#down-or-cut-off)."""

from __future__ import annotations

import pytest

from failover import decision as d
from failover.decision import Eligibility, Evaluation, Signal

DOWN, UP, UNKNOWN = True, False, None
OK = {"rds": True, "dynamodb": True, "arc": True}


def situation(**kw) -> d.Situation:
    base = dict(
        command="evaluate",
        self_check=OK,
        local_is_writer=False,
        eligibility=Eligibility(True),
        witness=Signal("witness", DOWN),
        probe=Signal("peer_probe", DOWN),
        consecutive=3,
        required_consecutive=3,
        lag_seconds=1.0,
        max_lag_seconds=30,
        home_witness=Signal("home_witness", UP),
        heartbeat=Signal("heartbeat", UNKNOWN),
        heartbeat_lag_seconds=1.0,
    )
    return d.Situation(**{**base, **kw})


def hb(state):
    return Signal("heartbeat", state)


def home(state):
    return Signal("home_witness", state)


def w(state):
    return Signal("witness", state)


def p(state):
    return Signal("peer_probe", state)


@pytest.mark.parametrize(
    "kw, outcome, action, notify",
    [
        ({}, d.PROMOTE, "failover", True),
        # self-check: a region that cannot reach its own services abstains
        ({"self_check": {**OK, "arc": False}}, d.ABSTAIN, None, False),
        ({"self_check": {**OK, "rds": False}}, d.ABSTAIN, None, False),
        ({"self_check": {**OK, "dynamodb": False}}, d.ABSTAIN, None, False),
        ({"local_is_writer": True}, d.ALREADY_WRITER, None, False),
        # positive evidence of health vetoes
        ({"witness": w(UP)}, d.HEALTHY, None, False),
        ({"probe": p(UP)}, d.HEALTHY, None, False),
        # partition: the probe fails from inside, the outside witness sees the peer healthy
        ({"witness": w(UP), "probe": p(DOWN)}, d.HEALTHY, None, False),
        # the witness must say down: an unreadable witness never promotes
        ({"witness": w(UNKNOWN)}, d.NO_QUORUM, None, False),
        # the probe is supporting evidence; the witness alone is not enough
        ({"probe": p(UNKNOWN)}, d.NO_QUORUM, None, False),
        # eligibility from the global cluster
        ({"eligibility": Eligibility(False, in_progress=True)}, d.IN_PROGRESS, None, False),
        ({"eligibility": Eligibility(False, reason="engine")}, d.NOT_ELIGIBLE, None, True),
        # persistence
        ({"consecutive": 2}, d.AWAITING, None, False),
        # RPO gate (automatic): the heartbeat's lag at the outage, over the bound or unknown
        ({"heartbeat_lag_seconds": 31.0}, d.RPO_GATE, None, True),
        ({"heartbeat_lag_seconds": None}, d.RPO_GATE, None, True),
        ({"heartbeat_lag_seconds": 30.0}, d.PROMOTE, "failover", True),
        # CloudWatch's lag is a second opinion: it never decides an automatic failover
        ({"lag_seconds": None}, d.PROMOTE, "failover", True),
        ({"lag_seconds": 200.0}, d.PROMOTE, "failover", True),
        # no flapping: disarmed after an automatic failover; the target must look healthy
        ({"armed": False}, d.DISARMED, None, True),
        ({"home_witness": home(DOWN)}, d.BOTH_UNHEALTHY, None, True),
        ({"home_witness": home(UNKNOWN)}, d.HOME_UNHEALTHY, None, True),
        ({"home_witness": None}, d.HOME_UNHEALTHY, None, True),
        # pilot light: no healthy target at rest; its health is checked at the fence
        ({"home_witness": home(DOWN), "serves_at_rest": False}, d.PROMOTE, "failover", True),
        # writer liveness: a silent heartbeat makes the probe's 2xx worthless, never the witness
        ({"probe": p(UP), "heartbeat": hb(DOWN)}, d.PROMOTE, "failover", True),
        ({"probe": p(UP), "heartbeat": hb(UP)}, d.HEALTHY, None, False),
        ({"probe": p(UP), "heartbeat": hb(UNKNOWN)}, d.HEALTHY, None, False),
        ({"witness": w(UP), "heartbeat": hb(DOWN)}, d.WRITER_SILENT, None, True),
        ({"witness": w(UNKNOWN), "probe": p(UP), "heartbeat": hb(DOWN)}, d.NO_QUORUM, None, False),
        ({"probe": p(UNKNOWN), "heartbeat": hb(DOWN)}, d.PROMOTE, "failover", True),
        ({"probe": p(UNKNOWN), "heartbeat": hb(UNKNOWN)}, d.NO_QUORUM, None, False),
        # manual commands
        ({"command": "status"}, d.STATUS_REPORT, None, False),
        ({"command": "failover", "lag_seconds": None}, d.RPO_GATE, None, True),
        ({"command": "failover", "lag_seconds": None, "allow_data_loss": True}, d.PROMOTE, "failover", True),
        ({"command": "failover", "witness": w(UP), "consecutive": 0}, d.PROMOTE, "failover", True),
        ({"command": "failover", "local_is_writer": True}, d.ALREADY_WRITER, None, False),
        # an operator decides: neither arming nor the home witness holds a manual failover
        ({"command": "failover", "armed": False, "home_witness": home(DOWN)}, d.PROMOTE, "failover", True),
        ({"command": "switchover"}, d.PROMOTE, "switchover", True),
        # a switchover's readiness: one fresh lag reading (heartbeat or CloudWatch), none over
        # the bound; CloudWatch's publication delay alone never refuses it
        ({"command": "switchover", "lag_seconds": None}, d.PROMOTE, "switchover", True),
        ({"command": "switchover", "heartbeat_lag_seconds": None}, d.PROMOTE, "switchover", True),
        (
            {"command": "switchover", "lag_seconds": None, "heartbeat_lag_seconds": None},
            d.RPO_GATE,
            None,
            True,
        ),
        ({"command": "switchover", "heartbeat_lag_seconds": 31.0}, d.RPO_GATE, None, True),
        ({"command": "switchover", "lag_seconds": 31.0}, d.RPO_GATE, None, True),
        (
            {"command": "switchover", "lag_seconds": None, "heartbeat_lag_seconds": 30.0},
            d.PROMOTE,
            "switchover",
            True,
        ),
        (
            {"command": "switchover", "eligibility": Eligibility(False, reason="x")},
            d.NOT_ELIGIBLE,
            None,
            True,
        ),
    ],
)
def test_decide(kw, outcome, action, notify):
    decision = d.decide(situation(**kw))
    assert (decision.outcome, decision.action, decision.notify) == (outcome, action, notify)


def test_rpo_gate_reason_names_lag_and_bound():
    reason = d.decide(situation(heartbeat_lag_seconds=45.0)).reason
    assert "45" in reason and "30" in reason and "allow_data_loss" in reason and "heartbeat" in reason
    reason = d.decide(situation(command="failover", lag_seconds=45.0)).reason
    assert "45" in reason and "30" in reason and "allow_data_loss" in reason


def test_switchover_gate_reason_names_the_reading_over_the_bound():
    reason = d.decide(situation(command="switchover", heartbeat_lag_seconds=45.0)).reason
    assert "heartbeat lag 45s" in reason and "30" in reason and "CloudWatch" not in reason
    reason = d.decide(situation(command="switchover", lag_seconds=None, heartbeat_lag_seconds=None)).reason
    assert "unknown" in reason


@pytest.mark.parametrize(
    "history, expected",
    [
        ([], 0),
        ([(300, True)], 1),
        ([(300, True), (240, True), (180, True)], 3),
        ([(300, True), (240, False), (180, True)], 1),
        ([(300, False), (240, True), (180, True)], 0),
        # a gap longer than 180 s breaks the streak
        ([(600, True), (300, True), (240, True)], 1),
        ([(480, True), (300, True), (240, True)], 3),
        # order of the input does not matter
        ([(180, True), (300, True), (240, True)], 3),
    ],
)
def test_consecutive_quorum(history, expected):
    evaluations = [Evaluation(at=float(at), quorum=q) for at, q in history]
    assert d.consecutive_quorum(evaluations, max_gap_seconds=180) == expected


@pytest.mark.parametrize(
    "history, expected",
    [
        # alarm-triggered evaluations seconds apart count once
        ([(300, True), (295, True), (290, True)], 1),
        ([(300, True), (295, True), (240, True), (180, True)], 3),
        # a non-quorum evaluation between them still breaks the streak
        ([(300, True), (295, False), (240, True)], 1),
        ([(300, True), (270, True), (240, True)], 3),  # 30 s apart: counted
    ],
)
def test_consecutive_quorum_with_spacing(history, expected):
    evaluations = [Evaluation(at=float(at), quorum=q) for at, q in history]
    assert d.consecutive_quorum(evaluations, max_gap_seconds=180, min_spacing_seconds=30) == expected


@pytest.mark.parametrize(
    "witness, probe, expected",
    [
        (DOWN, DOWN, True),
        (DOWN, UP, False),
        (DOWN, UNKNOWN, False),
        (UNKNOWN, DOWN, False),  # an unreadable witness is never "down"
        (UP, DOWN, False),
    ],
)
def test_quorum_needs_the_outside_witness_and_the_probe(witness, probe, expected):
    assert d.quorum(w(witness), p(probe)) is expected
    # a silent writer heartbeat stands in for the probe, never for the outside witness
    assert d.quorum(w(witness), p(probe), hb(DOWN)) is (witness is DOWN)


@pytest.mark.parametrize(
    "history, started",
    [
        ([], None),
        ([(0, True), (10, True), (20, True)], 0),
        ([(0, True), (10, False), (20, True), (30, True)], 20),  # a healthy evaluation restarts it
        ([(0, True), (100, True), (110, True)], 100),  # a gap longer than 45 s restarts it
        ([(0, True), (10, False)], None),  # the newest evaluation has no quorum: no streak
    ],
)
def test_the_streak_start_is_the_first_peer_down_of_the_current_streak(history, started):
    evaluations = [d.Evaluation(at=float(at), quorum=q) for at, q in history]
    assert d.streak_started_at(evaluations, 45) == started


def test_the_streak_start_survives_a_history_shorter_than_the_streak():
    """Each quorum evaluation carries its streak's start: reading only the newest entries
    of a long streak (pilot-light preparation takes minutes) still gives the true start."""
    window = [d.Evaluation(at=float(at), quorum=True, since=0.0) for at in range(600, 800, 10)]
    assert d.streak_started_at(window, 45) == 0.0
