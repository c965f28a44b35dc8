"""Explicit per-region providers. Default providers are disabled in stack config, so every
AWS resource and invoke must name one of these; a forgotten `provider=` fails loudly."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.settings import Settings

# Route 53, IAM and CloudFront control planes, and Route 53 health-check metrics, live here.
GLOBAL_REGION = "us-east-1"
# The ARC recovery-control configuration API lives only here ("you must specify the US West
# (Oregon) Region ... to create resources such as clusters, control panels, or routing
# controls", https://docs.aws.amazon.com/r53recovery/latest/dg/introduction-regions-routing.html).
RECOVERY_CONTROL_REGION = "us-west-2"


@dataclass(frozen=True)
class Providers:
    """home: this stack's region; peer: the other region (cross-region links only);
    global_: us-east-1, for services that live only there; recovery_control: us-west-2, for
    the ARC configuration API (components/failover/authority.py); random: for pulumi-random."""

    home: aws.Provider
    peer: aws.Provider
    global_: aws.Provider
    recovery_control: aws.Provider
    random: random.Provider
    home_region: str
    peer_region: str
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

    home = regional("aws-home", settings.home_region)
    caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=home))
    return Providers(
        home=home,
        peer=regional("aws-peer", settings.peer_region),
        global_=regional("aws-global", GLOBAL_REGION),
        recovery_control=regional("aws-recovery-control", RECOVERY_CONTROL_REGION),
        random=random.Provider("random"),
        home_region=settings.home_region,
        peer_region=settings.peer_region,
        account_id=caller.account_id,
        # arn:<partition>:iam::<account>:... is the caller's own ARN.
        partition=caller.arn.apply(lambda arn: arn.split(":")[1]),
    )
