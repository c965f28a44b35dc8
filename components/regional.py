"""RegionalStack: everything one region runs, built by the same code in both stacks, so the
regions are symmetric by construction. Role-specific pieces (the global cluster, the
cross-region links) live outside it, in components/program.py."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.failover_orchestrator import (
    FailoverOrchestrator,
    FailoverOrchestratorArgs,
    conventional_wiring,
)
from components.keys import RegionalKeys, RegionalKeysArgs
from components.network import RegionalNetwork, RegionalNetworkArgs
from components.providers import Providers
from components.security_groups import SecurityGroups, SecurityGroupsArgs
from components.settings import Settings

# Services granted use of the regional key (components/key_policy.py). Add a service here
# when a component starts encrypting with the key through it.
KEY_SERVICES = ("logs", "lambda", "sqs", "dynamodb")


def nat_gateway_count(settings: Settings) -> int:
    """One NAT gateway per AZ, except pilot-light, which runs no compute worth the cost."""
    return 1 if settings.tier == "pilot-light" else settings.az_count


@dataclass
class RegionalStackArgs:
    settings: Settings
    providers: Providers


class RegionalStack(pulumi.ComponentResource):
    keys: RegionalKeys
    network: RegionalNetwork
    security_groups: SecurityGroups
    failover: FailoverOrchestrator

    def __init__(self, name: str, args: RegionalStackArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:regional:RegionalStack", name, None, opts)
        settings, providers = args.settings, args.providers
        prefix = f"trading-dr-{settings.role}"
        child = pulumi.ResourceOptions(parent=self)

        self.keys = RegionalKeys(
            f"{name}-keys",
            RegionalKeysArgs(
                region=settings.home_region,
                account_id=providers.account_id,
                partition=providers.partition,
                services=KEY_SERVICES,
                deletion_window_days=settings.key_deletion_window_days,
                alias=f"trading-dr/{settings.role}",
                protect=settings.protect_data,
            ),
            opts=child,
        )
        self.network = RegionalNetwork(
            f"{name}-network",
            RegionalNetworkArgs(
                region=settings.home_region,
                cidr=settings.vpc_cidr,
                az_count=settings.az_count,
                nat_gateway_count=nat_gateway_count(settings),
                kms_key_arn=self.keys.key.arn,
                log_retention_days=settings.log_retention_days,
                name_prefix=prefix,
            ),
            opts=child,
        )
        self.security_groups = SecurityGroups(
            f"{name}-sg",
            SecurityGroupsArgs(
                vpc_id=self.network.vpc.id,
                vpc_cidr=settings.vpc_cidr,
                peer_vpc_cidr=settings.peer_vpc_cidr,
                app_port=settings.traffic.app_port,
                db_port=settings.database.port,
                name_prefix=prefix,
            ),
            opts=child,
        )
        self.failover = FailoverOrchestrator(
            f"{name}-failover",
            FailoverOrchestratorArgs(
                region=settings.home_region,
                peer_region=settings.peer_region,
                # The data tier and the alert topic are not composed here yet: wire by their
                # naming convention until they are (see conventional_wiring).
                wiring=conventional_wiring(
                    settings.home_region,
                    settings.peer_region,
                    settings.role,
                    settings.traffic.app_fqdn,
                    settings.traffic.health_check_path,
                    providers.account_id,
                    providers.partition,
                ),
                failover=settings.failover,
                kms_key_arn=self.keys.key.arn,
                account_id=providers.account_id,
                partition=providers.partition,
                log_retention_days=settings.log_retention_days,
                name_prefix=prefix,
                protect=settings.protect_data,
            ),
            opts=child,
        )
        self.register_outputs({"vpc_id": self.network.vpc.id, "key_arn": self.keys.key.arn})
