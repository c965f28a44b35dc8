"""The executor: a DynamoDB-driven state machine in the home region's control table (no
Step Functions), so that a promotion can neither wedge nor run twice.

- One item per execution (EXEC/<id>) with its current step; the id is deterministic:
  "<global cluster>:<home region>:epoch-<N>", N being the fencing epoch it starts. At most
  one execution is open per region (EXEC/OPEN, a conditional put).
- Every step is idempotent and resumable: it first looks at the world (ARC state, the
  global cluster, the instance, the group) and only then acts, so a step re-run after a
  crash does nothing twice.
- A lock with a LEASE (LOCK/FAILOVER) is held by the running invocation and renewed at
  every step. A holder that cannot renew has lost it and stops; a crashed holder's lease
  lapses and the next invocation resumes the same execution from its recorded step.
- Long waits (failover in progress, the writer instance coming up, targets becoming
  healthy) are WAIT outcomes: the executor stops and the next evaluation polls again;
  nothing sleeps longer than the invocation budget.
- Nothing here removes a cluster from the global cluster (see failover.actions).

Unplanned (failover), in order: PREPARE, all of it reversible and nothing a client sees:
scale the compute to full size and, for a headless cluster, add the writer instance ->
the instance is available (AWS needs it before the failover) -> the group has instances
in service (healthy targets) -> only then FENCE (ARC: home ON, peer OFF in one call; traffic moves here) ->
FailoverGlobalCluster(AllowDataLoss) reconciled -> our cluster is the writer with an
available writer instance -> test write -> record the epoch -> preserve the
unplanned-failover snapshot -> notify.

Why prepare first (traffic only once targets are healthy, docs/ARCHITECTURE.md#the-dr-region-must-serve):
the routing control is what moves DNS, so fencing a pilot-light region sends every client
to an ALB with no healthy target until the group has booted. Preparing first costs a
hot-standby nothing (the group is at full size and the cluster has instances: each
preparation step is DONE on its first look) and costs pilot-light nothing on the
critical path either, since FailoverGlobalCluster needed the writer instance anyway.
Preparation WAITs across evaluations (never a sleep). Before the fence an automatic
execution stands down when the peer is seen healthy (the group goes back to the sizes
kept in the control table's PREWARM item), and the fence itself needs the driving
evaluation to decide "promote" again: a fence minutes after the decision must not rest on
stale evidence.

Planned (switchover, also failback): compute and instance first, SwitchoverGlobalCluster,
wait for the writer, and only THEN flip the routing controls, then the rest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from failover import actions as a
from failover import capacity, db_fence
from failover import evidence as ev
from failover.arc import ArcConflict, ArcError, RoutingControls, home_is_active, is_peer_active
from failover.cluster_state import ClusterView
from failover.config import OrchestratorConfig
from failover.control_table import ControlTable
from failover.decision import data_at_risk
from failover.events import FAILOVER, SWITCHOVER
from failover.signals import heartbeat_reading

RUNNING, SUCCEEDED, FAILED_STATUS, CANCELLED = "running", "succeeded", "failed", "cancelled"
REVERTED = "reverted"
"""A step outcome: the fence was given back to the healthy old writer (the execution ends)."""

FENCE = "fence"
SCALE_COMPUTE = "scale_compute"
ADD_WRITER = "add_writer_instance"
WRITER_INSTANCE_READY = "writer_instance_ready"
PROMOTE_DB = "promote_db"
WRITER_READY = "writer_ready"
TEST_WRITE = "test_write"
RECORD_EPOCH = "record_epoch"
TARGETS_READY = "targets_ready"
RESTORE_DB_WRITES = "restore_db_writes"
PRESERVE_SNAPSHOT = "preserve_snapshot"
NOTIFY = "notify"

STEPS = {
    # Unplanned: reversible preparation, then the fence, then the promotion.
    FAILOVER: (
        SCALE_COMPUTE,
        ADD_WRITER,
        WRITER_INSTANCE_READY,
        TARGETS_READY,
        FENCE,
        PROMOTE_DB,
        WRITER_READY,
        RESTORE_DB_WRITES,
        TEST_WRITE,
        RECORD_EPOCH,
        PRESERVE_SNAPSHOT,
        NOTIFY,
    ),
    # Planned: the controls flip only AFTER the writer moved.
    SWITCHOVER: (
        SCALE_COMPUTE,
        ADD_WRITER,
        WRITER_INSTANCE_READY,
        PROMOTE_DB,
        WRITER_READY,
        RESTORE_DB_WRITES,
        FENCE,
        TEST_WRITE,
        RECORD_EPOCH,
        TARGETS_READY,
        NOTIFY,
    ),
}


def execution_id(global_cluster_id: str, region: str, epoch: int) -> str:
    return f"{global_cluster_id}:{region}:epoch-{epoch}"


def new_execution(
    config: OrchestratorConfig, kind: str, epoch: int, reason: str, event_id: str, now: float, **flags
) -> dict:
    return {
        "id": execution_id(config.global_cluster_id, config.home_region, epoch),
        "kind": kind,
        "status": RUNNING,
        "step": STEPS[kind][0],
        "steps": {},
        "epoch": epoch,
        "target_region": config.home_region,
        "reason": reason,
        "event_id": event_id,
        "started_at": now,
        "updated_at": now,
        "errors": [],
        **flags,
    }


STEP_EVIDENCE = {
    FENCE: ev.FENCE,
    PROMOTE_DB: ev.PROMOTION_REQUESTED,
    WRITER_READY: ev.PROMOTION_COMPLETED,
    TEST_WRITE: ev.FIRST_WRITE,
}
"""A step done, as the evidence format's kind (any other step or outcome: "step")."""


def close_evidence(evidence: ev.ExecutionEvidence, execution: dict) -> None:
    """The execution ended (succeeded, failed or cancelled): its last record, then the seal."""
    evidence.append(
        ev.EXECUTION_CLOSED,
        {
            k: execution.get(k)
            for k in ("id", "kind", "status", "epoch", "errors", "test_write", "stood_down")
        },
    )
    started = execution.get("first_down_at") or execution.get("started_at")
    written = execution["steps"].get(TEST_WRITE, {})
    evidence.seal(
        {
            "verdict": execution["status"],
            "started_at": ev.iso(execution["started_at"]),
            "rto_seconds": round(written["at"] - started, 1)
            if written.get("status") == a.DONE and started is not None
            else None,
            "data_at_risk_seconds": execution.get("lag_seconds"),
            "allow_data_loss": bool(execution.get("allow_data_loss")),
            "epoch": execution["epoch"],
        }
    )


def pending_steps(execution: dict) -> list[str]:
    return [s for s in STEPS[execution["kind"]] if execution["steps"].get(s, {}).get("status") != a.DONE]


@dataclass
class Context:
    config: OrchestratorConfig
    clients: object
    table: ControlTable
    arc: RoutingControls
    read_view: Callable[[], ClusterView]
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    publish: Callable[[dict, str], bool]
    """publish(message, subject) -> True when the topic accepted it."""
    page: Callable[[str, str, dict], None]
    """page(kind, subject, record): once per episode."""
    clear_page: Callable[[str], None]
    renew: Callable[[], object] = lambda: None
    """Renew this region's write lease (the orchestrator's renewer) while a wait sleeps."""
    evidence: ev.ExecutionEvidence = field(default_factory=ev.no_evidence)
    """The open execution's evidence record: append(kind, data); a no-op when none is
    configured (failover/evidence.py)."""


class Executor:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.may_fence = True
        self.home_serving = False
        """The driving evaluation's outside witness of the HOME region says it serves."""
        self.operator = False
        """An operator's command drives the execution (it overrides the automatic holds)."""
        self.peer_healthy = False
        """The driving evaluation has positive evidence (witness and probe) that the peer serves."""
        self.looked: ClusterView | None = None
        """The cluster as read in this drive (or by the caller under the lock, just before it):
        the preparation steps that only look at it share one read; forgotten when the drive
        ends and after a step that changed the cluster."""

    def drive(
        self, execution: dict, holder: str, may_fence: bool = True, looked: ClusterView | None = None
    ) -> dict:
        """Run the execution's steps from where it stands until one waits or fails, it ends,
        or the lease cannot be renewed. Every step is preceded by a renewal. may_fence: the
        evaluation driving this decided "promote" (or a human asked); an automatic failover
        waits before its fence otherwise. looked: the cluster as the caller just read it under
        the lock (the preparation's first look)."""
        self.may_fence, self.looked = may_fence, looked
        try:
            return self._drive(execution, holder)
        finally:
            self.looked = None

    def _drive(self, execution: dict, holder: str) -> dict:
        c = self.ctx
        while execution["status"] == RUNNING:
            remaining = pending_steps(execution)
            if not remaining:
                execution["status"], execution["step"] = SUCCEEDED, None
                execution["updated_at"] = c.clock()
                c.table.close_execution(execution, holder)
                c.clear_page("promotion_slow")
                close_evidence(c.evidence, execution)
                break
            if not c.table.renew_lock(holder, c.config.lock_seconds):
                execution.setdefault("notes", []).append("lock lost: stopped")
                break
            step = remaining[0]
            execution["step"] = step
            outcome = self._run(step, execution)
            entry = execution["steps"].setdefault(step, {"attempts": 0})
            repeated = (entry.get("status"), entry.get("detail")) == (outcome.status, outcome.detail)
            entry.update(status=outcome.status, detail=outcome.detail, at=c.clock())
            entry["attempts"] = entry.get("attempts", 0) + (outcome.status != a.DONE)
            execution["updated_at"] = c.clock()
            if not repeated:  # a wait polled again with the same answer adds nothing
                c.evidence.append(
                    STEP_EVIDENCE.get(step, ev.STEP) if outcome.status == a.DONE else ev.STEP,
                    {
                        "step": step,
                        "status": outcome.status,
                        "detail": outcome.detail,
                        "attempts": entry["attempts"],
                    },
                )
            if outcome.status == a.REFUSED:
                execution["status"] = FAILED_STATUS
                execution["errors"].append(f"{step}: {outcome.detail}")
                c.table.close_execution(execution, holder)
                close_evidence(c.evidence, execution)
                c.page(f"step_failed:{step}", f"{execution['kind']} refused at {step}", execution)
                break
            if outcome.status == REVERTED:
                execution["status"] = CANCELLED
                execution["errors"].append(f"{step}: {outcome.detail}")
                c.table.close_execution(execution, holder)
                close_evidence(c.evidence, execution)
                break
            c.table.save_execution(execution, holder)
            if outcome.status == a.FAILED:
                execution["errors"].append(f"{step}: {outcome.detail}")
                c.table.save_execution(execution, holder)
                c.page(f"step_failed:{step}", f"promotion step {step} failing", execution)
                break
            if outcome.status == a.WAIT:
                break
            c.clear_page(f"step_failed:{step}")
        if (
            execution["status"] == RUNNING
            and c.clock() - execution["started_at"] > c.config.promotion_page_after_seconds
        ):
            c.page(
                "promotion_slow",
                f"promotion running for over {c.config.promotion_page_after_seconds}s",
                execution,
            )
        return execution

    def _run(self, step: str, execution: dict) -> a.StepOutcome:
        try:
            return getattr(self, f"_{step}")(execution)
        except (ClientError, BotoCoreError, ArcError, LookupError) as error:
            return a.StepOutcome(a.FAILED, f"{type(error).__name__}: {error}")

    # --- steps ---------------------------------------------------------------------------
    def _fence(self, execution: dict) -> a.StepOutcome:
        arc = self.ctx.arc
        automatic = execution["kind"] == FAILOVER and execution.get("automatic")
        # When one of the holds below may apply, ARC is read first: an execution that ARC
        # already shows fenced is done whatever would hold it. When none can, no read first:
        # the update is idempotent (home ON, peer OFF again changes nothing where ARC already
        # shows them) and the read after it is what proves the fence.
        may_hold = automatic and (
            not self.may_fence
            or (not self.operator and (not self.ctx.config.serves_at_rest or not self.home_serving))
        )
        if may_hold and home_is_active(arc.states()):
            self._fenced(execution)
            return a.StepOutcome(a.DONE, "routing controls already home ON, peer OFF")
        if automatic and not self.may_fence:
            return a.StepOutcome(a.WAIT, "prepared; the fence waits for an evaluation that decides promote")
        if automatic and not self.operator and not self.ctx.config.serves_at_rest:
            # Pilot light: the decision could not read the data at risk (nothing observed at
            # rest); the preparation started the observers. Never fence on an unknown.
            lag, why = self._data_at_risk(execution)
            if lag is None or lag > self.ctx.config.max_lag_seconds:
                self.ctx.page("rpo_gate", f"RPO gate before the fence: {why}", execution)
                return a.StepOutcome(a.WAIT, f"RPO gate before the fence: {why} (paged)")
        if automatic and not self.operator and not self.home_serving:
            # docs/ARCHITECTURE.md "No flapping": never fence onto a region that its own
            # outside witness does not see healthy. Bounded: past the bound it pages (and
            # keeps waiting: a human decides, with a manual failover).
            return self._bounded_wait(
                execution, "home_unhealthy_at_fence", "this region's outside witness does not see it healthy"
            )
        try:
            arc.activate_home()
        except ArcConflict as error:
            # Re-read before deciding anything: the change may have been made already.
            if home_is_active(arc.states()):
                self._fenced(execution)
                return a.StepOutcome(a.DONE, "routing controls home ON, peer OFF (after a conflict)")
            return a.StepOutcome(a.FAILED, str(error))
        states = arc.states()
        if home_is_active(states):
            self._fenced(execution)
            return a.StepOutcome(a.DONE, "routing controls flipped: home ON, peer OFF")
        return a.StepOutcome(a.WAIT, f"routing controls read {states} after the update")

    def _fenced(self, execution: dict) -> None:
        """ARC shows the fence: remember WHEN this execution first saw it (the promotion waits
        a lease plus the clock margin from then), make the full size final and, for an
        automatic failover, disarm automatic failover (one automatic failover, then a human)."""
        c = self.ctx
        execution.setdefault("fenced_at", c.clock())
        self._keep_capacity(execution)
        if execution.get("automatic") and not execution.get("disarmed"):
            why = f"automatic failover to {c.config.home_region} (epoch {execution['epoch']})"
            c.table.set_arming(False, "orchestrator", why, execution["epoch"])
            execution["disarmed"] = True
            c.evidence.append(ev.ARMING, {"armed": False, "by": "orchestrator", "reason": why})
        c.renew()  # this region's lease now follows the flipped controls

    def _bounded_wait(self, execution: dict, kind: str, why: str) -> a.StepOutcome:
        waited = self.ctx.clock() - execution.setdefault("waiting_since", {}).setdefault(
            kind, self.ctx.clock()
        )
        if waited > self.ctx.config.max_prefence_wait_seconds:
            self.ctx.page(kind, f"fence held back {waited:.0f}s: {why}", execution)
            return a.StepOutcome(a.WAIT, f"{why} (for {waited:.0f}s: paged)")
        return a.StepOutcome(a.WAIT, f"{why} (for {waited:.0f}s)")

    def _scale_compute(self, execution: dict) -> a.StepOutcome:
        c = self.ctx.config
        if not c.asg_name:
            return a.StepOutcome(a.DONE, "no Auto Scaling group configured")
        autoscaling = self.ctx.clients.autoscaling
        try:
            if execution["kind"] == FAILOVER and self.ctx.table.prewarm() is None:
                # Preparation before the fence is reversible: keep the sizes to go back to
                # (the pre-warm's, when it scaled first) until the fence makes them final.
                self.ctx.table.save_prewarm(capacity.sizes(autoscaling, c.asg_name))
            before = capacity.scale_to(autoscaling, c.asg_name, c.asg_full_capacity)
        except (ClientError, BotoCoreError, LookupError) as error:
            # Compute must not hold up the database: targets_ready tries again and pages.
            self.ctx.page("step_failed:scale_compute", "scaling the compute failed", execution)
            return a.StepOutcome(a.DONE, f"not scaled yet ({error}); retried by {TARGETS_READY}")
        if execution["kind"] != FAILOVER:
            self.ctx.table.clear_prewarm()  # planned: the pre-warm, if any, is now for good
        return a.StepOutcome(a.DONE, f"{c.asg_name} to {c.asg_full_capacity} (was {before})")

    def _keep_capacity(self, execution: dict) -> None:
        """After the fence the full size is for good: forget the sizes to go back to."""
        if self.ctx.config.asg_name:
            self.ctx.table.clear_prewarm()

    def stand_down(self, execution: dict) -> str:
        """An automatic failover cancelled before its fence: the group back to the sizes it
        had (a writer instance added to a headless cluster stays: a reader costs money, not
        safety, and deleting instances is not this function's to do; the page says so)."""
        c = self.ctx.config
        notes = []
        if c.asg_name:
            saved = self.ctx.table.prewarm()
            if saved is not None:
                capacity.restore(self.ctx.clients.autoscaling, c.asg_name, saved)
                self.ctx.table.clear_prewarm()
                notes.append(f"{c.asg_name} back to {saved}")
        if execution["steps"].get(ADD_WRITER, {}).get("detail", "").endswith("requested"):
            notes.append(f"writer instance of {c.local_cluster_id} kept (delete it by hand if unwanted)")
        return "; ".join(notes)

    def _look(self) -> ClusterView:
        if self.looked is None:
            self.looked = self.ctx.read_view()
        return self.looked

    def _add_writer_instance(self, execution: dict) -> a.StepOutcome:
        c = self.ctx.config
        outcome = a.ensure_writer_instance(
            self.ctx.clients.rds, self._look(), c.local_cluster_id, c.writer_instance_class
        )
        if outcome.detail.endswith("requested"):
            self.looked = None  # the cluster changed: the next step reads it again
        return outcome

    def _writer_instance_ready(self, execution: dict) -> a.StepOutcome:
        view = self._look()
        if not view.headless and execution["steps"].get(ADD_WRITER, {}).get("detail", "").startswith(
            "the cluster"
        ):
            return a.StepOutcome(a.DONE, "the cluster has instances")
        return a.writer_instance_ready(self.ctx.clients.rds, view, self.ctx.config.local_cluster_id)

    def _promote_db(self, execution: dict) -> a.StepOutcome:
        c = self.ctx.config
        if execution["kind"] == FAILOVER and a.reconcile(self.ctx.read_view(), c.local_cluster_arn) is None:
            held = self._lease_wait(execution)
            if held is not None:
                return held
            gate = self._rpo_gate(execution)
            if gate is not None:
                return gate
        return a.request_promotion(
            self.ctx.clients.rds,
            execution["kind"],
            c.global_cluster_id,
            c.local_cluster_arn,
            self.ctx.read_view,
            self.ctx.sleep,
        )

    def _lease_wait(self, execution: dict) -> a.StepOutcome | None:
        """Wait L + the clock margin from the fence as ARC showed it (docs/ARCHITECTURE.md,
        "Never two writers"): by then every write path of the old region has refused writes,
        even one that DNS no longer reaches and that cannot reach ARC (its lease, renewed at
        the latest from a read that began before the flip, lapsed). Slept here, renewing this
        region's lease, since the wait is shorter than the executor lock (failover/config.py)."""
        c = self.ctx
        fenced_at = execution.get("fenced_at")
        if fenced_at is None:
            # A record from before the fence time was kept: the fence is at the latest now.
            fenced_at = execution["fenced_at"] = c.clock()
        until = fenced_at + c.config.write_lease_seconds + c.config.clock_margin_seconds
        while c.clock() < until:
            c.sleep(min(c.config.write_lease_renew_seconds, until - c.clock()))
            if c.clock() < until:  # once the wait is over the promotion goes first
                c.renew()
        execution["lease_wait_done_at"] = c.clock()
        return None

    def _rpo_gate(self, execution: dict) -> a.StepOutcome | None:
        """Right before FailoverGlobalCluster, when the old writer has provably stopped: the
        data-plane heartbeat must be fresh, must not have moved since the lease wait began
        (a writer that still writes ignores its lease: promoting would make two writers),
        and its lag at the outage's first sight must be within the bound. Blocked: WAIT and
        page (the execution stays open, ARC stays moved: a human decides, and a manual
        failover with allow_data_loss goes on)."""
        c = self.ctx
        cfg = c.config
        reading = heartbeat_reading(
            c.table.heartbeat_item(), cfg.peer_region, c.clock(), cfg.heartbeat_max_age_seconds
        )
        newest = reading.newest_at
        execution["heartbeat_at_gate"] = newest
        fenced_at = execution["fenced_at"]
        # A beat stamped after fence + L was written by a path that ignores its lease (the DB's
        # clock running ahead of ours can only make this hold a promotion for nothing: safe).
        if newest is not None and newest > fenced_at + cfg.write_lease_seconds:
            c.page("writer_after_fence", "the old writer still writes after its lease lapsed", execution)
            return a.StepOutcome(
                a.WAIT, f"the old writer's heartbeat moved after the fence ({newest:.0f}): held"
            )
        if execution.get("allow_data_loss") or not execution.get("automatic"):
            # An operator's failover passed its own gate (or bypassed it, recorded).
            return None
        lag, why = self._data_at_risk(execution, reading)
        execution["heartbeat_lag_seconds"] = lag
        if lag is None or lag > cfg.max_lag_seconds:
            if self.peer_healthy and not self.operator:
                return self._give_fence_back(execution, why)
            c.page("rpo_gate_after_fence", f"RPO gate after the fence: {why}", execution)
            return a.StepOutcome(a.WAIT, f"RPO gate: {why} (bound {cfg.max_lag_seconds}s): paged")
        return None

    def _data_at_risk(self, execution: dict, reading=None) -> tuple[float | None, str]:
        """The data at risk the heartbeat proves, from a FRESH observation only (None: unknown),
        in every tier: the newest replicated beat judged against execution["writer_down_by"]
        (the quorum streak's start, or the start of the Route 53 failure that began it,
        decision.writer_down_by): the writer down by then acknowledged nothing after it, so
        (writer_down_by - newest beat) bounds the loss, even when replication stalled (or this
        region was cut off from it) before the writer died; a newest beat written after
        writer_down_by is read by its arrival lag (control_table.heartbeat_lag). Under the same
        limit as any reading (a writer that kept writing behind a partition loses what it
        acknowledged until its lease lapsed). decision.data_at_risk, docs/FAILOVER_RUNTIME.md
        "The RPO gate"."""
        c = self.ctx
        cfg = c.config
        if reading is None:
            reading = heartbeat_reading(
                c.table.heartbeat_item(), cfg.peer_region, c.clock(), cfg.heartbeat_max_age_seconds
            )
        lag = c.table.heartbeat_lag(reading.newest_at, reading.observed_at)
        # An execution saved before writer_down_by existed: its streak's start (no credit).
        down_by = execution.get("writer_down_by", execution.get("first_down_at"))
        return data_at_risk(lag, reading.newest_at, None if down_by is None else float(down_by))

    def _give_fence_back(self, execution: dict, why: str) -> a.StepOutcome:
        """ARC moved but the promotion cannot pass its RPO gate, and the old writer serves again
        (positive evidence: witness and probe). Holding would leave traffic on a region without
        a writer for as long as nobody acts; the old writer never stopped being the database's
        writer (this region never promoted), so the routing controls go back to it in ONE
        transaction (peer ON, home OFF), this region's lease is revoked at once, both changes
        count into the epoch (the peer counts them, or adopts the epoch when it never read them:
        docs/ARCHITECTURE.md, "One fencing epoch") and a human is paged. Never silent.
        Automatic failover stays disarmed here until an operator re-arms it."""
        c = self.ctx
        if a.reconcile(c.read_view(), c.config.local_cluster_arn) is not None:
            # A promotion of this region's cluster exists: never give the fence back then.
            c.page("rpo_gate_after_fence", f"RPO gate after the fence: {why}", execution)
            return a.StepOutcome(a.WAIT, f"RPO gate: {why}: a promotion exists, held: paged")
        c.arc.activate_peer()
        if not is_peer_active(c.arc.states()):
            c.page("rpo_gate_after_fence", f"RPO gate after the fence: {why}", execution)
            return a.StepOutcome(a.WAIT, f"RPO gate: {why}: giving the fence back did not show: paged")
        c.renew()  # home reads Off now: this region's lease is revoked at once
        c.table.record_epoch(
            execution["epoch"], c.config.home_region, "fenced (not promoted)", execution["event_id"], "fence"
        )
        c.table.observe_active(
            c.config.peer_region,
            f"fence given back to {c.config.peer_region}: RPO gate after the fence ({why})",
            execution["event_id"],
        )
        c.page(
            "fence_reverted",
            f"failover to {c.config.home_region} given back to the healthy {c.config.peer_region}: "
            f"RPO gate after the fence ({why}); automatic failover stays disarmed until re-armed",
            execution,
        )
        return a.StepOutcome(REVERTED, f"RPO gate: {why}; the peer serves again: routing controls given back")

    def _restore_db_writes(self, execution: dict) -> a.StepOutcome:
        """Grant the application's write privileges back on the new writer: an old primary's
        database fence (failover/db_fence.py) replicates here before the promotion."""
        c = self.ctx.config
        if not c.db_fence_secret_arn:
            return a.StepOutcome(a.DONE, "no database fence configured")
        try:
            detail = db_fence.apply(
                self.ctx.clients.rds_data,
                c.local_cluster_arn,
                c.db_fence_secret_arn,
                c.data_api_database,
                c.db_fence_engine,
                c.db_app_user,
                fenced=False,
            )
        except (ClientError, BotoCoreError) as error:
            # Not a reason to hold the promotion: the page asks a human to grant them.
            self.ctx.page("step_failed:restore_db_writes", "write privileges not restored", execution)
            return a.StepOutcome(a.DONE, f"not restored ({error}): paged")
        self.ctx.table.record_db_fence(False, f"promoted (epoch {execution['epoch']})", detail)
        return a.StepOutcome(a.DONE, detail)

    def _writer_ready(self, execution: dict) -> a.StepOutcome:
        return a.local_writer_ready(
            self.ctx.clients.rds, self.ctx.read_view(), self.ctx.config.local_cluster_arn
        )

    def _test_write(self, execution: dict) -> a.StepOutcome:
        c = self.ctx.config
        outcome = a.test_write(
            self.ctx.clients.rds_data,
            self.ctx.read_view(),
            c.local_cluster_arn,
            c.data_api_secret_arn,
            c.data_api_database,
            execution["epoch"],
            execution["id"],
            c.home_region,
        )
        execution["test_write"] = "verified" if outcome.detail.startswith("verified") else "not_verified"
        return outcome

    def _record_epoch(self, execution: dict) -> a.StepOutcome:
        c = self.ctx.config
        state = self.ctx.table.record_epoch(
            execution["epoch"], c.home_region, execution["reason"], execution["event_id"], execution["kind"]
        )
        return a.StepOutcome(a.DONE, f"epoch {state.epoch} active in {state.active_region}")

    def _targets_ready(self, execution: dict) -> a.StepOutcome:
        c = self.ctx.config
        if not c.asg_name:
            return a.StepOutcome(a.DONE, "no Auto Scaling group configured")
        if self.home_serving and execution["kind"] == FAILOVER:
            # A tier that already serves (its outside witness, Route 53's checkers, sees it
            # healthy) fences without control-plane reads it does not need: throttled
            # DescribeTargetHealth/DescribeAutoScalingGroups must not hold up the fence.
            return a.StepOutcome(a.DONE, "serving: the home region's outside witness sees it healthy")
        # No read here may stop the failover: an error (throttling, HealthUnavailable, a
        # missing grant, a stale ARN) is recorded and counts as "not ready yet", and the
        # timeout below still lets the fence and the promotion go on. Raising would make the
        # step FAILED and every later evaluation (and an operator's manual failover) retry
        # the same read forever.
        errors: list[str] = []
        try:
            capacity.scale_to(self.ctx.clients.autoscaling, c.asg_name, c.asg_full_capacity)  # idempotent
        except (ClientError, BotoCoreError, LookupError) as error:
            errors.append(f"scale: {type(error).__name__}: {error}")
        healthy, status = self._healthy_targets(errors)
        if errors:
            status += " [" + "; ".join(errors) + "]"
        if healthy >= min(1, c.asg_full_capacity):
            return a.StepOutcome(a.DONE, status)
        if self.ctx.clock() - execution["started_at"] > c.max_prefence_wait_seconds:
            # Compute that will not come up is a human's problem (paged), not a reason to
            # keep a dead primary's clients waiting forever: the fence and the promotion go on.
            self.ctx.page("targets_not_ready", "no healthy target before the fence", execution)
            return a.StepOutcome(a.DONE, f"gave up waiting: {status} (paged)")
        return a.StepOutcome(a.WAIT, status)

    def _healthy_targets(self, errors: list[str]) -> tuple[int, str]:
        """(healthy targets, how we know). Before the fence: traffic may move once the load
        balancer HAS a healthy target (a warm standby's minimum-size group already does: it
        is not slowed); the rest of the full size keeps coming up in the background (min =
        desired = full size). The load balancer's view, not the group's: an instance is
        InService as soon as it runs, before the application answers the target group's
        checks. Only when the load balancer cannot be read is the group asked instead: the
        best evidence left, and never a reason to wait longer."""
        c = self.ctx.config
        if c.target_group_arn:
            try:
                healthy, registered = capacity.healthy_targets(self.ctx.clients.elbv2, c.target_group_arn)
                return healthy, f"{healthy} of {registered} targets healthy (full size {c.asg_full_capacity})"
            except (ClientError, BotoCoreError) as error:
                errors.append(f"target health: {type(error).__name__}: {error}")
        why = "the load balancer could not be read" if c.target_group_arn else "no target group configured"
        try:
            in_service = capacity.sizes(self.ctx.clients.autoscaling, c.asg_name)["in_service"]
        except (ClientError, BotoCoreError, LookupError) as error:
            errors.append(f"group: {type(error).__name__}: {error}")
            return 0, "health unknown"
        return in_service, f"{in_service} of {c.asg_full_capacity} instances in service ({why})"

    def _preserve_snapshot(self, execution: dict) -> a.StepOutcome:
        copied = a.preserve_failover_snapshots(self.ctx.clients.rds)
        if copied:
            return a.StepOutcome(a.DONE, f"copied {', '.join(copied)}")
        return a.StepOutcome(
            a.DONE,
            "no unplanned-failover snapshot in this region yet: it is taken of the old primary's "
            "storage; every orchestrator copies the ones in its own region at each invocation",
        )

    def _notify(self, execution: dict) -> a.StepOutcome:
        c = self.ctx.config
        message = {"outcome": "promoted", "region": c.home_region, "execution": execution}
        subject = f"trading-dr: {c.home_region} promoted to writer (epoch {execution['epoch']})"
        if self.ctx.publish(json.loads(json.dumps(message, default=str)), subject):
            return a.StepOutcome(a.DONE, "published")
        # The promotion is done and logged; a topic that cannot be reached must not keep
        # the execution open (it would block the next one).
        return a.StepOutcome(a.DONE, "publish failed: see the orchestrator's log")
