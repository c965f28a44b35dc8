"""The application's side of the write lease and of the heartbeat (docs/WRITE_LEASE.md).
Standard library only: the default application ships this file byte for byte and the drill
models the application with it. Reads and writes are handed in as callables.

- LeaseReader: this region's LEASE/WRITE item by a strongly consistent GetItem (a revocation is
  seen by the next read:
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.ReadConsistency.html),
  cached at most LEASE_CACHE_SECONDS. Every check compares the wall clock with the lease's own
  valid_until, so a cached lease is never trusted past it. A failed read is no lease.
- WritePath: a write starts only if the lease allows it WRITE_BUDGET_SECONDS from now, carries
  the lease's epoch, and is acknowledged only if it ended before valid_until.
- HeartbeatAgent: the lease holder beats through the WritePath (heartbeats stop exactly when
  writes stop); any other instance observes its local replica.
- health_verdict: the health contract.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from failover.heartbeat import BEAT_INTERVAL_SECONDS, Observation, observation_from_row
from failover.lease import LEASE_PK, LEASE_SK, WriteLease, check_write, lease_from_item

LEASE_CACHE_SECONDS = 1.0
"""The oldest lease read a check may use. Bounds how late a revocation is seen, never safety
(valid_until does that)."""
WRITE_BUDGET_SECONDS = 2.0
"""The longest one leased write may take (the database statement timeout the application
sets): a write starts only when the lease is valid that much longer."""
HEARTBEAT_FRESH_SECONDS = 5.0
"""The lease holder is unhealthy when its last heartbeat commit is older than this."""


class WriteRefused(Exception):
    """No valid write lease: answer 503, write nothing."""


class WriteOutcomeUnknown(Exception):
    """The write finished after the lease lapsed: it is not acknowledged (answer 503)."""


def lease_get_item_request(table_name: str) -> dict:
    """GetItem parameters for this region's lease: strongly consistent."""
    return {
        "TableName": table_name,
        "Key": {"pk": {"S": LEASE_PK}, "sk": {"S": LEASE_SK}},
        "ConsistentRead": True,
    }


class LeaseReader:
    def __init__(
        self,
        read_item: Callable[[], dict | None],
        *,
        monotonic: Callable[[], float] = time.monotonic,
        cache_seconds: float = LEASE_CACHE_SECONDS,
    ):
        """read_item: GetItem(**lease_get_item_request(table)).get("Item"); raises on failure."""
        self._read, self._monotonic, self._cache_seconds = read_item, monotonic, cache_seconds
        self._lock = threading.Lock()
        self._fetched_at: float | None = None
        self._lease: WriteLease | None = None
        self.last_error = ""

    def current(self) -> WriteLease | None:
        """The lease as last read (at most cache_seconds ago), None when absent or unreadable."""
        with self._lock:
            now = self._monotonic()
            if self._fetched_at is None or not (0 <= now - self._fetched_at < self._cache_seconds):
                try:
                    self._lease, self.last_error = lease_from_item(self._read()), ""
                except Exception as error:  # noqa: BLE001 (unreadable or malformed: no lease, refuse)
                    self._lease, self.last_error = None, f"{type(error).__name__}: {error}"
                self._fetched_at = now
            return self._lease


@dataclass(frozen=True)
class Authorisation:
    allowed: bool
    reason: str
    epoch: int | None = None
    valid_until: float | None = None


class WritePath:
    def __init__(
        self,
        region: str,
        leases: LeaseReader,
        *,
        clock: Callable[[], float] = time.time,
        budget_seconds: float = WRITE_BUDGET_SECONDS,
    ):
        self.region, self.leases, self.clock, self.budget = region, leases, clock, budget_seconds

    def authorise(self) -> Authorisation:
        lease = self.leases.current()
        now = self.clock()
        allowed, reason = check_write(lease, self.region, now + self.budget)
        if lease is None and self.leases.last_error:
            reason = f"{reason} ({self.leases.last_error})"
        if not allowed:
            return Authorisation(False, reason)
        return Authorisation(True, reason, lease.epoch, lease.valid_until)

    def holds_lease(self) -> bool:
        """This region holds a valid lease now (no write budget): it is the writer."""
        return check_write(self.leases.current(), self.region, self.clock())[0]

    def write(self, statement: Callable[[int], object]) -> tuple[object, int]:
        """Run statement(epoch) under the lease; (its result, the epoch). Raises WriteRefused
        before writing, WriteOutcomeUnknown when the write ended after valid_until."""
        authorisation = self.authorise()
        if not authorisation.allowed:
            raise WriteRefused(authorisation.reason)
        result = statement(authorisation.epoch)
        finished = self.clock()
        if not finished < authorisation.valid_until:
            raise WriteOutcomeUnknown(
                f"the write ended at {finished:.3f}, after the lease's valid_until "
                f"{authorisation.valid_until:.3f} (epoch {authorisation.epoch}): not acknowledged"
            )
        return result, authorisation.epoch


class HeartbeatAgent:
    """One instance's heartbeat duty; tick() once per BEAT_INTERVAL_SECONDS."""

    def __init__(
        self,
        region: str,
        write_path: WritePath,
        *,
        ensure_table: Callable[[], None],
        beat: Callable[[str, int], None],
        newest_row: Callable[[], tuple | None],
        put_observation: Callable[[Observation], None],
        observer: str = "",
        clock: Callable[[], float] = time.time,
    ):
        """ensure_table: SQL.create on the writer endpoint; beat(region, epoch): SQL.upsert on
        the writer endpoint; newest_row: SQL.newest on the reader endpoint; put_observation:
        PutItem(**put_observation_request(table, observation)), a failed condition ignored."""
        self.region, self.write_path, self.clock, self.observer = region, write_path, clock, observer
        self._ensure, self._beat, self._newest, self._put = ensure_table, beat, newest_row, put_observation
        self._table_ready = False
        self.last_beat_ok_at: float | None = None
        """Wall-clock time the last heartbeat commit was acknowledged (None: never)."""
        self.writer_since: float | None = None
        """Since when this instance has continuously seen itself as the lease holder."""
        self.last_error = ""

    def tick(self) -> str:
        """One beat or one observation; returns what it did (for the log and the tests)."""
        now = self.clock()
        if self.write_path.holds_lease():
            if self.writer_since is None:
                self.writer_since = now
            try:
                if not self._table_ready:
                    self.write_path.write(lambda epoch: self._ensure())
                    self._table_ready = True
                self.write_path.write(lambda epoch: self._beat(self.region, epoch))
            except Exception as error:  # noqa: BLE001 (refused, timed out, database down: no beat)
                self.last_error = f"{type(error).__name__}: {error}"
                self._table_ready = False
                return "beat_failed"
            self.last_beat_ok_at, self.last_error = self.clock(), ""
            return "beat"
        self.writer_since = None
        try:
            observation = observation_from_row(self._newest(), self.clock(), self.observer)
            if observation is None:
                return "nothing_to_observe"
            self._put(observation)
        except Exception as error:  # noqa: BLE001 (replica or DynamoDB failed: nothing put, it ages)
            self.last_error = f"{type(error).__name__}: {error}"
            return "observe_failed"
        self.last_error = ""
        return "observed"

    def run(self, stop: threading.Event, interval: float = BEAT_INTERVAL_SECONDS) -> None:
        while not stop.is_set():
            started = time.monotonic()
            self.tick()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))


def health_verdict(
    *,
    reachable: dict[str, bool],
    holds_lease: bool,
    last_beat_ok_at: float | None,
    writer_since: float | None,
    now: float,
    fresh_seconds: float = HEARTBEAT_FRESH_SECONDS,
) -> tuple[bool, str]:
    """(healthy, why). Unhealthy when a data-tier endpoint refuses TCP, in either region. The
    lease holder must also COMMIT: its last heartbeat commit (or becoming the holder) at most
    fresh_seconds ago, so a database that accepts TCP but stops committing turns it red. A
    region without the lease is healthy on reachability alone: the DR region must look healthy
    while it waits, and failing over is the authority's decision (docs/WRITE_LEASE.md)."""
    down = sorted(name for name, ok in reachable.items() if not ok)
    if down:
        return False, f"data tier unreachable: {', '.join(down)}"
    if not holds_lease:
        return True, "data tier reachable; this region does not hold the write lease (reads only)"
    marks = [t for t in (last_beat_ok_at, writer_since) if t is not None]
    if not marks or not now - max(marks) <= fresh_seconds:
        last = "never" if last_beat_ok_at is None else f"{now - last_beat_ok_at:.1f}s ago"
        return False, f"this region holds the write lease but its last heartbeat commit was {last}"
    return True, "data tier reachable; heartbeat committing"
