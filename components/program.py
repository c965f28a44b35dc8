"""The program both stacks run: settings -> providers -> the regional stack (+ role-specific
pieces) -> exports. `__main__.py` calls `main()`; the mock engine runs `__main__.py` itself."""

from __future__ import annotations

import pulumi

from components.data_tier import build_role_data, data_exports, join_global_database
from components.providers import create_providers
from components.regional import RegionalStack, RegionalStackArgs
from components.settings import Settings, SettingsError, load_settings


def build(settings: Settings) -> dict[str, pulumi.Input]:
    """Register every resource of this stack; returns the stack's exports."""
    providers = create_providers(settings)
    primary_outputs = primary_stack_outputs(settings)
    database, database_exports = join_global_database(settings, providers, primary_outputs)
    # The component tree is named by function, not by region, so both stacks build the
    # same tree; the provider decides where it lands.
    regional = RegionalStack(
        "home",
        RegionalStackArgs(settings=settings, providers=providers, database=database),
        opts=pulumi.ResourceOptions(provider=providers.home),
    )
    role_data_exports = build_role_data(settings, providers, regional, primary_outputs)
    return {
        "role": settings.role,
        "region": settings.home_region,
        "peerRegion": settings.peer_region,
        "tier": settings.tier,
        "vpcId": regional.network.vpc.id,
        "vpcCidr": str(settings.vpc_cidr),
        "kmsKeyArn": regional.keys.key.arn,
        "appSubnetIds": [subnet.id for subnet in regional.network.app_subnets],
        **database_exports,
        **data_exports(regional),
        **role_data_exports,
    }


def primary_stack_outputs(settings: Settings) -> pulumi.StackReference | None:
    """The primary stack's exports, read by the dr stack (None in the primary). Call once per
    program: every dr-side reader shares this one StackReference."""
    if settings.is_primary:
        return None
    return pulumi.StackReference("primary-stack", stack_name=settings.primary_stack)


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        # RunError is reported to the user without a Python traceback.
        raise pulumi.RunError(str(error)) from None
    for name, value in build(settings).items():
        pulumi.export(name, value)
