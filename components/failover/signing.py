"""SignedCode: the orchestrator's code, signed by AWS Signer in this region, and the Lambda
code-signing configuration that refuses anything else (security baseline: the function that can
promote the database runs only code this stack signed).

One `pulumi up` does it all: the package is uploaded to a versioned artifact bucket
("Your S3 source bucket must be version enabled"), an aws.signer.SigningJob signs that
object version with a profile of platform AWSLambda-SHA384-ECDSA, and the function deploys
the signed object under a CodeSigningConfig with UntrustedArtifactOnDeployment=Enforce ("If
you set the policy to Enforce, Lambda blocks the deployment request if signature validation
checks fail": https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html).
Signing is regional ("Cross-Region signing isn't supported", StartSigningJob API), so each
stack has its own profile, bucket and job.

The artifact bucket uses SSE-S3, the recorded exception (docs/SECURITY.md): Signer and Lambda read the
object with the deployer's credentials, and the code is the public repository's, so a CMK
would add a key-policy dependency to the deploy path and protect nothing secret.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.security.private_bucket import deny_insecure_transport

SIGNING_PLATFORM = "AWSLambda-SHA384-ECDSA"


def code_digest(sources: list[Path]) -> str:
    """A digest of the package's files, names and contents: the object key changes with the
    code, so new code gets a new object version and a new signing job."""
    digest = hashlib.sha256()
    for path in sorted(sources):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@dataclass
class SignedCodeArgs:
    archive: pulumi.Archive
    """The package to sign (components/failover/orchestrator_function.py package_archive)."""
    digest: str
    """code_digest of the archive's sources."""
    bucket_name: pulumi.Input[str]
    """Globally unique: artifact_bucket_name(account, region)."""
    profile_name_prefix: str
    """Signer profile names allow only letters, digits and _ (no hyphens), 2 to 64."""


def artifact_bucket_name(account_id: str, region: str) -> str:
    return f"trading-dr-failover-code-{account_id}-{region}"


class SignedCode(pulumi.ComponentResource):
    """Outputs: `s3_bucket`, `s3_key` of the signed object; `config` (CodeSigningConfig)."""

    bucket: aws.s3.Bucket
    profile: aws.signer.SigningProfile
    job: aws.signer.SigningJob
    config: aws.lambda_.CodeSigningConfig
    s3_bucket: pulumi.Output[str]
    s3_key: pulumi.Output[str]

    def __init__(self, name: str, args: SignedCodeArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:failover:SignedCode", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self.bucket, versioning = self._artifact_bucket()
        source = self._upload(versioning)
        self.profile, self.job = self._sign(source)
        self.config = self._signing_config()
        signed = self.job.signed_objects.apply(lambda objects: objects[0].s3s[0])
        self.s3_bucket = signed.apply(lambda s3: s3.bucket)
        self.s3_key = signed.apply(lambda s3: s3.key)
        self.register_outputs({"s3_bucket": self.s3_bucket, "s3_key": self.s3_key, "config": self.config.arn})

    def _artifact_bucket(self) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        """A private, versioned bucket for the unsigned and the signed archives."""
        # The artifacts are rebuilt from the repository on every `up`: disposable.
        bucket = aws.s3.Bucket(
            f"{self._name}-bucket", bucket=self._args.bucket_name, force_destroy=True, opts=self._child
        )
        aws.s3.BucketOwnershipControls(
            f"{self._name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=self._child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{self._name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=self._child,
        )
        versioning = aws.s3.BucketVersioning(
            f"{self._name}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=self._child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{self._name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=self._child,
        )
        aws.s3.BucketPolicy(
            f"{self._name}-policy",
            bucket=bucket.id,
            policy=bucket.arn.apply(
                lambda arn: json.dumps({"Version": "2012-10-17", "Statement": [deny_insecure_transport(arn)]})
            ),
            opts=self._child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="old-artifacts",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=30
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        return bucket, versioning

    def _upload(self, versioning: aws.s3.BucketVersioning) -> aws.s3.BucketObjectv2:
        return aws.s3.BucketObjectv2(
            f"{self._name}-source",
            bucket=self.bucket.id,
            key=f"unsigned/failover-{self._args.digest}.zip",
            source=self._args.archive,
            # Signer signs one object version: versioning must be on before the upload.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )

    def _sign(self, source: aws.s3.BucketObjectv2) -> tuple[aws.signer.SigningProfile, aws.signer.SigningJob]:
        profile = aws.signer.SigningProfile(
            f"{self._name}-profile",
            platform_id=SIGNING_PLATFORM,
            # "Signing profile names are immutable and cannot be reused after canceled".
            name_prefix=self._args.profile_name_prefix,
            opts=self._child,
        )
        job = aws.signer.SigningJob(
            f"{self._name}-job",
            profile_name=profile.name,
            source=aws.signer.SigningJobSourceArgs(
                s3=aws.signer.SigningJobSourceS3Args(
                    bucket=self.bucket.id, key=source.key, version=source.version_id
                )
            ),
            destination=aws.signer.SigningJobDestinationArgs(
                s3=aws.signer.SigningJobDestinationS3Args(bucket=self.bucket.id, prefix="signed/")
            ),
            # A failed signature must fail the deploy, not leave the old code silently.
            ignore_signing_job_failure=False,
            opts=self._child,
        )
        return profile, job

    def _signing_config(self) -> aws.lambda_.CodeSigningConfig:
        """Lambda runs only code this stack's profile signed."""
        return aws.lambda_.CodeSigningConfig(
            f"{self._name}-config",
            description="trading-dr failover orchestrator: only code signed by this stack",
            allowed_publishers=aws.lambda_.CodeSigningConfigAllowedPublishersArgs(
                signing_profile_version_arns=[self.profile.version_arn]
            ),
            policies=aws.lambda_.CodeSigningConfigPoliciesArgs(untrusted_artifact_on_deployment="Enforce"),
            opts=self._child,
        )
