"""Reads a stack's configuration the way the pulumi CLI does: Pulumi.yaml defaults, then
Pulumi.<stack>.yaml values, as a flat mapping of full keys (`trading-dr:role`, `aws:region`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from components.settings import PROJECT, Settings, parse_settings, project_defaults

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACKS = ("primary", "dr")
"""Deployment order: primary first, dr second (dr reads primary's outputs)."""


class StackConfigError(ValueError):
    """A stack file that cannot be read at all (missing, not YAML, no config block)."""


def stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def read_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """The stack's own config block, keys qualified with the project name where bare."""
    path = stack_file(stack, project_dir)
    if not path.exists():
        raise StackConfigError(f"stack file {path.name} not found in {project_dir}")
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path.name} is not valid YAML: {error}") from None
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackConfigError(f"{path.name}: 'config' must be a mapping")
    return {(key if ":" in key else f"{PROJECT}:{key}"): value for key, value in config.items()}


def effective_config(
    stack: str, overrides: dict[str, Any] | None = None, project_dir: Path = PROJECT_DIR
) -> dict[str, Any]:
    """Defaults, then the stack file, then overrides (tests use these to vary one key)."""
    return {**project_defaults(), **read_stack_config(stack, project_dir), **(overrides or {})}


def stack_settings(
    stack: str, overrides: dict[str, Any] | None = None, project_dir: Path = PROJECT_DIR
) -> Settings:
    """Validated settings of a stack, straight from its files; raises SettingsError."""
    return parse_settings(effective_config(stack, overrides, project_dir), stack)


def as_pulumi_config(config: dict[str, Any]) -> dict[str, str]:
    """Config values as the engine hands them to a program: strings, structured values as JSON."""
    import json

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return str(value)

    return {key: text(value) for key, value in config.items()}
