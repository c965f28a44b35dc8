"""Runs the SHIPPED default application (the files extracted from the launch template's user
data, not the repository's) with a file-backed DynamoDB and database, for test_application.py.

    python app_harness.py <extracted /opt/trading-dr> <state dir> <port>

State files the test writes: lease.json ({"item": <LEASE/WRITE item> | null} or {"fail": msg})
and db.json ({"commit": true|false}); the harness appends every statement (rendered SQL) to
statements.jsonl and every observation put to observations.jsonl."""

from __future__ import annotations

import json
import os
import sys
import threading
import time

shipped, state, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, shipped)

from app import server  # noqa: E402  (the shipped app/server.py)


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


def run_sql(endpoint: str, sql: str) -> list[list[str]]:
    """The engine's client as server.run_client returns it: rows of text, or an exception."""
    if not _load("db.json")["commit"]:
        time.sleep(2)  # accepts the connection, never commits: the statement times out
        raise OSError("mysql exited 1: Lost connection to server during query")
    _append("statements.jsonl", {"endpoint": endpoint, "sql": sql})
    if sql.startswith("SELECT region, epoch, beat_at"):  # the newest replicated heartbeat
        return [["us-east-1", "7", repr(time.time() - 0.5)]]
    return [["101"]] if "INSERT INTO trading_dr_orders" in sql else []


env = server.read_env(os.path.join(state, "app.env"))
app = server.App(env, dynamodb=DynamoDb(), run_sql=run_sql)
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
