"""The default application's server. components/traffic/bootstrap.py ships THIS FILE, byte for
byte, as /opt/trading-dr/server.py next to failover/{lease,heartbeat,write_path}.py, so the
instance runs the code the tests run. It imports only the standard library and those modules
at the top; boto3 and the engine's DB-API driver (Amazon Linux 2023 packages, see DRIVERS)
are imported by production() only.

What it serves (HTTPS on APP_PORT, docs/WRITE_LEASE.md):
- GET HEALTH_PATH: failover.write_path.health_verdict: 200 or 503 with the reason.
- POST /orders {"symbol": str, "side": "buy"|"sell", "quantity": int}: one row in
  trading_dr_orders on THIS region's cluster endpoint (never the global or the peer's), only
  under the write lease, carrying its epoch; 201, or 503 without writing when the lease is
  absent, lapsed, another region's or unreadable; 400 for bad input.
- A heartbeat thread: failover.write_path.HeartbeatAgent, one tick a second.

Configuration: app.env (KEY=VALUE lines written by the bootstrap from this region's SSM
parameters), handed over by systemd in CREDENTIALS_DIRECTORY. Database credentials come from
the region's DB secret (DB_SECRET_ARN) at connect time, never from user data or a file.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import ssl
import threading
import time

from failover.heartbeat import put_observation_request, sql_for
from failover.write_path import (
    HeartbeatAgent,
    LeaseReader,
    WriteOutcomeUnknown,
    WritePath,
    WriteRefused,
    health_verdict,
    lease_get_item_request,
)

ORDERS_TABLE = "trading_dr_orders"
REACHABILITY_CACHE_SECONDS = 5.0
"""TCP reachability is re-checked at most this often: the ALB's and Route 53's many checkers
do not multiply connections. The heartbeat part of /health is computed on every request."""
CONNECT_TIMEOUT_SECONDS = 1.0
STATEMENT_TIMEOUT_SECONDS = 2
"""Equals failover.write_path.WRITE_BUDGET_SECONDS: a leased write cannot outlast its budget."""
MAX_BODY_BYTES = 4096
SIDES = ("buy", "sell")

# engine -> (DB-API module, Amazon Linux 2023 package). python3-psycopg2 is in the AL2023
# repository (https://docs.aws.amazon.com/linux/al2023/release-notes/all-packages.html);
# python3-PyMySQL is the pure-Python MySQL driver, see docs/WRITE_LEASE.md for what is
# verified about it. Both use the "format" parameter style (%s) of failover/heartbeat.py.
DRIVERS = {
    "aurora-postgresql": ("psycopg2", "python3-psycopg2"),
    "aurora-mysql": ("pymysql", "python3-PyMySQL"),
}
# The table is named literally (ORDERS_TABLE; the tests check it): values travel as parameters.
ORDERS_SQL = {
    "aurora-postgresql": (
        "CREATE TABLE IF NOT EXISTS trading_dr_orders (id bigserial PRIMARY KEY, "
        "symbol varchar(16) NOT NULL, "
        "side varchar(4) NOT NULL, quantity bigint NOT NULL, region varchar(32) NOT NULL, "
        "epoch bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT clock_timestamp())",
        "INSERT INTO trading_dr_orders (symbol, side, quantity, region, epoch) VALUES (%s, %s, %s, %s, %s) "
        "RETURNING id",
    ),
    "aurora-mysql": (
        "CREATE TABLE IF NOT EXISTS trading_dr_orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
        "symbol VARCHAR(16) NOT NULL, side VARCHAR(4) NOT NULL, quantity BIGINT NOT NULL, "
        "region VARCHAR(32) NOT NULL, epoch BIGINT NOT NULL, created_at DATETIME(6) NOT NULL DEFAULT NOW(6))",
        "INSERT INTO trading_dr_orders (symbol, side, quantity, region, epoch) VALUES (%s, %s, %s, %s, %s)",
    ),
}


def read_env(path: str) -> dict[str, str]:
    with open(path) as lines:
        return dict(line.rstrip("\n").split("=", 1) for line in lines if "=" in line)


def tcp_reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


class Database:
    """One DB-API connection to one endpoint, autocommit, opened lazily and dropped on any
    error (the next use reconnects: after a failover the same name resolves elsewhere)."""

    def __init__(self, connect):
        self._connect, self._connection, self._lock = connect, None, threading.Lock()

    def run(self, sql: str, params: tuple = (), *, fetch: bool = False, last_id: bool = False):
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                cursor = self._connection.cursor()
                try:
                    cursor.execute(sql, params)
                    if fetch:
                        return cursor.fetchone()
                    return cursor.lastrowid if last_id else None
                finally:
                    cursor.close()
            except Exception:
                connection, self._connection = self._connection, None
                if connection is not None:
                    try:
                        connection.close()
                    except Exception:  # noqa: BLE001, S110 (closing a broken connection may fail too)
                        pass
                raise


class App:
    def __init__(self, env: dict[str, str], *, dynamodb, connect, reachable=tcp_reachable,
                 clock=time.time, monotonic=time.monotonic):  # fmt: skip
        """dynamodb: a boto3 DynamoDB client of THIS region; connect(endpoint) -> a DB-API
        connection (autocommit) to that endpoint."""
        self.env, self.region, self.engine = env, env["REGION"], env["DB_ENGINE"]
        self.clock, self._reachable = clock, reachable
        table = env["CONTROL_TABLE"]
        self.heartbeat_sql, (self._orders_create, self._orders_insert) = (
            sql_for(self.engine),
            ORDERS_SQL[self.engine],
        )
        self.writer_orders = Database(lambda: connect(env["DB_WRITER_ENDPOINT"]))
        self.writer_beats = Database(lambda: connect(env["DB_WRITER_ENDPOINT"]))
        self.reader = Database(lambda: connect(env["DB_READER_ENDPOINT"]))
        self.leases = LeaseReader(lambda: dynamodb.get_item(**lease_get_item_request(table)).get("Item"),
                                  monotonic=monotonic)  # fmt: skip
        self.write_path = WritePath(self.region, self.leases, clock=clock)
        self.heartbeat = HeartbeatAgent(
            self.region,
            self.write_path,
            ensure_table=self._ensure_tables,
            beat=lambda region, epoch: self.writer_beats.run(self.heartbeat_sql.upsert, (region, epoch)),
            newest_row=lambda: self.reader.run(self.heartbeat_sql.newest, fetch=True),
            put_observation=lambda observation: _put_ignoring_older(dynamodb, table, observation),
            observer=env.get("INSTANCE_ID", ""),
            clock=clock,
        )
        self.targets = [
            (env["DB_READER_ENDPOINT"], int(env["DB_PORT"])),
            (env["DYNAMODB_HOST"], int(env["DYNAMODB_PORT"])),
        ]
        self._reach_lock, self._reach_at, self._reach = threading.Lock(), None, {}
        self._monotonic = monotonic

    def _ensure_tables(self) -> None:
        self.writer_beats.run(self.heartbeat_sql.create)
        self.writer_beats.run(self._orders_create)

    def reachability(self) -> dict[str, bool]:
        with self._reach_lock:
            now = self._monotonic()
            if self._reach_at is None or not 0 <= now - self._reach_at < REACHABILITY_CACHE_SECONDS:
                self._reach = {f"{host}:{port}": self._reachable(host, port) for host, port in self.targets}
                self._reach_at = now
            return dict(self._reach)

    def health(self) -> tuple[int, dict]:
        healthy, why = health_verdict(
            reachable=self.reachability(),
            holds_lease=self.write_path.holds_lease(),
            last_beat_ok_at=self.heartbeat.last_beat_ok_at,
            writer_since=self.heartbeat.writer_since,
            now=self.clock(),
        )
        return (200 if healthy else 503), {"healthy": healthy, "why": why, "region": self.region}

    def place_order(self, body: bytes) -> tuple[int, dict]:
        try:
            order = json.loads(body)
            symbol, side, quantity = order["symbol"], order["side"], order["quantity"]
            if not (isinstance(symbol, str) and 0 < len(symbol) <= 16 and symbol.isalnum()):
                raise ValueError("symbol must be 1 to 16 letters or digits")
            if side not in SIDES:
                raise ValueError(f"side must be one of {SIDES}")
            if not (isinstance(quantity, int) and not isinstance(quantity, bool) and 0 < quantity <= 10**9):
                raise ValueError("quantity must be a whole number from 1 to 1000000000")
        except (ValueError, KeyError, TypeError) as error:
            return 400, {"error": f"bad order: {error}"}
        try:
            order_id, epoch = self.write_path.write(lambda epoch: self._insert(symbol, side, quantity, epoch))
        except (WriteRefused, WriteOutcomeUnknown) as error:
            return 503, {"error": str(error), "region": self.region}
        except Exception as error:  # noqa: BLE001 (the database failed: nothing acknowledged)
            return 503, {"error": f"database: {type(error).__name__}", "region": self.region}
        return 201, {"order_id": order_id, "epoch": epoch, "region": self.region}

    def _insert(self, symbol: str, side: str, quantity: int, epoch: int):
        params = (symbol, side, quantity, self.region, epoch)
        if self.engine == "aurora-postgresql":
            return self.writer_orders.run(self._orders_insert, params, fetch=True)[0]
        return self.writer_orders.run(self._orders_insert, params, last_id=True)


def _put_ignoring_older(dynamodb, table: str, observation) -> None:
    try:
        dynamodb.put_item(**put_observation_request(table, observation))
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        if code != "ConditionalCheckFailedException":  # a newer observation is there already
            raise


def make_server(app: App, port: int, health_path: str, certfile: str, keyfile: str, host: str = ""):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?", 1)[0] != health_path:
                return self._answer(404, {"error": "not found"})
            self._answer(*app.health())

        def do_POST(self):
            if self.path.split("?", 1)[0] != "/orders":
                return self._answer(404, {"error": "not found"})
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_BODY_BYTES:
                return self._answer(400, {"error": f"a JSON body of 1 to {MAX_BODY_BYTES} bytes"})
            self._answer(*app.place_order(self.rfile.read(length)))

        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((host, port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    return server


def production(env: dict[str, str]) -> App:
    """The App with boto3 and the engine's driver (installed by the bootstrap)."""
    import importlib

    import boto3

    region = env["REGION"]
    secrets = boto3.client("secretsmanager", region_name=region)
    driver = importlib.import_module(DRIVERS[env["DB_ENGINE"]][0])

    def connect(endpoint: str):
        # Read at every (re)connect, so a rotated password is picked up.
        secret = json.loads(secrets.get_secret_value(SecretId=env["DB_SECRET_ARN"])["SecretString"])
        port, user, password, database = (
            int(env["DB_PORT"]),
            secret["username"],
            secret["password"],
            secret["dbname"],
        )
        if env["DB_ENGINE"] == "aurora-postgresql":
            connection = driver.connect(
                host=endpoint, port=port, user=user, password=password, dbname=database,
                connect_timeout=2, sslmode="require",
                # A peer that stops answering (no RST) is found in about 9 s, not hours:
                # https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-KEEPALIVES
                keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=2,
                options=f"-c statement_timeout={STATEMENT_TIMEOUT_SECONDS * 1000}",
            )  # fmt: skip
            connection.autocommit = True
            return connection
        tls = ssl.create_default_context()
        tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE  # encrypted, as sslmode=require
        return driver.connect(
            host=endpoint, port=port, user=user, password=password, database=database, autocommit=True,
            connect_timeout=2, read_timeout=STATEMENT_TIMEOUT_SECONDS,
            write_timeout=STATEMENT_TIMEOUT_SECONDS, ssl=tls,
        )  # fmt: skip

    return App(env, dynamodb=boto3.client("dynamodb", region_name=region), connect=connect)


def main() -> None:
    files = os.environ["CREDENTIALS_DIRECTORY"]  # systemd LoadCredential=
    env = read_env(os.path.join(files, "app.env"))
    app = production(env)
    threading.Thread(target=app.heartbeat.run, args=(threading.Event(),), daemon=True).start()
    server = make_server(
        app,
        int(env["APP_PORT"]),
        env["HEALTH_PATH"],
        os.path.join(files, "tls.crt"),
        os.path.join(files, "tls.key"),
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
