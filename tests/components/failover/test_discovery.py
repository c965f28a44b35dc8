"""FailoverDiscovery on the mock engine: in each region, SSM parameters under /trading-dr/ tell
applications the Aurora global writer endpoint and where the authority and the fencing epoch
live, with the values the stack exports (no redeploy to find the writer)."""

from __future__ import annotations

import json

import pytest

from components.failover.discovery import PARAMETERS, PREFIX, parameter_name
from components.traffic.app_access import PARAMETER_PREFIX as APP_PREFIX

PARAMETER = "aws:ssm/parameter:Parameter"


def parameters(run) -> dict[str, dict]:
    """The discovery parameters: under /trading-dr/, less the application's own settings
    (/trading-dr/app/, components/traffic/app_access.py)."""
    return {
        p.inputs["name"]: p
        for p in run.of_type(PARAMETER)
        if p.inputs["name"].startswith(PREFIX + "/") and not p.inputs["name"].startswith(APP_PREFIX + "/")
    }


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_each_region_publishes_the_writer_and_the_authority(by_stack, stack, primary):
    run = by_stack[stack]
    settings = run.settings
    found = parameters(run)
    names = run.exports["ssmParameters"]
    assert set(names) == set(PARAMETERS) and set(names.values()) == set(found)
    for parameter in found.values():
        assert parameter.region == settings.home_region and parameter.inputs["type"] == "String"

    def value(key: str) -> str:
        return found[names[key]].inputs["value"]

    # The writer endpoint is the global cluster's own (the primary's resource, in both regions).
    global_cluster = primary.one("aws:rds/globalCluster:GlobalCluster")
    assert (
        value("globalWriterEndpoint")
        == global_cluster.outputs["endpoint"]
        == run.exports["globalWriterEndpoint"]
    )
    assert value("authorityClusterArn") == run.exports["trafficAuthorityClusterArn"]
    assert value("authorityControlPanelArn") == run.exports["trafficAuthorityControlPanelArn"]
    assert json.loads(value("authorityClusterEndpoints")) == run.exports["trafficAuthorityClusterEndpoints"]
    controls = run.exports["trafficAuthorityRoutingControlArns"]
    assert names["authorityRoutingControlHome"].endswith("/" + settings.home_region)
    assert value("authorityRoutingControlHome") == controls[settings.home_region]
    assert names["authorityRoutingControlPeer"].endswith("/" + settings.peer_region)
    assert value("authorityRoutingControlPeer") == controls[settings.peer_region]
    assert value("epochControlTable") == run.exports["controlTableName"]
    # What the operator toolkit discovers from the surviving region alone (ops/discovery.py).
    assert value("stackRole") == stack == run.exports["role"]
    assert (value("homeRegion"), value("peerRegion")) == (settings.home_region, settings.peer_region)
    assert value("globalClusterId") == primary.exports["globalClusterId"]
    assert value("localClusterArn") == run.exports["auroraClusterArn"]
    assert value("orchestratorFunctionName") == run.exports["orchestratorFunctionName"]
    assert value("alertTopicArn") == run.exports["alertTopicArn"]
    assert value("healthCheckId") == run.exports["healthCheckId"]
    assert value("routingControlHealthCheckId") == run.exports["routingControlHealthCheckId"]


def test_both_regions_use_the_same_names(primary, dr):
    def by_key(run):
        names = dict(run.exports["ssmParameters"])
        names.pop("authorityRoutingControlHome")
        names.pop("authorityRoutingControlPeer")
        for key in ("stackRole", "homeRegion", "peerRegion"):
            assert names[key] == parameter_name(PARAMETERS[key])
        return names

    assert by_key(primary) == by_key(dr)


def test_parameter_names_follow_ssm_rules():
    assert parameter_name("a/b") == "/trading-dr/a/b"
    with pytest.raises(ValueError, match="levels"):
        parameter_name("a b")
    with pytest.raises(ValueError, match="at most 15"):
        parameter_name("/".join("x" * 16))
