"""RegionalEntry: how requests enter one region. An internet-facing ALB over the public
subnets (deletion protection, invalid headers dropped, defensive desync mitigation, access
logs), an HTTPS listener with a TLS 1.3 policy and an ACM certificate validated through DNS,
an HTTP listener that only redirects, the application target group, and a WAFv2 web ACL
(AWS managed rules, a rate limit, metrics, logging) in front of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.security.private_bucket import deny_insecure_transport, private_bucket

TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
ACCESS_LOG_PREFIX = "alb"
# Prefix CloudWatch Logs destinations of WAF logging must carry (WAF rejects any other).
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"


@dataclass
class RegionalEntryArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    alb_security_group_id: pulumi.Input[str]
    app_port: int
    health_check_path: str
    """Path the target group probes on the instances (and Route 53 probes through the ALB)."""
    domain_name: str
    """The failover name, appName.zoneName: the certificate's subject."""
    alternative_names: Sequence[str]
    """Further names on the certificate, e.g. the region's direct name."""
    zone_id: pulumi.Input[str]
    """Hosted zone in which the certificate's DNS validation records are written."""
    dns_provider: pulumi.ProviderResource
    """Provider for Route 53 records (a global service; us-east-1)."""
    waf_rate_limit: int
    """Requests per 5 minutes per client IP before WAF blocks the client."""
    log_retention_days: int
    deletion_protection: bool
    """Deletion protection on the ALB and protect on the access-log bucket."""


class RegionalEntry(pulumi.ComponentResource):
    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    https_listener: aws.lb.Listener
    http_listener: aws.lb.Listener
    certificate: aws.acm.Certificate
    web_acl: aws.wafv2.WebAcl
    access_log_bucket: aws.s3.Bucket
    waf_log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: RegionalEntryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:entry:RegionalEntry", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)

        bucket_policy = self._access_log_bucket()
        self.load_balancer = self._load_balancer(bucket_policy)
        self.target_group = self._target_group()
        self.certificate, validated_arn = self._certificate()
        self.https_listener, self.http_listener = self._listeners(validated_arn)
        self.web_acl = self._web_acl()
        self.register_outputs(
            {
                "alb_arn": self.load_balancer.arn,
                "alb_dns_name": self.load_balancer.dns_name,
                "target_group_arn": self.target_group.arn,
                "web_acl_arn": self.web_acl.arn,
            }
        )

    def _load_balancer(self, bucket_policy: aws.s3.BucketPolicy) -> aws.lb.LoadBalancer:
        args = self._args
        return aws.lb.LoadBalancer(
            f"{self._name}-alb",
            load_balancer_type="application",
            internal=False,
            security_groups=[args.alb_security_group_id],
            subnets=list(args.public_subnet_ids),
            enable_deletion_protection=args.deletion_protection,
            drop_invalid_header_fields=True,
            desync_mitigation_mode="defensive",
            access_logs={
                "bucket": self.access_log_bucket.bucket,
                "prefix": ACCESS_LOG_PREFIX,
                "enabled": True,
            },
            tags={"Name": f"{args.context.name_prefix}-alb"},
            # ELB checks that it may write to the bucket when access logs are turned on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[bucket_policy]),
        )

    def _target_group(self) -> aws.lb.TargetGroup:
        args = self._args
        return aws.lb.TargetGroup(
            f"{self._name}-tg",
            vpc_id=args.vpc_id,
            target_type="instance",
            # TLS on the hop to the instances too (TLS everywhere). The ALB does not validate
            # the targets' certificates, so the self-signed one the bootstrap makes at boot
            # serves: "The load balancer does not validate these certificates. Therefore, you
            # can use self-signed certificates" (Routing configuration,
            # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html).
            protocol="HTTPS",
            port=args.app_port,
            deregistration_delay=30,
            health_check={
                "enabled": True,
                "path": args.health_check_path,
                # The health check defaults to HTTP; the targets speak only HTTPS.
                "protocol": "HTTPS",
                "port": "traffic-port",
                "matcher": "200",
                "interval": 15,
                "healthy_threshold": 2,
                "unhealthy_threshold": 3,
            },
            tags={"Name": f"{args.context.name_prefix}-app-tg"},
            opts=self._child,
        )

    def _listeners(self, certificate_arn: pulumi.Output[str]) -> tuple[aws.lb.Listener, aws.lb.Listener]:
        """HTTPS to the targets with the validated certificate; HTTP only redirects to it."""
        https = aws.lb.Listener(
            f"{self._name}-https",
            load_balancer_arn=self.load_balancer.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=certificate_arn,
            default_actions=[{"type": "forward", "target_group_arn": self.target_group.arn}],
            opts=self._child,
        )
        http = aws.lb.Listener(
            f"{self._name}-http",
            load_balancer_arn=self.load_balancer.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                {
                    "type": "redirect",
                    "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"},
                }
            ],
            opts=self._child,
        )
        return https, http

    def _access_log_bucket(self) -> aws.s3.BucketPolicy:
        name, args = self._name, self._args
        # EXCEPTION to "a CMK for every log": ELB access-log delivery supports only SSE-S3
        # (AES256) on the target bucket, not SSE-KMS. The bucket is private and TLS-only.
        # Access logs are audit evidence: protected and kept in AWS with deletion protection.
        logs = private_bucket(
            f"{name}-alb-logs",
            pulumi.Output.from_input(args.context.account_id).apply(
                lambda account: f"trading-dr-alb-access-logs-{account}-{args.context.region}"
            ),
            None,
            args.deletion_protection,
            self,
        )
        self.access_log_bucket = logs.bucket
        bucket = self.access_log_bucket.id
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-alb-logs-lifecycle",
            bucket=bucket,
            rules=[
                {
                    "id": "expire-access-logs",
                    "status": "Enabled",
                    "filter": {"prefix": f"{ACCESS_LOG_PREFIX}/"},
                    "expiration": {"days": args.log_retention_days},
                    "noncurrent_version_expiration": {"noncurrent_days": 30},
                },
                {
                    # The whole bucket, not only the log prefix: an upload anywhere that never
                    # completes is aborted and stops costing storage.
                    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortIncompleteMultipartUpload.html
                    "id": "abort-incomplete-uploads",
                    "status": "Enabled",
                    "filter": {},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
                },
            ],
            opts=self._child,
        )
        # Regions older than August 2022 deliver from an ELB-owned account; newer ones from the
        # log-delivery service principal. The provider knows the account of each region.
        elb_account = aws.elb.get_service_account_output(opts=pulumi.InvokeOutputOptions(parent=self))
        policy = pulumi.Output.all(
            self.access_log_bucket.arn, elb_account.arn, args.context.account_id
        ).apply(lambda v: json.dumps(access_log_bucket_policy(*v)))
        return aws.s3.BucketPolicy(f"{name}-alb-logs-policy", bucket=bucket, policy=policy, opts=self._child)

    def _certificate(self) -> tuple[aws.acm.Certificate, pulumi.Output[str]]:
        name, args = self._name, self._args
        certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=args.domain_name,
            subject_alternative_names=list(args.alternative_names),
            validation_method="DNS",
            tags={"Name": f"{args.context.name_prefix}-cert"},
            opts=self._child,
        )
        fqdns = []
        for index, domain in enumerate([args.domain_name, *args.alternative_names]):
            option = certificate.domain_validation_options.apply(
                lambda options, d=domain: next(o for o in options if o.domain_name == d)
            )
            record = aws.route53.Record(
                f"{name}-cert-validation-{index}",
                zone_id=args.zone_id,
                name=option.resource_record_name,
                type=option.resource_record_type,
                records=[option.resource_record_value],
                ttl=300,
                # ACM gives a name the same validation record in every certificate of the
                # account: both regions' certificates cover appName.zoneName and share it.
                # Overwrite rather than fail, and leave it when one stack is destroyed so
                # the other region's certificate keeps renewing.
                allow_overwrite=True,
                opts=pulumi.ResourceOptions(parent=self, provider=args.dns_provider, retain_on_delete=True),
            )
            fqdns.append(record.fqdn)
        validation = aws.acm.CertificateValidation(
            f"{name}-cert-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=fqdns,
            opts=self._child,
        )
        return certificate, validation.certificate_arn

    def _web_acl(self) -> aws.wafv2.WebAcl:
        name, args = self._name, self._args
        metric = f"{args.context.name_prefix}-waf".replace("-", "")

        def visibility(suffix: str) -> dict:
            return {
                "cloudwatch_metrics_enabled": True,
                "sampled_requests_enabled": True,
                "metric_name": f"{metric}{suffix}",
            }

        rules = [
            {
                "name": group,
                "priority": 10 * (index + 1),
                "override_action": {"none": {}},
                "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
                "visibility_config": visibility(group),
            }
            for index, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            {
                "name": "rate-limit-per-ip",
                "priority": 10 * (len(MANAGED_RULE_GROUPS) + 1),
                "action": {"block": {}},
                "statement": {
                    "rate_based_statement": {"limit": args.waf_rate_limit, "aggregate_key_type": "IP"}
                },
                "visibility_config": visibility("RateLimit"),
            }
        )
        web_acl = aws.wafv2.WebAcl(
            f"{name}-waf",
            scope="REGIONAL",
            description=f"{args.context.name_prefix} ALB",
            default_action={"allow": {}},
            rules=rules,
            visibility_config=visibility(""),
            opts=self._child,
        )
        aws.wafv2.WebAclAssociation(
            f"{name}-waf-association",
            resource_arn=self.load_balancer.arn,
            web_acl_arn=web_acl.arn,
            opts=self._child,
        )
        self.waf_log_group = aws.cloudwatch.LogGroup(
            f"{name}-waf-logs",
            name=f"{WAF_LOG_GROUP_PREFIX}{args.context.name_prefix}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.context.kms_key_arn,
            opts=self._child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-waf-logging",
            resource_arn=web_acl.arn,
            log_destination_configs=[self.waf_log_group.arn],
            # Credentials never reach the logs.
            redacted_fields=[
                {"single_header": {"name": "authorization"}},
                {"single_header": {"name": "cookie"}},
            ],
            opts=self._child,
        )
        return web_acl


def access_log_bucket_policy(bucket_arn: str, elb_account_arn: str, account: str) -> dict:
    """Bucket policy of the ALB access-log bucket: ELB may write under the log prefix of this
    account, nothing may use plain HTTP."""
    objects = f"{bucket_arn}/{ACCESS_LOG_PREFIX}/AWSLogs/{account}/*"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ElbAccountWritesAccessLogs",
                "Effect": "Allow",
                "Principal": {"AWS": elb_account_arn},
                "Action": "s3:PutObject",
                "Resource": objects,
            },
            {
                "Sid": "ElbLogDeliveryWritesAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": objects,
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            },
            deny_insecure_transport(bucket_arn),
        ],
    }
