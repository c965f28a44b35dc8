"""The write lease: the one fact a region's write path checks before it accepts a write.

Standard library ONLY: applications import this module as it is (copy it or vendor it), so
it must not pull in boto3 or anything of the project.

Protocol (docs/ARCHITECTURE.md, "Never two writers"; an application in another language
implements the same few lines):

- Each region's orchestrator renews ONE item in its own region's DynamoDB control table,
  pk="LEASE", sk="WRITE", from its home routing control read On through the ARC data plane:
  ``region`` (S), ``epoch`` (N, the fencing epoch), ``valid_until`` (N, epoch seconds),
  ``renewed_at`` (N), ``holder`` (S), ``expires_at`` (N, DynamoDB TTL). When it reads the
  control Off it writes ``valid_until = now`` at once (revoked); when it cannot read ARC it
  writes nothing, so the lease lapses by itself within L seconds.
- The application reads that item from its OWN region (a strongly consistent GetItem, or a
  cached copy no older than the item's own ``valid_until`` allows) and accepts a write only
  while ``check_write(lease, my_region, now)`` allows it, carrying ``lease.epoch`` with the
  write. A region that cannot read its lease refuses writes: no lease is no write.
- The DR side waits L plus a clock margin after it fenced (flipped the controls) before it
  promotes, so every write path of the old region has refused writes by then, even one
  that DNS no longer reaches and that cannot reach ARC.

The TTL attribute (``expires_at``) only tidies the table; DynamoDB deletes expired items
lazily (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html),
which is why the check reads ``valid_until``, never the item's presence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

LEASE_PK, LEASE_SK = "LEASE", "WRITE"
# The item is kept a day past its validity for the record, then DynamoDB's TTL removes it.
LEASE_TTL_GRACE_SECONDS = 86400


@dataclass(frozen=True)
class WriteLease:
    region: str
    """The region whose write path this lease authorises."""
    epoch: int
    """The fencing epoch the lease was renewed under; every write carries it."""
    valid_until: float
    """Epoch seconds: writes are allowed strictly before this instant."""
    renewed_at: float
    """Epoch seconds: when the renewer read the routing control On (or Off, for a revocation)."""
    holder: str = ""
    """Who renewed it (the orchestrator invocation), for the record."""

    def allows(self, region: str, now: float) -> bool:
        """True while this lease authorises writes by `region` at `now`."""
        return self.region == region and _finite(now) and now < self.valid_until


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(item: dict, key: str) -> float:
    value = item[key]["N"]
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"lease attribute {key}={value!r} must be a finite number")
    return number


def lease_from_item(item: dict | None) -> WriteLease | None:
    """A DynamoDB attribute-value map (GetItem's "Item") -> the lease; None when there is no
    item. A malformed item raises ValueError: the caller refuses writes (check_write(None))."""
    if not item:
        return None
    try:
        epoch = _number(item, "epoch")
        if epoch != int(epoch):
            raise ValueError(f"lease attribute epoch={epoch!r} must be a whole number")
        return WriteLease(
            region=item["region"]["S"],
            epoch=int(epoch),
            valid_until=_number(item, "valid_until"),
            renewed_at=_number(item, "renewed_at"),
            holder=item.get("holder", {}).get("S", ""),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"malformed lease item (missing or mistyped {error})") from None


def _n(value: float) -> dict:
    # DynamoDB numbers travel as strings; keep whole seconds exact and sub-second precision.
    return {"N": str(int(value)) if float(value).is_integer() else repr(float(value))}


def lease_to_item(lease: WriteLease) -> dict:
    """The inverse of lease_from_item (plus pk/sk and the TTL attribute expires_at)."""
    return {
        "pk": {"S": LEASE_PK},
        "sk": {"S": LEASE_SK},
        "region": {"S": lease.region},
        "epoch": _n(lease.epoch),
        "valid_until": _n(lease.valid_until),
        "renewed_at": _n(lease.renewed_at),
        "holder": {"S": lease.holder},
        "expires_at": _n(int(math.ceil(lease.valid_until)) + LEASE_TTL_GRACE_SECONDS),
    }


def check_write(lease: WriteLease | None, region: str, now: float) -> tuple[bool, str]:
    """(allowed, reason): may `region`'s write path accept a write at `now` under `lease`?

    No lease (unreadable, absent, malformed: pass None) refuses: a region that cannot show a
    valid lease must not write."""
    if lease is None:
        return False, "no write lease (absent or unreadable): writes refused"
    if lease.region != region:
        return False, f"the write lease names {lease.region}, not {region}: writes refused"
    if not _finite(now):
        return False, f"no usable clock reading ({now!r}): writes refused"
    if now >= lease.valid_until:
        return False, (
            f"the write lease lapsed at {lease.valid_until:.3f} (now {now:.3f}, epoch {lease.epoch}): "
            "writes refused"
        )
    return True, f"write lease valid for {lease.valid_until - now:.1f}s more (epoch {lease.epoch})"
