"""Route 53 gating on the mock engine: the appName failover pair follows the ARC routing
controls and never the ALBs, and each region's witness pair tells its ALB's health as Route
53 sees it.

The mock engine does not answer DNS. Route 53's failover rules are encoded here from the
API reference (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html):
- "When the primary resource record set is healthy, Route 53 responds ... with the primary
  ... regardless of the health of the secondary";
- "When the primary ... is unhealthy and the secondary ... is healthy, ... the secondary";
- "When the secondary resource record set is unhealthy, Route 53 responds ... with the
  primary ... regardless of the health of the primary";
- "If you omit the HealthCheckId element for the secondary ... and if the primary ... is
  unhealthy, Route 53 always responds ... from the secondary";
a RECOVERY_CONTROL check is healthy iff its routing control is On
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html); an alias
with evaluate_target_health inherits its ALB's health; a CALCULATED check counts healthy
children. The captured records and checks are evaluated against every ARC state the safety
rules allow and every combination of ALB health.
"""

from __future__ import annotations

import itertools
import json

import pytest

from components.traffic.names import (
    FAILOVER_RECORD_TTL_SECONDS,
    WITNESS_HEALTHY_ADDRESS,
    WITNESS_TTL_SECONDS,
    WITNESS_UNHEALTHY_ADDRESS,
    witness_fqdn,
)
from tests.components.failover.test_traffic_authority import captured_allowed_states
from tests.traffic_support import by_id

RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
ALB = "aws:lb/loadBalancer:LoadBalancer"
FUNCTION = "aws:lambda/function:Function"


def check_healthy(run, check, world) -> bool:
    kind = check.inputs["type"]
    if kind == "RECOVERY_CONTROL":
        return world["controls"][check.inputs["routingControlArn"]]
    if kind in ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"):
        return world["albs"][check.inputs["fqdn"]]
    if kind == "CALCULATED":
        children = [check_healthy(run, by_id(run, c), world) for c in check.inputs["childHealthchecks"]]
        return sum(children) >= check.inputs["childHealthThreshold"]
    raise AssertionError(f"no model for health check type {kind}")


def record_healthy(run, record, world) -> bool | None:
    """The record's health, or None when it has no health check and no target health (a
    secondary that is then always answered)."""
    verdicts = []
    if record.inputs.get("healthCheckId"):
        verdicts.append(check_healthy(run, by_id(run, record.inputs["healthCheckId"]), world))
    for alias in record.inputs.get("aliases") or []:
        if alias.get("evaluateTargetHealth"):
            verdicts.append(world["albs"][alias["name"]])
    return all(verdicts) if verdicts else None


def failover_answer(primary_healthy: bool | None, secondary_healthy: bool | None) -> str:
    if primary_healthy or primary_healthy is None:
        return "PRIMARY"
    if secondary_healthy is None or secondary_healthy:
        return "SECONDARY"
    return "PRIMARY"  # last resort: the secondary is unhealthy


def pair(runs, name) -> dict[str, tuple]:
    """failover type -> (run, record) of the records named `name` in these stacks."""
    found = {}
    for run in runs:
        for record in run.of_type(RECORD):
            if record.inputs["name"] == name and record.inputs.get("failoverRoutingPolicies"):
                found[record.inputs["failoverRoutingPolicies"][0]["type"]] = (run, record)
    return found


def answer(runs, name, world):
    records = pair(runs, name)
    assert set(records) == {"PRIMARY", "SECONDARY"}, name
    health = {kind: record_healthy(run, record, world) for kind, (run, record) in records.items()}
    return records[failover_answer(health["PRIMARY"], health["SECONDARY"])]


def test_the_failover_pair_answers_the_region_arc_switched_on_whatever_the_albs_say(primary, dr):
    controls, allowed = captured_allowed_states(primary)
    region_of_control = {
        arn: region for region, arn in primary.exports["trafficAuthorityRoutingControlArns"].items()
    }
    albs = {run.settings.home_region: run.one(ALB).outputs["dnsName"] for run in (primary, dr)}
    app_fqdn = primary.settings.traffic.app_fqdn
    checked = 0
    for state in allowed:
        on = {region_of_control[arn] for arn, is_on in zip(controls, state, strict=True) if is_on}
        for alb_health in itertools.product((True, False), repeat=2):
            world = {
                "controls": dict(zip(controls, state, strict=True)),
                "albs": dict(zip(albs.values(), alb_health, strict=True)),
            }
            run, record = answer((primary, dr), app_fqdn, world)
            assert {run.settings.home_region} == on, (state, alb_health)
            # ... and the answer is that region's own ALB (a CNAME's value or an alias target).
            target = record.inputs.get("records") or [a["name"] for a in record.inputs["aliases"]]
            assert target == [albs[run.settings.home_region]]
            checked += 1
    assert checked == 8


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_failover_record_is_a_short_cname_gated_by_its_routing_control_only(by_stack, stack):
    run = by_stack[stack]
    (record,) = [r for r in run.of_type(RECORD) if r.inputs["name"] == run.settings.traffic.app_fqdn]
    assert record.inputs["type"] == "CNAME" and "aliases" not in record.inputs
    assert record.inputs["ttl"] == FAILOVER_RECORD_TTL_SECONDS
    assert record.inputs["records"] == [run.one(ALB).outputs["dnsName"]]
    check = by_id(run, record.inputs["healthCheckId"])
    assert check.inputs["type"] == "RECOVERY_CONTROL"
    home_control = run.exports["trafficAuthorityRoutingControlArns"][run.settings.home_region]
    assert check.inputs["routingControlArn"] == home_control
    # "RequestInterval/FailureThreshold is not supported" for RECOVERY_CONTROL checks.
    assert "requestInterval" not in check.inputs and "failureThreshold" not in check.inputs
    assert run.exports["routingControlHealthCheckId"] == check.id


def test_each_witness_answers_its_regions_alb_health(primary, dr):
    for run in (primary, dr):
        region = run.settings.home_region
        name = witness_fqdn(run.settings.traffic, region)
        alb_check = next(c for c in run.of_type(HEALTH_CHECK) if c.inputs["type"] == "HTTPS")
        assert alb_check.inputs["fqdn"] == run.one(ALB).outputs["dnsName"]
        for healthy, address in ((True, WITNESS_HEALTHY_ADDRESS), (False, WITNESS_UNHEALTHY_ADDRESS)):
            world = {"controls": {}, "albs": {alb_check.inputs["fqdn"]: healthy}}
            _, record = answer((run,), name, world)
            assert record.inputs["records"] == [address], (region, healthy)
        records = pair((run,), name)
        assert records["PRIMARY"][1].inputs["healthCheckId"] == alb_check.id
        assert "healthCheckId" not in records["SECONDARY"][1].inputs
        for _, record in records.values():
            assert record.inputs["type"] == "A" and record.inputs["ttl"] == WITNESS_TTL_SECONDS
        assert run.exports["witnessFqdn"] == name
    assert WITNESS_HEALTHY_ADDRESS != WITNESS_UNHEALTHY_ADDRESS
    assert all(a.startswith("192.0.2.") for a in (WITNESS_HEALTHY_ADDRESS, WITNESS_UNHEALTHY_ADDRESS))


def test_each_orchestrator_resolves_the_peers_witness_and_knows_its_answers(primary, dr):
    for run, peer in ((primary, dr), (dr, primary)):
        env = run.one(FUNCTION).inputs["environment"]["variables"]
        peer_records = pair((peer,), env["FAILOVER_WITNESS_FQDN"])
        assert env["FAILOVER_WITNESS_FQDN"] == peer.exports["witnessFqdn"] == run.exports["peerWitnessFqdn"]
        assert peer_records["PRIMARY"][1].inputs["records"] == [env["FAILOVER_WITNESS_HEALTHY_ADDRESS"]]
        assert peer_records["SECONDARY"][1].inputs["records"] == [env["FAILOVER_WITNESS_UNHEALTHY_ADDRESS"]]
        controls = run.exports["trafficAuthorityRoutingControlArns"]
        assert env["FAILOVER_HOME_ROUTING_CONTROL_ARN"] == controls[run.settings.home_region]
        assert env["FAILOVER_PEER_ROUTING_CONTROL_ARN"] == controls[run.settings.peer_region]
        assert (
            json.loads(env["FAILOVER_ARC_CLUSTER_ENDPOINTS"])
            == run.exports["trafficAuthorityClusterEndpoints"]
        )
