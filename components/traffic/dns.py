"""RegionalDns: the Route 53 side of one region. An HTTPS health check of the region's ALB,
its alarm (in us-east-1, where Route 53 publishes health-check metrics), the region's direct
name (appName-region.zone, for operators and the peer's failover probe), this region's
witness pair, and this stack's half of the failover pair for appName.zone: PRIMARY from the
primary stack, SECONDARY from the dr stack. Route 53 is global; every resource here uses the
us-east-1 provider in opts.

Gating: the failover record's health is the region's ARC routing control alone (a
RECOVERY_CONTROL health check: "If the routing control state is ON, the health check is
considered healthy. If the state is OFF, the health check is considered unhealthy",
https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html). The ALB's
health is deliberately NOT combined into it (no CALCULATED check, no evaluate_target_health):
"When the secondary resource record set is unhealthy, Route 53 responds to DNS queries with
the applicable value from the primary resource record set regardless of the health of the
primary" (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html).
So a SECONDARY whose health included its ALB would send traffic back to the PRIMARY, which
ARC has switched off (a fenced, non-writer region), whenever the DR ALB is unhealthy: while a
pilot-light group warms up, on any blip, and the old primary's recovery would pull traffic
back by itself. AND-ing the ALB into the PRIMARY changes no answer while the safety rules
keep exactly one control On (PRIMARY Off -> SECONDARY On and healthy -> SECONDARY; PRIMARY
On -> SECONDARY Off -> PRIMARY by the rule above). DNS therefore follows the routing
control and never the ALB: no automatic failback.

The failover records are CNAMEs to the ALB's name, not aliases: "For failover alias resource
record sets, you must also include the EvaluateTargetHealth element and set the value to
true" (same API page), which would tie the record to the ALB again. A CNAME (legal below the
zone apex: appName.zone) also lets us choose its TTL (an ALB alias is fixed at 60 s).

Witness: witness-<region>.failover.<zone> answers 192.0.2.1 (PRIMARY, gated by this region's
ALB health check) while Route 53's checkers, which run in several regions outside ours, see
the ALB healthy, else 192.0.2.2 (SECONDARY without a health check: "If you omit the
HealthCheckId element for the secondary resource record set, and if the primary resource
record set is unhealthy, Route 53 always responds ... from the secondary"). The peer's
orchestrator resolves it through its VPC resolver: Route 53's data plane, not the
GetHealthCheckStatus control-plane call. Both addresses are TEST-NET-1 (RFC 5737), never
routed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.observability.alarms import health_check_alarm
from components.traffic.names import WITNESS_HEALTHY_ADDRESS, WITNESS_TTL_SECONDS, WITNESS_UNHEALTHY_ADDRESS


@dataclass
class RegionalDnsArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    zone_id: pulumi.Input[str]
    app_fqdn: str
    """The failover name, appName.zoneName."""
    regional_fqdn: str
    """This region's direct name."""
    failover_role: str
    """PRIMARY or SECONDARY."""
    set_identifier: str
    """Distinguishes the two failover records of app_fqdn; unique per region."""
    alb_dns_name: pulumi.Input[str]
    alb_zone_id: pulumi.Input[str]
    health_check_path: str
    health_check_interval: int
    """Seconds between probes from each checker: 10 or 30."""
    health_check_threshold: int
    """Consecutive failures before Route 53 calls the endpoint unhealthy: 1 to 10."""
    alarm_topic_arn: pulumi.Input[str]
    """us-east-1 SNS topic the health-check alarm notifies."""
    routing_control_arn: pulumi.Input[str]
    """This region's ARC routing control (components/failover/authority.py): it alone gates
    the failover record."""
    failover_ttl_seconds: int
    """TTL of the failover record (settings.traffic.failover_record_ttl)."""
    witness_fqdn: str
    """This region's witness name (components/traffic/names.py witness_fqdn)."""


class RegionalDns(pulumi.ComponentResource):
    health_check: aws.route53.HealthCheck
    routing_control_check: aws.route53.HealthCheck
    failover_record: aws.route53.Record
    regional_record: aws.route53.Record
    witness_records: dict[str, aws.route53.Record]
    """"healthy" (PRIMARY) and "unhealthy" (SECONDARY) answers of witness_fqdn."""

    def __init__(self, name: str, args: RegionalDnsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:dns:RegionalDns", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self.health_check = self._alb_health_check()
        self.regional_record = self._regional_record()
        self.routing_control_check, self.failover_record = self._failover_record()
        self.witness_records = self._witness_records()
        self.register_outputs(
            {
                "health_check_id": self.health_check.id,
                "routing_control_check_id": self.routing_control_check.id,
                "regional_fqdn": self.regional_record.fqdn,
                "witness_fqdn": args.witness_fqdn,
            }
        )

    def _alb_health_check(self) -> aws.route53.HealthCheck:
        """The ALB's health, and its alarm."""
        args = self._args
        # Probes the ALB itself rather than a name in our zone, so the check measures the
        # region and does not also depend on the zone's delegation. Route 53 does not
        # validate certificates; SNI gets the ALB's name.
        check = aws.route53.HealthCheck(
            f"{self._name}-health-check",
            type="HTTPS",
            fqdn=args.alb_dns_name,
            port=443,
            resource_path=args.health_check_path,
            enable_sni=True,
            request_interval=args.health_check_interval,
            failure_threshold=args.health_check_threshold,
            measure_latency=True,
            tags={"Name": f"{args.context.name_prefix}-alb-health"},
            opts=self._child,
        )
        # Route 53 publishes HealthCheckStatus only in its control-plane region (us-east-1 in
        # aws): the alarm inherits that provider from this component and notifies a topic there.
        health_check_alarm(
            f"{self._name}-health-alarm",
            check.id,
            args.failover_role.lower(),
            args.alarm_topic_arn,
            parent=self,
            alarm_name=f"{args.context.name_prefix}-route53-health",
        )
        return check

    def _regional_record(self) -> aws.route53.Record:
        """The region's direct name, for operators and the peer's probe."""
        args = self._args
        alias = {
            "name": args.alb_dns_name,
            "zone_id": args.alb_zone_id,
            "evaluate_target_health": True,
        }
        return aws.route53.Record(
            f"{self._name}-regional",
            zone_id=args.zone_id,
            name=args.regional_fqdn,
            type="A",
            aliases=[alias],
            opts=self._child,
        )

    def _failover_record(self) -> tuple[aws.route53.HealthCheck, aws.route53.Record]:
        """This region's answer for the application's name, gated by its routing control."""
        args = self._args
        # RequestInterval and FailureThreshold "are not supported" for RECOVERY_CONTROL
        # (API_HealthCheckConfig): the check is the control's state, nothing is probed.
        check = aws.route53.HealthCheck(
            f"{self._name}-routing-control",
            type="RECOVERY_CONTROL",
            routing_control_arn=args.routing_control_arn,
            tags={"Name": f"{args.context.name_prefix}-routing-control"},
            opts=self._child,
        )
        # See the module docstring: the routing control alone, a CNAME so no target health.
        record = aws.route53.Record(
            f"{self._name}-failover",
            zone_id=args.zone_id,
            name=args.app_fqdn,
            type="CNAME",
            ttl=args.failover_ttl_seconds,
            records=[args.alb_dns_name],
            set_identifier=args.set_identifier,
            failover_routing_policies=[{"type": args.failover_role}],
            health_check_id=check.id,
            opts=self._child,
        )
        return check, record

    def _witness_records(self) -> dict[str, aws.route53.Record]:
        """The witness name's two answers (see the module docstring)."""
        args = self._args
        return {
            "healthy": aws.route53.Record(
                f"{self._name}-witness-healthy",
                zone_id=args.zone_id,
                name=args.witness_fqdn,
                type="A",
                ttl=WITNESS_TTL_SECONDS,
                records=[WITNESS_HEALTHY_ADDRESS],
                set_identifier=f"{args.set_identifier}-healthy",
                failover_routing_policies=[{"type": "PRIMARY"}],
                health_check_id=self.health_check.id,
                opts=self._child,
            ),
            "unhealthy": aws.route53.Record(
                f"{self._name}-witness-unhealthy",
                zone_id=args.zone_id,
                name=args.witness_fqdn,
                type="A",
                ttl=WITNESS_TTL_SECONDS,
                records=[WITNESS_UNHEALTHY_ADDRESS],
                set_identifier=f"{args.set_identifier}-unhealthy",
                # No health check: answered whenever the PRIMARY (the ALB check) is unhealthy.
                failover_routing_policies=[{"type": "SECONDARY"}],
                opts=self._child,
            ),
        }
