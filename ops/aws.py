"""boto3 for the operator commands: one retry policy, and missing credentials or region turned
into one sentence (exit 2) instead of a botocore traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.config import Config
from botocore.exceptions import NoCredentialsError, NoRegionError, PartialCredentialsError

from ops.errors import EXIT_UNAVAILABLE, OperatorError

# botocore's standard retry mode backs off on throttling and transient errors; short connect
# timeouts so an impaired region shows up as an error in the view instead of a hang.
RETRY = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)

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
