"""deploy.py preview/up/refresh/destroy/outputs: stack order, backend and passphrase set-up,
the missing-CLI path, error mapping at the Automation API seam, confirmation, and the command
runner driven with fake stacks (no pulumi CLI needed)."""

from __future__ import annotations

import io
import shutil
from types import SimpleNamespace

import pytest
from pulumi import automation as auto
from pulumi.automation.events import EngineEvent
from rich.console import Console

from ops import automation
from ops.automation import (
    MISSING_CLI,
    NO_PASSPHRASE,
    backend_url,
    explain_failure,
    read_passphrase,
    stacks_for,
    workspace_env,
)
from ops.cli import main
from ops.deploy_cmd import confirm, run_stack_command
from ops.errors import EXIT_FAILED, EXIT_UNAVAILABLE, OperatorError
from ops.progress import StackProgress, change_summary
from ops.stack_config import PROJECT_DIR, effective_config

PASS_ENV = {"PULUMI_CONFIG_PASSPHRASE": "correct horse"}


# --- stack order -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "target", "expected"),
    [
        ("preview", None, ["primary", "dr"]),
        ("up", None, ["primary", "dr"]),
        ("refresh", None, ["primary", "dr"]),
        ("outputs", None, ["primary", "dr"]),
        ("destroy", None, ["dr", "primary"]),
        ("up", "dr", ["dr"]),
        ("destroy", "primary", ["primary"]),
    ],
)
def test_stack_order_per_command(command, target, expected):
    assert stacks_for(command, target) == expected


def test_unknown_target_stack_is_refused():
    with pytest.raises(OperatorError, match="unknown stack 'staging'"):
        stacks_for("up", "staging")


# --- backend and passphrase ---------------------------------------------------------------


def test_default_backend_is_a_file_backend_in_the_project_folder():
    url = backend_url({})
    assert url == (PROJECT_DIR / ".pulumi-state").resolve().as_uri()
    assert url.startswith("file:///")


def test_backend_url_from_the_environment_wins():
    assert backend_url({"PULUMI_BACKEND_URL": "s3://bucket/state"}) == "s3://bucket/state"


def test_passphrase_from_the_environment():
    env = workspace_env(PASS_ENV)
    assert env["PULUMI_CONFIG_PASSPHRASE"] == "correct horse"
    assert env["PULUMI_BACKEND_URL"].startswith("file://")


def test_passphrase_from_a_file_without_its_trailing_newline(tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text("from a file\n")
    assert read_passphrase({"PULUMI_CONFIG_PASSPHRASE_FILE": str(secret)}) == "from a file"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, NO_PASSPHRASE),
        ({"PULUMI_CONFIG_PASSPHRASE": ""}, "PULUMI_CONFIG_PASSPHRASE is set but empty"),
        ({"PULUMI_CONFIG_PASSPHRASE_FILE": "/nonexistent/passphrase"}, "cannot be read"),
    ],
)
def test_missing_or_bad_passphrase_is_a_clear_error(env, message):
    with pytest.raises(OperatorError) as raised:
        workspace_env(env)
    assert message in str(raised.value)


def test_empty_passphrase_file_is_an_error(tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text("\n")
    with pytest.raises(OperatorError, match="is empty"):
        read_passphrase({"PULUMI_CONFIG_PASSPHRASE_FILE": str(secret)})


def test_pulumi_cloud_backend_needs_no_passphrase():
    env = workspace_env({"PULUMI_BACKEND_URL": "https://api.pulumi.com"})
    assert "PULUMI_CONFIG_PASSPHRASE" not in env


# --- missing CLI -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [["up"], ["preview"], ["refresh", "--stack", "dr"], ["destroy"], ["outputs"]]
)
def test_missing_cli_is_one_sentence_and_exit_2(monkeypatch, capsys, argv):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    assert main(argv) == EXIT_UNAVAILABLE
    captured = capsys.readouterr()
    message = captured.err.strip()
    assert MISSING_CLI in message
    assert "https://www.pulumi.com/docs/install/" in message
    assert "Traceback" not in captured.err + captured.out
    # One sentence on one line: a single final full stop and no line break.
    assert "\n" not in message and message.count(". ") == 0 and message.endswith(".")


def test_cli_vanishing_under_the_automation_api_maps_to_the_same_sentence():
    error = explain_failure("primary", "up", FileNotFoundError(2, "No such file", "pulumi"))
    assert str(error) == MISSING_CLI and error.exit_code == EXIT_UNAVAILABLE


# --- error mapping --------------------------------------------------------------------------


def _result(stdout: str = "", stderr: str = "", code: int = 255) -> auto.CommandResult:
    return auto.CommandResult(stdout=stdout, stderr=stderr, code=code)


REF = "organization/trading-dr/primary"


@pytest.mark.parametrize(
    ("stack", "command", "error", "first_error", "expected"),
    [
        (
            "primary",
            "up",
            auto.ConcurrentUpdateError(_result(stderr="error: the stack is currently locked by 1 lock(s)")),
            None,
            "stack primary is locked by another update",
        ),
        (
            "dr",
            "up",
            auto.CommandError(_result(stdout=f'error: unknown stack "{REF}"')),
            None,
            "stack dr needs the primary stack deployed first: run `deploy.py up --stack primary`",
        ),
        (
            "dr",
            "preview",
            auto.StackNotFoundError(_result(stderr=f"error: no stack named '{REF}' found")),
            None,
            "stack dr needs the primary stack deployed first",
        ),
        (
            "primary",
            "refresh",
            auto.StackNotFoundError(_result(stderr="error: no stack named 'primary' found")),
            None,
            "stack primary does not exist in this backend",
        ),
        (
            "dr",
            "up",
            auto.CommandError(_result(stdout="Diagnostics: ...", stderr="error: update failed")),
            "home-db: creating RDS Cluster: InvalidParameterCombination",
            "update of stack dr failed: home-db: creating RDS Cluster: InvalidParameterCombination",
        ),
        (
            "primary",
            "up",
            auto.CommandError(
                _result(stderr="error: update failed\nerror: getting credentials: expired token")
            ),
            None,
            "update of stack primary failed: getting credentials: expired token",
        ),
        (
            "primary",
            "destroy",
            auto.CommandError(_result(stderr="error: update failed")),
            "home-db: resource cannot be deleted because it is protected",
            "set trading-dr:protectData false",
        ),
    ],
)
def test_error_mapping(stack, command, error, first_error, expected):
    mapped = explain_failure(stack, command, error, first_error, primary_ref=REF)
    assert expected in str(mapped)
    assert mapped.exit_code == EXIT_FAILED


def test_unknown_stack_in_the_primary_itself_is_not_blamed_on_primary():
    error = auto.CommandError(_result(stdout='error: unknown stack "other"'))
    assert "needs the primary" not in str(explain_failure("primary", "up", error, primary_ref=REF))


# --- confirmation ---------------------------------------------------------------------------


def test_yes_skips_the_question():
    assert confirm("update stack dr", yes=True, interactive=False, ask=pytest.fail)


@pytest.mark.parametrize(("answer", "expected"), [("y", True), ("YES", True), ("n", False), ("", False)])
def test_interactive_answer(answer, expected):
    questions = []
    assert confirm("update stack dr", False, True, ask=lambda q: questions.append(q) or answer) is expected
    assert questions == ["update stack dr Proceed? [y/N] "]


def test_no_terminal_and_no_yes_refuses():
    with pytest.raises(OperatorError, match="pass --yes"):
        confirm("update stack dr", yes=False, interactive=False)


# --- the runner with fake stacks ------------------------------------------------------------


def _event(**data) -> EngineEvent:
    return EngineEvent.from_json({"sequence": 1, "timestamp": 0, **data})


def _step(kind: str, urn: str, op: str = "create") -> EngineEvent:
    return _event(**{kind: {"metadata": {"op": op, "urn": urn, "type": "aws:x:Y", "provider": ""}}})


def _diagnostic(urn: str, message: str) -> EngineEvent:
    return _event(diagnosticEvent={"message": message, "color": "never", "severity": "error", "urn": urn})


class FakeStack:
    """Records what the runner asks of it; emits engine events like the real engine."""

    def __init__(self, name: str, log: list[str], outputs: dict | None = None, fail: str | None = None):
        self.name, self.log, self._outputs, self.fail = name, log, outputs or {}, fail

    def outputs(self):
        self.log.append(f"outputs {self.name}")
        return {key: auto.OutputValue(value, False) for key, value in self._outputs.items()}

    def _run(self, command: str, on_event):
        self.log.append(f"{command} {self.name}")
        urn = f"urn:pulumi:{self.name}::trading-dr::aws:ec2/vpc:Vpc::home-vpc"
        on_event(_step("resourcePreEvent", urn))
        if self.fail == command:
            on_event(_diagnostic(urn, "creating EC2 VPC: UnauthorizedOperation"))
            on_event(_step("resOpFailedEvent", urn))
            raise auto.CommandError(_result(stderr="error: update failed"))
        on_event(_step("resOutputsEvent", urn))
        changes = {"create": 1, "same": 4}
        if command == "preview":
            return SimpleNamespace(change_summary=changes)
        return SimpleNamespace(summary=SimpleNamespace(resource_changes=changes))

    def preview(self, on_event):
        return self._run("preview", on_event)

    def up(self, on_event):
        return self._run("up", on_event)

    def refresh(self, on_event):
        return self._run("refresh", on_event)

    def destroy(self, on_event):
        return self._run("destroy", on_event)


def _runner(log, stacks, **kwargs):
    def opener(name, env, create):
        assert env["PULUMI_CONFIG_PASSPHRASE"] == "correct horse"
        log.append(f"open {name}{' create' if create else ''}")
        if name not in stacks:
            raise auto.StackNotFoundError(_result(stderr=f"error: no stack named '{name}' found"))
        return stacks[name]

    defaults = dict(
        env=PASS_ENV,
        opener=opener,
        which=lambda _: "/usr/bin/pulumi",
        interactive=False,
        config_of=deployable_config,
    )
    return defaults | kwargs


def deployable_config(stack: str) -> dict:
    """The stack files plus what a real deploy needs (ops/deploy_guard.py): a delegated zone."""
    return effective_config(
        stack, {"trading-dr:zoneName": "trading.acme-corp.net", "trading-dr:hostedZoneId": "Z0ACME"}
    )


def _console() -> Console:
    return Console(file=open("/dev/null", "w"), width=120)  # noqa: SIM115


def test_up_runs_primary_then_dr_after_checking_primary_is_deployed():
    # --yes skips the question, never the preview: the change list is always shown.
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log, {"vpcId": "vpc-1"}), "dr": FakeStack("dr", log)}
    out = io.StringIO()
    result = run_stack_command("up", None, Console(file=out, width=300), yes=True, **_runner(log, stacks))
    assert log == [
        "open primary create",
        "preview primary",
        "up primary",
        "open primary",
        "outputs primary",
        "open dr create",
        "preview dr",
        "up dr",
    ]
    assert result.summaries == {"primary": "1 created, 4 unchanged", "dr": "1 created, 4 unchanged"}
    assert "stack primary (us-east-1): 1 to create, 4 unchanged" in out.getvalue()
    assert "stack dr (us-west-2): 1 to create, 4 unchanged" in out.getvalue()


def test_preview_selects_the_stacks_and_never_creates_one():
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log, {"vpcId": "vpc-1"}), "dr": FakeStack("dr", log)}
    run_stack_command("preview", None, _console(), **_runner(log, stacks))
    assert [line for line in log if line.startswith("open")] == ["open primary", "open primary", "open dr"]
    with pytest.raises(OperatorError, match="stack primary does not exist"):
        run_stack_command("preview", "primary", _console(), **_runner(log, {}))


def test_destroy_runs_dr_then_primary():
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log), "dr": FakeStack("dr", log)}
    run_stack_command("destroy", None, _console(), yes=True, **_runner(log, stacks))
    assert [line for line in log if line.startswith("destroy")] == ["destroy dr", "destroy primary"]


def test_destroy_skips_a_stack_that_was_never_deployed():
    log: list[str] = []
    run_stack_command(
        "destroy", None, _console(), yes=True, **_runner(log, {"primary": FakeStack("primary", log)})
    )
    assert [line for line in log if line.startswith("destroy")] == ["destroy primary"]


def test_refresh_and_outputs_run_primary_then_dr_without_creating_stacks():
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log, {"region": "us-east-1"}), "dr": FakeStack("dr", log)}
    run_stack_command("refresh", None, _console(), **_runner(log, stacks))
    assert log == ["open primary", "refresh primary", "open dr", "refresh dr"]
    log.clear()
    result = run_stack_command("outputs", None, _console(), **_runner(log, stacks))
    assert result.outputs == {"primary": {"region": "us-east-1"}, "dr": {}}


def test_dr_up_with_primary_not_deployed_stops_before_touching_dr():
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log, outputs={}), "dr": FakeStack("dr", log)}
    with pytest.raises(OperatorError, match="stack dr needs the primary stack deployed first"):
        run_stack_command("up", "dr", _console(), yes=True, **_runner(log, stacks))
    assert "up dr" not in log


def test_up_without_yes_and_without_a_terminal_changes_nothing():
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log), "dr": FakeStack("dr", log)}
    with pytest.raises(OperatorError, match="pass --yes"):
        run_stack_command("up", None, _console(), **_runner(log, stacks))
    assert log == []


def test_up_interactive_previews_then_stops_when_declined():
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log), "dr": FakeStack("dr", log)}
    with pytest.raises(OperatorError, match="cancelled: stack primary was not updated"):
        run_stack_command("up", None, _console(), **_runner(log, stacks, interactive=True, ask=lambda q: "n"))
    assert log == ["open primary create", "preview primary"]  # asked after the change list


def test_failed_update_names_the_stack_and_the_first_error_and_stops():
    log: list[str] = []
    stacks = {"primary": FakeStack("primary", log, fail="up"), "dr": FakeStack("dr", log)}
    with pytest.raises(OperatorError) as raised:
        run_stack_command("up", None, _console(), yes=True, **_runner(log, stacks))
    assert (
        str(raised.value)
        == "update of stack primary failed: home-vpc: creating EC2 VPC: UnauthorizedOperation"
    )
    assert not any("dr" in line for line in log)


def test_a_locked_stack_through_the_cli_is_one_message(monkeypatch, capsys):
    def locked(*args, **kwargs):
        raise auto.ConcurrentUpdateError(_result(stderr="error: the stack is currently locked by 1 lock(s)"))

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/pulumi")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "x")
    monkeypatch.setattr(automation, "open_stack", locked)
    monkeypatch.setattr("ops.deploy_cmd.open_stack", locked)
    assert main(["refresh", "--stack", "primary"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert "stack primary is locked by another update" in err and "Traceback" not in err


# --- progress --------------------------------------------------------------------------------


def test_progress_counts_done_of_started_and_keeps_the_first_error():
    state = StackProgress("dr")
    a, b, c = (f"urn:pulumi:dr::trading-dr::t::{n}" for n in "abc")
    for event in (_step("resourcePreEvent", a), _step("resourcePreEvent", b), _step("resOutputsEvent", a)):
        assert state.handle(event) is None
    assert (state.done, state.total) == (1, 2)
    assert state.handle(_diagnostic(b, "boom\n  twice")) == "b: boom twice"
    state.handle(_step("resOpFailedEvent", b))
    state.handle(_step("resourcePreEvent", c))
    assert (state.done, state.total, state.failed) == (2, 3, {b})
    assert state.first_error == "b: boom twice"


@pytest.mark.parametrize(
    ("changes", "planned", "expected"),
    [
        ({"same": 40, "create": 3, "update": 1}, True, "3 to create, 1 to update, 40 unchanged"),
        ({auto.OpType.DELETE: 2, auto.OpType.SAME: 0}, False, "2 deleted"),
        ({}, False, "no changes"),
        (None, True, "no changes"),
    ],
)
def test_change_summary(changes, planned, expected):
    assert change_summary(changes, planned) == expected


def test_missing_cli_is_detected_before_any_stack_is_opened():
    def opener(*args):
        pytest.fail("the Automation API must not be reached without a CLI")

    with pytest.raises(OperatorError) as raised:
        run_stack_command("up", None, _console(), yes=True, env=PASS_ENV, opener=opener, which=lambda _: None)
    assert raised.value.exit_code == EXIT_UNAVAILABLE
