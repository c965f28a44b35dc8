"""The orchestrator: one evaluation per event, returning a decision record.

    record = Orchestrator(config, clients, clock=..., sleep=..., probe=...).evaluate(event)

Flow: parse the event -> claim its id (a redelivered event stops here) -> read the signals
-> record the evaluation in the control table -> decide (failover.decision) -> if promoting,
take the lock, check again under it, promote, poll, advance the epoch, publish -> log and
return the record. Dry runs and status commands read but never write.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from failover import decision as d
from failover.actions import Promoter, PromotionResult
from failover.cluster_state import ClusterView
from failover.config import OrchestratorConfig
from failover.control_table import ControlTable
from failover.events import EVALUATE, Command, EventError, parse_event
from failover.logs import get_logger
from failover.signals import (
    HttpsProbe,
    Probe,
    global_cluster_signal,
    lag_alarm_signal,
    observed_lag_seconds,
    peer_probe_signal,
)

# Outcomes decided here rather than in failover.decision.
INVALID_EVENT = "invalid_event"
DUPLICATE = "duplicate_event"
LOCK_HELD = "lock_held"
PROMOTED = "promoted"
PROMOTION_FAILED = "promotion_failed"
PROMOTION_TIMEOUT = "promotion_timeout"

# botocore retries (standard mode, with backoff) and timeouts instead of retry loops.
AWS_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=3,
    read_timeout=10,
)


@dataclass(frozen=True)
class Clients:
    """boto3 clients of the home region; nothing here ever talks to the peer region."""

    rds: object
    dynamodb: object
    sns: object
    cloudwatch: object

    @classmethod
    def for_region(cls, region: str, session: boto3.session.Session | None = None) -> Clients:
        session = session or boto3.session.Session()

        def client(service: str):
            return session.client(service, region_name=region, config=AWS_CONFIG)

        return cls(
            rds=client("rds"), dynamodb=client("dynamodb"), sns=client("sns"), cloudwatch=client("cloudwatch")
        )


class Orchestrator:
    def __init__(
        self,
        config: OrchestratorConfig,
        clients: Clients | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        probe: Probe | None = None,
        logger=None,
    ):
        """clock returns seconds since the epoch; sleep must advance that clock (a simulated
        clock's sleep moves it forward). probe(url) returns the list of ProbeAttempt."""
        self.config = config
        self.clients = clients or Clients.for_region(config.home_region)
        self.clock, self.sleep = clock, sleep
        self.probe = probe or HttpsProbe(config.probe_attempts, config.probe_timeout_seconds, sleep=sleep)
        self.log = logger or get_logger()
        self.table = ControlTable(self.clients.dynamodb, config.control_table, clock)
        self.promoter = Promoter(self.clients.rds, config, clock, sleep)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, **kwargs) -> Orchestrator:
        return cls(OrchestratorConfig.from_env(os.environ if environ is None else environ), **kwargs)

    # ----------------------------------------------------------------------------------
    def evaluate(self, event: object, request_id: str | None = None) -> dict:
        """Handle one event; always returns the decision record, never raises on bad input."""
        record = self._base_record()
        try:
            command = parse_event(event, request_id)
        except EventError as error:
            record.update(outcome=INVALID_EVENT, reason=str(error))
            self.log.error("rejected event", **record, event=_preview(event))
            return record
        record.update(
            command=command.kind,
            trigger=command.trigger,
            event_id=command.event_id,
            dry_run=command.dry_run,
            reason=command.reason,
        )
        if not command.read_only and not self.table.claim_event(command.event_id):
            record.update(outcome=DUPLICATE, reason="this event was already handled; acting once")
            self.log.warning("duplicate event", **record)
            return record
        try:
            self._evaluate(command, record)
        except Exception:
            if not command.read_only:
                # Let a retry of this invocation run again; the lock and the writer check
                # keep a second run from promoting twice.
                self._quietly(self.table.release_event, command.event_id)
            raise
        level = self.log.warning if record["outcome"] in _LOUD else self.log.info
        level("decision", **record)
        # The operator's status view shows the last decision. A dry run and a status command
        # change nothing; losing the write must not turn a decision already taken (and maybe
        # acted on) into an error.
        if not command.read_only and not command.dry_run:
            self._quietly(self.table.record_decision, record)
        return record

    def _evaluate(self, command: Command, record: dict) -> None:
        c = self.config
        signals, view = self._signals()
        lag = observed_lag_seconds(
            self.clients.cloudwatch, c.local_cluster_id, self.clock(), c.lag_lookback_seconds
        )
        has_quorum = d.quorum(signals)
        if command.kind == EVALUATE:
            self.table.record_evaluation(command.event_id, has_quorum, [s.as_dict() for s in signals])
        # Enough history to find N spaced evaluations among alarm-triggered ones.
        history = self.table.recent_evaluations(max(20, 4 * c.required_evaluations))
        consecutive = (
            d.consecutive_quorum(history, c.evaluation_gap_seconds, c.evaluation_spacing_seconds)
            if command.kind == EVALUATE
            else 0
        )
        local_is_writer = bool(view and view.local_is_writer(c.local_cluster_arn))
        situation = d.Situation(
            command=command.kind,
            local_is_writer=local_is_writer,
            operation_in_progress=bool(view and view.operation_in_progress),
            signals=tuple(signals),
            consecutive=consecutive,
            required_consecutive=c.required_evaluations,
            lag_seconds=lag,
            max_lag_seconds=c.max_lag_seconds,
            allow_data_loss=command.allow_data_loss,
        )
        decision = d.decide(situation)
        if not command.read_only:
            self._follow_writer(view, command.event_id)
        state = self.table.read_state()
        record.update(
            outcome=decision.outcome,
            action=decision.action,
            reason=_join(command.reason, decision.reason),
            signals=[s.as_dict() for s in signals],
            quorum=has_quorum,
            consecutive=consecutive,
            required_consecutive=c.required_evaluations,
            lag_seconds=lag,
            max_lag_seconds=c.max_lag_seconds,
            local_is_writer=local_is_writer,
            cluster=view.as_dict() if view else None,
            active_state=state.as_dict() if state else None,
            lock=self.table.lock_holder(),
        )
        if command.dry_run:
            return  # the decision is the answer; nothing is promoted, written or published
        if decision.action is not None:
            self._promote(command, decision, record)
        elif decision.notify:
            self._publish(record, f"trading-dr {c.home_region}: failover blocked by the RPO gate")

    def _follow_writer(self, view: ClusterView | None, event_id: str) -> None:
        """Keep this region's record of the active region and epoch in step with writer
        changes made by the other region's orchestrator (or an operator): each table then
        counts every change, so the epochs of both regions agree. A detached (standalone)
        home cluster is its own writer whatever the global cluster says, so it never follows."""
        if view is None or not view.found or not view.local_member or view.operation_in_progress:
            return
        if view.writer_arn is None:
            return
        writer_region = view.writer_arn.split(":")[3]
        state = self.table.read_state()
        if state is None:
            self.table.init_state(writer_region, event_id)
        elif state.active_region != writer_region:
            new = self.table.advance_epoch(
                writer_region,
                f"observed the global cluster's writer in {writer_region}",
                event_id,
                "observed",
            )
            self._publish(
                {
                    "outcome": "writer_observed",
                    "region": self.config.home_region,
                    "active_state": new.as_dict(),
                },
                f"trading-dr {self.config.home_region}: writer now in {writer_region} (epoch {new.epoch})",
            )

    def _signals(self) -> tuple[list[d.Signal], ClusterView | None]:
        c = self.config
        cluster_signal, view = global_cluster_signal(self.promoter.view, c.local_cluster_arn)
        return [
            peer_probe_signal(self.probe, c.peer_health_url),
            cluster_signal,
            lag_alarm_signal(self.clients.cloudwatch, c.lag_alarm_names),
        ], view

    def _promote(self, command: Command, decision: d.Decision, record: dict) -> None:
        c = self.config
        holder = command.event_id
        if not self.table.acquire_lock(holder, c.lock_seconds):
            record.update(outcome=LOCK_HELD, action=None, lock=self.table.lock_holder())
            return
        result: PromotionResult | None = None
        try:
            # Check again under the lock: another invocation may have promoted meanwhile.
            view = self.promoter.view()
            if view.local_is_writer(c.local_cluster_arn):
                record.update(outcome=d.ALREADY_WRITER, action=None, local_is_writer=True)
                return
            if view.operation_in_progress:
                record.update(outcome=d.IN_PROGRESS, action=None)
                return
            result = self.promoter.promote(decision.action)
            record["promotion"] = result.as_dict()
            if result.completed:
                state = self.table.advance_epoch(
                    c.home_region, record["reason"], command.event_id, result.performed[-1]
                )
                record.update(
                    outcome=PROMOTED, acted=True, active_state=state.as_dict(), local_is_writer=True
                )
                self._publish(record, f"trading-dr: {c.home_region} promoted to writer (epoch {state.epoch})")
            else:
                record.update(
                    outcome=PROMOTION_TIMEOUT if result.performed else PROMOTION_FAILED,
                    acted=bool(result.performed),
                )
                self._publish(
                    record, f"trading-dr {c.home_region}: promotion {record['outcome'].replace('_', ' ')}"
                )
        finally:
            # After a timeout the operation may still be running: keep the lock until it
            # expires so that nobody starts a second one meanwhile.
            if result is None or not (result.performed and not result.completed):
                self.table.release_lock(holder)
            record["lock"] = self.table.lock_holder()

    def _publish(self, record: dict, subject: str) -> None:
        try:
            self.clients.sns.publish(
                TopicArn=self.config.alert_topic_arn,
                Subject=subject[:100],
                Message=json.dumps(record, default=str, indent=1),
            )
            record["notified"] = True
        except (ClientError, BotoCoreError) as error:
            record.setdefault("errors", []).append(f"publish: {error}")
            self.log.error("publish failed", subject=subject, error=str(error))

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
            "quorum": False,
            "consecutive": 0,
            "required_consecutive": c.required_evaluations,
            "lag_seconds": None,
            "max_lag_seconds": c.max_lag_seconds,
            "local_is_writer": None,
            "cluster": None,
            "promotion": None,
            "active_state": None,
            "lock": None,
            "notified": False,
            "errors": [],
        }

    def _quietly(self, fn, *args) -> None:
        try:
            fn(*args)
        except (ClientError, BotoCoreError) as error:
            self.log.error("cleanup failed", error=str(error))


_LOUD = {INVALID_EVENT, DUPLICATE, LOCK_HELD, d.RPO_GATE, PROMOTED, PROMOTION_FAILED, PROMOTION_TIMEOUT}


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _preview(event: object) -> str:
    text = json.dumps(event, default=str) if not isinstance(event, str) else event
    return text[:500]
