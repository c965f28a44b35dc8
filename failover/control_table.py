"""The orchestrator's DynamoDB control table, in its own region.

Schema (string hash key `pk`, string range key `sk`, TTL attribute `expires_at`):

| pk       | sk                          | attributes                                               |
|----------|-----------------------------|----------------------------------------------------------|
| EVAL     | <ms since epoch, 15 digits>#<event id> | at (N), quorum (BOOL), signals (S, JSON), expires_at |
| EVENT    | <event id>                  | at (N), expires_at: idempotency claim of a delivered event |
| LOCK     | FAILOVER                    | holder (S), acquired_at (N), expires_at (N): the failover lock |
| STATE    | ACTIVE                      | active_region, epoch (N), reason, at (N), event_id, action |
| DECISION | LAST                        | outcome, acted (BOOL), action, reason, at (N), event_id |

The lock's expires_at is also checked in the condition, since TTL deletion is lazy.

STATE/ACTIVE is what applications fence on. It starts at epoch 0 with the region of the
global cluster's writer when first observed; every promotion by this orchestrator
(action failover / switchover / detach) and every writer change it observes (action
observed) adds one, through a conditional write on the epoch it read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from failover.decision import Evaluation

EVAL, EVENT, LOCK, STATE, DECISION = "EVAL", "EVENT", "LOCK", "STATE", "DECISION"
LOCK_SK, STATE_SK, DECISION_SK = "FAILOVER", "ACTIVE", "LAST"
HISTORY_TTL_SECONDS = 7 * 86400
EVENT_TTL_SECONDS = 2 * 86400  # longer than any redelivery (SNS/EventBridge/Lambda retries)


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
    def record_evaluation(self, event_id: str, quorum: bool, signals: list[dict]) -> None:
        now = self.clock()
        self.db.put_item(
            TableName=self.table,
            Item={
                "pk": _s(EVAL),
                "sk": _s(f"{int(now * 1000):015d}#{event_id}"),
                "at": _n(now),
                "quorum": {"BOOL": quorum},
                "signals": _s(json.dumps(signals, default=str)),
                "expires_at": _n(now + HISTORY_TTL_SECONDS),
            },
        )

    def recent_evaluations(self, limit: int) -> list[Evaluation]:
        items = self.db.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": _s(EVAL)},
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )["Items"]
        return [Evaluation(at=float(i["at"]["N"]), quorum=i["quorum"]["BOOL"]) for i in items]

    # --- the failover lock -------------------------------------------------------------
    def acquire_lock(self, holder: str, seconds: int) -> bool:
        now = self.clock()
        return self._put_if(
            {
                "pk": _s(LOCK),
                "sk": _s(LOCK_SK),
                "holder": _s(holder),
                "acquired_at": _n(now),
                "expires_at": _n(now + seconds),
            },
            "attribute_not_exists(pk) OR expires_at < :now",
            {":now": _n(now)},
        )

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
        return {"holder": item["holder"]["S"], "expires_at": float(item["expires_at"]["N"])}

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

    def advance_epoch(self, active_region: str, reason: str, event_id: str, action: str) -> ActiveState:
        """Record a new active region with epoch + 1. The write is conditional on the epoch
        read, so two writers can never record the same epoch; on a race, retry once."""
        for _ in range(2):
            current = self.read_state()
            epoch = (current.epoch if current else 0) + 1
            state = ActiveState(active_region, epoch, reason, self.clock(), event_id, action)
            item = {
                "pk": _s(STATE),
                "sk": _s(STATE_SK),
                "active_region": _s(active_region),
                "epoch": _n(epoch),
                "reason": _s(reason or "-"),
                "at": _n(state.at),
                "event_id": _s(event_id),
                "action": _s(action),
            }
            if current is None:
                ok = self._put_if(item, "attribute_not_exists(pk)")
            else:
                ok = self._put_if(item, "epoch = :seen", {":seen": _n(current.epoch)})
            if ok:
                return state
        raise RuntimeError("the control table's epoch changed twice while recording a promotion")

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
