"""RegionalKeys: the customer-managed KMS key of one region, for every data store, log and
topic that lives there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.security.key_policy import key_policy


@dataclass
class RegionalKeysArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    services: Sequence[str]
    """Services granted use of the key (keys of key_policy.SERVICE_STATEMENTS)."""
    deletion_window_days: int
    alias: str
    """Alias name without the alias/ prefix."""


class RegionalKeys(pulumi.ComponentResource):
    key: aws.kms.Key
    """The key; use key.arn for kms_key_id / kms_key_arn inputs."""
    alias: aws.kms.Alias

    def __init__(self, name: str, args: RegionalKeysArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:keys:RegionalKeys", name, None, opts)
        policy = pulumi.Output.all(args.context.account_id, args.context.partition).apply(
            lambda values: key_policy(args.context.region, values[0], values[1], args.services)
        )
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"trading-dr data key for {args.context.region}",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=self, protect=args.context.protect),
        )
        self.alias = aws.kms.Alias(
            f"{name}-alias",
            name=f"alias/{args.alias}",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"key_arn": self.key.arn, "alias": self.alias.name})

    @property
    def arn(self) -> pulumi.Output[str]:
        """The key's ARN: what every store of the region encrypts with."""
        return self.key.arn
