"""The orchestrator's decision, as pure functions of what one evaluation observed. No AWS
calls here; tests drive it table by table.

"Primary down" vs "we are cut off" (docs/ARCHITECTURE.md#down-or-cut-off):
1. a region that cannot reach its own RDS, DynamoDB and the ARC cluster ABSTAINS: its view
   of the peer says nothing about the peer;
2. the home cluster already being the writer ends the matter;
3. positive evidence that the peer is healthy (witness answers healthy, or the probe got a
   2xx) VETOES promotion;
4. the OUTSIDE witness must say "down": a partition seen only from inside this region
   (probe failing, witness healthy or unreadable) never promotes;
5. the HTTPS probe must agree (supporting evidence, never enough alone);
6. the global cluster's state decides ELIGIBILITY (member, no operation in progress,
   engine version match), not liveness: AWS documents no survivor-side view of a dead
   primary;
7. N consecutive agreeing evaluations;
8. the target (home) region must look healthy to an outside witness of its own
   (docs/ARCHITECTURE.md, "No flapping"): a tier that serves at rest (hot or warm standby)
   here, a pilot-light one at the fence (failover/executor.py). A fault that hits both
   regions' health (a bad deploy) never fails over: it pages;
9. automatic failover must be ARMED: after an automatic unplanned failover, and in the
   region that watched one happen, it stays disarmed until an operator's `arm` command;
10. the RPO gate: the data-plane heartbeat's replication lag when its newest beat arrived
   (the lag at the writer's last beat once it stopped; unknown counts as over the bound);
   CloudWatch's lag is a second opinion, recorded, never the deciding one. A planned
   switchover (which AWS synchronizes before it moves the writer) needs one fresh reading of
   either and none over the bound (switchover_blocks).

The heartbeat is also writer-liveness evidence: a writer whose heartbeat stopped while its
HTTPS health still answers (a database that accepts TCP but commits nothing) makes the
probe's "healthy" worthless, so the probe neither vetoes nor is needed, but the OUTSIDE
witness still must say down: the heartbeat alone never promotes; it pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from failover.events import EVALUATE, FAILOVER, STATUS, SWITCHOVER

# Outcomes (the decision record's "outcome").
STATUS_REPORT = "status"
ABSTAIN = "abstain"
ALREADY_WRITER = "already_writer"
HEALTHY = "peer_healthy"
NO_QUORUM = "no_quorum"
NOT_ELIGIBLE = "not_eligible"
IN_PROGRESS = "operation_in_progress"
AWAITING = "awaiting_consecutive_evaluations"
RPO_GATE = "rpo_gate"
PROMOTE = "promote"
DISARMED = "disarmed"
BOTH_UNHEALTHY = "both_unhealthy"
HOME_UNHEALTHY = "home_unhealthy"
WRITER_SILENT = "writer_silent"


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
    since: float | None = None
    """For a quorum evaluation: when its streak began, as known when it was recorded (so a
    streak longer than the history read still knows its start)."""
    witness_down: bool | None = None
    """What the outside witness said at this evaluation (Signal.peer_down)."""
    down_by: float | None = None
    """For a quorum evaluation: its streak's writer_down_by, as known when it was recorded
    (carried forward as `since` is)."""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    in_progress: bool = False
    reason: str = ""


def writer_silent(heartbeat: Signal | None) -> bool:
    """The peer's heartbeat stopped arriving (observed fresh, newest beat old)."""
    return heartbeat is not None and heartbeat.peer_down is True


def quorum(witness: Signal, probe: Signal, heartbeat: Signal | None = None) -> bool:
    """The outside witness AND the probe both say the peer is down; a silent writer
    heartbeat stands in for the probe (never for the witness)."""
    return witness.peer_down is True and (probe.peer_down is True or writer_silent(heartbeat))


def any_down(witness: Signal, probe: Signal, heartbeat: Signal | None = None) -> bool:
    return witness.peer_down is True or probe.peer_down is True or writer_silent(heartbeat)


def vetoed(witness: Signal, probe: Signal, heartbeat: Signal | None = None) -> bool:
    """Positive evidence that the peer is healthy. A probe's 2xx is no evidence while the
    writer's heartbeat has stopped (its health endpoint answers, its database does not)."""
    return witness.peer_down is False or (probe.peer_down is False and not writer_silent(heartbeat))


MIN_SPACING_FRACTION = 0.9
"""Two quorum evaluations closer than this fraction of the interval count once (timer noise
aside, one invocation starts its evaluations exactly one interval apart)."""


def consecutive_quorum(
    history: Sequence[Evaluation], max_gap_seconds: float, min_spacing_seconds: float = 0
) -> int:
    """How many of the most recent evaluations, newest first, had quorum without a break:
    a non-quorum evaluation or a gap longer than max_gap_seconds ends the streak.
    Evaluations closer than min_spacing_seconds to the last one counted count once, so two
    overlapping invocations cannot halve the time the persistence rule stands for."""
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


def streak_started_at(history: Sequence[Evaluation], max_gap_seconds: float) -> float | None:
    """When the current run of quorum evaluations began (the first time the peer was seen
    down in this streak), or None when the newest evaluation has no quorum. The same breaks
    as consecutive_quorum: a non-quorum evaluation or a gap longer than max_gap_seconds.
    Each recorded evaluation carries the start its streak had then (`since`), so a streak
    longer than the history read still reports its true start."""
    started, newer = None, None
    for evaluation in sorted(history, key=lambda e: e.at, reverse=True):
        if not evaluation.quorum:
            break
        if newer is not None and newer.at - evaluation.at > max_gap_seconds:
            break
        own = evaluation.at if evaluation.since is None else min(evaluation.since, evaluation.at)
        started = own if started is None else min(started, own)
        newer = evaluation
    return started


def writer_down_by(
    history: Sequence[Evaluation], max_gap_seconds: float, witness_failing_seconds: float
) -> float | None:
    """The latest moment the peer's writer can have acknowledged a write, as the current
    quorum streak shows it (None when the newest evaluation has no quorum): the streak's start,
    or earlier by `witness_failing_seconds` when the streak began with the outside witness
    TURNING down (the evaluation just before it, within max_gap_seconds, read the witness
    healthy). The witness follows a Route 53 health check, which declares an endpoint unhealthy
    only after FailureThreshold consecutive failed checks, each sent RequestInterval seconds
    after the previous one's response
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html,
    https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html): a
    declaration seen after a healthy reading belongs to a failure that had already lasted
    (FailureThreshold - 1) x RequestInterval when it was declared, and it was declared before
    the reading that saw it. A witness already down before the streak (or unknown, or no
    history) gives no credit: the failure it shows may predate what made the streak (a probe
    that turned later), and the writer may have acknowledged writes in between. Carried forward
    in each evaluation (`down_by`), so a streak longer than the history read keeps it."""
    carried, oldest, before = None, None, None
    newer = None
    for evaluation in sorted(history, key=lambda e: e.at, reverse=True):
        if newer is not None and newer.at - evaluation.at > max_gap_seconds:
            break
        if not evaluation.quorum:
            before = evaluation
            break
        if evaluation.down_by is not None:
            carried = evaluation.down_by if carried is None else min(carried, evaluation.down_by)
        oldest = newer = evaluation
    if oldest is None:
        return None
    started = streak_started_at(history, max_gap_seconds)
    if carried is not None:
        return min(carried, started)
    turned = (
        (oldest.since is None or oldest.since >= oldest.at)
        and before is not None
        and before.witness_down is False
    )
    return started - witness_failing_seconds if turned else started


def lag_blocks(lag_seconds: float | None, max_lag_seconds: float) -> bool:
    """The RPO gate: an unknown lag blocks too, since the data loss cannot be bounded."""
    return lag_seconds is None or lag_seconds > max_lag_seconds


@dataclass(frozen=True)
class Situation:
    command: str
    """evaluate, failover, switchover or status (failover.events)."""
    self_check: dict[str, bool]
    """rds / dynamodb / arc -> reachable from here."""
    local_is_writer: bool
    eligibility: Eligibility
    witness: Signal
    probe: Signal
    consecutive: int
    required_consecutive: int
    lag_seconds: float | None
    max_lag_seconds: float
    allow_data_loss: bool = False
    armed: bool = True
    """Automatic failover is armed in this region (ARMING/AUTO)."""
    home_witness: Signal | None = None
    """The outside witness of the HOME region (peer_down: the HOME region looks down)."""
    serves_at_rest: bool = True
    """The home tier has healthy targets before any failover (hot or warm standby)."""
    heartbeat: Signal | None = None
    """The peer writer's data-plane heartbeat as this region's replica shows it."""
    heartbeat_lag_seconds: float | None = None
    """The replication lag of the newest heartbeat when it arrived (control_table.heartbeat_lag):
    the current lag while the writer beats, the lag at its last beat once it stopped."""


@dataclass(frozen=True)
class Decision:
    outcome: str
    action: str | None
    """failover (unplanned, FailoverGlobalCluster), switchover (planned) or None."""
    notify: bool
    """Page (a human must know or decide)."""
    reason: str


def decide(s: Situation) -> Decision:
    if s.command == STATUS:
        return Decision(STATUS_REPORT, None, False, "status requested")
    unreachable = sorted(name for name, ok in s.self_check.items() if not ok)
    if unreachable and s.command == EVALUATE:
        return Decision(
            ABSTAIN, None, False, f"this region cannot reach its own {', '.join(unreachable)}: abstaining"
        )
    if s.local_is_writer:
        return Decision(ALREADY_WRITER, None, False, "this region's cluster is already the writer")
    if s.command in (FAILOVER, SWITCHOVER):
        return _manual(s, unreachable)
    if s.command != EVALUATE:
        raise ValueError(f"unknown command {s.command!r}")
    if vetoed(s.witness, s.probe, s.heartbeat):
        if writer_silent(s.heartbeat):
            return Decision(
                WRITER_SILENT,
                None,
                True,
                "the peer's writer heartbeat stopped while the outside witness sees it healthy: "
                "no automatic failover on the heartbeat alone; a human must look",
            )
        return Decision(HEALTHY, None, False, "positive evidence that the peer is healthy")
    if s.witness.peer_down is not True:
        return Decision(NO_QUORUM, None, False, "the outside witness does not say the peer is down (unknown)")
    if s.probe.peer_down is not True and not writer_silent(s.heartbeat):
        return Decision(NO_QUORUM, None, False, "the witness says down; the probe gives no evidence")
    if s.eligibility.in_progress:
        return Decision(IN_PROGRESS, None, False, "a global cluster operation is in progress")
    if not s.eligibility.eligible:
        return Decision(NOT_ELIGIBLE, None, True, f"not eligible to promote: {s.eligibility.reason}")
    if s.consecutive < s.required_consecutive:
        return Decision(
            AWAITING,
            None,
            False,
            f"peer down on {s.consecutive} of {s.required_consecutive} consecutive evaluations",
        )
    home_down = s.home_witness.peer_down if s.home_witness is not None else None
    if home_down is True and s.serves_at_rest:
        return Decision(
            BOTH_UNHEALTHY,
            None,
            True,
            "both regions look unhealthy to their outside witnesses (a fault common to both, such as "
            "a bad deploy): failing over would not help; a human must act",
        )
    if home_down is None and s.serves_at_rest:
        return Decision(
            HOME_UNHEALTHY, None, True, "this region's own outside witness is unknown: no automatic failover"
        )
    if not s.armed:
        return Decision(
            DISARMED,
            None,
            True,
            "automatic failover is disarmed here (after an automatic failover); "
            "send `arm` to re-arm or a manual failover",
        )
    if heartbeat_blocks(s):
        return Decision(
            RPO_GATE,
            None,
            True,
            _gate_reason(s) + "; no automatic promotion, send a manual failover with allow_data_loss=true",
        )
    return Decision(
        PROMOTE, FAILOVER, True, f"witness and probe say the peer is down on {s.consecutive} evaluations"
    )


def heartbeat_blocks(s: Situation) -> bool:
    """The automatic RPO gate: the data at risk the heartbeat proves (data_at_risk: the
    newest replicated beat against the moment the writer was proven down) must be known and
    within the bound. CloudWatch's lag is recorded beside it as a second opinion
    and does not decide: its datapoints are stamped at the period's start, published after
    it, and keep growing once the writer is gone, so after an outage it overstates the loss
    by the time since the outage (and before one, the heartbeat is the finer reading).
    A region that runs nothing at rest (pilot light) has no observer before its preparation:
    an unknown reading there does not stop the reversible preparation; the gate is then
    passed at the fence, from observations of the instances the preparation started
    (failover/executor.py, docs/FAILOVER_RUNTIME.md "The RPO gate in a pilot light")."""
    if s.heartbeat_lag_seconds is None and not s.serves_at_rest:
        return False
    return lag_blocks(s.heartbeat_lag_seconds, s.max_lag_seconds)


def data_at_risk(
    arrival_lag: float | None, newest_at: float | None, writer_down_by: float | None
) -> tuple[float | None, str]:
    """What the heartbeat proves of the data at risk (None: unknown, which never passes), in
    every tier. arrival_lag: the newest beat's replication lag when it was first observed
    (control_table.heartbeat_lag; None without a fresh observation). The newest replicated
    beat is judged against writer_down_by (writer_down_by(): the quorum streak's start, or the
    start of the Route 53 failure that began it): a writer down by then acknowledged nothing
    after it, so what it acknowledged after its newest replicated beat lies within
    (writer_down_by - newest beat), under the same limit as any reading (a writer that kept
    writing behind a partition loses what it acknowledged until its lease lapsed).
    Taken ALONE, never the smaller of it and an arrival lag: a DR region cut off from the
    primary's replication before the primary failed (or whose replication stalled) stopped
    receiving beats at the cut while the writer went on acknowledging, so a beat that arrived
    early with a small lag proves nothing of what came after; (writer_down_by - newest beat)
    covers the whole cut. It is the arrival lag plus the stall between the beat's arrival and
    the writer seen down; in a region that observes at rest that is the price of the
    detection delay. A region that runs nothing at rest (pilot light) first sees the beat late,
    so its arrival lag overstates the loss; the same bound does not. A newest beat written
    after writer_down_by means the writer was not down then (it still beats): the arrival lag
    of that beat, observed since, is the reading. docs/FAILOVER_RUNTIME.md "The RPO gate"."""
    if arrival_lag is None:
        return None, "no fresh heartbeat"
    if writer_down_by is not None and newest_at is not None:
        since_down = writer_down_by - newest_at
        if since_down > 0:
            return since_down, (
                f"the newest replicated heartbeat is {since_down:.0f}s older than the writer's failure"
            )
    return arrival_lag, f"the last heartbeat arrived {arrival_lag:.0f}s late"


def _manual(s: Situation, unreachable: list[str]) -> Decision:
    if s.eligibility.in_progress:
        return Decision(IN_PROGRESS, None, False, "a global cluster operation is in progress")
    if not s.eligibility.eligible:
        return Decision(NOT_ELIGIBLE, None, True, f"not eligible to promote: {s.eligibility.reason}")
    if s.command == SWITCHOVER:
        if switchover_blocks(s):
            return Decision(
                RPO_GATE, None, True, _switchover_reason(s) + "; a switchover needs clusters in sync"
            )
        return Decision(PROMOTE, SWITCHOVER, True, "manual switchover (planned, no data loss)")
    if lag_blocks(s.lag_seconds, s.max_lag_seconds) and not s.allow_data_loss:
        return Decision(RPO_GATE, None, True, _gate_reason(s) + "; resend with allow_data_loss=true")
    bypass = "; RPO gate bypassed by allow_data_loss" if s.allow_data_loss else ""
    return Decision(PROMOTE, FAILOVER, True, "manual failover" + bypass)


def switchover_blocks(s: Situation) -> bool:
    """A planned switchover's readiness check: at least one fresh lag reading, and none
    above the bound. It is not a data-safety gate: SwitchoverGlobalCluster synchronizes every
    secondary with the primary before it changes roles, so a switchover loses no data
    ("All secondary clusters are synchronized with the primary at the beginning of the
    process", https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_SwitchoverGlobalCluster.html);
    a large lag only makes that synchronization, and the write pause, long.
    The readings are the data-plane heartbeat's (the newest replicated beat's lag, read from
    this region's own replica) and CloudWatch's lag metric, each where known: CloudWatch
    stamps a datapoint at its period's start and publishes it only after the period (60 s)
    ends, so a publication delay of a minute more makes every visible datapoint at least
    120 s old, the default lag_max_age_seconds: CloudWatch alone would then refuse every
    switchover. The heartbeat alone is missing where no observer runs at rest (pilot light).
    A known reading over the bound refuses either way: a planned move can wait and be sent
    again."""
    readings = [lag for lag in (s.heartbeat_lag_seconds, s.lag_seconds) if lag is not None]
    return not readings or any(lag > s.max_lag_seconds for lag in readings)


def _switchover_reason(s: Situation) -> str:
    if s.heartbeat_lag_seconds is None and s.lag_seconds is None:
        return "replication lag unknown (no fresh heartbeat observed and no fresh CloudWatch datapoint)"
    over = [
        f"{name} {lag:g}s"
        for name, lag in (("heartbeat lag", s.heartbeat_lag_seconds), ("CloudWatch lag", s.lag_seconds))
        if lag is not None and lag > s.max_lag_seconds
    ]
    return f"replication lag over the bound of {s.max_lag_seconds:g}s: {', '.join(over)}"


def _gate_reason(s: Situation) -> str:
    if s.command == EVALUATE:
        if s.heartbeat_lag_seconds is None:
            return "data at risk unknown (no fresh writer heartbeat observed)"
        if s.heartbeat_lag_seconds > s.max_lag_seconds:
            return (
                f"the data at risk the replicated heartbeat proves is {s.heartbeat_lag_seconds:g}s "
                f"(bound {s.max_lag_seconds:g}s)"
            )
    if s.lag_seconds is None:
        return "replication lag unknown (no fresh datapoint)"
    return f"replication lag {s.lag_seconds:g}s exceeds the bound of {s.max_lag_seconds:g}s"
