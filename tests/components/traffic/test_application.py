"""The DR region can serve (docs/ARCHITECTURE.md#the-dr-region-must-serve; TLS from the ALB to
the instance): the default bootstrap runs the default application over HTTPS (its health
contract, its leased write path and heartbeat: docs/ARCHITECTURE.md#the-write-lease and
docs/WRITE_LEASE.md), operators can bring their own image and user data, and the instance
role reaches exactly this region's data tier, whose coordinates it reads from SSM parameters
in its own region.

Production equals test: the application these tests start is extracted from the launch
template's user data (written out by bash from its heredocs), not imported from the
repository, and the shipped files are compared byte for byte with the repository's."""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from components.settings import USER_DATA_MAX_BYTES, SettingsError
from components.traffic.app_access import APP_DB_USER, OBSERVATION_ATTRIBUTES, PARAMETER_PREFIX
from components.traffic.bootstrap import (
    APP_DIR,
    HEREDOC_END,
    SHIPPED_FILES,
    bootstrap_script,
    default_user_data,
)
from failover.heartbeat import Observation, observation_to_item
from failover.lease import WriteLease, lease_to_item
from ops.mock_engine import MOCK_ACCOUNT, run_stack
from tests.iam_eval import allows

LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
PARAMETER = "aws:ssm/parameter:Parameter"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
STACKS = ["primary", "dr"]


def _user_data(run) -> str:
    """The launch template's user data as the instance runs it (cloud-init gunzips it)."""
    return gzip.decompress(base64.b64decode(run.one(LAUNCH_TEMPLATE).inputs["userData"])).decode()


def _control_table(run):
    [table] = [t for t in run.of_type("aws:dynamodb/table:Table") if t.name.endswith("-failover-control")]
    return table


def _app_policy(run) -> dict:
    [resource] = [p for p in run.of_type(ROLE_POLICY) if p.name.endswith("compute-data-access")]
    return json.loads(resource.inputs["policy"])


# --- item 10: the bootstrap ----------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_launch_template_boots_the_default_application(by_stack, stack):
    run = by_stack[stack]
    traffic = run.settings.traffic
    raw = base64.b64decode(run.one(LAUNCH_TEMPLATE).inputs["userData"])
    arguments = dict(
        app_port=traffic.app_port,
        health_check_path=traffic.health_check_path,
        parameter_prefix=PARAMETER_PREFIX,
        engine=run.settings.database.engine,
    )
    assert raw == default_user_data(**arguments)  # deterministic: no launch-template churn
    script = _user_data(run)
    assert script == bootstrap_script(**arguments)
    assert (
        f'echo "APP_PORT={traffic.app_port}"' in script
        and f"HEALTH_PATH={traffic.health_check_path}" in script
    )
    assert f"DB_ENGINE={run.settings.database.engine}" in script
    assert (
        run.one(LAUNCH_TEMPLATE)
        .inputs["imageId"]
        .startswith("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023")
    )


@pytest.mark.parametrize(
    ("engine", "package"), [("aurora-mysql", "mariadb105"), ("aurora-postgresql", "postgresql15")]
)
def test_the_bootstrap_installs_the_engines_client(engine, package):
    """The clients AWS documents for Amazon Linux 2023 (mariadb105:
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mysql-install-cli.html)."""
    run = run_stack("primary", overrides={"trading-dr:dbEngine": engine})
    script = _user_data(run)
    assert f"dnf install -y {package}\n" in script and "boto3" not in script.split("<<")[0]


def test_every_parameter_the_bootstrap_reads_exists(primary):
    read = set(re.findall(r"\$\(param ([a-z/-]+)\)", _user_data(primary)))
    created = {p.inputs["name"].removeprefix(PARAMETER_PREFIX + "/") for p in primary.of_type(PARAMETER)}
    assert read and read <= created


def test_app_port_and_health_path_follow_the_config():
    run = run_stack("primary", overrides={"trading-dr:appPort": 9443, "trading-dr:healthCheckPath": "/ready"})
    script = _user_data(run)
    assert 'echo "APP_PORT=9443"' in script and "echo HEALTH_PATH=/ready\n" in script
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


# --- the shipped application, run for real ---------------------------------------------------

HARNESS = os.path.join(os.path.dirname(__file__), "app_harness.py")
HOME = "us-east-1"


def _shipped_files(script: str) -> dict[str, str]:
    """path on the instance -> text, as the script's heredocs carry them."""
    pattern = re.compile(rf"cat > (\S+) <<'{HEREDOC_END}'\n(.*?)^{HEREDOC_END}$", re.S | re.M)
    return {path: text for path, text in pattern.findall(script)}


def _write_shipped_files_with_bash(script: str, root) -> None:
    """Run the script's own file-writing commands (bash heredocs) into `root`."""
    [directories] = re.findall(rf"^install -d -m 0755 {APP_DIR} .*\n", script, re.M)
    blocks = re.findall(rf"^cat > {APP_DIR}/\S+ <<'{HEREDOC_END}'\n.*?^{HEREDOC_END}\n", script, re.S | re.M)
    # Only the commands' paths move to `root`; the files' contents stay as shipped.
    commands = directories.replace(APP_DIR, str(root)) + "".join(blocks).replace(
        f"cat > {APP_DIR}/", f"cat > {root}/"
    )
    subprocess.run(["bash", "-euo", "pipefail", "-c", commands], check=True, capture_output=True)


def test_the_instance_gets_the_repositorys_modules_byte_for_byte(primary, tmp_path):
    script = _user_data(primary)
    assert set(_shipped_files(script)) == set(SHIPPED_FILES)
    _write_shipped_files_with_bash(script, tmp_path)
    for target, source in SHIPPED_FILES.items():
        assert (tmp_path / target.removeprefix(APP_DIR + "/")).read_bytes() == source.read_bytes(), target
    # The shipped tree imports on its own (namespace packages, no repository on the path),
    # including what only production() imports.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); from app import server; from app import aws; "
        "assert aws.__file__.startswith(sys.argv[1]) and server.__file__.startswith(sys.argv[1])"
    )
    subprocess.run([sys.executable, "-I", "-c", probe, str(tmp_path)], check=True, cwd=tmp_path)


def test_the_bootstrap_writes_every_setting_the_application_reads(primary):
    """A key the application reads but the bootstrap never writes is a KeyError on every
    instance at boot (the tests' harness writes its own app.env, so only this catches it)."""
    script = _user_data(primary)
    written = set(re.findall(r"^  echo \"?([A-Z_]+)=", script, re.M))
    server = SHIPPED_FILES[f"{APP_DIR}/app/server.py"].read_text()
    read = set(re.findall(r"env(?:\[|\.get\()\"([A-Z_]+)\"", server))
    assert read and read <= written, sorted(read - written)


def test_the_user_data_ships_gzip_compressed_within_16_kb(primary):
    """https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html: 16 KB raw, before
    base64; cloud-init uncompresses gzip user data before running it."""
    raw = base64.b64decode(primary.one(LAUNCH_TEMPLATE).inputs["userData"])
    assert raw[:2] == b"\x1f\x8b" and len(raw) <= USER_DATA_MAX_BYTES
    assert len(_user_data(primary).encode()) > USER_DATA_MAX_BYTES  # why it is compressed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lease(region: str = HOME, valid_for: float = 60.0, epoch: int = 7) -> dict:
    now = time.time()
    return lease_to_item(WriteLease(region, epoch, now + valid_for, now, "renewer"))


class Shipped:
    """The shipped application (extracted from the primary's user data), on a local port."""

    def __init__(self, root, state, port, process):
        self.root, self.state, self.port, self.process = root, state, port, process

    def set_lease(self, item=None, fail: str | None = None) -> None:
        (self.state / "lease.json").write_text(json.dumps({"fail": fail} if fail else {"item": item}))
        time.sleep(1.1)  # the application's lease cache (failover/write_path.py) turns over

    def set_commits(self, commit: bool) -> None:
        (self.state / "db.json").write_text(json.dumps({"commit": commit}))

    def statements(self) -> list[dict]:
        path = self.state / "statements.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def observations(self) -> list[dict]:
        path = self.state / "observations.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # as the ALB does
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}", data=data, method=method)
        try:
            with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310 (https)
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate, as the bootstrap makes one at boot."""
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(folder / "tls.key"), "-out", str(folder / "tls.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder


@pytest.fixture
def shipped(primary, tmp_path, certificate):
    """Start the shipped server as systemd would, its data tier listening on local ports."""
    root, state = tmp_path / "opt", tmp_path / "state"
    state.mkdir()
    _write_shipped_files_with_bash(_user_data(primary), root)
    for name in ("tls.key", "tls.crt"):
        (state / name).write_bytes((certificate / name).read_bytes())
    started, listeners = [], []

    def start(lease_item=None, *, fail=None, commit=True, db_listening=True, region=HOME) -> Shipped:
        database, dynamodb = socket.socket(), socket.socket()
        for listener in (database, dynamodb):
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            listeners.append(listener)
        db_port = database.getsockname()[1] if db_listening else _free_port()
        (state / "app.env").write_text(
            f"REGION={region}\nINSTANCE_ID=i-0test\nAPP_PORT=0\nHEALTH_PATH=/health\nDB_ENGINE=aurora-mysql\n"
            f"DYNAMODB_HOST=127.0.0.1\nDYNAMODB_PORT={dynamodb.getsockname()[1]}\nCONTROL_TABLE=control\n"
            f"DB_WRITER_ENDPOINT=writer.local\nDB_READER_ENDPOINT=127.0.0.1\nDB_PORT={db_port}\n"
            "DB_SECRET_ARN=arn:aws:secretsmanager:us-east-1:123456789012:secret:x\n"
        )
        (state / "lease.json").write_text(json.dumps({"fail": fail} if fail else {"item": lease_item}))
        (state / "db.json").write_text(json.dumps({"commit": commit}))
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-I", HARNESS, str(root), str(state), str(port)],
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        started.append(process)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return Shipped(root, state, port, process)
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the shipped server did not start")

    yield start
    for process in started:
        process.terminate()
        process.wait(5)
    for listener in listeners:
        listener.close()


ORDER = {"symbol": "ACME", "side": "buy", "quantity": 100}


def _inserts(app: Shipped) -> list[dict]:
    return [s for s in app.statements() if s.get("sql", "").startswith("INSERT INTO trading_dr_orders")]


def test_an_order_is_written_to_this_regions_writer_only_under_the_lease_with_its_epoch(shipped):
    app = shipped(_lease(epoch=12))
    status, body = app.request("POST", "/orders", ORDER)
    assert (status, body["epoch"], body["region"]) == (201, 12, HOME)
    [insert] = _inserts(app)
    app.set_lease(_lease(valid_for=0))  # revoked: the next order, a second later, is refused
    assert app.request("POST", "/orders", ORDER)[0] == 503 and len(_inserts(app)) == 1
    assert insert["endpoint"] == "writer.local"
    assert "VALUES ('ACME', 'buy', 100, 'us-east-1', 12)" in insert["sql"]
    [read, *_] = [s for s in app.statements() if s.get("dynamodb") == "GetItem"]
    assert read["request"]["ConsistentRead"] is True and read["request"]["TableName"] == "control"
    assert app.request("POST", "/orders", {**ORDER, "side": "short"})[0] == 400


@pytest.mark.parametrize(
    ("lease", "fail", "why"),
    [
        (None, None, "no write lease"),
        (_lease(region="us-west-2"), None, "names us-west-2"),
        (_lease(valid_for=-1), None, "lapsed"),
        (_lease(), "DynamoDB does not answer", "DynamoDB does not answer"),
    ],
    ids=["absent", "another-region", "lapsed", "unreadable"],
)
def test_an_order_without_a_valid_lease_is_refused_with_503_and_not_written(shipped, lease, fail, why):
    app = shipped(lease, fail=fail)
    status, body = app.request("POST", "/orders", ORDER)
    assert status == 503 and why in body["error"]
    assert _inserts(app) == []


def _health_until(app: Shipped, status: int, seconds: float = 10.0) -> tuple[int, dict]:
    deadline = time.monotonic() + seconds
    while True:
        answer = app.request("GET", "/health")
        if answer[0] == status or time.monotonic() > deadline:
            return answer
        time.sleep(0.25)


def test_the_writer_is_healthy_while_it_commits_and_turns_503_when_commits_stop(shipped):
    """The gray database failure: TCP still answers, commits stop; /health must fail."""
    app = shipped(_lease(epoch=3))
    assert _health_until(app, 200)[0] == 200
    beats = [s for s in app.statements() if s.get("sql", "").startswith("INSERT INTO trading_dr_heartbeat")]
    assert beats and beats[0]["endpoint"] == "writer.local" and "VALUES ('us-east-1', 3, " in beats[0]["sql"]
    app.set_commits(False)
    status, body = _health_until(app, 503)
    assert status == 503 and "heartbeat" in body["why"]
    assert app.request("GET", "/other")[0] == 404


def test_without_the_lease_the_region_is_healthy_and_observes_its_replica(shipped):
    app = shipped(None, region="us-west-2")
    status, body = app.request("GET", "/health")
    assert status == 200, body
    deadline = time.monotonic() + 5
    while not app.observations() and time.monotonic() < deadline:
        time.sleep(0.2)
    [put, *_] = app.observations()
    assert put["TableName"] == "control" and put["Item"]["pk"] == {"S": "HEARTBEAT"}
    assert put["Item"]["writer_region"] == {"S": HOME} and put["Item"]["observer"] == {"S": "i-0test"}
    [read, *_] = [s for s in app.statements() if s.get("sql", "").startswith("SELECT region, epoch, beat_at")]
    assert read["endpoint"] == "127.0.0.1"  # the reader endpoint: the local replica
    assert not [
        s for s in app.statements() if s.get("sql", "").startswith("INSERT INTO trading_dr_heartbeat")
    ]


def test_an_unreachable_data_tier_is_503(shipped):
    app = shipped(_lease(), db_listening=False)
    assert app.request("GET", "/health")[0] == 503


# --- item 14: TLS from the ALB to the instances --------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_the_alb_reaches_the_instances_over_https(by_stack, stack):
    group = by_stack[stack].one(TARGET_GROUP)
    assert group.inputs["protocol"] == "HTTPS"
    assert group.inputs["healthCheck"]["protocol"] == "HTTPS"


DEAD_TARGET_SECONDS = 45
"""How long the ALB may keep sending requests to a dead instance: it stops routing to a
target after UnhealthyThresholdCount consecutive failed checks, HealthCheckIntervalSeconds
apart (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
3 x 15 s = 45 s of failed requests for that instance's share of the traffic; a threshold of
10 would be 150 s, most of the whole failover's time budget (p95 <= 165 s), for one dead host."""


@pytest.mark.parametrize("stack", STACKS)
def test_a_dead_instance_leaves_the_load_balancer_within_45_seconds(by_stack, stack):
    check = by_stack[stack].one(TARGET_GROUP).inputs["healthCheck"]
    assert check["unhealthyThreshold"] * check["interval"] <= DEAD_TARGET_SECONDS, check
    assert 2 <= check["unhealthyThreshold"] <= 10  # the range the ALB accepts (same page)


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


LEASE = {"dynamodb:LeadingKeys": ["LEASE"]}
OBSERVATION = {"dynamodb:LeadingKeys": ["HEARTBEAT"], "dynamodb:Attributes": list(OBSERVATION_ATTRIBUTES)}


@pytest.mark.parametrize("stack", STACKS)
def test_the_app_role_reads_only_the_lease_and_puts_only_the_observation_in_the_control_table(
    by_stack, stack
):
    """Least privilege on the control table, evaluated (tests/iam_eval.py) with the
    dynamodb:LeadingKeys / dynamodb:Attributes context DynamoDB puts on item requests:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html"""
    run = by_stack[stack]
    region, peer = run.settings.home_region, run.settings.peer_region
    document = _app_policy(run)
    table = f"arn:aws:dynamodb:{region}:{MOCK_ACCOUNT}:table/{_control_table(run).inputs['name']}"
    # What the application does:
    assert allows(document, "dynamodb:GetItem", table, LEASE)
    assert allows(document, "dynamodb:PutItem", table, OBSERVATION)
    item = observation_to_item(Observation(region, 1, 0.0, 0.0))
    assert allows(document, "dynamodb:PutItem", table, {**OBSERVATION, "dynamodb:Attributes": list(item)})
    # ... and nothing more: no lease writes, no other item, no other attribute, no other table.
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"):
        assert not allows(document, action, table, LEASE), action
    for partition in ("EXEC", "LOCK", "STATE", "ARMING", "EVAL"):
        other = {"dynamodb:LeadingKeys": [partition]}
        assert not allows(document, "dynamodb:GetItem", table, other), partition
        assert not allows(document, "dynamodb:PutItem", table, {**OBSERVATION, **other}), partition
    assert not allows(document, "dynamodb:GetItem", table, {"dynamodb:LeadingKeys": ["LEASE", "LOCK"]})
    assert not allows(
        document,
        "dynamodb:PutItem",
        table,
        {**OBSERVATION, "dynamodb:Attributes": [*OBSERVATION_ATTRIBUTES, "armed"]},
    )
    assert not allows(document, "dynamodb:GetItem", table, OBSERVATION)
    for action in ("dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"):
        assert not allows(document, action, table, LEASE), action
    assert not allows(document, "dynamodb:GetItem", table.replace(region, peer), LEASE)
    # Every statement naming the control table is conditioned on its partition key.
    for statement in document["Statement"]:
        if any(table == r or r.startswith(table + "/") or r.endswith("*") for r in statement["Resource"]):
            if "dynamodb:" in " ".join(statement["Action"]) and table in statement["Resource"]:
                assert "dynamodb:LeadingKeys" in statement["Condition"]["ForAllValues:StringEquals"]


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
        f"{PARAMETER_PREFIX}/control-table": _control_table(run).inputs["name"],
    }
    group = run.one("aws:autoscaling/group:Group")
    needed = {p.urn for p in mine} | {
        p.urn for p in run.of_type(ROLE_POLICY) if p.name.endswith("compute-data-access")
    }
    assert needed <= set(group.options.depends_on)


@pytest.mark.parametrize("engine", ["aurora-mysql", "aurora-postgresql"])
def test_the_bootstrap_fits_in_user_data(engine):
    data = default_user_data(
        app_port=8080, health_check_path="/health", parameter_prefix=PARAMETER_PREFIX, engine=engine
    )
    assert len(data) <= USER_DATA_MAX_BYTES == 16 * 1024
