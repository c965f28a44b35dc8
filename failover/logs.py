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


class _CurrentStdout(logging.StreamHandler):
    """A handler that writes to whatever sys.stdout is when a record is emitted.

    powertools' Logger attaches its handler to the process-wide stdlib logger of the service
    the first time one is made and reuses it afterwards; a plain StreamHandler would keep the
    stdout of that moment for good (in tests, the capture of whichever test came first)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


def get_logger(prefer_powertools: bool = True):
    if prefer_powertools:
        try:
            from aws_lambda_powertools import Logger
        except ImportError:
            pass
        else:
            return Logger(service=SERVICE, logger_handler=_CurrentStdout())
    return JsonLogger()
