"""The trading application of each region, as the real one behaves (docs/ARCHITECTURE.md,
"Failover"): it writes to its OWN region's cluster endpoint, never across regions, and only
while its region holds the write lease.

- The write path: every write is checked against the region's lease (LEASE/WRITE in the
  region's own control table, written by the orchestrator's lease renewer) with the
  platform's own check, `failover.lease.check_write`, and carries the lease's epoch. The
  application re-reads the item at most every `LEASE_REFRESH_SECONDS` (its cache); a cached
  lease never outlives its own `valid_until`, so a stale cache cannot extend it. A region
  that cannot read its lease keeps only what it cached, and refuses once that lapses.
- The heartbeat: the application that holds the lease upserts its heartbeat row every
  second THROUGH that write path (so heartbeats stop exactly when writes stop); the
  application of a region that does not hold it reads the newest heartbeat on its LOCAL
  replica every second and puts HEARTBEAT/OBSERVED in its own control table
  (`failover.heartbeat.observation_to_item` where the runtime ships it).
- Its /health answers 200 while the process runs (a TCP-level check, as the ALB's target
  group sees it), unless a standing HEALTH_FAILS fault says a bad deploy broke it.

Until the runtime ships failover/lease.py the drill runs the application WITHOUT the lease
(the behaviour before the write lease: a write needs only a cluster that accepts it) and
says so in its notes; the lease invariant is then not judged.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ops.emulation.network import HEALTH_FAILS

if TYPE_CHECKING:
    from ops.emulation.dr_world import DrWorld

LEASE_REFRESH_SECONDS = 1.0
"""How long an application instance trusts its cached lease item before it reads it again:
an ASSUMPTION until the application's own cache figure is known (one read a second per
instance is well inside DynamoDB's per-partition read capacity,
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html)."""
HEARTBEAT_SECONDS = 1.0
"""The writer region writes its heartbeat row, and the other region observes its replica,
every second (docs/ARCHITECTURE.md, "Failover")."""
OBSERVER_ID = "drill-app"


def lease_module() -> Any | None:
    """failover.lease, or None while the runtime does not ship it."""
    try:
        return importlib.import_module("failover.lease")
    except ImportError:
        return None


def heartbeat_module() -> Any | None:
    try:
        return importlib.import_module("failover.heartbeat")
    except ImportError:
        return None


@dataclass
class WriteOutcome:
    ok: bool
    reason: str
    epoch: int | None = None


class RegionApp:
    """One region's application tier (all its instances share what they read)."""

    def __init__(self, world: DrWorld, region: str):
        self.world, self.region = world, region
        self.lease_api = lease_module()
        self.heartbeat_api = heartbeat_module()
        self._lease: Any | None = None
        self._lease_read_at: float | None = None
        self._next_beat = world.now
        self.observations = 0

    @property
    def enforces_lease(self) -> bool:
        return self.lease_api is not None and self.world.lease_enforced

    # --- the lease, as the application reads it ------------------------------------------
    def _dynamodb_ok(self, operation: str) -> bool:
        network = self.world.network
        if not network.regional_service_ok(self.region, self.region):
            return False
        fault = network.fault(self.region, "dynamodb", self.region, operation)
        return fault is None

    def lease(self, now: float) -> Any | None:
        if self._lease_read_at is not None and now - self._lease_read_at < LEASE_REFRESH_SECONDS:
            return self._lease
        if not self._dynamodb_ok("GetItem"):
            return self._lease  # the cached copy still bounds itself by its valid_until
        self._lease_read_at = now
        item = self.world.raw_item(
            self.region,
            getattr(self.lease_api, "LEASE_PK", "LEASE"),
            getattr(self.lease_api, "LEASE_SK", "WRITE"),
        )
        self._lease = self.lease_api.lease_from_item(item)
        return self._lease

    def may_write(self, now: float) -> WriteOutcome:
        if not self.enforces_lease:
            return WriteOutcome(True, "no write lease in this runtime", None)
        lease = self.lease(now)
        allowed, reason = self.lease_api.check_write(lease, self.region, now)
        return WriteOutcome(bool(allowed), str(reason), int(lease.epoch) if lease is not None else None)

    # --- the write path -------------------------------------------------------------------
    def write(self, now: float, seq: int | None, kind: str = "client") -> WriteOutcome:
        """One write through the lease to the region's own cluster endpoint."""
        allowed = self.may_write(now)
        if not allowed.ok:
            return WriteOutcome(False, f"refused by the write lease: {allowed.reason}", allowed.epoch)
        cluster = self.world.aurora.by_region(self.region)
        if cluster.writer and now < cluster.writer_since + self.world.timing.app_reconnect_seconds:
            # its pooled connections were to a read-only cluster until the promotion
            return WriteOutcome(
                False, "the application is reconnecting to its cluster endpoint", allowed.epoch
            )
        committed, why = self.world.aurora.commit(self.region, now, seq, kind, allowed.epoch)
        if not committed:
            return WriteOutcome(False, why, allowed.epoch)
        self.world.acknowledged(self.region, now, kind, allowed.epoch, seq)
        return WriteOutcome(True, "ok", allowed.epoch)

    def health_ok(self) -> bool:
        return not self.world.network.has(HEALTH_FAILS, "app", self.region)

    # --- the heartbeat --------------------------------------------------------------------
    def step(self, now: float) -> None:
        if self.region in self.world.network.down:
            return
        while self._next_beat <= now:
            at = self._next_beat
            self._next_beat += HEARTBEAT_SECONDS
            if self.may_write(at).ok and self.world.aurora.is_local_writer(self.region, at):
                self.write(at, None, "heartbeat")
            else:
                self._observe(at)

    def _observe(self, now: float) -> None:
        newest = self.world.aurora.newest_replicated_heartbeat(self.region)
        if newest is None or not self._dynamodb_ok("PutItem"):
            return
        writer_region, epoch, beat_at = newest
        fields = {
            "writer_region": writer_region,
            "epoch": epoch,
            "newest_at": beat_at,
            "observed_at": now,
            "observer": f"{OBSERVER_ID}-{self.region}",
        }
        to_item = getattr(self.heartbeat_api, "observation_to_item", None)
        item = to_item(**fields) if to_item is not None else _observation_item(fields)
        self.world.put_raw_item(self.region, item)
        self.observations += 1


def _observation_item(fields: dict) -> dict:
    """HEARTBEAT/OBSERVED as the contract between the application and the runtime states it
    (pk/sk strings, numbers as N, expires_at a day later for the table's TTL)."""
    return {
        "pk": {"S": "HEARTBEAT"},
        "sk": {"S": "OBSERVED"},
        "writer_region": {"S": str(fields["writer_region"])},
        "epoch": {"N": str(int(fields["epoch"] or 0))},
        "newest_at": {"N": repr(float(fields["newest_at"]))},
        "observed_at": {"N": repr(float(fields["observed_at"]))},
        "observer": {"S": str(fields["observer"])},
        "expires_at": {"N": str(int(fields["observed_at"]) + 86400)},
    }
