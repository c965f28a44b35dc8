"""Events the orchestrator accepts, parsed into one typed Command.

- the one-minute schedule (an EventBridge "Scheduled Event"),
- CloudWatch alarm notifications delivered through SNS,
- manual commands: {"action": "failover" | "switchover" | "status" | "arm", "dry_run": bool,
  "allow_data_loss": bool, "reason": str, "request_id": str (optional), "operator": str
  (required by arm: who re-arms automatic failover, recorded with the reason)}.

Anything else raises EventError, which says what is wrong with which field. Each Command
carries an event id that stays the same when AWS delivers the same event again (the
EventBridge event id, the SNS MessageId, the manual request_id or the Lambda request id,
which async retries keep), so the orchestrator can act once per event.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

EVALUATE, FAILOVER, SWITCHOVER, STATUS, ARM = "evaluate", "failover", "switchover", "status", "arm"
MANUAL_ACTIONS = (FAILOVER, SWITCHOVER, STATUS, ARM)
_MANUAL_KEYS = {"action", "dry_run", "allow_data_loss", "reason", "request_id", "operator"}
MAX_OPERATOR = 128
MAX_REASON = 500


class EventError(ValueError):
    """A malformed or unknown event; the message names the field, the value and the rule."""


@dataclass(frozen=True)
class Command:
    kind: str
    """evaluate (schedule or alarm), failover, switchover or status."""
    trigger: str
    """schedule, alarm or manual."""
    event_id: str
    dry_run: bool = False
    allow_data_loss: bool = False
    reason: str = ""
    alarm_name: str | None = None
    alarm_state: str | None = None
    operator: str = ""

    @property
    def read_only(self) -> bool:
        """Changes nothing at all, not even the evaluation history."""
        return self.dry_run or self.kind == STATUS


def parse_event(event: Any, request_id: str | None = None) -> Command:
    """The Command for an incoming event, or EventError."""
    if not isinstance(event, dict):
        raise EventError(f"event must be a JSON object, got {type(event).__name__}")
    if "Records" in event:
        return _sns(event)
    if event.get("source") == "aws.events" or event.get("detail-type") == "Scheduled Event":
        return _schedule(event)
    if "action" in event:
        return _manual(event, request_id)
    raise EventError(
        "unknown event: expected a scheduled event, an SNS alarm notification or a manual command "
        f"with action one of {' | '.join(MANUAL_ACTIONS)}; got keys {sorted(event)}"
    )


def _schedule(event: dict) -> Command:
    if event.get("detail-type") != "Scheduled Event":
        raise EventError(f"detail-type={event.get('detail-type')!r}: only Scheduled Event is accepted")
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise EventError(f"id={event_id!r}: a scheduled event needs its EventBridge id")
    return Command(kind=EVALUATE, trigger="schedule", event_id=f"schedule:{event_id}")


def _sns(event: dict) -> Command:
    records = event["Records"]
    if not isinstance(records, list) or len(records) != 1:
        raise EventError(f"Records: SNS delivers exactly one record per invocation, got {records!r:.200}")
    record = records[0]
    if not isinstance(record, dict) or record.get("EventSource") != "aws:sns":
        raise EventError(f"Records[0].EventSource={_get(record, 'EventSource')!r}: must be aws:sns")
    sns = record.get("Sns")
    if not isinstance(sns, dict):
        raise EventError("Records[0].Sns: missing")
    message_id = sns.get("MessageId")
    if not isinstance(message_id, str) or not message_id:
        raise EventError(f"Records[0].Sns.MessageId={message_id!r}: must be a non-empty string")
    try:
        alarm = json.loads(sns.get("Message") or "")
    except (TypeError, ValueError):
        raise EventError(f"Records[0].Sns.Message={sns.get('Message')!r:.200}: must be JSON") from None
    if not isinstance(alarm, dict) or not isinstance(alarm.get("AlarmName"), str):
        raise EventError("Records[0].Sns.Message: not a CloudWatch alarm notification (no AlarmName)")
    state = alarm.get("NewStateValue")
    if state not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
        raise EventError(
            f"Records[0].Sns.Message.NewStateValue={state!r}: must be OK, ALARM or INSUFFICIENT_DATA"
        )
    return Command(
        kind=EVALUATE,
        trigger="alarm",
        event_id=f"sns:{message_id}",
        alarm_name=alarm["AlarmName"],
        alarm_state=state,
    )


def _manual(event: dict, request_id: str | None) -> Command:
    unknown = sorted(set(event) - _MANUAL_KEYS)
    if unknown:
        raise EventError(f"unknown field(s) {unknown} in a manual command; allowed: {sorted(_MANUAL_KEYS)}")
    action = event["action"]
    if action not in MANUAL_ACTIONS:
        raise EventError(f"action={action!r}: must be one of {' | '.join(MANUAL_ACTIONS)}")
    flags = {}
    for key in ("dry_run", "allow_data_loss"):
        value = event.get(key, False)
        if not isinstance(value, bool):
            raise EventError(f"{key}={value!r}: must be true or false")
        flags[key] = value
    reason = event.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise EventError(f"reason={reason!r:.80}: must be a string of at most {MAX_REASON} characters")
    if action != STATUS and not reason.strip():
        raise EventError(f"reason: a manual {action} must say why (it is recorded and published)")
    if flags["allow_data_loss"] and action != FAILOVER:
        raise EventError(f"allow_data_loss=true: only applies to action failover, not {action}")
    operator = event.get("operator", "")
    if not isinstance(operator, str) or len(operator) > MAX_OPERATOR:
        raise EventError(f"operator={operator!r:.80}: must be a string of at most {MAX_OPERATOR} characters")
    if action == ARM and not operator.strip():
        raise EventError("operator: arm must say who re-arms automatic failover (it is recorded)")
    given = event.get("request_id")
    if given is not None and (not isinstance(given, str) or not given.strip()):
        raise EventError(f"request_id={given!r}: must be a non-empty string")
    event_id = given or request_id or str(uuid.uuid4())
    return Command(
        kind=action,
        trigger="manual",
        event_id=f"manual:{event_id}",
        reason=reason.strip(),
        operator=operator.strip(),
        **flags,
    )


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None
