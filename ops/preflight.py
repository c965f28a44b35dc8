"""`deploy.py preflight`: with the operator's credentials, before `up`, check that the account
and both regions can hold the pair, and print a pass/fail checklist, one line per check; a
failed line names the fix. `up` runs it first unless `--skip-preflight`.

Why: each of these broke (or would break) a first deploy half-way, after resources were
created, with an error that names neither the cause nor the fix. Every check reads
only; nothing is created.

The checks take boto3 clients from a factory `(service, region) -> client` and the parent's
NS answer from a resolver `(zone name) -> name servers`, so tests run them on moto (and
botocore's Stubber where moto lacks the API) with an injected resolver. AWS is the authority:
each check cites the page its rule comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError
from rich.console import Console
from rich.markup import escape

from components.network.orderable import (
    OrderableLookupError,
    option_zone_names,
    orderable_query,
    select_option,
)
from components.settings import PROJECT, Settings, check_stack_pair
from ops.deploy_guard import ZONE_ID_KEY, ZONE_NAME_KEY, reserved_zone_rule
from ops.errors import EXIT_UNAVAILABLE, OperatorError
from ops.output import progress

ClientFactory = Callable[[str, str], Any]
"""(service, region) -> a boto3 client."""
NsLookup = Callable[[str], Iterable[str]]
"""Zone name -> the name servers the public DNS answers for it; raises when there are none."""

# --- what the pair needs ---------------------------------------------------------------------

LAMBDA_UNRESERVED_MINIMUM = 100
"""Lambda keeps at least 100 executions unreserved when a function RESERVES concurrency: "You
can reserve concurrency for as many functions as you like, as long as you leave at least 100
simultaneous executions unreserved"
(https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html). The floor
binds only a reservation; a function that reserves nothing draws on the unreserved pool and
needs no such headroom (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html:
new accounts can have as few as 10 concurrent executions in total)."""
RESERVED_CONCURRENCY_PER_REGION = 0
"""What the program reserves per region: nothing (the orchestrator's function reserves no
concurrency, components/failover/orchestrator.py; tests/ops/test_preflight.py checks the plan
against this)."""
UNRESERVED_TO_RUN = 1
"""Without a reservation the orchestrator needs one unreserved execution to run at all."""
LAMBDA_CONCURRENCY_QUOTA = "L-B99A9384"
"""Service Quotas code of Lambda "Concurrent executions"
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""

ARC_REGION = "us-west-2"
"""The ARC recovery-control config API is called in us-west-2
(https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.html)."""
ARC_CLUSTERS_PER_ACCOUNT = 2
""""Number of clusters per account: 2"
(https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.quotas.html)."""


@dataclass(frozen=True)
class Quota:
    """A Service Quotas entry the pair consumes per region."""

    label: str
    service_code: str
    quota_code: str
    url: str


# Codes from https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html and
# https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html (console links name the
# codes); values are read with GetServiceQuota, or GetAWSDefaultServiceQuota when never changed.
ELASTIC_IPS = Quota(
    "Elastic IP addresses",
    "ec2",
    "L-0263D0A3",
    "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit",
)
VPCS = Quota(
    "VPCs per Region",
    "vpc",
    "L-F678F1CE",
    "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
)
NAT_PER_AZ = Quota(
    "NAT gateways per Availability Zone",
    "vpc",
    "L-FE5A380F",
    "https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html",
)
TRANSIT_GATEWAYS = Quota(
    "Transit gateways",
    "ec2",
    "L-A2478D36",
    "https://docs.aws.amazon.com/vpc/latest/tgw/transit-gateway-quotas.html",
)


ON_DEMAND_STANDARD_VCPUS = Quota(
    "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances (vCPUs)",
    "ec2",
    "L-1216C47A",
    "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html",
)
STANDARD_FAMILIES = tuple("acdhimrtz")
"""First letters of the instance families the Standard On-Demand vCPU quota counts (same page)."""


@dataclass(frozen=True)
class CheckResult:
    """One line of the checklist."""

    check: str
    scope: str
    """A region, or "account"."""
    ok: bool
    detail: str
    """Passed: what was found. Failed: the problem, then the fix."""
    warn: bool = False
    """Passed, with a risk the operator should know (does not stop `up`)."""

    def line(self) -> str:
        verdict = "FAIL" if not self.ok else "WARN" if self.warn else "PASS"
        return f"{verdict}  {self.scope:<10} {self.check}: {self.detail}"


def _error(error: ClientError) -> str:
    err = error.response.get("Error", {})
    return f"{err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")


def _unreadable(check: str, scope: str, error: ClientError, permission: str) -> CheckResult:
    return CheckResult(
        check, scope, False, f"cannot read it ({_error(error)}): grant the deployer {permission}"
    )


def _ids(values: Iterable[str]) -> str:
    return ", ".join(sorted(values)) or "none"


# --- checks --------------------------------------------------------------------------------


def check_lambda_concurrency(
    lam: Any, region: str, reserved: int = RESERVED_CONCURRENCY_PER_REGION
) -> CheckResult:
    """Room for the program's functions in UnreservedConcurrentExecutions
    (https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html): when it
    reserves `reserved` > 0, the 100-execution floor plus the reservation; when it reserves
    nothing (today), one unreserved execution, so a new account's 10 is enough."""
    name = "Lambda concurrency"
    try:
        limit = lam.get_account_settings()["AccountLimit"]
    except ClientError as error:
        return _unreadable(name, region, error, "lambda:GetAccountSettings")
    unreserved = int(limit.get("UnreservedConcurrentExecutions", 0))
    required = LAMBDA_UNRESERVED_MINIMUM + reserved if reserved > 0 else UNRESERVED_TO_RUN
    why = f"{reserved} reserved + the 100 Lambda keeps unreserved" if reserved > 0 else "nothing reserved"
    if unreserved >= required:
        return CheckResult(
            name, region, True, f"{unreserved} unreserved executions (need >= {required}: {why})"
        )
    return CheckResult(
        name,
        region,
        False,
        f"{unreserved} unreserved executions of {limit.get('ConcurrentExecutions', '?')}, "
        f"need >= {required} ({why}): request a higher Lambda 'Concurrent executions' quota "
        f"(Service Quotas, lambda {LAMBDA_CONCURRENCY_QUOTA}) in {region}, or lower other "
        "functions' reserved concurrency",
    )


def _zone_ids_by_name(ec2: Any) -> dict[str, str]:
    """Available AZs of the region (no Local/Wavelength Zones): name -> zone id."""
    zones = ec2.describe_availability_zones(
        Filters=[
            {"Name": "zone-type", "Values": ["availability-zone"]},
            {"Name": "state", "Values": ["available"]},
        ]
    )["AvailabilityZones"]
    return {zone["ZoneName"]: zone["ZoneId"] for zone in zones}


def check_availability_zones(ec2: Any, rds: Any, region: str, settings: Settings) -> list[CheckResult]:
    """At least azCount AZs (by zone id: names differ per account,
    https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html) offer
    instanceType (DescribeInstanceTypeOfferings by availability-zone-id,
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html)
    and dbInstanceClass for a global database (DescribeOrderableDBInstanceOptions, whose zones
    are names, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeOrderableDBInstanceOptions.html),
    selected exactly as the program's lookup selects (components/network/orderable.py: the
    Standard storage type's entry for a global database, as the provider picks it)."""
    traffic, database, want = settings.traffic, settings.database, settings.az_count
    results: list[CheckResult] = []
    try:
        by_name = _zone_ids_by_name(ec2)
        offered: set[str] = set()
        for page in ec2.get_paginator("describe_instance_type_offerings").paginate(
            LocationType="availability-zone-id",
            Filters=[{"Name": "instance-type", "Values": [traffic.instance_type]}],
        ):
            offered.update(o["Location"] for o in page["InstanceTypeOfferings"])
    except ClientError as error:
        return [_unreadable("AZs for instanceType", region, error, "ec2:DescribeInstanceTypeOfferings")]
    offered &= set(by_name.values())
    name = f"AZs offering instanceType {traffic.instance_type}"
    if len(offered) >= want:
        results.append(CheckResult(name, region, True, f"{len(offered)} ({_ids(offered)}), azCount {want}"))
    else:
        results.append(
            CheckResult(
                name,
                region,
                False,
                f"{len(offered)} ({_ids(offered)}) < azCount {want}: choose an instanceType offered in "
                f"{want} AZs of {region} (aws ec2 describe-instance-type-offerings --location-type "
                "availability-zone-id) or lower azCount",
            )
        )
    query = orderable_query(database)
    try:
        options = [
            option
            for page in rds.get_paginator("describe_orderable_db_instance_options").paginate(
                **query.api_filters()
            )
            for option in page["OrderableDBInstanceOptions"]
        ]
    except ClientError as error:
        results.append(
            _unreadable("AZs for dbInstanceClass", region, error, "rds:DescribeOrderableDBInstanceOptions")
        )
        return results
    # Exactly the program's lookup (components/network/orderable.py): the provider's
    # selection of ONE entry, never the union of every storage type's zones.
    try:
        db_names = set(
            option_zone_names(
                select_option(
                    options,
                    storage_type=query.storage_type,
                    supports_global_databases=query.supports_global_databases,
                    preferred_instance_classes=query.preferred_instance_classes,
                )
            )
        )
    except OrderableLookupError:
        db_names = set()
    db_ids = {by_name[n] for n in db_names if n in by_name}
    name = f"AZs offering dbInstanceClass {database.instance_class}"
    if len(db_ids) >= want:
        results.append(
            CheckResult(name, region, True, f"{len(db_ids)} for a global {database.engine} database")
        )
    else:
        results.append(
            CheckResult(
                name,
                region,
                False,
                f"{len(db_ids)} ({_ids(db_ids)}) < azCount {want} for a global {database.engine} "
                f"{database.engine_version} database: choose a dbInstanceClass that "
                "describe-orderable-db-instance-options lists with SupportsGlobalDatabases and "
                f"StorageType {query.storage_type} in {want} AZs of {region}, or lower azCount",
            )
        )
    both = offered & db_ids
    if len(offered) >= want and len(db_ids) >= want:
        name = "AZs offering both"
        if len(both) >= want:
            results.append(CheckResult(name, region, True, f"{len(both)} ({_ids(both)})"))
        else:
            results.append(
                CheckResult(
                    name,
                    region,
                    False,
                    f"{len(both)} ({_ids(both)}) < azCount {want}: instanceType and dbInstanceClass are "
                    "offered in different AZs; change one of them or lower azCount",
                )
            )
    return results


def check_engine_version(rds: Any, region: str, settings: Settings) -> CheckResult:
    """The engine version exists in the region and supports global databases
    (DescribeDBEngineVersions SupportsGlobalDatabases,
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBEngineVersion.html)."""
    database = settings.database
    name = f"engine {database.engine} {database.engine_version}"
    try:
        versions = rds.describe_db_engine_versions(
            Engine=database.engine, EngineVersion=database.engine_version
        )["DBEngineVersions"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "InvalidParameterCombination":
            versions = []
        else:
            return _unreadable(name, region, error, "rds:DescribeDBEngineVersions")
    fix = (
        f"set dbEngineVersion to one that aws rds describe-db-engine-versions --engine {database.engine} "
        f"--region {region} lists with SupportsGlobalDatabases true, in both regions"
    )
    if not versions:
        return CheckResult(name, region, False, f"not offered in {region}: {fix}")
    if not any(v.get("SupportsGlobalDatabases") for v in versions):
        return CheckResult(name, region, False, f"offered but without global database support: {fix}")
    return CheckResult(name, region, True, "offered, supports global databases")


def _normalise(servers: Iterable[str]) -> set[str]:
    return {str(server).strip().rstrip(".").lower() for server in servers}


def check_hosted_zone(
    route53: Any, settings: Settings, zone_id: str | None, ns_lookup: NsLookup
) -> CheckResult:
    """The zone exists, is public, is for zoneName, and its parent delegates to it: the public
    NS answer for zoneName equals the zone's delegation set. Otherwise ACM's DNS validation never
    completes (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html) and the
    deploy waits out the validation timeout. Delegation:
    https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingNewSubdomain.html."""
    zone_name = settings.traffic.zone_name
    name = f"hosted zone {zone_name}"
    rule = reserved_zone_rule(zone_name)
    if rule is not None:
        return CheckResult(name, "account", False, f"{ZONE_NAME_KEY}={zone_name!r}: {rule}")
    if not zone_id:
        return CheckResult(
            name,
            "account",
            False,
            f"{ZONE_ID_KEY} is empty: create a public hosted zone for {zone_name}, delegate it from "
            f"its parent, and set {ZONE_ID_KEY} in Pulumi.primary.yaml",
        )
    try:
        answer = route53.get_hosted_zone(Id=zone_id)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "NoSuchHostedZone":
            return CheckResult(
                name,
                "account",
                False,
                f"{ZONE_ID_KEY}={zone_id!r} does not exist in this account: set it to the id of the "
                f"public zone for {zone_name} (aws route53 list-hosted-zones-by-name --dns-name {zone_name})",
            )
        return _unreadable(name, "account", error, "route53:GetHostedZone")
    zone = answer["HostedZone"]
    if zone.get("Config", {}).get("PrivateZone"):
        return CheckResult(
            name,
            "account",
            False,
            f"{zone_id} is a private zone: ACM validates through a public zone; use one",
        )
    if zone["Name"].rstrip(".").lower() != zone_name:
        return CheckResult(
            name,
            "account",
            False,
            f"{zone_id} is the zone for {zone['Name'].rstrip('.')}, not {zone_name}: "
            f"fix {ZONE_ID_KEY} or {ZONE_NAME_KEY}",
        )
    own = _normalise(answer.get("DelegationSet", {}).get("NameServers", []))
    try:
        public = _normalise(ns_lookup(zone_name))
    except Exception as error:  # noqa: BLE001 any resolver failure means "not delegated yet"
        public, why = set(), f"{type(error).__name__}"
    else:
        why = ""
    if public and public == own:
        return CheckResult(name, "account", True, f"{zone_id}, delegated to its {len(own)} name servers")
    seen = _ids(public) if public else f"no NS answer ({why})"
    return CheckResult(
        name,
        "account",
        False,
        f"the parent does not delegate {zone_name} to {zone_id} (public NS: {seen}): set NS records "
        f"for {zone_name} at the parent zone or registrar to {_ids(own)}, wait for the TTL, rerun",
    )


def quota_value(quotas: Any, quota: Quota) -> float:
    """Applied value, else AWS's default (GetServiceQuota raises NoSuchResourceException for a
    quota never changed in some accounts)."""
    try:
        return float(
            quotas.get_service_quota(ServiceCode=quota.service_code, QuotaCode=quota.quota_code)["Quota"][
                "Value"
            ]
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            raise
    answer = quotas.get_aws_default_service_quota(ServiceCode=quota.service_code, QuotaCode=quota.quota_code)
    return float(answer["Quota"]["Value"])


def _quota_result(quota: Quota, region: str, used: int, needed: int, limit: float) -> CheckResult:
    name = f"quota {quota.label}"
    if used + needed <= limit:
        return CheckResult(name, region, True, f"{used} used + {needed} needed <= {limit:g}")
    return CheckResult(
        name,
        region,
        False,
        f"{used} used + {needed} needed > {limit:g}: free {used + needed - int(limit)} or request "
        f"an increase of {quota.service_code} {quota.quota_code} in {region} (Service Quotas; {quota.url})",
    )


def check_quotas(ec2: Any, quotas: Any, region: str, settings: Settings) -> list[CheckResult]:
    """Elastic IPs, VPCs, NAT gateways per AZ and Transit Gateways: current usage plus what this
    stack creates (one VPC, one Transit Gateway, one NAT gateway and its Elastic IP per AZ, one
    for pilot-light: the tier's profile) within the region's quota."""
    nat = settings.tier_profile.nat_gateways(settings.az_count)
    results = []
    try:
        eips = len(ec2.describe_addresses(Filters=[{"Name": "domain", "Values": ["vpc"]}])["Addresses"])
        vpcs = sum(len(p["Vpcs"]) for p in ec2.get_paginator("describe_vpcs").paginate())
        live = [{"Name": "state", "Values": ["pending", "available"]}]
        gateways = [
            g
            for p in ec2.get_paginator("describe_nat_gateways").paginate(Filter=live)
            for g in p["NatGateways"]
        ]
        subnets = {g["SubnetId"] for g in gateways}
        az_of = (
            {
                s["SubnetId"]: s["AvailabilityZone"]
                for s in ec2.describe_subnets(SubnetIds=sorted(subnets))["Subnets"]
            }
            if subnets
            else {}
        )
        per_az: dict[str, int] = {}
        for gateway in gateways:
            zone = az_of.get(gateway["SubnetId"], "?")
            per_az[zone] = per_az.get(zone, 0) + 1
        tgws = sum(
            1
            for p in ec2.get_paginator("describe_transit_gateways").paginate()
            for t in p["TransitGateways"]
            if t.get("State") not in ("deleting", "deleted")
        )
        usage = [
            (ELASTIC_IPS, eips, nat),
            (VPCS, vpcs, 1),
            (NAT_PER_AZ, max(per_az.values(), default=0), 1),
            (TRANSIT_GATEWAYS, tgws, 1),
        ]
        for quota, used, needed in usage:
            results.append(_quota_result(quota, region, used, needed, quota_value(quotas, quota)))
    except ClientError as error:
        results.append(
            _unreadable(
                "quotas", region, error, "servicequotas:GetServiceQuota and ec2:Describe* (read-only)"
            )
        )
    return results


def _vcpus_in_use(ec2: Any) -> int:
    """vCPUs of this region's running and pending instances of the Standard families."""
    types: dict[str, int] = {}
    for page in ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}]
    ):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                kind = instance["InstanceType"]
                if kind.startswith(STANDARD_FAMILIES):
                    types[kind] = types.get(kind, 0) + 1
    if not types:
        return 0
    described = ec2.describe_instance_types(InstanceTypes=sorted(types))["InstanceTypes"]
    return sum(t["VCpuInfo"]["DefaultVCpus"] * types[t["InstanceType"]] for t in described)


def check_vcpu_quota(ec2: Any, quotas: Any, region: str, settings: Settings) -> CheckResult:
    """The On-Demand vCPU quota holds the group at its maximum in this region (either region
    may have to run the whole load): appMaxSize x the instance type's vCPUs
    (DescribeInstanceTypes VCpuInfo.DefaultVCpus), plus the vCPUs running now. The quota
    counts vCPUs, not instances (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html)."""
    traffic, quota = settings.traffic, ON_DEMAND_STANDARD_VCPUS
    name = "quota On-Demand vCPUs"
    if not traffic.instance_type.startswith(STANDARD_FAMILIES):
        return CheckResult(
            name,
            region,
            True,
            f"{traffic.instance_type} is not counted by {quota.quota_code}: not checked",
            True,
        )
    try:
        described = ec2.describe_instance_types(InstanceTypes=[traffic.instance_type])["InstanceTypes"]
        vcpus = described[0]["VCpuInfo"]["DefaultVCpus"]
        used = _vcpus_in_use(ec2)
        limit = quota_value(quotas, quota)
    except ClientError as error:
        return _unreadable(
            name,
            region,
            error,
            "ec2:DescribeInstanceTypes, ec2:DescribeInstances, servicequotas:GetServiceQuota",
        )
    needed = traffic.app_max_size * vcpus
    result = _quota_result(quota, region, used, needed, limit)
    detail = f"appMaxSize {traffic.app_max_size} x {vcpus} vCPUs ({traffic.instance_type}): {result.detail}"
    return CheckResult(name, region, result.ok, detail)


def check_state_backend(url: str, primary_region: str, clients: ClientFactory) -> CheckResult:
    """Where the Pulumi state lives. Not needed to fail over (docs/IAC_AND_FAILOVER.md: the
    failover path never needs Pulumi), but a later `up` from the survivor needs it: a local
    file is on one machine; an S3 bucket only in the primary region is gone with it unless it
    replicates (GetBucketLocation: no LocationConstraint means us-east-1,
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html;
    GetBucketReplication, https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketReplication.html)."""
    from urllib.parse import parse_qs, urlparse

    name = "state backend"
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return CheckResult(
            name,
            "account",
            True,
            f"local ({url}): the state is on this machine only; use an S3 bucket outside "
            f"{primary_region} (or replicated) so the survivor can be updated from anywhere",
            True,
        )
    if parsed.scheme != "s3":
        return CheckResult(name, "account", True, f"{parsed.scheme}: not in either region")
    bucket = parsed.netloc
    region = (parse_qs(parsed.query).get("region") or [None])[0]
    s3 = clients("s3", region or primary_region)
    try:
        if region is None:
            region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
        if region != primary_region:
            return CheckResult(name, "account", True, f"s3://{bucket} in {region}")
        try:
            rules = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ReplicationConfigurationNotFoundError":
                raise
            rules = []
    except ClientError as error:
        return CheckResult(
            name, "account", True, f"s3://{bucket}: cannot read its region ({_error(error)})", True
        )
    if any(rule.get("Status") == "Enabled" for rule in rules):
        return CheckResult(name, "account", True, f"s3://{bucket} in {region}, replicated")
    return CheckResult(
        name,
        "account",
        True,
        f"s3://{bucket} lives only in {region}, the primary region: with it down no up can run; "
        "replicate the bucket to the dr region or move the state there",
        True,
    )


def check_arc(arc: Any) -> CheckResult:
    """The failover authority is an ARC cluster (docs/ARCHITECTURE.md#one-authority): its config API
    must answer in us-west-2 and the account must have room for one more cluster (2 per
    account), unless this project's cluster already exists."""
    name = "ARC recovery control"
    try:
        clusters = [c for p in arc.get_paginator("list_clusters").paginate() for c in p.get("Clusters", [])]
    except ClientError as error:
        return _unreadable(name, ARC_REGION, error, "route53-recovery-control-config:ListClusters")
    ours = [c for c in clusters if str(c.get("Name", "")).startswith(PROJECT)]
    if ours or len(clusters) < ARC_CLUSTERS_PER_ACCOUNT:
        return CheckResult(
            name,
            ARC_REGION,
            True,
            f"reachable, {len(clusters)} of {ARC_CLUSTERS_PER_ACCOUNT} clusters"
            + (" (ours exists)" if ours else ""),
        )
    return CheckResult(
        name,
        ARC_REGION,
        False,
        f"{len(clusters)} clusters exist, the account quota is {ARC_CLUSTERS_PER_ACCOUNT}: delete an unused "
        "cluster (aws route53-recovery-control-config list-clusters --region us-west-2) or ask AWS "
        "Support for more (https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.quotas.html)",
    )


# --- the run -----------------------------------------------------------------------------------


def run_checks(
    settings_by_stack: Mapping[str, Settings],
    zone_id: str | None,
    clients: ClientFactory,
    ns_lookup: NsLookup,
    home_only: bool = False,
    backend: str | None = None,
) -> list[CheckResult]:
    """Every check for the stacks named (primary and dr, or one of them), in a fixed order:
    per region, then the account-wide ones. `zone_id` is the hosted zone both stacks use.
    `home_only`: the regional checks only (the hosted zone's is Route 53's control plane in
    us-east-1, the ARC one the primary's pieces: neither is updated by a home-only up)."""
    results: list[CheckResult] = []
    for settings in settings_by_stack.values():
        region = settings.home_region
        lam, ec2, rds, quotas = (clients(s, region) for s in ("lambda", "ec2", "rds", "service-quotas"))
        results.append(check_lambda_concurrency(lam, region))
        results.extend(check_availability_zones(ec2, rds, region, settings))
        results.append(check_engine_version(rds, region, settings))
        results.extend(check_quotas(ec2, quotas, region, settings))
        results.append(check_vcpu_quota(ec2, quotas, region, settings))
    if home_only:
        return results
    first = next(iter(settings_by_stack.values()))
    results.append(check_hosted_zone(clients("route53", "us-east-1"), first, zone_id, ns_lookup))
    results.append(check_arc(clients("route53-recovery-control-config", ARC_REGION)))
    if backend is not None:
        results.append(check_state_backend(backend, first.home_region, clients))
    return results


def render(console: Console, results: list[CheckResult]) -> None:
    """The checklist, one line per check (never wrapped: greppable), then a verdict."""
    for result in results:
        colour = "bold red" if not result.ok else "yellow" if result.warn else "green"
        console.print(f"[{colour}]{escape(result.line())}[/]", soft_wrap=True, highlight=False)
    failed = sum(not r.ok for r in results)
    warned = sum(r.ok and r.warn for r in results)
    verdict = f"preflight: {len(results) - failed} passed, {failed} failed" + (
        f", {warned} warning{'s' if warned > 1 else ''}" if warned else ""
    )
    console.print(verdict if failed else f"{verdict}: ready for up", soft_wrap=True, highlight=False)


def boto3_clients() -> ClientFactory:
    """Clients on the operator's default credential chain, with standard retries and short
    timeouts. Missing credentials are one sentence and the "unavailable" exit code."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise OperatorError(f"AWS credentials cannot be loaded: {error}.", EXIT_UNAVAILABLE) from None
    if credentials is None:
        raise OperatorError(NO_CREDENTIALS, EXIT_UNAVAILABLE)
    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=20)
    return lambda service, region: session.client(service, region_name=region, config=config)


NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_PROFILE (or run aws configure / aws sso login) for the "
    "account to deploy into, then run this again."
)


def public_ns_lookup(zone_name: str) -> list[str]:
    """NS records of `zone_name` from the public DNS (the system resolver, through dnspython)."""
    import dns.resolver

    return [str(record.target) for record in dns.resolver.resolve(zone_name, "NS", lifetime=10)]


def preflight(
    stacks: list[str],
    console: Console,
    *,
    settings_of: Callable[[str], Settings] | None = None,
    clients: ClientFactory | None = None,
    ns_lookup: NsLookup | None = None,
    home_only: bool = False,
    backend: str | None = None,
) -> list[CheckResult]:
    """Check the stacks' account and regions, print the checklist, return the results.
    `backend`: the Pulumi state backend's URL (default: the one deploy.py uses).
    Raises OperatorError when the configuration is invalid or credentials are missing."""
    from ops.stack_config import stack_settings

    settings_of = settings_of or stack_settings
    settings = {stack: settings_of(stack) for stack in stacks}
    primary = settings.get("primary") or settings_of("primary")
    if "dr" in settings:
        check_stack_pair(primary, settings["dr"])
    # The dr stack uses the primary's zone unless it names one (ops/deploy_guard.py).
    zone_id = primary.traffic.hosted_zone_id or settings.get("dr", primary).traffic.hosted_zone_id
    clients = clients or boto3_clients()
    try:
        # STS of the first stack checked: a home-only preflight of dr never calls the primary's region.
        identity = clients("sts", next(iter(settings.values())).home_region).get_caller_identity()
        console.print(
            escape(
                f"preflight of {', '.join(settings)} in account {identity['Account']} as {identity['Arn']}"
            ),
            soft_wrap=True,
            highlight=False,
        )
        if backend is None:
            import os

            from ops.automation import backend_url

            backend = backend_url(os.environ)
        progress(f"preflight: checking {', '.join(settings)} (read-only AWS calls) ...")
        results = run_checks(settings, zone_id, clients, ns_lookup or public_ns_lookup, home_only, backend)
    except (NoCredentialsError, NoRegionError):
        raise OperatorError(NO_CREDENTIALS, EXIT_UNAVAILABLE) from None
    except ClientError as error:
        # Only get_caller_identity lets a ClientError through: the checks turn theirs into lines.
        raise OperatorError(
            f"the AWS credentials were refused ({_error(error)}): renew them (aws sso login, or new "
            "keys) and run this again.",
            EXIT_UNAVAILABLE,
        ) from None
    except BotoCoreError as error:
        raise OperatorError(
            f"AWS cannot be reached ({error}): check the network and run this again.", EXIT_UNAVAILABLE
        ) from None
    render(console, results)
    return results


def preflight_gate(console: Console, **kwargs: Any) -> Callable[[list[str]], None]:
    """What `up` runs first: the preflight, and a refusal when anything failed."""

    def gate(stacks: list[str]) -> None:
        results = preflight(stacks, console, **kwargs)
        failed = [r for r in results if not r.ok]
        if failed:
            raise OperatorError(
                f"preflight failed ({len(failed)} problem{'s' if len(failed) > 1 else ''} above): fix them, "
                "or pass --skip-preflight to deploy anyway."
            )

    return gate
