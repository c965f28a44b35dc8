"""GlobalAlerts: an encrypted SNS topic in us-east-1 for the alarms that can only live there.

Route 53 publishes health-check metrics in us-east-1 only, so alarms on them must be in
us-east-1, and an alarm's SNS action must be in the alarm's region. The dr stack's home is
not us-east-1 and its regional key cannot encrypt a topic there, so every stack builds this
small component the same way: its own us-east-1 key (granting only the alarm publishers and
SNS) and topic. The regional alert topics (observability) stay in each home region.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.key_policy import key_policy

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


class GlobalAlerts(pulumi.ComponentResource):
    key: aws.kms.Key
    topic: aws.sns.Topic

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
            opts=child,
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=self.key.key_id, opts=child)
        self.topic = aws.sns.Topic(f"{name}-topic", kms_master_key_id=self.key.arn, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, args.account_id).apply(
                lambda v: json.dumps(alarm_topic_policy(v[0], v[1]))
            ),
            opts=child,
        )
        if args.alert_email:
            aws.sns.TopicSubscription(
                f"{name}-email", topic=self.topic.arn, protocol="email", endpoint=args.alert_email, opts=child
            )
        self.register_outputs({"topic_arn": self.topic.arn})


def alarm_topic_policy(topic_arn: str, account: str) -> dict:
    """CloudWatch alarms of this account may publish; nothing may use plain HTTP."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AlarmsOfThisAccountPublish",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": topic_arn,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
