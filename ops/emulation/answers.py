"""What an emulation is handed instead of the world, and how it answers a boto3 call.

Each emulation answers on the boto3 surface through the world's before-call hook: an HTTP
response and its parsed body (`ok`, `error`). It reads time from a clock (a callable that
returns the simulated now), writes what happened to a recorder (`where`, `what`), and takes
the fault model of the call it answers from `CallFaults`: so an emulation depends on these
narrow things, never on the world that assembles them (ops/emulation/dr_world.py), and the
failover tests can drive the same emulation on their own clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from ops.emulation.network import Network
from ops.timing_model import TimingModel

Clock = Callable[[], float]
"""The simulated now, in epoch seconds."""
Recorder = Callable[[str, str], None]
"""record(where, what): one line of the world's log, stamped with the clock."""


def ok(body: dict):
    return AWSResponse("https://emulated", 200, {}, None), {
        **body,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }


def error(code: str, message: str, status: int):
    return AWSResponse("https://emulated", status, {}, None), {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }


@dataclass(frozen=True)
class Surroundings:
    """What the emulations of the world's data plane read in common: the clock, the
    recorder, the network and fault model, and the timing model."""

    clock: Clock
    record: Recorder
    network: Network
    timing: TimingModel


def _never_killed(reason: str) -> NoReturn:
    raise AssertionError(f"no fault model kills this caller ({reason})")


@dataclass(frozen=True)
class CallFaults:
    """The fault injector of the call being answered: the network and fault model, who is
    calling, and what happens to the calling process (`kill`, which raises) and to its answer
    (`lose_response`: AWS applied the call and the caller's connection drops before the
    answer)."""

    network: Network
    acting: Callable[[], str] = lambda: ""
    kill: Callable[[str], NoReturn] = _never_killed
    lose_response: Callable[[str], None] = lambda operation: None


def answered(answer, operation: str) -> dict:
    """An emulation's answer as a boto3 client hands it to its caller: the body, or the
    ClientError (for callers that use the emulation without a boto3 client: the tests)."""
    response, body = answer
    if response.status_code >= 300:
        raise ClientError(body, operation)
    return {key: value for key, value in body.items() if key != "ResponseMetadata"}
