"""DNS names and URLs of the application, derived from settings: pure, shared by the
component that creates them and by whoever probes them (the failover orchestrator probes the
peer region's health URL, which it can compute from the same rule)."""

from __future__ import annotations

from components.settings import TrafficSettings


def regional_fqdn(traffic: TrafficSettings, region: str) -> str:
    """Direct name of one region's ALB, bypassing failover: <appName>-<region>.<zoneName>."""
    return f"{traffic.app_name}-{region}.{traffic.zone_name}"


def health_url(traffic: TrafficSettings, region: str) -> str:
    """The HTTPS health endpoint of one region, through its direct name."""
    return f"https://{regional_fqdn(traffic, region)}{traffic.health_check_path}"


def failover_role(role: str) -> str:
    """Route 53 failover record type of a stack: the primary answers first."""
    return "PRIMARY" if role == "primary" else "SECONDARY"
