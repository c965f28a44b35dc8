"""Observability: the metrics the platform watches (one spec each, shared by alarms and the
dashboard), the alarms with actions, the encrypted alert topics (regional and us-east-1),
the dashboard and the account's CloudTrail audit trail."""

from __future__ import annotations

from components.observability.alarms import RegionalAlarms, RegionalAlarmsArgs
from components.observability.alerts import AlertTopic, AlertTopicArgs
from components.observability.audit import AuditTrail, AuditTrailArgs
from components.observability.global_alerts import GlobalAlerts, GlobalAlertsArgs

__all__ = [
    "AlertTopic",
    "AlertTopicArgs",
    "AuditTrail",
    "AuditTrailArgs",
    "GlobalAlerts",
    "GlobalAlertsArgs",
    "RegionalAlarms",
    "RegionalAlarmsArgs",
]
