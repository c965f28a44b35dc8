"""GlobalAlerts: an encrypted SNS topic in us-east-1 for the alarms that can only live there.

Route 53 publishes health-check metrics in us-east-1 only, so alarms on them must be in
us-east-1, and an alarm's SNS action must be in the alarm's region. The dr stack's home is
not us-east-1 and its regional key cannot encrypt a topic there, so every stack builds this
small component the same way: its own us-east-1 key (granting only the alarm publishers and
SNS) and topic. The regional alert topics (observability) stay in each home region.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.observability.alerts import AlertTopic, AlertTopicArgs
from components.security.key_policy import key_policy

KEY_SERVICES = ("topic-publishers", "sns")


@dataclass
class GlobalAlertsArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    deletion_window_days: int
    alias: str
    """Key alias without the alias/ prefix; unique per stack (both stacks build one)."""
    alert_email: str | None
    """Subscribed to the topic when set."""


class GlobalAlerts(pulumi.ComponentResource):
    key: aws.kms.Key
    topic: AlertTopic
    """Its .arn is what the us-east-1 alarms notify."""

    def __init__(self, name: str, args: GlobalAlertsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:alerts:GlobalAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.key = aws.kms.Key(
            f"{name}-key",
            description="trading-dr key of the global alert topic (Route 53 health-check alarms)",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.all(args.context.account_id, args.context.partition).apply(
                lambda v: key_policy(args.context.region, v[0], v[1], KEY_SERVICES)
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.context.protect),
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=self.key.key_id, opts=child)
        # The same encrypted, policy-guarded topic as every region's alert topic.
        self.topic = AlertTopic(
            f"{name}-alerts",
            AlertTopicArgs(
                context=args.context.with_key(self.key.arn),
                email=args.alert_email,
            ),
            opts=child,
        )
        self.register_outputs({"topic_arn": self.topic.arn})
