"""TrafficAuthority: the one authority for which region takes traffic and writes, an Amazon
ARC (Application Recovery Controller) recovery-control cluster with a control panel, one
routing control per region and the safety rules that keep exactly one of them On.

Why ARC: its cluster is five regional data-plane endpoints that agree by quorum, so at
least three of five stay reachable with any two regions offline, and it guarantees
"sequential consistency of failover operations"
(https://docs.aws.amazon.com/r53recovery/latest/dg/getting-started-cli-routing-config.html).
Both orchestrators read and flip the controls only through those endpoints, so the
cluster is the one cross-region serialisation point and the fence. Route 53 follows it
through routing-control health checks (components/traffic/dns.py).

Ownership: the ARC pieces are global, like the hosted zone, so the primary stack owns them
(docs/ARCHITECTURE.md#stack-ownership); the dr stack reads their ARNs and the cluster endpoints through the
existing StackReference (`trafficAuthority*` exports). The configuration API exists only in
us-west-2 ("you must specify the US West (Oregon) Region ... to create resources such as
clusters, control panels, or routing controls",
https://docs.aws.amazon.com/r53recovery/latest/dg/introduction-regions-routing.html), so
every resource here takes the explicit recovery-control provider (components/providers.py). That
is the config plane only: nothing on the failover path calls it.

Cost: "you are charged by the hour for each cluster that you create"
(https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.create.html); one
cluster serves the pair. Its monthly figure is stated once, in docs/COSTS.md ("Amazon ARC"),
as `venv/bin/python deploy.py plan --tiers` prices it.

New routing controls start Off. Both Off answers the PRIMARY record (Route 53's last
resort), which is where traffic goes before anyone flips a control; a failover's one
transaction (DR On, primary Off) passes both rules from that state too (docs/ARCHITECTURE.md,
"Failover architecture").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import stack_contract as contract

# "The wait period is 5000 ms by default" (API RuleConfig / WaitPeriodMs): requests against
# the controls fail for this long after a change, so a flip cannot flap.
WAIT_PERIOD_MS = 5000


@dataclass(frozen=True)
class RuleConfig:
    """One assertion rule's RuleConfig, as the control-config API defines it
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-route53recoverycontrol-safetyrule-ruleconfig.html:
    "how many controls must be enabled after a transaction completes"):
    ATLEAST ("at least N routing controls must be set", N = threshold), AND ("all routing
    controls must be set"), OR ("any control must be set"); inverted is the "logical
    negation of the rule"."""

    name: str
    type: str
    threshold: int
    inverted: bool

    def allows(self, states_on: Sequence[bool]) -> bool:
        """Whether a result of a transaction passes this rule (the documented semantics)."""
        count = sum(bool(s) for s in states_on)
        if self.type == "ATLEAST":
            holds = count >= self.threshold
        elif self.type == "AND":
            holds = count == len(states_on)
        elif self.type == "OR":
            holds = count >= 1
        else:
            raise ValueError(f"unknown rule type {self.type!r}")
        return holds != self.inverted


# No rule type says "exactly one". For two controls, exactly one On is the conjunction of:
#  1. ATLEAST 1: never both Off. The documented pattern: "an assertion rule makes sure that at
#     least one routing control in a set of routing controls in a control panel is On at any
#     given time" (https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.safety-rules.html).
#     Both Off would leave DNS on Route 53's last resort (PRIMARY) without anyone deciding it.
#  2. inverted AND: NOT (every control On), i.e. never both On: the split brain.
# Rule 2 is derived from the documented RuleConfig semantics; AWS shows no example of it
# (unverifiable here: no sandbox). Safe under either answer: the orchestrators flip both
# controls in ONE UpdateRoutingControlStates transaction (DR On, primary Off), which passes
# both rules, and an inverted AND that ARC evaluated differently could only refuse a flip
# (a page, no promotion), never admit two On.
# The threshold of an AND rule is ignored by ARC, but the API and the provider require one.
SAFETY_RULES = (
    RuleConfig(name="at-least-one-on", type="ATLEAST", threshold=1, inverted=False),
    RuleConfig(name="never-both-on", type="AND", threshold=2, inverted=True),
)


def allowed_states(rules: Sequence[RuleConfig], control_count: int) -> list[tuple[bool, ...]]:
    """Every On/Off combination of the controls that all the rules allow."""
    combos = [tuple(bool(n >> i & 1) for i in range(control_count)) for n in range(2**control_count)]
    return [combo for combo in combos if all(rule.allows(combo) for rule in rules)]


def routing_control_name(name_prefix: str, region: str) -> str:
    """ARC names are 1-64 characters; the region makes the control explain itself."""
    name = f"{name_prefix}-{region}"
    if not 1 <= len(name) <= 64:
        raise ValueError(f"routing control name {name!r} must be 1 to 64 characters")
    return name


@dataclass
class TrafficAuthorityArgs:
    regions: Sequence[str]
    """The pair's regions, primary first; one routing control each."""
    name_prefix: str
    """e.g. trading-dr; names the cluster, panel, controls and rules."""
    wait_period_ms: int = WAIT_PERIOD_MS


class TrafficAuthority(pulumi.ComponentResource):
    """Outputs: `cluster` (arn, cluster_endpoints: the five regional data-plane endpoints),
    `control_panel`, `routing_controls` (region -> RoutingControl), `safety_rules`."""

    cluster: aws.route53recoverycontrol.Cluster
    control_panel: aws.route53recoverycontrol.ControlPanel
    routing_controls: dict[str, aws.route53recoverycontrol.RoutingControl]
    safety_rules: list[aws.route53recoverycontrol.SafetyRule]

    def __init__(self, name: str, args: TrafficAuthorityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:failover:TrafficAuthority", name, None, opts)
        if len(args.regions) != 2 or args.regions[0] == args.regions[1]:
            raise ValueError(f"TrafficAuthority needs two distinct regions, got {list(args.regions)}")
        child = pulumi.ResourceOptions(parent=self)
        prefix = args.name_prefix
        self.cluster = aws.route53recoverycontrol.Cluster(f"{name}-cluster", name=prefix, opts=child)
        self.control_panel = aws.route53recoverycontrol.ControlPanel(
            f"{name}-panel", name=prefix, cluster_arn=self.cluster.arn, opts=child
        )
        # One change at a time on the panel: ARC's configuration API answers 409
        # ConflictException ("Updating or deleting a resource can cause an inconsistent
        # state") to concurrent changes on a control panel
        # (https://docs.aws.amazon.com/recovery-cluster/latest/api/routingcontrol.html,
        # https://docs.aws.amazon.com/recovery-cluster/latest/api/safetyrule.html), and the
        # provider does not retry it ("Conflict occurred while attempting to change the same
        # resource by multiple requests at the same time. Please retry.",
        # https://github.com/hashicorp/terraform-provider-aws/issues/48311 and
        # https://github.com/hashicorp/terraform-provider-aws/issues/47034). So each control and
        # rule depends on the one created before it: panel -> controls -> rules, in one chain.
        previous: list[pulumi.Resource] = [self.control_panel]
        self.routing_controls = {}
        for region in args.regions:
            control = aws.route53recoverycontrol.RoutingControl(
                f"{name}-{region}",
                name=routing_control_name(prefix, region),
                cluster_arn=self.cluster.arn,
                # In our panel, not the cluster's default one: the rules are per panel.
                control_panel_arn=self.control_panel.arn,
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            self.routing_controls[region], previous = control, [control]
        controls = [self.routing_controls[region].arn for region in args.regions]
        self.safety_rules = []
        for rule in SAFETY_RULES:
            created = aws.route53recoverycontrol.SafetyRule(
                f"{name}-{rule.name}",
                name=f"{prefix}-{rule.name}",
                control_panel_arn=self.control_panel.arn,
                asserted_controls=controls,
                rule_config=aws.route53recoverycontrol.SafetyRuleRuleConfigArgs(
                    type=rule.type, threshold=rule.threshold, inverted=rule.inverted
                ),
                wait_period_ms=args.wait_period_ms,
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            self.safety_rules.append(created)
            previous = [created]
        self.register_outputs(
            {
                "cluster_arn": self.cluster.arn,
                "control_panel_arn": self.control_panel.arn,
                "routing_control_arns": {r: c.arn for r, c in self.routing_controls.items()},
            }
        )

    def view(self) -> AuthorityView:
        return AuthorityView(
            cluster_arn=pulumi.Output.from_input(self.cluster.arn),
            cluster_endpoints=self.cluster.cluster_endpoints.apply(
                lambda endpoints: [{"Endpoint": e.endpoint, "Region": e.region} for e in endpoints or []]
            ),
            control_panel_arn=pulumi.Output.from_input(self.control_panel.arn),
            routing_control_arns=pulumi.Output.all(
                **{region: c.arn for region, c in self.routing_controls.items()}
            ),
            safety_rule_arns=pulumi.Output.all(*[rule.arn for rule in self.safety_rules]),
        )


@dataclass
class AuthorityView:
    """What a stack knows of the authority: the primary from its own resources, the dr stack
    from the primary's exports. Endpoints use DescribeCluster's keys (Endpoint, Region), the
    form failover.config reads (FAILOVER_ARC_CLUSTER_ENDPOINTS)."""

    cluster_arn: pulumi.Output[str]
    cluster_endpoints: pulumi.Output[list]
    control_panel_arn: pulumi.Output[str]
    routing_control_arns: pulumi.Output[dict]
    """region -> routing control ARN."""
    safety_rule_arns: pulumi.Output[list]

    def routing_control_arn(self, region: str) -> pulumi.Output[str]:
        def pick(arns: Mapping[str, str]) -> str:
            if region not in arns:
                raise ValueError(f"the traffic authority has no routing control for {region}: {sorted(arns)}")
            return arns[region]

        return self.routing_control_arns.apply(pick)

    def exports(self) -> dict[str, pulumi.Input]:
        """Stack exports (camelCase): the dr stack reads them; both stacks export them."""
        return {
            "trafficAuthorityClusterArn": self.cluster_arn,
            "trafficAuthorityClusterEndpoints": self.cluster_endpoints,
            "trafficAuthorityControlPanelArn": self.control_panel_arn,
            "trafficAuthorityRoutingControlArns": self.routing_control_arns,
            "trafficAuthoritySafetyRuleArns": self.safety_rule_arns,
        }

    @classmethod
    def from_stack(cls, primary: pulumi.StackReference) -> AuthorityView:
        """The dr stack's view: the primary's exports (the primary owns the authority)."""
        return cls(
            cluster_arn=contract.AUTHORITY_CLUSTER_ARN.read(primary),
            cluster_endpoints=contract.AUTHORITY_CLUSTER_ENDPOINTS.read(primary),
            control_panel_arn=contract.AUTHORITY_CONTROL_PANEL_ARN.read(primary),
            routing_control_arns=contract.AUTHORITY_ROUTING_CONTROL_ARNS.read(primary),
            safety_rule_arns=contract.AUTHORITY_SAFETY_RULE_ARNS.read(primary),
        )
