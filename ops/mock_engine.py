"""The mock engine: runs the program of one stack in-process under pulumi's mock monitor and
records everything it registers. `deploy.py plan` and the tests both use it; it needs no
pulumi CLI, no AWS credentials and no network.

For each resource it records the type, name, URN, parent, provider and the region that
provider points at, the resource options (protect, retainOnDelete, ignoreChanges,
dependsOn, ...), the inputs (with the secret ones named) and the mocked outputs. It records
every invoke with its provider too, and returns the stack's exports. The dr stack's
StackReference to the primary is answered with the primary run's exports.
"""

from __future__ import annotations

import hashlib
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.settings import set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.network.orderable import AURORA_STANDARD_STORAGE, option_zone_names, select_option
from components.settings import PROJECT, Settings
from ops.stack_config import PROJECT_DIR, as_pulumi_config, effective_config, load_pair, stack_settings

MOCK_ACCOUNT = "123456789012"
STACK_REFERENCE = "pulumi:pulumi:StackReference"
AWS_PROVIDER = "pulumi:providers:aws"


@dataclass
class ResourceOptionsRecord:
    protect: bool
    retain_on_delete: bool
    ignore_changes: list[str]
    depends_on: list[str]
    delete_before_replace: bool
    additional_secret_outputs: list[str]
    aliases: list[str] = field(default_factory=list)
    """Each alias as its URN, or `parent=<urn>`/`noParent` for an alias spec."""


@dataclass
class CapturedResource:
    type: str
    name: str
    urn: str
    parent: str
    """URN of the parent; the stack's URN for top-level resources."""
    custom: bool
    provider_urn: str | None
    region: str | None
    """Region of the explicit provider; None for components and non-AWS resources."""
    options: ResourceOptionsRecord
    inputs: dict[str, Any]
    secret_inputs: frozenset[str]
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    live: dict[str, Any] = field(default_factory=dict)
    """Properties the read-back seeded (run_stack's live_state): the resource as AWS has it now,
    where that differs from what the program created (ops/live_state.py diffs them)."""

    @property
    def is_aws(self) -> bool:
        return self.type.startswith("aws:")


@dataclass
class CapturedInvoke:
    token: str
    args: dict[str, Any]
    provider_urn: str | None
    region: str | None


LiveState = Callable[[str, str, dict, "str | None"], "Mapping[str, Any] | None"]
"""(type, name, inputs, region) -> properties the live resource has now (the read-back a
`pulumi up` starts from), e.g. what a failover changed; None or {} for none."""


@dataclass
class StackRun:
    stack: str
    settings: Settings
    resources: list[CapturedResource]
    invokes: list[CapturedInvoke]
    exports: dict[str, Any]
    secret_exports: frozenset[str]

    def of_type(self, type_token: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> CapturedResource:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"{self.stack}: expected one {type_token} {name or ''}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> CapturedResource | None:
        return next((r for r in self.resources if r.urn == urn), None)

    def components(self) -> list[CapturedResource]:
        return [r for r in self.resources if not r.custom and r.type != STACK_REFERENCE]

    def ancestors(self, resource: CapturedResource) -> list[CapturedResource]:
        chain, parent = [], self.by_urn(resource.parent)
        while parent is not None:
            chain.append(parent)
            parent = self.by_urn(parent.parent)
        return chain


def _unwrap(value: Any) -> Any:
    """Inputs as plain values: secrets unwrapped, resource references named, assets and
    archives as what they hold (so two builds of the same code compare equal)."""
    if rpc.is_rpc_secret(value):
        return _unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, pulumi.Resource):
        return f"<resource {type(value).__name__}>"
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": {name: _unwrap(item) for name, item in value.assets.items()}}
    if isinstance(value, (pulumi.FileArchive, pulumi.FileAsset)):
        return {
            "path": str(Path(value.path).resolve().relative_to(PROJECT_DIR))
            if Path(value.path).resolve().is_relative_to(PROJECT_DIR)
            else value.path
        }
    if isinstance(value, pulumi.StringAsset):
        return {"text": value.text}
    return value


def _mock_id(name: str, type_token: str) -> str:
    digest = hashlib.sha256(f"{type_token}/{name}".encode()).hexdigest()[:12]
    return f"{name}-{digest}"


def _service_and_kind(type_token: str) -> tuple[str, str]:
    # aws:ec2/vpc:Vpc -> ("ec2", "vpc")
    module = type_token.split(":")[1]
    service, _, kind = module.partition("/")
    return service, kind or service


# Outputs a real provider computes that the program reads. type -> f(name, region, inputs, id).
# Add a row when a component reads an output the generic mock does not produce.
COMPUTED_OUTPUTS: dict[str, Callable[[str, str, dict, str], dict]] = {
    "aws:kms/key:Key": lambda name, region, inputs, id_: {"keyId": id_},
    "aws:ec2/vpc:Vpc": lambda name, region, inputs, id_: {
        "defaultSecurityGroupId": f"sg-{id_}",
        "mainRouteTableId": f"rtb-{id_}",
    },
    "aws:rds/globalCluster:GlobalCluster": lambda name, region, inputs, id_: {
        "arn": f"arn:aws:rds::{MOCK_ACCOUNT}:global-cluster:{inputs.get('globalClusterIdentifier', id_)}",
        # "This endpoint always points to the writer DB instance in the current primary cluster."
        "endpoint": f"{inputs.get('globalClusterIdentifier', id_)}.global-{_digest(id_)}"
        ".global.rds.amazonaws.com",
    },
    # ARC recovery-control ARNs carry no region (the service is global); a cluster has five
    # regional data-plane endpoints ("List of 5 endpoints in 5 regions").
    "aws:route53recoverycontrol/cluster:Cluster": lambda name, region, inputs, id_: {
        "arn": f"{_ARC_PREFIX}cluster/{_digest(id_)}",
        "status": "DEPLOYED",
        "clusterEndpoints": [
            {
                "endpoint": f"https://host-{_digest(id_ + r)}.route53-recovery-cluster.{r}.amazonaws.com/v1",
                "region": r,
            }
            for r in _ARC_ENDPOINT_REGIONS
        ],
    },
    "aws:route53recoverycontrol/controlPanel:ControlPanel": lambda name, region, inputs, id_: {
        "arn": f"{_ARC_PREFIX}controlpanel/{_digest(id_)}",
        "status": "DEPLOYED",
    },
    "aws:route53recoverycontrol/routingControl:RoutingControl": lambda name, region, inputs, id_: {
        "arn": f"{inputs.get('controlPanelArn') or _ARC_PREFIX + 'controlpanel/default'}"
        f"/routingcontrol/{_digest(id_)}",
        "status": "DEPLOYED",
    },
    "aws:route53recoverycontrol/safetyRule:SafetyRule": lambda name, region, inputs, id_: {
        "arn": f"{inputs.get('controlPanelArn')}/safetyrule/{_digest(id_)}",
        "status": "DEPLOYED",
    },
    "aws:rds/cluster:Cluster": lambda name, region, inputs, id_: _aurora_cluster(region, inputs, id_),
    "aws:dynamodb/table:Table": lambda name, region, inputs, id_: {
        "arn": f"arn:aws:dynamodb:{region}:{MOCK_ACCOUNT}:table/{inputs.get('name', id_)}",
        "streamArn": f"arn:aws:dynamodb:{region}:{MOCK_ACCOUNT}:table/{inputs.get('name', id_)}/stream/mock",
    },
    "aws:dynamodb/tableReplica:TableReplica": lambda name, region, inputs, id_: {
        # The replica's ARN: the global table's name in the replica's region.
        "arn": f"arn:aws:dynamodb:{region}:{MOCK_ACCOUNT}:table/"
        + str(inputs.get("globalTableArn", id_)).rsplit("/", 1)[-1],
    },
    "aws:s3/bucket:Bucket": lambda name, region, inputs, id_: {
        "arn": f"arn:aws:s3:::{inputs.get('bucket', id_)}",
        "bucket": inputs.get("bucket", id_),
    },
    "aws:backup/vault:Vault": lambda name, region, inputs, id_: {
        "arn": f"arn:aws:backup:{region}:{MOCK_ACCOUNT}:backup-vault:{inputs.get('name', id_)}",
    },
    # Deterministic, and distinctive enough that a test can look for it in outputs and config.
    "random:index/randomPassword:RandomPassword": lambda name, region, inputs, id_: {
        "result": "MockPw-"
        + hashlib.sha256(name.encode()).hexdigest()[: max(8, int(inputs.get("length", 16)) - 7)],
    },
    "random:index/randomId:RandomId": lambda name, region, inputs, id_: {
        "hex": _digest(f"{name}/{region}")[: 2 * int(inputs.get("byteLength", 4))],
    },
    # ELBv2 ARNs as AWS writes them: arn:aws:elasticloadbalancing:<region>:<account>:<suffix>
    # (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html).
    "aws:lb/loadBalancer:LoadBalancer": lambda name, region, inputs, id_: {
        "dnsName": f"{id_}.{region}.elb.amazonaws.com",
        "zoneId": _ALB_ZONE_IDS.get(region, "ZMOCKALBZONE"),
        "arnSuffix": f"app/{id_}/{_digest(id_)}",
        "arn": f"arn:aws:elasticloadbalancing:{region}:{MOCK_ACCOUNT}:loadbalancer/app/{id_}/{_digest(id_)}",
    },
    "aws:lb/targetGroup:TargetGroup": lambda name, region, inputs, id_: {
        "arnSuffix": f"targetgroup/{id_}/{_digest(id_)}",
        "arn": f"arn:aws:elasticloadbalancing:{region}:{MOCK_ACCOUNT}:targetgroup/{id_}/{_digest(id_)}",
    },
    # ACM derives a name's validation record from the account and the name alone, so the
    # same name gets the same record in every certificate (the mock keeps that property).
    "aws:acm/certificate:Certificate": lambda name, region, inputs, id_: {
        "domainValidationOptions": [
            {
                "domainName": domain,
                "resourceRecordName": f"_{_digest(domain)}.{domain}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{_digest('value/' + domain)}.acm-validations.aws.",
            }
            for domain in [inputs.get("domainName"), *(inputs.get("subjectAlternativeNames") or [])]
        ],
    },
    "aws:route53/zone:Zone": lambda name, region, inputs, id_: {
        "zoneId": f"Z{_digest(id_).upper()}",
        "nameServers": [f"ns-{n}.awsdns-{n}.org" for n in range(4)],
    },
    "aws:route53/record:Record": lambda name, region, inputs, id_: {"fqdn": inputs.get("name")},
    "aws:ec2/launchTemplate:LaunchTemplate": lambda name, region, inputs, id_: {"latestVersion": 1},
    # S3 version ids are opaque 32-character strings.
    "aws:s3/bucketObjectv2:BucketObjectv2": lambda name, region, inputs, id_: {
        "versionId": _digest(id_) + _digest("version/" + id_) + "mock0000"
    },
    # Signer names a profile from its prefix and versions it; a job writes the signed object
    # under the destination prefix.
    "aws:signer/signingProfile:SigningProfile": lambda name, region, inputs, id_: {
        "name": f"{inputs.get('namePrefix', '')}{_digest(id_)}",
        "versionArn": f"arn:aws:signer:{region}:{MOCK_ACCOUNT}:/signing-profiles/"
        f"{inputs.get('namePrefix', '')}{_digest(id_)}/{_digest('v' + id_)[:10]}",
    },
    "aws:signer/signingJob:SigningJob": lambda name, region, inputs, id_: {
        "jobId": _digest(id_),
        "signedObjects": [
            {
                "s3s": [
                    {
                        "bucket": inputs["destination"]["s3"]["bucket"],
                        "key": f"{inputs['destination']['s3'].get('prefix', '')}{_digest(id_)}.zip",
                    }
                ]
            }
        ],
    },
}

# Types whose AWS id is one of their inputs (an S3 bucket's id is its name).
ID_INPUTS = {"aws:s3/bucket:Bucket": "bucket"}


def _id_from_inputs(type_token: str, inputs: dict) -> str | None:
    key = ID_INPUTS.get(type_token)
    return inputs.get(key) if key else None


_ARC_PREFIX = f"arn:aws:route53-recovery-control::{MOCK_ACCOUNT}:"
_ARC_ENDPOINT_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "ap-northeast-1")
# Hosted zone ids of ALBs per region (public AWS facts; used for alias records).
_ALB_ZONE_IDS = {"us-east-1": "Z35SXDOTRQ7X7K", "us-west-2": "Z1H1FL5HABSF5"}
# ELB log-delivery accounts per region (public AWS facts, aws.elb.get_service_account).
_ELB_ACCOUNTS = {"us-east-1": "127311923021", "us-west-2": "797873946194"}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _aurora_cluster(region: str, inputs: dict, id_: str) -> dict:
    identifier = inputs.get("clusterIdentifier", id_)
    return {
        "arn": f"arn:aws:rds:{region}:{MOCK_ACCOUNT}:cluster:{identifier}",
        "endpoint": f"{identifier}.cluster-mock.{region}.rds.amazonaws.com",
        "readerEndpoint": f"{identifier}.cluster-ro-mock.{region}.rds.amazonaws.com",
        "clusterResourceId": f"cluster-{id_}",
    }


# The mock account's zones: names map to IDs out of order, as in a real account (names are
# per account, https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html),
# and neither offering covers every zone, so the program's zone rule
# (components/network/zones.py) has something to filter. Letter -> AZ number.
MOCK_ZONE_NUMBERS = {"a": 4, "b": 6, "c": 1, "d": 2, "e": 3, "f": 5}
MOCK_ZONES_WITHOUT_INSTANCE_TYPE = {1}
"""AZ numbers where no EC2 instance type is offered (zone ID {region}-az1)."""
MOCK_ZONES_WITHOUT_DB_CLASS = {"b"}
"""Zone letters where RDS offers no DB instance class (name {region}b, zone ID az6)."""


def _zone_id(region: str | None, number: int) -> str:
    return f"{region}-az{number}"


def _availability_zones(args: dict, region: str | None) -> dict:
    return {
        "names": [f"{region}{letter}" for letter in MOCK_ZONE_NUMBERS],
        "zoneIds": [_zone_id(region, n) for n in MOCK_ZONE_NUMBERS.values()],
        "id": region,
    }


def _instance_type_offerings(args: dict, region: str | None) -> dict:
    """DescribeInstanceTypeOfferings by availability-zone-id: every zone but the excluded."""
    types = [v for f in args.get("filters") or [] if f["name"] == "instance-type" for v in f["values"]]
    locations = [
        _zone_id(region, n)
        for n in sorted(MOCK_ZONE_NUMBERS.values())
        if n not in MOCK_ZONES_WITHOUT_INSTANCE_TYPE
    ]
    return {
        "id": region,
        "locationType": args.get("locationType"),
        "locations": [loc for loc in locations for _ in types],
        "locationTypes": [args.get("locationType") for loc in locations for _ in types],
        "instanceTypes": [t for _ in locations for t in types],
    }


MOCK_IOPT1_ZONES_WITHOUT_DB_CLASS: set[str] = set()
"""Zone letters where the I/O-Optimized entry lacks the class: none, so a lookup that picks
the wrong storage type's entry would see other zones than the Standard one."""


def _orderable_options(args: dict, region: str | None) -> list[dict]:
    """DescribeOrderableDBInstanceOptions for engine, version and class: one entry per Aurora
    storage type, as AWS answers since I/O-Optimized (components/network/orderable.py), I/O-
    Optimized first so that a lookup without the storage type would not find Standard's."""

    def option(storage_type: str, excluded: set[str]) -> dict:
        return {
            "Engine": args.get("engine"),
            "EngineVersion": args.get("engineVersion"),
            "DBInstanceClass": args.get("instanceClass"),
            "StorageType": storage_type,
            "SupportsGlobalDatabases": True,
            "AvailabilityZones": [
                {"Name": f"{region}{letter}"} for letter in MOCK_ZONE_NUMBERS if letter not in excluded
            ],
        }

    return [
        option("aurora-iopt1", MOCK_IOPT1_ZONES_WITHOUT_DB_CLASS),
        option(AURORA_STANDARD_STORAGE, MOCK_ZONES_WITHOUT_DB_CLASS),
    ]


def _orderable_db_instance(args: dict, region: str | None) -> dict:
    """aws.rds.get_orderable_db_instance: the provider's selection over the API's entries
    (components/network/orderable.py select_option), failing where the provider fails."""
    found = select_option(
        _orderable_options(args, region),
        storage_type=args.get("storageType"),
        supports_global_databases=args.get("supportsGlobalDatabases"),
        preferred_instance_classes=args.get("preferredInstanceClasses") or (),
    )
    return {
        "id": region,
        "engine": found["Engine"],
        "engineVersion": found["EngineVersion"],
        "instanceClass": found["DBInstanceClass"],
        "storageType": found["StorageType"],
        "supportsGlobalDatabases": found["SupportsGlobalDatabases"],
        "availabilityZones": option_zone_names(found),
    }


# Invoke results. token -> f(args, region).
INVOKE_RESULTS: dict[str, Callable[[dict, str | None], dict]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings": _instance_type_offerings,
    "aws:rds/getOrderableDbInstance:getOrderableDbInstance": _orderable_db_instance,
    "aws:index/getCallerIdentity:getCallerIdentity": lambda args, region: {
        "accountId": MOCK_ACCOUNT,
        "arn": f"arn:aws:iam::{MOCK_ACCOUNT}:user/mock-deployer",
        "userId": "AIDAMOCKDEPLOYER",
        "id": MOCK_ACCOUNT,
    },
    "aws:index/getPartition:getPartition": lambda args, region: {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "id": "aws",
    },
    "aws:elb/getServiceAccount:getServiceAccount": lambda args, region: {
        "arn": f"arn:aws:iam::{_ELB_ACCOUNTS.get(region, '000000000000')}:root",
        "id": _ELB_ACCOUNTS.get(region, "000000000000"),
    },
    "aws:index/getRegion:getRegion": lambda args, region: {
        "name": region,
        "region": region,
        "id": region,
    },
}


class _Recorder(pulumi_mocks.Mocks):
    def __init__(
        self,
        engine: _RecordingMonitor,
        peer_exports: dict[str, dict[str, Any]],
        peer_secrets: dict[str, frozenset[str]] | None = None,
        live_state: LiveState | None = None,
    ):
        self.engine = engine
        self.live_state = live_state
        self.peer_exports = peer_exports
        self.peer_secrets = peer_secrets or {}

    def new_resource(self, args: pulumi_mocks.MockResourceArgs):
        if args.typ == STACK_REFERENCE:
            target = args.inputs.get("name") or args.resource_id
            if target not in self.peer_exports:
                raise LookupError(
                    f"StackReference {target!r}: no such stack in this run "
                    f"(known: {sorted(self.peer_exports)})"
                )
            return target, {
                "name": target,
                "outputs": self.peer_exports[target],
                # The engine tells a StackReference which outputs are secret; get_output keeps them so.
                "secretOutputNames": sorted(self.peer_secrets.get(target, ())),
            }
        region = self.engine.region_of(args.provider) or "unknown-region"
        # The region is part of the id: the same logical resource of the two stacks (same
        # name, other region) gets different ids, as in AWS, so cross-stack wiring is testable.
        id_ = (
            args.resource_id
            or _id_from_inputs(args.typ, _unwrap(args.inputs))
            or _mock_id(args.name, f"{args.typ}@{region}")
        )
        state = dict(args.inputs)
        if args.typ == AWS_PROVIDER:
            return id_, state
        # Computed outputs first (inputs still win), then the generic ones; any provider's
        # types may have rows (e.g. pulumi-random's result).
        computed = COMPUTED_OUTPUTS.get(args.typ)
        if computed is not None:
            for key, value in computed(args.name, region, _unwrap(args.inputs), id_).items():
                state.setdefault(key, value)
        if args.typ.startswith("aws:"):
            service, kind = _service_and_kind(args.typ)
            physical = _unwrap(args.inputs.get("name")) or id_
            state.setdefault("arn", f"arn:aws:{service}:{region}:{MOCK_ACCOUNT}:{kind}/{physical}")
            state.setdefault("name", physical)
            state.setdefault("region", region)
        state.setdefault("id", id_)
        if self.live_state is not None:
            # The read-back: the resource as it is now, which is what the program's outputs
            # (and anything that reads them) see on the next up.
            live = dict(self.live_state(args.typ, args.name, _unwrap(args.inputs), region) or {})
            state.update(live)
            self.engine.live[(args.typ, args.name)] = live
        return id_, state

    def call(self, args: pulumi_mocks.MockCallArgs):
        region = self.engine.region_of(args.provider)
        self.engine.invokes.append(
            CapturedInvoke(args.token, _unwrap(args.args), args.provider or None, region)
        )
        result = INVOKE_RESULTS.get(args.token)
        if result is None:
            raise NotImplementedError(
                f"the mock engine has no result for invoke {args.token}; "
                "add one to INVOKE_RESULTS in ops/mock_engine.py"
            )
        return result(_unwrap(args.args), region)


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, plus a record of each registration's full request."""

    def __init__(
        self,
        peer_exports: dict[str, dict[str, Any]],
        peer_secrets: dict[str, frozenset[str]] | None = None,
        live_state: LiveState | None = None,
    ):
        super().__init__(_Recorder(self, peer_exports, peer_secrets, live_state))
        self.live: dict[tuple[str, str], dict[str, Any]] = {}
        self.captured: list[CapturedResource] = []
        self.invokes: list[CapturedInvoke] = []
        self._provider_regions: dict[str, str] = {}

    def region_of(self, provider_ref: str | None) -> str | None:
        if not provider_ref:
            return None
        # A provider reference is "<provider urn>::<provider id>".
        return self._provider_regions.get(provider_ref.rsplit("::", 1)[0])

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        self._record(request, response.urn, response.id, request.object)
        return response

    def ReadResource(self, request):
        response = super().ReadResource(request)
        self._record(request, response.urn, request.id, request.properties)
        return response

    def _record(self, request, urn: str, id_: str, properties) -> None:
        raw_inputs = rpc.deserialize_properties(properties)
        inputs = _unwrap(raw_inputs)
        secret_inputs = frozenset(k for k, v in raw_inputs.items() if rpc.is_rpc_secret(v))
        if request.type == AWS_PROVIDER:
            self._provider_regions[urn] = inputs.get("region")
        provider_urn = request.provider.rsplit("::", 1)[0] if request.provider else None
        registration = self.resources.get(urn)
        self.captured.append(
            CapturedResource(
                type=request.type,
                name=request.name,
                urn=urn,
                parent=request.parent,
                custom=bool(getattr(request, "custom", True)),
                provider_urn=provider_urn,
                region=self._provider_regions.get(provider_urn) if provider_urn else None,
                options=ResourceOptionsRecord(
                    protect=bool(getattr(request, "protect", False)),
                    retain_on_delete=bool(getattr(request, "retainOnDelete", False)),
                    ignore_changes=list(getattr(request, "ignoreChanges", [])),
                    depends_on=list(getattr(request, "dependencies", [])),
                    delete_before_replace=bool(getattr(request, "deleteBeforeReplace", False)),
                    additional_secret_outputs=list(getattr(request, "additionalSecretOutputs", [])),
                    aliases=_aliases(request),
                ),
                inputs=inputs,
                secret_inputs=secret_inputs,
                outputs=_unwrap(registration.state) if registration else {},
                id=id_,
                live=self.live.get((request.type, request.name), {}),
            )
        )


def _aliases(request) -> list[str]:
    """The request's aliases, readable: a full URN, or where the spec says the old parent was."""
    found = list(getattr(request, "aliasURNs", []))
    for alias in getattr(request, "aliases", []):
        if alias.urn:
            found.append(alias.urn)
        elif alias.spec.noParent:
            found.append("noParent")
        else:
            found.append(f"parent={alias.spec.parentUrn}")
    return found


def run_stack(
    stack: str,
    *,
    overrides: dict[str, Any] | None = None,
    peer_exports: dict[str, dict[str, Any]] | None = None,
    peer_secrets: dict[str, frozenset[str]] | None = None,
    project_dir: Path = PROJECT_DIR,
    live_state: LiveState | None = None,
) -> StackRun:
    """Run `__main__.py` for `stack` on the mock engine. Raises SettingsError on bad config
    before anything is registered. `peer_exports` answers StackReferences by name;
    `peer_secrets` names the secret ones among them; `live_state` seeds the read-back of
    resources that moved under the program (ops/live_state.py)."""

    def main(settings: Settings) -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")

    return run_program(
        main,
        stack=stack,
        overrides=overrides,
        peer_exports=peer_exports,
        peer_secrets=peer_secrets,
        project_dir=project_dir,
        live_state=live_state,
    )


def run_program(
    program: Callable[[Settings], Mapping[str, Any] | None],
    *,
    stack: str = "primary",
    overrides: dict[str, Any] | None = None,
    peer_exports: dict[str, dict[str, Any]] | None = None,
    peer_secrets: dict[str, frozenset[str]] | None = None,
    project_dir: Path = PROJECT_DIR,
    live_state: LiveState | None = None,
) -> StackRun:
    """Run an arbitrary program callable as stack `stack` on the mock engine, with that
    stack's config and settings: component tests build one component in a small program
    instead of the whole stack. Whatever mapping `program` returns is exported."""
    settings = stack_settings(stack, overrides, project_dir)
    config = as_pulumi_config(effective_config(stack, overrides, project_dir))

    set_root_resource(None)  # a fresh root Stack for this run
    monitor = _RecordingMonitor(peer_exports or {}, peer_secrets, live_state)
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    set_all_config(config)
    settings_obj = pulumi.runtime.settings.SETTINGS
    settings_obj.rpc_manager.clear()
    settings_obj.outputs.clear()

    resolved: dict[str, Any] = {}
    secrets: set[str] = set()

    def run():
        for name, value in (program(settings) or {}).items():
            pulumi.export(name, value)
        outputs = dict(pulumi.runtime.get_root_resource().outputs)

        async def resolve():
            for name, value in outputs.items():
                output = pulumi.Output.from_input(value)
                resolved[name] = _unwrap(await output.future())
                if await output.is_secret():
                    secrets.add(name)

        return resolve()

    _sync_await(run_pulumi_func(run))
    return StackRun(
        stack=stack,
        settings=settings,
        resources=monitor.captured,
        invokes=monitor.invokes,
        exports=resolved,
        secret_exports=frozenset(secrets),
    )


def run_both(
    overrides: dict[str, dict[str, Any]] | None = None, project_dir: Path = PROJECT_DIR
) -> tuple[StackRun, StackRun]:
    """Run primary, then dr with the primary's exports behind its StackReference."""
    overrides = overrides or {}
    dr_settings = load_pair(overrides, project_dir).dr
    primary = run_stack("primary", overrides=overrides.get("primary"), project_dir=project_dir)
    dr = run_stack(
        "dr",
        overrides=overrides.get("dr"),
        peer_exports={dr_settings.primary_stack: primary.exports},
        peer_secrets={dr_settings.primary_stack: primary.secret_exports},
        project_dir=project_dir,
    )
    return primary, dr
