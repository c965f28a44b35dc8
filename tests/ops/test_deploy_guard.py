"""preview/up refuse a zone a real deploy cannot use, with one line naming the file, the key,
the value and the rule, before the Automation API is reached; `plan` keeps the defaults.

Route 53 answers InvalidDomainName for reserved names
(https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html; which
names is not documented by AWS, so every RFC 2606/6761 name is refused); a zone created in the
run is not delegated, so ACM DNS validation times out (ops/deploy_guard.py)."""

from __future__ import annotations

import shutil

import pytest

from ops import deploy_guard
from ops.cli import main
from ops.deploy_guard import check_real_deploy, reserved_zone_rule
from ops.errors import EXIT_FAILED, OperatorError
from ops.stack_config import effective_config

GOOD_ZONE = {"trading-dr:zoneName": "trading.acme-corp.net", "trading-dr:hostedZoneId": "Z0ACME"}


@pytest.mark.parametrize(
    "name",
    [
        "trading.example.com",
        "example.com",
        "EXAMPLE.ORG.",
        "a.b.example.net",
        "trading.test",
        "shop.example",
        "x.invalid",
        "localhost",
        "app.localhost",
        "printer.local",
        "com",
    ],
)
def test_reserved_names_are_refused(name):
    assert reserved_zone_rule(name) is not None


@pytest.mark.parametrize(
    "name",
    [
        "trading.acme-corp.net",
        "example.company.com",
        "notexample.com",
        "test.com",
        "example.co.uk",
        "my-test.io",
    ],
)
def test_ordinary_names_pass(name):
    assert reserved_zone_rule(name) is None


def _config(primary: dict | None = None, dr: dict | None = None):
    overrides = {"primary": primary or {}, "dr": dr or {}}
    return lambda stack: effective_config(stack, overrides[stack])


def test_the_default_zone_is_refused_naming_pulumi_yaml_key_value_and_rule():
    with pytest.raises(OperatorError) as raised:
        check_real_deploy(["primary", "dr"])
    message = str(raised.value)
    assert message.startswith("Pulumi.yaml (default): trading-dr:zoneName='trading.example.com' ")
    assert "RFC 2606" in message and "InvalidDomainName" in message and "\n" not in message


def test_a_zone_without_hosted_zone_id_is_refused():
    with pytest.raises(OperatorError) as raised:
        check_real_deploy(["primary", "dr"], _config({"trading-dr:zoneName": "trading.acme-corp.net"}))
    message = str(raised.value)
    assert message.startswith("Pulumi.yaml (default): trading-dr:hostedZoneId is empty: ")
    assert "delegates" in message and "Deploying for real" in message


def test_dr_alone_is_refused_when_neither_stack_names_the_zone():
    with pytest.raises(OperatorError, match="hostedZoneId is empty"):
        zone = {"trading-dr:zoneName": "trading.acme-corp.net"}
        check_real_deploy(["dr"], _config(zone, zone))


def test_a_delegated_zone_passes_and_dr_may_inherit_it():
    check_real_deploy(["primary", "dr"], _config(GOOD_ZONE, {"trading-dr:zoneName": "trading.acme-corp.net"}))


def test_dr_naming_another_zone_id_is_refused():
    with pytest.raises(OperatorError, match=r"hostedZoneId='Z0OTHER' must be the primary stack's"):
        check_real_deploy(["dr"], _config(GOOD_ZONE, {**GOOD_ZONE, "trading-dr:hostedZoneId": "Z0OTHER"}))


def test_the_file_named_is_the_stack_file_when_it_sets_the_key():
    own = {"primary": {"trading-dr:zoneName": "shop.test"}, "dr": {}}
    with pytest.raises(OperatorError, match=r"^Pulumi.primary.yaml: trading-dr:zoneName='shop.test'"):
        check_real_deploy(
            ["primary"],
            lambda stack: effective_config(stack, own[stack]),
            stack_config_of=lambda stack: own[stack],
        )


@pytest.mark.parametrize("command", ["preview", "up"])
def test_cli_refuses_before_the_engine(monkeypatch, capsys, command):
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")

    def engine(*args, **kwargs):
        pytest.fail("the Automation API must not be reached")

    monkeypatch.setattr("ops.deploy_cmd.open_stack", engine)
    monkeypatch.setattr("ops.preflight.preflight", engine)
    assert main([command, "--yes"] if command == "up" else [command]) == EXIT_FAILED
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("error: Pulumi.yaml (default): trading-dr:zoneName='trading.example.com'")
    assert "\n" not in err and "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize("command", ["refresh", "destroy", "outputs"])
def test_other_commands_are_not_gated(command, monkeypatch):
    """refresh/destroy/outputs touch what exists; the zone rule is for creating it."""
    calls = []
    monkeypatch.setattr(deploy_guard, "reserved_zone_rule", lambda name: calls.append(name))
    from ops.deploy_cmd import run_stack_command

    with pytest.raises(OperatorError):  # no CLI: stops right after the gate would have run
        run_stack_command(command, None, None, yes=True, env={}, which=lambda _: None)
    assert calls == []


def test_plan_keeps_working_with_the_defaults():
    """`make plan` is offline: the defaults must still build (the gate is not in its path)."""
    from ops.mock_engine import run_stack

    run = run_stack("primary")
    zone = run.one("aws:route53/zone:Zone")
    assert zone.inputs["name"] == "trading.example.com"
