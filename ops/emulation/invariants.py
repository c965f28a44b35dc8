"""The drill's invariants, as pure functions of one observation of the world. The drill
calls every one of them at every step of every scenario (after each AWS call, each
evaluation and each simulated second); a message means the invariant is broken.

- one_writer: never two regions accepting writes (the fence must hold; Aurora's own fencing
  of an old writer is best effort);
- traffic_follows_writer: once a region has been the one region accepting writes for longer
  than the authority and DNS need to follow it (DrWorld.traffic_grace_seconds: one evaluation,
  one fence, the routing-control check's propagation, and the endpoint check's detection where
  a record is gated by one), the application record answers that region, so no client is
  sent to a non-writer region for longer than that plus the record's TTL;
- epochs_agree: the fencing epoch never goes backwards in a region, no two regions record
  different active regions for one epoch, and once converged every region records the same;
- no_orphan_lock: a lock whose holder returned is released; a lock whose holder died expires
  within the lease it had when the holder died (it is never renewed by the dead).
"""

from __future__ import annotations

from dataclasses import dataclass

INVARIANTS = ("one_writer", "traffic_follows_writer", "epochs_agree", "no_orphan_lock")


def one_writer(accepting: set[str]) -> str | None:
    if len(accepting) > 1:
        return f"two regions accept writes: {', '.join(sorted(accepting))}"
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


def epochs_agree(records: list[EpochRecord], history: dict[str, int], converged: bool = False) -> str | None:
    """`history`: the highest epoch each region has recorded so far (updated by the caller)."""
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
