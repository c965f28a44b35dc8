"""AlertTopic: the SNS topic of one region that alarms and event rules page through, encrypted
with the region's CMK, with an optional e-mail subscription.

Alarm actions must name a topic in the alarm's own region, so every region has one. The
topic is encrypted, so CloudWatch and EventBridge need kms:GenerateDataKey*/Decrypt on the
key ("topic-publishers" in the key policy) as well as sns:Publish here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext

# Services that publish alerts on their own behalf -> the ARN pattern of their publishers.
PUBLISHERS = {
    "cloudwatch.amazonaws.com": "arn:{partition}:cloudwatch:{region}:{account}:alarm:*",
    "events.amazonaws.com": "arn:{partition}:events:{region}:{account}:rule/*",
}


def topic_policy(topic_arn: str, region: str, account: str, partition: str) -> str:
    """Admits CloudWatch alarms and EventBridge rules of this account and region, nothing else.

    Principals of the account publish through their IAM policies (same-account access needs
    no resource policy), so the topic policy stays limited to the two service principals,
    each bound to this account (confused deputy) and to its own kind of source ARN.
    """
    statements = [
        {
            "Sid": f"Allow{service.split('.')[0].capitalize()}Publish",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {
                    "aws:SourceArn": source.format(partition=partition, region=region, account=account)
                },
            },
        }
        for service, source in PUBLISHERS.items()
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@dataclass
class AlertTopicArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    email: str | None
    """Subscribed address; None for no subscription. AWS mails a confirmation link first."""


class AlertTopic(pulumi.ComponentResource):
    topic: aws.sns.Topic
    policy: aws.sns.TopicPolicy
    subscription: aws.sns.TopicSubscription | None
    arn: pulumi.Output[str]
    """ARN of the topic: alarm_actions / ok_actions of every alarm in this region."""

    def __init__(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:alerts:AlertTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            display_name=f"{args.context.name_prefix} alerts",
            kms_master_key_id=args.context.kms_key_arn,
            opts=child,
        )
        self.arn = self.topic.arn
        self.policy = aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, args.context.account_id, args.context.partition).apply(
                lambda values: topic_policy(values[0], args.context.region, values[1], values[2])
            ),
            opts=child,
        )
        self.subscription = None
        if args.email:
            self.subscription = aws.sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=args.email,
                opts=child,
            )
        self.register_outputs({"arn": self.topic.arn})
