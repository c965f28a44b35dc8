"""The orchestrator's decision, as pure functions of what it observed: quorum of independent
signals, persistence over consecutive evaluations, the RPO gate and the already-writer rule.
No AWS calls here; tests drive it table by table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from failover.events import EVALUATE, FAILOVER, STATUS, SWITCHOVER

# Independent signals that must agree the peer is down before an automatic promotion.
REQUIRED_SIGNALS = 2

# Outcomes (the decision record's "outcome").
STATUS_REPORT = "status"
ALREADY_WRITER = "already_writer"
IN_PROGRESS = "operation_in_progress"
HEALTHY = "peer_healthy"
NO_QUORUM = "no_quorum"
AWAITING = "awaiting_consecutive_evaluations"
RPO_GATE = "rpo_gate"
PROMOTE = "promote"


@dataclass(frozen=True)
class Signal:
    name: str
    peer_down: bool | None
    """True: evidence the peer is down; False: evidence it is up; None: no evidence."""
    detail: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"name": self.name, "peer_down": self.peer_down, **self.detail}


@dataclass(frozen=True)
class Evaluation:
    at: float
    quorum: bool


def quorum(signals: Sequence[Signal]) -> bool:
    return sum(1 for s in signals if s.peer_down is True) >= REQUIRED_SIGNALS


def consecutive_quorum(
    history: Sequence[Evaluation], max_gap_seconds: float, min_spacing_seconds: float = 0
) -> int:
    """How many of the most recent evaluations, newest first, had quorum without a break:
    a non-quorum evaluation or a gap longer than max_gap_seconds ends the streak. Quorum
    evaluations closer than min_spacing_seconds to the last one counted count once, so a
    burst of alarm notifications cannot stand in for minutes of persistence."""
    count, newer = 0, None
    for evaluation in sorted(history, key=lambda e: e.at, reverse=True):
        if not evaluation.quorum:
            break
        if newer is not None:
            if newer.at - evaluation.at > max_gap_seconds:
                break
            if newer.at - evaluation.at < min_spacing_seconds:
                continue
        count, newer = count + 1, evaluation
    return count


def lag_blocks(lag_seconds: float | None, max_lag_seconds: float) -> bool:
    """The RPO gate: an unknown lag blocks too, since the data loss cannot be bounded."""
    return lag_seconds is None or lag_seconds > max_lag_seconds


@dataclass(frozen=True)
class Situation:
    command: str
    """evaluate, failover, switchover or status (failover.events)."""
    local_is_writer: bool
    operation_in_progress: bool
    signals: tuple[Signal, ...]
    consecutive: int
    required_consecutive: int
    lag_seconds: float | None
    max_lag_seconds: float
    allow_data_loss: bool = False


@dataclass(frozen=True)
class Decision:
    outcome: str
    action: str | None
    """failover (unplanned, FailoverGlobalCluster), switchover (planned) or None."""
    notify: bool
    """Publish to the alert topic even without an action (a human must decide)."""
    reason: str


def decide(s: Situation) -> Decision:
    if s.command == STATUS:
        return Decision(STATUS_REPORT, None, False, "status requested")
    if s.local_is_writer:
        return Decision(ALREADY_WRITER, None, False, "this region's cluster is already the writer")
    if s.operation_in_progress:
        return Decision(IN_PROGRESS, None, False, "a global cluster failover or switchover is in progress")
    if s.command == SWITCHOVER:
        # Planned: SwitchoverGlobalCluster waits for replication to catch up, so no RPO gate.
        return Decision(PROMOTE, SWITCHOVER, True, "manual switchover (planned, no data loss)")
    if s.command == FAILOVER:
        if lag_blocks(s.lag_seconds, s.max_lag_seconds) and not s.allow_data_loss:
            return Decision(RPO_GATE, None, True, _gate_reason(s) + "; resend with allow_data_loss=true")
        return Decision(PROMOTE, FAILOVER, True, "manual failover")
    if s.command != EVALUATE:
        raise ValueError(f"unknown command {s.command!r}")
    down = sum(1 for signal in s.signals if signal.peer_down is True)
    if down == 0:
        return Decision(HEALTHY, None, False, "no signal says the peer is down")
    if down < REQUIRED_SIGNALS:
        return Decision(
            NO_QUORUM, None, False, f"{down} signal(s) say the peer is down; {REQUIRED_SIGNALS} needed"
        )
    if s.consecutive < s.required_consecutive:
        return Decision(
            AWAITING,
            None,
            False,
            f"quorum on {s.consecutive} of {s.required_consecutive} consecutive evaluations",
        )
    if lag_blocks(s.lag_seconds, s.max_lag_seconds):
        return Decision(
            RPO_GATE,
            None,
            True,
            _gate_reason(s) + "; no automatic promotion, send a manual failover with allow_data_loss=true",
        )
    return Decision(
        PROMOTE,
        FAILOVER,
        True,
        f"{down} signals say the peer is down on {s.consecutive} consecutive evaluations",
    )


def _gate_reason(s: Situation) -> str:
    if s.lag_seconds is None:
        return "replication lag unknown (no recent datapoint)"
    return f"replication lag {s.lag_seconds:g}s exceeds the bound of {s.max_lag_seconds:g}s"
