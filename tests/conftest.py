"""Shared fixtures. Program tests run the real __main__.py on the mock engine (ops/) and
assert over what it registered; nothing here needs the pulumi CLI, AWS or the network."""

from __future__ import annotations

import os

import pytest

from ops.mock_engine import StackRun, run_both

# boto3 clients in tests must never find real credentials or reach AWS.
for _key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ[_key] = "testing"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture(scope="session")
def stacks() -> tuple[StackRun, StackRun]:
    """(primary, dr) as the stack files configure them, built once per session."""
    return run_both()


@pytest.fixture(scope="session")
def primary(stacks) -> StackRun:
    return stacks[0]


@pytest.fixture(scope="session")
def dr(stacks) -> StackRun:
    return stacks[1]


@pytest.fixture(scope="session")
def by_stack(stacks) -> dict[str, StackRun]:
    """{"primary": ..., "dr": ...}, for tests parametrized over the stack name."""
    return {"primary": stacks[0], "dr": stacks[1]}
