"""TrafficAuthority on the mock engine: the ARC cluster, control panel, one routing control per
region and the safety rules that keep exactly one On, owned by the primary stack and read
by the dr stack.

The mock engine accepts any safety rule; what ARC does with one is encoded here from the
documented RuleConfig semantics ("how many controls must be enabled after a transaction
completes"; ATLEAST N, AND = all, OR = any, Inverted = "logical negation of the rule":
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-route53recoverycontrol-safetyrule-ruleconfig.html)
and evaluated over every On/Off combination of the captured rules' controls.
"""

from __future__ import annotations

import itertools

import pytest

from components.failover.authority import (
    SAFETY_RULES,
    RuleConfig,
    allowed_states,
    routing_control_name,
)

CLUSTER = "aws:route53recoverycontrol/cluster:Cluster"
PANEL = "aws:route53recoverycontrol/controlPanel:ControlPanel"
CONTROL = "aws:route53recoverycontrol/routingControl:RoutingControl"
RULE = "aws:route53recoverycontrol/safetyRule:SafetyRule"
ARC_TYPES = (CLUSTER, PANEL, CONTROL, RULE)


def captured_allowed_states(run) -> tuple[list[str], list[tuple[bool, ...]]]:
    """(control ARNs, On/Off combinations every captured rule allows), from the rules' inputs."""
    rules = run.of_type(RULE)
    controls = sorted({arn for rule in rules for arn in rule.inputs["assertedControls"]})
    allowed = []
    for combo in itertools.product((False, True), repeat=len(controls)):
        state = dict(zip(controls, combo, strict=True))
        if all(
            RuleConfig(name=r.name, **r.inputs["ruleConfig"]).allows(
                [state[arn] for arn in r.inputs["assertedControls"]]
            )
            for r in rules
        ):
            allowed.append(combo)
    return controls, allowed


def test_the_primary_owns_one_cluster_panel_and_a_control_per_region_in_us_west_2(primary):
    for type_ in ARC_TYPES:
        resources = primary.of_type(type_)
        assert resources, type_
        # The config API exists only in us-west-2: the explicit provider for it, never home.
        assert {r.region for r in resources} == {"us-west-2"}, type_
    cluster, panel = primary.one(CLUSTER), primary.one(PANEL)
    assert panel.inputs["clusterArn"] == cluster.outputs["arn"]
    controls = primary.of_type(CONTROL)
    settings = primary.settings
    assert sorted(c.inputs["name"] for c in controls) == sorted(
        routing_control_name("trading-dr", r) for r in (settings.home_region, settings.peer_region)
    )
    for control in controls:
        assert control.inputs["clusterArn"] == cluster.outputs["arn"]
        # In our panel, where the safety rules are, not the cluster's default panel.
        assert control.inputs["controlPanelArn"] == panel.outputs["arn"]
    component = primary.by_urn(cluster.parent)
    assert component.type == "tradingdr:failover:TrafficAuthority"


def test_the_dr_stack_creates_no_arc_resource_and_reads_the_primarys(primary, dr):
    assert not any(dr.of_type(t) for t in ARC_TYPES)
    for key in (
        "trafficAuthorityClusterArn",
        "trafficAuthorityClusterEndpoints",
        "trafficAuthorityControlPanelArn",
        "trafficAuthorityRoutingControlArns",
        "trafficAuthoritySafetyRuleArns",
    ):
        assert dr.exports[key] == primary.exports[key], key
    controls = {c.inputs["name"]: c.outputs["arn"] for c in primary.of_type(CONTROL)}
    assert primary.exports["trafficAuthorityRoutingControlArns"] == {
        region: controls[routing_control_name("trading-dr", region)]
        for region in (primary.settings.home_region, primary.settings.peer_region)
    }
    endpoints = primary.exports["trafficAuthorityClusterEndpoints"]
    assert len(endpoints) == 5 and all(e["Endpoint"].startswith("https://") for e in endpoints)


def test_the_safety_rules_allow_exactly_one_control_on(primary):
    """The split brain (both On) and the unowned state (both Off) are refused by ARC; the two
    single-On states, and so a flip in one transaction from one to the other, are allowed."""
    controls, allowed = captured_allowed_states(primary)
    assert len(controls) == 2
    assert sorted(allowed) == [(False, True), (True, False)]
    for rule in primary.of_type(RULE):
        assert rule.inputs["controlPanelArn"] == primary.one(PANEL).outputs["arn"]
        # Assertion rules on both controls, not gating rules.
        assert sorted(rule.inputs["assertedControls"]) == controls
        assert "gatingControls" not in rule.inputs and "targetControls" not in rule.inputs
        assert rule.inputs["waitPeriodMs"] == 5000


def test_rule_semantics_as_documented():
    on, off = True, False
    at_least_one = RuleConfig("a", "ATLEAST", 1, False)
    assert at_least_one.allows([on, off]) and not at_least_one.allows([off, off])
    not_all = RuleConfig("b", "AND", 2, True)
    assert not_all.allows([on, off]) and not_all.allows([off, off]) and not not_all.allows([on, on])
    assert RuleConfig("c", "OR", 1, False).allows([off, on])
    assert allowed_states(SAFETY_RULES, 2) == [(True, False), (False, True)]
    with pytest.raises(ValueError, match="unknown rule type"):
        RuleConfig("d", "EXACTLY", 1, False).allows([on])


def test_routing_control_names_fit_arc():
    assert routing_control_name("trading-dr", "ap-southeast-2") == "trading-dr-ap-southeast-2"
    with pytest.raises(ValueError, match="1 to 64"):
        routing_control_name("x" * 60, "us-east-1")


def _dependency_closure(run, urn: str) -> set[str]:
    """Every URN `urn` waits for (its dependencies, transitively), as the engine orders them."""
    seen, todo = set(), [urn]
    while todo:
        resource = run.by_urn(todo.pop())
        for dependency in resource.options.depends_on if resource else ():
            if dependency not in seen:
                seen.add(dependency)
                todo.append(dependency)
    return seen


def test_the_panels_controls_and_rules_are_created_one_after_another(primary):
    """ARC's configuration API answers 409 ConflictException to concurrent changes on one
    control panel (https://docs.aws.amazon.com/recovery-cluster/latest/api/routingcontrol.html,
    .../safetyrule.html) and the provider does not retry it: the controls and rules of the
    panel must form one chain, so the engine never creates two of them at once."""
    members = primary.of_type(CONTROL) + primary.of_type(RULE)
    assert len(members) == 4
    for a, b in itertools.combinations(members, 2):
        ordered = a.urn in _dependency_closure(primary, b.urn) or b.urn in _dependency_closure(primary, a.urn)
        assert ordered, f"{a.name} and {b.name} may be created in parallel on one control panel"
    panel = primary.one(PANEL).urn
    assert all(panel in _dependency_closure(primary, m.urn) for m in members)
