"""The DR region can serve (docs/ARCHITECTURE.md#the-dr-region-must-serve; TLS from the ALB to
the instance): the
default bootstrap serves the health contract over HTTPS, operators can bring their own image
and user data, and the instance role reaches exactly this region's data tier, whose
coordinates it reads from SSM parameters in its own region."""

from __future__ import annotations

import base64
import json
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from components.settings import SettingsError
from components.traffic.app_access import APP_DB_USER, PARAMETER_PREFIX
from components.traffic.bootstrap import default_user_data, server_source
from ops.mock_engine import MOCK_ACCOUNT, run_stack
from tests.iam_eval import allows

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
PARAMETER = "aws:ssm/parameter:Parameter"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
STACKS = ["primary", "dr"]


def _user_data(run) -> str:
    return base64.b64decode(run.one(LAUNCH_TEMPLATE).inputs["userData"]).decode()


def _app_policy(run) -> dict:
    [resource] = [p for p in run.of_type(ROLE_POLICY) if p.name.endswith("compute-data-access")]
    return json.loads(resource.inputs["policy"])


# --- item 10: the bootstrap ----------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_launch_template_boots_the_default_application(by_stack, stack):
    run = by_stack[stack]
    traffic = run.settings.traffic
    script = _user_data(run)
    assert script == default_user_data(
        app_port=traffic.app_port,
        health_check_path=traffic.health_check_path,
        parameter_prefix=PARAMETER_PREFIX,
    )
    assert f"PORT = {traffic.app_port}" in script and f"HEALTH_PATH = {traffic.health_check_path!r}" in script
    assert (
        run.one(LAUNCH_TEMPLATE)
        .inputs["imageId"]
        .startswith("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023")
    )


def test_every_parameter_the_bootstrap_reads_exists(primary):
    read = set(re.findall(r"\$\(param ([a-z/-]+)\)", _user_data(primary)))
    created = {p.inputs["name"].removeprefix(PARAMETER_PREFIX + "/") for p in primary.of_type(PARAMETER)}
    assert read and read <= created


def test_app_port_and_health_path_follow_the_config():
    run = run_stack("primary", overrides={"trading-dr:appPort": 9443, "trading-dr:healthCheckPath": "/ready"})
    script = _user_data(run)
    assert "PORT = 9443" in script and "HEALTH_PATH = '/ready'" in script
    group = run.one(TARGET_GROUP)
    assert group.inputs["port"] == 9443 and group.inputs["healthCheck"]["path"] == "/ready"


def test_bring_your_own_image_and_user_data(tmp_path):
    script = tmp_path / "boot.sh"
    script.write_text("#!/bin/bash\necho mine\n")
    run = run_stack(
        "primary",
        overrides={"trading-dr:appAmiId": "ami-0123456789abcdef0", "trading-dr:appUserData": str(script)},
    )
    template = run.one(LAUNCH_TEMPLATE)
    assert template.inputs["imageId"] == "ami-0123456789abcdef0"
    assert base64.b64decode(template.inputs["userData"]).decode() == "#!/bin/bash\necho mine\n"


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("appAmiId", "ubuntu-22", "AMI id"),
        ("appUserData", "no/such/file.sh", "readable file"),
    ],
)
def test_bad_image_or_user_data_is_refused_before_anything_registers(key, value, rule):
    with pytest.raises(SettingsError, match=rf"trading-dr:{key}.*{re.escape(value)}.*{rule}|{rule}"):
        run_stack("primary", overrides={f"trading-dr:{key}": value})


def test_user_data_over_16_kb_is_refused(tmp_path):
    """https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html: 16 KB raw."""
    big = tmp_path / "big.sh"
    big.write_text("#" * (16 * 1024 + 1))
    with pytest.raises(SettingsError, match="appUserData.*16384"):
        run_stack("primary", overrides={"trading-dr:appUserData": str(big)})


# --- the health contract, run for real -----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(tmp_path):
    """Start the bootstrap's server as systemd would (files in CREDENTIALS_DIRECTORY)."""
    started = []
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.crt")],
        check=True, capture_output=True,
    )  # fmt: skip

    def start(db_port: int, dynamodb_port: int) -> int:
        port = _free_port()
        (tmp_path / "app.env").write_text(
            f"REGION=us-east-1\nDB_READER_ENDPOINT=127.0.0.1\nDB_PORT={db_port}\n"
            f"DYNAMODB_HOST=127.0.0.1\nDYNAMODB_PORT={dynamodb_port}\n"
        )
        source = tmp_path / "server.py"
        source.write_text(
            server_source(app_port=port, health_check_path="/health").replace(
                '("", PORT)', '("127.0.0.1", PORT)'
            )
        )
        process = subprocess.Popen(
            [sys.executable, str(source)], env={"CREDENTIALS_DIRECTORY": str(tmp_path)}
        )
        started.append(process)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return port
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the server did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(5)


def _get(port: int, path: str) -> int:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # as the ALB does
    try:
        return urllib.request.urlopen(f"https://127.0.0.1:{port}{path}", context=context, timeout=5).status
    except urllib.error.HTTPError as error:
        return error.code


def test_health_is_200_over_tls_only_when_the_data_tier_is_reachable(serve):
    with socket.socket() as database, socket.socket() as dynamodb:
        for listener in (database, dynamodb):
            listener.bind(("127.0.0.1", 0))
            listener.listen()
        healthy = serve(database.getsockname()[1], dynamodb.getsockname()[1])
        assert _get(healthy, "/health") == 200
        assert _get(healthy, "/other") == 404
        cut_off = serve(_free_port(), dynamodb.getsockname()[1])  # nothing listens on the DB port
        assert _get(cut_off, "/health") == 503


# --- item 14: TLS from the ALB to the instances --------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_alb_reaches_the_instances_over_https(by_stack, stack):
    group = by_stack[stack].one(TARGET_GROUP)
    assert group.inputs["protocol"] == "HTTPS"
    assert group.inputs["healthCheck"]["protocol"] == "HTTPS"


# --- item 11: the instance role and the parameters ------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_app_role_reaches_exactly_this_regions_data_tier(by_stack, stack):
    run = by_stack[stack]
    region, peer = run.settings.home_region, run.settings.peer_region
    document = _app_policy(run)
    statements = {s["Sid"]: s for s in document["Statement"]}
    cluster = run.one("aws:rds/cluster:Cluster")
    tables = [
        f"arn:aws:dynamodb:{region}:{MOCK_ACCOUNT}:table/{run.exports[k]}"
        for k in ("sessionsTableName", "configTableName")
    ]
    bucket = run.exports["documentsBucketArn"]
    key = run.exports["kmsKeyArn"]
    dbuser = (
        f"arn:aws:rds-db:{region}:{MOCK_ACCOUNT}:dbuser:{cluster.outputs['clusterResourceId']}/{APP_DB_USER}"
    )
    parameters = f"arn:aws:ssm:{region}:{MOCK_ACCOUNT}:parameter{PARAMETER_PREFIX}"
    assert statements["ReadTheDatabaseSecret"]["Resource"] == [run.exports["dbSecretArn"]]
    assert statements["UseTheRegionalKeyThroughTheDataServices"]["Resource"] == [key]
    assert sorted(statements["UseTheTablesAndTheirIndexes"]["Resource"]) == sorted(
        tables + [f"{t}/index/*" for t in tables]
    )
    assert statements["ListTheDocumentsBucket"]["Resource"] == [bucket]
    assert statements["UseTheDocuments"]["Resource"] == [f"{bucket}/*"]
    assert statements["ConnectAsTheIamDatabaseUser"]["Resource"] == [dbuser]
    assert statements["ReadTheAppParameters"]["Resource"] == [parameters, f"{parameters}/*"]
    # Evaluated: what the application does is allowed, through this region only.
    assert allows(document, "secretsmanager:GetSecretValue", run.exports["dbSecretArn"])
    for service in ("secretsmanager", "dynamodb", "s3"):
        assert allows(document, "kms:Decrypt", key, {"kms:ViaService": f"{service}.{region}.amazonaws.com"})
    assert not allows(
        document, "kms:Decrypt", key, {"kms:ViaService": f"secretsmanager.{peer}.amazonaws.com"}
    )
    assert not allows(document, "kms:Decrypt", key, {})
    assert allows(document, "dynamodb:Query", f"{tables[0]}/index/by-user")
    assert not allows(document, "dynamodb:GetItem", tables[0].replace(region, peer))
    assert allows(document, "s3:PutObject", f"{bucket}/trades/1.pdf")
    assert allows(document, "rds-db:connect", dbuser)
    assert not allows(document, "rds-db:connect", dbuser.replace(APP_DB_USER, "admin"))
    assert allows(document, "ssm:GetParameter", f"{parameters}/db/reader-endpoint")


@pytest.mark.parametrize("stack", STACKS)
def test_instances_find_their_regions_data_tier_in_local_parameters(by_stack, stack):
    run = by_stack[stack]
    mine = [p for p in run.of_type(PARAMETER) if p.inputs["name"].startswith(PARAMETER_PREFIX + "/")]
    values = {p.inputs["name"]: p.inputs["value"] for p in mine}
    assert {p.region for p in mine} == {run.settings.home_region}
    assert all(p.inputs["type"] == "String" for p in mine)
    cluster = run.one("aws:rds/cluster:Cluster").outputs
    assert values == {
        f"{PARAMETER_PREFIX}/db/writer-endpoint": cluster["endpoint"],
        f"{PARAMETER_PREFIX}/db/reader-endpoint": cluster["readerEndpoint"],
        f"{PARAMETER_PREFIX}/db/port": str(run.settings.database.port),
        f"{PARAMETER_PREFIX}/db/secret-arn": run.exports["dbSecretArn"],
        f"{PARAMETER_PREFIX}/db/iam-user": APP_DB_USER,
        f"{PARAMETER_PREFIX}/documents-bucket": run.exports["documentsBucket"],
        f"{PARAMETER_PREFIX}/tables": f"{run.exports['sessionsTableName']},{run.exports['configTableName']}",
    }
    group = run.one("aws:autoscaling/group:Group")
    needed = {p.urn for p in mine} | {
        p.urn for p in run.of_type(ROLE_POLICY) if p.name.endswith("compute-data-access")
    }
    assert needed <= set(group.options.depends_on)


def test_the_bootstrap_fits_in_user_data():
    assert (
        len(default_user_data(app_port=8080, health_check_path="/health", parameter_prefix=PARAMETER_PREFIX))
        < 16 * 1024
    )
