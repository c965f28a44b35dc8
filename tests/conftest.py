"""Shared fixtures. Program tests run the real __main__.py on the mock engine (ops/) and
assert over what it registered; nothing here needs the pulumi CLI, AWS or the network."""

from __future__ import annotations

import gc
import os

import pytest

from ops.mock_engine import StackRun, run_both

# boto3 clients in tests must never find real credentials or reach AWS.
for _key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ[_key] = "testing"
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)

# The suite's heap is large and long-lived (pulumi_aws's modules, botocore's service models,
# moto's backends, the memoised builds below: about a million tracked objects), and at
# CPython's default thresholds a full collection over it ran about every 170,000
# allocations: 90-odd full collections of ~0.6 s each, over 40% of a serial run's CPU.
# Young collections stay as frequent as by default; a full one waits for a thousand of the
# middle generation's (about 7 million allocations), so cyclic garbage is still reclaimed,
# in a few passes instead of ninety.
gc.set_threshold(700, 10, 1000)
# What is loaded by now (pulumi_aws, botocore, moto) lives as long as the process: frozen,
# no collection walks it again (https://docs.python.org/3/library/gc.html#gc.freeze). The
# remembered builds are frozen too (below). The price, knowingly paid: cyclic garbage alive
# at a freeze is never collected (nor finalised) in this process. Measured 2026-11-30: a
# serial run peaks at ~2.0 GB RSS (0.7 GB at CPython's defaults, 1.6 GB without the
# per-build freeze), so `make test`'s two workers take ~4 GB; in exchange the suite's wall
# time halves.
gc.freeze()


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


def _memoised(run_stack):
    """run_stack, remembered per configuration for the rest of this test process.

    Many test modules build the same configuration (every tier, both engines, the stack
    files as they are); a build is a couple of seconds of the Pulumi mock engine. A StackRun
    is a record of what was registered and no test changes it, so one build serves them all.
    The key is everything the build reads: the stack, its effective configuration (defaults,
    stack file, overrides: an override that restates a default is the same build, so e.g.
    `tier: hot-standby` shares the stack files' build), which keys the stack file marks
    secret, the peer's exports and the project folder (a test that writes its own project
    gets its own builds). A configuration that does not validate raises, as unmemoised."""
    import functools
    import json

    from ops.mock_engine import PROJECT_DIR
    from ops.stack_config import effective_config, read_stack_file

    builds: dict[str, StackRun] = {}

    @functools.wraps(run_stack)
    def remembered(
        stack,
        *,
        overrides=None,
        peer_exports=None,
        peer_secrets=None,
        project_dir=PROJECT_DIR,
        live_state=None,
    ):
        if live_state is not None:
            # A seeded read-back (a function) is its own build: never remembered.
            return run_stack(
                stack,
                overrides=overrides,
                peer_exports=peer_exports,
                peer_secrets=peer_secrets,
                project_dir=project_dir,
                live_state=live_state,
            )
        key = json.dumps(
            [
                stack,
                effective_config(stack, overrides, project_dir),
                sorted(read_stack_file(stack, project_dir).secret_keys),
                peer_exports,
                sorted((peer_secrets or {}).items()),
                str(project_dir),
            ],
            sort_keys=True,
            default=str,
        )
        if key not in builds:
            builds[key] = run_stack(
                stack,
                overrides=overrides,
                peer_exports=peer_exports,
                peer_secrets=peer_secrets,
                project_dir=project_dir,
            )
            # A remembered build lives as long as the process: out of every later collection.
            gc.freeze()
        return builds[key]

    return remembered


import ops.mock_engine as _mock_engine  # noqa: E402

_mock_engine.run_stack = _memoised(_mock_engine.run_stack)
