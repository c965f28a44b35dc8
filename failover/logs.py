"""Structured JSON logs from the standard library alone: one JSON object per line on stdout,
which Lambda sends to the function's CloudWatch Logs group line by line
(https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html; the function's log format
is Text, so each line arrives as written). The same logger runs in the Lambda, in the tests
and in the drill, so production logs exactly as it is tested
(docs/ARCHITECTURE.md#the-lambda-artifact): the Lambda ships failover/ and nothing else.

Each line holds `level`, `timestamp` (UTC), `service`, `message`, then the call's fields
(`log.warning("duplicate event", event_id=...)`); a value JSON cannot hold is written as its
str()."""

from __future__ import annotations

import json
import logging
import sys
import time

SERVICE = "trading-dr-failover"


class JsonLogger:
    """info/warning/error(message, **fields), each written as one JSON line."""

    def __init__(self, service: str = SERVICE, stream=None):
        # No handler set-up: stdout is read when a line is written (None: sys.stdout then).
        self.service, self._stream = service, stream

    def _emit(self, level: int, message: str, fields: dict) -> None:
        line = {
            "level": logging.getLevelName(level),
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "service": self.service,
            "message": message,
            **fields,
        }
        print(json.dumps(line, default=str), file=self._stream or sys.stdout, flush=True)

    def info(self, message: str, **fields) -> None:
        self._emit(logging.INFO, message, fields)

    def warning(self, message: str, **fields) -> None:
        self._emit(logging.WARNING, message, fields)

    def error(self, message: str, **fields) -> None:
        self._emit(logging.ERROR, message, fields)


def get_logger() -> JsonLogger:
    return JsonLogger()
