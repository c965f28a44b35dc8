"""The orchestrator settings table (failover/settings_table.py) is the one place a setting's
variable, default and bounds are written, and every reader follows it: the program's
settings reader, the runtime's environment parser, the Lambda's environment, the drill.

Pulumi.yaml cannot import Python, so its defaults and the bounds its descriptions state are
checked against the table here: a bound changed in the table alone turns this red, and so
does one changed in Pulumi.yaml alone.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from components.settings import FailoverSettings, SettingsError, parse_settings, project_spec
from failover.config import ConfigError, OrchestratorConfig
from failover.settings_table import BOOLEAN, BY_NAME, INTEGER, SETTINGS, STRING, operator_settings
from ops.stack_config import effective_config
from tests.failover.test_failover_inputs import VALID_ENV

OPERATOR = operator_settings()
RANGE = re.compile(r"\b(-?\d+) to (-?\d+)\b")


def test_each_setting_is_one_row_with_one_variable():
    assert len(BY_NAME) == len(SETTINGS)
    assert len({row.env for row in SETTINGS}) == len(SETTINGS)
    assert all(row.env.startswith("FAILOVER_") for row in SETTINGS)
    for row in SETTINGS:
        if row.kind == INTEGER:
            assert row.low is not None and row.high is not None and row.low <= row.default <= row.high, row
        else:
            assert row.bounds is None, row


def test_the_runtime_reads_every_row_and_nothing_else():
    fields = {f.name: f.default for f in dataclasses.fields(OrchestratorConfig)}
    assert set(fields) == set(BY_NAME)
    for name, default in fields.items():
        expected = BY_NAME[name].default
        assert (dataclasses.MISSING if expected is None else expected) == default, name


def test_the_program_settings_hold_every_operator_row():
    names = [f.name for f in dataclasses.fields(FailoverSettings)]
    assert set(names) - {"global_db_rpo_seconds"} == {row.name for row in OPERATOR}


@pytest.mark.parametrize("row", OPERATOR, ids=lambda row: row.config_key)
def test_pulumi_yaml_agrees_with_the_table(row):
    spec = project_spec().get(row.config_key)
    assert spec is not None, f"Pulumi.yaml does not declare {row.config_key} (settings table row {row.name})"
    assert spec["type"] == {INTEGER: "integer", STRING: "string", BOOLEAN: "boolean"}[row.kind], (
        row.config_key
    )
    assert spec["default"] == row.default, (
        f"Pulumi.yaml {row.config_key} default {spec['default']} != the settings table's {row.default}"
    )
    if row.kind != INTEGER:
        return
    stated = {f"{low} to {high}" for low, high in RANGE.findall(spec["description"])}
    assert stated == {row.bounds_text()}, (
        f"Pulumi.yaml {row.config_key} description states {sorted(stated)}; "
        f"the settings table says {row.bounds_text()}"
    )


def _config(key: str, value):
    return effective_config("primary") | {f"trading-dr:{key}": value}


@pytest.mark.parametrize("row", [r for r in OPERATOR if r.kind == INTEGER], ids=lambda row: row.config_key)
def test_the_settings_reader_bounds_each_key_by_its_row(row):
    for bad in (row.low - 1, row.high + 1):
        with pytest.raises(SettingsError) as error:
            parse_settings(_config(row.config_key, bad), "primary")
        assert str(error.value) == (
            f"trading-dr:{row.config_key} = {bad}: must be between {row.low} and {row.high}"
        )


@pytest.mark.parametrize("row", [r for r in SETTINGS if r.kind == INTEGER], ids=lambda row: row.name)
def test_the_runtime_bounds_each_variable_by_its_row(row):
    for bad in (row.low - 1, row.high + 1):
        with pytest.raises(ConfigError) as error:
            OrchestratorConfig.from_env({**VALID_ENV, row.env: str(bad)})
        assert error.value.key == row.env and f"between {row.low} and {row.high}" in error.value.rule


def test_an_unset_variable_takes_the_rows_default():
    config = OrchestratorConfig.from_env({k: v for k, v in VALID_ENV.items() if k != "FAILOVER_EVALUATIONS"})
    for row in SETTINGS:
        if row.default is not None:
            assert getattr(config, row.name) == row.default, row.name


def test_the_program_sets_each_operator_setting_in_its_variable():
    settings = parse_settings(effective_config("dr"), "dr")
    environment = settings.failover.runtime_environment()
    assert environment == {row.env: row.spelled(getattr(settings.failover, row.name)) for row in OPERATOR}
    parsed = OrchestratorConfig.from_env({**VALID_ENV, **environment})
    for row in OPERATOR:
        assert getattr(parsed, row.name) == getattr(settings.failover, row.name)


def test_the_two_promotions_have_names_that_say_what_they_are():
    """The runtime pages when its promotion runs long; the drill assumes how long AWS takes.
    The drill's option keeps its old spelling for scripts."""
    from ops.cli import build_parser
    from ops.timing_model import PROMOTION_SECONDS_DEFAULT

    assert "promotion_page_after_seconds" in BY_NAME and "promotion_timeout_seconds" not in BY_NAME
    parser = build_parser()
    assert parser.parse_args(["drill", "--local"]).assumed_promotion_seconds == PROMOTION_SECONDS_DEFAULT
    for spelling in ("--assumed-promotion-seconds", "--promotion-seconds"):
        assert parser.parse_args(["drill", "--local", spelling, "90"]).assumed_promotion_seconds == 90
