"""Runs the SHIPPED default application (the files extracted from the launch template's user
data, not the repository's) with a file-backed DynamoDB and database, for test_application.py.

    python app_harness.py <extracted /opt/trading-dr> <state dir> <port>

State files the test writes: lease.json ({"item": <LEASE/WRITE item> | null} or {"fail": msg})
and db.json ({"commit": true|false}); the harness appends every statement it runs to
statements.jsonl and every observation put to observations.jsonl."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

shipped, state, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, shipped)

import server  # noqa: E402  (the shipped server.py)


def _load(name: str) -> dict:
    with open(os.path.join(state, name)) as f:
        return json.load(f)


def _append(name: str, record: dict) -> None:
    with open(os.path.join(state, name), "a") as f:
        f.write(json.dumps(record) + "\n")


class DynamoDb:
    def get_item(self, **request):
        _append("statements.jsonl", {"dynamodb": "GetItem", "request": request})
        lease = _load("lease.json")
        if "fail" in lease:
            raise OSError(lease["fail"])
        return {"Item": lease["item"]} if lease.get("item") else {}

    def put_item(self, **request):
        _append("observations.jsonl", request)


class Cursor:
    def __init__(self, endpoint: str):
        self.endpoint, self.row, self.lastrowid = endpoint, None, None

    def execute(self, sql: str, params=()):
        if not _load("db.json")["commit"]:
            time.sleep(2)  # accepts the connection, never commits: the statement times out
            raise TimeoutError("canceling statement due to statement timeout")
        _append("statements.jsonl", {"endpoint": self.endpoint, "sql": sql, "params": list(params)})
        if sql.startswith("SELECT region, epoch, beat_at"):  # the newest replicated heartbeat
            self.row = ("us-east-1", 7, time.time() - 0.5)
        else:
            self.row, self.lastrowid = (101,), 101

    def fetchone(self):
        return self.row

    def close(self):
        pass


class Connection:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def cursor(self):
        return Cursor(self.endpoint)

    def close(self):
        pass


env = server.read_env(os.path.join(state, "app.env"))
app = server.App(env, dynamodb=DynamoDb(), connect=Connection)
threading.Thread(target=app.heartbeat.run, args=(threading.Event(),), daemon=True).start()
httpd = server.make_server(
    app,
    port,
    env["HEALTH_PATH"],
    os.path.join(state, "tls.crt"),
    os.path.join(state, "tls.key"),
    host="127.0.0.1",
)
httpd.serve_forever()
