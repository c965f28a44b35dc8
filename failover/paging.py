"""Pages that survive the failure they report (docs/ARCHITECTURE.md, "Page from the survivor").

Every page goes straight to the home region's SNS topic AND puts a CloudWatch metric
(namespace TradingDr/Failover, metric Page, dimension Kind=<kind>, and Kind=all for the one
alarm the program keeps on it, components/observability/). Neither path needs this region's
DynamoDB or the peer region: the control table only de-duplicates (one SNS message per
episode) when it answers; when it does not, the page goes out anyway, once per invocation
and kind, since a repeated page is better than a silent outage. The metric is put at every
evaluation while the condition holds, so the alarm stays in ALARM for as long as it does
(CloudWatch alarms notify on state changes only:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from failover.config import PAGE_ALL_KINDS as ALL_KINDS
from failover.config import PAGE_METRIC as METRIC
from failover.config import PAGE_NAMESPACE as NAMESPACE


class Pager:
    def __init__(self, sns, cloudwatch, topic_arn: str, region: str, table, clock: Callable[[], float], log):
        self.sns, self.cloudwatch, self.topic_arn, self.region = sns, cloudwatch, topic_arn, region
        self.table, self.clock, self.log = table, clock, log
        self.sent_without_table: set[str] = set()
        """Kinds paged in this invocation while the control table did not answer."""

    def metric(self, kind: str) -> bool:
        """Put the Page metric for `kind` (and for the alarm's Kind=all)."""
        try:
            self.cloudwatch.put_metric_data(
                Namespace=NAMESPACE,
                MetricData=[
                    {
                        "MetricName": METRIC,
                        "Dimensions": [{"Name": "Kind", "Value": k}],
                        "Value": 1.0,
                        "Unit": "Count",
                    }
                    for k in (kind.split(":")[0], ALL_KINDS)
                ],
            )
            return True
        except (ClientError, BotoCoreError) as error:
            self.log.error("page metric failed", kind=kind, error=str(error))
            return False

    def publish(self, record: dict, subject: str) -> bool:
        try:
            self.sns.publish(
                TopicArn=self.topic_arn,
                Subject=subject[:100],
                Message=json.dumps(record, default=str, indent=1),
            )
            record["notified"] = True
            return True
        except (ClientError, BotoCoreError) as error:
            record.setdefault("errors", []).append(f"publish: {error}")
            self.log.error("publish failed", subject=subject, error=str(error))
            return False

    def page(
        self, kind: str, subject: str, record: dict, since: float | None = None, delay: float = 0
    ) -> bool:
        """Page `kind` now (metric always; SNS once per episode). `since`/`delay`: page only
        once the condition has held for `delay` seconds (known only through the table: when
        the table does not answer, it pages at once). True when an SNS message went out."""
        self.metric(kind)
        now = self.clock()
        full = f"trading-dr {self.region}: {subject}"
        try:
            alert = self.table.start_alert(kind, now if since is None else since)
        except (ClientError, BotoCoreError) as error:
            record.setdefault("errors", []).append(f"alert {kind}: {error}")
            if kind in self.sent_without_table:
                return False
            if self.publish(record, full):
                self.sent_without_table.add(kind)
                record.setdefault("paged", []).append(kind)
                return True
            return False
        if alert["paged"] or now - alert["since"] < delay:
            return False
        if not self.publish(record, full):
            return False
        record.setdefault("paged", []).append(kind)
        try:
            self.table.mark_paged(kind)
        except (ClientError, BotoCoreError) as error:
            record.setdefault("errors", []).append(f"alert {kind}: {error}")
        return True

    def open_alerts(self) -> set[str] | None:
        """The kinds with an open alert (one read), None when the table does not answer."""
        try:
            return self.table.alerts()
        except (ClientError, BotoCoreError) as error:
            self.log.error("reading the open alerts failed", error=str(error))
            return None

    def clear(self, kind: str, open_alerts: set[str] | None = None) -> None:
        """Clear `kind`'s alert; `open_alerts` (open_alerts()) spares the read of each kind."""
        if open_alerts is not None and kind not in open_alerts:
            return
        try:
            if self.table.alert(kind) is not None:
                self.table.clear_alert(kind)
        except (ClientError, BotoCoreError) as error:
            self.log.error("clearing an alert failed", kind=kind, error=str(error))
