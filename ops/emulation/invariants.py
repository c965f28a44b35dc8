"""The drill's invariants, as pure functions of one observation of the world. The drill
calls every one of them at every step of every scenario (after each AWS call, each
evaluation and each simulated second); a message means the invariant is broken.

- one_writer: no two-writer window: a region's application never acknowledges a write while
  another region is the global cluster's writer, nor within a second of another region
  acknowledging one (Aurora's own fencing of an old writer is best effort, so a database
  that still accepts writes is not the test: an acknowledged write is);
- lease_respected: no write is acknowledged by a region at or after the latest valid_until
  ever written for its write lease (judged against the control table, not the application's
  cache);
- loss_within_lag: the acknowledged writes an unplanned failover lost were all acknowledged
  inside the replication lag at its start (after the newest replicated heartbeat, before
  the failover began);
- one_automatic_failover: at most one automatic unplanned failover until an operator re-arms;
- traffic_follows_writer: once a region has been the one region accepting writes for longer
  than the authority and DNS need to follow it (DrWorld.traffic_grace_seconds: one evaluation,
  one fence, the routing-control check's propagation, and the endpoint check's detection where
  a record is gated by one), the application record answers that region, so no client is
  sent to a non-writer region for longer than that plus the record's TTL;
- epochs_agree: the fencing epoch never goes backwards in a region, no two regions record
  different active regions for one epoch, and once converged every region records the same
  and every write lease that still allows writes carries it (the epoch travels with the lease
  into each write: a writer renewing under a stale epoch would stamp its writes with an
  epoch another region has moved past, docs/ARCHITECTURE.md "One fencing epoch");
- no_orphan_lock: a lock whose holder returned is released; a lock whose holder died expires
  within the lease it had when the holder died (it is never renewed by the dead);
- serving_lease_held: the region that serves (its routing control On, the peer's Off) holds a
  valid write lease continuously while its orchestrator is healthy (the region up and not
  impaired, its DynamoDB and ARC answering it, no process of it killed within a schedule
  period and a lease): a lease that lapses there refuses every client write while nothing is
  wrong. Judged from one lease after the controls last moved (the new holder's first renewal).
"""

from __future__ import annotations

from dataclasses import dataclass

INVARIANTS = (
    "one_writer",
    "lease_respected",
    "loss_within_lag",
    "one_automatic_failover",
    "traffic_follows_writer",
    "epochs_agree",
    "no_orphan_lock",
    "serving_lease_held",
)

Ack = tuple[float, str, str, "int | None"]
"""(when, region, kind, epoch) of one acknowledged write."""


def one_writer(recent: list[Ack], writer: str | None, new: list[Ack]) -> str | None:
    """`recent`: acknowledgements of the last second (including `new`); `writer`: the
    global cluster's writer region now; `new`: the acknowledgements since the last check."""
    for at, region, kind, _ in new:
        if writer is not None and region != writer:
            return f"{region} acknowledged a {kind} write at {at:.0f} while {writer} is the writer"
    regions = {region for _, region, _, _ in recent}
    if len(regions) > 1:
        return f"two regions acknowledged writes within a second: {', '.join(sorted(regions))}"
    return None


def lease_respected(new: list[Ack], granted: dict[str, tuple[float, int]]) -> str | None:
    """`granted`: region -> (latest valid_until ever written for its lease, its epoch)."""
    for at, region, kind, epoch in new:
        lease = granted.get(region)
        if lease is None:
            return f"{region} acknowledged a {kind} write at {at:.0f} without ever holding a lease"
        if at >= lease[0]:
            return (
                f"{region} acknowledged a {kind} write at {at:.0f}, "
                f"{at - lease[0]:.0f}s after its lease lapsed"
            )
        if epoch is not None and epoch > lease[1]:
            return f"{region} acknowledged a {kind} write under epoch {epoch} > its lease's {lease[1]}"
    return None


def loss_within_lag(
    lost: list[float], acknowledged: list[float], newest_replicated: float, started: float, source: str
) -> str | None:
    """An unplanned failover that began at `started` lost the writes acknowledged at `lost`;
    `acknowledged`: when the old writer acknowledged each write; `newest_replicated`: the
    newest heartbeat (or replication point) the target had at the start."""
    late = [at for at in lost if at > started]
    inside = [at for at in acknowledged if newest_replicated < at <= started]
    if late or len(lost) > len(inside):
        return (
            f"{len(lost)} acknowledged writes lost, {len(late)} of them acknowledged by {source} "
            f"after the failover began; the lag at its start ({started - newest_replicated:.0f}s) "
            f"covered {len(inside)}"
        )
    return None


def one_automatic_failover(promotions: list[tuple[float, str]], arms: list[float]) -> str | None:
    """`promotions`: (when, invocation) of every unplanned failover AWS accepted; an operator's
    invocation id starts with "drill-operator-"; `arms`: when an operator re-armed."""
    last_arm = max(arms, default=float("-inf"))
    automatic = [
        at for at, caller in promotions if at > last_arm and not caller.startswith("drill-operator-")
    ]
    if len(automatic) > 1:
        return f"{len(automatic)} automatic unplanned failovers without a re-arm between them"
    return None


def traffic_follows_writer(
    writer: str | None, writer_since: float, answer: str, now: float, grace: float
) -> str | None:
    if writer is None or answer == writer:
        return None
    if now - writer_since > grace:
        return (
            f"DNS sends clients to {answer} while {writer} has been the writer for "
            f"{now - writer_since:.0f}s (> {grace:.0f}s to follow; clients stay up to the TTL more)"
        )
    return None


@dataclass(frozen=True)
class EpochRecord:
    region: str
    epoch: int
    active_region: str | None


@dataclass(frozen=True)
class LeaseRecord:
    region: str
    epoch: int
    valid_until: float


def epochs_agree(
    records: list[EpochRecord],
    history: dict[str, int],
    converged: bool = False,
    leases: list[LeaseRecord] | None = None,
    now: float = 0.0,
) -> str | None:
    """`history`: the highest epoch each region has recorded so far (updated by the caller);
    `leases`: each region's write lease as stored now (judged once converged)."""
    for record in records:
        if record.epoch < history.get(record.region, 0):
            return f"{record.region}'s epoch went back from {history[record.region]} to {record.epoch}"
    by_epoch: dict[int, set[str | None]] = {}
    for record in records:
        by_epoch.setdefault(record.epoch, set()).add(record.active_region)
    for epoch, actives in by_epoch.items():
        if len(actives) > 1:
            return f"epoch {epoch} names different active regions: {sorted(map(str, actives))}"
    if converged and len({r.epoch for r in records}) > 1:
        return "converged, but epochs differ: " + ", ".join(f"{r.region}={r.epoch}" for r in records)
    if converged and records:
        current = records[0].epoch
        for lease in leases or []:
            if lease.valid_until > now and lease.epoch != current:
                return (
                    f"converged at epoch {current}, but {lease.region}'s write lease (valid until "
                    f"{lease.valid_until:.0f}) carries epoch {lease.epoch}"
                )
    return None


@dataclass(frozen=True)
class LockRecord:
    region: str
    holder: str
    expires_at: float


@dataclass(frozen=True)
class Ended:
    at: float
    killed: bool


def no_orphan_lock(
    locks: list[LockRecord], running: set[str], ended: dict[str, Ended], lease: float, now: float
) -> str | None:
    for lock in locks:
        if lock.holder in running or lock.expires_at <= now:
            continue
        end = ended.get(lock.holder)
        if end is None:
            continue  # a holder the drill did not start (an operator's id): not judged here
        if not end.killed:
            return f"{lock.region}: lock held by {lock.holder}, which returned at {end.at:.0f}"
        if lock.expires_at > end.at + lease:
            return (
                f"{lock.region}: lock of {lock.holder} (died at {end.at:.0f}) expires at "
                f"{lock.expires_at:.0f}, past its {lease:.0f}s lease"
            )
    return None


def serving_lease_held(
    serving: str | None,
    lease_region: str | None,
    valid_until: float | None,
    healthy: bool,
    serving_since: float,
    grace: float,
    now: float,
) -> str | None:
    """`serving`: the one region whose routing control is On (None: none or both);
    `lease_region`/`valid_until`: the write lease in that region's own table (None: no item);
    `healthy`: its orchestrator can renew (see the module's docstring); `serving_since`: when
    the controls last moved; `grace`: how long the new holder may take to renew first."""
    if serving is None or not healthy or now < serving_since + grace:
        return None
    if lease_region == serving and valid_until is not None and now < valid_until:
        return None
    lapsed = "it holds none" if valid_until is None else f"it lapsed at {valid_until:.1f}"
    return f"{serving} serves with a healthy orchestrator, but its write lease is not valid ({lapsed})"
