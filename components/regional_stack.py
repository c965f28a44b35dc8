"""RegionalStack: everything one region runs, built by the same code in both stacks, so the
regions are symmetric by construction. Role-specific pieces (the global cluster, the
cross-region links) live outside it, in components/program.py."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.data.aurora import GlobalMembership
from components.data.aurora_plan import DATABASE_NAME
from components.data.global_tables import TABLES
from components.data.regional_data import RegionalData, RegionalDataArgs
from components.failover.authority import AuthorityView
from components.failover.discovery import FailoverDiscovery, FailoverDiscoveryArgs
from components.failover.orchestrator_function import (
    FailoverOrchestrator,
    FailoverOrchestratorArgs,
    OrchestratorWiring,
    control_table_name,
)
from components.network.security_groups import SecurityGroups, SecurityGroupsArgs
from components.network.vpc import RegionalNetwork, RegionalNetworkArgs
from components.observability.alarms import RegionalAlarms, RegionalAlarmsArgs
from components.observability.alerts import AlertTopic, AlertTopicArgs
from components.observability.evidence_store import EvidenceStore, EvidenceStoreArgs
from components.observability.metrics import AlbMetrics, AuroraMetrics, OrchestratorMetrics, TableMetrics
from components.providers import Providers
from components.security.keys import RegionalKeys, RegionalKeysArgs
from components.settings import Settings
from components.traffic.app_access import AppDataAccess
from components.traffic.capacity import capacity
from components.traffic.names import health_url, witness_fqdn
from components.traffic.regional_traffic import RegionalTraffic, RegionalTrafficArgs

# Services granted use of the regional key (components/security/key_policy.py). Add a service here
# when a component starts encrypting with the key through it.
KEY_SERVICES = (
    "logs",
    "topic-publishers",
    "sns",
    "cloudtrail",
    "s3",
    "rds",
    "dynamodb",
    "secretsmanager",
    "backup",
    "ec2",  # EBS volumes of the Auto Scaling group
    "lambda",
    "sqs",
)
# The account's trail lives in the primary stack and encrypts with its key only.
PRIMARY_ONLY_KEY_SERVICES = ("cloudtrail",)


def key_services(settings: Settings) -> tuple[str, ...]:
    """The services this region's key grants: least privilege, so the dr key does not trust
    CloudTrail, which never writes with it."""
    if settings.is_primary:
        return KEY_SERVICES
    return tuple(s for s in KEY_SERVICES if s not in PRIMARY_ONLY_KEY_SERVICES)


@dataclass
class RegionalStackArgs:
    settings: Settings
    providers: Providers
    database: GlobalMembership
    """How this region's Aurora cluster joins the global database (components/data/role_wiring.py)."""
    zone_id: pulumi.Input[str]
    """Hosted zone of settings.traffic.zone_name: the primary's own or hostedZoneId."""
    authority: AuthorityView
    """The ARC traffic authority (owned by the primary stack, read by the dr stack)."""
    global_writer_endpoint: pulumi.Input[str]
    """aws.rds.GlobalCluster.endpoint (the primary's own, the dr stack's from its exports)."""


class RegionalStack(pulumi.ComponentResource):
    keys: RegionalKeys
    network: RegionalNetwork
    security_groups: SecurityGroups
    alerts: AlertTopic
    alarms: RegionalAlarms
    data: RegionalData
    traffic: RegionalTraffic
    failover: FailoverOrchestrator
    discovery: FailoverDiscovery
    evidence: EvidenceStore

    def __init__(self, name: str, args: RegionalStackArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:regional:RegionalStack", name, None, opts)
        settings, providers = args.settings, args.providers
        prefix = f"trading-dr-{settings.role}"
        child = pulumi.ResourceOptions(parent=self)

        self.keys = RegionalKeys(
            f"{name}-keys",
            RegionalKeysArgs(
                region=settings.home_region,
                account_id=providers.account_id,
                partition=providers.partition,
                services=key_services(settings),
                deletion_window_days=settings.key_deletion_window_days,
                alias=f"trading-dr/{settings.role}",
                protect=settings.protect_data,
            ),
            opts=child,
        )
        self.network = RegionalNetwork(
            f"{name}-network",
            RegionalNetworkArgs(
                region=settings.home_region,
                cidr=settings.vpc_cidr,
                az_count=settings.az_count,
                nat_gateway_count=settings.tier_profile.nat_gateways(settings.az_count),
                kms_key_arn=self.keys.key.arn,
                log_retention_days=settings.log_retention_days,
                name_prefix=prefix,
                instance_type=settings.traffic.instance_type,
                database=settings.database,
                pinned_zone_ids=settings.zone_ids,
            ),
            opts=child,
        )
        self.security_groups = SecurityGroups(
            f"{name}-sg",
            SecurityGroupsArgs(
                vpc_id=self.network.vpc.id,
                vpc_cidr=settings.vpc_cidr,
                peer_vpc_cidr=settings.peer_vpc_cidr,
                app_port=settings.traffic.app_port,
                db_port=settings.database.port,
                name_prefix=prefix,
            ),
            opts=child,
        )
        self.data = RegionalData(
            f"{name}-data",
            RegionalDataArgs(
                settings=settings,
                membership=args.database,
                account_id=providers.account_id,
                partition=providers.partition,
                kms_key_arn=self.keys.key.arn,
                data_subnets=self.network.data_subnets,
                db_security_group_id=self.security_groups.db.id,
                random_provider=providers.random,
            ),
            opts=child,
        )
        self.alerts = AlertTopic(
            f"{name}-alerts",
            AlertTopicArgs(
                region=settings.home_region,
                kms_key_arn=self.keys.key.arn,
                account_id=providers.account_id,
                partition=providers.partition,
                email=settings.alert_email,
                name_prefix=prefix,
            ),
            opts=child,
        )
        self.traffic = RegionalTraffic(
            f"{name}-traffic",
            RegionalTrafficArgs(
                settings=settings,
                providers=providers,
                network=self.network,
                security_groups=self.security_groups,
                kms_key_arn=self.keys.key.arn,
                zone_id=args.zone_id,
                name_prefix=prefix,
                data_access=AppDataAccess(
                    region=settings.home_region,
                    secret_arn=self.data.credentials.secret_arn,
                    kms_key_arn=self.keys.key.arn,
                    writer_endpoint=self.data.aurora.cluster.endpoint,
                    reader_endpoint=self.data.aurora.cluster.reader_endpoint,
                    db_port=settings.database.port,
                    cluster_resource_id=self.data.aurora.cluster.cluster_resource_id,
                    table_names=[spec.name for spec in TABLES],
                    documents_bucket=self.data.documents.bucket.bucket,
                    documents_bucket_arn=self.data.documents.bucket.arn,
                    control_table_name=control_table_name(prefix),
                ),
                routing_control_arn=args.authority.routing_control_arn(settings.home_region),
            ),
            opts=child,
        )
        authority = args.authority
        self.evidence = EvidenceStore(
            f"{name}-evidence",
            EvidenceStoreArgs(
                region=settings.home_region,
                account_id=providers.account_id,
                partition=providers.partition,
                kms_key_arn=self.keys.key.arn,
                retention_days=settings.evidence.retention_days,
                deletion_window_days=settings.key_deletion_window_days,
                alias=f"trading-dr/{settings.role}-evidence-signing",
                protect=settings.protect_data,
            ),
            opts=child,
        )
        self.failover = FailoverOrchestrator(
            f"{name}-failover",
            FailoverOrchestratorArgs(
                region=settings.home_region,
                peer_region=settings.peer_region,
                wiring=OrchestratorWiring(
                    global_cluster_id=args.database.global_cluster_id,
                    local_cluster_id=self.data.aurora.cluster.cluster_identifier,
                    local_cluster_arn=self.data.aurora.cluster.arn,
                    db_subnet_group_name=self.data.aurora.subnet_group.name,
                    db_secret_arn=self.data.credentials.secret_arn,
                    database_name=DATABASE_NAME,
                    peer_health_url=health_url(settings.traffic, settings.peer_region),
                    peer_witness_fqdn=witness_fqdn(settings.traffic, settings.peer_region),
                    home_witness_fqdn=witness_fqdn(settings.traffic, settings.home_region),
                    # As the tier's standby serves at rest, in both stacks (symmetric): the
                    # primary's orchestrator is the standby's after a failover.
                    serves_at_rest=settings.tier_profile.dr_serves_at_once,
                    # The peer's witness follows the peer's health check: healthCheckInterval and
                    # healthCheckThreshold are shared keys, equal in both stacks.
                    witness_check_interval=settings.traffic.health_check_interval,
                    witness_check_threshold=settings.traffic.health_check_threshold,
                    alert_topic_arn=self.alerts.arn,
                    arc_cluster_endpoints=authority.cluster_endpoints,
                    home_routing_control_arn=authority.routing_control_arn(settings.home_region),
                    peer_routing_control_arn=authority.routing_control_arn(settings.peer_region),
                    auto_scaling_group_name=self.traffic.compute.group.name,
                    # Full size is the primary's: what a hot standby always runs.
                    full_capacity=max(
                        1, capacity(settings.tier_profile, "primary", settings.traffic).desired
                    ),
                    target_group_arn=self.traffic.entry.target_group.arn,
                    vpc_id=self.network.vpc.id,
                    vpc_cidr=settings.vpc_cidr,
                    subnet_ids=[subnet.id for subnet in self.network.app_subnets],
                    # The peer stack's table, named as that stack names it (one fencing epoch).
                    peer_control_table=control_table_name(f"trading-dr-{settings.peer_role}"),
                ),
                failover=settings.failover,
                kms_key_arn=self.keys.key.arn,
                account_id=providers.account_id,
                partition=providers.partition,
                log_retention_days=settings.log_retention_days,
                name_prefix=prefix,
                protect=settings.protect_data,
                # A headless dr cluster (pilot-light) gets a writer of the cluster's class.
                writer_instance_class=settings.database.instance_class,
                extra_environment=self.evidence.environment(),
            ),
            opts=child,
        )
        self.evidence.grant_writer(self.failover.role)
        self.discovery = FailoverDiscovery(
            f"{name}-discovery",
            FailoverDiscoveryArgs(
                global_writer_endpoint=args.global_writer_endpoint,
                authority_cluster_arn=authority.cluster_arn,
                authority_cluster_endpoints=authority.cluster_endpoints,
                authority_control_panel_arn=authority.control_panel_arn,
                home_region=settings.home_region,
                peer_region=settings.peer_region,
                home_routing_control_arn=authority.routing_control_arn(settings.home_region),
                peer_routing_control_arn=authority.routing_control_arn(settings.peer_region),
                control_table_name=self.failover.control_table.name,
                role=settings.role,
                global_cluster_id=args.database.global_cluster_id,
                local_cluster_arn=self.data.aurora.cluster.arn,
                orchestrator_function_name=self.failover.function.name,
                alert_topic_arn=self.alerts.arn,
                health_check_id=self.traffic.dns.health_check.id,
                routing_control_health_check_id=self.traffic.dns.routing_control_check.id,
            ),
            opts=child,
        )
        self.alarms = RegionalAlarms(
            f"{name}-alarms",
            RegionalAlarmsArgs(
                region=settings.home_region,
                topic_arn=self.alerts.arn,
                max_replication_lag_seconds=settings.failover.max_lag_seconds,
                name_prefix=prefix,
                # Both regions watch their own cluster: the roles swap after a failover.
                aurora=AuroraMetrics(cluster_id=self.data.aurora.cluster.cluster_identifier),
                # The tables have the same name in both regions; each region reports the
                # latency of what it replicates to the other.
                tables=TableMetrics(
                    table_names={spec.key: spec.name for spec in TABLES},
                    receiving_region=settings.peer_region,
                ),
                alb=AlbMetrics(
                    load_balancer_arn_suffix=self.traffic.entry.load_balancer.arn_suffix,
                    target_group_arn_suffix=self.traffic.entry.target_group.arn_suffix,
                ),
                orchestrator=OrchestratorMetrics(
                    function_name=self.failover.function.name,
                    dlq_name=self.failover.dead_letter_queue.name,
                ),
            ),
            opts=child,
        )
        self.register_outputs({"vpc_id": self.network.vpc.id, "key_arn": self.keys.key.arn})
