"""RegionalTraffic: connectivity and the request path of one region, composed from its parts:
Transit Gateway (components/network/transit.py), entry through ALB + ACM + WAF (entry.py), the
application Auto Scaling group (compute.py), the Route 53 health check and records (dns.py)
and the us-east-1 topic their alarm notifies (global_alerts.py). Built by RegionalStack in
both stacks alike; sizes and the failover role are the only role-dependent inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components.context import RegionalContext
from components.network.security_groups import SecurityGroups
from components.network.transit import AMAZON_SIDE_ASN, RegionalTransit, RegionalTransitArgs
from components.network.vpc import RegionalNetwork
from components.observability.global_alerts import GlobalAlerts, GlobalAlertsArgs
from components.settings import Settings
from components.traffic.app_access import PARAMETER_PREFIX, AppDataAccess
from components.traffic.bootstrap import default_user_data
from components.traffic.capacity import capacity
from components.traffic.compute import DEFAULT_IMAGE, RegionalCompute, RegionalComputeArgs
from components.traffic.dns import RegionalDns, RegionalDnsArgs
from components.traffic.entry import RegionalEntry, RegionalEntryArgs
from components.traffic.names import (
    FAILOVER_RECORD_TTL_SECONDS,
    failover_role,
    health_url,
    regional_fqdn,
    witness_fqdn,
)


@dataclass
class RegionalTrafficArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    settings: Settings
    network: RegionalNetwork
    security_groups: SecurityGroups
    zone_id: pulumi.Input[str]
    """The hosted zone of settings.traffic.zone_name (created by the primary or configured)."""
    data_access: AppDataAccess
    """This region's data tier for the application (components/traffic/app_access.py)."""
    routing_control_arn: pulumi.Input[str]
    """This region's ARC routing control, which gates its failover record."""


class RegionalTraffic(pulumi.ComponentResource):
    transit: RegionalTransit
    entry: RegionalEntry
    compute: RegionalCompute
    alerts: GlobalAlerts
    dns: RegionalDns
    regional_fqdn: str

    def __init__(self, name: str, args: RegionalTrafficArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:traffic:RegionalTraffic", name, None, opts)
        self._name, self._args, self._settings = name, args, args.settings
        self._child = pulumi.ResourceOptions(parent=self)
        # Route 53 and its health-check metrics live in the partition's global region.
        self._in_global_region = pulumi.ResourceOptions(parent=self, provider=args.context.providers.global_)
        self.regional_fqdn = regional_fqdn(self._settings.traffic, self._settings.home_region)
        self.transit = self._transit()
        self.entry = self._entry()
        self.compute = self._compute()
        self.alerts = self._global_alerts()
        self.dns = self._dns()
        self.register_outputs(
            {
                "alb_dns_name": self.entry.load_balancer.dns_name,
                "health_check_id": self.dns.health_check.id,
                "asg_name": self.compute.group.name,
            }
        )

    def _transit(self) -> RegionalTransit:
        args, network = self._args, self._args.network
        return RegionalTransit(
            f"{self._name}-transit",
            RegionalTransitArgs(
                context=args.context,
                vpc_id=network.vpc_id,
                app_subnet_ids=_ids(network.app_subnets),
                app_route_table_ids=_ids(network.app_route_tables),
                peer_vpc_cidr=self._settings.peer_vpc_cidr,
                amazon_side_asn=AMAZON_SIDE_ASN[self._settings.role],
            ),
            opts=self._child,
        )

    def _entry(self) -> RegionalEntry:
        args, settings = self._args, self._settings
        traffic = settings.traffic
        return RegionalEntry(
            f"{self._name}-entry",
            RegionalEntryArgs(
                context=args.context,
                vpc_id=args.network.vpc_id,
                public_subnet_ids=_ids(args.network.public_subnets),
                alb_security_group_id=args.security_groups.alb.id,
                app_port=traffic.app_port,
                health_check_path=traffic.health_check_path,
                domain_name=traffic.app_fqdn,
                alternative_names=[self.regional_fqdn],
                zone_id=args.zone_id,
                dns_provider=args.context.providers.global_,
                waf_rate_limit=traffic.waf_rate_limit,
                log_retention_days=settings.log_retention_days,
                deletion_protection=settings.protect_data,
            ),
            opts=self._child,
        )

    def _compute(self) -> RegionalCompute:
        args, settings = self._args, self._settings
        traffic = settings.traffic
        return RegionalCompute(
            f"{self._name}-compute",
            RegionalComputeArgs(
                context=args.context,
                app_subnet_ids=_ids(args.network.app_subnets),
                app_security_group_id=args.security_groups.app.id,
                target_group_arn=self.entry.target_group.arn,
                instance_type=traffic.instance_type,
                capacity=capacity(settings.tier_profile, settings.role, traffic),
                data_access=args.data_access,
                user_data=traffic.app_user_data or self._default_user_data(),
                image_id=traffic.app_ami_id or DEFAULT_IMAGE,
            ),
            opts=self._child,
        )

    def _default_user_data(self) -> bytes:
        settings = self._settings
        return default_user_data(
            app_port=settings.traffic.app_port,
            health_check_path=settings.traffic.health_check_path,
            parameter_prefix=PARAMETER_PREFIX,
            engine=settings.database.engine,
        )

    def _global_alerts(self) -> GlobalAlerts:
        context, settings = self._args.context, self._settings
        return GlobalAlerts(
            f"{self._name}-global-alerts",
            GlobalAlertsArgs(
                context=context.at(context.providers.global_region, None).prefixed("global"),
                deletion_window_days=settings.key_deletion_window_days,
                alias=f"trading-dr/{settings.role}-global-alerts",
                alert_email=settings.alert_email,
            ),
            opts=self._in_global_region,
        )

    def _dns(self) -> RegionalDns:
        args, settings = self._args, self._settings
        traffic = settings.traffic
        return RegionalDns(
            f"{self._name}-dns",
            RegionalDnsArgs(
                context=args.context,
                zone_id=args.zone_id,
                app_fqdn=traffic.app_fqdn,
                regional_fqdn=self.regional_fqdn,
                failover_role=failover_role(settings.role),
                set_identifier=settings.home_region,
                alb_dns_name=self.entry.load_balancer.dns_name,
                alb_zone_id=self.entry.load_balancer.zone_id,
                health_check_path=traffic.health_check_path,
                health_check_interval=traffic.health_check_interval,
                health_check_threshold=traffic.health_check_threshold,
                alarm_topic_arn=self.alerts.topic.arn,
                routing_control_arn=args.routing_control_arn,
                failover_ttl_seconds=FAILOVER_RECORD_TTL_SECONDS,
                witness_fqdn=witness_fqdn(traffic, settings.home_region),
            ),
            opts=self._in_global_region,
        )

    def exports(self, settings: Settings) -> dict[str, pulumi.Input]:
        """Stack exports of this region's traffic path (camelCase). The dr stack reads the
        primary's transitGateway* and hostedZoneId; the orchestrator reads the health URLs."""
        traffic = settings.traffic
        alb = self.entry.load_balancer
        return {
            "transitGatewayId": self.transit.gateway.id,
            "transitGatewayRouteTableId": self.transit.route_table.id,
            "albArn": alb.arn,
            "albDnsName": alb.dns_name,
            "albZoneId": alb.zone_id,
            "albArnSuffix": alb.arn_suffix,
            "targetGroupArnSuffix": self.entry.target_group.arn_suffix,
            "certificateArn": self.entry.certificate.arn,
            "webAclArn": self.entry.web_acl.arn,
            "asgName": self.compute.group.name,
            "healthCheckId": self.dns.health_check.id,
            "routingControlHealthCheckId": self.dns.routing_control_check.id,
            "witnessFqdn": witness_fqdn(traffic, settings.home_region),
            "peerWitnessFqdn": witness_fqdn(traffic, settings.peer_region),
            "globalAlertTopicArn": self.alerts.topic.arn,
            "appFqdn": traffic.app_fqdn,
            "regionalFqdn": self.regional_fqdn,
            "healthUrl": health_url(traffic, settings.home_region),
            "peerHealthUrl": health_url(traffic, settings.peer_region),
        }

    # What the region's consumers read, one level deep (the orchestrator, discovery, the
    # alarms, the cross-region peering).
    @property
    def health_check_id(self) -> pulumi.Output[str]:
        return self.dns.health_check.id

    @property
    def routing_control_health_check_id(self) -> pulumi.Output[str]:
        return self.dns.routing_control_check.id

    @property
    def auto_scaling_group_name(self) -> pulumi.Output[str]:
        return self.compute.group.name

    @property
    def target_group_arn(self) -> pulumi.Output[str]:
        return self.entry.target_group.arn

    @property
    def load_balancer_arn_suffix(self) -> pulumi.Output[str]:
        return self.entry.load_balancer.arn_suffix

    @property
    def target_group_arn_suffix(self) -> pulumi.Output[str]:
        return self.entry.target_group.arn_suffix

    @property
    def transit_gateway_id(self) -> pulumi.Output[str]:
        return self.transit.gateway.id

    @property
    def transit_route_table_id(self) -> pulumi.Output[str]:
        return self.transit.route_table.id


def _ids(resources: Sequence) -> list:
    return [resource.id for resource in resources]
