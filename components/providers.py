"""Explicit per-region providers. Default providers are disabled in stack config, so every
AWS resource and invoke must name one of these; a forgotten `provider=` fails loudly."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.aws_catalog import RECOVERY_CONTROL_CONFIG, ROUTE53, control_plane_region, region_partitions
from components.settings import Settings


def global_region(home_region: str) -> str:
    """Where the home region's partition hosts Route 53's control plane (and publishes its
    health-check metrics): us-east-1 in the aws partition ("Route 53 ... operates its control
    plane in the us-east-1 Region",
    https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html),
    the partition's own elsewhere (components/aws_catalog.py reads it from botocore)."""
    region = control_plane_region(ROUTE53, region_partitions()[home_region])
    if region is None:
        raise ValueError(f"aws:region {home_region}: its partition has no Route 53")
    return region


def recovery_control_region(home_region: str) -> str:
    """Where the ARC recovery-control configuration API lives: us-west-2, aws partition only
    ("you must specify the US West (Oregon) Region ... to create resources such as routing
    controls or clusters", https://docs.aws.amazon.com/recovery-cluster/latest/api/examples-cli-control.html;
    "routing control ... not available in the Beijing and Ningxia Regions nor in AWS GovCloud
    (US)", https://docs.aws.amazon.com/general/latest/gr/arc.html). Settings refuse an
    aws:region of another partition before anything is created (components/settings.py)."""
    region = control_plane_region(RECOVERY_CONTROL_CONFIG, region_partitions()[home_region])
    if region is None:
        raise ValueError(
            f"aws:region {home_region}: must be in a partition with Amazon ARC routing control (aws)"
        )
    return region


@dataclass(frozen=True)
class Providers:
    """home: this stack's region; peer: the other region (cross-region links only);
    global_: the partition's Route 53 control-plane region (`global_region`, us-east-1 in aws),
    for what lives only there; recovery_control: the ARC configuration API's region
    (`recovery_control_region`, us-west-2) for components/failover/authority.py; random: for
    pulumi-random."""

    home: aws.Provider
    peer: aws.Provider
    global_: aws.Provider
    recovery_control: aws.Provider
    random: random.Provider
    home_region: str
    peer_region: str
    global_region: str
    """The region of `global_`."""
    recovery_control_region: str
    """The region of `recovery_control`."""
    account_id: pulumi.Output[str]
    """The deploying account, from the home provider's credentials."""
    partition: pulumi.Output[str]
    """aws, aws-us-gov or aws-cn, for building ARNs."""

    def opts(self, **kwargs) -> pulumi.ResourceOptions:
        """Options for a resource in the home region."""
        return pulumi.ResourceOptions(provider=self.home, **kwargs)

    def invoke_home(self) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=self.home)

    def invoke_peer(self) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=self.peer)


def create_providers(settings: Settings) -> Providers:
    tags = aws.ProviderDefaultTagsArgs(tags=settings.default_tags)

    def regional(name: str, region: str) -> aws.Provider:
        return aws.Provider(name, region=region, default_tags=tags)

    # Derived (and refused) before any provider is created.
    global_, recovery_control = (
        global_region(settings.home_region),
        recovery_control_region(settings.home_region),
    )
    home = regional("aws-home", settings.home_region)
    caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=home))
    return Providers(
        home=home,
        peer=regional("aws-peer", settings.peer_region),
        global_=regional("aws-global", global_),
        recovery_control=regional("aws-recovery-control", recovery_control),
        random=random.Provider("random"),
        home_region=settings.home_region,
        peer_region=settings.peer_region,
        global_region=global_,
        recovery_control_region=recovery_control,
        account_id=caller.account_id,
        # arn:<partition>:iam::<account>:... is the caller's own ARN.
        partition=caller.arn.apply(lambda arn: arn.split(":")[1]),
    )
