"""DNS names and URLs of the application, derived from settings: pure, shared by the
component that creates them and by whoever probes them (the failover orchestrator probes the
peer region's health URL, which it can compute from the same rule)."""

from __future__ import annotations

from components.settings import TrafficSettings
from failover.settings_table import setting

# The witness pair's answers (components/traffic/dns.py), TEST-NET-1 addresses (RFC 5737,
# never routed): the PRIMARY answer while Route 53 sees the region's ALB healthy, else the
# SECONDARY. The orchestrator gets both in FAILOVER_WITNESS_*_ADDRESS; the runtime's
# defaults, in the settings table, are these.
WITNESS_HEALTHY_ADDRESS = str(setting("witness_healthy_address").default)
WITNESS_UNHEALTHY_ADDRESS = str(setting("witness_unhealthy_address").default)
# Below the orchestrator's evaluation interval, so a resolver's cache is at most one
# evaluation behind Route 53.
WITNESS_TTL_SECONDS = 5
# TTL of the appName.zone failover CNAMEs: how long a resolver may keep answering the old
# region after the routing controls flip. AWS advises a low TTL "such as 5 seconds" before a
# global database failover (aurora-global-database-disaster-recovery.html); 15 s bounds the
# DNS part of the RTO at a modest query cost.
FAILOVER_RECORD_TTL_SECONDS = 15


def regional_fqdn(traffic: TrafficSettings, region: str) -> str:
    """Direct name of one region's ALB, bypassing failover: <appName>-<region>.<zoneName>."""
    return f"{traffic.app_name}-{region}.{traffic.zone_name}"


def health_url(traffic: TrafficSettings, region: str) -> str:
    """The HTTPS health endpoint of one region, through its direct name."""
    return f"https://{regional_fqdn(traffic, region)}{traffic.health_check_path}"


def failover_role(role: str) -> str:
    """Route 53 failover record type of a stack: the primary answers first."""
    return "PRIMARY" if role == "primary" else "SECONDARY"


def witness_fqdn(traffic: TrafficSettings, region: str) -> str:
    """One region's witness name: witness-<region>.failover.<zoneName>. Under its own label,
    so no appName can collide with it; the peer's orchestrator resolves it."""
    return f"witness-{region}.failover.{traffic.zone_name}"
