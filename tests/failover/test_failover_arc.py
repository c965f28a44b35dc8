"""The ARC routing controls through the cluster's regional endpoints (failover/arc.py):
rotation on unavailability, throttling and 5xx; a safety-rule conflict is final; both
controls change in ONE UpdateRoutingControlStates call. moto has no
route53-recovery-cluster, so the double in tests/failover/fakes.py plays the cluster as
https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.update.api.html describes it."""

from __future__ import annotations

import pytest

from failover.arc import ArcConflict, ArcError, RoutingControls, home_is_active
from failover.config import ArcEndpoint
from tests.failover.fakes import ARC_REGIONS, CONTROLS, DR, PRIMARY, Arc, client_error

ENDPOINTS = [ArcEndpoint(f"https://{r}.example/v1", r) for r in ARC_REGIONS]


def controls(arc: Arc) -> RoutingControls:
    return RoutingControls(ENDPOINTS, arc.factory, CONTROLS[DR], CONTROLS[PRIMARY])


def test_flip_is_one_transaction_through_one_endpoint():
    arc = Arc()
    rc = controls(arc)
    rc.activate_home()
    assert home_is_active(rc.states())
    assert [op for op, _ in arc.calls].count("update") == 1
    # Either order of two single updates would break a safety rule: one transaction.
    assert arc.updates == [{CONTROLS[PRIMARY]: "Off", CONTROLS[DR]: "On"}]


@pytest.mark.parametrize("fault", ["unavailable", "throttled"])
def test_rotates_through_endpoints_until_one_answers(fault):
    arc = Arc()
    getattr(arc, fault).update(ARC_REGIONS[:2])  # two of five endpoints out: AWS keeps 3 of 5
    rc = controls(arc)
    rc.activate_home()
    assert home_is_active(rc.states())
    tried = [region for op, region in arc.calls if op == "update"]
    assert tried == list(ARC_REGIONS[:3])


def test_the_rotation_starts_at_the_preferred_regions_endpoint_and_still_rotates():
    """The orchestrator starts at its home region's endpoint: the first one listed may be in
    the failed peer region and cost a timeout at the start of every invocation."""
    arc = Arc()
    home = ARC_REGIONS[3]
    arc.unavailable.add(ARC_REGIONS[0])
    rc = RoutingControls(ENDPOINTS, arc.factory, CONTROLS[DR], CONTROLS[PRIMARY], prefer_region=home)
    rc.states()
    assert [region for _, region in arc.calls] == [home, home]
    arc.unavailable.add(home)  # the home endpoint in maintenance: the next one answers
    rc.states()
    assert [region for _, region in arc.calls][2:] == [home, ARC_REGIONS[4], ARC_REGIONS[4]]


def test_the_orchestrator_prefers_its_home_regions_endpoint(world):
    rc = world.orchestrator(DR).arc
    assert rc.endpoints[rc._start].region == DR


def test_no_endpoint_answers_is_an_error_not_a_state():
    arc = Arc()
    arc.unavailable.update(ARC_REGIONS)
    with pytest.raises(ArcError):
        controls(arc).states()


def test_a_5xx_rotates():
    arc = Arc()
    original = arc.factory

    def factory(url, region):
        client = original(url, region)
        if region == ARC_REGIONS[0]:
            client.update_routing_control_states = lambda **kw: (_ for _ in ()).throw(
                client_error("InternalServerException", 500)
            )
        return client

    rc = RoutingControls(ENDPOINTS, factory, CONTROLS[DR], CONTROLS[PRIMARY])
    rc.activate_home()
    assert home_is_active(rc.states())


def test_a_conflict_is_not_retried_on_another_endpoint():
    arc = Arc()
    rc = RoutingControls(ENDPOINTS, arc.factory, CONTROLS[DR], CONTROLS[PRIMARY])
    with pytest.raises(ArcConflict):
        rc._set(home="On", peer="On")  # both ON: the safety rule refuses
    assert [region for op, region in arc.calls if op == "update"] == [ARC_REGIONS[0]]
    assert arc.state == {CONTROLS[PRIMARY]: "On", CONTROLS[DR]: "Off"}


def test_access_denied_is_raised_not_rotated():
    arc = Arc()

    def factory(url, region):
        client = arc.factory(url, region)
        client.get_routing_control_state = lambda **kw: (_ for _ in ()).throw(
            client_error("AccessDeniedException")
        )
        return client

    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        RoutingControls(ENDPOINTS, factory, CONTROLS[DR], CONTROLS[PRIMARY]).states()
