"""`deploy.py drill --local`: a fault matrix that tries to make the real failover runtime do
the wrong thing, on moto plus the explicit emulations of ops/emulation/, on a simulated clock.

Each scenario only injects faults (a region gone, a partition, an impaired region, API
faults, a killed orchestrator, a region that returns, replication lag) or issues operator
commands; the emulations do not know which scenario runs. Both regions' orchestrators run
their scheduled invocations (one a minute, evaluations every `evaluation_interval` inside
it, as the runtime's loop does) for as long as their region is up.

Honest timing: every AWS call, probe and DNS lookup is charged to the clock (ops/timing_model.py
is the one source of the durations); the outage starts at a random phase of the cadence, and
the client's DNS cache at a random phase of its TTL, for each seed; the promotion takes
`promotion_seconds` (default 120 s: AWS says "a few minutes", we have no measurement). The
recovery time ends at the first client write that succeeds through the application's FQDN.
Data loss is counted from the client's write stream: writes the old writer acknowledged and
never replicated.

Invariants (ops/emulation/invariants.py) are checked at every step of every scenario; a
broken invariant or an unmet expectation fails the scenario, and a failed scenario makes the
command exit 1.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from components.tiers import TIERS, tier_profile
from failover.settings_table import env as setting_variable
from ops.emulation.application import runtime_renews_lease
from ops.emulation.invariants import INVARIANTS, Ended
from ops.emulation.network import Killed
from ops.emulation.plan_spec import PlanFacts, orchestrator_environment, plan_facts
from ops.emulation.runtime import RegionRuntime
from ops.output import emit_table
from ops.timing_model import (
    PROFILE_DEFAULT,
    PROFILE_SOURCES,
    PROMOTION_SECONDS_DEFAULT,
    PROMOTION_SOURCE,
    RTO_TARGET_SECONDS,
    TimingModel,
    timing_model,
)
from ops.timing_model import profile as timing_profile

if TYPE_CHECKING:
    from ops.mock_engine import StackRun

DRILL_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: a fixed start makes runs repeatable
STEADY_SECONDS = 60
SCHEDULE_SECONDS = 60  # EventBridge's minimum rate; the runtime loops inside each invocation
INVOCATION_BUDGET_DEFAULT = 60
DEFAULT_SEEDS = 20
OBSERVE_SECONDS = 240
"""How long a scenario that must NOT promote is watched after its fault."""

SCENARIOS = (
    "region-gone",
    "region-gone-tiers",
    "partition",
    "dr-impaired",
    "api-faults",
    "killed-mid-promotion",
    "primary-returns",
    "lag-above-bound",
    "switchover-failback",
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
)
TIMED = ("region-gone", "region-gone-tiers", "cloudwatch-published")
RTO_SCENARIOS = ("region-gone", "region-gone-tiers")
"""The scenarios whose recovery time is THE recovery time of their tier (reported per tier)."""
"""Scenarios whose recovery time is reported over all seeds; the others run fewer seeds."""
UNTIMED_SEEDS = 3


@dataclass
class Timeline:
    outage: float | None = None
    health_check_unhealthy: float | None = None
    fence: float | None = None
    promotion_started: float | None = None
    writer_moved: float | None = None
    dns_to_dr: float | None = None
    first_write: float | None = None


@dataclass
class SeedResult:
    scenario: str
    tier: str
    seed: int
    passed: bool
    failures: list[str]
    violations: dict[str, list[str]]
    rto_seconds: float | None
    detection_decision_seconds: float | None
    promotion_seconds_observed: float | None
    lost_writes: int
    pages: int
    timeline: dict[str, float | None]
    events: list[tuple[float, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profile: str = PROFILE_DEFAULT
    overlaps: int = 0
    acknowledged_by: dict[str, int] = field(default_factory=dict)
    """Region -> client writes its application acknowledged after the fault."""
    lease_gap_seconds: float = 0.0
    """Seconds the serving region's write lease was lapsed while its control read On, the
    peer's Off and its orchestrator was healthy (the serving_lease_held invariant: 0)."""

    def phases(self) -> dict[str, float | None]:
        """Where the recovery time went: outage -> Route 53 saw it -> fence -> promotion
        started (the lease wait) -> writer moved -> the first client write."""
        line = self.timeline
        order = [
            ("detection", "outage", "health_check_unhealthy"),
            ("decision", "health_check_unhealthy", "fence"),
            ("fenceToPromotion", "fence", "promotion_started"),
            ("promotion", "promotion_started", "writer_moved"),
            ("writerToFirstWrite", "writer_moved", "first_write"),
        ]
        return {
            name: round(line[end] - line[start], 1)
            if line.get(start) is not None and line.get(end) is not None
            else None
            for name, start, end in order
        }


@dataclass
class ScenarioResult:
    scenario: str
    tier: str
    seeds: list[SeedResult]

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.seeds)

    def summary(self) -> dict[str, Any]:
        rtos = [s.rto_seconds for s in self.seeds if s.rto_seconds is not None]
        decisions = [
            s.detection_decision_seconds for s in self.seeds if s.detection_decision_seconds is not None
        ]
        return {
            "scenario": self.scenario,
            "tier": self.tier,
            "verdict": "pass" if self.passed else "fail",
            "seeds": len(self.seeds),
            "failed_seeds": [s.seed for s in self.seeds if not s.passed],
            "failures": sorted({f for s in self.seeds for f in s.failures}),
            "rto_seconds": stats(rtos),
            "detection_decision_seconds": stats(decisions),
            "lost_writes": stats([float(s.lost_writes) for s in self.seeds]),
            "profile": self.seeds[0].profile if self.seeds else PROFILE_DEFAULT,
            "phases": {
                name: stats([v for s in self.seeds if (v := s.phases()[name]) is not None])
                for name in (self.seeds[0].phases() if self.seeds else {})
            },
            "overlappingInvocations": sum(s.overlaps for s in self.seeds),
            "servingLeaseLapsedSeconds": stats([s.lease_gap_seconds for s in self.seeds]),
            "pages": stats([float(s.pages) for s in self.seeds]),
            "invariants": {
                name: sorted({m for s in self.seeds for m in s.violations.get(name, [])})[:5] or "held"
                for name in INVARIANTS
            },
        }


def stats(values: list[float]) -> dict[str, float] | None:
    """p50 / p95 (nearest rank) / max of the values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

    return {
        "p50": round(rank(0.50), 1),
        "p95": round(rank(0.95), 1),
        "max": round(ordered[-1], 1),
        "n": len(ordered),
    }


class Run:
    """One scenario, one seed: the scheduler of invocations, faults and operator commands."""

    def __init__(
        self,
        scenario: str,
        facts: PlanFacts,
        timing: TimingModel,
        promotion_seconds: float,
        seed: int,
        replication_lag: float,
        log_stream: Any = None,
    ):
        from ops.emulation.dr_world import DrWorld

        self.scenario, self.facts, self.timing, self.seed = scenario, facts, timing, seed
        self.rng = random.Random(f"{scenario}:{seed}")  # noqa: S311 -- repeatable phases, not secrets
        self.world = DrWorld(
            spec=facts.world,
            timing=timing,
            promotion_seconds=promotion_seconds,
            replication_lag=replication_lag,
            start=DRILL_START,
            dns_phase=self.rng.uniform(0, timing.dns_ttl_seconds),
            seed=seed,
        )
        self.primary, self.dr = self.world.primary, self.world.dr
        self.notes: list[str] = []
        self.runtimes: dict[str, RegionRuntime] = {}
        for home, peer in ((self.primary, self.dr), (self.dr, self.primary)):
            env = orchestrator_environment(facts, self.world, home, self.notes)
            self.runtimes[home] = RegionRuntime(self.world, home, peer, env, log_stream)
        runtime = self.runtimes[self.dr]
        self.world.lock_lease = float(getattr(runtime.config, "lock_seconds", 60))
        self.max_lag = float(getattr(runtime.config, "max_lag_seconds", 30))
        self.budget = float(getattr(runtime.config, "invocation_budget_seconds", INVOCATION_BUDGET_DEFAULT))
        self.lease_seconds = getattr(self.runtimes[self.primary].config, "write_lease_seconds", None)
        if self.lease_seconds is None or not runtime_renews_lease():
            self.notes.append(
                "the runtime ships no write lease (failover/lease.py, write_lease_seconds): the "
                "applications write without it and the lease invariant is not judged"
            )
        else:
            self.world.lease_enforced = True
            self.world.lease_seconds = float(self.lease_seconds)
            self.world.schedule_seconds = float(SCHEDULE_SECONDS)
            # The primary's renewer ran before the drill's window: its last lease outlasts the
            # first scheduled invocation (at a random phase of the first minute).
            self.world.seed_lease(self.primary, SCHEDULE_SECONDS + float(self.lease_seconds))
        if runtime.missing:
            self.notes.append(
                "the runtime's Orchestrator does not accept "
                + ", ".join(runtime.missing)
                + ": it runs with its own "
                "defaults there, which the drill cannot observe or charge"
            )
        self.errors: list[str] = []
        self.failures: list[str] = []
        self._ids = 0
        self._phase = {r: self.rng.uniform(0, SCHEDULE_SECONDS) for r in self.world.regions}
        # The schedule outlives each run_until call: an invocation under way when one phase
        # of a scenario ends (the steady state, a fault) keeps evaluating into the next, as
        # the Lambda would; ending it there would leave a region blind until its next
        # scheduled minute and charge that artificial gap to the recovery time.
        self._next_invocation = {
            r: self.world.now + ((self._phase[r] - self.world.now) % SCHEDULE_SECONDS)
            for r in self.world.regions
        }
        self._current: dict[str, tuple[str, Any, float, float]] = {}
        """invocation id -> (region, orchestrator, invocation start, next evaluation)."""
        self._regions_of: dict[str, str] = {}
        self._started_of: dict[str, float] = {}
        self._renew_at: dict[str, float] = {}
        """invocation -> its next lease renewal between evaluations."""
        self._tail_until: dict[str, float] = {}
        """invocation -> the end of its renew-only tail after its last evaluation."""
        period = getattr(runtime.config, "write_lease_renew_seconds", None)
        self._renew_period = float(period) if period and self.world.lease_enforced else None
        self.t0 = DRILL_START + STEADY_SECONDS + self.rng.uniform(0, SCHEDULE_SECONDS)
        self.actions: list[tuple[float, str, Callable[[], None]]] = []
        self.world.overdue = self.overdue

    # --- scheduling -----------------------------------------------------------------------
    def at(self, when: float, label: str, action: Callable[[], None]) -> None:
        self.actions.append((when, label, action))

    def _next_id(self, region: str) -> str:
        self._ids += 1
        return f"drill-{region}-{self._ids}"

    def run_until(self, end: float, done: Callable[[], bool] | None = None) -> None:
        """Run both regions' scheduled invocations and the pending actions until `end` (or
        `done()` holds after an event). EventBridge invokes each region's function every
        minute whether or not the previous invocation still runs (no reserved concurrency),
        so invocations of one region may overlap; each evaluates on its own cadence."""
        world = self.world
        next_invocation, current = self._next_invocation, self._current
        while world.now < end:
            candidates: list[tuple[float, int, str, Any]] = []
            for when, label, action in self.actions:
                candidates.append((when, 0, label, action))
            for invocation, entry in current.items():
                renew = self._renew_at.get(invocation)
                tail = self._tail_until.get(invocation)
                if tail is None:
                    candidates.append((entry[3], 1, "evaluate", invocation))
                if renew is not None and (renew < entry[3] or tail is not None):
                    candidates.append((renew, 1, "renew", invocation))
            for region in world.regions:
                candidates.append((next_invocation[region], 2, "invoke", region))
            when, _, label, payload = min(candidates, key=lambda c: (c[0], c[1]))
            if when >= end:
                world.advance(end - world.now)
                break
            world.advance(when - world.now)
            if label == "invoke":
                next_invocation[payload] = when + SCHEDULE_SECONDS
                self.start_invocation(payload)
            elif label == "evaluate":
                self._step_invocation(payload)
            elif label == "renew":
                self._renew(payload)
            else:
                self._apply_action(label, payload)
            if done is not None and done():
                break
        # One evaluation runs on the shared clock to its end, so it may carry `world.now` past
        # `end` with a scenario action (a fault cleared, a region back) already due: the
        # action still happens, as soon as the clock is free, never silently dropped.
        if done is None or not done():
            self._apply_due_actions()

    def _apply_due_actions(self) -> None:
        world = self.world
        for _due, label, action in sorted((a for a in self.actions if a[0] <= world.now), key=lambda a: a[0]):
            self._apply_action(label, action)

    def _apply_action(self, label: str, action: Callable[[], None]) -> None:
        self.actions = [a for a in self.actions if a[2] is not action]
        self.world.record("drill", label)
        action()

    def overdue(self, region: str) -> bool:
        """Does the scheduler owe `region`'s orchestrator an action whose time has passed
        while another region's process runs? (DrWorld.overdue: such a region is not judged.)"""
        world = self.world
        acting = world.running.get(world.acting)
        if acting is not None and acting.region == region:
            return False  # the region itself runs: it renews or not by its own code
        now = world.now
        if self._next_invocation.get(region, now) < now and region not in world.network.down:
            return True
        for invocation, (r, _, _, next_at) in self._current.items():
            if r != region:
                continue
            renew = self._renew_at.get(invocation)
            if (self._tail_until.get(invocation) is None and next_at < now) or (
                renew is not None and renew < now
            ):
                return True
        return False

    def start_invocation(self, region: str) -> None:
        """One invocation of `region`'s function (a scheduled one, or a duplicate delivery)."""
        world = self.world
        if region in world.network.down:
            return
        invocation = self._next_id(region)
        world.running[invocation] = _invocation(invocation, region, world.now)
        self._current[invocation] = (
            region,
            self.runtimes[region].orchestrator(invocation),
            world.now,
            world.now,
        )

    def _step_invocation(self, invocation: str) -> None:
        world = self.world
        region, orchestrator, started, _ = self._current[invocation]
        if region in world.network.down:  # the region went dark: its process is gone
            del self._current[invocation]
            self._end(invocation, killed=True)
            return
        evaluation_start = world.now
        alive = self._evaluate(region, invocation, orchestrator, self._scheduled_event())
        next_at = max(evaluation_start + self.timing.evaluation_interval_seconds, world.now)
        if invocation not in self._current:
            return
        renews = alive and self._renew_period is not None and hasattr(orchestrator, "renew_lease")
        if not alive or region in world.network.down:
            del self._current[invocation]
            if alive:
                self._end(invocation, killed=region in world.network.down)
            return
        if next_at - started >= self.budget:
            if not renews:
                del self._current[invocation]
                self._end(invocation, killed=False)
                return
            # The runtime's loop keeps the lease renewed for one lease past its budget
            # (Orchestrator.handle): the invocation lives on, renewing only.
            self._tail_until[invocation] = started + self.budget + float(self.lease_seconds or 0)
        self._current[invocation] = (region, orchestrator, started, next_at)
        if renews:
            self._renew_at[invocation] = world.now + self._renew_period
            self._maybe_end_tail(invocation)

    def _renew(self, invocation: str) -> None:
        """A renewal between evaluations (Orchestrator.renew_lease, as the runtime's own loop
        calls it while it waits for the next evaluation)."""
        world = self.world
        region, orchestrator, _, _ = self._current[invocation]
        if region in world.network.down:
            del self._current[invocation]
            self._end(invocation, killed=True)
            return
        world.acting = invocation
        try:
            orchestrator.renew_lease()
        except Killed:
            self.world.revive()
            self._current.pop(invocation, None)
            self._end(invocation, killed=True)
            return
        except Exception as error:  # noqa: BLE001 -- the runtime's own failure ends the invocation
            self.errors.append(f"{region}: renew_lease: {type(error).__name__}: {error}"[:300])
            self._current.pop(invocation, None)
            self._end(invocation, killed=False)
            return
        self._renew_at[invocation] += self._renew_period
        self._maybe_end_tail(invocation)

    def _maybe_end_tail(self, invocation: str) -> None:
        tail = self._tail_until.get(invocation)
        if tail is not None and self._renew_at[invocation] >= tail:
            self._current.pop(invocation, None)
            self._end(invocation, killed=False)

    def overlaps(self, region: str | None = None, since: float = 0.0) -> int:
        """Pairs of invocations of one region whose lifetimes overlapped (after `since`)."""
        world = self.world
        spans = []
        for entry in world.running.values():
            spans.append((entry.region, entry.started, world.now))
        for invocation, end in world.ended.items():
            region_of = self._regions_of.get(invocation)
            if region_of is not None:
                spans.append((region_of, self._started_of[invocation], end.at))
        count = 0
        for i, (r1, s1, e1) in enumerate(spans):
            for r2, s2, e2 in spans[i + 1 :]:
                if (
                    r1 == r2
                    and (region is None or r1 == region)
                    and max(s1, s2) < min(e1, e2)
                    and max(s1, s2) >= since
                ):
                    count += 1
        return count

    def finish(self) -> None:
        """The drill stops watching: invocations still under way end here."""
        for invocation in list(self._current):
            self._end(invocation, killed=False)
        self._current.clear()

    def _end(self, invocation: str, killed: bool) -> None:
        self._renew_at.pop(invocation, None)
        self._tail_until.pop(invocation, None)
        entry = self.world.running.pop(invocation, None)
        if entry is not None:
            self._regions_of[invocation], self._started_of[invocation] = entry.region, entry.started
        self.world.ended[invocation] = Ended(self.world.now, killed)
        self.world.check()

    def _scheduled_event(self) -> dict:
        """The runtime's loop claims its event once and evaluates every interval; the drill
        steps that cadence itself (Orchestrator.evaluate), so each evaluation is an event."""
        self._ids += 1
        return {
            "version": "0",
            "id": f"evt-{self._ids}",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "time": "2026-01-01T00:00:00Z",
            "resources": [],
            "detail": {},
        }

    def _evaluate(self, region: str, invocation: str, orchestrator, event: dict) -> bool:
        """One evaluation of a running invocation; False when its process died."""
        self.world.acting = invocation
        try:
            orchestrator.evaluate(event)
        except Killed:
            self.world.revive()
            self._current.pop(invocation, None)
            self._end(invocation, killed=True)
            return False
        except Exception as error:  # noqa: BLE001 -- the runtime's own failure: the invocation ends in error
            self.errors.append(f"{region}: {type(error).__name__}: {error}"[:300])
            self.world.record(region, f"the orchestrator raised {type(error).__name__}: {error}"[:200])
            self.world.advance(self.timing.function_run_seconds)
            self._end(invocation, killed=False)
            return False
        self.world.advance(self.timing.function_run_seconds)
        return True

    def operator(self, region: str, command: dict) -> None:
        """An operator's command to `region`'s orchestrator (deploy.py failover ...)."""
        invocation = self._next_id(f"operator-{region}")
        self.world.running[invocation] = _invocation(invocation, region, self.world.now)
        orchestrator = self.runtimes[region].orchestrator(invocation)
        if command.get("action") == "arm":
            self.world.arms.append(self.world.now)
        if self._evaluate(region, invocation, orchestrator, command):
            self._end(invocation, killed=False)

    # --- observation ------------------------------------------------------------------------
    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            self.failures.append(message)

    def timeline(self) -> Timeline:
        world, t0 = self.world, self.t0
        line = Timeline(outage=t0)
        line.health_check_unhealthy = next(
            (
                e.at
                for e in world.log
                if e.at >= t0 and e.what == f"health check of {self.primary}: unhealthy"
            ),
            None,
        )
        line.fence = next((at for at, on in world.arc.updates[1:] if at >= t0 and on.get(self.dr)), None)
        line.promotion_started = next((at for op, _, at in world.aurora.accepted if at >= t0), None)
        line.writer_moved = next(
            (at for at, r in world.aurora.writer_moves if at >= t0 and r == self.dr), None
        )
        line.dns_to_dr = next((at for at, r in world.route53.answers if at >= t0 and r == self.dr), None)
        first_fail = next((a.at for a in world.stream.attempts if a.at >= t0 and a.writer is None), None)
        if first_fail is not None:
            success = world.stream.first_success_after(first_fail)
            line.first_write = success.at if success else None
        return line

    def result(self, tier: str) -> SeedResult:
        world = self.world
        line = self.timeline()
        self.expect(not self.errors, f"the runtime raised: {self.errors[0] if self.errors else ''}")
        violations: dict[str, list[str]] = {}
        for v in world.violations:
            violations.setdefault(v.invariant, []).append(f"T+{v.at - self.t0:.0f}s {v.message}")
        rel = {k: (None if v is None else round(v - self.t0, 1)) for k, v in line.__dict__.items()}
        rto = rel["first_write"] if line.first_write is not None and line.writer_moved is not None else None
        decision = rel["fence"] if rel["fence"] is not None and rel["fence"] >= 0 else None
        promotion = (
            round(line.writer_moved - line.promotion_started, 1)
            if line.writer_moved is not None and line.promotion_started is not None
            else None
        )
        failures = list(self.failures)
        if world.violations:
            failures.append("invariant broken: " + ", ".join(sorted(violations)))
        return SeedResult(
            scenario=self.scenario,
            tier=tier,
            seed=self.seed,
            passed=not failures,
            failures=failures,
            violations=violations,
            rto_seconds=rto,
            detection_decision_seconds=decision,
            promotion_seconds_observed=promotion,
            lost_writes=world.lost_writes(),
            pages=len([p for p in world.pages if p[0] >= self.t0])
            + len([p for p in world.metric_pages if p[0] >= self.t0]),
            timeline=rel,
            events=[(round(e.at - self.t0, 1), e.where, e.what) for e in world.log],
            notes=sorted(set(self.notes)),
            profile=self.timing.timing_profile,
            overlaps=self.overlaps(),
            acknowledged_by={
                r: len([a for a in world.acks if a[1] == r and a[2] == "client" and a[0] >= self.t0])
                for r in world.regions
            },
            lease_gap_seconds=round(world.lease_gap_seconds, 1),
        )

    # --- shared checks ----------------------------------------------------------------------
    def writer_is(self, region: str) -> bool:
        return self.world.aurora.writer_region() == region and self.world.aurora.accepting(
            region, self.world.now
        )

    def controls_on(self) -> set[str]:
        return self.world.arc.on_regions()

    def promoted(self) -> bool:
        return self.writer_is(self.dr) and self.world.route53.app_answer() == self.dr

    def pages_in(self, region: str, since: float) -> int:
        return len([p for p in self.world.pages if p[1] == region and p[0] >= since])

    def paged_in(self, region: str, since: float) -> int:
        """Pages from `region` since `since`: SNS publishes and page metrics (an alarm on the
        metric in the same region pages too)."""
        metric = [p for p in self.world.metric_pages if p[1] == region and p[0] >= since]
        return self.pages_in(region, since) + len(metric)


def _invocation(invocation: str, region: str, now: float):
    from ops.emulation.dr_world import Invocation

    return Invocation(invocation, region, now)


# --- the scenarios: each injects faults or commands, then states what must hold ------------
def _recovery_horizon(run: Run) -> float:
    return run.t0 + 2 * run.timing.total() + 180


def _fault(run: Run, label: str, inject: Callable[[], None]) -> None:
    """Inject at T0 (an evaluation under way then finishes first: T0 is when it applies)."""

    def apply() -> None:
        run.t0 = run.world.now
        inject()

    run.at(run.t0, label, apply)


def _primary_gone(run: Run) -> None:
    _fault(run, f"fault: {run.primary} is gone", lambda: run.world.network.down.add(run.primary))


def _expect_failed_over(run: Run) -> None:
    world = run.world
    run.expect(run.writer_is(run.dr), f"the writer is not {run.dr} (it is {world.aurora.writer_region()})")
    run.expect(
        run.controls_on() == {run.dr}, f"routing controls On: {sorted(run.controls_on())}, want {run.dr}"
    )
    run.expect(world.route53.app_answer() == run.dr, "DNS does not answer the DR region")
    run.expect(not world.aurora.detaches, "a cluster was detached (RemoveFromGlobalCluster)")
    accepted = [a for a in world.aurora.accepted if a[0] == "FailoverGlobalCluster"]
    run.expect(len(accepted) == 1, f"{len(accepted)} FailoverGlobalCluster calls accepted, want exactly 1")
    line = run.timeline()
    run.expect(line.first_write is not None, "no client write succeeded after the outage")
    if run.runtimes[run.dr].env.get(setting_variable("data_api_secret_arn")):
        writes = [w for w in world.aurora.statements if w[1] == run.dr and w[2] == "INSERT"]
        run.expect(bool(writes), "no test write reached the new writer through the Data API")


def _run_to_recovery(run: Run) -> None:
    def recovered() -> bool:
        line_ok = run.promoted() and run.world.stream.first_success_after(run.t0 + 1) is not None
        return (
            line_ok
            and run.world.now
            > (run.world.aurora.writer_moves[-1][0] if run.world.aurora.writer_moves else 0) + 45
        )

    run.run_until(_recovery_horizon(run), done=recovered)


def scenario_region_gone(run: Run) -> None:
    """The primary region is gone; the survivor's global-cluster view does not change."""
    _primary_gone(run)
    _run_to_recovery(run)
    _expect_failed_over(run)


def scenario_region_gone_tiers(run: Run) -> None:
    """As region-gone, for pilot-light and warm-standby: the DR group must be scaled to full
    size and traffic must reach DR only once its targets are healthy."""
    _primary_gone(run)
    _run_to_recovery(run)
    _expect_failed_over(run)
    world = run.world
    group = world.compute.group_of(run.dr)
    run.expect(
        group.desired >= run.facts.full_capacity,
        f"the DR group runs {group.desired} instances, full size is {run.facts.full_capacity}",
    )
    empty = [
        a for a in world.stream.attempts if a.region == run.dr and a.reason.endswith("no healthy target")
    ]
    run.expect(not empty, f"{len(empty)} client requests reached {run.dr} before it had a healthy target")


def scenario_partition(run: Run) -> None:
    """The two regions cannot reach each other; the primary is healthy and users write there
    (Route 53's checkers, outside both regions, see it healthy)."""
    pair = frozenset((run.primary, run.dr))
    _fault(run, "fault: partition between the regions", lambda: run.world.network.partitions.add(pair))
    heal = run.t0 + OBSERVE_SECONDS
    run.at(heal, "fault cleared: the partition heals", lambda: run.world.network.partitions.discard(pair))
    run.run_until(heal + 120)
    world = run.world
    run.expect(not world.aurora.accepted, "a promotion was accepted during a partition")
    run.expect(run.controls_on() == {run.primary}, f"routing controls On: {sorted(run.controls_on())}")
    run.expect(run.writer_is(run.primary), "the primary is no longer the writer")
    run.expect(
        any(run.t0 <= p[0] <= heal for p in world.pages if p[1] == run.dr),
        f"{run.dr} paged no one during a {OBSERVE_SECONDS}s partition",
    )


def scenario_dr_impaired(run: Run) -> None:
    """The DR region cannot reach its own regional services (nor, from inside, the primary);
    the primary is healthy."""
    _fault(run, f"fault: {run.dr} impaired", lambda: run.world.network.impaired.add(run.dr))
    heal = run.t0 + OBSERVE_SECONDS
    run.at(heal, f"fault cleared: {run.dr} recovers", lambda: run.world.network.impaired.discard(run.dr))
    run.run_until(heal + 60)
    run.expect(not run.world.aurora.accepted, "a promotion was accepted by an impaired region")
    moved = [at for at, on in run.world.arc.updates[1:] if on.get(run.dr) and at >= run.t0]
    run.expect(
        not moved,
        f"the routing controls moved to the impaired {run.dr} at T+{(moved or [0])[0] - run.t0:.0f}s",
    )
    run.expect(run.controls_on() == {run.primary}, f"routing controls On: {sorted(run.controls_on())}")
    run.expect(run.writer_is(run.primary), "the primary is no longer the writer")


def scenario_api_faults(run: Run) -> None:
    """The primary is gone and FailoverGlobalCluster is throttled, then fails with a 5xx,
    then is accepted with its response lost."""
    faults = run.world.network.api_faults["FailoverGlobalCluster"]
    faults.extend(["throttle", "5xx", "lost"])
    _primary_gone(run)
    _run_to_recovery(run)
    _expect_failed_over(run)


def scenario_killed(run: Run) -> None:
    """The primary is gone and the DR orchestrator dies right after AWS accepted its
    FailoverGlobalCluster; the next invocations must resume, not start again."""
    run.world.network.kill_after.add("FailoverGlobalCluster")
    _primary_gone(run)
    _run_to_recovery(run)
    _expect_failed_over(run)
    killed = [i for i, e in run.world.ended.items() if e.killed]
    run.expect(bool(killed), "no orchestrator was killed (the fault never fired)")


def scenario_primary_returns(run: Run) -> None:
    """After a failover the primary region returns, healthy: nothing may fail back on its
    own, no second writer appears, and both regions end on the same epoch."""
    _primary_gone(run)
    _run_to_recovery(run)
    back = run.world.now + 60
    run.at(back, f"fault cleared: {run.primary} returns", lambda: run.world.network.down.discard(run.primary))
    run.run_until(back + OBSERVE_SECONDS)
    run.world.converged = True
    run.world.check()
    _expect_failed_over(run)
    run.expect(
        all(r.epoch >= 1 for r in run.world.epoch_records()) and len(run.world.epoch_records()) == 2,
        f"both regions must record the new epoch: {run.world.epoch_records()}",
    )


def scenario_lag_above_bound(run: Run) -> None:
    """Replication lag is above the RPO bound when the primary goes: nothing promotes on its
    own and a human is paged; the operator's failover with allow_data_loss then works."""
    _primary_gone(run)
    watch = run.t0 + OBSERVE_SECONDS
    run.run_until(watch)
    world = run.world
    run.expect(not world.aurora.accepted, "promoted automatically past the RPO bound")
    run.expect(run.pages_in(run.dr, run.t0) > 0, f"{run.dr} paged no one while the RPO gate blocked")
    run.operator(
        run.dr,
        {"action": "failover", "allow_data_loss": True, "reason": "drill: operator accepts the data loss"},
    )
    run.run_until(
        world.now + 2 * run.timing.total() + 120,
        done=lambda: run.promoted() and run.world.stream.first_success_after(watch) is not None,
    )
    run.expect(run.writer_is(run.dr), "the operator's failover with allow_data_loss did not promote")
    run.expect(not world.aurora.detaches, "a cluster was detached")


def scenario_switchover_failback(run: Run) -> None:
    """A planned switchover to DR, then a planned failback: no data loss, and the routing
    controls flip only after the writer has moved."""
    world = run.world
    run.run_until(run.t0)
    run.operator(run.dr, {"action": "switchover", "reason": "drill: planned switchover"})
    run.run_until(
        run.t0 + 2 * run.timing.total() + 120,
        done=lambda: run.writer_is(run.dr) and run.controls_on() == {run.dr},
    )
    run.expect(run.writer_is(run.dr) and run.controls_on() == {run.dr}, "the switchover did not complete")
    back = world.now + 120
    run.run_until(back)
    run.operator(run.primary, {"action": "switchover", "reason": "drill: planned failback"})
    run.run_until(
        back + 2 * run.timing.total() + 120,
        done=lambda: run.writer_is(run.primary) and run.controls_on() == {run.primary},
    )
    run.expect(
        run.writer_is(run.primary) and run.controls_on() == {run.primary}, "the failback did not complete"
    )
    run.run_until(world.now + 120)
    world.converged = True
    world.check()
    run.expect(world.lost_writes() == 0, f"{world.lost_writes()} acknowledged writes lost in a planned move")
    for at, on in world.arc.updates[1:]:
        region = next(r for r, state in on.items() if state)
        moved = [t for t, r in world.aurora.writer_moves if r == region and t <= at]
        run.expect(
            bool(moved),
            f"routing control of {region} turned On at T+{at - run.t0:.0f}s before its writer moved",
        )
    run.expect(not world.aurora.detaches, "a cluster was detached")


# --- scenarios of "never two writers": faults behind DNS, gray failures, faults in both regions
CONVERGED_WRITE_SECONDS = 30.0
"""At the end of a scenario, a client write must have succeeded in the writer this recently
(clients retry every second, or every reconnect interval of the realistic profile: 20 s)."""


def _expect_consistent(run: Run) -> None:
    """Whatever the runtime chose, it ended in ONE place: the region the routing controls
    name is the writer, DNS answers it, and fresh clients write there."""
    world = run.world
    on = run.controls_on()
    writer = world.aurora.writer_region()
    run.expect(
        len(on) == 1 and on == {writer}, f"routing controls On {sorted(on)} but the writer is {writer}"
    )
    run.expect(
        writer is not None and run.writer_is(writer), f"the writer {writer} does not take writes at the end"
    )
    run.expect(
        world.route53.app_answer() == writer, f"DNS answers {world.route53.app_answer()}, writer {writer}"
    )
    run.expect(not world.aurora.detaches, "a cluster was detached (RemoveFromGlobalCluster)")
    # Converged: client writes succeed in the writer at the end, and only there. Judged on the
    # last SUCCESSFUL write within the final CONVERGED_WRITE_SECONDS, not on the very last
    # attempt: the drill runs both regions on one serial clock, so a long evaluation of one
    # region can hold up the other's lease renewals for a few seconds (DrWorld.overdue), and
    # one refusal at the final instant says nothing of where the system settled.
    succeeded = [a for a in world.stream.attempts if a.writer is not None]
    last = succeeded[-1] if succeeded else None
    run.expect(
        last is not None and last.writer == writer and world.now - last.at <= CONVERGED_WRITE_SECONDS,
        f"the last client write did not succeed in {writer}"
        if last is None or last.writer != writer
        else f"no client write succeeded in {writer} in the last {CONVERGED_WRITE_SECONDS:g} s",
    )


def _expect_promotion_complete_or_none(run: Run) -> bool:
    """No promotion, or a completed one: never one left half done. True when promoted."""
    world = run.world
    accepted = [a for a in world.aurora.accepted if a[0] == "FailoverGlobalCluster"]
    run.expect(len(accepted) <= 1, f"{len(accepted)} FailoverGlobalCluster calls accepted, want at most 1")
    run.expect(world.aurora.operation is None, "a promotion is still under way at the end")
    return bool(accepted)


def _heal_then_settle(
    run: Run, heal: float, label: str, clear: Callable[[], None], settle: float = 180
) -> None:
    run.at(heal, label, clear)
    run.run_until(heal)
    # Settle from when the heal applied (an evaluation under way may have run past `heal`).
    run.run_until(run.world.now + settle)
    run.world.converged = True
    run.world.check()


def _gray_partition(run: Run, arc_reach: bool) -> None:
    from ops.emulation.network import ROUTE53, UNREACHABLE, Fault

    world, primary, dr = run.world, run.primary, run.dr
    cut = [frozenset((primary, dr)), frozenset((primary, ROUTE53))]
    arc = Fault(UNREACHABLE, service="route53-recovery-cluster", vantage=primary)

    def inject() -> None:
        world.network.partitions.update(cut)
        if not arc_reach:
            world.network.faults.append(arc)

    def clear() -> None:
        world.network.partitions.difference_update(cut)
        if arc in world.network.faults:
            world.network.faults.remove(arc)

    reach = "with" if arc_reach else "without"
    _fault(
        run,
        f"fault: gray partition: {primary} cut off from {dr} and Route 53's checkers, {reach} ARC",
        inject,
    )
    run.run_until(_recovery_horizon(run))
    _expect_promotion_complete_or_none(run)
    run.expect(run.paged_in(run.dr, run.t0) > 0, f"{run.dr} paged no one while {primary} was cut off")
    _heal_then_settle(run, run.world.now + 1, "fault cleared: the partition heals", clear)
    _expect_consistent(run)


def scenario_gray_partition(run: Run) -> None:
    """The primary is cut off from the DR region and from Route 53's health checkers, but
    clients (cached DNS answers, keep-alive connections, its regional name) still reach it,
    and it still reaches ARC: whatever DR does, the old primary must stop acknowledging
    before DR's writer does (its routing control read Off revokes its lease)."""
    _gray_partition(run, arc_reach=True)


def scenario_gray_partition_no_arc(run: Run) -> None:
    """As gray-partition, and the primary cannot reach ARC either: its lease lapses on its
    own and its application refuses writes (nothing else can fence it)."""
    _gray_partition(run, arc_reach=False)


def scenario_killed_after_fence(run: Run) -> None:
    """The primary is gone; the DR orchestrator dies right after UpdateRoutingControlStates
    lands (before it saves the fence step); the primary is back 10 s later. ARC has moved:
    the execution must finish the promotion, or flip the controls back and page."""
    world = run.world
    world.network.kill_after.add("UpdateRoutingControlStates")

    def back_soon(w) -> None:
        run.at(
            w.now + 10, f"fault cleared: {run.primary} returns", lambda: w.network.down.discard(run.primary)
        )

    world.triggers.append((lambda w: bool(w.kills), back_soon))
    _primary_gone(run)
    run.run_until(_recovery_horizon(run) + 120)
    run.expect(
        any(e.killed for e in world.ended.values()), "no orchestrator was killed (the fault never fired)"
    )
    promoted = _expect_promotion_complete_or_none(run)
    if not promoted:
        run.expect(run.paged_in(run.dr, run.t0) > 0, "ARC was flipped back without a page")
    run.world.converged = True
    run.world.check()
    _expect_consistent(run)


def scenario_returns_mid_promotion(run: Run) -> None:
    """The primary is gone and returns, healthy, while FailoverGlobalCluster runs: nothing it
    acknowledges after the failover began may be lost, and traffic and writer must agree."""
    world = run.world

    def back_soon(w) -> None:
        run.at(
            w.now + 20,
            f"fault cleared: {run.primary} returns mid-promotion",
            lambda: w.network.down.discard(run.primary),
        )

    world.triggers.append(
        (lambda w: w.aurora.operation is not None and w.aurora.operation.kind == "failing-over", back_soon)
    )
    _primary_gone(run)
    _run_to_recovery(run)
    run.run_until(world.now + 180)
    world.converged = True
    world.check()
    _expect_failed_over(run)
    _expect_consistent(run)


def scenario_bad_deploy(run: Run) -> None:
    """/health fails in BOTH regions (a bad deploy) while the write path works: never a
    failover (a fault that hits both regions is not a reason to move), and a page."""
    from ops.emulation.network import HEALTH_FAILS, Fault

    faults = [Fault(HEALTH_FAILS, service="app", region=r) for r in run.world.regions]
    _fault(
        run,
        "fault: a bad deploy breaks /health in both regions",
        lambda: run.world.network.faults.extend(faults),
    )
    run.run_until(run.t0 + 3 * OBSERVE_SECONDS)
    world = run.world
    run.expect(not world.aurora.accepted, "a promotion was accepted during a bad deploy")
    run.expect(run.controls_on() == {run.primary}, f"routing controls On: {sorted(run.controls_on())}")
    run.expect(run.writer_is(run.primary), "the primary is no longer the writer")
    run.expect(
        run.paged_in(run.primary, run.t0) + run.paged_in(run.dr, run.t0) > 0,
        "nobody was paged while /health failed in both regions",
    )
    ok = [a for a in world.stream.attempts if a.at >= run.t0 and a.writer is not None]
    run.expect(bool(ok), "client writes stopped although only /health was broken")


def scenario_dr_throttled(run: Run) -> None:
    """A real outage while the DR region's DescribeTargetHealth and DescribeAutoScalingGroups
    are throttled (hot standby already serves): the fence must not wait on reads it does not
    need, and recovery stays inside the RTO target."""
    from ops.emulation.network import THROTTLE, Fault

    throttled = Fault(
        THROTTLE, operations=frozenset({"DescribeTargetHealth", "DescribeAutoScalingGroups"}), region=run.dr
    )
    run.world.network.faults.append(throttled)
    _primary_gone(run)
    _run_to_recovery(run)
    _expect_failed_over(run)
    rto = run.timeline().first_write
    run.expect(
        rto is not None and rto - run.t0 <= RTO_TARGET_SECONDS,
        f"recovery took {None if rto is None else round(rto - run.t0)}s with throttled reads",
    )


def scenario_dr_dynamodb_down(run: Run) -> None:
    """A real outage while the DR region's DynamoDB does not answer: the orchestrator may not
    promote (it cannot lock or record), and it must page through SNS."""
    from ops.emulation.network import UNREACHABLE, Fault

    run.world.network.faults.append(Fault(UNREACHABLE, service="dynamodb", region=run.dr))
    _primary_gone(run)
    run.run_until(run.t0 + 2 * OBSERVE_SECONDS)
    _expect_promotion_complete_or_none(run)
    sns = [p for p in run.world.pages if p[1] == run.dr and p[0] >= run.t0]
    run.expect(bool(sns), f"{run.dr} did not page through SNS while its DynamoDB was down")


def scenario_db_stalled(run: Run) -> None:
    """The primary's database accepts TCP but commits nothing: clients fail, /health (a TCP
    connect) alone would stay green. It must fail over, or page a human."""
    from ops.emulation.network import COMMITS_STALL, Fault

    stall = Fault(COMMITS_STALL, service="aurora", region=run.primary)
    _fault(
        run,
        f"fault: {run.primary}'s database stops committing",
        lambda: run.world.network.faults.append(stall),
    )
    run.run_until(_recovery_horizon(run), done=lambda: run.promoted() and run.world.now > run.t0 + 400)
    promoted = _expect_promotion_complete_or_none(run)
    if promoted:
        run.expect(run.writer_is(run.dr), "the promotion did not leave DR the writer")
    else:
        run.expect(
            run.paged_in(run.dr, run.t0) + run.paged_in(run.primary, run.t0) > 0,
            "the database stopped committing: no failover and nobody paged",
        )


def scenario_cloudwatch_published(run: Run) -> None:
    """The primary is gone, and CloudWatch's lag datapoints arrive as CloudWatch publishes
    them (stamped at the period start, visible after it and a delay, the lag still growing
    once the writer is gone): the RPO gate must not depend on CloudWatch's timing."""
    _primary_gone(run)
    _run_to_recovery(run)
    _expect_failed_over(run)


def scenario_replica_cut_then_gone(run: Run) -> None:
    """The DR region is cut off from the primary (its replication stops; its probe fails)
    while clients and Route 53's checkers still reach the primary, which goes on acknowledging
    writes: no quorum, no failover. 60 to 100 s later the primary region is gone. The newest
    replicated heartbeat arrived about a second late, but the writer acknowledged writes for
    the whole stall: the RPO gate must hold with a page, never promote on its own (every write
    acknowledged during the stall would be lost silently); a human decides."""
    world, primary, dr = run.world, run.primary, run.dr
    pair = frozenset((primary, dr))
    _fault(
        run, f"fault: {dr} cut off from {primary}'s replication", lambda: world.network.partitions.add(pair)
    )
    gone = run.t0 + run.rng.uniform(60, 100)
    run.at(gone, f"fault: {primary} is gone", lambda: world.network.down.add(primary))
    watch = gone + OBSERVE_SECONDS
    run.run_until(watch)
    run.expect(not world.aurora.accepted, "promoted automatically past a replication stall")
    run.expect(
        any(p[1] == dr and p[0] >= gone and p[2].startswith("rpo_gate") for p in world.metric_pages),
        f"{dr} did not page the RPO gate after {primary} was gone",
    )

    run.expect(run.controls_on() == {primary}, f"routing controls On: {sorted(run.controls_on())}")
    run.expect(world.lost_writes() == 0, f"{world.lost_writes()} acknowledged writes lost with no promotion")


def _lag_above_bound_setup(run: Run) -> None:
    run.world.aurora.replication_lag = run.world.replication_lag = run.max_lag + 15


def _cloudwatch_published_setup(run: Run) -> None:
    run.world.cloudwatch_as_published = True


SCENARIO_SETUP: dict[str, Callable[[Run], None]] = {
    "lag-above-bound": _lag_above_bound_setup,
    "cloudwatch-published": _cloudwatch_published_setup,
}
"""What a scenario sets before the steady state (a world that was always so)."""


SCENARIO_FUNCTIONS: dict[str, Callable[[Run], None]] = {
    "region-gone": scenario_region_gone,
    "region-gone-tiers": scenario_region_gone_tiers,
    "partition": scenario_partition,
    "dr-impaired": scenario_dr_impaired,
    "api-faults": scenario_api_faults,
    "killed-mid-promotion": scenario_killed,
    "primary-returns": scenario_primary_returns,
    "lag-above-bound": scenario_lag_above_bound,
    "switchover-failback": scenario_switchover_failback,
    "gray-partition": scenario_gray_partition,
    "gray-partition-no-arc": scenario_gray_partition_no_arc,
    "killed-after-fence": scenario_killed_after_fence,
    "returns-mid-promotion": scenario_returns_mid_promotion,
    "bad-deploy": scenario_bad_deploy,
    "dr-throttled": scenario_dr_throttled,
    "dr-dynamodb-down": scenario_dr_dynamodb_down,
    "db-stalled": scenario_db_stalled,
    "cloudwatch-published": scenario_cloudwatch_published,
    "replica-cut-then-gone": scenario_replica_cut_then_gone,
}
assert set(SCENARIO_FUNCTIONS) == set(SCENARIOS)


def run_seed(
    scenario: str,
    primary: StackRun,
    dr: StackRun,
    seed: int,
    promotion_seconds: float = PROMOTION_SECONDS_DEFAULT,
    replication_lag: float = 1.0,
    log_stream: Any = None,
    profile: str = PROFILE_DEFAULT,
) -> SeedResult:
    """One scenario, one seed, in a fresh moto world built from the plan of both stacks."""
    timing = timing_model(dr.settings, promotion_seconds=promotion_seconds, profile_name=profile)
    return run_facts(
        scenario, plan_facts(primary, dr), timing, seed, dr.settings.tier, replication_lag, log_stream
    )


def run_facts(
    scenario: str,
    facts: PlanFacts,
    timing: TimingModel,
    seed: int,
    tier: str,
    replication_lag: float = 1.0,
    log_stream: Any = None,
    orchestrator_factory: Callable[[RegionRuntime, str], Any] | None = None,
) -> SeedResult:
    """One scenario, one seed, from the plan's facts. `orchestrator_factory(runtime, id)`
    replaces the real runtime (tests use it to prove each scenario fails an unsafe one)."""
    from moto import mock_aws

    if scenario not in SCENARIO_FUNCTIONS:
        raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    with mock_aws():
        run = Run(scenario, facts, timing, timing.promotion_seconds, seed, replication_lag, log_stream)
        if orchestrator_factory is not None:
            for runtime in run.runtimes.values():
                runtime.orchestrator = lambda invocation, r=runtime: orchestrator_factory(r, invocation)
        setup = SCENARIO_SETUP.get(scenario)
        if setup is not None:
            setup(run)
        run.run_until(DRILL_START + STEADY_SECONDS)  # steady state: both regions evaluating
        if run.world.violations or run.errors:
            run.expect(False, "the steady state before any fault is already unhealthy")
        # Lambda may deliver an asynchronous event more than once, and EventBridge's schedule
        # does not wait for the previous invocation: at least one pair of DR invocations
        # overlaps around the fault in every scenario
        # (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
        duplicate = run.t0 + run.rng.uniform(5, 60)
        run.at(duplicate, "EventBridge's event delivered twice", lambda: run.start_invocation(run.dr))
        SCENARIO_FUNCTIONS[scenario](run)
        run.finish()
        if scenario in TIMED:
            run.expect(run.overlaps(run.dr) > 0, "no two invocations of the DR orchestrator overlapped")
        return run.result(tier)


# The tiers `region-gone-tiers` rehearses besides the stack files' own: those whose dr group
# must grow on failover (warm-standby, pilot-light).
OTHER_TIERS = tuple(t for t in TIERS if not tier_profile(t).dr_full_size_at_once)


def tiers_needed(scenarios: tuple[str, ...], stack_tier: str) -> list[str]:
    """The tiers whose plans the scenarios need: the stack files' tier first (every scenario
    but region-gone-tiers runs on it), then the other tiers region-gone-tiers rehearses."""
    tiers = [stack_tier]
    if "region-gone-tiers" in scenarios:
        tiers += [t for t in OTHER_TIERS if t != stack_tier]
    return tiers


def run_scenario(
    scenario: str,
    plans: dict[str, tuple[StackRun, StackRun]],
    seeds: int,
    promotion_seconds: float = PROMOTION_SECONDS_DEFAULT,
    replication_lag: float = 1.0,
    log_stream: Any = None,
    profile: str = PROFILE_DEFAULT,
) -> list[ScenarioResult]:
    """`plans`: tier -> (primary, dr) plans; region-gone-tiers runs warm- and pilot-light,
    the other scenarios the stack files' tier (the first entry)."""
    tiers = [t for t in OTHER_TIERS if t in plans] if scenario == "region-gone-tiers" else [next(iter(plans))]
    count = seeds if scenario in TIMED else min(seeds, UNTIMED_SEEDS)
    results = []
    for tier in tiers:
        primary, dr = plans[tier]
        results.append(
            ScenarioResult(
                scenario,
                tier,
                [
                    run_seed(
                        scenario, primary, dr, seed, promotion_seconds, replication_lag, log_stream, profile
                    )
                    for seed in range(count)
                ],
            )
        )
    return results


def over_target(
    results: list[ScenarioResult],
    plans: dict[str, tuple[StackRun, StackRun]],
    promotion_seconds: float,
    target_seconds: float,
) -> tuple[list[str], list[str]]:
    """(over, by_design): the timed scenarios whose slowest recovery is over the RTO target,
    and those whose tier's own recovery budget is already over it (pilot-light: the tier
    table says so, `plan --tiers`), which are reported, not failed. Untimed scenarios wait
    for faults or a human on purpose and have no RTO target."""
    over, by_design = [], []
    for result in results:
        rto = result.summary()["rto_seconds"]
        if result.scenario not in TIMED or not rto or rto["max"] <= target_seconds:
            continue
        settings = plans[result.tier][1].settings
        budget = timing_model(settings, promotion_seconds=promotion_seconds, tier=result.tier).total()
        line = f"{result.scenario} ({result.tier}): {rto['max']:.0f} s"
        (by_design if budget > target_seconds else over).append(line)
    return over, by_design


# --- output ------------------------------------------------------------------------------
def as_document(
    results: list[ScenarioResult], promotion_seconds: float, profile: str = PROFILE_DEFAULT
) -> dict:
    rto: dict[str, Any] = {}
    for result in results:
        if result.scenario in RTO_SCENARIOS:
            summary = result.summary()
            rto[result.tier] = {
                "rto_seconds": summary["rto_seconds"],
                "detection_decision_seconds": summary["detection_decision_seconds"],
                "phases": summary["phases"],
            }
    return {
        "passed": all(r.passed for r in results),
        "promotion_seconds": promotion_seconds,
        "promotion_source": PROMOTION_SOURCE,
        "profile": profile,
        "profileFigures": profile_figures(profile),
        "rto": rto,
        "scenarios": [r.summary() for r in results],
        "notes": sorted({n for r in results for s in r.seeds for n in s.notes}),
    }


def profile_figures(name: str) -> dict[str, Any]:
    """The timing profile's figures, each with its source (ops/timing_model.py)."""
    chosen = timing_profile(name)
    return {
        _camel(key): {"value": getattr(chosen, key), "source": source}
        for key, source in PROFILE_SOURCES.items()
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def as_json(results: list[ScenarioResult], promotion_seconds: float, profile: str = PROFILE_DEFAULT) -> str:
    return json.dumps(as_document(results, promotion_seconds, profile), indent=2, default=str)


def _fmt(value: dict | None) -> str:
    if not value:
        return "-"
    return f"{value['p50']:.0f}/{value['p95']:.0f}/{value['max']:.0f}"


def render(
    console: Console,
    results: list[ScenarioResult],
    promotion_seconds: float,
    timeline: bool = True,
    profile: str = PROFILE_DEFAULT,
) -> None:
    """Through the one renderer (ops/output.py): plain rows when piped, so every scenario's
    name and verdict survives a log at any width."""
    table = Table(
        title=f"drill --local (profile {profile}, promotion {promotion_seconds:.0f}s, an assumption)",
        title_justify="left",
    )
    columns = ("scenario", "tier", "seeds", "verdict", "decide s p50/95/max", "RTO s p50/95/max", "lost")
    for column in (*columns, "lease gap s"):
        table.add_column(column, justify="right" if column in ("seeds", "lost", "lease gap s") else "left")
    for result in results:
        s = result.summary()
        verdict = "[green]pass[/]" if result.passed else "[bold red]FAIL[/]"
        lost = s["lost_writes"]["max"] if s["lost_writes"] else 0
        gap = s["servingLeaseLapsedSeconds"]["max"] if s["servingLeaseLapsedSeconds"] else 0
        table.add_row(
            escape(result.scenario), result.tier, str(s["seeds"]), verdict,
            _fmt(s["detection_decision_seconds"]), _fmt(s["rto_seconds"]), f"{lost:.0f}", f"{gap:.1f}",
        )  # fmt: skip
    emit_table(console, table)
    for result in results:
        if result.scenario in RTO_SCENARIOS and result.summary()["phases"]:
            parts = ", ".join(
                f"{name} {_fmt(value)}" for name, value in result.summary()["phases"].items() if value
            )
            console.print(f"  {result.scenario} ({result.tier}) phases s p50/95/max: {parts}")
    for result in results:
        s = result.summary()
        for failure in s["failures"]:
            console.print(f"  [red]{escape(result.scenario)} ({result.tier}): {escape(str(failure))}[/]")
        for name, held in s["invariants"].items():
            if held != "held":
                for message in held:
                    line = f"{result.scenario}: invariant {name}: {message}"
                    console.print(f"  [red]{escape(line)}[/]")
    if timeline and results:
        first = results[0].seeds[0]
        events = Table(
            title=f"timeline of {first.scenario} seed {first.seed} (T+ from the fault)", title_justify="left"
        )
        for column in ("T+", "where", "what"):
            events.add_column(column, justify="right" if column == "T+" else "left")
        for at, where, what in first.events:
            if at >= -5:
                events.add_row(f"{at:.1f}", escape(str(where)), escape(str(what)))
        emit_table(console, events)
    notes = sorted({n for r in results for seed in r.seeds for n in seed.notes})
    for note in notes:
        console.print(f"  [dim]note: {escape(note)}[/]")
    console.print(f"  [dim]{escape(PROMOTION_SOURCE)}[/]")
