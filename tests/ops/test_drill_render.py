"""The drill's output goes through the one renderer (ops/output.py emit_table): piped, in a
file or at 80 columns every scenario's name and verdict survive whole; progress is one line
per scenario on stderr, none with -q; the JSON document is camelCase."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from ops.drill import SCENARIOS, ScenarioResult, SeedResult, render

ROOT = Path(__file__).resolve().parents[2]
LONG_EVENT = "FailoverGlobalCluster accepted: " + "arn:aws:rds:us-west-2:123456789012:cluster:home-db " * 3


def seed(scenario: str, tier: str, passed: bool = True, rto: float | None = 110.0) -> SeedResult:
    return SeedResult(
        scenario=scenario,
        tier=tier,
        seed=0,
        passed=passed,
        failures=[] if passed else ["promoted although the primary was healthy"],
        violations={},
        rto_seconds=rto,
        detection_decision_seconds=40.0 if rto else None,
        promotion_seconds_observed=None,
        lost_writes=0,
        pages=1,
        timeline={},
        events=[(0.0, "us-west-2", "fault injected"), (1.0, "us-west-2", LONG_EVENT)],
    )


def sample_results() -> list[ScenarioResult]:
    results = [ScenarioResult(name, "hot-standby", [seed(name, "hot-standby")]) for name in SCENARIOS]
    results[2] = ScenarioResult(
        SCENARIOS[2], "hot-standby", [seed(SCENARIOS[2], "hot-standby", passed=False)]
    )
    return results


@pytest.mark.parametrize("terminal,width", [(False, 80), (False, 40), (True, 80), (True, 60)])
def test_every_scenario_name_and_verdict_survive_any_width(terminal, width):
    stream = io.StringIO()
    console = Console(file=stream, width=width, force_terminal=terminal, no_color=True, soft_wrap=True)
    render(console, sample_results(), 120.0)
    text = stream.getvalue()
    for name in SCENARIOS:
        if terminal:
            # Each column keeps room for its longest word: a name is never cut or folded.
            assert any(f"│ {name} " in line for line in text.splitlines()), name
        else:
            row = next(line for line in text.splitlines() if line.startswith(name + " "))
            verdict = "FAIL" if name == SCENARIOS[2] else "pass"
            assert row.split()[:4] == [name, "hot-standby", "1", verdict]
    assert "…" not in text  # no cell or header cut to an ellipsis
    # A cell wider than the terminal folds onto more lines, whole: read without borders and
    # blanks, the text is all there.
    flat = re.sub(r"\x1b\[[0-9;]*m|[\s│]", "", text)
    assert re.sub(r"\s", "", LONG_EVENT) in flat
    if not terminal:
        header = next(line for line in text.splitlines() if line.startswith("scenario "))
        assert header.split("  ")[0] == "scenario" and "decide s p50/95/max" in header


@pytest.mark.skipif(os.environ.get("SKIP_SLOW") == "1", reason="runs the drill")
def test_piped_drill_shows_progress_per_scenario_on_stderr_and_rows_on_stdout():
    argv = [sys.executable, "deploy.py", "drill", "--local", "--scenario", "partition", "--seeds", "1"]
    env = {**os.environ, "COLUMNS": "80"}
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "drill: [1/1] partition (hot-standby, 1 seeds): pass in " in result.stderr
    assert any(
        line.split()[:4] == ["partition", "hot-standby", "1", "pass"] for line in result.stdout.splitlines()
    )
    quiet = subprocess.run(
        [*argv[:2], "-q", *argv[2:]], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    assert quiet.returncode == 0 and "drill: [" not in quiet.stderr
