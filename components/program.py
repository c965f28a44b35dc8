"""The program both stacks run: settings -> providers -> the regional stack (+ role-specific
pieces) -> exports. `__main__.py` calls `main()`; the mock engine runs `__main__.py` itself."""

from __future__ import annotations

import pulumi

from components.providers import create_providers
from components.regional import RegionalStack, RegionalStackArgs
from components.settings import Settings, SettingsError, load_settings


def build(settings: Settings) -> dict[str, pulumi.Input]:
    """Register every resource of this stack; returns the stack's exports."""
    providers = create_providers(settings)
    # The component tree is named by function, not by region, so both stacks build the
    # same tree; the provider decides where it lands.
    regional = RegionalStack(
        "home",
        RegionalStackArgs(settings=settings, providers=providers),
        opts=pulumi.ResourceOptions(provider=providers.home),
    )
    return {
        "role": settings.role,
        "region": settings.home_region,
        "peerRegion": settings.peer_region,
        "tier": settings.tier,
        "vpcId": regional.network.vpc.id,
        "vpcCidr": str(settings.vpc_cidr),
        "kmsKeyArn": regional.keys.key.arn,
        "appSubnetIds": [subnet.id for subnet in regional.network.app_subnets],
        "orchestratorFunctionName": regional.failover.function.name,
        "controlTableName": regional.failover.control_table.name,
    }


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        # RunError is reported to the user without a Python traceback.
        raise pulumi.RunError(str(error)) from None
    for name, value in build(settings).items():
        pulumi.export(name, value)
