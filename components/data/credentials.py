"""DatabaseCredentials: the Aurora master credentials in this region's Secrets Manager,
encrypted with this region's CMK.

Each region keeps its own copy, so the password is readable in the DR region when the
primary region is gone. Why not a Secrets Manager replica of the primary's secret: a
replica needs a KMS key in the replica region, and the primary stack is deployed before the
dr stack's key exists; the only key it could name there is the AWS-managed one, which breaks
the CMK rule. So the dr stack writes its copy from the primary's secret export, which stays
a secret Output end to end. The host in each copy is the local cluster's endpoint: after a
failover, the copy in the promoted region already points at the new writer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.data.aurora_plan import DATABASE_NAME, MASTER_USERNAME

SECRET_NAME = "trading-dr/aurora-master-credentials"
"""Same name in both regions: a client looks it up in its own region. Not ending in a hyphen
and six characters: "Do not end your secret name with a hyphen followed by six characters"
(partial-ARN look-ups would misread it; https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html)."""
RECOVERY_WINDOW_DAYS = 30  # the longest Secrets Manager allows: a deleted secret can be restored
DISPOSABLE_RECOVERY_WINDOW_DAYS = 0
"""protectData=false: deleted at once, so a re-created stack can take the same name again.
`recovery_window_in_days` is 0 (no recovery) or 7 to 30; a name whose secret is scheduled for
deletion cannot be reused until the window ends:
https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html"""


def recovery_window_days(protect: bool) -> int:
    return RECOVERY_WINDOW_DAYS if protect else DISPOSABLE_RECOVERY_WINDOW_DAYS


@dataclass
class DatabaseCredentialsArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    password: pulumi.Input[str]
    """Secret: the global database's master password."""
    engine: str
    host: pulumi.Input[str]
    """The local cluster's writer endpoint."""
    port: int
    cluster_identifier: pulumi.Input[str]


class DatabaseCredentials(pulumi.ComponentResource):
    secret: aws.secretsmanager.Secret
    secret_arn: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseCredentialsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:credentials:DatabaseCredentials", name, None, opts)
        self.secret = aws.secretsmanager.Secret(
            f"{name}-secret",
            name=SECRET_NAME,
            description="trading-dr Aurora master credentials (global database)",
            kms_key_id=args.context.kms_key_arn,
            recovery_window_in_days=recovery_window_days(args.context.protect),
            opts=pulumi.ResourceOptions(parent=self, protect=args.context.protect),
        )
        value = pulumi.Output.all(
            password=args.password, host=args.host, cluster=args.cluster_identifier
        ).apply(
            lambda v: json.dumps(
                {
                    # The shape RDS rotation functions and clients expect of an RDS secret.
                    "engine": "postgres" if args.engine == "aurora-postgresql" else "mysql",
                    "host": v["host"],
                    "port": args.port,
                    "username": MASTER_USERNAME,
                    "password": v["password"],
                    "dbname": DATABASE_NAME,
                    "dbClusterIdentifier": v["cluster"],
                }
            )
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-value",
            secret_id=self.secret.id,
            # Output.all of a secret is secret already; stated so that no refactoring of the
            # inputs above can turn the stored value into plaintext state.
            secret_string=pulumi.Output.secret(value),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.secret_arn = self.secret.arn
        self.register_outputs({"secret_arn": self.secret_arn})
