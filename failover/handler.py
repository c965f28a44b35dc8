"""The Lambda entry point: failover.handler.lambda_handler.

The orchestrator is built once per execution environment from the environment variables
(failover.config.ENV). A scheduled invocation loops over evaluations until its budget,
bounded by the time Lambda says is left (context.get_remaining_time_in_millis) less a
margin, so a live invocation never holds the lock past the function's timeout. A
configuration error is a deployment defect: it is logged and returned as a decision record
with outcome config_error, and nothing is done.
"""

from __future__ import annotations

from failover.config import ConfigError
from failover.logs import get_logger
from failover.orchestrator import Orchestrator

CONFIG_ERROR = "config_error"
_orchestrator: Orchestrator | None = None


def lambda_handler(event, context) -> dict:
    global _orchestrator
    if _orchestrator is None:
        try:
            _orchestrator = Orchestrator.from_environment()
        except ConfigError as error:
            record = {"outcome": CONFIG_ERROR, "acted": False, "reason": str(error)}
            get_logger().error("orchestrator misconfigured", **record)
            return record
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return _orchestrator.handle(
        event,
        request_id=getattr(context, "aws_request_id", None),
        remaining_ms=remaining() if callable(remaining) else None,
    )
