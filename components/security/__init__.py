"""Security: the customer-managed KMS key of each region with its per-service key policy,
and the baseline every S3 bucket of the platform gets (private, versioned, TLS only)."""

from __future__ import annotations

from components.security.keys import RegionalKeys, RegionalKeysArgs

__all__ = [
    "RegionalKeys",
    "RegionalKeysArgs",
]
