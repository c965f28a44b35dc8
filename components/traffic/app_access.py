"""What the application instances may use of their region's data tier, and where they find it.

The instance role (components/traffic/compute.py) gets `app_data_policy`: scoped to this
region's resources only, each grant on the ARNs the application uses:
- secretsmanager:GetSecretValue on the DB secret
  (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html);
- kms:Decrypt / GenerateDataKey on the regional key, only through Secrets Manager, DynamoDB
  and S3 of this region (kms:ViaService,
  https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service);
- the DynamoDB tables and their indexes (`table/<name>/index/*`,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/using-identity-based-policies.html);
- the documents bucket and its objects;
- rds-db:connect for the IAM database user on this region's cluster
  (`arn:aws:rds-db:<region>:<account>:dbuser:<cluster resource id>/<user>`,
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html);
- ssm:GetParameter* on this module's parameters;
- on the region's failover control table, exactly the two items the write lease and the
  heartbeat need (docs/WRITE_LEASE.md): dynamodb:GetItem on partition key LEASE (the write
  lease) and dynamodb:PutItem on partition key HEARTBEAT (the heartbeat observation), with
  only the observation's attributes. dynamodb:LeadingKeys limits the partition key and
  dynamodb:Attributes the attributes a request names
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
  no condition key names the sort key, so the grant is per partition (each holds one item).
  An instance can neither write the lease nor read anything else in the table.

The parameters (String, not secret: endpoints, names, ARNs) live in the instance's own region
under PARAMETER_PREFIX, so an instance never depends on the other region to start, and after
a failover the promoted region's parameters already name its own cluster.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from failover.heartbeat import OBSERVED_PK, Observation, observation_to_item
from failover.lease import LEASE_PK

PARAMETER_PREFIX = "/trading-dr/app"
APP_DB_USER = "trading_app"
"""The IAM-authenticated database user the application connects as (created in the database
with the engine's IAM plugin; docs/CONFIGURATION.md, "The application")."""

TABLE_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:DescribeTable",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
)
OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject")
KEY_SERVICES = ("secretsmanager", "dynamodb", "s3")
OBSERVATION_ATTRIBUTES = tuple(sorted(observation_to_item(Observation("-", 0, 0.0, 0.0))))
"""Every attribute the observation item carries. The key attributes are listed too: safe
whether or not AWS counts them among a PutItem's dynamodb:Attributes."""


@dataclass
class AppDataAccess:
    """This region's data tier as the application sees it (all in the stack's home region)."""

    region: str
    secret_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    writer_endpoint: pulumi.Input[str]
    reader_endpoint: pulumi.Input[str]
    db_port: int
    cluster_resource_id: pulumi.Input[str]
    table_names: Sequence[str]
    documents_bucket: pulumi.Input[str]
    documents_bucket_arn: pulumi.Input[str]
    control_table_name: str
    """The region's failover control table (components/failover/orchestrator.py), where the
    instances read the write lease and put the heartbeat observation."""


def app_data_policy(
    *,
    partition: str,
    region: str,
    account: str,
    secret_arn: str,
    kms_key_arn: str,
    cluster_resource_id: str,
    table_names: Sequence[str],
    bucket_arn: str,
    control_table_name: str,
) -> dict:
    """The instance role's data-tier policy; every resource in `region`."""
    tables = [f"arn:{partition}:dynamodb:{region}:{account}:table/{name}" for name in table_names]
    control_table = f"arn:{partition}:dynamodb:{region}:{account}:table/{control_table_name}"
    parameters = f"arn:{partition}:ssm:{region}:{account}:parameter{PARAMETER_PREFIX}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadTheDatabaseSecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": [secret_arn],
            },
            {
                "Sid": "UseTheRegionalKeyThroughTheDataServices",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": [kms_key_arn],
                "Condition": {
                    "StringEquals": {
                        "kms:ViaService": [f"{service}.{region}.amazonaws.com" for service in KEY_SERVICES]
                    }
                },
            },
            {
                "Sid": "UseTheTablesAndTheirIndexes",
                "Effect": "Allow",
                "Action": list(TABLE_ACTIONS),
                "Resource": [*tables, *(f"{table}/index/*" for table in tables)],
            },
            {
                "Sid": "ListTheDocumentsBucket",
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": [bucket_arn],
            },
            {
                "Sid": "UseTheDocuments",
                "Effect": "Allow",
                "Action": list(OBJECT_ACTIONS),
                "Resource": [f"{bucket_arn}/*"],
            },
            {
                "Sid": "ConnectAsTheIamDatabaseUser",
                "Effect": "Allow",
                "Action": ["rds-db:connect"],
                "Resource": [
                    f"arn:{partition}:rds-db:{region}:{account}:dbuser:{cluster_resource_id}/{APP_DB_USER}"
                ],
            },
            {
                "Sid": "ReadTheAppParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                "Resource": [parameters, f"{parameters}/*"],
            },
            {
                "Sid": "ReadTheWriteLease",
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem"],
                "Resource": [control_table],
                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [LEASE_PK]}},
            },
            {
                "Sid": "PutTheHeartbeatObservation",
                "Effect": "Allow",
                "Action": ["dynamodb:PutItem"],
                "Resource": [control_table],
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "dynamodb:LeadingKeys": [OBSERVED_PK],
                        "dynamodb:Attributes": list(OBSERVATION_ATTRIBUTES),
                    }
                },
            },
        ],
    }


def parameter_values(access: AppDataAccess) -> Mapping[str, pulumi.Input[str]]:
    """Parameter name (under PARAMETER_PREFIX) -> value; what the bootstrap reads."""
    return {
        "db/writer-endpoint": access.writer_endpoint,
        "db/reader-endpoint": access.reader_endpoint,
        "db/port": str(access.db_port),
        "db/secret-arn": access.secret_arn,
        "db/iam-user": APP_DB_USER,
        "documents-bucket": access.documents_bucket,
        "tables": ",".join(access.table_names),
        "control-table": access.control_table_name,
    }


def app_parameters(name: str, access: AppDataAccess, parent: pulumi.Resource) -> list[aws.ssm.Parameter]:
    """One String parameter per value, in the provider's (home) region. Names: letters,
    digits, `_.-/`, not under aws/ssm
    (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html)."""
    return [
        aws.ssm.Parameter(
            f"{name}-{key.replace('/', '-')}",
            name=f"{PARAMETER_PREFIX}/{key}",
            type="String",
            value=value,
            description=f"trading-dr application: {key} in this region",
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for key, value in parameter_values(access).items()
    ]


def role_policy_document(access: AppDataAccess, partition, account_id) -> pulumi.Output[str]:
    return pulumi.Output.all(
        partition,
        account_id,
        access.secret_arn,
        access.kms_key_arn,
        access.cluster_resource_id,
        access.documents_bucket_arn,
    ).apply(
        lambda v: json.dumps(
            app_data_policy(
                partition=v[0],
                region=access.region,
                account=v[1],
                secret_arn=v[2],
                kms_key_arn=v[3],
                cluster_resource_id=v[4],
                table_names=access.table_names,
                bucket_arn=v[5],
                control_table_name=access.control_table_name,
            )
        )
    )
