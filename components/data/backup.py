"""RegionalBackup: this region's AWS Backup vault under the CMK, a daily plan that copies
every recovery point to the peer region's vault, and a selection of the Aurora cluster and
the DynamoDB tables.

Vaults are named by region (`vault_name`), so each stack computes the peer vault's ARN
(`vault_arn`) without reading the other stack: the primary stack is deployed first and cannot
read the dr stack, and a copy action names its destination by ARN. The copy fails (and
alarms) until the peer vault exists, which is the deployment order's normal state for a day.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext

START_WINDOW_MINUTES = 60
COMPLETION_WINDOW_MINUTES = 480
# AWS Backup manages these resource types in the region. DynamoDB under "full management"
# (advanced backup) is what allows its recovery points to be copied to another region.
OPT_IN = {"Aurora": True, "DynamoDB": True, "RDS": True}
FULL_MANAGEMENT = {"DynamoDB": True}
# The provider reads back the region's whole map (every resource type AWS Backup knows
# there, which grows over time and differs by region), so a partial map shows a diff on every
# preview (hashicorp/terraform-provider-aws#22744); a full map is not portable either: a key
# the region does not support fails the update (#21801, #30881). So the maps are set at
# creation and their read-back drift is ignored. Docs:
# https://docs.aws.amazon.com/aws-backup/latest/devguide/API_UpdateRegionSettings.html
# RegionSettings is the account's, per region: another stack's or a person's later change is
# not reverted by this one (`deploy.py preflight` is the place to check the values).
REGION_SETTINGS_DRIFT = ("resourceTypeOptInPreference", "resourceTypeManagementPreference")
BACKUP_POLICIES = ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")


def vault_name(region: str) -> str:
    return f"trading-dr-{region}"


def vault_arn(partition: str, region: str, account_id: str) -> str:
    return f"arn:{partition}:backup:{region}:{account_id}:backup-vault:{vault_name(region)}"


def table_arn(partition: str, region: str, account_id: str, table: str) -> str:
    return f"arn:{partition}:dynamodb:{region}:{account_id}:table/{table}"


@dataclass
class RegionalBackupArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    schedule: str
    """cron() expression, UTC."""
    delete_after_days: int
    """Retention of recovery points and of their copies."""
    cluster_arn: pulumi.Input[str]
    table_names: Sequence[str]
    """DynamoDB tables in this region (tables in primary, replicas in dr), by name."""


class RegionalBackup(pulumi.ComponentResource):
    vault: aws.backup.Vault
    plan: aws.backup.Plan
    selection: aws.backup.Selection

    def __init__(self, name: str, args: RegionalBackupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:backup:RegionalBackup", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._account_and_partition = pulumi.Output.all(args.context.account_id, args.context.partition)
        self._region_settings()
        self.vault = self._vault()
        role, attachments = self._role()
        self.plan = self._plan()
        self.selection = self._selection(role, attachments)
        self.register_outputs({"vault_name": self.vault.name, "plan_id": self.plan.id})

    def _region_settings(self) -> None:
        aws.backup.RegionSettings(
            f"{self._name}-region-settings",
            resource_type_opt_in_preference=OPT_IN,
            resource_type_management_preference=FULL_MANAGEMENT,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=list(REGION_SETTINGS_DRIFT)),
        )

    def _vault(self) -> aws.backup.Vault:
        context = self._args.context
        return aws.backup.Vault(
            f"{self._name}-vault",
            name=vault_name(context.region),
            kms_key_arn=context.kms_key_arn,
            # A vault with recovery points cannot be deleted anyway; never force it.
            force_destroy=False,
            opts=pulumi.ResourceOptions(
                parent=self, protect=context.protect, retain_on_delete=context.protect
            ),
        )

    def _role(self) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        """The role AWS Backup assumes, with the managed backup and restore policies."""
        role = aws.iam.Role(
            f"{self._name}-role",
            description="AWS Backup: back up and restore the trading-dr Aurora cluster and tables",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "backup.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=self._child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{self._name}-role-{policy}",
                role=role.name,
                policy_arn=pulumi.Output.concat(
                    "arn:", self._args.context.partition, ":iam::aws:policy/service-role/", policy
                ),
                opts=self._child,
            )
            for policy in BACKUP_POLICIES
        ]
        return role, attachments

    def _plan(self) -> aws.backup.Plan:
        """Daily, each recovery point copied to the peer region's vault."""
        args = self._args
        lifecycle = aws.backup.PlanRuleLifecycleArgs(delete_after=args.delete_after_days)
        return aws.backup.Plan(
            f"{self._name}-plan",
            name=f"trading-dr-daily-{args.context.region}",
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily-with-peer-copy",
                    target_vault_name=self.vault.name,
                    schedule=args.schedule,
                    start_window=START_WINDOW_MINUTES,
                    completion_window=COMPLETION_WINDOW_MINUTES,
                    lifecycle=lifecycle,
                    copy_actions=[
                        aws.backup.PlanRuleCopyActionArgs(
                            destination_vault_arn=self._account_and_partition.apply(
                                lambda v: vault_arn(v[1], args.context.peer_region, v[0])
                            ),
                            lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                                delete_after=args.delete_after_days
                            ),
                        )
                    ],
                )
            ],
            opts=self._child,
        )

    def _selection(
        self, role: aws.iam.Role, attachments: list[aws.iam.RolePolicyAttachment]
    ) -> aws.backup.Selection:
        """The cluster and the region's tables."""
        args = self._args
        table_arns = [
            self._account_and_partition.apply(
                lambda v, t=table: table_arn(v[1], args.context.region, v[0], t)
            )
            for table in args.table_names
        ]
        return aws.backup.Selection(
            f"{self._name}-selection",
            name="trading-dr-data",
            plan_id=self.plan.id,
            iam_role_arn=role.arn,
            resources=[args.cluster_arn, *table_arns],
            opts=pulumi.ResourceOptions(parent=self, depends_on=attachments),
        )
