"""The orchestrator's boto3 clients: all of them for the HOME region. Nothing on the
failover path talks to the peer region (it may be the one that is gone); the only clients
not bound to the home region are the ARC cluster's endpoints (failover.arc), which live in
five regions by design, and `peer_dynamodb`: an optional read of the peer's fencing epoch
that nothing waits on (one try, short timeouts, every error ignored; see
Orchestrator._adopt_peer_epoch).

botocore's standard retry mode (backoff with jitter) handles throttling and transient
errors of each call (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html);
timeouts are short so that one evaluation fits its interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore.config import Config

AWS_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=3,
    read_timeout=10,
)


EVIDENCE_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 2},
    connect_timeout=2,
    read_timeout=3,
)
"""The evidence's S3 and KMS calls sit between the steps of a failover: a slow or unreachable
S3 may cost one short timeout, and then the recorder stops for that invocation
(failover/evidence.py), so they get tighter bounds than the steps' own calls."""

PEER_READ_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=1,
    read_timeout=1,
)
"""The peer's epoch read: ONE try bounded by 1 s to connect and 1 s to read, so a peer region
that is gone costs an evaluation at most 2 s, below the write lease's renew period budget
(the renewal after it is due at once: Orchestrator._renew_if_due)."""


@dataclass(frozen=True)
class Clients:
    """boto3 clients of the home region."""

    rds: object
    dynamodb: object
    sns: object
    cloudwatch: object
    autoscaling: object = None
    elbv2: object = None
    """Target health of the home ALB (FAILOVER_TARGET_GROUP_ARN)."""
    rds_data: object = None
    """Only used for the test write (FAILOVER_DATA_API_SECRET_ARN)."""
    s3: object = None
    kms: object = None
    """The evidence bucket and signing key (FAILOVER_EVIDENCE_BUCKET, _KEY_ARN)."""
    peer_dynamodb: object = None
    """DynamoDB of the PEER region (FAILOVER_PEER_CONTROL_TABLE): its fencing epoch, read only."""

    @classmethod
    def for_region(
        cls, region: str, session: boto3.session.Session | None = None, peer_region: str | None = None
    ) -> Clients:
        """peer_region: also build the peer's DynamoDB client (PEER_READ_CONFIG)."""
        session = session or boto3.session.Session()

        def client(service: str):
            return session.client(service, region_name=region, config=AWS_CONFIG)

        return cls(
            rds=client("rds"),
            dynamodb=client("dynamodb"),
            sns=client("sns"),
            cloudwatch=client("cloudwatch"),
            autoscaling=client("autoscaling"),
            elbv2=client("elbv2"),
            rds_data=client("rds-data"),
            s3=session.client("s3", region_name=region, config=EVIDENCE_CONFIG),
            kms=session.client("kms", region_name=region, config=EVIDENCE_CONFIG),
            peer_dynamodb=session.client("dynamodb", region_name=peer_region, config=PEER_READ_CONFIG)
            if peer_region
            else None,
        )
