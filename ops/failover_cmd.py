"""Manual failover: ask the orchestrator in the region to promote to switch over (planned, no
data loss) or fail over (unplanned), through its Lambda in that region, or in-process with
--local. The orchestrator does the work and keeps its own safety rules (lock, epoch, RPO
gate, never promote the writer); this side picks the region, builds the request and shows
the answer.

`run_failover` is what the CLI and the local drill call. `run_arm` sends the runtime's `arm`
command ({"action": "arm", "reason", "operator"}), which re-arms automatic failover in a region
after an automatic failover disarmed it; the operator defaults to the caller's identity (STS
GetCallerIdentity, asked in a region that answered).

Everything here works with AWS credentials for the surviving region only: the targets come from
SSM discovery (ops/discovery.py), and a region in `targets.unreachable` is never asked again.

`run_detach` is the ONLY way this project calls RemoveFromGlobalCluster: an irreversible,
unfenced split of the global cluster, so it is an operator command with the operator's
credentials (the orchestrator's role has no permission for it), and it refuses unless the
ARC cluster, read through its data-plane endpoints, shows the region to detach ON and the
old region OFF: the old region is fenced from traffic before it can become a second writer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.config import Config

from ops.aws import RETRY, credentials_required
from ops.errors import OperatorError
from ops.status import ClusterView, read_global_cluster
from ops.targets import DrTargets

LOCAL_MODULE, LOCAL_FUNCTION = "failover.local", "run_command"
REJECTED = "invalid_event"
"""The orchestrator's outcome for an event it does not accept (failover/orchestrator.py)."""

# A promotion can take minutes, and a failover request must not be sent twice by a client
# retry: the orchestrator is idempotent, but one request is one decision in its log.
INVOKE_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=900)


@dataclass(frozen=True)
class FailoverRequest:
    planned: bool
    """Planned: SwitchoverGlobalCluster, no data loss. Unplanned: FailoverGlobalCluster."""
    dry_run: bool = False
    allow_data_loss: bool = False
    """Unplanned only: let the orchestrator promote past its RPO gate."""
    reason: str = "manual failover by an operator"
    region: str | None = None
    """The region to promote; None means the one that does not hold the writer."""

    def __post_init__(self) -> None:
        if self.planned and self.allow_data_loss:
            raise OperatorError(
                "--allow-data-loss applies to --unplanned only: a planned switchover never loses data."
            )
        if not self.reason.strip():
            raise OperatorError("--reason must not be empty: it is recorded with the decision.")

    @property
    def action(self) -> str:
        return "switchover" if self.planned else "failover"

    def payload(self) -> dict[str, Any]:
        """The orchestrator's event, the same for the Lambda and --local."""
        return {
            "action": self.action,
            "dry_run": self.dry_run,
            "allow_data_loss": self.allow_data_loss,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FailoverOutcome:
    region: str
    """Where the orchestrator was asked to promote."""
    via: str
    """`lambda:<function>` or `local:failover.local.run_command`."""
    payload: dict[str, Any]
    result: Any
    """The orchestrator's answer, as it returned it."""


def choose_region(request: FailoverRequest, targets: DrTargets, views: list[ClusterView]) -> str:
    """The region to promote. Pure. Named explicitly, or the peer of the writer that the
    regions that answered agree on; never the writer itself."""
    writers = {view.writer.region for view in views if view.writer and not view.error}
    writer = writers.pop() if len(writers) == 1 else None
    if request.region is not None:
        region = request.region
        targets.peer_of(region)  # validates that it is one of the pair
    elif writer is not None:
        region = targets.peer_of(writer)
    else:
        seen = ", ".join(
            f"{v.region}: {v.error or (v.writer.region if v.writer else 'no writer')}" for v in views
        )
        raise OperatorError(
            f"cannot tell which region holds the writer ({seen or 'no global cluster exported'}): "
            f"pass --region to name the region to promote."
        )
    if writer == region:
        raise OperatorError(
            f"{region} already holds the writer of the global cluster: there is nothing to promote."
        )
    return region


def describe_request(request: FailoverRequest, region: str) -> str:
    if request.planned:
        return f"planned switchover: promote {region} to writer of the global database (no data loss)"
    loss = ", past the RPO gate" if request.allow_data_loss else ""
    return f"UNPLANNED failover: promote {region} to writer (writes not yet replicated are lost{loss})"


def invoke_orchestrator(session: Any, region: str, function_name: str, payload: dict[str, Any]) -> Any:
    """Invoke the orchestrator synchronously in `region` and return its answer."""
    lambda_ = session.client("lambda", region_name=region, config=INVOKE_CONFIG)
    response = lambda_.invoke(
        FunctionName=function_name,
        InvocationType="RequestResponse",
        Payload=json.dumps(payload).encode(),
    )
    body = response["Payload"].read()
    try:
        result = json.loads(body) if body else None
    except ValueError:
        result = body.decode(errors="replace")
    if response.get("FunctionError"):
        message = result.get("errorMessage", result) if isinstance(result, dict) else result
        raise OperatorError(f"the orchestrator {function_name} in {region} failed: {message}")
    return result


def run_local(payload: dict, region: str, targets: DrTargets, session: Any) -> dict:
    """The orchestrator in this process (failover.local.run_command), configured like the
    deployed one in `region` (its function's environment) unless FAILOVER_* variables for that
    region are set here. A configuration it cannot use is an operator error, not a traceback."""
    from failover import local
    from failover.config import ConfigError

    try:
        return local.run_command(
            payload, region=region, function_name=targets.orchestrators.get(region), session=session
        )
    except ConfigError as error:
        raise OperatorError(f"cannot run the orchestrator for {region} locally: {error}") from None


def run_detach(
    region: str,
    targets: DrTargets,
    session: Any = None,
    approve: Callable[[str], bool] | None = None,
    environ: dict[str, str] | None = None,
    arc_client_factory: Callable[[str, str], Any] | None = None,
) -> FailoverOutcome:
    """Detach `region`'s cluster from the global cluster (it becomes a standalone writer),
    after confirming through ARC that the other region is fenced (its control OFF, ours ON).
    Configuration (cluster ids, ARC endpoints, routing controls) is the deployed
    orchestrator's in `region`, unless `environ` is given."""
    from failover.arc import ArcError, RoutingControls, boto3_factory, peer_is_fenced
    from failover.config import ConfigError, OrchestratorConfig
    from failover.local import _function_environment

    if session is None:
        import boto3

        session = boto3.Session()
    targets.peer_of(region)  # one of the pair
    with credentials_required():
        try:
            if environ is None:
                function = targets.orchestrators.get(region)
                if not function:
                    raise OperatorError(
                        f"no orchestrator function known in {region}: cannot read its configuration"
                    )
                environ = dict(_function_environment(session, region, function))
            config = OrchestratorConfig.from_env(environ)
        except ConfigError as error:
            raise OperatorError(f"cannot detach in {region}: {error}") from None
        if config.home_region != region:
            raise OperatorError(f"the configuration is for {config.home_region}, not {region}")
        controls = RoutingControls(
            config.arc_cluster_endpoints,
            arc_client_factory or boto3_factory(5, session),
            config.home_routing_control_arn,
            config.peer_routing_control_arn,
        )
        try:
            states = controls.states()
        except ArcError as error:
            raise OperatorError(f"cannot confirm the fence, so nothing is detached: {error}") from None
        if not peer_is_fenced(states):
            raise OperatorError(
                f"refusing to detach {config.local_cluster_id}: the ARC routing controls read {region} "
                f"{states['home']}, {config.peer_region} {states['peer']}; the old region must be fenced "
                f"({config.peer_region} Off, {region} On) first: run `deploy.py failover --unplanned "
                f"--region {region}`, whose first step is that fence."
            )
        question = (
            f"DETACH {config.local_cluster_id} from {config.global_cluster_id} in {region}: irreversible, "
            f"the cluster becomes a standalone writer ({config.peer_region} is fenced by ARC)"
        )
        if approve is not None and not approve(question):
            raise OperatorError("cancelled: nothing was changed.")
        rds = session.client("rds", region_name=region, config=INVOKE_CONFIG)
        response = rds.remove_from_global_cluster(
            GlobalClusterIdentifier=config.global_cluster_id, DbClusterIdentifier=config.local_cluster_arn
        )
    payload = {"action": "detach", "routing_controls": states}
    return FailoverOutcome(region, "operator:RemoveFromGlobalCluster", payload, response)


def run_failover(
    request: FailoverRequest,
    targets: DrTargets,
    session: Any = None,
    local: bool = False,
    approve: Callable[[str], bool] | None = None,
) -> FailoverOutcome:
    """Pick the region, then ask its orchestrator (Lambda, or in-process with `local`).
    `approve` gets the sentence describing what is about to happen once the region is known
    (the CLI asks the operator); returning False changes nothing. Dry runs are not asked."""
    if session is None:
        import boto3

        session = boto3.Session()
    with credentials_required():
        views = (
            [
                read_global_cluster(session, r, targets.global_cluster_id)
                for r in targets.regions
                if targets.reachable(r)
            ]
            if targets.global_cluster_id
            else []
        )
        region = choose_region(request, targets, views)
        payload = request.payload()
        if approve is not None and not request.dry_run and not approve(describe_request(request, region)):
            raise OperatorError("cancelled: nothing was changed.")
        return send(payload, region, targets, session, local)


def send(
    payload: dict[str, Any], region: str, targets: DrTargets, session: Any, local: bool
) -> FailoverOutcome:
    """One command to the orchestrator of `region`: its Lambda, or in-process with `local`. A
    command the orchestrator rejects (an older runtime, a bad field) is an operator error, not
    an answer to print with exit 0."""
    outcome = _send(payload, region, targets, session, local)
    result = outcome.result
    if isinstance(result, dict) and result.get("outcome") == REJECTED:
        raise OperatorError(
            f"the orchestrator in {region} rejected {payload.get('action')}: {result.get('reason', result)}"
        )
    return outcome


def _send(
    payload: dict[str, Any], region: str, targets: DrTargets, session: Any, local: bool
) -> FailoverOutcome:
    if not targets.reachable(region):
        raise OperatorError(
            f"{region} does not answer ({targets.unreachable[region]}): its orchestrator cannot be asked; "
            f"act from the surviving region (docs/RUNBOOK.md)."
        )
    if local:
        return FailoverOutcome(
            region,
            f"local:{LOCAL_MODULE}.{LOCAL_FUNCTION}",
            payload,
            run_local(payload, region, targets, session),
        )
    function = targets.orchestrators.get(region)
    if not function:
        raise OperatorError(
            f"no orchestrator function known in {region}: its parameter "
            "/trading-dr/failover/orchestrator/function-name is missing "
            f"(is the stack for {region} deployed?)."
        )
    return FailoverOutcome(
        region, f"lambda:{function}", payload, invoke_orchestrator(session, region, function, payload)
    )


def caller_identity(session: Any, region: str) -> str:
    """The caller's ARN from STS in `region` (a regional endpoint: the global one lives in
    us-east-1, https://docs.aws.amazon.com/sdkref/latest/guide/feature-sts-regionalized-endpoints.html)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        sts = session.client("sts", region_name=region, config=RETRY)
        return str(sts.get_caller_identity()["Arn"])
    except (ClientError, BotoCoreError) as error:
        raise OperatorError(
            f"cannot tell who you are (STS GetCallerIdentity in {region}: {error}): pass --operator NAME."
        ) from None


def arm_payload(reason: str, operator: str) -> dict[str, Any]:
    """The runtime's `arm` command: both fields required, recorded with the arming."""
    if not reason.strip():
        raise OperatorError("--reason must not be empty: it is recorded with the arming.")
    if not operator.strip():
        raise OperatorError("--operator must not be empty: who re-armed is recorded.")
    return {"action": "arm", "reason": reason.strip(), "operator": operator.strip()}


def run_arm(
    targets: DrTargets,
    reason: str,
    region: str | None = None,
    operator: str | None = None,
    session: Any = None,
    local: bool = False,
    approve: Callable[[str], bool] | None = None,
) -> list[FailoverOutcome]:
    """Re-arm automatic failover in `region`, or in every region that answers. A region that
    does not answer is left as it is (it re-arms nothing while it is down) and reported by
    status; re-arm it once it is back."""
    if session is None:
        import boto3

        session = boto3.Session()
    regions = [region] if region else [r for r in targets.regions if targets.reachable(r)]
    if region:
        targets.peer_of(region)  # one of the pair
    answering = [r for r in regions if targets.reachable(r)]
    if not answering:
        raise OperatorError(
            f"{', '.join(regions)} does not answer ({'; '.join(targets.unreachable.values())}): "
            "nothing was armed."
        )
    with credentials_required():
        who = operator or caller_identity(session, answering[0])
        payload = arm_payload(reason, who)
        if approve is not None and not approve(
            f"re-arm automatic failover in {', '.join(regions)} (as {who}: {payload['reason']})"
        ):
            raise OperatorError("cancelled: nothing was changed.")
        return [send(payload, r, targets, session, local) for r in regions]
