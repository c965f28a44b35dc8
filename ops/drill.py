"""`deploy.py drill --local`: rehearse a failover on an in-process AWS (moto), on a simulated
clock, with the real orchestrator and the data plane the two stacks define (drill_world.py).

Scenarios:
- outage: the primary region goes dark; the dr region's orchestrator detects it, decides and
  promotes its cluster (FailoverGlobalCluster, AllowDataLoss) with no human involved.
- switchover: a planned move of the writer to the dr region (SwitchoverGlobalCluster).
- failback: an outage and failover, then the primary region recovers and a planned
  switchover, run by the primary region's orchestrator, moves the writer back.

Each prints a timeline (outage, detection, decision, promotion, epoch) with the simulated RTO
and the data-loss window, and converges when the expected region is the writer and the control
tables record it. What is simulated and what is derived from the plan is said in the notes.
"""

from __future__ import annotations

import io
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from failover import decision as d
from ops.emulation.plan_world import DrillWorld, materialize
from ops.emulation.world import SimulatedClock
from ops.mock_engine import StackRun
from ops.output import SCHEMA_VERSION, emit_table

SCENARIOS = ("outage", "switchover", "failback")
DRILL_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: a fixed start makes runs repeatable
STEADY_MINUTES = 3
MAX_MINUTES_TO_CONVERGE = 15
ALIAS_TTL_SECONDS = 60  # Route 53 alias records to an ALB (DESIGN.md)
RTO_TARGET_SECONDS = 300


@dataclass
class Event:
    at: float
    """Seconds from T0 (the outage, or the operator's command)."""
    region: str
    kind: str
    detail: str


@dataclass
class DrillResult:
    scenario: str
    converged: bool
    expected_writer: str
    writer_region: str | None
    rto_seconds: float | None
    data_loss_seconds: float | None
    epochs: dict[str, int | None]
    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Run:
    """One scenario on one materialized world: the clock, the timeline and observations."""

    def __init__(self, drill: DrillWorld, scenario: str):
        self.drill, self.world, self.scenario = drill, drill.world, scenario
        self.primary, self.dr = drill.primary_region, drill.dr_region
        self.t0 = self.world.clock()
        self.events: list[Event] = []

    def note(self, region: str, kind: str, detail: str, at: float | None = None) -> None:
        when = (self.world.clock() if at is None else at) - self.t0
        self.events.append(Event(round(when, 1), region, kind, detail))

    def writer_region(self) -> str | None:
        arn = self.world.writer()
        return next((r for r, reg in self.world.regions.items() if reg.config.local_cluster_arn == arn), None)

    def epochs(self) -> dict[str, int | None]:
        from failover.control_table import ControlTable

        result = {}
        for name, region in self.world.regions.items():
            state = ControlTable(
                region.clients.dynamodb, region.config.control_table, self.world.clock
            ).read_state()
            result[name] = state.epoch if state else None
        return result

    def minute(self, regions: list[str], secondary: str | None) -> dict[str, tuple[float, dict]]:
        """A minute passes: the secondary's replication-lag datapoint arrives (while
        replication runs), then each running orchestrator's scheduled evaluation.
        Returns region -> (when the evaluation started, its decision record)."""
        self.world.clock.sleep(60)
        if self.world.lag is not None and secondary is not None:
            self.world.put_lag(self.world.lag, secondary)
        results = {}
        for region in regions:
            started = self.world.clock()
            results[region] = (
                started,
                self.world.orchestrator(region).evaluate(self.world.scheduled_event()),
            )
        return results

    def steady_state(self) -> None:
        for _ in range(STEADY_MINUTES):
            records = self.minute([self.primary, self.dr], secondary=self.dr)
        outcomes = {r: rec["outcome"] for r, (_, rec) in records.items()}
        self.t0 = self.world.clock() + 30  # T0 falls mid-minute, between two schedules
        self.note(
            self.dr, "steady", f"both regions evaluating every minute: {describe_outcomes(outcomes)}", self.t0
        )

    def evaluation(self, region: str, record: dict, at: float) -> None:
        signals = ", ".join(
            f"{s['name']}={'down' if s['peer_down'] else 'ok' if s['peer_down'] is False else '?'}"
            for s in record.get("signals", [])
        )
        streak = f"{record.get('consecutive', 0)}/{record.get('required_consecutive')}"
        detail = f"{record['outcome']} ({signals}; {streak})"
        self.note(region, "evaluation", detail, at)

    def observe_once_more(self, secondary: str) -> None:
        """The next scheduled evaluations in both regions: the other region observes the
        new writer and records the same epoch."""
        for region, (at, record) in self.minute([self.primary, self.dr], secondary=secondary).items():
            self.evaluation(region, record, at)

    def promotion(self, region: str, record: dict) -> None:
        promotion = record.get("promotion") or {}
        performed = ", ".join(promotion.get("performed") or [record.get("action") or "-"])
        self.note(
            region,
            "promotion",
            f"{performed} called on {region}'s endpoint; {region} is the writer after "
            f"{promotion.get('waited_seconds', 0):.0f}s of polling ({record['outcome']})",
        )
        state = record.get("active_state") or {}
        self.note(
            region, "epoch", f"active region {state.get('active_region')} at epoch {state.get('epoch')}"
        )
        for message in self.world.notifications(region):
            self.note(region, "alert", f"published to {region}'s alert topic: {message['subject']}")


def describe_outcomes(outcomes: dict[str, str]) -> str:
    return ", ".join(f"{region} {outcome}" for region, outcome in outcomes.items())


def _outage(run: _Run) -> tuple[float | None, float]:
    """The primary goes dark at T0; the dr orchestrator evaluates each minute until it has
    promoted. Returns (seconds from T0 until dr was the writer, the data-loss window)."""
    world = run.world
    data_loss = float(world.lag or 0.0)
    world.clock.now = run.t0
    world.region_outage(run.primary)
    run.note(
        run.primary, "outage", f"{run.primary} goes dark: health endpoint, replication and control plane"
    )
    run.note(
        run.dr, "data", f"last replicated lag before the outage: {data_loss:.1f}s (the data-loss window)"
    )
    check = run.drill.health_checks[run.primary]
    run.note(
        "route53",
        "dns",
        f"health check of {run.primary} unhealthy after "
        f"{check.failure_threshold} x {check.interval_seconds}s",
        run.t0 + check.seconds_to_unhealthy,
    )
    run.note(
        "route53",
        "dns",
        f"failover record answers SECONDARY ({run.dr}) to every resolver within the {ALIAS_TTL_SECONDS}s TTL",
        run.t0 + check.seconds_to_unhealthy + ALIAS_TTL_SECONDS,
    )
    detected = decided = False
    for _ in range(MAX_MINUTES_TO_CONVERGE):
        at, record = run.minute([run.dr], secondary=None)[run.dr]
        run.evaluation(run.dr, record, at)
        if record.get("quorum") and not detected:
            detected = True
            run.note(run.dr, "detection", "two independent signals say the primary is down", at)
        if (
            record["outcome"] in (d.PROMOTE, "promoted", "promotion_failed", "promotion_timeout")
            and not decided
        ):
            decided = True
            run.note(run.dr, "decision", f"promote {run.dr}: {record.get('reason') or record['outcome']}", at)
        if record["acted"]:
            run.promotion(run.dr, record)
            break
        if record["outcome"] == d.RPO_GATE:
            run.note(run.dr, "paged", "RPO gate: lag above the bound, a human must decide (allow_data_loss)")
    rto = world.clock() - run.t0 if run.writer_region() == run.dr else None
    return rto, data_loss


def _switchover(run: _Run, to_region: str, reason: str) -> float | None:
    """The operator asks `to_region`'s orchestrator for a planned switchover now. Returns the
    seconds from the command until `to_region` was the writer."""
    world = run.world
    command_at = world.clock()
    run.note(to_region, "command", f"operator: switchover to {to_region} ({reason})")
    record = world.orchestrator(to_region).evaluate({"action": "switchover", "reason": reason})
    run.note(to_region, "decision", f"{record['outcome']}: {record.get('reason') or '-'}", command_at)
    if record["acted"]:
        run.promotion(to_region, record)
    return world.clock() - command_at if run.writer_region() == to_region else None


def _result(run: _Run, expected: str, rto: float | None, data_loss: float | None) -> DrillResult:
    epochs = run.epochs()
    writer = run.writer_region()
    # The writer's table records a promotion; a region whose orchestrator still runs records
    # the same epoch once it has observed it (in an outage the dark region records nothing).
    recorded = epochs.get(expected) is not None and epochs[expected] > 0
    agreed = run.scenario == "outage" or len(set(epochs.values())) == 1
    converged = writer == expected and rto is not None and recorded and agreed
    return DrillResult(
        scenario=run.scenario,
        converged=converged,
        expected_writer=expected,
        writer_region=writer,
        rto_seconds=None if rto is None else round(rto, 1),
        data_loss_seconds=data_loss,
        epochs=epochs,
        events=sorted(run.events, key=lambda e: e.at),
        notes=[
            "simulated: the clock, the outage (probe fails, replication stops, the survivor's member "
            "reads pending-resync) and how long a promotion takes; moto answers every AWS call and "
            "ops/emulation/rds.py emulates FailoverGlobalCluster / SwitchoverGlobalCluster",
            "from the plan: the global cluster and its members, control tables, alert topics, alarms, "
            "health checks and each orchestrator's configuration (its Lambda environment)",
            "derived, not executed: Route 53 timings from the health checks' interval and threshold",
        ],
    )


def run_scenario(
    primary: StackRun,
    dr: StackRun,
    scenario: str,
    replication_lag: float = 1.0,
    promotion_seconds: float = 60.0,
    log_stream: Any = None,
) -> DrillResult:
    """One scenario in a fresh moto world built from the plan of both stacks. The
    orchestrators' JSON logs go to `log_stream` (default: kept in memory, not shown)."""
    from moto import mock_aws

    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    with mock_aws():
        drill = materialize(primary, dr, SimulatedClock(DRILL_START), promotion_seconds)
        drill.world.lag = replication_lag
        drill.world.log_stream = log_stream if log_stream is not None else io.StringIO()
        run = _Run(drill, scenario)
        run.steady_state()
        if scenario == "outage":
            rto, loss = _outage(run)
            return _result(run, run.dr, rto, loss)
        if scenario == "switchover":
            run.world.clock.now = run.t0
            duration = _switchover(run, run.dr, "planned drill")
            run.observe_once_more(secondary=run.primary)
            return _result(run, run.dr, duration, 0.0)
        # failback: fail over, recover, then move the writer home with a planned switchover.
        rto, loss = _outage(run)
        if rto is None:
            return _result(run, run.dr, None, loss)
        run.world.region_recovered()
        run.note(run.primary, "recovery", f"{run.primary} is back; its cluster rejoins as a secondary")
        for _ in range(2):  # both orchestrators run again and observe the new writer
            for region, (at, record) in run.minute([run.primary, run.dr], secondary=run.primary).items():
                run.evaluation(region, record, at)
        back = _switchover(run, run.primary, "failback after the drill")
        run.observe_once_more(secondary=run.dr)
        # The RTO is the outage's; the failback is planned and shown in the timeline.
        return _result(run, run.primary, rto if back is not None else None, loss)


def render(console: Console, results: list[DrillResult]) -> None:
    for result in results:
        table = Table(title=f"drill: {result.scenario}", title_justify="left")
        table.add_column("T+", justify="right", no_wrap=True)
        table.add_column("where", no_wrap=True)
        table.add_column("event", no_wrap=True)
        table.add_column("detail", overflow="fold")
        for event in result.events:
            minutes, seconds = divmod(abs(event.at), 60)
            sign = "-" if event.at < 0 else ""
            table.add_row(
                f"{sign}{int(minutes):02d}:{seconds:04.1f}", event.region, event.kind, escape(event.detail)
            )
        emit_table(console, table)
        if result.converged:
            within = "within" if result.rto_seconds <= RTO_TARGET_SECONDS else "OVER"
            console.print(
                f"[green]converged[/]: {result.writer_region} is the writer, epochs {result.epochs}; "
                f"simulated RTO {result.rto_seconds:.0f}s ({within} the {RTO_TARGET_SECONDS}s target), "
                f"data-loss window {result.data_loss_seconds:.1f}s"
            )
        else:
            console.print(
                f"[bold red]did not converge[/]: expected {result.expected_writer} as the writer, "
                f"found {result.writer_region}; epochs {result.epochs}"
            )
        for note in result.notes:
            console.print(f"  [dim]{note}[/]")


def as_json(results: list[DrillResult]) -> str:
    return json.dumps(
        {
            "schemaVersion": SCHEMA_VERSION,
            "kind": "drill",
            "rtoTargetSeconds": RTO_TARGET_SECONDS,
            "drills": [r.as_dict() for r in results],
        },
        indent=2,
        default=str,
    )
