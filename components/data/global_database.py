"""GlobalDatabase (primary stack only): the Aurora global cluster and its master password.

The regional clusters join it from RegionalData in each stack. Global clusters cannot use
RDS-managed master passwords (manage_master_user_password), so the password is generated
here with pulumi-random: it lives only in the (encrypted) stack state, is handed on as a
secret Output, and is stored in Secrets Manager under each region's CMK by
components/data/credentials.py. It is never in stack config.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.context import RegionalContext
from components.data.aurora_plan import (
    GLOBAL_CLUSTER_ID,
    MASTER_PASSWORD_LENGTH,
    PASSWORD_SPECIALS,
)
from components.settings import DatabaseSettings


@dataclass
class GlobalDatabaseArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    database: DatabaseSettings
    """Engine and version of the global cluster; every member cluster uses the same."""
    random_provider: pulumi.ProviderResource
    """The pulumi-random provider (default providers are disabled)."""


class GlobalDatabase(pulumi.ComponentResource):
    cluster: aws.rds.GlobalCluster
    global_cluster_id: pulumi.Output[str]
    """The identifier the member clusters join with (export globalClusterId)."""
    master_password: pulumi.Output[str]
    """Secret. Only for the writer cluster and the credential secrets."""

    def __init__(self, name: str, args: GlobalDatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:database:GlobalDatabase", name, None, opts)
        self.cluster = aws.rds.GlobalCluster(
            f"{name}-cluster",
            global_cluster_identifier=GLOBAL_CLUSTER_ID,
            engine=args.database.engine,
            engine_version=args.database.engine_version,
            # Each member cluster encrypts with the CMK of its own region (kms_key_id there).
            storage_encrypted=True,
            deletion_protection=args.context.protect,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.context.protect,
                # Dropping the global cluster from state must never delete it: both regions'
                # data hang off it.
                retain_on_delete=args.context.protect,
            ),
        )
        self.global_cluster_id = self.cluster.global_cluster_identifier
        password = random.RandomPassword(
            f"{name}-master-password",
            length=MASTER_PASSWORD_LENGTH,
            special=True,
            override_special=PASSWORD_SPECIALS,
            min_lower=4,
            min_upper=4,
            min_numeric=4,
            min_special=2,
            opts=pulumi.ResourceOptions(
                parent=self, provider=args.random_provider, protect=args.context.protect
            ),
        )
        # pulumi-random already marks `result` secret; saying so here keeps it secret even if
        # that ever changes, since everything downstream inherits secrecy from this Output.
        self.master_password = pulumi.Output.secret(password.result)
        self.register_outputs({"global_cluster_id": self.global_cluster_id})
