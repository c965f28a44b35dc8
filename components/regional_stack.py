"""RegionalStack: everything one region runs, built by the same code in both stacks, so the
regions are symmetric by construction. Role-specific pieces (the global cluster, the
cross-region links) live outside it, in components/program.py."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.context import RegionalContext
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
    context: RegionalContext
    """The region's context without its key: RegionalStack creates the key (`context`)."""
    database: GlobalMembership
    """How this region's Aurora cluster joins the global database (components/data/role_wiring.py)."""
    zone_id: pulumi.Input[str]
    """Hosted zone of settings.traffic.zone_name: the primary's own or hostedZoneId."""
    authority: AuthorityView
    """The ARC traffic authority (owned by the primary stack, read by the dr stack)."""
    global_writer_endpoint: pulumi.Input[str]
    """aws.rds.GlobalCluster.endpoint (the primary's own, the dr stack's from its exports)."""


class RegionalStack(pulumi.ComponentResource):
    context: RegionalContext
    """The region's context with its data key: what the role-specific pieces build with."""
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
        self._name, self._settings = name, args.settings
        self._child = pulumi.ResourceOptions(parent=self)
        # The order is the order of dependence: the key, the network, the data tier, the
        # alert topic, the request path, then the orchestrator and what watches them.
        self.keys = self._keys(args.context)
        self.context = args.context.with_key(self.keys.arn)
        self.network = self._network()
        self.security_groups = self._security_groups()
        self.data = self._data(args.database)
        self.alerts = self._alerts()
        self.traffic = self._traffic(args.zone_id, args.authority)
        self.evidence = self._evidence()
        self.failover = self._failover(args.database, args.authority)
        self.evidence.grant_writer(self.failover.role)
        self.discovery = self._discovery(args)
        self.alarms = self._alarms()
        self.register_outputs({"vpc_id": self.network.vpc_id, "key_arn": self.keys.arn})

    def _keys(self, context: RegionalContext) -> RegionalKeys:
        settings = self._settings
        return RegionalKeys(
            f"{self._name}-keys",
            RegionalKeysArgs(
                context=context,
                services=key_services(settings),
                deletion_window_days=settings.key_deletion_window_days,
                alias=f"trading-dr/{settings.role}",
            ),
            opts=self._child,
        )

    def _network(self) -> RegionalNetwork:
        settings = self._settings
        return RegionalNetwork(
            f"{self._name}-network",
            RegionalNetworkArgs(
                context=self.context,
                cidr=settings.vpc_cidr,
                az_count=settings.az_count,
                nat_gateway_count=settings.tier_profile.nat_gateways(settings.az_count),
                log_retention_days=settings.log_retention_days,
                instance_type=settings.traffic.instance_type,
                database=settings.database,
                pinned_zone_ids=settings.zone_ids,
            ),
            opts=self._child,
        )

    def _security_groups(self) -> SecurityGroups:
        settings = self._settings
        return SecurityGroups(
            f"{self._name}-sg",
            SecurityGroupsArgs(
                context=self.context,
                vpc_id=self.network.vpc_id,
                vpc_cidr=settings.vpc_cidr,
                peer_vpc_cidr=settings.peer_vpc_cidr,
                app_port=settings.traffic.app_port,
                db_port=settings.database.port,
            ),
            opts=self._child,
        )

    def _data(self, membership: GlobalMembership) -> RegionalData:
        return RegionalData(
            f"{self._name}-data",
            RegionalDataArgs(
                context=self.context,
                settings=self._settings,
                membership=membership,
                data_subnets=self.network.data_subnets,
                db_security_group_id=self.security_groups.db.id,
                random_provider=self.context.providers.random,
            ),
            opts=self._child,
        )

    def _alerts(self) -> AlertTopic:
        return AlertTopic(
            f"{self._name}-alerts",
            AlertTopicArgs(context=self.context, email=self._settings.alert_email),
            opts=self._child,
        )

    def _traffic(self, zone_id: pulumi.Input[str], authority: AuthorityView) -> RegionalTraffic:
        settings = self._settings
        return RegionalTraffic(
            f"{self._name}-traffic",
            RegionalTrafficArgs(
                context=self.context,
                settings=settings,
                network=self.network,
                security_groups=self.security_groups,
                zone_id=zone_id,
                data_access=self._app_data_access(),
                routing_control_arn=authority.routing_control_arn(settings.home_region),
            ),
            opts=self._child,
        )

    def _app_data_access(self) -> AppDataAccess:
        """What the application instances may reach of this region's data tier."""
        settings, data = self._settings, self.data
        return AppDataAccess(
            region=settings.home_region,
            secret_arn=data.secret_arn,
            kms_key_arn=self.keys.arn,
            writer_endpoint=data.writer_endpoint,
            reader_endpoint=data.reader_endpoint,
            db_port=settings.database.port,
            cluster_resource_id=data.cluster_resource_id,
            table_names=[spec.name for spec in TABLES],
            documents_bucket=data.documents_bucket,
            documents_bucket_arn=data.documents_bucket_arn,
            control_table_name=control_table_name(self.context.name_prefix),
        )

    def _evidence(self) -> EvidenceStore:
        settings = self._settings
        return EvidenceStore(
            f"{self._name}-evidence",
            EvidenceStoreArgs(
                context=self.context,
                retention_days=settings.evidence.retention_days,
                deletion_window_days=settings.key_deletion_window_days,
                alias=f"trading-dr/{settings.role}-evidence-signing",
            ),
            opts=self._child,
        )

    def _failover(self, database: GlobalMembership, authority: AuthorityView) -> FailoverOrchestrator:
        settings = self._settings
        return FailoverOrchestrator(
            f"{self._name}-failover",
            FailoverOrchestratorArgs(
                context=self.context,
                wiring=self._orchestrator_wiring(database, authority),
                failover=settings.failover,
                log_retention_days=settings.log_retention_days,
                # A headless dr cluster (pilot-light) gets a writer of the cluster's class.
                writer_instance_class=settings.database.instance_class,
                extra_environment=self.evidence.environment(),
            ),
            opts=self._child,
        )

    def _orchestrator_wiring(
        self, database: GlobalMembership, authority: AuthorityView
    ) -> OrchestratorWiring:
        """What the orchestrator acts on: this region's cluster, application group and
        routing control, the peer it probes, the authority it asks."""
        settings, data, traffic = self._settings, self.data, self.traffic
        return OrchestratorWiring(
            global_cluster_id=database.global_cluster_id,
            local_cluster_id=data.cluster_id,
            local_cluster_arn=data.cluster_arn,
            db_subnet_group_name=data.subnet_group_name,
            db_secret_arn=data.secret_arn,
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
            auto_scaling_group_name=traffic.auto_scaling_group_name,
            # Full size is the primary's: what a hot standby always runs.
            full_capacity=max(1, capacity(settings.tier_profile, "primary", settings.traffic).desired),
            target_group_arn=traffic.target_group_arn,
            vpc_id=self.network.vpc_id,
            vpc_cidr=settings.vpc_cidr,
            subnet_ids=[subnet.id for subnet in self.network.app_subnets],
            # The peer stack's table, named as that stack names it (one fencing epoch).
            peer_control_table=control_table_name(f"trading-dr-{settings.peer_role}"),
        )

    def _discovery(self, args: RegionalStackArgs) -> FailoverDiscovery:
        settings, authority = self._settings, args.authority
        return FailoverDiscovery(
            f"{self._name}-discovery",
            FailoverDiscoveryArgs(
                global_writer_endpoint=args.global_writer_endpoint,
                authority_cluster_arn=authority.cluster_arn,
                authority_cluster_endpoints=authority.cluster_endpoints,
                authority_control_panel_arn=authority.control_panel_arn,
                home_region=settings.home_region,
                peer_region=settings.peer_region,
                home_routing_control_arn=authority.routing_control_arn(settings.home_region),
                peer_routing_control_arn=authority.routing_control_arn(settings.peer_region),
                control_table_name=self.failover.table_name,
                role=settings.role,
                global_cluster_id=args.database.global_cluster_id,
                local_cluster_arn=self.data.cluster_arn,
                orchestrator_function_name=self.failover.function_name,
                alert_topic_arn=self.alerts.arn,
                health_check_id=self.traffic.health_check_id,
                routing_control_health_check_id=self.traffic.routing_control_health_check_id,
            ),
            opts=self._child,
        )

    def _alarms(self) -> RegionalAlarms:
        settings = self._settings
        return RegionalAlarms(
            f"{self._name}-alarms",
            RegionalAlarmsArgs(
                context=self.context,
                topic_arn=self.alerts.arn,
                max_replication_lag_seconds=settings.failover.max_lag_seconds,
                # Both regions watch their own cluster: the roles swap after a failover.
                aurora=AuroraMetrics(cluster_id=self.data.cluster_id),
                # The tables have the same name in both regions; each region reports the
                # latency of what it replicates to the other.
                tables=TableMetrics(
                    table_names={spec.key: spec.name for spec in TABLES},
                    receiving_region=settings.peer_region,
                ),
                alb=AlbMetrics(
                    load_balancer_arn_suffix=self.traffic.load_balancer_arn_suffix,
                    target_group_arn_suffix=self.traffic.target_group_arn_suffix,
                ),
                orchestrator=OrchestratorMetrics(
                    function_name=self.failover.function_name,
                    dlq_name=self.failover.dead_letter_queue.name,
                ),
            ),
            opts=self._child,
        )
