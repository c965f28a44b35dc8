"""SecurityGroups: the three tiers' groups of one region and the rules between them.

internet -> ALB (443, 80) -> app (app port) -> DB (DB port). The app tier also admits the
peer VPC on the app port (cross-region calls over the Transit Gateway). Every rule has a
description; the ALB's 80/443 are the only rules open to the internet. Rules are separate
resources (aws.vpc.SecurityGroup*Rule), so groups that reference each other do not form a
create-time cycle.

EC2 accepts group and rule descriptions of up to 255 characters from
`a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*` only (no apostrophes); the rule pattern is
DESCRIPTION_CHARSET, checked here before anything registers:
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext

ANYWHERE_V4 = "0.0.0.0/0"
# The charset EC2 documents for rule descriptions (API_UserIdGroupPair omits "&", so it is
# left out here too: the strictest of the documented sets), at most 255 characters.
DESCRIPTION_CHARSET = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]{0,255}")


def check_description(description: str) -> str:
    """`description` if EC2 accepts it for a group or rule, else ValueError naming it."""
    if not DESCRIPTION_CHARSET.fullmatch(description):
        raise ValueError(
            f"security group description {description!r} is not accepted by EC2: at most 255 "
            "characters of a-zA-Z0-9 and ._-:/()#,@[]+=;{}!$* and spaces"
        )
    return description


HTTPS, HTTP = 443, 80


@dataclass
class SecurityGroupsArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    vpc_id: pulumi.Input[str]
    vpc_cidr: ipaddress.IPv4Network
    peer_vpc_cidr: ipaddress.IPv4Network
    """The peer region's VPC, admitted on the app port through the Transit Gateway."""
    app_port: int
    db_port: int


class SecurityGroups(pulumi.ComponentResource):
    alb: aws.ec2.SecurityGroup
    app: aws.ec2.SecurityGroup
    db: aws.ec2.SecurityGroup

    def __init__(self, name: str, args: SecurityGroupsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:security:SecurityGroups", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)

        def group(tier: str, description: str) -> aws.ec2.SecurityGroup:
            return aws.ec2.SecurityGroup(
                f"{name}-{tier}",
                vpc_id=args.vpc_id,
                description=check_description(description),
                # Rules are managed as separate resources below; none inline.
                tags={"Name": f"{args.context.name_prefix}-{tier}-sg"},
                opts=self._child,
            )

        self.alb = group("alb", "trading-dr ALB: HTTPS and HTTP redirect from the internet")
        self.app = group("app", "trading-dr application tier: from the ALB and the peer VPC")
        self.db = group("db", "trading-dr Aurora: from the application tier only")

        for port, what in ((HTTPS, "HTTPS"), (HTTP, "HTTP, redirected to HTTPS by the listener")):
            self._ingress(self.alb, f"alb-{port}", port, f"{what} from the internet", cidr=ANYWHERE_V4)
        self._egress(self.alb, "alb-to-app", args.app_port, "to the application tier", group=self.app)

        self._ingress(self.app, "app-from-alb", args.app_port, "from the ALB", group=self.alb)
        self._ingress(
            self.app,
            "app-from-peer",
            args.app_port,
            "from the peer region VPC over the Transit Gateway",
            cidr=str(args.peer_vpc_cidr),
        )
        self._egress(self.app, "app-to-db", args.db_port, "to Aurora", group=self.db)
        self._egress(
            self.app,
            "app-to-peer",
            args.app_port,
            "to the peer region application tier over the Transit Gateway",
            cidr=str(args.peer_vpc_cidr),
        )
        # AWS APIs (SSM, CloudWatch, Secrets Manager, S3/DynamoDB endpoints) are HTTPS only.
        self._egress(
            self.app, "app-to-https", HTTPS, "HTTPS to AWS APIs via NAT and endpoints", cidr=ANYWHERE_V4
        )

        self._ingress(self.db, "db-from-app", args.db_port, "from the application tier", group=self.app)
        # The DB group has no egress rule: Aurora initiates no connections of its own.

        self.register_outputs({"alb_sg_id": self.alb.id, "app_sg_id": self.app.id, "db_sg_id": self.db.id})

    def _ingress(self, target, rule, port, description, *, cidr=None, group=None):
        self._rule(aws.vpc.SecurityGroupIngressRule, target, rule, port, description, cidr, group)

    def _egress(self, source, rule, port, description, *, cidr=None, group=None):
        self._rule(aws.vpc.SecurityGroupEgressRule, source, rule, port, description, cidr, group)

    def _rule(self, resource_type, security_group, rule, port, description, cidr, group):
        """One TCP port, to or from one CIDR or one other group, always described."""
        resource_type(
            f"{self._name}-{rule}",
            security_group_id=security_group.id,
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            cidr_ipv4=cidr,
            referenced_security_group_id=group.id if group is not None else None,
            description=check_description(description),
            opts=self._child,
        )
