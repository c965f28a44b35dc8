"""The pure decision logic, table by table."""

from __future__ import annotations

import pytest

from failover import decision as d
from failover.decision import Evaluation, Signal, Situation

DOWN, UP, UNKNOWN = True, False, None


def signals(*states):
    return tuple(Signal(f"s{i}", state) for i, state in enumerate(states))


def situation(**kw):
    base = dict(
        command="evaluate",
        local_is_writer=False,
        operation_in_progress=False,
        signals=signals(DOWN, DOWN, UP),
        consecutive=3,
        required_consecutive=3,
        lag_seconds=1.0,
        max_lag_seconds=30,
    )
    return Situation(**{**base, **kw})


@pytest.mark.parametrize(
    "kw, outcome, action, notify",
    [
        # Automatic evaluations
        ({}, d.PROMOTE, "failover", True),
        ({"signals": signals(UP, UP, UP)}, d.HEALTHY, None, False),
        ({"signals": signals(UNKNOWN, UNKNOWN, UNKNOWN)}, d.HEALTHY, None, False),
        ({"signals": signals(DOWN, UP, UP)}, d.NO_QUORUM, None, False),
        ({"signals": signals(DOWN, UNKNOWN, UNKNOWN)}, d.NO_QUORUM, None, False),
        ({"signals": signals(DOWN, DOWN, DOWN)}, d.PROMOTE, "failover", True),
        ({"consecutive": 2}, d.AWAITING, None, False),
        ({"consecutive": 4}, d.PROMOTE, "failover", True),
        ({"lag_seconds": 30.0}, d.PROMOTE, "failover", True),  # at the bound is within it
        ({"lag_seconds": 30.5}, d.RPO_GATE, None, True),
        ({"lag_seconds": None}, d.RPO_GATE, None, True),
        # allow_data_loss never comes with an automatic evaluation; even so it opens nothing
        ({"lag_seconds": 99.0, "allow_data_loss": True}, d.RPO_GATE, None, True),
        ({"local_is_writer": True}, d.ALREADY_WRITER, None, False),
        ({"operation_in_progress": True}, d.IN_PROGRESS, None, False),
        ({"local_is_writer": True, "operation_in_progress": True}, d.ALREADY_WRITER, None, False),
        # Manual commands: no quorum needed; the RPO gate still holds for failover
        (
            {"command": "failover", "signals": signals(UP, UP, UP), "consecutive": 0},
            d.PROMOTE,
            "failover",
            True,
        ),
        ({"command": "failover", "lag_seconds": 99.0}, d.RPO_GATE, None, True),
        ({"command": "failover", "lag_seconds": None}, d.RPO_GATE, None, True),
        ({"command": "failover", "lag_seconds": 99.0, "allow_data_loss": True}, d.PROMOTE, "failover", True),
        (
            {"command": "failover", "local_is_writer": True, "allow_data_loss": True},
            d.ALREADY_WRITER,
            None,
            False,
        ),
        ({"command": "switchover", "lag_seconds": 99.0}, d.PROMOTE, "switchover", True),
        ({"command": "switchover", "local_is_writer": True}, d.ALREADY_WRITER, None, False),
        ({"command": "switchover", "operation_in_progress": True}, d.IN_PROGRESS, None, False),
        ({"command": "status"}, d.STATUS_REPORT, None, False),
    ],
)
def test_decide(kw, outcome, action, notify):
    result = d.decide(situation(**kw))
    assert (result.outcome, result.action, result.notify) == (outcome, action, notify)
    assert result.reason


def test_rpo_gate_reason_names_lag_and_bound():
    reason = d.decide(situation(lag_seconds=45.0)).reason
    assert "45" in reason and "30" in reason and "allow_data_loss" in reason


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
    "states, expected",
    [((DOWN, DOWN), True), ((DOWN, UP), False), ((DOWN, UNKNOWN, UNKNOWN), False), ((DOWN, DOWN, UP), True)],
)
def test_quorum_needs_two_positive_signals(states, expected):
    assert d.quorum(signals(*states)) is expected
