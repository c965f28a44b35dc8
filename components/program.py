"""The program both stacks run: settings -> providers -> the regional stack (+ role-specific
pieces) -> exports. `__main__.py` calls `main()`; the mock engine runs `__main__.py` itself."""

from __future__ import annotations

import pulumi

from components import stack_contract as contract
from components.context import RegionalContext
from components.data.role_wiring import build_role_data, data_exports, join_global_database
from components.failover.authority import AuthorityView, TrafficAuthority, TrafficAuthorityArgs
from components.network.peering import TransitPeering, TransitPeeringArgs
from components.observability.audit import AuditTrail, AuditTrailArgs
from components.providers import Providers, create_providers
from components.regional_stack import RegionalStack, RegionalStackArgs
from components.settings import Settings, SettingsError, load_settings
from components.traffic.zone import hosted_zone
from components.traffic.zone_rules import on_real_engine, undeployable_zone


def build(settings: Settings) -> dict[str, pulumi.Input]:
    """Register every resource of this stack; returns the stack's exports."""
    providers = create_providers(settings)
    context = RegionalContext.of(settings, providers)
    primary_outputs = primary_stack_outputs(settings)
    database, database_exports = join_global_database(settings, context, primary_outputs)
    zone = hosted_zone(settings, providers, primary_outputs)
    authority = traffic_authority(settings, providers, primary_outputs)
    # The component tree is named by function, not by region, so both stacks build the
    # same tree; the provider decides where it lands.
    regional = RegionalStack(
        "home",
        RegionalStackArgs(
            settings=settings,
            context=context,
            database=database,
            zone_id=zone.zone_id,
            authority=authority,
            global_writer_endpoint=database_exports["globalWriterEndpoint"],
        ),
        opts=pulumi.ResourceOptions(provider=providers.home),
    )
    exports: dict[str, pulumi.Input] = {
        "role": settings.role,
        "region": settings.home_region,
        "peerRegion": settings.peer_region,
        "tier": settings.tier,
        "vpcId": regional.network.vpc_id,
        "vpcCidr": str(settings.vpc_cidr),
        "kmsKeyArn": regional.keys.arn,
        "appSubnetIds": [subnet.id for subnet in regional.network.app_subnets],
        # The zones chosen, in subnet order: deploy.py up pins them as zoneIds after the first up.
        "availabilityZoneIds": regional.network.zones.apply(lambda zones: [zone.zone_id for zone in zones]),
        "orchestratorFunctionName": regional.failover.function_name,
        "controlTableName": regional.failover.table_name,
        "alertTopicArn": regional.alerts.arn,
        "dashboardName": regional.alarms.dashboard_name,
        "hostedZoneId": zone.zone_id,
        **regional.traffic.exports(settings),
        **database_exports,
        **authority.exports(),
        **regional.discovery.exports(),
        **data_exports(regional),
        **build_role_data(settings, providers, regional, primary_outputs),
        **_audit(settings, providers, regional),
        **_transit_peering(settings, providers, regional, primary_outputs),
        **regional.evidence.exports(),
    }
    if primary_outputs is not None:
        _replicate_evidence(settings, providers, regional, primary_outputs)
    if zone.zone is not None:
        exports["nameServers"] = zone.zone.name_servers
    return exports


def _replicate_evidence(
    settings: Settings, providers: Providers, regional: RegionalStack, primary_outputs
) -> None:
    """dr only (the stack deployed second, when both evidence buckets exist)."""
    from components.data.bucket_replication import BucketEnd
    from components.observability.evidence_store import replicate_evidence

    store = regional.evidence
    replicate_evidence(
        BucketEnd(
            settings.home_region,
            store.bucket.bucket,
            store.bucket.arn,
            regional.keys.arn,
            regional.alerts.arn,
        ),
        BucketEnd(
            settings.peer_region,
            contract.EVIDENCE_BUCKET.read(primary_outputs),
            contract.EVIDENCE_BUCKET_ARN.read(primary_outputs),
            contract.KMS_KEY_ARN.read(primary_outputs),
            contract.ALERT_TOPIC_ARN.read(primary_outputs),
        ),
        providers.peer,
        [store.versioning, store.lock],
        pulumi.ResourceOptions(provider=providers.home),
    )


def primary_stack_outputs(settings: Settings) -> pulumi.StackReference | None:
    """The primary stack's exports, read by the dr stack (None in the primary). Call once per
    program: every dr-side reader shares this one StackReference."""
    if settings.is_primary:
        return None
    return pulumi.StackReference("primary-stack", stack_name=settings.primary_stack)


def traffic_authority(
    settings: Settings, providers: Providers, primary: pulumi.StackReference | None
) -> AuthorityView:
    """The ARC authority is global, like the hosted zone: the primary stack owns it (config
    API in us-west-2, through the explicit recovery-control provider); the dr stack reads it
    from the primary's exports (components/failover/authority.py)."""
    if not settings.is_primary:
        if primary is None:
            raise ValueError("the dr stack needs the primary's StackReference for the traffic authority")
        return AuthorityView.from_stack(primary)
    authority = TrafficAuthority(
        "traffic-authority",
        TrafficAuthorityArgs(regions=(settings.home_region, settings.peer_region), name_prefix="trading-dr"),
        opts=pulumi.ResourceOptions(provider=providers.recovery_control),
    )
    return authority.view()


def _audit(settings: Settings, providers: Providers, regional: RegionalStack) -> dict[str, pulumi.Input]:
    """The account's one multi-region trail belongs to the primary stack."""
    if not settings.is_primary:
        return {}
    audit = AuditTrail(
        "audit",
        AuditTrailArgs(
            context=regional.context,
            trail_name="trading-dr-audit",
            log_retention_days=settings.log_retention_days,
        ),
        opts=pulumi.ResourceOptions(provider=providers.home),
    )
    return {"auditTrailArn": audit.trail.arn, "auditBucketName": audit.bucket.id}


def _transit_peering(
    settings: Settings,
    providers: Providers,
    regional: RegionalStack,
    primary_outputs: pulumi.StackReference | None,
) -> dict[str, pulumi.Input]:
    """The cross-region link belongs to the stack deployed second: the dr stack
    (docs/ARCHITECTURE.md#stack-ownership)."""
    if primary_outputs is None:
        return {}
    traffic = regional.traffic
    peering = TransitPeering(
        "tgw-peering",
        TransitPeeringArgs(
            context=regional.context,
            transit_gateway_id=traffic.transit_gateway_id,
            route_table_id=traffic.transit_route_table_id,
            vpc_cidr=settings.vpc_cidr,
            peer_transit_gateway_id=contract.TRANSIT_GATEWAY_ID.read(primary_outputs),
            peer_route_table_id=contract.TRANSIT_GATEWAY_ROUTE_TABLE_ID.read(primary_outputs),
            peer_vpc_cidr=settings.peer_vpc_cidr,
            peer_provider=providers.peer,
        ),
        opts=providers.opts(),
    )
    return {"transitGatewayPeeringAttachmentId": peering.attachment.id}


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        # RunError is reported to the user without a Python traceback.
        raise pulumi.RunError(str(error)) from None
    # A raw `pulumi up` with the committed stack files must not create trading.example.com
    # (deploy.py refuses it too, ops/deploy_guard.py); offline plans keep working.
    refusal = undeployable_zone(settings) if on_real_engine() else None
    if refusal is not None:
        raise pulumi.RunError(refusal)
    for name, value in build(settings).items():
        pulumi.export(name, value)
