"""Aurora Global Database calls that moto lacks, emulated on moto's own state.

moto 5 implements CreateGlobalCluster, DescribeGlobalClusters and membership through
CreateDBCluster(GlobalClusterIdentifier=...), but not FailoverGlobalCluster or
SwitchoverGlobalCluster, and its RemoveFromGlobalCluster finds the global cluster only when
called in us-east-1 (it stores global clusters there) with a cluster of that region, so a
secondary in another region cannot be detached. `GlobalClusterEmulation.install(client)`
answers exactly those three operations on that client (a botocore before-call hook, after
the real parameter validation) by changing moto's backend state; every other call,
DescribeGlobalClusters and DescribeDBClusters included, still goes to moto.

Used by the failover tests and the local drill (on moto only; never against AWS).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.awsrequest import AWSResponse

GLOBAL_BACKEND_REGION = "us-east-1"  # where moto keeps global clusters
EMULATED = ("FailoverGlobalCluster", "SwitchoverGlobalCluster", "RemoveFromGlobalCluster")


@dataclass
class _Pending:
    kind: str
    global_id: str
    target_arn: str
    polls_left: int


@dataclass
class GlobalClusterEmulation:
    complete_after_polls: int = 0
    """DescribeGlobalClusters calls that still show the operation under way (status
    failing-over / switching-over) before it completes; 0 completes at once."""
    refuse: dict[str, str] = field(default_factory=dict)
    """Operation name -> error code to answer instead (e.g. a managed failover refused)."""
    never_complete: bool = False
    """The operation is accepted but never finishes (a stuck promotion)."""
    calls: list[tuple[str, dict]] = field(default_factory=list)
    """Every emulated call, (operation, parameters), in order."""
    cut_off: set[str] = field(default_factory=set)
    """Member ARNs this client's DescribeGlobalClusters shows as SynchronizationStatus
    pending-resync: a secondary cut off from its writer (a simulated regional outage)."""
    _pending: list[_Pending] = field(default_factory=list)

    def install(self, client):
        for operation in EMULATED:
            client.meta.events.register(f"before-call.rds.{operation}", self._answer)
        client.meta.events.register("before-call.rds.DescribeGlobalClusters", self._progress)
        client.meta.events.register("after-call.rds.DescribeGlobalClusters", self._synchronization)
        return client

    def promotions(self) -> list[tuple[str, dict]]:
        return [c for c in self.calls if c[0] in ("FailoverGlobalCluster", "SwitchoverGlobalCluster")]

    # ------------------------------------------------------------------------------------
    def _answer(self, model, params, **_):
        operation = model.name
        body = params["body"]
        args = {k: v for k, v in body.items() if k not in ("Action", "Version")}
        self.calls.append((operation, args))
        if operation in self.refuse:
            return _error(self.refuse[operation], f"{operation} refused (emulated)")
        backend = _global_backend(args)
        global_id = args["GlobalClusterIdentifier"]
        if global_id not in backend.global_clusters:
            return _error("GlobalClusterNotFoundFault", f"global cluster {global_id} not found")
        gc = backend.global_clusters[global_id]
        target_arn = args.get("TargetDbClusterIdentifier") or args.get("DbClusterIdentifier")
        member = next((m for m in gc.members if m.db_cluster_arn == target_arn), None)
        if member is None:
            return _error("InvalidParameterValue", f"{target_arn} is not a member of {global_id}")
        if operation == "RemoveFromGlobalCluster":
            gc.members.remove(member)
            member.global_cluster_identifier = None
            member.is_writer = True
            return _ok({"GlobalCluster": {"GlobalClusterIdentifier": global_id}})
        if gc.status != "available":
            return _error("InvalidGlobalClusterStateFault", f"{global_id} is {gc.status}")
        kind = "failing-over" if operation == "FailoverGlobalCluster" else "switching-over"
        pending = _Pending(kind, global_id, target_arn, self.complete_after_polls)
        gc.status = kind
        if self.complete_after_polls == 0 and not self.never_complete:
            _complete(backend, pending)
        else:
            self._pending.append(pending)
        return _ok({"GlobalCluster": {"GlobalClusterIdentifier": global_id, "Status": kind}})

    def _progress(self, model, params, **_):
        for pending in list(self._pending):
            if self.never_complete:
                continue
            pending.polls_left -= 1
            if pending.polls_left <= 0:
                self._pending.remove(pending)
                _complete(_global_backend({"TargetDbClusterIdentifier": pending.target_arn}), pending)
        return None  # moto answers the describe itself

    def _synchronization(self, parsed, **_):
        # moto reports no SynchronizationStatus; AWS reports connected for a healthy secondary.
        for cluster in parsed.get("GlobalClusters", []):
            for member in cluster.get("GlobalClusterMembers", []):
                if not member.get("IsWriter"):
                    cut = member["DBClusterArn"] in self.cut_off
                    member["SynchronizationStatus"] = "pending-resync" if cut else "connected"


def _global_backend(args: dict):
    from moto.rds.models import rds_backends

    arn = args.get("TargetDbClusterIdentifier") or args.get("DbClusterIdentifier") or ""
    account = arn.split(":")[4] if arn.count(":") >= 5 else "123456789012"
    return rds_backends[account][GLOBAL_BACKEND_REGION]


def _complete(backend, pending: _Pending) -> None:
    gc = backend.global_clusters[pending.global_id]
    for member in gc.members:
        member.is_writer = member.db_cluster_arn == pending.target_arn
    gc.status = "available"


def _ok(body: dict):
    return AWSResponse("https://rds.emulated", 200, {}, None), {
        **body,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }


def _error(code: str, message: str):
    return AWSResponse("https://rds.emulated", 400, {}, None), {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
