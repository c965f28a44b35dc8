"""The default application (docs/WRITE_LEASE.md, "The default application"), shipped byte for
byte by components/traffic/bootstrap.py (run as `python3 -m app.server`). Standard library only,
plus the engine's command-line client from Amazon Linux 2023, which has no Python
MySQL driver (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mysql-install-cli.html).

- GET HEALTH_PATH: failover.write_path.health_verdict (200 or 503).
- POST /orders {"symbol", "side", "quantity"}: one row on THIS region's cluster endpoint,
  only under the write lease, with its epoch; 503 without writing when there is none.
- A heartbeat thread: failover.write_path.HeartbeatAgent, one tick a second.

Each statement runs one client process: TLS required, 2 s to connect and per statement, the
password (from the region's DB secret, cached) in the child's environment only, values
rendered only from integers and [A-Za-z0-9._-] text (render()).
"""

from __future__ import annotations

import http.server
import json
import os
import re
import socket
import ssl
import subprocess
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

SECRET_CACHE_SECONDS = 300.0
SAFE_TEXT = re.compile(r"[A-Za-z0-9._-]{0,64}")
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
        "INSERT INTO trading_dr_orders (symbol, side, quantity, region, epoch) VALUES (%s, %s, %s, %s, %s); "
        "SELECT LAST_INSERT_ID()",
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


def literal(value) -> str:
    """A SQL literal, only for what the application writes: integers and short plain text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and SAFE_TEXT.fullmatch(value):
        return f"'{value}'"
    raise ValueError(f"refusing to render {value!r} into SQL (integers and [A-Za-z0-9._-] text only)")


def render(sql: str, params: tuple = ()) -> str:
    return sql % tuple(literal(value) for value in params)


def client_command(engine: str, endpoint: str, port: int, user: str, password: str, database: str,
                   sql: str) -> tuple[list[str], dict[str, str]]:  # fmt: skip
    """(argv, environment) of one client run: TLS required, 2 s to connect, 2 s per statement
    (PostgreSQL's statement_timeout; the process is also killed after that), rows as
    tab-separated lines, the password only in the environment."""
    if engine == "aurora-postgresql":
        # https://www.postgresql.org/docs/current/libpq-envars.html
        env = {"PGHOST": endpoint, "PGPORT": str(port), "PGUSER": user, "PGPASSWORD": password,
               "PGDATABASE": database, "PGSSLMODE": "require", "PGCONNECT_TIMEOUT": "2",
               "PGOPTIONS": f"-c statement_timeout={STATEMENT_TIMEOUT_SECONDS * 1000}"}  # fmt: skip
        return ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql], env
    # https://mariadb.com/kb/en/mariadb-command-line-client/ (MYSQL_PWD: the password)
    argv = ["mysql", "--batch", "--skip-column-names", "--ssl", "--connect-timeout=2",
            "-h", endpoint, "-P", str(port), "-u", user, "-D", database, "-e", sql]  # fmt: skip
    return argv, {"MYSQL_PWD": password}


def run_client(argv: list[str], env: dict[str, str]) -> list[list[str]]:
    """Run one client; its rows. A failure or a timeout raises (nothing acknowledged)."""
    done = subprocess.run(  # noqa: S603 (a fixed client, literals rendered by render())
        argv, env={**os.environ, **env}, capture_output=True, text=True, timeout=STATEMENT_TIMEOUT_SECONDS + 1
    )
    if done.returncode != 0:
        raise OSError(f"{argv[0]} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return [line.split("\t") for line in done.stdout.splitlines() if line]


class Database:
    """Statements on one endpoint: run_sql(endpoint, rendered sql) -> rows."""

    def __init__(self, endpoint: str, run_sql):
        self.endpoint, self._run = endpoint, run_sql

    def run(self, sql: str, params: tuple = (), *, fetch: bool = False):
        rows = self._run(self.endpoint, render(sql, params))
        return (rows[0] if rows else None) if fetch else None


class App:
    def __init__(self, env: dict[str, str], *, dynamodb, run_sql, reachable=tcp_reachable,
                 clock=time.time, monotonic=time.monotonic):  # fmt: skip
        """dynamodb: get_item/put_item on THIS region's DynamoDB (app.aws.DynamoDb);
        run_sql(endpoint, sql) -> rows, one statement on that endpoint."""
        self.env, self.region, self.engine = env, env["REGION"], env["DB_ENGINE"]
        self.clock, self._reachable = clock, reachable
        table = env["CONTROL_TABLE"]
        self.heartbeat_sql, (self._orders_create, self._orders_insert) = (
            sql_for(self.engine),
            ORDERS_SQL[self.engine],
        )
        self.writer = Database(env["DB_WRITER_ENDPOINT"], run_sql)
        self.reader = Database(env["DB_READER_ENDPOINT"], run_sql)
        self.leases = LeaseReader(lambda: dynamodb.get_item(**lease_get_item_request(table)).get("Item"),
                                  monotonic=monotonic)  # fmt: skip
        self.write_path = WritePath(self.region, self.leases, clock=clock)
        self.heartbeat = HeartbeatAgent(
            self.region,
            self.write_path,
            ensure_table=self._ensure_tables,
            beat=lambda region, epoch: self.writer.run(self.heartbeat_sql.upsert, (region, epoch)),
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
        self.writer.run(self.heartbeat_sql.create)
        self.writer.run(self._orders_create)

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

    def _insert(self, symbol: str, side: str, quantity: int, epoch: int) -> int:
        row = self.writer.run(self._orders_insert, (symbol, side, quantity, self.region, epoch), fetch=True)
        return int(row[0])


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
    """The App on AWS: the instance role's credentials, the engine's client, the DB secret."""
    from app.aws import DynamoDb, InstanceCredentials, secret_value

    region, engine, credentials = env["REGION"], env["DB_ENGINE"], InstanceCredentials()
    cache, lock = {}, threading.Lock()

    def secret() -> dict:
        with lock:
            if cache.get("until", 0) <= time.monotonic():
                cache["value"] = secret_value(region, env["DB_SECRET_ARN"], credentials)
                cache["until"] = time.monotonic() + SECRET_CACHE_SECONDS
            return cache["value"]

    def run_sql(endpoint: str, sql: str) -> list[list[str]]:
        value = secret()
        argv, child_env = client_command(
            engine, endpoint, int(env["DB_PORT"]), value["username"], value["password"], value["dbname"], sql
        )
        try:
            return run_client(argv, child_env)
        except Exception:
            with lock:
                cache.clear()  # a rotated password, a new writer: read the secret again
            raise

    return App(env, dynamodb=DynamoDb(region, credentials), run_sql=run_sql)


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
