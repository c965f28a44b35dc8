"""The orchestrator: evaluations on a short cadence inside each invocation, a decision per
evaluation, and the executor for promotions.

    summary = Orchestrator(config, clients, clock=..., sleep=..., probe=..., resolver=...,
                           arc_client_factory=...).handle(event, request_id, remaining_ms)

Cadence (docs/ARCHITECTURE.md#one-authority): EventBridge invokes the function once a minute, its minimum
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
One scheduled invocation LOOPS, evaluating every evaluation_interval_seconds until
invocation_budget_seconds (or the Lambda's remaining time, less a margin) is spent, so the
decision takes N x interval (30 s by default), not N minutes. Step Functions is not used:
the executor's state lives in the control table (failover.executor). No reserved
concurrency: an overlapping invocation is serialised by the executor's lock, and quorum
evaluations closer than half an interval count once.

One evaluation: self-check (RDS, DynamoDB, ARC reachable from here, else abstain) -> the
outside witness, the probe, the global cluster's eligibility, the fresh lag -> record it ->
decide (failover.decision) -> follow the authority (ARC) into the epoch -> pages -> drive an
open execution, or start one under the lock after re-checking, UNDER the lock, that we are
not already the writer. Dry runs and status commands read but never write.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from failover import capacity, db_fence
from failover import decision as d
from failover import evidence as ev
from failover.arc import OFF, ON, ArcClientFactory, ArcError, RoutingControls, boto3_factory, home_is_active
from failover.clients import AWS_CONFIG, Clients
from failover.cluster_state import ClusterView, read_cluster_view
from failover.config import OrchestratorConfig
from failover.control_table import ControlTable, LockLost
from failover.events import ARM, EVALUATE, FAILOVER, Command, EventError, parse_event
from failover.executor import CANCELLED, Context, Executor, close_evidence, new_execution
from failover.lease import WriteLease
from failover.logs import get_logger
from failover.paging import Pager
from failover.renewal import renewing_clients
from failover.signals import (
    HttpsProbe,
    LagReading,
    Probe,
    Resolver,
    heartbeat_reading,
    observed_lag,
    peer_probe_signal,
    system_resolver,
    witness_signal,
)

__all__ = ["AWS_CONFIG", "Clients", "Orchestrator"]

# Outcomes decided here rather than in failover.decision.
INVALID_EVENT = "invalid_event"
DUPLICATE = "duplicate_event"
LOCK_HELD = "lock_held"
EXECUTING = "executing"
PROMOTED = "promoted"
STEP_FAILED = "step_failed"
CANCELLED_OUTCOME = "cancelled"
ARMED = "armed"

# Seconds kept free before the Lambda timeout: one evaluation's worst case is bounded by
# the probe (attempts x timeout), the ARC rotation and a few API calls.
MARGIN_SECONDS = 20


@dataclass(frozen=True)
class HomeReads:
    """What one evaluation read in its own region; `reachable` names each service that
    answered (the self-check: a region that cannot read itself abstains)."""

    reachable: dict[str, bool]
    view: ClusterView | None
    state: object
    open_id: str | None
    arming: dict
    heartbeat_item: dict | None
    arc_states: dict | None


class Orchestrator:
    def __init__(
        self,
        config: OrchestratorConfig,
        clients: Clients | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        probe: Probe | None = None,
        resolver: Resolver | None = None,
        arc_client_factory: ArcClientFactory | None = None,
        logger=None,
        invocation_id: str | None = None,
        evidence: ev.ExecutionEvidence | None = None,
    ):
        """Every dependency is injectable (the drill and the tests): clock returns epoch
        seconds and sleep must advance it; probe(url) returns ProbeAttempts; resolver(fqdn)
        returns IPv4 addresses or raises OSError; arc_client_factory(endpoint_url, region)
        returns a route53-recovery-cluster client. Clients are for the HOME region only."""
        self.config = config
        self._renew_tried: float | None = None
        """When this invocation last began a renewal, read or not (a renewal is due a renew
        period after it, so an unreachable ARC is not retried before every call)."""
        self._holds_lease = False
        """The last read of the controls renewed this region's lease: the ticks before each
        AWS call keep it renewed (a region that does not hold it has nothing to keep)."""
        self._renewing = False
        """A renewal is under way: the calls it makes itself do not tick."""
        # Every AWS call first gives the lease renewer its turn (failover/renewal.py).
        self.clients = renewing_clients(
            clients
            or Clients.for_region(
                config.home_region, peer_region=config.peer_region if config.peer_control_table else None
            ),
            self._tick,
        )
        self.clock, self.sleep = clock, sleep
        self.probe = probe or HttpsProbe(config.probe_attempts, config.probe_timeout_seconds, sleep=sleep)
        self.resolver = resolver or system_resolver(config.probe_timeout_seconds)
        self.log = logger or get_logger()
        self.invocation_id = invocation_id or f"invocation:{uuid.uuid4()}"
        self.evidence = evidence or _evidence_for(config, self.clients, clock, self.log)
        self._driven: set[str] = set()
        self.table = ControlTable(self.clients.dynamodb, config.control_table, clock)
        peer_db = getattr(self.clients, "peer_dynamodb", None)
        self.peer_table = (
            ControlTable(peer_db, config.peer_control_table, clock)
            if config.peer_control_table and peer_db is not None
            else None
        )
        """The peer region's control table, read for its fencing epoch only (_adopt_peer_epoch)."""
        self.pager = Pager(
            self.clients.sns, self.clients.cloudwatch, config.alert_topic_arn, config.home_region,
            self.table, clock, self.log,
        )  # fmt: skip
        self.last_arc_read: float | None = None
        """When this invocation last read the routing controls (for the database fence)."""
        self._lease_writes = False
        """The running evaluation may write (renew) the lease: not a read-only command."""
        if isinstance(self.probe, HttpsProbe):
            self.probe.between = self._renew_if_due
        self.arc = RoutingControls(
            config.arc_cluster_endpoints,
            arc_client_factory or boto3_factory(config.probe_timeout_seconds),
            config.home_routing_control_arn,
            config.peer_routing_control_arn,
            prefer_region=config.home_region,
        )
        self.executor = Executor(
            Context(
                config=config,
                clients=self.clients,
                table=self.table,
                arc=self.arc,
                read_view=self.view,
                clock=clock,
                sleep=sleep,
                publish=self._publish,
                page=self._page_now,
                clear_page=self._quiet_clear,
                renew=self.renew_lease,
                evidence=self.evidence,
            )
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **kwargs) -> Orchestrator:
        return cls(OrchestratorConfig.from_env(os.environ if environ is None else environ), **kwargs)

    def view(self) -> ClusterView:
        c = self.config
        return read_cluster_view(
            self.clients.rds, c.global_cluster_id, c.local_cluster_id, c.local_cluster_arn
        )

    # --- entry points ----------------------------------------------------------------------
    def handle(self, event: object, request_id: str | None = None, remaining_ms: int | None = None) -> dict:
        """A scheduled event: evaluations every interval until the budget is spent. Anything
        else: one evaluation. Returns the last decision record with every evaluation's
        outcome under "evaluations"."""
        start = self.clock()
        budget = self.config.invocation_budget_seconds
        if remaining_ms is not None:
            budget = min(budget, remaining_ms / 1000.0 - MARGIN_SECONDS)
        deadline = start + budget
        record = self._begin(event, request_id)
        if isinstance(record, dict):
            return record
        command = record
        records = []
        index = 0
        while True:
            records.append(self._one(command, f"{command.event_id}#{index}"))
            if command.trigger != "schedule":
                break
            index += 1
            next_at = start + index * self.config.evaluation_interval_seconds
            if next_at >= deadline:
                break
            self._sleep_renewing(next_at)
        self._housekeeping(command)
        if command.trigger == "schedule" and not command.read_only:
            # Keep the write lease renewed for one lease past the budget (within the Lambda's
            # time): the next scheduled invocation is due at start + one minute, and
            # EventBridge may start it "several seconds" late
            # (https://docs.aws.amazon.com/eventbridge/latest/userguide/run-lambda-schedule.html).
            # Invocations overlap, so a healthy writer's lease never lapses between them.
            tail = start + self.config.invocation_budget_seconds + self.config.write_lease_seconds
            if remaining_ms is not None:
                tail = min(tail, start + remaining_ms / 1000.0 - MARGIN_SECONDS)
            self._sleep_renewing(tail)
        last = dict(records[-1])
        last["evaluations"] = [
            {"at": r["at"], "outcome": r["outcome"], "consecutive": r["consecutive"]} for r in records
        ]
        return last

    def _sleep_renewing(self, until: float) -> None:
        """Sleep until `until`, renewing the write lease every write_lease_renew_seconds (the
        evaluation that follows renews it itself)."""
        period = self.config.write_lease_renew_seconds
        while True:
            now = self.clock()
            if now >= until:
                return
            self.sleep(min(period, until - now))
            if self.clock() < until:
                self.renew_lease()

    # --- the write lease (failover/lease.py) --------------------------------------------------
    def _tick(self) -> None:
        """Before every AWS call of this orchestrator (failover/renewal.py): keep a HELD lease
        renewed, so that no stretch of work (an executor drive of many steps, an evidence
        seal, pages) leaves it unrenewed for more than one renew period plus one bounded call.
        A region that does not hold the lease (its control read Off, or ARC unread) is not
        read again here: its evaluations and its waits read the controls, and a standby's
        fence is not slowed by reads it does not need."""
        if self._holds_lease:
            self._renew_if_due()

    def _renew_if_due(self) -> None:
        """Inside an evaluation: renew when the last renewal began a renew period ago. Called
        at the evaluation's start, between the probe's tries, after each call that can take
        its whole timeout (probe, witness DNS) and, while the lease is held, before every AWS
        call (_tick), so that no gap between two renewals exceeds one renew period plus one
        bounded call: a renewal is never held across the whole of a slow evaluation or a long
        executor drive (the lease L is only a few renew periods)."""
        if not self._lease_writes or self._renewing:
            return
        last = max((t for t in (self.last_arc_read, self._renew_tried) if t is not None), default=None)
        if last is None or self.clock() - last >= self.config.write_lease_renew_seconds:
            self.renew_lease()

    def renew_lease(self) -> dict:
        """Read the routing controls through the ARC data plane and renew, revoke or leave the
        write lease (LEASE/WRITE in this region's table):
        - home On and peer Off: renew for write_lease_seconds from the moment the read BEGAN
          (the control was On at some instant of the read; the earliest bound is the safe one),
          carrying the fencing epoch;
        - anything else read (home Off, or an ambiguous pair): revoke at once (valid_until =
          the read's start), and fence the database where this cluster still writes;
        - unreadable: write nothing; the lease lapses by itself within one lease.
        Public: the drill calls it between the evaluations it steps itself."""
        began = self._renew_tried = self.clock()
        renewing, self._renewing = self._renewing, True
        try:
            try:
                states = self.arc.states()
            except (ArcError, ClientError, BotoCoreError) as error:
                self._holds_lease = False  # it lapses by itself; the evaluations read again
                return {"lease": "unread", "error": str(error)}
            return self._lease_from(states, began)
        finally:
            self._renewing = renewing

    def _lease_from(self, states: dict, began: float) -> dict:
        """The lease's renewal or revocation from routing-control states read from `began`."""
        renewing, self._renewing = self._renewing, True
        try:
            return self._lease_written(states, began)
        finally:
            self._renewing = renewing

    def _lease_written(self, states: dict, began: float) -> dict:
        c = self.config
        self.last_arc_read = began
        self._holds_lease = home_is_active(states)
        try:
            state = self.table.read_state()
            epoch = self._lease_epoch(state, states)
            if home_is_active(states):
                lease = WriteLease(
                    c.home_region, epoch, began + c.write_lease_seconds, began, self.invocation_id
                )
                written = self.table.renew_lease(lease)
                return {"lease": "renewed" if written else "newer_kept", "valid_until": lease.valid_until}
            lease = WriteLease(c.home_region, epoch, began, began, self.invocation_id)
            revoked = self.table.revoke_lease(lease)
        except (ClientError, BotoCoreError) as error:
            return {"lease": "unwritten", "error": str(error)}
        outcome = {"lease": "revoked" if revoked else "already_lapsed", "routing_controls": states}
        if revoked:
            # The moment this region lost the authority: fence its database too, now.
            outcome["db_fence"] = self._db_fence(None, fenced=True, reason=f"routing controls read {states}")
        return outcome

    def _lease_epoch(self, state, states: dict) -> int:
        """The fencing epoch the lease carries: the recorded one, plus one when ARC already
        shows a change of the active region that is not recorded yet (an open promotion's
        fence, or an observation still to come): the epoch the change will be recorded under."""
        epoch = state.epoch if state else 0
        if state is not None and home_is_active(states) and state.active_region != self.config.home_region:
            epoch += 1
        return epoch

    def evaluate(self, event: object, request_id: str | None = None) -> dict:
        """Exactly one evaluation of an event (the drill steps the cadence itself)."""
        command = self._begin(event, request_id)
        if isinstance(command, dict):
            return command
        return self._one(command, command.event_id)

    # --- one evaluation ------------------------------------------------------------------
    def _begin(self, event: object, request_id: str | None) -> Command | dict:
        try:
            command = parse_event(event, request_id)
        except EventError as error:
            record = self._base_record()
            record.update(outcome=INVALID_EVENT, reason=str(error))
            self.log.error("rejected event", **record, event=_preview(event))
            return record
        if not command.read_only:
            try:
                claimed = self.table.claim_event(command.event_id)
            except (ClientError, BotoCoreError) as error:
                # DynamoDB unreachable: evaluate anyway; the self-check will abstain.
                self.log.error("event claim failed", error=str(error))
                claimed = True
            if not claimed:
                record = self._base_record()
                record.update(
                    outcome=DUPLICATE,
                    command=command.kind,
                    event_id=command.event_id,
                    reason="this event was already handled; acting once",
                )
                self.log.warning("duplicate event", **record)
                return record
        return command

    def _one(self, command: Command, evaluation_id: str) -> dict:
        record = self._base_record()
        record.update(
            command=command.kind,
            trigger=command.trigger,
            event_id=command.event_id,
            evaluation_id=evaluation_id,
            dry_run=command.dry_run,
            reason=command.reason,
        )
        self._evaluate(command, evaluation_id, record)
        level = self.log.warning if record["outcome"] in _LOUD else self.log.info
        level("decision", **record)
        if not command.read_only:
            self._quietly(self.table.record_decision, record)
        return record

    def _evaluate(self, command: Command, evaluation_id: str, record: dict) -> None:
        c = self.config
        now = self.clock()
        self._lease_writes = not command.read_only
        if command.kind == ARM:
            self._arm(command, record)
            return
        self._renew_if_due()
        home = self._read_home(command, record)
        view, state, open_id, arming = home.view, home.state, home.open_id, home.arming
        reachable, arc_states = home.reachable, home.arc_states
        probe, witness, observed, home_witness = self._observe_peer()
        heartbeat = heartbeat_reading(
            home.heartbeat_item, c.peer_region, observed, c.heartbeat_max_age_seconds
        )
        has_quorum = d.quorum(witness, probe, heartbeat.signal)
        local_is_writer = bool(view and view.local_is_writer(c.local_cluster_arn))
        self_ok = all(reachable.values())
        consecutive, first_down_at, down_by = self._streak(
            command, evaluation_id, has_quorum and self_ok, witness, probe, observed, reachable
        )
        record["first_down_at"] = first_down_at
        record["writer_down_by"] = down_by
        # The lag is read only when the RPO gate may be reached or someone asks: at six
        # evaluations a minute in two regions, GetMetricStatistics is the runtime's one
        # per-request cost that adds up. Its freshness is judged against the moment the
        # peer was first seen down in this streak (see observed_lag for why).
        if command.kind != EVALUATE or (has_quorum and not local_is_writer):
            lag = observed_lag(
                self.clients.cloudwatch,
                c.local_cluster_id,
                self.clock(),
                c.lag_max_age_seconds,
                first_down_at if has_quorum else None,
            )
        else:
            lag = LagReading(None, {"skipped": "no quorum: the RPO gate is not reached"})
        eligibility = (
            view.eligibility(c.local_cluster_arn) if view else d.Eligibility(False, reason="RDS unreachable")
        )
        heartbeat_lag = None
        if reachable["dynamodb"] and not command.read_only:
            heartbeat_lag, _ = d.data_at_risk(
                self.table.heartbeat_lag(heartbeat.newest_at, heartbeat.observed_at),
                heartbeat.newest_at,
                down_by,
            )
        decision = d.decide(
            d.Situation(
                command=command.kind,
                self_check=reachable,
                local_is_writer=local_is_writer,
                eligibility=eligibility,
                witness=witness,
                probe=probe,
                consecutive=consecutive,
                required_consecutive=c.required_evaluations,
                lag_seconds=lag.seconds,
                max_lag_seconds=c.max_lag_seconds,
                allow_data_loss=command.allow_data_loss,
                armed=arming["armed"],
                home_witness=home_witness,
                serves_at_rest=c.serves_at_rest,
                heartbeat=heartbeat.signal,
                heartbeat_lag_seconds=heartbeat_lag,
            )
        )
        record.update(
            outcome=decision.outcome,
            action=decision.action,
            reason=_join(command.reason, decision.reason),
            signals=[witness.as_dict(), probe.as_dict(), home_witness.as_dict(), heartbeat.signal.as_dict()],
            heartbeat_lag_seconds=heartbeat_lag,
            arming=arming,
            self_check=reachable,
            quorum=has_quorum,
            consecutive=consecutive,
            lag_seconds=lag.seconds,
            lag=lag.detail,
            local_is_writer=local_is_writer,
            eligibility={"eligible": eligibility.eligible, "reason": eligibility.reason},
            cluster=view.as_dict() if view else None,
            routing_controls=arc_states,
            active_state=state.as_dict() if state else None,
            open_execution=open_id,
        )
        if command.read_only:
            if reachable["dynamodb"]:
                record["lock"] = self.table.lock_holder()
                if open_id:
                    record["execution"] = self.table.read_execution(open_id)
            return
        if command.allow_data_loss:
            self.log.warning("allow_data_loss requested: the RPO gate is bypassed", **record)
        if arc_states is not None and reachable["dynamodb"] and open_id is None:
            self._follow_authority(arc_states, view, state, command.event_id, record, peer_down=has_quorum)
        if open_id is not None:
            self.evidence.open(open_id)  # pages below belong to the open execution's record
        if command.kind == EVALUATE:
            self._alerts(witness, probe, heartbeat.signal, has_quorum, decision, now, record)
            if reachable["dynamodb"]:
                self._prewarm(has_quorum and self_ok and not local_is_writer, decision, open_id, record)
        elif decision.notify and decision.action is None:
            self._page_now(f"manual:{decision.outcome}", f"manual {command.kind}: {decision.outcome}", record)
        self.executor.home_serving = home_witness.peer_down is False
        self.executor.operator = command.kind != EVALUATE
        self.executor.peer_healthy = d.vetoed(witness, probe, heartbeat.signal) and command.kind == EVALUATE
        self._renew_if_due()
        if open_id is not None:
            self._drive(
                open_id,
                record,
                veto=d.vetoed(witness, probe, heartbeat.signal) and command.kind == EVALUATE,
                may_fence=command.kind != EVALUATE or decision.action == FAILOVER,
                allow_data_loss=command.allow_data_loss,
            )
        elif decision.action is not None:
            outage_at = first_down_at if has_quorum and first_down_at is not None else observed
            self._start(command, decision, state, record, outage_at)

    def _read_home(self, command: Command, record: dict) -> HomeReads:
        """This region's own reads (RDS, the control table, ARC): what they returned, and
        which of them answered (the self-check). The write lease follows the ARC read."""
        reachable: dict[str, bool] = {}
        view: ClusterView | None = None
        try:
            view = self.view()
            reachable["rds"] = True
        except (ClientError, BotoCoreError) as error:
            reachable["rds"] = False
            record["errors"].append(f"rds: {error}")
        state = None
        arming = {"armed": True}
        heartbeat_item = None
        try:
            state = self.table.read_state()
            open_id = self.table.open_execution_id()
            arming = self.table.arming()
            heartbeat_item = self.table.heartbeat_item()
            reachable["dynamodb"] = True
        except (ClientError, BotoCoreError) as error:
            reachable["dynamodb"], open_id = False, None
            record["errors"].append(f"dynamodb: {error}")
        arc_states = None
        try:
            arc_began = self.clock()
            arc_states = self.arc.states()
            reachable["arc"] = True
        except (ArcError, ClientError, BotoCoreError) as error:
            reachable["arc"] = False
            record["errors"].append(f"arc: {error}")
        if not command.read_only:
            # The write lease follows every read of the controls (and lapses when none works).
            if arc_states is not None:
                record["lease"] = self._lease_from(arc_states, arc_began)
            self._db_fence_follow_lease(view, record)
        return HomeReads(reachable, view, state, open_id, arming, heartbeat_item, arc_states)

    def _observe_peer(self) -> tuple:
        """(probe, witness, observed, home_witness): the peer's signals, and when the witness
        was read (the moment the evaluation is recorded at)."""
        c = self.config
        # The probe first, the witness last: a probe of a dead peer waits out its timeouts,
        # and the decision below acts on the witness, so it reads the freshest answer (a
        # witness read before the probe is already attempts x timeout old when we decide).
        probe = peer_probe_signal(self.probe, c.peer_health_url)
        self._renew_if_due()  # right after the one call that takes attempts x timeout
        witness = witness_signal(
            self.resolver, c.witness_fqdn, c.witness_healthy_address, c.witness_unhealthy_address
        )
        # The evaluation is recorded when the witness was read, not when it started: the
        # persistence rule (N agreeing evaluations at least 0.9 x interval apart) then spans
        # the witness's own observations, whatever each probe took before it.
        observed = self.clock()
        home_witness = self.home_witness()
        self._renew_if_due()  # two DNS lookups, each bounded by the probe timeout
        return probe, witness, observed, home_witness

    def _streak(
        self,
        command: Command,
        evaluation_id: str,
        quorum: bool,
        witness,
        probe,
        observed: float,
        reachable: dict[str, bool],
    ) -> tuple[int, float | None, float | None]:
        """Record this evaluation, then (consecutive quorum evaluations, when the streak began,
        the latest moment the writer can have acknowledged a write: decision.writer_down_by)."""
        c = self.config
        consecutive, first_down_at, down_by = 0, None, None
        if command.kind == EVALUATE and reachable["dynamodb"] and not command.read_only:
            since = None
            if quorum:
                # Carry the streak's start (and what it proves of the writer's last write,
                # decision.writer_down_by) forward in the record: a streak can outlast the
                # history read below (a pilot-light preparation takes minutes).
                earlier = self.table.recent_evaluations(max(20, 4 * c.required_evaluations))
                now_eval = d.Evaluation(at=observed, quorum=True, witness_down=witness.peer_down)
                since = d.streak_started_at([*earlier, now_eval], c.evaluation_gap_seconds)
                down_by = d.writer_down_by(
                    [*earlier, now_eval], c.evaluation_gap_seconds, c.witness_failing_seconds
                )
            self.table.record_evaluation(
                evaluation_id,
                quorum,
                [witness.as_dict(), probe.as_dict()],
                since,
                observed,
                witness_down=witness.peer_down,
                down_by=down_by,
            )
        if command.kind == EVALUATE and reachable["dynamodb"]:
            history = self.table.recent_evaluations(max(20, 4 * c.required_evaluations))
            # Evaluations are recorded when their witness was read (the loop starts them one
            # interval apart); two evaluations closer than 0.9 x the interval (overlapping
            # invocations, or a slow probe before one witness read and a fast one before the
            # next) count once, so the persistence rule always spans N-1 intervals of the
            # witness's own observations.
            consecutive = d.consecutive_quorum(
                history, c.evaluation_gap_seconds, d.MIN_SPACING_FRACTION * c.evaluation_interval_seconds
            )
            first_down_at = d.streak_started_at(history, c.evaluation_gap_seconds)
            down_by = d.writer_down_by(history, c.evaluation_gap_seconds, c.witness_failing_seconds)
        return consecutive, first_down_at, down_by

    # --- the executor, under the lock -------------------------------------------------------
    def _start(
        self, command: Command, decision: d.Decision, state, record: dict, first_down_at: float
    ) -> None:
        c = self.config
        holder = self.invocation_id
        if not self.table.acquire_lock(holder, c.lock_seconds):
            record.update(outcome=LOCK_HELD, action=None, lock=self.table.lock_holder())
            return
        try:
            # Check again UNDER the lock: another invocation may have promoted meanwhile.
            view = self.view()
            if view.local_is_writer(c.local_cluster_arn):
                record.update(outcome=d.ALREADY_WRITER, action=None, local_is_writer=True)
                return
            if view.operation_in_progress and not view.operation_targets(c.local_cluster_arn):
                record.update(outcome=d.IN_PROGRESS, action=None)
                return
            current = self.table.read_state()
            epoch = (current.epoch if current else 0) + 1
            execution = new_execution(
                c,
                decision.action,
                epoch,
                record["reason"],
                command.event_id,
                self.clock(),
                allow_data_loss=command.allow_data_loss,
                automatic=command.kind == EVALUATE,
                first_down_at=first_down_at,
                writer_down_by=record.get("writer_down_by"),
                lag_seconds=record.get("lag_seconds"),
            )
            open_id = self.table.open_execution(execution, holder)
            opened = open_id == execution["id"]
            decided = self._decision_evidence(execution, command, record) if opened else []
            # The view read under the lock serves the preparation's first look.
            self._run(open_id, holder, record, veto=False, preface=decided, looked=view)
        except LockLost as error:
            record["errors"].append(str(error))
        finally:
            self.table.release_lock(holder)
            record["lock"] = self.table.lock_holder()

    def _drive(
        self, open_id: str, record: dict, veto: bool, may_fence: bool, allow_data_loss: bool = False
    ) -> None:
        holder = self.invocation_id
        if not self.table.acquire_lock(holder, self.config.lock_seconds, open_id):
            record.update(outcome=LOCK_HELD, action=None, lock=self.table.lock_holder())
            return
        try:
            self._run(open_id, holder, record, veto, may_fence, allow_data_loss)
        except LockLost as error:
            record["errors"].append(str(error))
        finally:
            self.table.release_lock(holder)
            record["lock"] = self.table.lock_holder()

    def _run(
        self,
        open_id: str,
        holder: str,
        record: dict,
        veto: bool,
        may_fence: bool = True,
        allow_data_loss: bool = False,
        preface: list | None = None,
        looked=None,
    ) -> None:
        """preface: records of the execution just opened (its decision), written in ONE write
        with the "driven" record, before any step runs."""
        items = list(preface or [])
        execution = self.table.read_execution(open_id)
        if execution is None:
            if items:
                self.evidence.append_many(items)
            record["errors"].append(f"open execution {open_id} has no item")
            return
        self.evidence.open(open_id, execution["kind"])
        if open_id not in self._driven:  # once per execution and orchestrator (invocation)
            self._driven.add(open_id)
            items.append(
                (
                    "driven",
                    {
                        "invocation": self.invocation_id,
                        "evaluation": record.get("evaluation_id"),
                        "outcome": record["outcome"],
                        "veto": veto,
                        "may_fence": may_fence,
                        "signals": record["signals"],
                    },
                )
            )
        if items:
            self.evidence.append_many(items)
        if allow_data_loss and not execution.get("allow_data_loss"):
            # An operator's manual failover with allow_data_loss drives the open execution past
            # its RPO gate (recorded).
            execution["allow_data_loss"] = True
            execution.setdefault("notes", []).append("allow_data_loss set by a manual failover")
        # Whether the fence happened is read from the AUTHORITY, never from the saved step: a
        # crash between UpdateRoutingControlStates and saving the step leaves ARC moved and the
        # step not done. Unreadable counts as fenced (never stand down on a guess). Read only
        # when a stand-down is on the table: a drive without a veto does not wait on it.
        fenced = True
        if veto and execution.get("automatic") and execution["kind"] == FAILOVER:
            fenced = self._arc_shows_home_active() is not False
        if veto and execution.get("automatic") and execution["kind"] == FAILOVER and not fenced:
            # Positive evidence of a healthy peer before anything was changed: stand down.
            execution["status"] = CANCELLED
            execution["errors"].append("cancelled before the fence: the peer is seen healthy")
            try:
                execution["stood_down"] = self.executor.stand_down(execution)
            except (ClientError, BotoCoreError, LookupError) as error:
                # The next healthy evaluation restores the kept sizes (see _prewarm).
                record["errors"].append(f"stand down: {error}")
            self.table.close_execution(execution, holder)
            close_evidence(self.evidence, execution)
            record.update(outcome=CANCELLED_OUTCOME, execution=execution)
            return
        execution = self.executor.drive(execution, holder, may_fence, looked)
        outcome = {
            "succeeded": PROMOTED,
            "failed": STEP_FAILED,
        }.get(
            execution["status"], STEP_FAILED if execution["errors"] and _last_failed(execution) else EXECUTING
        )
        record.update(outcome=outcome, action=execution["kind"], execution=execution, acted=True)
        if execution["status"] == "succeeded":
            record.update(local_is_writer=True, active_state=_as_dict(self.table.read_state()))

    def _arming_evidence(self, arming: dict, epoch: int | None) -> None:
        """Arming changed outside any execution (an operator re-arms, the peer took over): a
        bundle of its own, one record with who and why, sealed at once."""
        data = {**arming, "region": self.config.home_region, "epoch": epoch}
        bundle = f"arming:{self.config.home_region}:{int(self.clock())}"
        self.evidence.single(
            bundle, "arming", ev.ARMING, data, {"verdict": "armed" if arming.get("armed") else "disarmed"}
        )

    def _decision_evidence(self, execution: dict, command: Command, record: dict) -> list:
        """What the execution was decided on: the detection, each vote, the decision, as records
        that _run writes in one write with its "driven" record (one S3 call on the way to the
        fence, not one per record)."""
        self.evidence.open(execution["id"], execution["kind"])
        gate = {"lag_seconds": record["lag_seconds"], "max_lag_seconds": record["max_lag_seconds"]}
        detection = {
            "evaluation": record.get("evaluation_id"),
            "first_down_at": record.get("first_down_at"),
            "quorum": record["quorum"],
            "consecutive": record["consecutive"],
            "required": record["required_consecutive"],
            "self_check": record["self_check"],
        }
        decision = {
            "outcome": record["outcome"],
            "action": record["action"],
            "reason": record["reason"],
            "command": command.kind,
            "trigger": command.trigger,
            "event_id": command.event_id,
            "operator": getattr(command, "operator", None),
            "allow_data_loss": command.allow_data_loss,
            "invocation": self.invocation_id,
        }
        return [
            (ev.DETECTION, detection),
            *((ev.VOTE, signal) for signal in record["signals"]),
            (ev.VOTE, {"name": "eligibility", **(record.get("eligibility") or {})}),
            (ev.VOTE, {"name": "rpo_gate", **gate, "lag": record.get("lag")}),
            (ev.DECISION, decision),
            (ev.EXECUTION_OPENED, {k: execution[k] for k in ("id", "kind", "epoch", "target_region")}),
        ]

    # --- the authority and the epoch -----------------------------------------------------
    def _follow_authority(
        self, states: dict, view, state, event_id: str, record: dict, peer_down: bool = False
    ) -> None:
        """Count every change of the active region the ARC state shows (the one place both
        regions read) into this region's epoch, and adopt the peer's higher epoch for the same
        active region, so that both regions' epochs agree. peer_down: a quorum sees the peer
        down (its table is not read then: the read would cost its timeout for nothing)."""
        c = self.config
        if states.get("home") == ON and states.get("peer") == OFF:
            active = c.home_region
        elif states.get("peer") == ON and states.get("home") == OFF:
            active = c.peer_region
        else:
            record["errors"].append(f"routing controls ambiguous: {states}")
            return
        if state is None:
            self.table.init_state(active, event_id)
            record["active_state"] = _as_dict(self.table.read_state())
        elif state.active_region != active:
            self._observe_authority(active, event_id, record)
        if not peer_down:
            self._adopt_peer_epoch(active, event_id, record)

    def _observe_authority(self, active: str, event_id: str, record: dict) -> None:
        c = self.config
        new = self.table.observe_active(active, f"the ARC routing controls make {active} active", event_id)
        if new is not None and active == c.peer_region:
            # The peer took the authority from us: no automatic failback from this region
            # until an operator re-arms it (docs/ARCHITECTURE.md, "No flapping").
            record["arming"] = self.table.set_arming(
                False,
                "orchestrator",
                f"{c.peer_region} took over (epoch {new.epoch}): no automatic failback",
                new.epoch,
            )
            self._arming_evidence(record["arming"], new.epoch)
        if new is not None:
            record["active_state"] = new.as_dict()
            self._publish(
                {"outcome": "authority_moved", "region": c.home_region, "active_state": new.as_dict()},
                f"trading-dr {c.home_region}: {active} is active (epoch {new.epoch})",
            )

    def _adopt_peer_epoch(self, active: str, event_id: str, record: dict) -> None:
        """One fencing epoch for both regions (docs/ARCHITECTURE.md, "One fencing epoch"): read
        the PEER's STATE/ACTIVE and adopt its epoch when it is higher AND names `active`, the
        region this region read active from ARC in this evaluation (ControlTable.adopt_epoch:
        forward only, same active region). Counting ARC changes alone misses a change undone
        before this region read it (a fence given back within one evaluation): the peer then
        holds a higher epoch for the same writer, and this region's lease, stamped with the
        epoch it records, would carry a stale one. Optional and never in the way: one try
        with short timeouts (failover.clients.PEER_READ_CONFIG), any failure logged and
        ignored (the peer may be the region that is gone), nothing written in the peer."""
        if self.peer_table is None:
            return
        if self._adopt_from_peer(active, event_id, record) and self._lease_writes:
            self.renew_lease()  # the lease carries the adopted epoch from now on
        else:
            self._renew_if_due()  # the read may have taken its whole timeout

    def _adopt_from_peer(self, active: str, event_id: str, record: dict) -> bool:
        try:
            peer = self.peer_table.read_state()
        except Exception as error:  # noqa: BLE001 -- optional evidence: nothing may fail on it
            record["peer_epoch"] = {"read": "failed", "error": f"{type(error).__name__}: {error}"}
            self.log.info(
                "peer epoch unread (ignored)", error=str(error), table=self.config.peer_control_table
            )
            return False
        if peer is None:
            record["peer_epoch"] = {"read": "ok", "adopted": False, "peer": None}
            return False
        try:
            adopted = self.table.adopt_epoch(
                peer,
                active,
                f"the peer's epoch {peer.epoch} names {active}, the active region ARC shows",
                event_id,
            )
        except (ClientError, BotoCoreError) as error:
            record["errors"].append(f"adopt the peer's epoch: {error}")
            return False
        record["peer_epoch"] = {"read": "ok", "adopted": adopted is not None, "peer": peer.as_dict()}
        if adopted is not None:
            record["active_state"] = adopted.as_dict()
            self.log.info("adopted the peer's fencing epoch", **adopted.as_dict())
        return adopted is not None

    # --- pre-warm ---------------------------------------------------------------------------
    def _prewarm(self, peer_down: bool, decision: d.Decision, open_id, record: dict) -> None:
        c = self.config
        if not c.asg_name or self.clients.autoscaling is None:
            return
        try:
            saved = self.table.prewarm()
            if peer_down and saved is None and open_id is None:
                before = capacity.sizes(self.clients.autoscaling, c.asg_name)
                if self.table.save_prewarm(before):
                    capacity.scale_to(self.clients.autoscaling, c.asg_name, c.asg_full_capacity)
                    record["prewarm"] = {"started": before}
            elif decision.outcome == d.HEALTHY and saved is not None and open_id is None:
                capacity.restore(self.clients.autoscaling, c.asg_name, saved)
                self.table.clear_prewarm()
                record["prewarm"] = {"restored": saved}
        except (ClientError, BotoCoreError, LookupError) as error:
            record["errors"].append(f"prewarm: {error}")

    # --- pages from the survivor (failover/paging.py) --------------------------------------
    def _alerts(
        self, witness, probe, heartbeat, has_quorum: bool, decision: d.Decision, now: float, record: dict
    ) -> None:
        after = self.config.page_after_seconds
        down = d.any_down(witness, probe, heartbeat)
        outcome = decision.outcome
        conditions = {
            "peer_down": (has_quorum, after),
            "no_quorum": (down and not has_quorum, after),
            "abstain": (outcome == d.ABSTAIN, after),
            "rpo_gate": (outcome == d.RPO_GATE, 0),
            "not_eligible": (outcome == d.NOT_ELIGIBLE, 0),
            "disarmed": (outcome == d.DISARMED, 0),
            "both_unhealthy": (outcome == d.BOTH_UNHEALTHY, 0),
            "home_unhealthy": (outcome == d.HOME_UNHEALTHY, after),
            "writer_silent": (outcome == d.WRITER_SILENT, after),
        }
        open_alerts = self.pager.open_alerts() if not all(a for a, _ in conditions.values()) else None
        for kind, (active, delay) in conditions.items():
            if not active:
                self.pager.clear(kind, open_alerts)
                continue
            if delay:
                # A delayed page counts from when the condition began (known through the
                # table); the metric goes out at once either way.
                paged = self.pager.page(kind, kind.replace("_", " "), record, since=now, delay=delay)
            else:
                paged = self.pager.page(kind, kind.replace("_", " "), record)
            if paged:
                self.evidence.append(ev.PAGE, {"kind": kind, "subject": kind.replace("_", " ")})

    def _page_now(self, kind: str, subject: str, record: dict) -> None:
        if self.pager.page(kind, subject, record):
            self.evidence.append(ev.PAGE, {"kind": kind, "subject": subject})

    def _quiet_clear(self, kind: str) -> None:
        self.pager.clear(kind)

    def _publish(self, record: dict, subject: str) -> bool:
        return self.pager.publish(record, subject)

    # --- the home region's own outside witness, the authority, arming -----------------------
    def home_witness(self) -> d.Signal:
        """The HOME region as Route 53's checkers see it (its witness record), read like the
        peer's through the VPC resolver; unknown when no home witness is configured."""
        c = self.config
        if not c.home_witness_fqdn:
            return d.Signal("home_witness", None, {"error": "no home witness configured"})
        return witness_signal(
            self.resolver,
            c.home_witness_fqdn,
            c.witness_healthy_address,
            c.witness_unhealthy_address,
            name="home_witness",
        )

    def _arc_shows_home_active(self) -> bool | None:
        try:
            return home_is_active(self.arc.states())
        except (ArcError, ClientError, BotoCoreError):
            return None

    def _arm(self, command: Command, record: dict) -> None:
        """Re-arm automatic failover in this region (who and why recorded and published)."""
        record.update(action=ARM, operator=command.operator)
        if command.read_only:
            record.update(outcome=d.STATUS_REPORT, arming=self.table.arming())
            return
        state = self.table.read_state()
        record["arming"] = self.table.set_arming(
            True, command.operator, command.reason, state.epoch if state else None
        )
        self._arming_evidence(record["arming"], state.epoch if state else None)
        record.update(outcome=ARMED, acted=True)
        self._publish(
            record, f"trading-dr {self.config.home_region}: automatic failover re-armed by {command.operator}"
        )

    # --- the database fence (failover/db_fence.py) -----------------------------------------
    def _db_fence_follow_lease(self, view: ClusterView | None, record: dict) -> None:
        """Fence this region's database while its cluster writes without holding the lease
        (routing control Off, or ARC unread for a whole lease); restore it once the lease is
        held again."""
        if not self.config.db_fence_secret_arn or view is None:
            return
        try:
            lease = self.table.read_lease()
            fence = self.table.db_fence()
        except (ClientError, BotoCoreError) as error:
            record["errors"].append(f"db fence: {error}")
            return
        holds = lease is not None and lease.allows(self.config.home_region, self.clock())
        writer = view.local_is_writer(self.config.local_cluster_arn)
        if writer and not holds and not (fence and fence["fenced"]):
            record["db_fence"] = self._db_fence(view, fenced=True, reason="the write lease is not held")
        elif holds and fence and fence["fenced"]:
            record["db_fence"] = self._db_fence(view, fenced=False, reason="the write lease is held again")

    def _db_fence(self, view: ClusterView | None, fenced: bool, reason: str) -> str:
        c = self.config
        if not c.db_fence_secret_arn:
            return "not configured: the write lease alone fences"
        record = {"outcome": "db_fence", "region": c.home_region, "fenced": fenced, "reason": reason}
        try:
            view = view or self.view()
            if fenced and not view.local_is_writer(c.local_cluster_arn):
                return "this cluster is not the writer: nothing to fence"
            detail = db_fence.apply(
                self.clients.rds_data,
                c.local_cluster_arn,
                c.db_fence_secret_arn,
                c.data_api_database,
                c.db_fence_engine,
                c.db_app_user,
                fenced,
            )
        except (ClientError, BotoCoreError) as error:
            record["error"] = str(error)
            self.pager.page("db_fence_failed", "database fence failed (the write lease still fences)", record)
            return f"failed: {error}"
        try:
            self.table.record_db_fence(fenced, reason, detail)
        except (ClientError, BotoCoreError) as error:
            detail += f" (not recorded: {error})"
        self.pager.clear("db_fence_failed")
        self.log.warning("database fence", fenced=fenced, reason=reason, detail=detail)
        return detail

    # --- housekeeping -----------------------------------------------------------------------
    def _housekeeping(self, command: Command) -> None:
        """Once per invocation: keep any unplanned-failover snapshot in this region."""
        if command.read_only:
            return
        from failover.actions import preserve_failover_snapshots

        try:
            copied = preserve_failover_snapshots(self.clients.rds)
        except (ClientError, BotoCoreError) as error:
            self.log.error("snapshot preservation failed", error=str(error))
            return
        if copied:
            self.log.warning("unplanned-failover snapshots copied", snapshots=copied)

    def _base_record(self) -> dict:
        c = self.config
        return {
            "outcome": None,
            "acted": False,
            "action": None,
            "dry_run": False,
            "command": None,
            "trigger": None,
            "event_id": None,
            "reason": "",
            "region": c.home_region,
            "peer_region": c.peer_region,
            "at": datetime.fromtimestamp(self.clock(), UTC).isoformat(),
            "signals": [],
            "self_check": None,
            "quorum": False,
            "consecutive": 0,
            "required_consecutive": c.required_evaluations,
            "lag_seconds": None,
            "max_lag_seconds": c.max_lag_seconds,
            "local_is_writer": None,
            "cluster": None,
            "routing_controls": None,
            "execution": None,
            "active_state": None,
            "lock": None,
            "notified": False,
            "errors": [],
        }

    def _quietly(self, fn, *args) -> None:
        try:
            fn(*args)
        except (ClientError, BotoCoreError) as error:
            self.log.error("write failed", error=str(error))


def _evidence_for(config: OrchestratorConfig, clients: Clients, clock, log) -> ev.ExecutionEvidence:
    """The region's evidence bucket and signing key, when both are configured and the
    clients for them exist; otherwise the no-op recorder."""
    if (
        not config.evidence_bucket
        or getattr(clients, "s3", None) is None
        or getattr(clients, "kms", None) is None
    ):
        return ev.no_evidence()
    return ev.s3_evidence(
        clients.s3,
        clients.kms,
        config.evidence_bucket,
        config.evidence_key_arn,
        clock,
        config={k: v for k, v in config.to_env().items()},
        commit=config.build_commit or "unknown",
        timing={k: getattr(config, k) for k in _TIMING_FIELDS} | {"code_sha256": ev.code_sha256()},
        log=log,
    )


_TIMING_FIELDS = (
    "required_evaluations",
    "evaluation_interval_seconds",
    "invocation_budget_seconds",
    "evaluation_gap_seconds",
    "probe_attempts",
    "probe_timeout_seconds",
    "max_lag_seconds",
    "lag_max_age_seconds",
    "lock_seconds",
    "page_after_seconds",
    "promotion_page_after_seconds",
)

_LOUD = {
    ARMED,
    d.DISARMED,
    d.BOTH_UNHEALTHY,
    d.HOME_UNHEALTHY,
    d.WRITER_SILENT,
    INVALID_EVENT,
    DUPLICATE,
    LOCK_HELD,
    d.RPO_GATE,
    d.NOT_ELIGIBLE,
    d.ABSTAIN,
    PROMOTED,
    STEP_FAILED,
    CANCELLED_OUTCOME,
}


def _last_failed(execution: dict) -> bool:
    step = execution.get("step")
    return execution["steps"].get(step, {}).get("status") == "failed"


def _as_dict(state) -> dict | None:
    return state.as_dict() if state else None


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _preview(event: object) -> str:
    text = json.dumps(event, default=str) if not isinstance(event, str) else event
    return text[:500]
