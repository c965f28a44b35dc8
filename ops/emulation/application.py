"""The trading application of each region, as the real one behaves
(docs/ARCHITECTURE.md#the-write-lease, docs/WRITE_LEASE.md): it writes to its OWN region's
cluster endpoint, never across regions, and only while its region holds the write lease.

Production equals test: the application's lease cache, leased write, heartbeat duty and
health contract are the platform's own classes (failover/write_path.py: LeaseReader,
WritePath, HeartbeatAgent, health_verdict), which the default application embeds; the drill
only hands them the world's reads and writes:

- the lease read is a GetItem on the region's own control table in moto (refused while the
  fault model says DynamoDB does not answer the region), cached as LeaseReader caches it;
- a leased write is a commit on the region's own cluster in the Aurora emulation (a cluster
  that is not the writer refuses it; a stalled one never commits);
- the heartbeat agent beats through the write path while the region holds the lease, and
  otherwise reads the newest heartbeat row on the LOCAL replica and puts HEARTBEAT/OBSERVED
  in its own control table (failover/heartbeat.py's item);
- /health is health_verdict over the data tier's reachability and the heartbeat, unless a
  standing HEALTH_FAILS fault (a bad deploy) breaks it.

A runtime that renews no lease (before the write lease) runs the application WITHOUT it: a
write then needs only a cluster that accepts it, and the drill says so in its notes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops.emulation.answers import Clock
from ops.emulation.aurora import AuroraEmulation
from ops.emulation.compute import ComputeEmulation
from ops.emulation.network import HEALTH_FAILS, UNREACHABLE, Network
from ops.timing_model import TimingModel

OBSERVER_ID = "drill-app"
_APP_MODULES = ("lease.py", "write_path.py", "heartbeat.py")


def lease_module() -> Any | None:
    """failover.lease, or None while the runtime does not ship it."""
    try:
        return importlib.import_module("failover.lease")
    except ImportError:
        return None


def write_path_module() -> Any | None:
    try:
        return importlib.import_module("failover.write_path")
    except ImportError:
        return None


def runtime_renews_lease() -> bool:
    """Does the orchestrator runtime use the write lease (renew LEASE/WRITE)? Read from the
    runtime's own sources: a module of failover/ other than the application's side names
    the lease item."""
    package = Path(importlib.import_module("failover").__file__).parent
    for path in package.glob("*.py"):
        if path.name in _APP_MODULES:
            continue
        text = path.read_text(encoding="utf-8")
        if "LEASE_PK" in text or "lease_to_item" in text:
            return True
    return False


class Unavailable(Exception):
    """A dependency of the application does not answer (the fault model says so)."""


@dataclass
class WriteOutcome:
    ok: bool
    reason: str
    epoch: int | None = None


@dataclass(frozen=True)
class AppSurroundings:
    """What the applications are handed: the clock, the emulations they call, the fault
    model, and the control tables' raw items (moto's model)."""

    clock: Clock
    aurora: AuroraEmulation
    compute: ComputeEmulation
    network: Network
    timing: TimingModel
    raw_item: Callable[[str, str, str], dict | None]
    """raw_item(region, pk, sk): an item of the region's control table, or None."""
    put_raw_item: Callable[[str, dict], None]
    acknowledged: Callable[[str, float, str, int | None, int | None], None]
    """acknowledged(region, at, kind, epoch, seq): the application acknowledged a write."""
    lease_enforced: Callable[[], bool]
    """Do the applications write only under the write lease (the runtime ships one)?"""


class RegionApp:
    """One region's application tier (its instances share what they read)."""

    def __init__(self, env: AppSurroundings, region: str):
        self.env, self.region = env, region
        self.api = write_path_module()
        self.heartbeat_api = importlib.import_module("failover.heartbeat") if self.api else None
        self.leases = self.path = self.agent = None
        if self.api is not None:
            self.leases = self.api.LeaseReader(self._read_lease, monotonic=env.clock)
            self.path = self.api.WritePath(region, self.leases, clock=env.clock)
            self.agent = self.api.HeartbeatAgent(
                region,
                self.path,
                ensure_table=lambda: self._commit(None, "heartbeat-ddl", None),
                beat=lambda _region, epoch: self._commit(None, "heartbeat", epoch),
                newest_row=self._newest_row,
                put_observation=self._put_observation,
                observer=f"{OBSERVER_ID}-{region}",
                clock=env.clock,
            )
        self._next_beat = env.clock()
        self.observations = 0

    @property
    def enforces_lease(self) -> bool:
        return self.api is not None and self.env.lease_enforced()

    # --- what the platform's classes are handed ------------------------------------------
    def _dynamodb(self, operation: str) -> None:
        network = self.env.network
        fault = network.fault(self.region, "dynamodb", self.region, operation)
        if not network.regional_service_ok(self.region, self.region) or (fault and fault.kind == UNREACHABLE):
            raise Unavailable(f"DynamoDB in {self.region} does not answer {operation}")
        if fault is not None:
            raise Unavailable(f"DynamoDB in {self.region} refused {operation} ({fault.kind})")

    def _read_lease(self) -> dict | None:
        self._dynamodb("GetItem")
        lease = lease_module()
        return self.env.raw_item(self.region, lease.LEASE_PK, lease.LEASE_SK)

    def _commit(self, seq: int | None, kind: str, epoch: int | None) -> None:
        committed, why = self.env.aurora.commit(self.region, self.env.clock(), seq, kind, epoch)
        if not committed:
            raise Unavailable(why)

    def _newest_row(self) -> tuple | None:
        if not self.env.aurora.by_region(self.region).available_instances(self.env.clock()):
            raise Unavailable(f"no reader in {self.region}")
        return self.env.aurora.newest_replicated_heartbeat(self.region)

    def _put_observation(self, observation) -> None:
        self._dynamodb("PutItem")
        self.env.put_raw_item(self.region, self.heartbeat_api.observation_to_item(observation))
        self.observations += 1

    # --- the write path -------------------------------------------------------------------
    def write(self, now: float, seq: int | None, kind: str = "client") -> WriteOutcome:
        """One client write through the lease to the region's own cluster endpoint."""
        cluster = self.env.aurora.by_region(self.region)
        if cluster.writer and now < cluster.writer_since + self.env.timing.app_reconnect_seconds:
            # its pooled connections were to a read-only cluster until the promotion
            return WriteOutcome(False, "the application is reconnecting to its cluster endpoint")
        if not self.enforces_lease:
            try:
                self._commit(seq, kind, None)
            except Unavailable as error:
                return WriteOutcome(False, str(error))
            self.env.acknowledged(self.region, now, kind, None, seq)
            return WriteOutcome(True, "ok")
        try:
            _, epoch = self.path.write(lambda epoch: self._commit(seq, kind, epoch))
        except self.api.WriteRefused as error:
            return WriteOutcome(False, f"refused by the write lease: {error}")
        except (Unavailable, self.api.WriteOutcomeUnknown) as error:
            return WriteOutcome(False, str(error))
        self.env.acknowledged(self.region, now, kind, epoch, seq)
        return WriteOutcome(True, "ok", epoch)

    def health_ok(self, now: float) -> bool:
        """The application's /health as the ALB and Route 53 see it."""
        if self.env.network.has(HEALTH_FAILS, "app", self.region):
            return False
        if not self.enforces_lease:
            return True
        reachable = {
            "cluster": bool(self.env.aurora.by_region(self.region).available_instances(now)),
            "dynamodb": self._dynamodb_answers(),
        }
        healthy, _ = self.api.health_verdict(
            reachable=reachable,
            holds_lease=self.path.holds_lease(),
            last_beat_ok_at=self.agent.last_beat_ok_at,
            committed_under_lease=self.agent.committed_under_current_lease(),
            now=now,
        )
        return healthy

    def _dynamodb_answers(self) -> bool:
        try:
            self._dynamodb("GetItem")
        except Unavailable:
            return False
        return True

    # --- the heartbeat --------------------------------------------------------------------
    def step(self, now: float) -> None:
        if self.region in self.env.network.down or self.env.compute.serving(self.region, now) == 0:
            self._next_beat = max(self._next_beat, now + 1.0)
            return  # no instance runs the application here (a pilot-light region at rest)
        while self._next_beat <= now:
            self._next_beat += 1.0
            if self.enforces_lease:
                if self.agent.tick() == "beat":
                    beat = self.env.aurora.beats[-1]
                    self.env.acknowledged(self.region, now, "heartbeat", beat.epoch, None)
            else:
                self._legacy_tick(now)

    def _legacy_tick(self, now: float) -> None:
        """Before the write lease: the region whose cluster takes writes beats, the other observes."""
        try:
            if self.env.aurora.is_local_writer(self.region, now):
                self._commit(None, "heartbeat", None)
                self.env.acknowledged(self.region, now, "heartbeat", None, None)
            elif self.heartbeat_api is not None:
                row = self._newest_row()
                observation = self.heartbeat_api.observation_from_row(
                    row, now, f"{OBSERVER_ID}-{self.region}"
                )
                if observation is not None:
                    self._put_observation(observation)
        except Unavailable:
            pass
