"""The zones are chosen once and pinned: after the first `up`, deploy.py writes the chosen
zone IDs as zoneIds, and the program uses them whatever AWS offers later. Recomputing them
would shift `qualifying[:az_count]` when an offering changes and replace the subnets (and the
NAT gateways, ALB, Transit Gateway attachment and Aurora instances in them)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rich.console import Console

import ops.mock_engine as mock_engine
from components.network.zones import ZoneSelectionError, pinned_zones
from components.settings import SettingsError
from ops.deploy_cmd import ZONE_IDS_KEY, run_stack_command, zones_to_pin
from ops.stack_config import stack_settings
from tests.ops.test_operator_deploy import FakeStack, _runner

SUBNET = "aws:ec2/subnet:Subnet"
run_stack = getattr(mock_engine.run_stack, "__wrapped__", mock_engine.run_stack)  # no memo: offerings change


def _zones_of(run) -> list[str]:
    app = sorted((s for s in run.of_type(SUBNET) if s.inputs["tags"]["Tier"] == "app"), key=lambda s: s.name)
    return [s.inputs["availabilityZone"] for s in app]


def test_a_changed_offering_moves_unpinned_zones_but_not_pinned_ones(monkeypatch):
    first = run_stack("primary")
    chosen = first.exports["availabilityZoneIds"]
    assert chosen == ["us-east-1-az2", "us-east-1-az3", "us-east-1-az4"]
    # AWS stops offering the instance type in az3: an unpinned stack would move a subnet.
    monkeypatch.setattr(mock_engine, "MOCK_ZONES_WITHOUT_INSTANCE_TYPE", {1, 3})
    unpinned = run_stack("primary")
    assert unpinned.exports["availabilityZoneIds"] != chosen
    pinned = run_stack("primary", overrides={ZONE_IDS_KEY: ",".join(chosen)})
    assert pinned.exports["availabilityZoneIds"] == chosen
    assert _zones_of(pinned) == _zones_of(first)


def test_pinned_zones_keep_their_order_and_refuse_an_unknown_id():
    names, ids = ["x-1a", "x-1b", "x-1c"], ["x1-az3", "x1-az1", "x1-az2"]
    zones = pinned_zones(region="x-1", names=names, zone_ids=ids, pinned=["x1-az2", "x1-az3"])
    assert [z.name for z in zones] == ["x-1c", "x-1a"]
    with pytest.raises(ZoneSelectionError, match="zoneIds pins x1-az9, not an available zone of x-1"):
        pinned_zones(region="x-1", names=names, zone_ids=ids, pinned=["x1-az9"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("use1-az1,use1-az2", "lists 2 zones but azCount is 3"),
        ("use1-az1,use1-az1,use1-az2", "twice"),
        ("us-east-1a,use1-az2,use1-az3", "is not a zone ID"),
    ],
)
def test_bad_zone_ids_are_one_clear_error(value, message):
    with pytest.raises(SettingsError, match=message):
        stack_settings("primary", {ZONE_IDS_KEY: value})


def test_zone_ids_are_per_stack():
    """Each region has its own zone IDs: the pair check must not compare them."""
    from components.settings import PER_STACK_KEYS

    assert ZONE_IDS_KEY in PER_STACK_KEYS


def test_zones_to_pin():
    outputs = {"availabilityZoneIds": ["use1-az1", "use1-az2"]}
    assert zones_to_pin({}, outputs) == "use1-az1,use1-az2"
    assert zones_to_pin({ZONE_IDS_KEY: "use1-az4,use1-az5"}, outputs) is None
    assert zones_to_pin({}, {}) is None


class PinnedStack(FakeStack):
    def __init__(self, *args, zone_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_ids, self.config = zone_ids, {}

    def up(self, on_event):
        result = self._run("up", on_event)
        result.outputs = {"availabilityZoneIds": SimpleNamespace(value=self.zone_ids)}
        return result

    def set_config(self, key, value):
        self.config[key] = value.value


def test_the_first_up_writes_the_chosen_zones_into_the_stack_file():
    log: list[str] = []
    stack = PinnedStack("primary", log, {"vpcId": "vpc-1"}, zone_ids=["use1-az1", "use1-az2", "use1-az4"])
    run_stack_command(
        "up", "primary", Console(file=open("/dev/null", "w")), yes=True, **_runner(log, {"primary": stack})
    )  # noqa: SIM115
    assert stack.config == {ZONE_IDS_KEY: "use1-az1,use1-az2,use1-az4"}
