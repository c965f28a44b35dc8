"""Workload assumptions of the cost estimate (data volume, requests, write rates).

Why not stack config: no resource reads them, so putting them in Pulumi.<stack>.yaml would
make both stacks carry keys that deploy nothing and that the pair check would have to keep
equal. They live in ops/pricing/usage.json, each with its default, unit and meaning; an
operator overrides any of them with `plan --tiers --usage FILE` (a JSON object of numbers).
A bad override stops with one line naming the file, the key, the value and the rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from difflib import get_close_matches
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ops.errors import OperatorError
from ops.tiers.prices import PRICING_DIR

USAGE_FILE = PRICING_DIR / "usage.json"


def assumption_specs(path: Path = USAGE_FILE) -> dict[str, dict[str, Any]]:
    """key -> {default, unit, description}, as declared in usage.json."""
    try:
        return json.loads(path.read_text())["assumptions"]
    except (OSError, json.JSONDecodeError, KeyError) as error:
        raise OperatorError(f"{path.name}: cannot read the usage assumptions ({error})") from None


def _number(source: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise OperatorError(f"{source}: {key}={json.dumps(value)}: must be a finite number")
    if value < 0:
        raise OperatorError(f"{source}: {key}={json.dumps(value)}: must be >= 0")
    return float(value)


def resolve_usage(
    overrides: Mapping[str, Any] | None = None, source: str = "usage overrides"
) -> Mapping[str, float]:
    """Defaults with the overrides applied; unknown keys and bad numbers are errors."""
    specs = assumption_specs()
    values = {key: _number(USAGE_FILE.name, key, spec.get("default")) for key, spec in specs.items()}
    for key, value in (overrides or {}).items():
        if key not in specs:
            close = get_close_matches(key, list(specs), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise OperatorError(f"{source}: {key}: not a usage assumption{hint}")
        values[key] = _number(source, key, value)
    return MappingProxyType(values)


def load_usage_file(path: Path) -> Mapping[str, float]:
    """Read `--usage FILE` (a JSON object of numbers, or a copy of usage.json with its
    defaults edited) and resolve it over the defaults."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise OperatorError(f"--usage {path}: file not found") from None
    except json.JSONDecodeError as error:
        raise OperatorError(f"{path.name}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise OperatorError(f"{path.name}: must be a JSON object of usage assumptions")
    if isinstance(document.get("assumptions"), dict):
        # A copy of ops/pricing/usage.json, edited: its `default`s are the values to use.
        overrides = {}
        for key, spec in document["assumptions"].items():
            if not isinstance(spec, dict) or "default" not in spec:
                raise OperatorError(f"{path.name}: assumptions.{key}: must be an object with a default")
            overrides[key] = spec["default"]
        return resolve_usage(overrides, source=path.name)
    return resolve_usage(document, source=path.name)
