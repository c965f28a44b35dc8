"""The CLI's conventions: --version, help with a description, an
example and the exit codes for every sub-command, usage errors as exit 2 before any work,
JSON documents with a schemaVersion and nothing else on stdout, plain rows when stdout is
not a terminal, one-line errors at any width, NO_COLOR."""

from __future__ import annotations

import io
import json
import os
import re

import pytest
from rich.table import Table

from ops import cli
from ops.cli import COMMANDS, build_parser, main
from ops.errors import EXIT_MEANINGS, EXIT_OK, EXIT_USAGE
from ops.output import SCHEMA_VERSION, emit_table, make_console, plain_rows, print_error
from ops.plan import DIFFERS, DR_ONLY, PRIMARY_ONLY, SAME, ComponentRow, unexpected_differences


def subparsers() -> dict:
    parser = build_parser()
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(action.choices)


def test_version(capsys):
    assert main(["--version"]) == EXIT_OK
    out = capsys.readouterr().out
    assert re.match(r"^deploy\.py \(trading-dr\) \S+; pulumi \S+, pulumi-aws \S+\n$", out)


@pytest.mark.parametrize("name", [command.name for command in COMMANDS])
def test_every_command_help_has_a_description_examples_and_exit_codes(name, capsys):
    assert main([name, "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    command = next(c for c in COMMANDS if c.name == name)
    assert command.description in " ".join(out.split())
    assert "examples:\n" in out and f"  deploy.py {name}" in out
    assert "exit codes:\n" in out
    for code in command.exit_codes:
        assert f"  {code}  {EXIT_MEANINGS[code]}" in out


def test_every_registered_command_is_in_the_table():
    # A sub-command added without a row would have no help epilog and no README entry.
    assert set(subparsers()) == {command.name for command in COMMANDS}


def test_exit_codes_are_distinct():
    assert len(set(EXIT_MEANINGS)) == len(EXIT_MEANINGS) == len(set(EXIT_MEANINGS.values()))


@pytest.mark.parametrize(
    "argv,words",
    [
        (["drill", "--local", "--replication-lag", "nan"], "must be a finite number of seconds"),
        (["drill", "--local", "--replication-lag", "inf"], "must be a finite number of seconds"),
        (["drill", "--local", "--replication-lag", "-1"], "must be a finite number of seconds"),
        (["drill", "--local", "--promotion-seconds", "0"], "must be more than 0 seconds"),
        (["drill", "--local", "--promotion-seconds", "soon"], "is not a number of seconds"),
        (["plan", "--out", "/nonexistent-folder/plan.json"], "folder /nonexistent-folder does not exist"),
        (["plan", "--out", "/"], "is a folder, not a file"),
        (["plan", "--out", f"{__file__}/plan.json"], "does not exist"),  # a file as a folder
        (["no-such-command"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_error_line_before_any_work(argv, words, capsys, monkeypatch):
    import ops.plan

    monkeypatch.setattr(ops.plan, "run_both", lambda *a, **k: pytest.fail("work started"))
    assert main(argv) == EXIT_USAGE
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and words in errors[0] and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_plan_file_is_refused_before_the_build(tmp_path, capsys, monkeypatch):
    import ops.plan

    monkeypatch.setattr(ops.plan, "run_both", lambda *a, **k: pytest.fail("work started"))
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["plan", "--out", str(locked / "plan.json")]) == EXIT_USAGE
    finally:
        locked.chmod(0o700)
    assert "does not take new files" in capsys.readouterr().err


def test_errors_are_one_line_and_never_markup(capsys):
    stream = io.StringIO()
    print_error('Pulumi.primary.yaml: trading-dr:tier = "[/]": must be one of [bold]x\nsecond line', stream)
    assert stream.getvalue() == (
        'error: Pulumi.primary.yaml: trading-dr:tier = "[/]": must be one of [bold]x second line\n'
    )


def test_errors_on_a_narrow_terminal_stay_one_line_with_the_markup_as_written(monkeypatch):
    # FORCE_COLOR makes rich treat the stream as a terminal; COLUMNS makes it narrow.
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "20")
    monkeypatch.delenv("NO_COLOR", raising=False)
    stream = io.StringIO()
    print_error('Pulumi.primary.yaml: trading-dr:owner = "[bold]ops": must be a tag value', stream)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", stream.getvalue())
    assert plain == 'error: Pulumi.primary.yaml: trading-dr:owner = "[bold]ops": must be a tag value\n'


def test_no_color_is_honoured(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    console = make_console(file=io.StringIO())
    assert console.no_color
    console.print("[red]x[/]")
    assert "\x1b[3" not in console.file.getvalue()


def test_tables_become_plain_rows_when_stdout_is_not_a_terminal():
    table = Table(title="stack dr outputs")
    table.add_column("output")
    table.add_column("count", justify="right")
    long_value = "arn:aws:rds:us-west-2:123456789012:cluster:" + "x" * 150
    table.add_row("clusterArn", long_value)
    table.add_row("[green]same[/]", "7")
    stream = io.StringIO()
    emit_table(make_console(file=stream), table)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "stack dr outputs"
    assert lines[2].split() == ["clusterArn", long_value]  # neither truncated nor wrapped
    assert lines[3].split() == ["same", "7"]
    assert all(line == line.rstrip() for line in lines)
    assert plain_rows(table) == lines


def _json_out(capsys) -> dict:
    captured = capsys.readouterr()
    document = json.loads(captured.out)  # the whole of stdout is one JSON document
    assert document["schemaVersion"] == SCHEMA_VERSION
    return document


def test_status_json(monkeypatch, capsys):
    import ops.status
    import ops.targets
    from ops.status import ClusterView, Member, Status
    from ops.targets import DrTargets

    targets = DrTargets("us-east-1", "us-west-2", global_cluster_id="g1")
    status = Status(
        targets,
        clusters=[ClusterView("us-east-1", "available", (Member("us-east-1", "c1", "arn:c1", True),))],
    )
    monkeypatch.setattr(ops.targets, "load_targets", lambda **_: targets)
    monkeypatch.setattr(ops.status, "collect_status", lambda t: status)
    assert main(["status", "--json"]) == EXIT_OK
    document = _json_out(capsys)
    assert document["kind"] == "status" and document["writerRegion"] == "us-east-1"


def test_outputs_json(monkeypatch, capsys):
    import ops.deploy_cmd
    from ops.deploy_cmd import StackCommandResult

    def fake(command, target, console, yes=False, preflight=None):
        console.print("progress goes to stderr")
        return StackCommandResult(outputs={"primary": {"region": "us-east-1"}})

    monkeypatch.setattr(ops.deploy_cmd, "run_stack_command", fake)
    assert main(["outputs", "--json"]) == EXIT_OK
    document = _json_out(capsys)
    assert document["stacks"] == {"primary": {"region": "us-east-1"}}


def test_failover_json(monkeypatch, capsys):
    import ops.failover_cmd
    import ops.targets
    from ops.failover_cmd import FailoverOutcome

    monkeypatch.setattr(ops.targets, "load_targets", lambda **_: None)
    monkeypatch.setattr(
        ops.failover_cmd,
        "run_failover",
        lambda request, targets, local, approve: FailoverOutcome(
            "us-west-2", "lambda:orch", request.payload(), {"outcome": "dry_run"}
        ),
    )
    assert main(["failover", "--planned", "--dry-run", "--json"]) == EXIT_OK
    document = _json_out(capsys)
    assert document["kind"] == "failover" and document["region"] == "us-west-2"
    assert document["result"] == {"outcome": "dry_run"}


def test_config_json_and_origins(capsys):
    assert main(["config", "--stack", "dr", "--json"]) == EXIT_OK
    rows = {row["key"]: row for row in _json_out(capsys)["stacks"]["dr"]}
    assert rows["trading-dr:role"]["origin"].startswith("Pulumi.dr.yaml line ")
    assert rows["trading-dr:azCount"] == {
        "key": "trading-dr:azCount",
        "value": 3,
        "written": "3",
        "origin": "Pulumi.yaml default",
        "secret": False,
    }


def test_plan_json_writes_only_json_to_stdout(capsys):
    assert main(["plan", "--json"]) == EXIT_OK
    document = _json_out(capsys)
    assert document["kind"] == "plan" and set(document["stacks"]) == {"primary", "dr"}


ROWS = [
    (ComponentRow("home/home-network", "t", 3, 3, SAME), False),
    (ComponentRow("home/home-network", "t", 3, 4, DIFFERS), True),
    (ComponentRow("home/home-extra", "t", 3, None, PRIMARY_ONLY), True),
    (ComponentRow("zone", "t", 1, None, PRIMARY_ONLY), False),
    (ComponentRow("zone", "t", None, 1, DR_ONLY), True),  # the primary owns the zone
    (ComponentRow("tgw-peering", "t", None, 6, DR_ONLY), False),
    (ComponentRow("tgw-peering", "t", 6, 6, DIFFERS), True),
    (ComponentRow("brand-new", "t", None, 1, DR_ONLY), True),
]


@pytest.mark.parametrize("row,flagged", ROWS, ids=[f"{r.path}:{r.status}" for r, _ in ROWS])
def test_plan_fails_on_differences_beyond_the_roles(row, flagged):
    assert (unexpected_differences([row]) == [row]) is flagged


def test_the_drill_options_share_the_cli_number_types():
    assert cli.seconds("0") == 0.0 and cli.positive_seconds("1.5") == 1.5


def test_the_progress_indicator_shows_only_on_a_terminal_after_the_delay():
    import time

    from rich.console import Console

    from ops.output import working

    piped = io.StringIO()
    with working("building", Console(file=piped), delay=0):
        time.sleep(0.05)
    assert piped.getvalue() == ""  # not a terminal: nothing at all

    terminal = io.StringIO()
    with working("quick", Console(file=terminal, force_terminal=True), delay=5):
        pass
    assert terminal.getvalue() == ""  # finished before the delay: nothing shown

    slow = io.StringIO()
    with working("building", Console(file=slow, force_terminal=True), delay=0.01):
        time.sleep(0.3)
    assert "building" in slow.getvalue()
