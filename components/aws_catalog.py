"""What AWS offers, as botocore's bundled service models know it, read offline (no network,
no credentials): the one source of the EC2 instance types the settings and their rules check.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path


def botocore_data() -> Path:
    """botocore's data folder, found without importing botocore (which alone costs more than
    the rest of `deploy.py validate`)."""
    import importlib.util

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed: run `make` first")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@functools.cache
def ec2_instance_types() -> frozenset[str]:
    """Every EC2 instance type botocore's EC2 service model knows (shape InstanceType), read
    offline from the newest API version it ships. A type newer than the installed botocore
    is refused until botocore is upgraded: the safe side of not knowing."""
    import gzip

    newest = sorted((botocore_data() / "ec2").iterdir())[-1]
    plain, packed = newest / "service-2.json", newest / "service-2.json.gz"
    text = plain.read_text() if plain.exists() else gzip.decompress(packed.read_bytes()).decode()
    # Decode only the InstanceType shape, not the whole (large) model.
    found = re.search(r'"InstanceType":\s*(?=\{\s*"type"\s*:\s*"string",\s*"enum")', text)
    if found is None:
        raise RuntimeError(f"botocore's EC2 model in {newest} has no InstanceType enum")
    shape, _ = json.JSONDecoder().raw_decode(text, found.end())
    return frozenset(shape["enum"])


@functools.cache
def _endpoint_partitions() -> dict[str, dict]:
    """partition name -> its entry in botocore's endpoint data (data/endpoints.json)."""
    endpoints = json.loads((botocore_data() / "endpoints.json").read_text())
    return {partition["partition"]: partition for partition in endpoints["partitions"]}


@functools.cache
def region_partitions() -> dict[str, str]:
    """region -> partition (aws, aws-cn, aws-us-gov, ...), from the endpoint data botocore
    ships (data/endpoints.json); no network call is made."""
    return {
        region: name
        for name, partition in _endpoint_partitions().items()
        for region in partition.get("regions", {})
    }


def control_plane_region(service: str, partition: str) -> str | None:
    """The one region in which a partition-wide service's control plane signs requests, or
    None when the partition has no such service. A global service "has its control plane
    hosted in a single AWS Region" per partition
    (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html);
    which region is the credential scope of the service's global endpoint in botocore's
    endpoint data (Route 53: us-east-1 in aws, cn-northwest-1 in aws-cn, us-gov-west-1 in
    aws-us-gov; the ARC recovery-control configuration API: us-west-2, aws only)."""
    entry = _endpoint_partitions()[partition]["services"].get(service)
    if entry is None:
        return None
    endpoints = entry.get("endpoints", {})
    name = entry.get("partitionEndpoint") or next(
        (n for n, e in endpoints.items() if not e.get("deprecated") and "credentialScope" in e), None
    )
    if name is None or "region" not in endpoints[name].get("credentialScope", {}):
        return None
    return endpoints[name]["credentialScope"]["region"]


# The services whose single control-plane region the program's providers are built for.
ROUTE53 = "route53"
RECOVERY_CONTROL_CONFIG = "route53-recovery-control-config"
