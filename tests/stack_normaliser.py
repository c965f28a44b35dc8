"""Maps the inputs of one stack's resources to a stack-independent form, so the two stacks
can be compared: the stack's own region, CIDRs, role names, and every value a provider
computed (ids, ARNs, DNS names) are replaced by placeholders named after their source."""

from __future__ import annotations

import json
import re
from typing import Any

from components.failover.orchestrator_function import control_table_name
from components.providers import GLOBAL_REGION
from ops.mock_engine import MOCK_ACCOUNT, CapturedResource, StackRun

MOCK_ID = re.compile(r"-[0-9a-f]{12}\b")


def normaliser(run: StackRun):
    """Maps a value of this stack to its stack-independent form."""
    settings = run.settings
    vpc, peer = settings.vpc_cidr, settings.peer_vpc_cidr
    replacements = {
        run.exports["hostedZoneId"]: "<zone>",
        # The primary reads the global cluster's ARN from the resource; dr builds it from the
        # primary's exported id. Same cluster, one name.
        f"arn:aws:rds::{MOCK_ACCOUNT}:global-cluster:{run.exports['globalClusterId']}": "<global-arn>",
        settings.home_region: "<home>",
        settings.peer_region: "<peer>",
        f"trading-dr-{settings.role}": "trading-dr-<role>",
        # The peer stack's control table (its fencing epoch is read): named by the peer's role.
        control_table_name(f"trading-dr-{settings.peer_role}"): "trading-dr-<peer-role>-failover-control",
        f"trading-dr/{settings.role}": "trading-dr/<role>",
        f"tradingdr{settings.role}": "tradingdr<role>",
        # Addresses inside the VPCs: the first two octets of a /16 name the VPC.
        ".".join(str(vpc.network_address).split(".")[:2]) + ".": "<vpc>.",
        ".".join(str(peer.network_address).split(".")[:2]) + ".": "<peervpc>.",
    }
    # A DynamoDB table in its home region is the primary's global table there and the dr
    # stack's replica here: one table, named by its table name (the app role grants it).
    for kind in ("aws:dynamodb/table:Table", "aws:dynamodb/tableReplica:TableReplica"):
        for table in run.of_type(kind):
            arn = table.outputs["arn"]
            name = arn.rsplit("/", 1)[-1].replace(f"trading-dr-{settings.role}", "trading-dr-<role>")
            replacements[arn] = f"<table {name}>"
    # The ARC authority and the global writer endpoint: the primary's own resources there, the
    # primary's exports in dr (the same values); each routing control named by its role here.
    controls = run.exports["trafficAuthorityRoutingControlArns"]
    replacements[controls[settings.home_region]] = "<home-routing-control>"
    replacements[controls[settings.peer_region]] = "<peer-routing-control>"
    for key in ("trafficAuthorityClusterArn", "trafficAuthorityControlPanelArn", "globalWriterEndpoint"):
        replacements[run.exports[key]] = f"<{key}>"
    for n, arn in enumerate(run.exports["trafficAuthoritySafetyRuleArns"]):
        replacements[arn] = f"<safety-rule-{n}>"
    # The endpoints name their own regions (five ARC regions, not home or peer): as a whole.
    endpoints = run.exports["trafficAuthorityClusterEndpoints"]
    replacements[json.dumps(endpoints, sort_keys=True)] = "<arc-cluster-endpoints>"
    # Per-region AWS facts the stack reads: the ALB's hosted zone, the ELB log account.
    alb = run.one("aws:lb/loadBalancer:LoadBalancer")
    replacements[alb.outputs["zoneId"]] = "<alb-zone>"
    elb = next(i for i in run.invokes if i.token == "aws:elb/getServiceAccount:getServiceAccount")
    replacements[f"iam::{_elb_account(elb.region)}:root"] = "iam::<elb>:root"
    # Values the provider computes (ids, ARNs, DNS names, validation records) are named by the
    # resource they come from: the same resource in the other stack has other values.
    for resource in run.resources:
        if not resource.is_aws:
            continue
        own_inputs = {value for _, value in _strings(resource.inputs)}
        for key, value in _strings(resource.outputs):
            if key != "region" and len(value) > 12 and value not in own_inputs:
                replacements.setdefault(value, f"<{resource.name}.{key}>")

    # us-east-1 is the home of one stack and the peer of the other; in ARNs and endpoints of
    # what the us-east-1 provider creates it means "global" in both.
    global_replacements = {
        **replacements,
        f":{GLOBAL_REGION}:": ":<global>:",
        f".{GLOBAL_REGION}.amazonaws.com": ".<global>.amazonaws.com",
    }
    patterns = {flag: _pattern(table) for flag, table in ((False, replacements), (True, global_replacements))}
    tables = {False: replacements, True: global_replacements}

    def normalise(value: Any, in_global: bool) -> Any:
        if isinstance(value, str):
            table = tables[in_global]
            return MOCK_ID.sub("-<id>", patterns[in_global].sub(lambda m: table[m.group(0)], value))
        if isinstance(value, dict):
            return {k: normalise(v, in_global) for k, v in value.items()}
        if isinstance(value, list):
            return [normalise(v, in_global) for v in value]
        return value

    def normalise_resource(resource: CapturedResource) -> dict:
        in_global = bool(resource.provider_urn and resource.provider_urn.endswith("::aws-global"))
        return normalise(resource.inputs, in_global)

    return normalise_resource


def _pattern(table: dict[str, str]) -> re.Pattern:
    # Longest first, so a whole computed value wins over the region inside it.
    return re.compile("|".join(re.escape(k) for k in sorted(table, key=len, reverse=True)))


def _strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    """(top-level key, string) of every string inside an output mapping."""
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _strings(v, key or k)]
    if isinstance(value, list):
        return [item for v in value for item in _strings(v, key)]
    return []


def _elb_account(region: str) -> str:
    from ops.mock_engine import INVOKE_RESULTS

    return INVOKE_RESULTS["aws:elb/getServiceAccount:getServiceAccount"]({}, region)["id"]
