"""The program itself refuses a zone a real deploy cannot use: a raw `pulumi up` with the
committed stack files (zoneName trading.example.com, no hostedZoneId) would otherwise create
a reserved zone (Route 53 answers InvalidDomainName) or an undelegated one (ACM validation
times out after 75 minutes). Offline, under the Pulumi mocks, it builds as before."""

from __future__ import annotations

import pytest

import ops.mock_engine as mock_engine
from components.traffic import zone_rules
from components.traffic.zone_rules import undeployable_zone
from ops.stack_config import stack_settings

run_stack = getattr(mock_engine.run_stack, "__wrapped__", mock_engine.run_stack)
DELEGATED = {"trading-dr:zoneName": "trading.acme-corp.net", "trading-dr:hostedZoneId": "Z0ACME"}


def test_a_reserved_name_names_the_file_key_value_and_rule():
    message = undeployable_zone(stack_settings("dr"))
    assert message is not None and "\n" not in message
    assert message.startswith("Pulumi.dr.yaml")
    assert "trading-dr:zoneName='trading.example.com'" in message and "RFC 2606" in message


def test_a_primary_that_would_create_its_zone_is_refused():
    message = undeployable_zone(stack_settings("primary", {"trading-dr:zoneName": "trading.acme-corp.net"}))
    assert message is not None and "trading-dr:hostedZoneId is empty" in message


def test_a_delegated_zone_passes_and_dr_may_use_the_primarys():
    assert undeployable_zone(stack_settings("primary", DELEGATED)) is None
    assert undeployable_zone(stack_settings("dr", {"trading-dr:zoneName": "trading.acme-corp.net"})) is None


def test_the_mock_engine_is_not_a_real_engine():
    seen = []
    mock_engine.run_program(lambda settings: seen.append(zone_rules.on_real_engine()), stack="primary")
    assert seen == [False]


def test_the_program_refuses_the_committed_zone_on_a_real_engine(monkeypatch):
    monkeypatch.setattr("components.program.on_real_engine", lambda: True)
    with pytest.raises(Exception, match="cannot be deployed") as raised:
        run_stack("primary")
    assert "trading-dr:zoneName" in str(raised.value)
    # With a delegated zone the same engine builds the stack.
    assert run_stack("primary", overrides=DELEGATED).resources
