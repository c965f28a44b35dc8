"""Reads a stack's configuration the way the pulumi CLI does: Pulumi.yaml defaults, then
Pulumi.<stack>.yaml values, as a flat mapping of full keys (`trading-dr:role`, `aws:region`).

Nothing is accepted silently: a key Pulumi.yaml does not declare, a key without its
namespace, a provider key the program does not read, a top-level block other than the ones
the pulumi CLI knows, an empty file and a secret where a secret makes no sense each stop
with one line naming the file, the key and the value as written. `load_pair` is the one
entry every command uses before it builds or deploys anything: both stacks validated and
checked as a pair.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.settings import (
    PROJECT,
    SHARED_KEY_RULE,
    Settings,
    SettingsError,
    check_stack_pair,
    parse_settings,
    project_default_line,
    project_defaults,
    yaml_spelling,
)
from components.yaml_reader import YamlFileError, read_yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACKS = ("primary", "dr")
"""Deployment order: primary first, dr second (dr reads primary's outputs)."""

# Top-level blocks of a stack settings file the pulumi CLI knows.
# https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/
TOP_LEVEL_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment")

# The providers are explicit (components/providers.py) and take only the region: any other
# `aws:` key (profile, assumeRoles, ...) configures the default provider, which is disabled,
# so it would be ignored without a word. Credentials come from the environment instead.
PROVIDER_KEYS = ("aws:region",)
PULUMI_KEYS = ("pulumi:disable-default-providers", "pulumi:tags")

# The program's providers are all explicit (components/providers.py); disabling the default
# providers makes a forgotten provider= fail instead of deploying to whatever region the
# environment names. Both stack files must say so.
# https://www.pulumi.com/docs/iac/concepts/resources/providers/#disabling-default-providers
DISABLE_DEFAULT_PROVIDERS = "pulumi:disable-default-providers"

# Keys that may hold a secret (`pulumi config set --secret`), with the stand-in the offline
# plan uses since it cannot decrypt. Every other key names or shapes infrastructure and is
# shown in plain text in resource names, tags and the plan, so a secret there is a mistake.
SECRET_PLACEHOLDERS = {f"{PROJECT}:alertEmail": "secret-placeholder@example.com"}


class StackConfigError(ValueError):
    """A stack file that cannot be used at all (empty, no config block, not a mapping)."""


@dataclass(frozen=True)
class Entry:
    """One key of a stack file: the value used, as written, where, and whether a secret."""

    value: Any
    written: str
    line: int | None
    secret: bool = False


@dataclass
class StackFile:
    stack: str
    name: str
    """The file name, e.g. Pulumi.dr.yaml."""
    entries: dict[str, Entry] = field(default_factory=dict)
    environments: tuple[str, ...] = ()
    """Pulumi ESC environments the file imports (its top-level `environment:`)."""

    @property
    def secret_keys(self) -> frozenset[str]:
        return frozenset(key for key, entry in self.entries.items() if entry.secret)

    def notes(self) -> list[str]:
        notes = [
            f"{self.name}: {key} is a secret; offline, {SECRET_PLACEHOLDERS[key]} stands in for it"
            for key in sorted(self.secret_keys)
        ]
        if self.environments:
            # https://www.pulumi.com/docs/iac/concepts/config/#pulumi-esc-environments
            notes.append(
                f"{self.name}: environment: imports Pulumi ESC {', '.join(self.environments)}; values it "
                "sets are not visible offline: validate, config, plan and drill check this file and "
                "Pulumi.yaml only"
            )
        return notes


def stack_file(stack: str, project_dir: Path | None = None) -> Path:
    return (project_dir or PROJECT_DIR) / f"Pulumi.{stack}.yaml"


def _did_you_mean(name: str, candidates: list[str]) -> str:
    by_case = {candidate.lower(): candidate for candidate in candidates}
    close = difflib.get_close_matches(name.lower(), list(by_case), n=1, cutoff=0.6)
    return f"; did you mean {by_case[close[0]]}?" if close else ""


def known_keys() -> list[str]:
    return [*PROVIDER_KEYS, *PULUMI_KEYS, *project_defaults()]


def _check_key(key: str, written: str, file: str) -> None:
    """Unknown, misspelled or unqualified keys stop with a did-you-mean."""
    declared = list(project_defaults())
    if key in declared or key in PROVIDER_KEYS or key in PULUMI_KEYS:
        return
    value = f"= {written}"
    if ":" not in key:
        # The pulumi CLI refers to stack config keys as <namespace>:<name>.
        rule = "needs its namespace (keys are written namespace:name)" + _did_you_mean(
            f"{PROJECT}:{key}", declared
        )
    else:
        namespace = key.split(":", 1)[0]
        if namespace == "aws":
            rule = (
                "is not read: the AWS providers are explicit and take only aws:region "
                "(credentials come from the environment, e.g. AWS_PROFILE)"
            ) + _did_you_mean(key, [*PROVIDER_KEYS])
        elif namespace == "pulumi":
            rule = f"is not a pulumi setting this project uses ({', '.join(PULUMI_KEYS)})" + _did_you_mean(
                key, [*PULUMI_KEYS]
            )
        else:
            rule = "is not a key of this project (Pulumi.yaml declares every key)" + _did_you_mean(
                key, known_keys()
            )
    raise SettingsError(key, None, rule, file=file, written=value)


def read_stack_file(stack: str, project_dir: Path | None = None) -> StackFile:
    """The stack's own config block, every key checked; raises YamlFileError,
    StackConfigError or SettingsError with one line naming the file."""
    path = stack_file(stack, project_dir)
    document = read_yaml(path)
    data, name = document.data, path.name
    if data is None:
        raise StackConfigError(
            f"{name} is empty: it needs a config: block with at least {PROJECT}:role: {stack}"
        )
    if not isinstance(data, dict):
        raise StackConfigError(f"{name} must be a mapping with a config: block")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            hint = _did_you_mean(key, list(TOP_LEVEL_KEYS))
            raise StackConfigError(
                f"{name} line {document.lines[(key,)]}: {key} is not a block a stack file has "
                f"({', '.join(TOP_LEVEL_KEYS)}){hint}"
            )
    if "config" not in data:
        raise StackConfigError(f"{name} has no config: block: the stack's keys go under config:")
    config = data["config"]
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise StackConfigError(f"{name}: config: must be a mapping of key: value")
    environment = data.get("environment")
    imports = environment.get("imports") if isinstance(environment, dict) else environment
    if environment is not None and not (
        isinstance(imports, list) and imports and all(isinstance(i, str) and i for i in imports)
    ):
        raise StackConfigError(
            f"{name} line {document.lines[('environment',)]}: environment: must list the Pulumi ESC "
            "environments to import (a list of names)"
        )
    result = StackFile(stack=stack, name=name, environments=tuple(imports or ()))
    for key, value in config.items():
        scalar = document.written.get(("config", key))
        secure = isinstance(value, dict) and set(value) == {"secure"}
        # A ciphertext is never echoed back, even in an error.
        written = "{secure: ...}" if secure else scalar.written if scalar else yaml_spelling(value)
        _check_key(key, written, name)
        line = document.lines.get(("config", key))
        if secure:
            if key not in SECRET_PLACEHOLDERS:
                raise SettingsError(
                    key,
                    None,
                    "must not be a secret: it names or shapes infrastructure and is shown in plain "
                    "text in names, tags and the plan",
                    file=name,
                    written="= {secure: ...}",
                )
            result.entries[key] = Entry(SECRET_PLACEHOLDERS[key], "[secret]", line, secret=True)
            continue
        result.entries[key] = Entry(value, written, line)
    _check_default_providers(result)
    return result


def _check_default_providers(file: StackFile) -> None:
    entry = file.entries.get(DISABLE_DEFAULT_PROVIDERS)
    value = entry.value if entry else None
    if isinstance(value, list) and ("*" in value or "aws" in value):
        return
    raise SettingsError(
        DISABLE_DEFAULT_PROVIDERS,
        value,
        'must be ["*"]: every provider is explicit, and a forgotten provider= must fail rather '
        "than deploy where the environment points",
        file=file.name if entry is None or entry.line is None else f"{file.name} line {entry.line}",
        written="(not set)" if entry is None else f"= {entry.written}",
    )


def read_stack_config(stack: str, project_dir: Path | None = None) -> dict[str, Any]:
    """The stack's own config block as key -> value (secrets as their offline placeholder)."""
    return {key: entry.value for key, entry in read_stack_file(stack, project_dir).entries.items()}


def effective_config(
    stack: str, overrides: dict[str, Any] | None = None, project_dir: Path | None = None
) -> dict[str, Any]:
    """Defaults, then the stack file, then overrides (tests use these to vary one key)."""
    return {**project_defaults(), **read_stack_config(stack, project_dir), **(overrides or {})}


def blame(error: SettingsError, file: StackFile, overrides: dict[str, Any] | None = None) -> SettingsError:
    """Name the file and the value as written in an error about `file`'s stack."""
    if error.file is not None:
        return error
    error.file = file.name
    if error.written is not None:
        return error
    entry = file.entries.get(error.key)
    if overrides and error.key in overrides:
        error.written = f"= {yaml_spelling(overrides[error.key])}"
    elif entry is not None:
        error.written = f"= {entry.written}"
    else:
        default = project_defaults().get(error.key)
        if default in ("", None):
            error.written = "(not set)"
        else:
            # The value is Pulumi.yaml's default: that is the file to fix (or override it in
            # the stack file).
            line = project_default_line(error.key)
            error.file = f"Pulumi.yaml line {line}" if line else "Pulumi.yaml"
            error.written = f"= {yaml_spelling(default)} (default, used by {file.name})"
    return error


def _settings(stack: str, overrides: dict[str, Any] | None, project_dir: Path) -> tuple[Settings, StackFile]:
    file = read_stack_file(stack, project_dir)
    config = {**project_defaults(), **{k: e.value for k, e in file.entries.items()}, **(overrides or {})}
    try:
        return parse_settings(config, stack, file.secret_keys), file
    except SettingsError as error:
        raise blame(error, file, overrides) from None


def stack_settings(
    stack: str, overrides: dict[str, Any] | None = None, project_dir: Path | None = None
) -> Settings:
    """Validated settings of a stack, straight from its files; raises SettingsError."""
    return _settings(stack, overrides, project_dir)[0]


@dataclass(frozen=True)
class Pair:
    primary: Settings
    dr: Settings
    notes: list[str]
    """What the operator should know: secrets replaced offline, what preflight checks."""


def load_pair(overrides: dict[str, dict[str, Any]] | None = None, project_dir: Path | None = None) -> Pair:
    """Both stacks validated and checked as one pair: what every command runs first."""
    overrides = overrides or {}
    primary, primary_file = _settings("primary", overrides.get("primary"), project_dir)
    dr, dr_file = _settings("dr", overrides.get("dr"), project_dir)
    try:
        check_stack_pair(primary, dr)
    except SettingsError as error:
        _name_both_files(error, primary_file, dr_file)
        raise blame(
            error, dr_file if error.stack != "primary" else primary_file, overrides.get("dr")
        ) from None
    return Pair(primary, dr, primary_file.notes() + dr_file.notes())


def _name_both_files(error: SettingsError, primary: StackFile, dr: StackFile) -> None:
    """A shared key that differs is blamed on the dr file (deployed second); when the dr file
    does set it, the primary's file may be the one that changed, so the rule names it too."""
    if error.stack != "dr" or not error.rule.startswith(SHARED_KEY_RULE):
        return
    mine, theirs = dr.entries.get(error.key), primary.entries.get(error.key)
    if mine is None:
        return  # not set in the dr file: adding it there is the fix the message gives
    where = f"{primary.name} line {theirs.line}" if theirs is not None else "Pulumi.yaml's default"
    value = theirs.written if theirs is not None else yaml_spelling(project_defaults().get(error.key))
    error.rule = f"differs from {where} ({value}): a shared key must be the same in both stack files"


def config_rows(
    stack: str, project_dir: Path | None = None, settings: Settings | None = None
) -> list[dict[str, Any]]:
    """The effective configuration of a stack, each value with where it came from: `value`
    typed as the program uses it (a number, a boolean, a string; from `settings` when given,
    i.e. validated), `written` as the file spells it."""
    file = read_stack_file(stack, project_dir)
    parsed = dict(settings.values) if settings is not None else {}

    def row(key: str, entry: Entry | None, default: Any) -> dict[str, Any]:
        if entry is not None:
            where = f"{file.name} line {entry.line}" if entry.line else file.name
            value, written, secret = entry.value, entry.written, entry.secret
        else:
            where, value, written, secret = "Pulumi.yaml default", default, yaml_spelling(default), False
        if secret:
            value = "[secret]"
        elif key in parsed:
            value = parsed[key]
        return {"key": key, "value": value, "written": written, "origin": where, "secret": secret}

    rows = [row(key, entry, None) for key, entry in file.entries.items() if key not in project_defaults()]
    rows += [row(key, file.entries.get(key), default) for key, default in project_defaults().items()]
    return rows


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


__all__ = [
    "PROJECT_DIR",
    "STACKS",
    "Pair",
    "StackConfigError",
    "YamlFileError",
    "config_rows",
    "effective_config",
    "load_pair",
    "read_stack_config",
    "read_stack_file",
    "stack_settings",
]
