"""boto3 for the operator commands: one retry policy, and missing credentials or region turned
into one sentence (exit 2) instead of a botocore traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.config import Config
from botocore.exceptions import NoCredentialsError, NoRegionError, PartialCredentialsError

from ops.errors import EXIT_UNAVAILABLE, OperatorError

# The operator's calls during an outage: a dead region's endpoint must cost seconds, not
# botocore's default 60 s connect timeout times its retries, so that `status` shows the
# surviving region at once and the failed one as unreachable. botocore's Config:
# connect_timeout / read_timeout in seconds, retries = {mode, total_max_attempts} (the first
# try included); standard mode backs off with jitter between tries
# (https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html,
# https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html).
# 2 s x 2 attempts: an unreachable region costs about 5 s per call, and ops/discovery.py asks
# nothing more of a region whose discovery failed.
RETRY = Config(retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=2, read_timeout=10)

NO_CREDENTIALS = (
    "no AWS credentials found: configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY) and run this again."
)
CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, NoRegionError)


def client(session: Any, service: str, region: str) -> Any:
    return session.client(service, region_name=region, config=RETRY)


@contextmanager
def credentials_required() -> Iterator[None]:
    """Missing credentials are the operator's to fix, not a per-region error to display."""
    try:
        yield
    except (NoCredentialsError, PartialCredentialsError):
        raise OperatorError(NO_CREDENTIALS, EXIT_UNAVAILABLE) from None
    except NoRegionError:
        raise OperatorError(
            "no AWS region configured: set AWS_REGION (or a region in your AWS profile) and run this again.",
            EXIT_UNAVAILABLE,
        ) from None


def describe(error: Exception) -> str:
    """A short line for a per-region failure shown in the view."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and "Error" in response:
        return f"{response['Error'].get('Code', 'error')}: {response['Error'].get('Message', '')}".strip()
    return str(error)
