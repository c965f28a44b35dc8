"""RegionalCompute: the application tier of one region. An Auto Scaling group over the
private-app subnets, launched from a hardened template (IMDSv2 only with hop limit 1, EBS
encrypted with the regional key, no public address, no SSH key: operators use SSM Session
Manager through the instance profile), registered with the ALB's target group and replaced
when the ALB finds it unhealthy. Its size comes from components/traffic/capacity.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.traffic.app_access import AppDataAccess, app_parameters, role_policy_document
from components.traffic.bootstrap import encoded
from components.traffic.capacity import Capacity

# Resolved by EC2 at launch from the public SSM parameter: no invoke, no pinned AMI id.
DEFAULT_IMAGE = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
ROOT_DEVICE = "/dev/xvda"  # Amazon Linux 2023
SSM_POLICY = "AmazonSSMManagedInstanceCore"
CPU_TARGET_PERCENT = 60.0
# The group's sizes a failover raises and the program therefore never writes back (Pulumi
# property names, as ignore_changes takes them).
FAILOVER_SIZES = ("minSize", "desiredCapacity")


@dataclass
class RegionalComputeArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    app_subnet_ids: Sequence[pulumi.Input[str]]
    app_security_group_id: pulumi.Input[str]
    target_group_arn: pulumi.Input[str]
    instance_type: str
    capacity: Capacity
    data_access: AppDataAccess
    """This region's data tier: the role's grants and the SSM parameters instances read."""
    user_data: str | bytes
    """Run at first boot: the default bootstrap (components/traffic/bootstrap.py, gzip bytes) or
    appUserData (text)."""
    image_id: str = DEFAULT_IMAGE
    root_volume_gib: int = 20


class RegionalCompute(pulumi.ComponentResource):
    role: aws.iam.Role
    instance_profile: aws.iam.InstanceProfile
    launch_template: aws.ec2.LaunchTemplate
    group: aws.autoscaling.Group
    data_policy: aws.iam.RolePolicy
    parameters: list[aws.ssm.Parameter]

    def __init__(self, name: str, args: RegionalComputeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:compute:RegionalCompute", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._identity()
        self.launch_template = self._launch_template()
        self.group = self._group()
        self._cpu_target()
        self.register_outputs({"asg_name": self.group.name, "launch_template_id": self.launch_template.id})

    def _identity(self) -> None:
        """The instances' role and profile: SSM access, the data tier's grants, and the
        parameters the instances read at boot."""
        args = self._args
        self.role = aws.iam.Role(
            f"{self._name}-role",
            description=f"{args.context.name_prefix} application instances",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=self._child,
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-ssm",
            role=self.role.name,
            policy_arn=pulumi.Output.concat("arn:", args.context.partition, f":iam::aws:policy/{SSM_POLICY}"),
            opts=self._child,
        )
        self.data_policy = aws.iam.RolePolicy(
            f"{self._name}-data-access",
            role=self.role.id,
            policy=role_policy_document(args.data_access, args.context.partition, args.context.account_id),
            opts=self._child,
        )
        self.parameters = app_parameters(f"{self._name}-param", args.data_access, self)
        self.instance_profile = aws.iam.InstanceProfile(
            f"{self._name}-profile", role=self.role.name, opts=self._child
        )

    def _launch_template(self) -> aws.ec2.LaunchTemplate:
        """The hardened template every instance starts from."""
        args = self._args
        return aws.ec2.LaunchTemplate(
            f"{self._name}-lt",
            description=f"{args.context.name_prefix} application instances",
            image_id=args.image_id,
            instance_type=args.instance_type,
            user_data=encoded(args.user_data),
            iam_instance_profile={"arn": self.instance_profile.arn},
            # No key_name: there is no SSH; Session Manager is the way in.
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                # 1: a container on the instance cannot reach the instance's credentials.
                "http_put_response_hop_limit": 1,
                "instance_metadata_tags": "disabled",
            },
            network_interfaces=[
                {
                    "device_index": 0,
                    "associate_public_ip_address": "false",
                    "security_groups": [args.app_security_group_id],
                    "delete_on_termination": "true",
                }
            ],
            block_device_mappings=[
                {
                    "device_name": ROOT_DEVICE,
                    "ebs": {
                        "volume_size": args.root_volume_gib,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "kms_key_id": args.context.kms_key_arn,
                        "delete_on_termination": "true",
                    },
                }
            ],
            monitoring={"enabled": True},
            update_default_version=True,
            tag_specifications=[
                {"resource_type": kind, "tags": {"Name": f"{args.context.name_prefix}-app"}}
                for kind in ("instance", "volume")
            ],
            opts=self._child,
        )

    def _group(self) -> aws.autoscaling.Group:
        args = self._args
        return aws.autoscaling.Group(
            f"{self._name}-asg",
            vpc_zone_identifiers=list(args.app_subnet_ids),
            # Pinned to the template's newest version, so a template change is a group change
            # that the instance refresh below rolls out.
            launch_template={
                "id": self.launch_template.id,
                "version": self.launch_template.latest_version.apply(str),
            },
            min_size=args.capacity.min_size,
            max_size=args.capacity.max_size,
            desired_capacity=args.capacity.desired,
            target_group_arns=[args.target_group_arn],
            health_check_type="ELB",
            health_check_grace_period=300,
            # A new template version rolls through the group, keeping most of it serving.
            instance_refresh={"strategy": "Rolling", "preferences": {"min_healthy_percentage": 90}},
            enabled_metrics=[
                "GroupInServiceInstances",
                "GroupDesiredCapacity",
                "GroupMaxSize",
                "GroupMinSize",
            ],
            tags=[{"key": "Name", "value": f"{args.context.name_prefix}-app", "propagate_at_launch": True}],
            # Infrastructure code never undoes a failover (docs/IAC_AND_FAILOVER.md): a
            # promotion raises this group's MinSize and DesiredCapacity to full size
            # (failover/capacity.py scale_to), and the target-tracking policy below moves
            # DesiredCapacity all day. Both are IGNORED after creation: a later `up` of the
            # standby's stack would otherwise lower MinSize back to the standby size, and
            # target tracking would then scale in the region that now serves. MaxSize stays
            # managed: the failover never changes it (full size <= appMaxSize, validated).
            # Instances read their parameters with their role at boot: both exist first.
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=list(FAILOVER_SIZES),
                depends_on=[self.data_policy, *self.parameters],
            ),
        )

    def _cpu_target(self) -> None:
        # Target tracking stays managed (the failover does not touch it): it can scale in
        # only down to the group's live MinSize, which a failover raised and `up` keeps.
        aws.autoscaling.Policy(
            f"{self._name}-cpu-target",
            autoscaling_group_name=self.group.name,
            policy_type="TargetTrackingScaling",
            target_tracking_configuration={
                "predefined_metric_specification": {"predefined_metric_type": "ASGAverageCPUUtilization"},
                "target_value": CPU_TARGET_PERCENT,
            },
            opts=self._child,
        )
