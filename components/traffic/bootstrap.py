"""The default application bootstrap: user data that makes a fresh Amazon Linux 2023 instance
run the default application (app/server.py) over HTTPS on `appPort`, so
the ALB, Route 53 and the orchestrator see a healthy region from the first deploy and the
region's write path obeys the write lease (docs/WRITE_LEASE.md). Operators replace it with
their application through `appAmiId` and `appUserData` (components/settings.py).

What ships: SHIPPED_FILES, each written on the instance BYTE FOR BYTE from this repository's
file (a quoted heredoc: no shell expansion), so the instance runs the code the tests and the
drill run; tests/components/traffic/test_application.py extracts them from the user data and
compares. They import the standard library only and run the engine's command-line client,
which the script installs from the Amazon Linux 2023 repository with dnf (CLIENTS:
mariadb105 or postgresql15; package list:
https://docs.aws.amazon.com/linux/al2023/release-notes/all-packages.html). AL2023 has no
python3-boto3 and no MySQL driver for Python, hence the stdlib AWS client (app/aws.py) and
the clients. A failed install stops the script (set -e): the instance never turns healthy
and the Auto Scaling group replaces it.

Size: EC2 takes at most 16 KB of user data "in raw form, before it is base64-encoded"
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html); the script with its
files is larger, so it ships gzip-compressed, which cloud-init (AL2023's first-boot agent,
https://docs.aws.amazon.com/linux/al2023/ug/cloud-init.html) uncompresses before running it
("Gzip Compressed Content", https://cloudinit.readthedocs.io/en/latest/explanation/format.html).
gzip's header time is fixed (mtime=0), so the same inputs make the same bytes and a
`pulumi up` plans no launch-template change.

TLS: the ALB talks HTTPS to the targets (components/traffic/entry.py) and does not validate
their certificates, so a self-signed certificate made at boot is enough:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-routing-configuration

Configuration comes from this region's SSM parameters (components/traffic/app_access.py),
read at boot through the instance role; database credentials are read from the region's
secret by the application at connect time, never written into user data or a file.
"""

from __future__ import annotations

import base64
import gzip
import shlex
from pathlib import Path

from components.settings import USER_DATA_MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent.parent
APP_DIR = "/opt/trading-dr"
SHIPPED_FILES = {
    # path on the instance -> this repository's file
    f"{APP_DIR}/failover/lease.py": ROOT / "failover" / "lease.py",
    f"{APP_DIR}/failover/heartbeat.py": ROOT / "failover" / "heartbeat.py",
    f"{APP_DIR}/failover/write_path.py": ROOT / "failover" / "write_path.py",
    f"{APP_DIR}/app/aws.py": ROOT / "app" / "aws.py",
    f"{APP_DIR}/app/server.py": ROOT / "app" / "server.py",
}
"""Packages ship without __init__.py: namespace packages holding exactly these modules, under
the names the repository gives them."""
HEREDOC_END = "TRADING_DR_SHIPPED_FILE"
CLIENTS = {
    # engine -> the Amazon Linux 2023 package of its command-line client (app/server.py runs it)
    "aurora-postgresql": "postgresql15",
    "aurora-mysql": "mariadb105",
}

_HEAD = """#!/bin/bash
# trading-dr default application bootstrap (components/traffic/bootstrap.py).
set -euo pipefail
IMDS=http://169.254.169.254/latest
TOKEN=$(curl -sS -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
REGION=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/placement/region")
INSTANCE_ID=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/instance-id")
dnf install -y {client}
install -d -m 0750 /etc/trading-dr
install -d -m 0755 {app} {app}/failover {app}/app
param() {{
  aws ssm get-parameter --region "$REGION" --name "{prefix}/$1" --query Parameter.Value --output text
}}
{{
  echo "REGION=$REGION"
  echo "INSTANCE_ID=$INSTANCE_ID"
  echo "APP_PORT={port}"
  echo {health_path}
  echo {engine}
  echo "DYNAMODB_HOST=dynamodb.$REGION.amazonaws.com"
  echo "DYNAMODB_PORT=443"
  echo "CONTROL_TABLE=$(param control-table)"
  echo "DB_WRITER_ENDPOINT=$(param db/writer-endpoint)"
  echo "DB_READER_ENDPOINT=$(param db/reader-endpoint)"
  echo "DB_PORT=$(param db/port)"
  echo "DB_SECRET_ARN=$(param db/secret-arn)"
  echo "DB_IAM_USER=$(param db/iam-user)"
  echo "DOCUMENTS_BUCKET=$(param documents-bucket)"
  echo "TABLES=$(param tables)"
}} > /etc/trading-dr/app.env
openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$(hostname -f)" \\
  -keyout /etc/trading-dr/tls.key -out /etc/trading-dr/tls.crt
chmod 0600 /etc/trading-dr/tls.key
"""

_TAIL = """cat > /etc/systemd/system/trading-dr-app.service <<'UNIT'
[Unit]
Description=trading-dr default application (write lease, heartbeat, health contract)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=/usr/bin/python3 -m app.server
WorkingDirectory={app}
Restart=always
RestartSec=2
DynamicUser=yes
ReadOnlyPaths=/
LoadCredential=app.env:/etc/trading-dr/app.env
LoadCredential=tls.crt:/etc/trading-dr/tls.crt
LoadCredential=tls.key:/etc/trading-dr/tls.key
Environment=PYTHONUNBUFFERED=1

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now trading-dr-app.service
"""


def _ship(target: str, source: Path) -> str:
    text = source.read_text()
    if not text.endswith("\n") or f"\n{HEREDOC_END}\n" in f"\n{text}":
        raise ValueError(f"{source} cannot ship in a heredoc ending {HEREDOC_END}")
    return f"cat > {target} <<'{HEREDOC_END}'\n{text}{HEREDOC_END}\n"


def bootstrap_script(*, app_port: int, health_check_path: str, parameter_prefix: str, engine: str) -> str:
    """The bootstrap script (uncompressed). Values enter the shell quoted (shlex.quote)."""
    if engine not in CLIENTS:
        raise ValueError(f"the default application has no client for engine {engine!r} ({sorted(CLIENTS)})")
    head = _HEAD.format(
        client=CLIENTS[engine],
        app=APP_DIR,
        prefix=parameter_prefix,
        port=int(app_port),
        health_path=shlex.quote(f"HEALTH_PATH={health_check_path}"),
        engine=shlex.quote(f"DB_ENGINE={engine}"),
    )
    files = "".join(_ship(target, source) for target, source in SHIPPED_FILES.items())
    return head + files + _TAIL.format(app=APP_DIR)


def default_user_data(*, app_port: int, health_check_path: str, parameter_prefix: str, engine: str) -> bytes:
    """The bootstrap script, gzip-compressed (deterministically), within EC2's limit."""
    script = bootstrap_script(
        app_port=app_port,
        health_check_path=health_check_path,
        parameter_prefix=parameter_prefix,
        engine=engine,
    )
    data = gzip.compress(script.encode(), compresslevel=9, mtime=0)
    if len(data) > USER_DATA_MAX_BYTES:
        raise ValueError(
            f"the default bootstrap is {len(data)} bytes compressed; EC2 takes {USER_DATA_MAX_BYTES}"
        )
    return data


def encoded(user_data: str | bytes) -> str:
    """Launch templates take user data base64-encoded."""
    raw = user_data if isinstance(user_data, bytes) else user_data.encode()
    return base64.b64encode(raw).decode()
