"""The default application's standard-library AWS client and database client commands
(app/aws.py, app/server.py), checked against botocore
(the signer AWS's SDK uses) and against what the commands must never do."""

from __future__ import annotations

import datetime
import json
import sys

import botocore.auth
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from app import aws as app_aws
from app.server import client_command, literal, render, run_client
from failover.heartbeat import SQL
from failover.write_path import lease_get_item_request

NOW = datetime.datetime(2026, 12, 7, 18, 30, 5, tzinfo=datetime.UTC)
CREDENTIALS = {
    "AccessKeyId": "ASIAEXAMPLE",
    "SecretAccessKey": "c2VjcmV0/+key",
    "Token": "IQoJb3JpZ2luX2VjE//token==",
}


def _botocore_authorization(service, region, host, headers, body, monkeypatch) -> dict:
    request = AWSRequest(method="POST", url=f"https://{host}/", data=body, headers=dict(headers))
    credentials = Credentials(
        CREDENTIALS["AccessKeyId"], CREDENTIALS["SecretAccessKey"], CREDENTIALS["Token"]
    )
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    SigV4Auth(credentials, service, region).add_auth(request)
    return dict(request.headers)


@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        ("dynamodb", "GetItem", lease_get_item_request("trading-dr-primary-failover-control")),
        ("secretsmanager", "GetSecretValue", {"SecretId": "arn:aws:secretsmanager:us-east-1:1:secret:x"}),
    ],
)
def test_the_signature_is_botocores(service, operation, params, monkeypatch):
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html"""
    region = "us-east-1"
    host = f"{service}.{region}.amazonaws.com"
    prefix, content_type = app_aws.SERVICES[service]
    body = json.dumps(params).encode()
    headers = {"Content-Type": content_type, "X-Amz-Target": f"{prefix}.{operation}"}
    mine = app_aws.sign("POST", host, region, service, headers, body, CREDENTIALS, NOW)
    theirs = _botocore_authorization(service, region, host, headers, body, monkeypatch)
    assert mine["Authorization"] == theirs["Authorization"]
    assert mine["X-Amz-Security-Token"] == CREDENTIALS["Token"] and mine["X-Amz-Date"] == "20261207T183005Z"


def test_the_json_protocol_matches_the_service_models():
    """The target prefix and content type each service's botocore model declares."""
    session = botocore.session.get_session()
    for service, (prefix, content_type) in app_aws.SERVICES.items():
        metadata = session.get_service_model(service).metadata
        assert metadata["targetPrefix"] == prefix
        assert content_type == f"application/x-amz-json-{metadata['jsonVersion']}"


def test_an_error_answer_names_its_code_as_botocore_does():
    def http(request):
        assert request.get_header("X-amz-target") == "DynamoDB_20120810.PutItem"
        answer = {
            "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
            "message": "no",
        }
        return 400, json.dumps(answer).encode()

    client = app_aws.DynamoDb("us-west-2", lambda: CREDENTIALS, http=http)
    with pytest.raises(app_aws.AwsError) as error:
        client.put_item(TableName="t", Item={})
    assert error.value.response["Error"]["Code"] == "ConditionalCheckFailedException"


def test_instance_credentials_come_from_imdsv2_and_are_cached_until_near_expiry():
    calls, clock = [], [1_800_000_000.0]
    expiry = datetime.datetime.fromtimestamp(clock[0] + 3600, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def http(request):
        calls.append((request.get_method(), request.full_url, dict(request.header_items())))
        if request.full_url.endswith("/api/token"):
            return 200, b"tok"
        if request.full_url.endswith("/security-credentials/"):
            return 200, b"app-role"
        return 200, json.dumps({**CREDENTIALS, "Expiration": expiry}).encode()

    credentials = app_aws.InstanceCredentials(http=http, clock=lambda: clock[0])
    assert credentials()["AccessKeyId"] == "ASIAEXAMPLE" and len(calls) == 3
    assert calls[0][0] == "PUT" and all(c[2].get("X-aws-ec2-metadata-token") == "tok" for c in calls[1:])
    clock[0] += 3600 - app_aws.REFRESH_BEFORE_SECONDS - 1
    credentials()
    assert len(calls) == 3
    clock[0] += 2
    credentials()
    assert len(calls) == 6


@pytest.mark.parametrize("engine", sorted(SQL))
def test_the_client_never_sees_the_password_on_its_command_line_and_requires_tls(engine):
    argv, env = client_command(engine, "db.local", 3306, "admin", "s3cr3t pass", "trading", "SELECT 1")
    assert not any("s3cr3t" in part for part in argv)
    assert "s3cr3t pass" in env.values()
    if engine == "aurora-postgresql":
        assert env["PGSSLMODE"] == "require" and env["PGCONNECT_TIMEOUT"] == "2"
        assert env["PGOPTIONS"] == "-c statement_timeout=2000" and "ON_ERROR_STOP=1" in argv
    else:
        assert "--ssl" in argv and "--connect-timeout=2" in argv


def test_only_integers_and_plain_text_become_sql_literals():
    assert render(SQL["aurora-mysql"].upsert, ("us-east-1", 4)).startswith(
        "INSERT INTO trading_dr_heartbeat (region, epoch, beat_at) VALUES ('us-east-1', 4, "
    )
    for hostile in ("x'; DROP TABLE t; --", "a b", 1.5, True, None, "é"):
        with pytest.raises(ValueError, match="refusing"):
            literal(hostile)


def test_a_client_run_returns_its_rows_and_a_failure_raises():
    """run_client as the instance runs it, with python standing in for mysql/psql."""
    script = "import os, sys; print('us-east-1\\t7\\t' + os.environ['MYSQL_PWD']); sys.exit(int(sys.argv[1]))"
    assert run_client([sys.executable, "-c", script, "0"], {"MYSQL_PWD": "1.5"}) == [
        ["us-east-1", "7", "1.5"]
    ]
    with pytest.raises(OSError, match="exited 3"):
        run_client([sys.executable, "-c", script, "3"], {"MYSQL_PWD": "x"})
