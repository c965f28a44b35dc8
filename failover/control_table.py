"""The orchestrator's DynamoDB control table, in its own region (one table per region).

Schema (string hash key `pk`, string range key `sk`, TTL attribute `expires_at`):

| pk       | sk                 | attributes                                                     |
|----------|--------------------|----------------------------------------------------------------|
| EVAL     | <ms, 15 digits>#<evaluation id> | at (N), quorum (BOOL), votes (S, JSON), expires_at |
| EVENT    | <event id>         | at (N), expires_at: idempotency claim of a delivered event     |
| LOCK     | FAILOVER           | holder (S), execution_id (S), acquired_at (N), expires_at (N)  |
| EXEC     | <execution id>     | the execution: kind, status, step, steps (JSON), epoch, ...    |
| EXEC     | OPEN               | execution_id (S): at most one open execution per region       |
| STATE    | ACTIVE             | active_region, epoch (N), reason, at (N), event_id, action     |
| ALERT    | <kind>             | since (N), paged (BOOL): one page per episode                  |
| PREWARM  | ASG                | min, desired, max (N), at (N): sizes before a reversible pre-warm |
| DECISION | LAST               | outcome, acted (BOOL), action, reason, at (N), event_id        |
| LEASE    | WRITE              | the write lease (failover/lease.py): region, epoch, valid_until... |
| ARMING   | AUTO               | armed (BOOL), by, reason, at (N), epoch (N): no item = armed   |
| DBFENCE  | WRITE              | fenced (BOOL), at (N), reason, detail: the database fence's act |
| HBSEEN   | LAST               | newest_at, first_seen (N): when the newest heartbeat arrived    |

The lock is a LEASE: the running invocation holds it for lock_seconds and renews it at
every step; the conditions check expires_at (TTL deletion is lazy), so a crashed holder's
lock lapses by itself and the next invocation resumes the same execution. A holder whose
renewal fails has lost the lock and stops at once.

STATE/ACTIVE is the fencing epoch as this region knows it (the traffic authority itself is
the ARC routing-control state, failover.arc): it counts changes of the active region. A
promotion records epoch N (its execution id carries N); an observed change (the other
region's orchestrator or an operator moved the writer) adds one. Both regions observe the
same sequence of ARC changes, so their epochs agree once converged. They do not when a
change is undone before one region reads it (the DR executor gives a fence back within one
evaluation of the old primary): that region never sees the change it would count. So each
region also reads the PEER's STATE/ACTIVE (adopt_epoch, docs/ARCHITECTURE.md "One fencing
epoch") and takes a higher epoch that names the active region it reads from ARC itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from failover.config import STATE_PK
from failover.decision import Evaluation
from failover.heartbeat import OBSERVED_PK, OBSERVED_SK
from failover.lease import LEASE_PK, LEASE_SK, WriteLease, lease_from_item, lease_to_item

EVAL, EVENT, LOCK, STATE, DECISION = "EVAL", "EVENT", "LOCK", STATE_PK, "DECISION"
EXEC, ALERT, PREWARM = "EXEC", "ALERT", "PREWARM"
ARMING, ARMING_SK, DBFENCE, DBFENCE_SK = "ARMING", "AUTO", "DBFENCE", "WRITE"
# Written by the application (failover/heartbeat.py, its one codec); read by failover.signals.
HEARTBEAT_PK, HEARTBEAT_SK = OBSERVED_PK, OBSERVED_SK
HBSEEN, HBSEEN_SK = "HBSEEN", "LAST"
LOCK_SK, STATE_SK, DECISION_SK, OPEN_SK, PREWARM_SK = "FAILOVER", "ACTIVE", "LAST", "OPEN", "ASG"
HISTORY_TTL_SECONDS = 7 * 86400
EVENT_TTL_SECONDS = 2 * 86400  # longer than any redelivery (SNS/EventBridge/Lambda retries)


class LockLost(RuntimeError):
    """This invocation no longer holds the executor lock (or the record moved on): stop."""


@dataclass(frozen=True)
class ActiveState:
    active_region: str
    epoch: int
    reason: str
    at: float
    event_id: str = ""
    action: str = ""

    def as_dict(self) -> dict:
        return {
            "active_region": self.active_region,
            "epoch": self.epoch,
            "reason": self.reason,
            "at": self.at,
            "event_id": self.event_id,
            "action": self.action,
        }


class ControlTable:
    def __init__(self, dynamodb, table_name: str, clock: Callable[[], float]):
        self.db, self.table, self.clock = dynamodb, table_name, clock

    # --- idempotency -----------------------------------------------------------------
    def claim_event(self, event_id: str) -> bool:
        """True the first time an event id is seen; False on redelivery."""
        now = self.clock()
        return self._put_if(
            {"pk": _s(EVENT), "sk": _s(event_id), "at": _n(now), "expires_at": _n(now + EVENT_TTL_SECONDS)},
            "attribute_not_exists(pk)",
        )

    def release_event(self, event_id: str) -> None:
        """Forget a claim, so that a retry of an invocation that failed early runs again."""
        self.db.delete_item(TableName=self.table, Key={"pk": _s(EVENT), "sk": _s(event_id)})

    # --- evaluation history ------------------------------------------------------------
    def record_evaluation(
        self,
        evaluation_id: str,
        quorum: bool,
        votes: list[dict],
        since: float | None = None,
        at: float | None = None,
        witness_down: bool | None = None,
        down_by: float | None = None,
    ) -> None:
        """since: when this quorum evaluation's streak began (see decision.streak_started_at);
        at: when the evaluation observed its witness (default now); witness_down: what the
        outside witness said; down_by: the streak's decision.writer_down_by."""
        now = self.clock() if at is None else at
        item = {
            "pk": _s(EVAL),
            "sk": _s(f"{int(now * 1000):015d}#{evaluation_id}"),
            "at": _n(now),
            "quorum": {"BOOL": quorum},
            "votes": _s(json.dumps(votes, default=str)),
            "expires_at": _n(now + HISTORY_TTL_SECONDS),
        }
        if quorum and since is not None:
            item["since"] = _n(min(since, now))
        if witness_down is not None:
            item["witness_down"] = {"BOOL": witness_down}
        if quorum and down_by is not None:
            item["down_by"] = _n(min(down_by, now))
        self.db.put_item(TableName=self.table, Item=item)

    def recent_evaluations(self, limit: int) -> list[Evaluation]:
        items = self.db.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(EVAL)},
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )["Items"]
        return [
            Evaluation(
                at=float(i["at"]["N"]),
                quorum=i["quorum"]["BOOL"],
                since=float(i["since"]["N"]) if "since" in i else None,
                witness_down=i["witness_down"]["BOOL"] if "witness_down" in i else None,
                down_by=float(i["down_by"]["N"]) if "down_by" in i else None,
            )
            for i in items
        ]

    # --- the executor lock (a lease) ------------------------------------------------------
    def acquire_lock(self, holder: str, seconds: int, execution_id: str = "") -> bool:
        """Take the lock if it is free, expired, or already ours."""
        now = self.clock()
        return self._put_if(
            {
                "pk": _s(LOCK),
                "sk": _s(LOCK_SK),
                "holder": _s(holder),
                "execution_id": _s(execution_id or "-"),
                "acquired_at": _n(now),
                "expires_at": _n(now + seconds),
            },
            "attribute_not_exists(pk) OR expires_at < :now OR holder = :holder",
            {":now": _n(now), ":holder": _s(holder)},
        )

    def renew_lock(self, holder: str, seconds: int) -> bool:
        """Extend our lease; False when it is no longer ours (expired or taken)."""
        now = self.clock()
        try:
            self.db.update_item(
                TableName=self.table,
                Key={"pk": _s(LOCK), "sk": _s(LOCK_SK)},
                UpdateExpression="SET expires_at = :until",
                ConditionExpression="holder = :holder AND expires_at >= :now",
                ExpressionAttributeValues={
                    ":holder": _s(holder),
                    ":now": _n(now),
                    ":until": _n(now + seconds),
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_lock(self, holder: str) -> None:
        try:
            self.db.delete_item(
                TableName=self.table,
                Key={"pk": _s(LOCK), "sk": _s(LOCK_SK)},
                ConditionExpression="holder = :holder",
                ExpressionAttributeValues={":holder": _s(holder)},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise  # someone else's lock (ours expired and was taken): leave it

    def lock_holder(self) -> dict | None:
        item = self._get(LOCK, LOCK_SK)
        if item is None or float(item["expires_at"]["N"]) < self.clock():
            return None
        return {
            "holder": item["holder"]["S"],
            "execution_id": item.get("execution_id", {}).get("S", "-"),
            "expires_at": float(item["expires_at"]["N"]),
        }

    # --- executions -------------------------------------------------------------------------
    def open_execution_id(self) -> str | None:
        item = self._get(EXEC, OPEN_SK)
        return item["execution_id"]["S"] if item else None

    def open_execution(self, execution: dict, holder: str) -> str:
        """Register `execution` as the open one unless another is open; returns the id of the
        open execution (ours, or the one that was already there). `holder` holds the lock."""
        now = self.clock()
        opened = self._put_if(
            {"pk": _s(EXEC), "sk": _s(OPEN_SK), "execution_id": _s(execution["id"]), "at": _n(now)},
            "attribute_not_exists(pk)",
        )
        if not opened:
            return self.open_execution_id() or execution["id"]
        if self.read_execution(execution["id"]) is None:
            self.save_execution(execution, holder)
        return execution["id"]

    def read_execution(self, execution_id: str) -> dict | None:
        item = self._get(EXEC, execution_id)
        return json.loads(item["body"]["S"]) if item else None

    def save_execution(self, execution: dict, holder: str) -> None:
        """Save the execution only while `holder` holds the executor lock AND the stored
        record is the version this holder read: one transaction, so an invocation whose lock
        lapsed (paused, slow) can never overwrite a newer record
        (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html:
        a ConditionCheck on another item of the same transaction). Raises LockLost."""
        version = int(execution.get("version", 0))
        execution["version"] = version + 1
        now = self.clock()
        try:
            self.db.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": {"pk": _s(LOCK), "sk": _s(LOCK_SK)},
                            "ConditionExpression": "holder = :holder AND expires_at >= :now",
                            "ExpressionAttributeValues": {":holder": _s(holder), ":now": _n(now)},
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": {
                                "pk": _s(EXEC),
                                "sk": _s(execution["id"]),
                                "status": _s(execution["status"]),
                                "step": _s(execution.get("step") or "-"),
                                "updated_at": _n(now),
                                "version": _n(version + 1),
                                "holder": _s(holder),
                                "body": _s(json.dumps(execution, default=str)),
                            },
                            "ConditionExpression": "attribute_not_exists(pk) OR version = :v",
                            "ExpressionAttributeValues": {":v": _n(version)},
                        }
                    },
                ]
            )
        except ClientError as error:
            execution["version"] = version
            if error.response["Error"]["Code"] == "TransactionCanceledException":
                raise LockLost(
                    f"execution {execution['id']} not saved: {holder} no longer holds the lock or the "
                    f"record moved past version {version}"
                ) from error
            raise

    def close_execution(self, execution: dict, holder: str) -> None:
        self.save_execution(execution, holder)
        try:
            self.db.delete_item(
                TableName=self.table,
                Key={"pk": _s(EXEC), "sk": _s(OPEN_SK)},
                ConditionExpression="execution_id = :id",
                ExpressionAttributeValues={":id": _s(execution["id"])},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    # --- alerts: one page per episode ----------------------------------------------------
    def alert(self, kind: str) -> dict | None:
        item = self._get(ALERT, kind)
        if item is None:
            return None
        return {"since": float(item["since"]["N"]), "paged": item["paged"]["BOOL"]}

    def alerts(self) -> set[str]:
        """The kinds with an open alert, in one strongly consistent Query (an evaluation clears
        every condition that does not hold: one read for all of them, not one per kind)."""
        kinds: set[str] = set()
        request = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(ALERT)},
            "ConsistentRead": True,
        }
        while True:
            answer = self.db.query(**request)
            kinds |= {item["sk"]["S"] for item in answer["Items"]}
            if "LastEvaluatedKey" not in answer:
                return kinds
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def start_alert(self, kind: str, since: float) -> dict:
        self._put_if(
            {"pk": _s(ALERT), "sk": _s(kind), "since": _n(since), "paged": {"BOOL": False}},
            "attribute_not_exists(pk)",
        )
        return self.alert(kind) or {"since": since, "paged": False}

    def mark_paged(self, kind: str) -> None:
        self.db.update_item(
            TableName=self.table,
            Key={"pk": _s(ALERT), "sk": _s(kind)},
            UpdateExpression="SET paged = :t",
            ExpressionAttributeValues={":t": {"BOOL": True}},
        )

    def clear_alert(self, kind: str) -> None:
        self.db.delete_item(TableName=self.table, Key={"pk": _s(ALERT), "sk": _s(kind)})

    # --- reversible pre-warm of the home Auto Scaling group -----------------------------
    def save_prewarm(self, sizes: dict) -> bool:
        return self._put_if(
            {
                "pk": _s(PREWARM),
                "sk": _s(PREWARM_SK),
                **{k: _n(int(sizes[k])) for k in ("min", "desired", "max")},
                "at": _n(self.clock()),
            },
            "attribute_not_exists(pk)",
        )

    def prewarm(self) -> dict | None:
        item = self._get(PREWARM, PREWARM_SK)
        return {k: int(item[k]["N"]) for k in ("min", "desired", "max")} if item else None

    def clear_prewarm(self) -> None:
        self.db.delete_item(TableName=self.table, Key={"pk": _s(PREWARM), "sk": _s(PREWARM_SK)})

    # --- the last decision (what `deploy.py status` shows) --------------------------------
    def record_decision(self, record: dict) -> None:
        """Keep a summary of the latest decision record; the full record is in the logs."""
        self.db.put_item(
            TableName=self.table,
            Item={
                "pk": _s(DECISION),
                "sk": _s(DECISION_SK),
                "outcome": _s(str(record.get("outcome") or "-")),
                "acted": {"BOOL": bool(record.get("acted"))},
                "action": _s(str(record.get("action") or "-")),
                "reason": _s(str(record.get("reason") or "-")),
                "at": _n(self.clock()),
                "event_id": _s(str(record.get("event_id") or "-")),
            },
        )

    def last_decision(self) -> dict | None:
        item = self._get(DECISION, DECISION_SK)
        if item is None:
            return None
        return {
            "outcome": item["outcome"]["S"],
            "acted": item["acted"]["BOOL"],
            "action": item["action"]["S"],
            "reason": item["reason"]["S"],
            "at": float(item["at"]["N"]),
            "event_id": item["event_id"]["S"],
        }

    # --- active region and epoch ---------------------------------------------------------
    def read_state(self) -> ActiveState | None:
        item = self._get(STATE, STATE_SK)
        if item is None:
            return None
        return ActiveState(
            active_region=item["active_region"]["S"],
            epoch=int(item["epoch"]["N"]),
            reason=item.get("reason", {}).get("S", ""),
            at=float(item["at"]["N"]),
            event_id=item.get("event_id", {}).get("S", ""),
            action=item.get("action", {}).get("S", ""),
        )

    def init_state(self, active_region: str, event_id: str) -> bool:
        """Record the writer's region at epoch 0 if nothing is recorded yet."""
        return self._put_if(
            {
                "pk": _s(STATE),
                "sk": _s(STATE_SK),
                "active_region": _s(active_region),
                "epoch": _n(0),
                "reason": _s("first observation of the global cluster's writer"),
                "at": _n(self.clock()),
                "event_id": _s(event_id),
                "action": _s("observed"),
            },
            "attribute_not_exists(pk)",
        )

    def _state_item(self, state: ActiveState) -> dict:
        return {
            "pk": _s(STATE),
            "sk": _s(STATE_SK),
            "active_region": _s(state.active_region),
            "epoch": _n(state.epoch),
            "reason": _s(state.reason or "-"),
            "at": _n(state.at),
            "event_id": _s(state.event_id or "-"),
            "action": _s(state.action or "-"),
        }

    def observe_active(self, active_region: str, reason: str, event_id: str) -> ActiveState | None:
        """An observed change of the active region adds one to the epoch (conditional on the
        epoch read, so two observers never both add one). Returns the new state, or None
        when nothing changed."""
        for _ in range(2):
            current = self.read_state()
            if current is not None and current.active_region == active_region:
                return None
            epoch = (current.epoch if current else 0) + 1
            state = ActiveState(active_region, epoch, reason, self.clock(), event_id, "observed")
            if current is None:
                ok = self._put_if(self._state_item(state), "attribute_not_exists(pk)")
            else:
                ok = self._put_if(self._state_item(state), "epoch = :seen", {":seen": _n(current.epoch)})
            if ok:
                return state
        raise RuntimeError("the control table's epoch changed twice while recording an observation")

    def record_epoch(
        self, epoch: int, active_region: str, reason: str, event_id: str, action: str
    ) -> ActiveState:
        """Record epoch N for `active_region` (a promotion's step). Idempotent: a state already
        at N for the same region is kept; any older one is replaced; a newer one wins."""
        state = ActiveState(active_region, epoch, reason, self.clock(), event_id, action)
        if self._put_if(self._state_item(state), "attribute_not_exists(pk) OR epoch < :n", {":n": _n(epoch)}):
            return state
        current = self.read_state()
        assert current is not None
        return current

    def adopt_epoch(self, peer: ActiveState, active: str, reason: str, event_id: str) -> ActiveState | None:
        """Take the peer region's epoch when it is higher and names `active`, the region this
        region reads active from ARC. Conditional on the stored state too (an epoch below the
        peer's, naming the same active region): it never lowers an epoch, never records a
        region ARC does not show here, and never overwrites a change recorded meanwhile (an
        observation racing it). Returns the new state, or None when nothing was adopted."""
        if peer.active_region != active:
            return None
        state = ActiveState(active, peer.epoch, reason, self.clock(), event_id, "adopted")
        if self._put_if(
            self._state_item(state),
            "epoch < :n AND active_region = :a",
            {":n": _n(peer.epoch), ":a": _s(active)},
        ):
            return state
        return None

    # --- the write lease (failover/lease.py) ----------------------------------------------
    def read_lease(self) -> WriteLease | None:
        return lease_from_item(self._get(LEASE_PK, LEASE_SK))

    def renew_lease(self, lease: WriteLease) -> bool:
        """Write a renewal read at lease.renewed_at. Conditional: an older renewal (a slow
        invocation overlapping a newer one) or one from an older epoch never overwrites a
        newer lease, nor a newer revocation."""
        return self._put_if(
            lease_to_item(lease),
            "attribute_not_exists(pk) OR renewed_at < :r AND epoch <= :e",
            {":r": _n(lease.renewed_at), ":e": _n(lease.epoch)},
        )

    def revoke_lease(self, lease: WriteLease) -> bool:
        """Write a lapsed lease (valid_until = renewed_at = the read time): unless a newer
        read already wrote one, and only when the stored lease still allows writes (a
        revocation every renewal period would be a write for nothing)."""
        assert lease.valid_until <= lease.renewed_at
        return self._put_if(
            lease_to_item(lease),
            "attribute_not_exists(pk) OR renewed_at < :r AND valid_until > :r",
            {":r": _n(lease.renewed_at)},
        )

    # --- arming of automatic failover (docs/ARCHITECTURE.md, "No flapping") ------------------
    def arming(self) -> dict:
        """{"armed": bool, ...}: no item is armed."""
        item = self._get(ARMING, ARMING_SK)
        if item is None:
            return {"armed": True, "by": "", "reason": "never disarmed", "at": None, "epoch": None}
        return {
            "armed": item["armed"]["BOOL"],
            "by": item.get("by", {}).get("S", ""),
            "reason": item.get("reason", {}).get("S", ""),
            "at": float(item["at"]["N"]),
            "epoch": int(item["epoch"]["N"]) if "epoch" in item else None,
        }

    def set_arming(self, armed: bool, by: str, reason: str, epoch: int | None) -> dict:
        item = {
            "pk": _s(ARMING),
            "sk": _s(ARMING_SK),
            "armed": {"BOOL": armed},
            "by": _s(by or "-"),
            "reason": _s(reason or "-"),
            "at": _n(self.clock()),
        }
        if epoch is not None:
            item["epoch"] = _n(int(epoch))
        self.db.put_item(TableName=self.table, Item=item)
        return self.arming()

    def heartbeat_item(self) -> dict | None:
        """HEARTBEAT/OBSERVED as this region's application last wrote it (failover.signals)."""
        return self._get(HEARTBEAT_PK, HEARTBEAT_SK)

    def heartbeat_lag(self, newest_at: float | None, observed_at: float | None) -> float | None:
        """The replication lag of the newest heartbeat when it ARRIVED: (the first observation
        that showed it) - (its DB time). While the writer beats, that is the current lag; once
        the beats stop, it stays the lag at the last one that arrived (the data at risk of a
        writer that stopped then), instead of growing with the time since (which would be the
        detection delay, not data). Kept in HBSEEN/LAST, updated when a newer beat is seen.
        Read every evaluation, so an arrival is known at most one evaluation late (an upper
        bound: the lag is overstated, never understated). None: no fresh observation."""
        if newest_at is None or observed_at is None:
            return None
        item = self._get(HBSEEN, HBSEEN_SK)
        seen = None if item is None else (float(item["newest_at"]["N"]), float(item["first_seen"]["N"]))
        # (stored numbers are rounded to the microsecond: a beat is newer by more than that)
        if seen is None or newest_at > seen[0] + 1e-3:
            seen = (newest_at, observed_at)
            self.db.put_item(
                TableName=self.table,
                Item={
                    "pk": _s(HBSEEN),
                    "sk": _s(HBSEEN_SK),
                    "newest_at": _n(float(newest_at)),
                    "first_seen": _n(float(observed_at)),
                    "expires_at": _n(self.clock() + HISTORY_TTL_SECONDS),
                },
            )
        return max(0.0, seen[1] - seen[0])

    # --- the database fence's record ------------------------------------------------------
    def db_fence(self) -> dict | None:
        item = self._get(DBFENCE, DBFENCE_SK)
        if item is None:
            return None
        return {
            "fenced": item["fenced"]["BOOL"],
            "at": float(item["at"]["N"]),
            "reason": item.get("reason", {}).get("S", ""),
            "detail": item.get("detail", {}).get("S", ""),
        }

    def record_db_fence(self, fenced: bool, reason: str, detail: str) -> None:
        self.db.put_item(
            TableName=self.table,
            Item={
                "pk": _s(DBFENCE),
                "sk": _s(DBFENCE_SK),
                "fenced": {"BOOL": fenced},
                "at": _n(self.clock()),
                "reason": _s(reason or "-"),
                "detail": _s(detail or "-"),
            },
        )

    # --- helpers -------------------------------------------------------------------------
    def _get(self, pk: str, sk: str) -> dict | None:
        return self.db.get_item(
            TableName=self.table, Key={"pk": _s(pk), "sk": _s(sk)}, ConsistentRead=True
        ).get("Item")

    def _put_if(self, item: dict, condition: str, values: dict | None = None) -> bool:
        kwargs = {"ExpressionAttributeValues": values} if values else {}
        try:
            self.db.put_item(TableName=self.table, Item=item, ConditionExpression=condition, **kwargs)
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: float) -> dict:
    return {"N": repr(round(value, 6)) if isinstance(value, float) else str(value)}


def create_table(dynamodb, table_name: str) -> None:
    """Create the table with the schema above (local runs and tests; the stack creates it
    with Pulumi in the cloud)."""
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
