"""The default application bootstrap: user data that makes a fresh Amazon Linux 2023 instance
serve `healthCheckPath` over HTTPS on `appPort` with the OS's own tools (bash, the AWS CLI,
openssl, python3's standard library, systemd), so the ALB, Route 53 and the orchestrator see
a healthy region from the first deploy. Operators replace it with their application through
`appAmiId` and `appUserData` (components/settings.py).

Health contract (docs/CONFIGURATION.md, "The application"): GET healthCheckPath answers 200 only when the
instance reaches its region's data tier, i.e. a TCP connection succeeds within a second to
the Aurora reader endpoint on the DB port and to the regional DynamoDB endpoint on 443 (the
VPC gateway endpoint); otherwise 503. The result is cached for a few seconds, so the many
Route 53 checkers behind the ALB do not multiply connections. Any other path answers 404.

TLS: the ALB talks HTTPS to the targets (components/traffic/entry.py) and does not validate
their certificates, so a self-signed certificate made at boot is enough:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#target-group-routing-configuration

Configuration comes from this region's SSM parameters (components/traffic/app_access.py),
read at boot through the instance role; nothing is baked into the image or the template.
"""

from __future__ import annotations

import base64

from components.settings import USER_DATA_MAX_BYTES

HEALTH_CACHE_SECONDS = 5
CONNECT_TIMEOUT_SECONDS = 1.0

_SERVER = r"""
import http.server, json, os, socket, ssl, threading, time

PORT = {port}
HEALTH_PATH = {path}
CACHE_SECONDS = {cache}
TIMEOUT = {timeout}
# systemd hands the root-only files to the unprivileged service (LoadCredential=).
FILES = os.environ["CREDENTIALS_DIRECTORY"]
ENV = dict(line.rstrip("\n").split("=", 1) for line in open(FILES + "/app.env") if "=" in line)
TARGETS = [
    (ENV["DB_READER_ENDPOINT"], int(ENV["DB_PORT"])),
    (ENV["DYNAMODB_HOST"], int(ENV["DYNAMODB_PORT"])),
]
_lock, _last = threading.Lock(), [0.0, False, {{}}]


def reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT):
            return True
    except OSError:
        return False


def health():
    with _lock:
        if time.monotonic() - _last[0] > CACHE_SECONDS:
            detail = {{f"{{h}}:{{p}}": reachable(h, p) for h, p in TARGETS}}
            _last[:] = [time.monotonic(), all(detail.values()), detail]
        return _last[1], _last[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?", 1)[0] != HEALTH_PATH:
            return self._answer(404, {{"error": "not found"}})
        healthy, detail = health()
        self._answer(200 if healthy else 503, {{"healthy": healthy, "reachable": detail}})

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("", PORT), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1_2
context.load_cert_chain(FILES + "/tls.crt", FILES + "/tls.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"""

_SCRIPT = """#!/bin/bash
# trading-dr default application bootstrap (components/traffic/bootstrap.py).
set -euo pipefail
IMDS=http://169.254.169.254/latest
TOKEN=$(curl -sS -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
REGION=$(curl -sS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/placement/region")
install -d -m 0750 /etc/trading-dr /opt/trading-dr
param() {{
  aws ssm get-parameter --region "$REGION" --name "{prefix}/$1" --query Parameter.Value --output text
}}
{{
  echo "REGION=$REGION"
  echo "DYNAMODB_HOST=dynamodb.$REGION.amazonaws.com"
  echo "DYNAMODB_PORT=443"
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
cat > /opt/trading-dr/server.py <<'PYTHON'
{server}
PYTHON
cat > /etc/systemd/system/trading-dr-app.service <<'UNIT'
[Unit]
Description=trading-dr default application (health contract)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=/usr/bin/python3 /opt/trading-dr/server.py
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


def server_source(*, app_port: int, health_check_path: str) -> str:
    """The health server the bootstrap installs (python3 standard library only)."""
    return _SERVER.format(
        port=int(app_port),
        path=repr(health_check_path),
        cache=HEALTH_CACHE_SECONDS,
        timeout=CONNECT_TIMEOUT_SECONDS,
    ).strip()


def default_user_data(*, app_port: int, health_check_path: str, parameter_prefix: str) -> str:
    """The bootstrap script for `app_port` and `health_check_path`; values enter the Python
    server as literals (repr), never through the shell."""
    server = server_source(app_port=app_port, health_check_path=health_check_path)
    script = _SCRIPT.format(prefix=parameter_prefix, server=server)
    if len(script.encode()) > USER_DATA_MAX_BYTES:
        raise ValueError(
            f"the default bootstrap is {len(script.encode())} bytes; EC2 takes {USER_DATA_MAX_BYTES}"
        )
    return script


def encoded(user_data: str) -> str:
    """Launch templates take user data base64-encoded."""
    return base64.b64encode(user_data.encode()).decode()
