"""Where the failover toolkit (`deploy.py status`, `deploy.py failover`) finds the pair: the SSM
parameters each stack writes in its OWN region (components/failover/discovery.py), read with
AWS credentials only. No pulumi CLI, no state backend, no passphrase: during a regional outage
the state may live on a laptop or in a bucket of the failed region, and the on-call engineer
has credentials for the surviving region and nothing else (docs/RUNBOOK.md).

Which regions are asked, in order, until one answers with the parameters:
1. `--region` (where the calls go, as in the aws CLI), else
2. AWS_REGION / AWS_DEFAULT_REGION (the aws CLI's convention,
   https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html), else
3. the two regions of the stack files (Pulumi.primary.yaml, Pulumi.dr.yaml: in the clone).
The region that answered names its peer (`peerRegion`), which is then asked too: a peer that
does not answer is kept as *unreachable*, with its error, never raised.

An unreachable region must cost seconds, not minutes: every call uses ops.aws.RETRY (a short
connect timeout and a small retry budget, cited there), and once a region failed discovery
nothing else is asked of it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from components.failover.discovery import PARAMETERS, PREFIX, parameter_name
from ops.aws import CREDENTIAL_ERRORS, client, credentials_required, describe
from ops.errors import EXIT_FAILED, OperatorError

ROUTING_CONTROLS = "failover/authority/routing-controls/"
"""The routing control of each region: one parameter per region, named by it."""
ENV_REGIONS = ("AWS_REGION", "AWS_DEFAULT_REGION")


@dataclass(frozen=True)
class RegionParameters:
    """What one region's parameters say, or why they could not be read."""

    region: str
    values: Mapping[str, str] = field(default_factory=dict)
    """PARAMETERS key -> value (the routing controls are under `routing_controls`)."""
    routing_controls: Mapping[str, str] = field(default_factory=dict)
    """region -> routing control ARN."""
    error: str | None = None

    @property
    def reachable(self) -> bool:
        return self.error is None

    def get(self, key: str) -> str | None:
        return self.values.get(key) or None


def read_region(session: Any, region: str) -> RegionParameters:
    """Every /trading-dr/ parameter in `region` (GetParametersByPath, recursive, paginated:
    https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html).
    A region that does not answer, or has none of our parameters, is an error line."""
    by_name = {parameter_name(path): key for key, path in PARAMETERS.items() if "{" not in path}
    controls_prefix = parameter_name(ROUTING_CONTROLS.rstrip("/")) + "/"
    values: dict[str, str] = {}
    controls: dict[str, str] = {}
    try:
        paginator = client(session, "ssm", region).get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=PREFIX, Recursive=True):
            for parameter in page.get("Parameters", []):
                name, value = parameter["Name"], parameter.get("Value", "")
                if name in by_name:
                    values[by_name[name]] = value
                elif name.startswith(controls_prefix):
                    controls[name[len(controls_prefix) :]] = value
    except CREDENTIAL_ERRORS:
        raise
    except (ClientError, BotoCoreError) as error:
        return RegionParameters(region, error=f"unreachable: {describe(error)}")
    if not values.get("homeRegion"):
        return RegionParameters(
            region,
            error=f"no {PREFIX}/ failover parameters in {region} (not one of the pair, or not deployed)",
        )
    if values["homeRegion"] != region:
        return RegionParameters(
            region,
            error=f"{parameter_name(PARAMETERS['homeRegion'])} in {region} says {values['homeRegion']}",
        )
    return RegionParameters(region, values=values, routing_controls=controls)


@dataclass(frozen=True)
class Discovery:
    """The pair as the regions that answered describe it."""

    primary_region: str
    dr_region: str
    regions: Mapping[str, RegionParameters]
    """Every region asked, in the order asked."""

    @property
    def answered(self) -> list[RegionParameters]:
        return [r for r in self.regions.values() if r.reachable]

    @property
    def unreachable(self) -> dict[str, str]:
        return {r.region: str(r.error) for r in self.regions.values() if not r.reachable}

    def first(self, key: str) -> str | None:
        """A pair-wide value (the global cluster, the authority): from any region that answered."""
        return next((r.get(key) for r in self.answered if r.get(key)), None)

    def per_region(self, key: str) -> dict[str, str]:
        """A region's own value (its orchestrator, table, health check), from that region."""
        return {r.region: str(r.get(key)) for r in self.answered if r.get(key)}

    def routing_controls(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for answered in self.answered:
            found.update(answered.routing_controls)
        return found

    def arc_endpoints(self) -> list[tuple[str, str]]:
        """[(endpoint url, region)] of the ARC cluster, as DescribeCluster returned them."""
        raw = self.first("authorityClusterEndpoints")
        if not raw:
            return []
        try:
            return [(str(e["Endpoint"]), str(e["Region"])) for e in json.loads(raw)]
        except (ValueError, KeyError, TypeError):
            raise OperatorError(
                f"{parameter_name(PARAMETERS['authorityClusterEndpoints'])}={raw!r:.120}: must be the "
                "JSON list of {Endpoint, Region} that DescribeCluster returns"
            ) from None


def _stack_file_regions() -> list[str]:
    from components.settings import SettingsError
    from components.yaml_reader import YamlFileError
    from ops.stack_config import STACKS, StackConfigError, effective_config

    found = []
    for stack in STACKS:
        try:
            found.append(str(effective_config(stack)["aws:region"]))
        except (KeyError, SettingsError, YamlFileError, StackConfigError, OSError):
            continue
    return found


def candidate_regions(
    region: str | None,
    environ: Mapping[str, str] | None = None,
    stack_file_regions: Callable[[], list[str]] = _stack_file_regions,
) -> list[str]:
    """The regions to ask first, in order (see the module docstring)."""
    if region:
        return [region]
    environ = os.environ if environ is None else environ
    first = [environ[name] for name in ENV_REGIONS if environ.get(name)][:1]
    return list(dict.fromkeys([*first, *stack_file_regions()]))


def discover(
    session: Any,
    candidates: Iterable[str],
    read: Callable[[Any, str], RegionParameters] = read_region,
) -> Discovery:
    """Ask the candidates in order until one answers, then its peer. Raises OperatorError
    (one line naming each region and why) only when no region answers."""
    asked: dict[str, RegionParameters] = {}
    with credentials_required():
        for region in candidates:
            if region in asked:
                continue
            asked[region] = read(session, region)
            if asked[region].reachable:
                break
        answered = next((r for r in asked.values() if r.reachable), None)
        if answered is None:
            lines = "; ".join(f"{r.region}: {r.error}" for r in asked.values()) or "no region to ask"
            raise OperatorError(
                f"no region of the pair answered ({lines}): pass --region with the surviving region "
                "(or set AWS_REGION), with credentials for it.",
                EXIT_FAILED,
            )
        peer = str(answered.get("peerRegion") or "")
        if peer and peer not in asked:
            asked[peer] = read(session, peer)
    role = answered.get("stackRole")
    home = answered.region
    if role not in ("primary", "dr"):
        raise OperatorError(
            f"{parameter_name(PARAMETERS['stackRole'])} in {home} is {role!r}: must be primary or dr"
        )
    primary, dr = (home, peer) if role == "primary" else (peer, home)
    # Keep the order asked, but never drop a region.
    return Discovery(primary_region=primary, dr_region=dr, regions=asked)
