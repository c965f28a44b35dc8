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

from components.observability.alerts import AlertTopic, AlertTopicArgs
from components.security.key_policy import key_policy

KEY_SERVICES = ("topic-publishers", "sns")


@dataclass
class GlobalAlertsArgs:
    region: str
    """Region of the provider in opts (us-east-1)."""
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    deletion_window_days: int
    alias: str
    """Key alias without the alias/ prefix; unique per stack (both stacks build one)."""
    alert_email: str | None
    """Subscribed to the topic when set."""
    name_prefix: str
    """Prefix of the topic's display name, e.g. trading-dr-primary."""
    protect: bool
    """Protect the key from pulumi destroy, like every key of the platform."""


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
            policy=pulumi.Output.all(args.account_id, args.partition).apply(
                lambda v: key_policy(args.region, v[0], v[1], KEY_SERVICES)
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=self.key.key_id, opts=child)
        # The same encrypted, policy-guarded topic as every region's alert topic.
        self.topic = AlertTopic(
            f"{name}-alerts",
            AlertTopicArgs(
                region=args.region,
                kms_key_arn=self.key.arn,
                account_id=args.account_id,
                partition=args.partition,
                email=args.alert_email,
                name_prefix=args.name_prefix,
            ),
            opts=child,
        )
        self.register_outputs({"topic_arn": self.topic.arn})
