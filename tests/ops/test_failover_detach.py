"""`deploy.py failover --detach`: the only RemoveFromGlobalCluster in the project, an operator
command that refuses unless ARC (read through the cluster endpoints) shows the old region
fenced. ARC and RDS are the doubles of tests/failover/fakes.py (moto has no ARC data plane
and cannot detach across regions)."""

from __future__ import annotations

import pytest

from ops.errors import OperatorError
from ops.failover_cmd import run_detach
from ops.targets import DrTargets
from tests.failover.fakes import ARC_REGIONS, CONTROLS, DR, PRIMARY, Arc, Clock, FakeRds, GlobalCluster
from tests.failover.world import config_for

TARGETS = DrTargets(primary_region=PRIMARY, dr_region=DR, global_cluster_id="trading-global")


class Session:
    def __init__(self, rds):
        self.rds = rds

    def client(self, service, region_name=None, config=None):
        assert service == "rds" and region_name == DR
        return self.rds


def detach(arc: Arc, rds: FakeRds, approve=None):
    return run_detach(
        DR,
        TARGETS,
        session=Session(rds),
        approve=approve,
        environ=config_for(DR).to_env(),
        arc_client_factory=arc.factory,
    )


def test_refuses_unless_the_old_region_is_fenced():
    arc, g = Arc(), GlobalCluster(Clock())
    rds = FakeRds(g, DR)
    with pytest.raises(OperatorError, match="must be fenced"):
        detach(arc, rds)
    assert g.detaches == [] and rds.calls == []


def test_refuses_when_arc_cannot_be_read():
    arc, g = Arc(), GlobalCluster(Clock())
    arc.state = {CONTROLS[PRIMARY]: "Off", CONTROLS[DR]: "On"}
    arc.unavailable.update(ARC_REGIONS)
    with pytest.raises(OperatorError, match="cannot confirm the fence"):
        detach(arc, FakeRds(g, DR))
    assert g.detaches == []


def test_detaches_once_fenced_and_confirmed():
    arc, g = Arc(), GlobalCluster(Clock())
    arc.state = {CONTROLS[PRIMARY]: "Off", CONTROLS[DR]: "On"}
    asked = []
    outcome = detach(arc, FakeRds(g, DR), approve=lambda q: asked.append(q) or True)
    assert g.detaches == [
        {"GlobalClusterIdentifier": "trading-global", "DbClusterIdentifier": config_for(DR).local_cluster_arn}
    ]
    assert "irreversible" in asked[0] and outcome.payload["routing_controls"] == {"home": "On", "peer": "Off"}


def test_a_declined_confirmation_changes_nothing():
    arc, g = Arc(), GlobalCluster(Clock())
    arc.state = {CONTROLS[PRIMARY]: "Off", CONTROLS[DR]: "On"}
    with pytest.raises(OperatorError, match="cancelled"):
        detach(arc, FakeRds(g, DR), approve=lambda q: False)
    assert g.detaches == []
