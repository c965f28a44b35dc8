"""The request path: ALB + listeners + WAF, the application group, Route 53 failover."""

from __future__ import annotations

import pytest

from components.traffic.entry import TLS_POLICY
from ops.mock_engine import run_both
from tests.traffic_support import by_id, policy, run_of, under

ALB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
CERT = "aws:acm/certificate:Certificate"
CERT_VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
ZONE = "aws:route53/zone:Zone"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WAF_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WAF_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ASG = "aws:autoscaling/group:Group"
STACKS = ["primary", "dr"]

# Route 53 publishes health-check metrics in its control-plane region, us-east-1 in the aws
# partition (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html).
ROUTE53_HOME = "us-east-1"


# --- Entry: ALB, listeners, certificate, WAF ---------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_alb_is_internet_facing_hardened_and_logs_access(stacks, stack):
    run = run_of(stacks, stack)
    alb = run.one(ALB)
    assert alb.region == run.settings.home_region
    assert alb.inputs["internal"] is False
    public = {s.id for s in run.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "public"}
    assert set(alb.inputs["subnets"]) == public
    assert alb.inputs["enableDeletionProtection"] is True
    assert alb.inputs["dropInvalidHeaderFields"] is True
    assert alb.inputs["desyncMitigationMode"] == "defensive"
    logs = alb.inputs["accessLogs"]
    assert logs["enabled"] is True
    bucket = by_id(run, logs["bucket"])
    assert bucket.type == "aws:s3/bucket:Bucket" and bucket.region == alb.region
    assert [by_id(run, g).name.endswith("-alb") for g in alb.inputs["securityGroups"]] == [True]


@pytest.mark.parametrize("stack", STACKS)
def test_the_access_log_bucket_is_private_tls_only_versioned_and_writable_by_elb(stacks, stack):
    run = run_of(stacks, stack)
    bucket = by_id(run, run.one(ALB).inputs["accessLogs"]["bucket"])

    def config(type_):
        return next(r for r in run.of_type(type_) if r.inputs["bucket"] == bucket.id)

    block = config("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        block[k] is True
        for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    assert (
        config("aws:s3/bucketVersioning:BucketVersioning").inputs["versioningConfiguration"]["status"]
        == "Enabled"
    )
    # SSE-S3: ELB access-log delivery does not support SSE-KMS (documented exception).
    sse = config("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    lifecycle = config("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs["rules"]
    assert lifecycle[0]["expiration"]["days"] == run.settings.log_retention_days
    statements = policy(config("aws:s3/bucketPolicy:BucketPolicy"))["Statement"]
    deny = [s for s in statements if s["Effect"] == "Deny"]
    assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    writers = [s for s in statements if s["Effect"] == "Allow"]
    assert writers and all(
        s["Action"] == "s3:PutObject" and "/AWSLogs/123456789012/" in s["Resource"] for s in writers
    )
    elb_account = next(i for i in run.invokes if i.token == "aws:elb/getServiceAccount:getServiceAccount")
    assert elb_account.region == run.settings.home_region


@pytest.mark.parametrize("stack", STACKS)
def test_https_listener_uses_tls13_and_the_validated_certificate(stacks, stack):
    run = run_of(stacks, stack)
    alb = run.one(ALB)
    https = [r for r in run.of_type(LISTENER) if r.inputs["protocol"] == "HTTPS"]
    assert len(https) == 1 and https[0].inputs["port"] == 443
    listener = https[0].inputs
    assert listener["loadBalancerArn"] == alb.outputs["arn"]
    assert listener["sslPolicy"] == TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    cert = run.one(CERT)
    assert listener["certificateArn"] == cert.outputs["arn"]
    # The listener takes the ARN from the validation, so it waits for the certificate to be issued.
    assert run.one(CERT_VALIDATION).outputs["certificateArn"] == listener["certificateArn"]
    (action,) = listener["defaultActions"]
    assert action["type"] == "forward" and by_id(run, action["targetGroupArn"]).type == TARGET_GROUP


@pytest.mark.parametrize("stack", STACKS)
def test_http_listener_only_redirects_to_https(stacks, stack):
    run = run_of(stacks, stack)
    http = [r for r in run.of_type(LISTENER) if r.inputs["protocol"] == "HTTP"]
    assert len(http) == 1 and http[0].inputs["port"] == 80
    (action,) = http[0].inputs["defaultActions"]
    assert action["type"] == "redirect"
    assert action["redirect"]["protocol"] == "HTTPS" and action["redirect"]["port"] == "443"


@pytest.mark.parametrize("stack", STACKS)
def test_the_certificate_is_dns_validated_in_the_hosted_zone(stacks, stack):
    run = run_of(stacks, stack)
    traffic = run.settings.traffic
    cert = run.one(CERT)
    assert cert.region == run.settings.home_region  # an ALB uses a certificate of its own region
    assert cert.inputs["validationMethod"] == "DNS"
    names = {cert.inputs["domainName"], *cert.inputs["subjectAlternativeNames"]}
    assert names == {traffic.app_fqdn, f"{traffic.app_name}-{run.settings.home_region}.{traffic.zone_name}"}
    expected = {
        (o["resourceRecordName"], o["resourceRecordValue"]) for o in cert.outputs["domainValidationOptions"]
    }
    validation = run.one(CERT_VALIDATION)
    records = [
        r for r in run.of_type(RECORD) if r.outputs["fqdn"] in validation.inputs["validationRecordFqdns"]
    ]
    assert {(r.inputs["name"], r.inputs["records"][0]) for r in records} == expected
    zone_id = run.exports["hostedZoneId"]
    assert all(r.inputs["zoneId"] == zone_id and r.inputs["allowOverwrite"] is True for r in records)


def test_the_zone_lives_in_a_component_and_is_aliased_to_its_old_place(primary):
    """Every resource sits inside a component; the zone moved there from the stack root, so
    it carries an alias to the root parent: a deployed zone is adopted, not replaced (a new
    zone would get new name servers and break the delegation)."""
    zone = primary.one(ZONE)
    parent = primary.by_urn(zone.parent)
    assert parent is not None and parent.type == "tradingdr:traffic:PlatformZone"
    assert zone.options.aliases == ["noParent"]


def test_both_stacks_validate_in_the_primary_zone(primary, dr):
    zone = primary.one(ZONE)
    assert primary.exports["hostedZoneId"] == zone.outputs["zoneId"] == dr.exports["hostedZoneId"]
    assert dr.of_type(ZONE) == []
    assert {r.inputs["zoneId"] for r in dr.of_type(RECORD)} == {zone.outputs["zoneId"]}
    assert zone.options.protect is True


@pytest.mark.parametrize("stack", STACKS)
def test_the_waf_acl_has_managed_rules_a_rate_limit_metrics_and_logging_and_guards_the_alb(stacks, stack):
    run = run_of(stacks, stack)
    acl = run.one(WEB_ACL)
    assert acl.inputs["scope"] == "REGIONAL" and acl.region == run.settings.home_region
    rules = acl.inputs["rules"]
    managed = {
        r["statement"]["managedRuleGroupStatement"]["name"]
        for r in rules
        if "managedRuleGroupStatement" in r["statement"]
    }
    assert managed == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"}
    (rate,) = [r for r in rules if "rateBasedStatement" in r["statement"]]
    assert rate["statement"]["rateBasedStatement"]["limit"] == run.settings.traffic.waf_rate_limit
    assert rate["action"] == {"block": {}}
    for visibility in [acl.inputs["visibilityConfig"], *(r["visibilityConfig"] for r in rules)]:
        assert visibility["cloudwatchMetricsEnabled"] is True and visibility["sampledRequestsEnabled"] is True
    association = run.one(WAF_ASSOCIATION)
    assert association.inputs["resourceArn"] == run.one(ALB).outputs["arn"]
    assert association.inputs["webAclArn"] == acl.outputs["arn"]
    logging = run.one(WAF_LOGGING)
    assert logging.inputs["resourceArn"] == acl.outputs["arn"]
    (destination,) = logging.inputs["logDestinationConfigs"]
    log_group = by_id(run, destination)
    assert log_group.inputs["name"].startswith("aws-waf-logs-")
    assert log_group.inputs["kmsKeyId"] == run.exports["kmsKeyArn"]
    assert log_group.inputs["retentionInDays"] == run.settings.log_retention_days


def test_the_rate_limit_follows_config():
    # Both stacks: the pair check refuses a rate limit that differs between the regions.
    limit = {"trading-dr:wafRateLimit": 777}
    primary, _ = run_both({"primary": limit, "dr": limit})
    (rate,) = [r for r in primary.one(WEB_ACL).inputs["rules"] if "rateBasedStatement" in r["statement"]]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 777


# --- Compute ------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_launch_template_requires_imdsv2_encrypts_ebs_and_has_no_public_ip_or_key(stacks, stack):
    run = run_of(stacks, stack)
    template = run.one(LAUNCH_TEMPLATE).inputs
    metadata = template["metadataOptions"]
    assert metadata["httpTokens"] == "required" and metadata["httpPutResponseHopLimit"] == 1
    assert "keyName" not in template
    (nic,) = template["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "false"
    assert [by_id(run, g).name.endswith("-app") for g in nic["securityGroups"]] == [True]
    # The mapping must name the image's root device, or the real root volume launches with
    # the AMI's defaults (unencrypted) and the mapping adds a second, unused volume. Amazon
    # Linux 2023's root device is /dev/xvda:
    # https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/device_naming.html
    assert template["imageId"].endswith("/al2023-ami-kernel-default-x86_64")
    devices = {device["deviceName"]: device for device in template["blockDeviceMappings"]}
    assert set(devices) == {"/dev/xvda"}
    root = devices["/dev/xvda"]["ebs"]
    assert root["encrypted"] == "true"
    assert root["kmsKeyId"] == run.exports["kmsKeyArn"]
    profile = by_id(run, template["iamInstanceProfile"]["arn"])
    attachments = [
        a
        for a in run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == profile.inputs["role"]
    ]
    assert [a.inputs["policyArn"] for a in attachments] == [
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_no_instance_or_private_subnet_gets_a_public_ip(stacks, stack):
    run = run_of(stacks, stack)
    private = [s for s in run.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] != "public"]
    assert private and all(s.inputs["mapPublicIpOnLaunch"] is False for s in private)
    asg = run.one(ASG)
    assert set(asg.inputs["vpcZoneIdentifiers"]) == {
        s.id for s in private if s.inputs["tags"]["Tier"] == "app"
    }
    assert not run.of_type("aws:ec2/instance:Instance")


@pytest.mark.parametrize("stack", STACKS)
def test_the_group_uses_elb_health_and_the_target_group(stacks, stack):
    run = run_of(stacks, stack)
    asg = run.one(ASG).inputs
    assert asg["healthCheckType"] == "ELB"
    assert asg["targetGroupArns"] == [run.one(TARGET_GROUP).outputs["arn"]]
    template = run.one(LAUNCH_TEMPLATE)
    assert asg["launchTemplate"] == {"id": template.id, "version": str(template.outputs["latestVersion"])}
    # A later `pulumi up` must not shrink a group that failover has scaled out
    # (tests/ops/test_post_failover_up.py proves it against the seeded post-failover state).
    assert sorted(run.one(ASG).options.ignore_changes) == ["desiredCapacity", "minSize"]
    tg = run.one(TARGET_GROUP).inputs
    assert tg["healthCheck"]["path"] == run.settings.traffic.health_check_path
    assert tg["port"] == run.settings.traffic.app_port


# --- Route 53 -----------------------------------------------------------------------------


def _failover_record(run):
    (record,) = [
        r
        for r in run.of_type(RECORD)
        if r.inputs.get("failoverRoutingPolicies") and r.inputs["name"] == run.settings.traffic.app_fqdn
    ]
    return record


def _alb_check(run):
    """The HTTPS health check of this region's ALB (the other is the routing control's)."""
    (check,) = [c for c in run.of_type(HEALTH_CHECK) if c.inputs["type"] == "HTTPS"]
    return check


# The failover record points at its own ALB; its gating by the routing control (not the
# ALB's health) is tested in test_dns_gating.py (DNS follows the authority:
# docs/ARCHITECTURE.md#one-authority).
@pytest.mark.parametrize(("stack", "role"), [("primary", "PRIMARY"), ("dr", "SECONDARY")])
def test_each_stack_publishes_its_failover_record_to_its_own_alb_with_a_health_check(stacks, stack, role):
    run = run_of(stacks, stack)
    record = _failover_record(run).inputs
    assert record["name"] == run.settings.traffic.app_fqdn
    assert record["failoverRoutingPolicies"] == [{"type": role}]
    assert record["setIdentifier"]
    alb = run.one(ALB)
    assert alb.region == run.settings.home_region
    assert record["records"] == [alb.outputs["dnsName"]]
    check = by_id(run, record["healthCheckId"])
    assert check.type == HEALTH_CHECK
    assert _alb_check(run).inputs["fqdn"] == alb.outputs["dnsName"]
    assert run.exports["healthCheckId"] == _alb_check(run).id


def test_the_pair_is_complete_and_distinct(primary, dr):
    records = [_failover_record(primary).inputs, _failover_record(dr).inputs]
    assert {r["failoverRoutingPolicies"][0]["type"] for r in records} == {"PRIMARY", "SECONDARY"}
    assert len({r["setIdentifier"] for r in records}) == 2
    assert len({r["name"] for r in records}) == 1
    assert len({r["zoneId"] for r in records}) == 1
    assert records[0]["records"] != records[1]["records"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_health_check_probes_the_alb_over_https_with_the_configured_timing(stacks, stack):
    run = run_of(stacks, stack)
    check = _alb_check(run)
    traffic = run.settings.traffic
    assert check.region == ROUTE53_HOME
    assert check.inputs["type"] == "HTTPS" and check.inputs["port"] == 443
    assert check.inputs["resourcePath"] == traffic.health_check_path
    assert check.inputs["requestInterval"] == traffic.health_check_interval == 10
    assert (
        check.inputs["failureThreshold"] == traffic.health_check_threshold == 2
    )  # detection speed against flapping: docs/ARCHITECTURE.md#no-flapping


def test_health_check_timing_is_configurable():
    overrides = {"trading-dr:healthCheckInterval": 30, "trading-dr:healthCheckThreshold": 5}
    primary, dr = run_both({"primary": overrides, "dr": overrides})
    for run in (primary, dr):
        check = _alb_check(run).inputs
        assert (check["requestInterval"], check["failureThreshold"]) == (30, 5)


@pytest.mark.parametrize("stack", STACKS)
def test_the_health_check_alarm_is_in_us_east_1_and_notifies_an_encrypted_topic_there(stacks, stack):
    run = run_of(stacks, stack)
    check = _alb_check(run)
    alarms = [a for a in run.of_type(ALARM) if a.inputs.get("namespace") == "AWS/Route53"]
    assert len(alarms) == 1
    alarm = alarms[0]
    assert alarm.region == ROUTE53_HOME
    assert alarm.inputs["dimensions"] == {"HealthCheckId": check.id}
    assert alarm.inputs["alarmActions"]
    for arn in alarm.inputs["alarmActions"]:
        topic = by_id(run, arn)
        assert topic.type == TOPIC and topic.region == ROUTE53_HOME
        key = by_id(run, topic.inputs["kmsMasterKeyId"])
        assert key.type == "aws:kms/key:Key" and key.region == ROUTE53_HOME


@pytest.mark.parametrize("stack", STACKS)
def test_a_regional_name_reaches_this_region_directly(stacks, stack):
    run = run_of(stacks, stack)
    traffic, region = run.settings.traffic, run.settings.home_region
    direct = [
        r
        for r in run.of_type(RECORD)
        if r.inputs["name"] == f"{traffic.app_name}-{region}.{traffic.zone_name}"
    ]
    assert len(direct) == 1 and "failoverRoutingPolicies" not in direct[0].inputs
    assert direct[0].inputs["aliases"][0]["name"] == run.one(ALB).outputs["dnsName"]
    assert run.exports["healthUrl"] == f"https://{direct[0].inputs['name']}{traffic.health_check_path}"


def test_each_stack_can_compute_the_peer_health_url(primary, dr):
    assert primary.exports["peerHealthUrl"] == dr.exports["healthUrl"]
    assert dr.exports["peerHealthUrl"] == primary.exports["healthUrl"]


def test_an_existing_zone_id_replaces_the_created_zone():
    config = {"trading-dr:hostedZoneId": "Z0EXISTING123"}
    primary, dr = run_both({"primary": config, "dr": config})
    assert primary.of_type(ZONE) == [] and dr.of_type(ZONE) == []
    for run in (primary, dr):
        assert {r.inputs["zoneId"] for r in run.of_type(RECORD)} == {"Z0EXISTING123"}
        assert "nameServers" not in run.exports


def test_route53_resources_use_the_us_east_1_provider(primary, dr):
    for run in (primary, dr):
        for type_ in (ZONE, RECORD, HEALTH_CHECK):
            assert all(r.region == ROUTE53_HOME for r in run.of_type(type_)), type_
        assert under(run, "home-traffic-dns")
