# ruff: noqa: E501  (a data table: one rule per row, its URL on it)
"""AWS's documented charset and length of every name, description and identifier the program
sets, one row per rule with the page that states it. The mock engine accepts any string;
AWS does not (an apostrophe in a security-group rule description failed the first
real deploy). tests/test_aws_constraints.py checks every configuration of the whole plan
against this table, and proves each row rejects a known-bad value.

Patterns are Python regexes matched with `re.fullmatch`; lengths are inside them. Sources:
the AWS API references (the same text as botocore's service models, under
botocore/data/<service>/*/service-2.json). Where AWS's pages disagree (the UserIdGroupPair description
omits `&`) the stricter reading is the row.

Names Pulumi generates (auto-naming) are checked too: when a row's `autoname` is set and the
input is absent, the name AWS sees is the logical name, a hyphen and 7 random characters
(pulumi-terraform-bridge `resource.NewUniqueHex`, which fails the deploy when the result
would exceed the maximum); a `name_prefix`/`namePrefix` input becomes the prefix plus 26
characters (terraform-plugin-sdk `id.PrefixedUniqueId`, UniqueIDSuffixLength = 26).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

AUTONAME_SUFFIX = "-0a1b2c3"
"""What Pulumi appends to a logical name: "-" and 7 random hex characters."""
PREFIX_SUFFIX = "20261130031045123400000001"
"""What a name prefix gets: 26 characters (a timestamp and a counter)."""

# Character classes shared by several rows.
EC2_SG_TEXT = r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]"
"""CreateSecurityGroup: "a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"."""
EC2_RULE_TEXT = r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]"
"""IpRange allows & but UserIdGroupPair's text does not: the stricter set, without &."""
IAM_NAME = r"[A-Za-z0-9_+=,.@-]"
RDS_ID = r"[A-Za-z](?!.*--)[A-Za-z0-9-]*(?<!-)"
"""Letters, digits, hyphens; first a letter; no trailing hyphen, no two consecutive hyphens."""
ELB_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?"
ANY_TEXT = r"(?s:.)"

EC2 = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference"
IAM = "https://docs.aws.amazon.com/IAM/latest/APIReference"
RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference"
ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference"
WAF = "https://docs.aws.amazon.com/waf/latest/APIReference"
BACKUP = "https://docs.aws.amazon.com/aws-backup/latest/devguide"


@dataclass(frozen=True)
class Rule:
    resource: str
    """Pulumi type token, or "*" for every AWS resource."""
    field: str
    """Input path: `a.b` nested, `a[]` each list item, `a{}` each mapping value, `a{k}` each key."""
    pattern: str
    """Python regex for re.fullmatch, lengths included."""
    url: str
    good: str
    bad: str
    """A value AWS refuses: the self-test proves the row rejects it."""
    autoname: bool = False
    """Pulumi auto-names this field when the program leaves it out."""
    prefix_field: str | None = None
    """Input that names a prefix for this field (namePrefix)."""
    compiled: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", re.compile(self.pattern))

    def accepts(self, value: str) -> bool:
        return self.compiled.fullmatch(value) is not None

    @property
    def id(self) -> str:
        return f"{self.resource.rsplit(':', 1)[-1]}.{self.field}"


def _r(resource: str, fld: str, pattern: str, url: str, good: str, bad: str, **kw: Any) -> Rule:
    return Rule(resource, fld, pattern, url, good, bad, **kw)


SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"

RULES: tuple[Rule, ...] = (
    # --- EC2 security groups and rules ---------------------------------------------------------
    _r(SG, "name", rf"(?!sg-){EC2_SG_TEXT}{{1,255}}", f"{EC2}/API_CreateSecurityGroup.html",
       "home-sg-app", "sg-app", autoname=True, prefix_field="namePrefix"),
    _r(SG, "description", rf"{EC2_SG_TEXT}{{0,255}}", f"{EC2}/API_CreateSecurityGroup.html",
       "app tier: from the ALB", "the peer region's VPC"),
    *(
        _r(kind, f"{direction}[].description", rf"{EC2_RULE_TEXT}{{0,255}}", f"{EC2}/API_UserIdGroupPair.html",
           "from the peer VPC", "from the peer region's VPC")
        for kind in (SG, DEFAULT_SG)
        for direction in ("ingress", "egress")
    ),
    *(
        _r(f"aws:vpc/securityGroup{kind}Rule:SecurityGroup{kind}Rule", "description", rf"{EC2_RULE_TEXT}{{0,255}}",
           f"{EC2}/API_IpRange.html", "HTTPS from the internet", "HTTPS & more")
        for kind in ("Ingress", "Egress")
    ),
    # --- IAM --------------------------------------------------------------------------------------
    _r("aws:iam/role:Role", "name", rf"{IAM_NAME}{{1,64}}", f"{IAM}/API_CreateRole.html",
       "home-failover-role", "role with spaces", autoname=True, prefix_field="namePrefix"),
    _r("aws:iam/role:Role", "description", r"[\t\n\r\x20-\x7E\xA1-\xFF]{0,1000}", f"{IAM}/API_CreateRole.html",
       "Failover orchestrator", "x" * 1001),
    _r("aws:iam/role:Role", "path", r"/|/[\x21-\x7E]{1,510}/", f"{IAM}/API_CreateRole.html",
       "/service/", "service"),
    _r("aws:iam/rolePolicy:RolePolicy", "name", rf"{IAM_NAME}{{1,128}}", f"{IAM}/API_PutRolePolicy.html",
       "home-failover-policy", "policy:one", autoname=True, prefix_field="namePrefix"),
    _r("aws:iam/policy:Policy", "name", rf"{IAM_NAME}{{1,128}}", f"{IAM}/API_CreatePolicy.html",
       "trading-dr-deployer", "a/b", autoname=True, prefix_field="namePrefix"),
    _r("aws:iam/policy:Policy", "description", rf"{ANY_TEXT}{{0,1000}}", f"{IAM}/API_CreatePolicy.html",
       "what it grants", "x" * 1001),
    _r("aws:iam/instanceProfile:InstanceProfile", "name", rf"{IAM_NAME}{{1,128}}",
       f"{IAM}/API_CreateInstanceProfile.html", "home-traffic-compute-profile", "profile#1",
       autoname=True, prefix_field="namePrefix"),
    # --- Lambda -----------------------------------------------------------------------------------
    _r("aws:lambda/function:Function", "name", r"[a-zA-Z0-9_-]{1,64}",
       "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html",
       "trading-dr-primary-failover", "trading.dr.failover", autoname=True),
    _r("aws:lambda/function:Function", "description", rf"{ANY_TEXT}{{0,256}}",
       "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html", "the orchestrator", "x" * 257),
    # --- Elastic Load Balancing -------------------------------------------------------------------
    _r("aws:lb/loadBalancer:LoadBalancer", "name", rf"(?!internal-){ELB_NAME}", f"{ELB}/API_CreateLoadBalancer.html",
       "home-traffic-entry-alb-0a1b2c3", "internal-alb", autoname=True, prefix_field="namePrefix"),
    _r("aws:lb/targetGroup:TargetGroup", "name", ELB_NAME, f"{ELB}/API_CreateTargetGroup.html",
       "home-traffic-entry-tg-0a1b2c3", "home-traffic-entry-target-group-x", autoname=True,
       prefix_field="namePrefix"),
    # --- S3 -----------------------------------------------------------------------------------------
    _r("aws:s3/bucket:Bucket", "bucket",
       r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)"
       r"(?!.*(?:-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
       "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
       "trading-dr-documents-us-east-1", "Trading_DR", autoname=True, prefix_field="bucketPrefix"),
    # --- KMS ----------------------------------------------------------------------------------------
    _r("aws:kms/alias:Alias", "name", r"(?=.{7,256}$)alias/(?!aws/)[a-zA-Z0-9/_-]+",
       "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html",
       "alias/trading-dr/primary", "alias/aws/trading", prefix_field="namePrefix"),
    _r("aws:kms/key:Key", "description", rf"{ANY_TEXT}{{0,8192}}",
       "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html", "data key", "x" * 8193),
    # --- SNS, SQS -----------------------------------------------------------------------------------
    _r("aws:sns/topic:Topic", "name", r"(?=.{1,256}$)[A-Za-z0-9_-]+(\.fifo)?",
       "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html", "home-alerts-topic", "alerts.topic",
       autoname=True, prefix_field="namePrefix"),
    _r("aws:sqs/queue:Queue", "name", r"(?=.{1,80}$)[A-Za-z0-9_-]+(\.fifo)?",
       "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html",
       "home-failover-dlq", "dlq:1", autoname=True, prefix_field="namePrefix"),
    # --- Amazon ARC (recovery-control config API; botocore model: min 1, max 64, ^\S+$) ----------
    *(
        _r(f"aws:route53recoverycontrol/{kind}", "name", r"\S{1,64}",
           f"https://docs.aws.amazon.com/recovery-cluster/latest/api/{page}", "trading-dr", "trading dr")
        for kind, page in (
            ("cluster:Cluster", "cluster.html"),
            ("controlPanel:ControlPanel", "controlpanel.html"),
            ("routingControl:RoutingControl", "routingcontrol.html"),
            ("safetyRule:SafetyRule", "safetyrule.html"),
        )
    ),
    # --- Lambda code signing and AWS Signer ---------------------------------------------------------
    _r("aws:lambda/codeSigningConfig:CodeSigningConfig", "description", r"(?s).{0,256}",
       "https://docs.aws.amazon.com/lambda/latest/api/API_CreateCodeSigningConfig.html",
       "trading-dr failover orchestrator", "x" * 257),
    _r("aws:signer/signingProfile:SigningProfile", "name", r"[a-zA-Z0-9_]{2,64}",
       "https://docs.aws.amazon.com/signer/latest/api/API_PutSigningProfile.html",
       "tradingdrprimaryfailover", "trading-dr-failover", autoname=True, prefix_field="namePrefix"),
    # --- DynamoDB -----------------------------------------------------------------------------------
    _r("aws:dynamodb/table:Table", "name", r"[a-zA-Z0-9_.-]{3,255}",
       "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html",
       "trading-dr-sessions", "ab"),
    # --- RDS ----------------------------------------------------------------------------------------
    _r("aws:rds/cluster:Cluster", "clusterIdentifier", rf"(?=.{{1,63}}$){RDS_ID}", f"{RDS}/API_CreateDBCluster.html",
       "trading-dr-us-east-1", "trading--dr", autoname=True, prefix_field="clusterIdentifierPrefix"),
    _r("aws:rds/cluster:Cluster", "finalSnapshotIdentifier", rf"(?=.{{1,255}}$){RDS_ID}",
       f"{RDS}/API_DeleteDBCluster.html", "trading-dr-us-east-1-final", "1-final"),
    *(
        _r(kind, "globalClusterIdentifier", r"[A-Za-z][0-9A-Za-z\-:._]{0,254}", f"{RDS}/API_CreateGlobalCluster.html",
           "trading-dr-global", "global cluster")
        for kind in ("aws:rds/cluster:Cluster", "aws:rds/globalCluster:GlobalCluster")
    ),
    _r("aws:rds/clusterInstance:ClusterInstance", "identifier", rf"(?=.{{1,63}}$){RDS_ID}",
       f"{RDS}/API_CreateDBInstance.html", "trading-dr-us-east-1-0", "trading-dr-", autoname=True,
       prefix_field="identifierPrefix"),
    _r("aws:rds/subnetGroup:SubnetGroup", "name", r"(?!default$)[a-z][a-z0-9._ -]{0,254}",
       f"{RDS}/API_CreateDBSubnetGroup.html", "trading-dr-us-east-1", "default", autoname=True,
       prefix_field="namePrefix"),
    *(
        _r(kind, "name", rf"(?=.{{1,255}}$)(?=[^A-Z]*$){RDS_ID}", f"{RDS}/API_CreateDBParameterGroup.html",
           "trading-dr-us-east-1-20261130", "trading-dr-", autoname=True, prefix_field="namePrefix")
        for kind in ("aws:rds/clusterParameterGroup:ClusterParameterGroup", "aws:rds/parameterGroup:ParameterGroup")
    ),
    # --- CloudWatch Logs, alarms, dashboards --------------------------------------------------------
    _r("aws:cloudwatch/logGroup:LogGroup", "name", r"(?!aws/)[\.\-_/#A-Za-z0-9]{1,512}",
       "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
       "/aws/lambda/trading-dr-primary-failover", "logs for: app", autoname=True, prefix_field="namePrefix"),
    _r("aws:cloudwatch/metricAlarm:MetricAlarm", "name", r"[^\x00-\x1f\x7f]{1,255}",
       "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
       "trading-dr-primary-aurora-replication-lag", "alarm\tname", autoname=True),
    _r("aws:cloudwatch/metricAlarm:MetricAlarm", "alarmDescription", rf"{ANY_TEXT}{{0,1024}}",
       "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
       "replication lag above the bound", "x" * 1025),
    _r("aws:cloudwatch/dashboard:Dashboard", "dashboardName", r"[A-Za-z0-9_-]{1,255}",
       "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html",
       "trading-dr-primary-us-east-1", "trading dr"),
    # --- EventBridge ------------------------------------------------------------------------------
    _r("aws:cloudwatch/eventRule:EventRule", "name", r"[\.\-_A-Za-z0-9]{1,64}",
       "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
       "home-failover-schedule", "every minute", autoname=True, prefix_field="namePrefix"),
    _r("aws:cloudwatch/eventRule:EventRule", "description", rf"{ANY_TEXT}{{0,512}}",
       "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html", "every minute", "x" * 513),
    # --- WAFv2 -------------------------------------------------------------------------------------
    _r("aws:wafv2/webAcl:WebAcl", "name", r"[A-Za-z0-9_-]{1,128}", f"{WAF}/API_CreateWebACL.html",
       "home-traffic-entry-waf", "web acl", autoname=True, prefix_field="namePrefix"),
    _r("aws:wafv2/webAcl:WebAcl", "description",
       r"(?=.{1,256}$)[\w+=:#@/\-,\.](?:[\w+=:#@/\-,\.\s]*[\w+=:#@/\-,\.])?", f"{WAF}/API_CreateWebACL.html",
       "trading-dr-primary ALB", "the ALB's ACL"),
    *(
        _r("aws:wafv2/webAcl:WebAcl", path, r"(?!All$|Default_Action$)[A-Za-z0-9_-]{1,128}",
           f"{WAF}/API_VisibilityConfig.html", "tradingdrprimarywaf", "Default_Action")
        for path in ("visibilityConfig.metricName", "rules[].visibilityConfig.metricName")
    ),
    _r("aws:wafv2/webAcl:WebAcl", "rules[].name", r"[A-Za-z0-9_-]{1,128}", f"{WAF}/API_Rule.html",
       "AWSManagedRulesCommonRuleSet", "rate limit"),
    # --- Secrets Manager ---------------------------------------------------------------------------
    _r("aws:secretsmanager/secret:Secret", "name", r"(?!.*-[A-Za-z0-9]{6}$)[A-Za-z0-9/_+=.@-]{1,512}",
       "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html",
       "trading-dr/us-east-1/aurora-credentials", "trading-dr-abcdef", autoname=True, prefix_field="namePrefix"),
    _r("aws:secretsmanager/secret:Secret", "description", rf"{ANY_TEXT}{{0,2048}}",
       "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html", "master", "x" * 2049),
    # --- AWS Backup --------------------------------------------------------------------------------
    _r("aws:backup/vault:Vault", "name", r"[a-zA-Z0-9\-\_]{2,50}", f"{BACKUP}/API_CreateBackupVault.html",
       "trading-dr-us-east-1", "trading.dr"),
    _r("aws:backup/plan:Plan", "name", r"[a-zA-Z0-9\-_.]{1,50}", f"{BACKUP}/API_BackupPlanInput.html",
       "trading-dr-daily-us-east-1", "daily plan"),
    _r("aws:backup/plan:Plan", "rules[].ruleName", r"[a-zA-Z0-9\-\_\.]{1,50}", f"{BACKUP}/API_BackupRuleInput.html",
       "daily-with-peer-copy", "daily/copy"),
    _r("aws:backup/selection:Selection", "name", r"[a-zA-Z0-9\-\_\.]{1,50}", f"{BACKUP}/API_BackupSelection.html",
       "trading-dr-data", "x" * 51),
    # --- Route 53 ----------------------------------------------------------------------------------
    _r("aws:route53/healthCheck:HealthCheck", "referenceName", r".{1,64}",
       "https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHealthCheck.html",
       "primary-alb", "x" * 65),
    _r("aws:route53/zone:Zone", "comment", rf"{ANY_TEXT}{{0,256}}",
       "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZoneConfig.html", "failover names",
       "x" * 257),
    _r("aws:route53/record:Record", "name", r"(?=.{1,255}$)([A-Za-z0-9_*-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?",
       "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html",
       "app.trading.acme-corp.net", "a" * 64 + ".net"),
    _r("aws:route53/record:Record", "setIdentifier", r".{1,128}",
       "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html", "primary", "x" * 129),
    # --- SSM, Step Functions, EC2 launch templates, Auto Scaling, CloudTrail, ACM ----------------
    _r("aws:ssm/parameter:Parameter", "name",
       r"(?=.{1,960}$)(?!/?(?i:aws|ssm))/?[a-zA-Z0-9_.\-]+(/[a-zA-Z0-9_.\-]+){0,14}",
       "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html",
       "/trading-dr/primary/writer-endpoint", "/aws/trading-dr", autoname=True),
    _r("aws:ssm/parameter:Parameter", "description", rf"{ANY_TEXT}{{0,1024}}",
       "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html", "writer", "x" * 1025),
    _r("aws:sfn/stateMachine:StateMachine", "name", r"[A-Za-z0-9_-]{1,80}",
       "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html",
       "trading-dr-primary-promotion", "promotion machine", autoname=True, prefix_field="namePrefix"),
    _r("aws:ec2/launchTemplate:LaunchTemplate", "name", r"[a-zA-Z0-9().\-/_]{3,128}",
       f"{EC2}/API_CreateLaunchTemplate.html", "home-traffic-compute-lt", "lt", autoname=True,
       prefix_field="namePrefix"),
    _r("aws:ec2/launchTemplate:LaunchTemplate", "description", rf"{ANY_TEXT}{{0,255}}",
       f"{EC2}/API_CreateLaunchTemplate.html", "application instances", "x" * 256),
    _r("aws:autoscaling/group:Group", "name", r"[\x21-\x39\x3B-\x7E]{1,255}",
       "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html",
       "home-traffic-compute-asg", "asg:one", autoname=True, prefix_field="namePrefix"),
    _r("aws:cloudtrail/trail:Trail", "name",
       r"(?!\d+\.\d+\.\d+\.\d+$)(?=.{3,128}$)[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-]))*[A-Za-z0-9]",
       "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html",
       "trading-dr-trail", "trading--trail"),
    _r("aws:acm/certificate:Certificate", "domainName", r"(?=.{1,64}$)(\*\.)?([A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{1,63}",
       "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html",
       "app.trading.acme-corp.net", "a" * 60 + ".acme.net"),
    # --- Tags on every resource ----------------------------------------------------------------------
    _r("*", "tags{k}", r"(?!aws:).{1,127}", f"{EC2}/API_Tag.html", "CostCenter", "aws:owner"),
    _r("*", "tags{}", r".{0,256}", f"{EC2}/API_Tag.html", "trading-platform", "x" * 257),
)  # fmt: skip


def values_at(data: Any, path: str) -> Iterator[Any]:
    """Every value at `path` in nested inputs (see Rule.field). Missing parts yield nothing."""
    if not path:
        yield data
        return
    match = re.match(r"([^.\[{]+)(\[\]|\{\}|\{k\})?\.?(.*)", path)
    assert match, path
    key, marker, rest = match.groups()
    if not isinstance(data, dict) or data.get(key) is None:
        return
    value = data[key]
    if marker == "[]":
        items = value if isinstance(value, list) else []
    elif marker == "{}":
        items = list(value.values()) if isinstance(value, dict) else []
    elif marker == "{k}":
        items = list(value) if isinstance(value, dict) else []
    else:
        items = [value]
    for item in items:
        yield from values_at(item, rest)


def names_for(rule: Rule, logical_name: str, inputs: dict[str, Any]) -> list[str]:
    """The values AWS would receive for `rule` from one resource's inputs: what the program
    set, else the prefix plus its suffix, else Pulumi's auto-name of the logical name."""
    found = [str(v) for v in values_at(inputs, rule.field)]
    if found or "[" in rule.field or "{" in rule.field:
        return found
    if rule.prefix_field and inputs.get(rule.prefix_field):
        return [f"{inputs[rule.prefix_field]}{PREFIX_SUFFIX}"]
    if rule.autoname:
        return [f"{logical_name}{AUTONAME_SUFFIX}"]
    return []


@dataclass(frozen=True)
class Violation:
    stack: str
    resource: str
    rule: Rule
    value: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return (
            f"{self.stack}: {self.resource} {self.rule.field}={shown!r} breaks /{self.rule.pattern}/ "
            f"({self.rule.url})"
        )


def violations(stack: str, resources: list[Any]) -> list[Violation]:
    """Every (resource, rule, value) where the value breaks the rule, over captured
    resources (ops.mock_engine.CapturedResource: type, name, inputs)."""
    found = []
    for resource in resources:
        if not resource.type.startswith("aws:") or not getattr(resource, "custom", True):
            continue
        for rule in RULES:
            if rule.resource not in (resource.type, "*"):
                continue
            for value in names_for(rule, resource.name, resource.inputs):
                if not rule.accepts(value):
                    found.append(Violation(stack, f"{resource.type} {resource.name}", rule, value))
    return found
