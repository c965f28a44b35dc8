"""The Amazon ARC routing-control cluster's data plane, emulated on the boto3
`route53-recovery-cluster` surface, on the drill's clock.

What it follows (https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.update.api.html,
https://docs.aws.amazon.com/r53recovery/latest/dg/introduction-components-routing.html):
- five regional cluster endpoints; a caller reaches those its network path allows (a region
  that is gone takes its endpoint with it); an unreachable endpoint times out at the client's
  connect timeout, and the caller must try another;
- state is one consensus value (sequentially consistent): every endpoint answers the same;
- UpdateRoutingControlStates is one transaction, evaluated against the safety rules on its
  result: a result with other than exactly one region On is refused with ConflictException
  (our safety rule: exactly one active region), unless the caller overrides the rule;
- GetRoutingControlState answers On/Off.
Emulation only: never called against AWS.
"""

from __future__ import annotations

from ops.emulation.answers import CallFaults, Clock, Recorder, error, ok

ENDPOINT_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2")
ACCOUNT = "123456789012"
PANEL = f"arn:aws:route53-recovery-control::{ACCOUNT}:controlpanel/drillpanel"


def control_arn(region: str) -> str:
    return f"{PANEL}/routingcontrol/{region.replace('-', '')}"


class ArcEmulation:
    def __init__(
        self,
        clock: Clock,
        record: Recorder,
        faults: CallFaults,
        regions: tuple[str, ...],
        active: str,
        controls: dict[str, str] | None = None,
    ):
        """controls: routing control ARN -> the region it gates (default: one per region in
        the drill's control panel)."""
        self.clock, self.record, self.faults = clock, record, faults
        self.controls = controls or {control_arn(r): r for r in regions}
        self.state = {arn: (region == active) for arn, region in self.controls.items()}
        self.updates: list[tuple[float, dict[str, bool]]] = [(clock(), self.on_regions_map())]
        self.refused: list[tuple[float, str]] = []

    @property
    def endpoints(self) -> list[dict]:
        return [
            {"Endpoint": f"https://{i}.route53-recovery-cluster.{r}.amazonaws.com/v1", "Region": r}
            for i, r in enumerate(ENDPOINT_REGIONS)
        ]

    def on_regions_map(self) -> dict[str, bool]:
        return {self.controls[a]: on for a, on in self.state.items()}

    def on_regions(self) -> set[str]:
        return {self.controls[a] for a, on in self.state.items() if on}

    def answer(self, operation: str, params: dict, caller: str, region: str):
        handler = getattr(self, f"_op_{operation}", None)
        return handler(params) if handler else error("ValidationException", operation, 400)

    def _unknown(self, arn: str):
        return error("ResourceNotFoundException", f"no routing control {arn}", 404)

    def _op_GetRoutingControlState(self, params):  # noqa: N802
        arn = params["RoutingControlArn"]
        if arn not in self.state:
            return self._unknown(arn)
        return ok(
            {
                "RoutingControlArn": arn,
                "RoutingControlState": "On" if self.state[arn] else "Off",
                "RoutingControlName": f"drill-{self.controls[arn]}",
            }
        )

    def _op_ListRoutingControls(self, params):  # noqa: N802
        return ok(
            {
                "RoutingControls": [
                    {
                        "ControlPanelArn": PANEL,
                        "RoutingControlArn": arn,
                        "RoutingControlName": f"drill-{region}",
                        "RoutingControlState": "On" if self.state[arn] else "Off",
                    }
                    for arn, region in self.controls.items()
                ]
            }
        )

    def _apply(self, entries: list[tuple[str, str]], override: list[str]):
        for arn, _ in entries:
            if arn not in self.state:
                return self._unknown(arn)
        result = dict(self.state)
        for arn, value in entries:
            result[arn] = value == "On"
        if sum(result.values()) != 1 and not override:
            self.refused.append((self.clock(), "safety rule: exactly one region On"))
            return error("ConflictException", "the update would break the safety rule (exactly one On)", 409)
        if result != self.state:
            self.state = result
            self.updates.append((self.clock(), self.on_regions_map()))
            self.record("arc", f"routing controls now On: {sorted(self.on_regions())}")
        operation = "UpdateRoutingControlStates" if len(entries) > 1 else "UpdateRoutingControlState"
        if self.faults.network.take_kill(operation):
            self.faults.kill(f"after {operation} landed")
        return ok({})

    def _op_UpdateRoutingControlState(self, params):  # noqa: N802
        return self._apply(
            [(params["RoutingControlArn"], params["RoutingControlState"])],
            params.get("SafetyRulesToOverride") or [],
        )

    def _op_UpdateRoutingControlStates(self, params):  # noqa: N802
        entries = [
            (e["RoutingControlArn"], e["RoutingControlState"])
            for e in params["UpdateRoutingControlStateEntries"]
        ]
        return self._apply(entries, params.get("SafetyRulesToOverride") or [])
