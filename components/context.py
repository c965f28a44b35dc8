"""RegionalContext: where a component runs and how it names, protects and encrypts what it
creates, passed once instead of as the same five or six fields of every Args class.

The account, the partition and the peer region are the providers' (one place:
components/providers.py); the region is the home provider's unless a component builds in
another one (`at`, the partition's global region for the Route 53 alarms); the name prefix
and `protect` are the stack's; the data key is the region's CMK
(components/security/keys.py), known once RegionalKeys exists (`with_key`).
docs/ARCHITECTURE.md#inside-the-program."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pulumi

from components.providers import Providers
from components.settings import Settings


@dataclass(frozen=True)
class RegionalContext:
    providers: Providers
    region: str
    """The region resources land in: the region of the provider in the component's opts."""
    name_prefix: str
    """trading-dr-<role>: the start of every physical name the region's components choose."""
    protect: bool
    """Settings.protect_data: Pulumi's protect on what holds data or encrypts it."""
    data_key_arn: pulumi.Input[str] | None = None
    """The region's CMK: every store here is encrypted with it (None before RegionalKeys)."""

    @classmethod
    def of(cls, settings: Settings, providers: Providers) -> RegionalContext:
        return cls(
            providers=providers,
            region=providers.home_region,
            name_prefix=f"trading-dr-{settings.role}",
            protect=settings.protect_data,
        )

    def with_key(self, key_arn: pulumi.Input[str]) -> RegionalContext:
        """This context, with the region's data key."""
        return dataclasses.replace(self, data_key_arn=key_arn)

    def at(self, region: str, key_arn: pulumi.Input[str] | None) -> RegionalContext:
        """This context for components built in `region` with that region's key."""
        return dataclasses.replace(self, region=region, data_key_arn=key_arn)

    def prefixed(self, suffix: str) -> RegionalContext:
        """This context, naming with `<name_prefix>-<suffix>`."""
        return dataclasses.replace(self, name_prefix=f"{self.name_prefix}-{suffix}")

    @property
    def peer_region(self) -> str:
        return self.providers.peer_region

    @property
    def account_id(self) -> pulumi.Output[str]:
        return self.providers.account_id

    @property
    def partition(self) -> pulumi.Output[str]:
        return self.providers.partition

    @property
    def kms_key_arn(self) -> pulumi.Input[str]:
        """The region's data key; fails loudly where a component is built before the key."""
        if self.data_key_arn is None:
            raise ValueError(f"{self.name_prefix}: the {self.region} data key is used before it exists")
        return self.data_key_arn
