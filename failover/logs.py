"""Structured JSON logs. aws-lambda-powertools' Logger when it is importable (local runs,
tests, or a Lambda with the Powertools layer); otherwise a stdlib logger that writes the
same one-JSON-object-per-line shape. The Lambda package holds failover/ only, so in the
cloud the fallback is what runs unless a Powertools layer is attached: no third-party code
is needed on the failover path."""

from __future__ import annotations

import json
import logging
import sys
import time

SERVICE = "trading-dr-failover"


class JsonLogger:
    """The subset of powertools' Logger the orchestrator uses: info/warning/error(msg, **fields)."""

    def __init__(self, service: str = SERVICE, stream=None):
        # Lambda ships stdout to CloudWatch Logs line by line; no handler set-up needed.
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


def get_logger(prefer_powertools: bool = True):
    if prefer_powertools:
        try:
            from aws_lambda_powertools import Logger
        except ImportError:
            pass
        else:
            return Logger(service=SERVICE)
    return JsonLogger()
