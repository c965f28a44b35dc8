"""The runner behind tools/mutation_checks_*.py: each mutation changes ONE snippet of one file,
runs the targeted tests and expects them to go red, then restores the file. Prints RED (the
suite catches the change) or GREEN (a hole). Not a test: it rewrites source files while it
runs, so never run it beside other work in the same tree."""

from __future__ import annotations

import pathlib
import subprocess
from collections.abc import Iterable, Sequence

Mutation = tuple[str, str, str, str, str]
"""(name, file, the snippet as it is, the snippet mutated, the pytest arguments to run)."""


def run_mutations(mutations: Iterable[Mutation], only: Sequence[str] = ()) -> int:
    """Run every mutation whose name contains one of `only` (all when empty); returns how many
    stayed GREEN, so a caller can exit non-zero on a hole."""
    holes = 0
    for name, path, old, new, tests in mutations:
        if only and not any(o in name for o in only):
            continue
        file = pathlib.Path(path)
        source = file.read_text()
        if source.count(old) != 1:
            # The code moved on and the snippet no longer names one place: a check that
            # cannot run is a hole until the snippet is updated.
            holes += 1
            print("STALE", name, "|", f"the snippet occurs {source.count(old)} times in {path}", flush=True)  # noqa: T201
            continue
        file.write_text(source.replace(old, new))
        try:
            result = subprocess.run(  # noqa: S602 (fixed commands of the calling tool)
                f"timeout 600 venv/bin/python -m pytest -p no:randomly -n 0 -q -x {tests}",
                shell=True,
                capture_output=True,
                text=True,
            )
        finally:
            file.write_text(source)
        fails = [line for line in result.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        last = fails[0] if fails else (result.stdout.strip().splitlines() or [result.stderr[-200:]])[-1]
        holes += result.returncode == 0
        print(("RED  " if result.returncode else "GREEN"), name, "|", last[:150], flush=True)  # noqa: T201
    return holes
