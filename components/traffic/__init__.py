"""Traffic: how requests reach a region and fail over between regions: the ALB with ACM and
WAF, the Auto Scaling group sized by the DR tier, the Route 53 health checks and failover
records, and the hosted zone the primary stack owns."""

from __future__ import annotations

from components.traffic.compute import RegionalCompute, RegionalComputeArgs
from components.traffic.dns import RegionalDns, RegionalDnsArgs
from components.traffic.entry import RegionalEntry, RegionalEntryArgs
from components.traffic.regional_traffic import RegionalTraffic, RegionalTrafficArgs
from components.traffic.zone import PlatformZone

__all__ = [
    "PlatformZone",
    "RegionalCompute",
    "RegionalComputeArgs",
    "RegionalDns",
    "RegionalDnsArgs",
    "RegionalEntry",
    "RegionalEntryArgs",
    "RegionalTraffic",
    "RegionalTrafficArgs",
]
