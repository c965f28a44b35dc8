"""RegionalDns: the Route 53 side of one region. An HTTPS health check of the region's ALB,
its alarm (in us-east-1, where Route 53 publishes health-check metrics), the region's direct
name (appName-region.zone, for operators and the peer's failover probe) and this stack's half
of the failover pair for appName.zone: PRIMARY from the primary stack, SECONDARY from the dr
stack. Route 53 is global; every resource here uses the us-east-1 provider in opts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.observability.alarms import health_check_alarm


@dataclass
class RegionalDnsArgs:
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
    name_prefix: str


class RegionalDns(pulumi.ComponentResource):
    health_check: aws.route53.HealthCheck
    failover_record: aws.route53.Record
    regional_record: aws.route53.Record

    def __init__(self, name: str, args: RegionalDnsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:dns:RegionalDns", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Probes the ALB itself rather than a name in our zone, so the check measures the
        # region and does not also depend on the zone's delegation. Route 53 does not
        # validate certificates; SNI gets the ALB's name.
        self.health_check = aws.route53.HealthCheck(
            f"{name}-health-check",
            type="HTTPS",
            fqdn=args.alb_dns_name,
            port=443,
            resource_path=args.health_check_path,
            enable_sni=True,
            request_interval=args.health_check_interval,
            failure_threshold=args.health_check_threshold,
            measure_latency=True,
            tags={"Name": f"{args.name_prefix}-alb-health"},
            opts=child,
        )
        # Route 53 publishes HealthCheckStatus only in us-east-1: the alarm inherits the
        # us-east-1 provider from this component and notifies a us-east-1 topic.
        health_check_alarm(
            f"{name}-health-alarm",
            self.health_check.id,
            args.failover_role.lower(),
            args.alarm_topic_arn,
            parent=self,
            alarm_name=f"{args.name_prefix}-route53-health",
        )
        alias = {"name": args.alb_dns_name, "zone_id": args.alb_zone_id, "evaluate_target_health": True}
        self.regional_record = aws.route53.Record(
            f"{name}-regional",
            zone_id=args.zone_id,
            name=args.regional_fqdn,
            type="A",
            aliases=[alias],
            opts=child,
        )
        self.failover_record = aws.route53.Record(
            f"{name}-failover",
            zone_id=args.zone_id,
            name=args.app_fqdn,
            type="A",
            set_identifier=args.set_identifier,
            failover_routing_policies=[{"type": args.failover_role}],
            health_check_id=self.health_check.id,
            aliases=[alias],
            opts=child,
        )
        self.register_outputs(
            {"health_check_id": self.health_check.id, "regional_fqdn": self.regional_record.fqdn}
        )
