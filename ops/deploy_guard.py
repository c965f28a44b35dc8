"""What a real deploy (`deploy.py preview` / `up`) needs beyond what the offline plan needs:
a hosted zone that Route 53 will accept and that the internet already delegates to.

Why this is a separate gate and not part of `components/settings.py`: the defaults
(`zoneName: trading.example.com`, no `hostedZoneId`) are right for `deploy.py plan`, which
never reaches AWS, and wrong for AWS:

- Route 53 refuses reserved names with `InvalidDomainName` ("The specified domain name is not
  valid.", https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html).
  AWS does not publish the reserved list; it is observed for example.com ("example.com is
  IANA-reserved (RFC 2606); Route 53 rejects it with InvalidDomainName",
  https://github.com/aws-samples/sample-agentic-value-accelerator/pull/126) and for other
  labels ("... is reserved by AWS!", https://github.com/awslabs/aws-saas-boost/issues/404).
  We refuse, conservatively, every name the RFCs reserve: example.com/.net/.org and their
  subdomains (RFC 2606 s.3, https://www.rfc-editor.org/rfc/rfc2606) and the special-use
  TLDs .test, .example, .invalid, .localhost (RFC 2606 s.2, RFC 6761
  https://www.rfc-editor.org/rfc/rfc6761), plus .local (RFC 6762, multicast DNS only).
- A zone created in the same run is not delegated by its parent, so ACM's DNS validation
  never sees its records and `aws.acm.CertificateValidation` waits out its 75-minute create
  timeout and fails in both stacks (terraform-provider-aws acm/certificate_validation.go,
  `schema.DefaultTimeout(75 * time.Minute)`; ACM itself keeps trying for 72 hours,
  https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html).

So a real deploy requires `hostedZoneId`: a public zone the user created and delegated
beforehand (README "Deploying for real"); `deploy.py preflight` then proves the parent
delegates to it. Every refusal is one line naming the file, the key, the value and the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# The rules live with the program, which refuses the same names on a real engine.
from components.traffic.zone_rules import (  # noqa: F401 re-exported for preflight and the tests
    RESERVED_DOMAINS,
    RESERVED_TLDS,
    ZONE_ID_KEY,
    ZONE_NAME_KEY,
    reserved_zone_rule,
)
from ops.errors import OperatorError
from ops.stack_config import effective_config, read_stack_config, stack_file


def source_of(stack: str, key: str, stack_config: Mapping[str, Any]) -> str:
    """Which file a key's value comes from: the stack file, else Pulumi.yaml's default."""
    return stack_file(stack).name if key in stack_config else "Pulumi.yaml (default)"


def check_real_deploy(
    stacks: list[str],
    config_of: Callable[[str], Mapping[str, Any]] = effective_config,
    stack_config_of: Callable[[str], Mapping[str, Any]] = read_stack_config,
) -> None:
    """Raise OperatorError (one line: file, key, value, rule) when a stack about to be
    previewed or deployed names a reserved zone or leaves the zone to be created in the run.

    The primary stack must set hostedZoneId (it would otherwise create the zone); the dr stack
    may leave it empty (it then uses the primary's exported hostedZoneId), and when it sets it
    the value must be the primary's."""
    primary_config = config_of("primary")
    primary_zone_id = str(primary_config.get(ZONE_ID_KEY) or "").strip()
    for stack in stacks:
        config = config_of(stack)
        own = stack_config_of(stack)
        zone_name = str(config.get(ZONE_NAME_KEY) or "").strip()
        zone_id = str(config.get(ZONE_ID_KEY) or "").strip()
        rule = reserved_zone_rule(zone_name)
        if rule is not None:
            raise OperatorError(
                f"{source_of(stack, ZONE_NAME_KEY, own)}: {ZONE_NAME_KEY}={zone_name!r} "
                f"cannot be deployed: {rule}."
            )
        if not (zone_id or primary_zone_id):
            # dr without its own id uses the primary's: then the primary's file is the one to fix.
            where = source_of("primary", ZONE_ID_KEY, stack_config_of("primary"))
            raise OperatorError(
                f"{where}: {ZONE_ID_KEY} is empty: a real deploy needs "
                f"the id of a public hosted zone for {zone_name} that its parent already delegates "
                "to (a zone created in the same run is not delegated and ACM validation times out "
                'after 75 minutes); create and delegate it first, see README "Deploying for real".'
            )
        if stack != "primary" and zone_id and primary_zone_id and zone_id != primary_zone_id:
            raise OperatorError(
                f"{source_of(stack, ZONE_ID_KEY, own)}: {ZONE_ID_KEY}={zone_id!r} must be the primary "
                f"stack's hostedZoneId {primary_zone_id!r} (both regions answer in one zone), or empty."
            )
