"""deploy.py preflight: against a moto account that violates every check it fails with one
line per problem naming the fix; against a good one it passes; missing credentials are one
sentence and exit 2; `up` runs it first unless --skip-preflight.

moto 5.2.5 serves EC2 (AZs by zone id, instance-type offerings, addresses, VPCs, NAT and
Transit Gateways) and Route 53 (the hosted zone). It lacks lambda GetAccountSettings,
rds DescribeDBEngineVersions (and orderable options for aurora-mysql), the ec2 Service Quotas
codes and the ARC config API: those clients are botocore Stubbers with responses the
service models validate. The public NS answer comes from an injected resolver."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.route53.models import HostedZoneIdentifier
from moto.utilities.id_generator import moto_id_manager
from rich.console import Console

from ops import preflight as preflight_module
from ops.cli import main
from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_UNAVAILABLE, OperatorError
from ops.mock_engine import StackRun
from ops.preflight import (
    ELASTIC_IPS,
    NAT_PER_AZ,
    NO_CREDENTIALS,
    ON_DEMAND_STANDARD_VCPUS,
    RESERVED_CONCURRENCY_PER_REGION,
    TRANSIT_GATEWAYS,
    VPCS,
    check_availability_zones,
    preflight,
)
from ops.stack_config import stack_settings

ROOT = Path(__file__).resolve().parents[2]
ZONE = "trading.acme-corp.net"
REGIONS = {"primary": "us-east-1", "dr": "us-west-2"}
ZONE_ID = "Z0ACMECORPTEST"
"""moto's zone ids do not start with Z as AWS's do (and the settings require): pin one."""
QUOTAS = (ELASTIC_IPS, VPCS, NAT_PER_AZ, TRANSIT_GATEWAYS)


def _settings(overrides: dict[str, str] | None = None):
    base = {"trading-dr:zoneName": ZONE, **(overrides or {})}
    return lambda stack: stack_settings(stack, base)


def create_zone(route53, name: str, zone_id: str) -> dict:
    identifiers = [HostedZoneIdentifier(DEFAULT_ACCOUNT_ID, n, None) for n in (name, name + ".")]
    for identifier in identifiers:
        moto_id_manager.set_custom_id(identifier, zone_id)
    try:
        zone = route53.create_hosted_zone(Name=name, CallerReference=f"preflight-{zone_id}")
    finally:
        for identifier in identifiers:
            moto_id_manager.unset_custom_id(identifier)
    assert zone["HostedZone"]["Id"].endswith("/" + zone_id)
    return zone


class Account:
    """One moto account plus the stubbed clients, configured good or bad per check."""

    def __init__(self, stack: ExitStack, *, bad: bool):
        stack.enter_context(mock_aws())
        self.bad = bad
        self.route53 = boto3.client("route53", region_name="us-east-1")
        zone = create_zone(self.route53, ZONE, ZONE_ID)
        self.zone_id = ZONE_ID
        self.name_servers = zone["DelegationSet"]["NameServers"]
        self.clients: dict[tuple[str, str], object] = {}
        self.stubbers: list[Stubber] = []
        for region in REGIONS.values():
            ec2 = boto3.client("ec2", region_name=region)
            self.clients[("ec2", region)] = ec2
            if bad:
                self._crowd(ec2, region)
            self._stub("lambda", region, self._lambda)
            self._stub("rds", region, self._rds)
            self._stub("service-quotas", region, self._quotas)
        self._stub("route53-recovery-control-config", "us-west-2", self._arc)
        self.clients[("route53", "us-east-1")] = self.route53
        for region in REGIONS.values():
            self.clients[("sts", region)] = boto3.client("sts", region_name=region)
        for stubber in self.stubbers:
            stack.enter_context(stubber)

    def _stub(self, service, region, add):
        client = boto3.client(service, region_name=region)
        stubber = Stubber(client)
        add(stubber, region)
        self.clients[(service, region)] = client
        self.stubbers.append(stubber)

    def _crowd(self, ec2, region):
        """Use what the bad quotas allow: addresses, a NAT gateway, a Transit Gateway."""
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=allocation)
        ec2.create_transit_gateway(Description="someone else's")

    def _lambda(self, stubber, region):
        # bad: other functions reserve the whole quota, nothing is left for the orchestrator.
        stubber.add_response(
            "get_account_settings",
            {
                "AccountLimit": {
                    "ConcurrentExecutions": 900,
                    "UnreservedConcurrentExecutions": 0 if self.bad else 900,
                }
            },
        )

    def _rds(self, stubber, region):
        zones = boto3.client("ec2", region_name=region).describe_availability_zones()["AvailabilityZones"]
        names = [z["ZoneName"] for z in zones]
        # bad: in us-east-1 the class is orderable in two zones only; in us-west-2 in every zone,
        # but not for a global database.
        offered = names[:2] if self.bad and region == "us-east-1" else names
        stubber.add_response(
            "describe_orderable_db_instance_options",
            {
                "OrderableDBInstanceOptions": [
                    {
                        "Engine": "aurora-mysql",
                        "DBInstanceClass": "db.r6g.large",
                        "StorageType": "aurora",
                        "AvailabilityZones": [{"Name": n} for n in offered],
                        "SupportsGlobalDatabases": not (self.bad and region == "us-west-2"),
                    },
                    # The I/O-Optimized entry of the same class: the program does not use it.
                    {
                        "Engine": "aurora-mysql",
                        "DBInstanceClass": "db.r6g.large",
                        "StorageType": "aurora-iopt1",
                        "AvailabilityZones": [{"Name": n} for n in names],
                        "SupportsGlobalDatabases": True,
                    },
                ]
            },
        )
        if self.bad and region == "us-east-1":
            versions = []  # not offered
        else:
            versions = [
                {
                    "Engine": "aurora-mysql",
                    "EngineVersion": "8.0.mysql_aurora.3.08.2",
                    "SupportsGlobalDatabases": not self.bad,
                }
            ]
        stubber.add_response("describe_db_engine_versions", {"DBEngineVersions": versions})

    def _quotas(self, stubber, region):
        for quota in QUOTAS:
            value = 1.0 if self.bad else 5.0
            stubber.add_response(
                "get_service_quota",
                {"Quota": {"ServiceCode": quota.service_code, "QuotaCode": quota.quota_code, "Value": value}},
                {"ServiceCode": quota.service_code, "QuotaCode": quota.quota_code},
            )
        vcpus = ON_DEMAND_STANDARD_VCPUS
        stubber.add_response(
            "get_service_quota",
            {
                "Quota": {
                    "ServiceCode": vcpus.service_code,
                    "QuotaCode": vcpus.quota_code,
                    "Value": 5.0 if self.bad else 1000.0,
                }
            },
            {"ServiceCode": vcpus.service_code, "QuotaCode": vcpus.quota_code},
        )

    def _arc(self, stubber, region):
        clusters = [{"Name": "team-a"}, {"Name": "team-b"}] if self.bad else [{"Name": "team-a"}]
        stubber.add_response("list_clusters", {"Clusters": clusters})

    def factory(self, service, region):
        return self.clients[(service, region)]

    def ns_lookup(self, name):
        assert name == ZONE
        return (
            ["ns-1.registrar-parking.example."] if self.bad else [f"{s.upper()}." for s in self.name_servers]
        )


def _console():
    return Console(file=open("/dev/null", "w"), width=80)  # noqa: SIM115


def _run(bad: bool, overrides=None, stacks=("primary", "dr")):
    with ExitStack() as stack:
        account = Account(stack, bad=bad)
        settings_of = _settings({"trading-dr:hostedZoneId": account.zone_id, **(overrides or {})})
        results = preflight(
            list(stacks),
            _console(),
            settings_of=settings_of,
            clients=account.factory,
            ns_lookup=account.ns_lookup,
        )
        for stubber in account.stubbers:
            stubber.assert_no_pending_responses()
        return results


def test_a_good_account_passes_every_check():
    results = _run(bad=False)
    assert [r.line() for r in results if not r.ok] == []
    checks = {(r.scope, r.check.split(" ")[0]) for r in results}
    for region in REGIONS.values():
        for check in ("Lambda", "AZs", "engine", "quota"):
            assert (region, check) in checks
    assert ("account", "hosted") in checks and ("us-west-2", "ARC") in checks
    # Per region: Lambda, 3 AZ lines, engine, 4 quotas, vCPUs; then zone, ARC, state backend.
    assert len(results) == 2 * (1 + 3 + 1 + 4 + 1) + 3


def test_a_bad_account_fails_each_check_with_one_line_naming_the_fix():
    results = _run(bad=True, overrides={"trading-dr:instanceType": "hpc7g.4xlarge"})
    failed = {(r.scope, r.check): r.detail for r in results if not r.ok}
    expected = {
        # (scope, check) -> words of the fix
        ("us-east-1", "Lambda concurrency"): "request a higher Lambda 'Concurrent executions' quota",
        ("us-west-2", "Lambda concurrency"): "request a higher Lambda 'Concurrent executions' quota",
        ("us-east-1", "AZs offering instanceType hpc7g.4xlarge"): "choose an instanceType offered in 3 AZs",
        ("us-west-2", "AZs offering instanceType hpc7g.4xlarge"): "choose an instanceType offered in 3 AZs",
        ("us-east-1", "AZs offering dbInstanceClass db.r6g.large"): "choose a dbInstanceClass",
        ("us-west-2", "AZs offering dbInstanceClass db.r6g.large"): "choose a dbInstanceClass",
        (
            "us-east-1",
            "engine aurora-mysql 8.0.mysql_aurora.3.08.2",
        ): "not offered in us-east-1: set dbEngineVersion",
        ("us-west-2", "engine aurora-mysql 8.0.mysql_aurora.3.08.2"): "without global database support: set",
        ("account", f"hosted zone {ZONE}"): "set NS records",
        ("us-west-2", "ARC recovery control"): "delete an unused cluster",
        ("us-east-1", "quota On-Demand vCPUs"): "request an increase of ec2 L-1216C47A",
        ("us-west-2", "quota On-Demand vCPUs"): "request an increase of ec2 L-1216C47A",
    }
    for region in REGIONS.values():
        for quota in QUOTAS:
            expected[(region, f"quota {quota.label}")] = (
                f"request an increase of {quota.service_code} {quota.quota_code}"
            )
    assert set(failed) == set(expected)
    for key, fix in expected.items():
        assert fix in failed[key], key
    assert all(r.ok is False for r in results if r.check != "state backend"), [
        r.line() for r in results if r.ok
    ]
    # One line per problem: nothing wraps or spans lines.
    assert all("\n" not in r.line() for r in results)


def test_the_checklist_is_printed_one_line_per_check(capsys):
    with ExitStack() as stack:
        account = Account(stack, bad=True)
        results = preflight(
            ["primary", "dr"],
            Console(width=60),
            settings_of=_settings({"trading-dr:hostedZoneId": account.zone_id}),
            clients=account.factory,
            ns_lookup=account.ns_lookup,
        )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("preflight of primary, dr in account 123456789012 as arn:aws:")
    assert lines[1 : len(results) + 1] == [r.line() for r in results]
    assert lines[-1].startswith("preflight: ") and "failed" in lines[-1]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"trading-dr:hostedZoneId": ""}, "hostedZoneId is empty: create a public hosted zone"),
        ({"trading-dr:hostedZoneId": "Z0NOTHERE"}, "does not exist in this account"),
        ({"trading-dr:zoneName": "trading.example.com"}, "reserved (RFC 2606)"),
    ],
)
def test_the_zone_check_names_what_is_wrong(overrides, expected):
    results = _run(bad=False, overrides=overrides)
    zone = next(r for r in results if r.check.startswith("hosted zone"))
    assert not zone.ok and expected in zone.detail


def test_a_zone_for_another_name_is_refused():
    with ExitStack() as stack:
        account = Account(stack, bad=False)
        other_id = "Z0OTHERZONE"
        create_zone(account.route53, "other.acme-corp.net", other_id)
        results = preflight(
            ["primary"],
            _console(),
            settings_of=_settings({"trading-dr:hostedZoneId": other_id}),
            clients=account.factory,
            ns_lookup=account.ns_lookup,
        )
    zone = next(r for r in results if r.check.startswith("hosted zone"))
    assert not zone.ok and "not trading.acme-corp.net" in zone.detail


def test_dr_alone_checks_its_region_and_the_primarys_zone():
    with ExitStack() as stack:
        account = Account(stack, bad=False)
        results = preflight(
            ["dr"],
            _console(),
            settings_of=_settings({"trading-dr:hostedZoneId": account.zone_id}),
            clients=account.factory,
            ns_lookup=account.ns_lookup,
        )
    assert {r.scope for r in results} == {"us-west-2", "account"}
    assert all(r.ok for r in results)


def test_instance_type_and_db_class_in_different_zones_fail_together():
    """Each is offered in enough zones, but not the same ones: the stack needs both per AZ."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-west-2")
        rds = boto3.client("rds", region_name="us-west-2")
        with Stubber(rds) as stubber:
            # m6i.large is in usw2-az1..4 on moto; the class only in usw2-az3 (us-west-2c) + one more.
            stubber.add_response(
                "describe_orderable_db_instance_options",
                {
                    "OrderableDBInstanceOptions": [
                        {
                            "AvailabilityZones": [{"Name": "us-west-2c"}, {"Name": "us-west-2-lax-1a"}],
                            "SupportsGlobalDatabases": True,
                            "StorageType": "aurora",
                        }
                    ]
                },
            )
            settings = stack_settings("dr", {"trading-dr:azCount": "2"})
            results = check_availability_zones(ec2, rds, "us-west-2", settings)
    by_check = {r.check.split(" ")[2]: r for r in results}
    assert by_check["instanceType"].ok
    # The Local Zone is not an AZ of the region: the class counts one zone.
    assert not by_check["dbInstanceClass"].ok and "1 (usw2-az3)" in by_check["dbInstanceClass"].detail


def test_an_unreadable_api_is_a_failed_line_naming_the_permission():
    lam = boto3.client("lambda", region_name="us-east-1")
    with Stubber(lam) as stubber:
        stubber.add_client_error("get_account_settings", "AccessDeniedException", "not authorized")
        result = preflight_module.check_lambda_concurrency(lam, "us-east-1")
    assert not result.ok and "grant the deployer lambda:GetAccountSettings" in result.detail


def test_missing_credentials_are_one_sentence_and_exit_2(monkeypatch, capsys):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["preflight"]) == EXIT_UNAVAILABLE
    err = capsys.readouterr().err.strip()
    assert NO_CREDENTIALS in err and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize(("bad", "code"), [(False, EXIT_OK), (True, EXIT_FAILED)])
def test_cli_exit_code_follows_the_checklist(monkeypatch, capsys, bad, code):
    with ExitStack() as stack:
        account = Account(stack, bad=bad)
        monkeypatch.setattr(preflight_module, "boto3_clients", lambda: account.factory)
        monkeypatch.setattr(preflight_module, "public_ns_lookup", account.ns_lookup)
        monkeypatch.setattr(
            "ops.stack_config.stack_settings", _settings({"trading-dr:hostedZoneId": account.zone_id})
        )
        assert main(["preflight"]) == code
    out = capsys.readouterr().out
    assert ("FAIL" in out) is bad


def test_up_runs_preflight_first_and_stops_on_a_failure(monkeypatch):
    """The gate raises before the Automation API is reached; --skip-preflight passes None."""
    seen: dict[str, object] = {}

    def fake_run(command, stack, console, *, yes, preflight, **_):
        seen["preflight"] = preflight
        if preflight is not None:
            preflight(["primary", "dr"])

    monkeypatch.setattr("ops.deploy_cmd.run_stack_command", fake_run)
    monkeypatch.setattr(
        preflight_module,
        "preflight",
        lambda stacks, console, **kw: [preflight_module.CheckResult("x", "account", False, "broken: fix it")],
    )
    assert main(["up", "--yes"]) == EXIT_FAILED
    assert seen["preflight"] is not None
    assert main(["up", "--yes", "--skip-preflight"]) == EXIT_OK
    assert seen["preflight"] is None


def _account_settings(total: int, unreserved: int):
    lam = boto3.client("lambda", region_name="us-east-1")
    stubber = Stubber(lam)
    stubber.add_response(
        "get_account_settings",
        {"AccountLimit": {"ConcurrentExecutions": total, "UnreservedConcurrentExecutions": unreserved}},
    )
    return lam, stubber


def test_a_new_account_with_ten_concurrent_executions_passes():
    """The 100-execution floor binds only a function that reserves concurrency ("as long as
    you leave at least 100 simultaneous executions unreserved",
    https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html); the program
    reserves none, and new accounts can have 10 in total
    (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
    lam, stubber = _account_settings(10, 10)
    with stubber:
        result = preflight_module.check_lambda_concurrency(lam, "us-east-1")
    assert result.ok, result.line()


def test_a_reservation_needs_the_floor_of_one_hundred_plus_itself():
    lam, stubber = _account_settings(110, 100)
    with stubber:
        result = preflight_module.check_lambda_concurrency(lam, "us-east-1", reserved=1)
    assert not result.ok and "need >= 101" in result.detail


def test_planned_reserved_concurrency_fits_what_preflight_demands(stacks: tuple[StackRun, StackRun]):
    """Preflight's Lambda check assumes the program reserves RESERVED_CONCURRENCY_PER_REGION
    (none); a plan that reserved more would pass preflight and fail the deploy on a new account."""
    for run in stacks:
        reserved = sum(
            max(0, int(f.inputs.get("reservedConcurrentExecutions", -1)))
            for f in run.of_type("aws:lambda/function:Function")
        )
        assert reserved <= RESERVED_CONCURRENCY_PER_REGION, run.stack


def test_operator_error_is_what_the_gate_raises(monkeypatch):
    monkeypatch.setattr(
        preflight_module,
        "preflight",
        lambda stacks, console, **kw: [preflight_module.CheckResult("x", "account", False, "broken: fix it")],
    )
    with pytest.raises(OperatorError, match="--skip-preflight"):
        preflight_module.preflight_gate(_console())(["primary"])


def test_up_runs_the_preflight_before_any_stack_is_opened():
    from ops.deploy_cmd import run_stack_command
    from tests.ops.test_operator_deploy import PASS_ENV, deployable_config

    order: list[str] = []

    def gate(stacks):
        order.append(f"preflight {' '.join(stacks)}")
        raise OperatorError("preflight failed")

    def opener(name, env, create):
        order.append(f"open {name}")
        pytest.fail("no stack may be opened when preflight fails")

    with pytest.raises(OperatorError, match="preflight failed"):
        run_stack_command(
            "up",
            None,
            _console(),
            yes=True,
            env=PASS_ENV,
            opener=opener,
            which=lambda _: "/usr/bin/pulumi",
            interactive=False,
            config_of=deployable_config,
            preflight=gate,
        )
    assert order == ["preflight primary dr"]


@pytest.mark.parametrize("command", ["preview", "refresh", "destroy", "outputs"])
def test_only_up_runs_the_preflight(command):
    from ops.deploy_cmd import run_stack_command
    from tests.ops.test_operator_deploy import PASS_ENV, deployable_config

    def gate(stacks):
        pytest.fail(f"{command} must not run the preflight")

    def opener(name, env, create):
        raise OperatorError("stop here")

    with pytest.raises(OperatorError, match="stop here"):
        run_stack_command(
            command,
            None,
            _console(),
            yes=True,
            env=PASS_ENV,
            opener=opener,
            which=lambda _: "/usr/bin/pulumi",
            interactive=False,
            config_of=deployable_config,
            preflight=gate,
        )


def test_a_private_zone_is_refused():
    """ACM validates through public DNS: a private zone of the right name cannot serve."""
    with ExitStack() as stack:
        account = Account(stack, bad=False)
        vpc = account.clients[("ec2", "us-east-1")].describe_vpcs()["Vpcs"][0]["VpcId"]
        account.route53.delete_hosted_zone(Id=ZONE_ID)
        identifiers = [HostedZoneIdentifier(DEFAULT_ACCOUNT_ID, n, None) for n in (ZONE, ZONE + ".")]
        for identifier in identifiers:
            moto_id_manager.set_custom_id(identifier, ZONE_ID)
        account.route53.create_hosted_zone(
            Name=ZONE,
            CallerReference="private",
            HostedZoneConfig={"PrivateZone": True},
            VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
        )
        for identifier in identifiers:
            moto_id_manager.unset_custom_id(identifier)
        route53 = account.route53
        result = preflight_module.check_hosted_zone(
            route53, _settings({"trading-dr:hostedZoneId": ZONE_ID})("primary"), ZONE_ID, account.ns_lookup
        )
    assert not result.ok and "private zone" in result.detail


def test_offerings_count_only_the_regions_available_zones():
    """An offering in a zone that is not available to the account (impaired, or not an AZ)
    does not count toward azCount."""
    ec2 = boto3.client("ec2", region_name="us-west-2")
    rds = boto3.client("rds", region_name="us-west-2")
    zones = [("us-west-2a", "usw2-az2"), ("us-west-2b", "usw2-az1")]
    with Stubber(ec2) as ec2_stub, Stubber(rds) as rds_stub:
        ec2_stub.add_response(
            "describe_availability_zones",
            {"AvailabilityZones": [{"ZoneName": n, "ZoneId": i, "State": "available"} for n, i in zones]},
        )
        ec2_stub.add_response(
            "describe_instance_type_offerings",
            {
                "InstanceTypeOfferings": [
                    {"InstanceType": "m6i.large", "LocationType": "availability-zone-id", "Location": z}
                    for z in ("usw2-az1", "usw2-az2", "usw2-az3")
                ]
            },
        )
        rds_stub.add_response(
            "describe_orderable_db_instance_options",
            {
                "OrderableDBInstanceOptions": [
                    {
                        "AvailabilityZones": [{"Name": n} for n, _ in zones],
                        "SupportsGlobalDatabases": True,
                        "StorageType": "aurora",
                    }
                ]
            },
        )
        results = check_availability_zones(ec2, rds, "us-west-2", stack_settings("dr"))
    instance = results[0]
    assert not instance.ok and instance.detail.startswith("2 (usw2-az1, usw2-az2) < azCount 3")


def test_refused_credentials_are_one_sentence_and_exit_2():
    sts = boto3.client("sts", region_name="us-east-1")
    with Stubber(sts) as stubber:
        stubber.add_client_error(
            "get_caller_identity", "ExpiredToken", "The security token included in the request is expired"
        )
        with pytest.raises(OperatorError) as raised:
            preflight(["primary"], _console(), settings_of=_settings(), clients=lambda service, region: sts)
    assert raised.value.exit_code == EXIT_UNAVAILABLE
    assert "credentials were refused (ExpiredToken" in str(raised.value) and "\n" not in str(raised.value)


def test_the_db_class_check_makes_the_programs_lookup_not_the_union_of_storage_types(dr):
    """Since Aurora I/O-Optimized, DescribeOrderableDBInstanceOptions answers one entry per
    storage type (aurora, aurora-iopt1); the program's lookup picks the Standard one as the
    provider does (components/network/orderable.py). Preflight must count that entry's zones:
    the union would pass an account where the program's zones do not suffice."""
    from components.network.orderable import orderable_query

    invoke = next(i for i in dr.invokes if i.token == "aws:rds/getOrderableDbInstance:getOrderableDbInstance")
    query = orderable_query(dr.settings.database)
    # The program asks exactly what preflight reproduces.
    assert invoke.args["storageType"] == query.storage_type == "aurora"
    assert invoke.args["preferredInstanceClasses"] == query.preferred_instance_classes
    assert invoke.args["supportsGlobalDatabases"] is query.supports_global_databases is True
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-west-2")
        rds = boto3.client("rds", region_name="us-west-2")
        names = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
        with Stubber(rds) as stubber:
            stubber.add_response(
                "describe_orderable_db_instance_options",
                {
                    "OrderableDBInstanceOptions": [
                        {
                            "DBInstanceClass": query.instance_class,
                            "StorageType": "aurora-iopt1",
                            "SupportsGlobalDatabases": True,
                            "AvailabilityZones": [{"Name": n} for n in names],
                        },
                        {
                            "DBInstanceClass": query.instance_class,
                            "StorageType": "aurora",
                            "SupportsGlobalDatabases": True,
                            "AvailabilityZones": [{"Name": n} for n in names[:2]],
                        },
                    ]
                },
                query.api_filters(),
            )
            results = check_availability_zones(ec2, rds, "us-west-2", stack_settings("dr"))
    db = next(r for r in results if "dbInstanceClass" in r.check)
    assert not db.ok and db.detail.startswith("2 ("), db.detail


@pytest.mark.parametrize("kind", ["stale extra", "subset"])
def test_a_partial_delegation_is_refused(kind):
    """The parent must delegate to exactly the zone's name servers: a stale delegation that
    shares some servers with the zone (an old zone of the same name) or names only some of
    them still sends resolvers to servers that do not hold the validation records, and ACM's
    DNS validation times out mid-deploy
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingNewSubdomain.html,
    https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html)."""
    with ExitStack() as stack:
        account = Account(stack, bad=False)
        own = list(account.name_servers)
        public = own[:2] + ["ns-9.awsdns-99.com."] if kind == "stale extra" else own[:2]
        result = preflight_module.check_hosted_zone(
            account.route53,
            _settings({"trading-dr:hostedZoneId": ZONE_ID})("primary"),
            ZONE_ID,
            lambda name: public,
        )
    assert not result.ok and "does not delegate" in result.detail, result.line()


def _vcpu_quota_stub(region: str, value: float):
    quotas = boto3.client("service-quotas", region_name=region)
    stubber = Stubber(quotas)
    q = ON_DEMAND_STANDARD_VCPUS
    stubber.add_response(
        "get_service_quota",
        {"Quota": {"ServiceCode": q.service_code, "QuotaCode": q.quota_code, "Value": value}},
        {"ServiceCode": q.service_code, "QuotaCode": q.quota_code},
    )
    return quotas, stubber


@pytest.mark.parametrize(("quota", "ok"), [(16.0, True), (15.0, False)])
def test_the_vcpu_quota_holds_the_group_at_its_maximum_plus_what_runs(quota, ok):
    """appMaxSize x the type's vCPUs, plus the vCPUs of Standard instances already running:
    the quota counts vCPUs (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html)."""
    settings = stack_settings("dr", {"trading-dr:appMaxSize": "5", "trading-dr:instanceType": "m6i.large"})
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-west-2")
        image = ec2.describe_images()["Images"][0]["ImageId"]
        ec2.run_instances(ImageId=image, InstanceType="m5.large", MinCount=3, MaxCount=3)  # 6 vCPUs
        quotas, stubber = _vcpu_quota_stub("us-west-2", quota)
        with stubber:
            result = preflight_module.check_vcpu_quota(ec2, quotas, "us-west-2", settings)
    assert result.ok is ok, result.line()
    assert "appMaxSize 5 x 2 vCPUs (m6i.large)" in result.detail and "6 used + 10 needed" in result.detail
    if not ok:
        assert "request an increase of ec2 L-1216C47A in us-west-2" in result.detail


def test_a_local_state_backend_is_a_warning():
    result = preflight_module.check_state_backend((ROOT / ".pulumi-state").as_uri(), "us-east-1", None)
    assert result.ok and result.warn and "this machine only" in result.detail


@pytest.mark.parametrize(
    ("bucket_region", "url_suffix", "replicated", "warn"),
    [
        ("us-east-1", "", False, True),  # only in the primary region
        ("us-east-1", "", True, False),  # replicated out of it
        ("us-west-2", "", False, False),  # in the dr region (GetBucketLocation)
        ("us-east-1", "?region=us-west-2", False, False),  # the URL names the region
    ],
)
def test_a_state_bucket_only_in_the_primary_region_is_a_warning(bucket_region, url_suffix, replicated, warn):
    with mock_aws():
        s3 = boto3.client("s3", region_name=bucket_region)
        config = (
            {}
            if bucket_region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": bucket_region}}
        )
        s3.create_bucket(Bucket="acme-pulumi-state", **config)
        if replicated:
            s3.put_bucket_versioning(
                Bucket="acme-pulumi-state", VersioningConfiguration={"Status": "Enabled"}
            )
            s3.put_bucket_replication(
                Bucket="acme-pulumi-state",
                ReplicationConfiguration={
                    "Role": "arn:aws:iam::123456789012:role/replication",
                    "Rules": [
                        {
                            "ID": "all",
                            "Status": "Enabled",
                            "Priority": 1,
                            "Filter": {"Prefix": ""},
                            "DeleteMarkerReplication": {"Status": "Disabled"},
                            "Destination": {"Bucket": "arn:aws:s3:::acme-pulumi-state-dr"},
                        }
                    ],
                },
            )
        result = preflight_module.check_state_backend(
            f"s3://acme-pulumi-state{url_suffix}",
            "us-east-1",
            lambda service, region: boto3.client(service, region_name=region),
        )
    assert result.ok and result.warn is warn, result.line()
