"""A new operator's battery of bad inputs, through the CLI as they meet it: input -> exit code ->
the exact line. One row per mistake, grouped by class (accepted silently, traceback,
misleading message, exit code, convention); the rules behind the rows live in one table
(components/setting_rules.py STRING_RULES) and in the CLI's option types, so a new value of
the same class is caught without a row of its own (see the generated rows at the end).

The project's three YAML files are copied to a temporary folder, edited, and `deploy.py`
runs in-process (ops.cli.main). AWS sources of each rule are cited where the rule is written.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import components.settings as settings_module
import ops.stack_config as stack_config_module
from ops.cli import main
from ops.errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNAVAILABLE, EXIT_USAGE
from tests.ops.test_config_errors import FILES, PROJECT, add, end_of, line_of, swap

P, D, Y = "Pulumi.primary.yaml", "Pulumi.dr.yaml", "Pulumi.yaml"
Edit = Callable[[str], str | bytes]


def yaml_line(file: str, needle: str, after: str | None = None) -> int:
    """Line of the first `needle` (after the line holding `after`, when given)."""
    lines = (PROJECT / file).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start + 1) if needle in line)


def latin1(line: str) -> Edit:
    return lambda text: text.encode() + line.encode("latin-1") + b"\n"


def key_block(key: str, field: str, new: str) -> Edit:
    """In Pulumi.yaml, set `field:` of config key `key` to `new`."""

    def edit(text: str) -> str:
        pattern = rf"(\n  {key}:\n(?:    .*\n)*?    {field}: )[^\n]*"
        assert re.search(pattern, text), key
        return re.sub(pattern, lambda m: m.group(1) + new, text, count=1)

    return edit


TAG = "may hold letters, digits, spaces and _ . : / = + - @ only (an AWS tag value)"
DDP = (
    'must be ["*"]: every provider is explicit, and a forgotten provider= must fail rather than deploy '
    "where the environment points"
)
OK_LINE = "ok: Pulumi.primary.yaml (us-east-1) and Pulumi.dr.yaml (us-west-2) describe one hot-standby pair"
OWNER_DEFAULT = yaml_line(Y, "default:", after="  owner:")
PROVIDERS_LINE = line_of(P, "pulumi:disable-default-providers")

# (id, {file: edit}, argv, exit code, the exact line: `error: ...` / `note: ...` on stderr, or a
# line of stdout for exit 0)
CASES = [
    # --- accepted silently before -------------------------------------------------------
    ("health-path-non-ascii", {P: add("  trading-dr:healthCheckPath: /santé")}, ["validate"], EXIT_FAILED,
     "error: Pulumi.primary.yaml: trading-dr:healthCheckPath = /santé: must be a URL path in printable "
     "ASCII without spaces; 'é' (U+00E9) at position 6 is not"),
    ("health-path-tab", {P: add('  trading-dr:healthCheckPath: "/health\\tz"')}, ["validate"], EXIT_FAILED,
     'error: Pulumi.primary.yaml: trading-dr:healthCheckPath = "/health\\tz": contains a tab (U+0009) at '
     "position 8"),
    ("health-path-301", {P: add(f"  trading-dr:healthCheckPath: /{'a' * 300}")}, ["validate"], EXIT_FAILED,
     f"error: Pulumi.primary.yaml: trading-dr:healthCheckPath = /{'a' * 300}: is 301 characters; "
     "Route 53's health-check ResourcePath allows at most 255"),
    ("cron-no-question-mark", {P: add("  trading-dr:backupSchedule: cron(0 5 * * * *)")}, ["validate"],
     EXIT_FAILED,
     "error: Pulumi.primary.yaml: trading-dr:backupSchedule = cron(0 5 * * * *): needs ? in exactly one of "
     "day-of-month and day-of-week (AWS cron), e.g. cron(0 5 * * ? *)"),
    ("cron-letters", {P: add("  trading-dr:backupSchedule: cron(a b c d e f)")}, ["validate"], EXIT_FAILED,
     "error: Pulumi.primary.yaml: trading-dr:backupSchedule = cron(a b c d e f): minutes field a: a is not "
     "a value of 0-59 (with , - * /)"),
    ("db-class-size", {P: add("  trading-dr:dbInstanceClass: db.r6g.huge")}, ["validate"], EXIT_FAILED,
     "error: Pulumi.primary.yaml: trading-dr:dbInstanceClass = db.r6g.huge: huge is not an instance size "
     "(large, xlarge, 2xlarge, ...: botocore's EC2 model lists them); whether the class is offered in "
     "each region is checked by preflight"),
    ("global-rpo-on-mysql", {P: add("  trading-dr:dbGlobalRpoSeconds: 60")}, ["validate"], EXIT_FAILED,
     "error: Pulumi.primary.yaml: trading-dr:dbGlobalRpoSeconds = 60: applies to aurora-postgresql only "
     "(rds.global_db_rpo); with dbEngine aurora-mysql leave it at 0 or -1"),
    ("probe-longer-than-interval", {P: add("  trading-dr:failoverProbeTimeoutSeconds: 6")}, ["validate"],
     EXIT_FAILED,
     "error: Pulumi.primary.yaml: trading-dr:failoverProbeTimeoutSeconds = 6: x 2 probe attempts must be "
     "less than failoverEvaluationIntervalSeconds (10)"),
    ("default-providers-removed", {P: swap('  pulumi:disable-default-providers: ["*"]\n', "")}, ["validate"],
     EXIT_FAILED, f"error: Pulumi.primary.yaml: pulumi:disable-default-providers (not set): {DDP}"),
    ("default-providers-empty",
     {P: swap('disable-default-providers: ["*"]', "disable-default-providers: []")}, ["validate"],
     EXIT_FAILED,
     f"error: Pulumi.primary.yaml line {PROVIDERS_LINE}: pulumi:disable-default-providers = []: {DDP}"),
    ("esc-environment", {D: add("environment:\n  - trading-prod")}, ["validate"], EXIT_OK,
     "note: Pulumi.dr.yaml: environment: imports Pulumi ESC trading-prod; values it sets are not visible "
     "offline: validate, config, plan and drill check this file and Pulumi.yaml only"),
    ("project-name", {Y: swap("name: trading-dr\n", "name: trading-dr2\n")}, ["validate"], EXIT_FAILED,
     "error: Pulumi.yaml line 1: name = trading-dr2: must be trading-dr (the config namespace trading-dr: "
     "and the dr stack's StackReference .../trading-dr/primary use it)"),
    ("project-type", {Y: key_block("azCount", "type", "interger")}, ["validate"], EXIT_FAILED,
     f"error: Pulumi.yaml line {yaml_line(Y, 'type:', after='  azCount:')}: config key azCount type = "
     "interger: must be one of string | integer | boolean | array (Pulumi project config types); "
     "did you mean integer?"),
    ("project-default-type", {Y: key_block("azCount", "default", '"3"')}, ["validate"], EXIT_FAILED,
     f"error: Pulumi.yaml line {yaml_line(Y, 'default:', after='  azCount:')}: config key azCount default "
     "= 3: must be a integer (its declared type)"),
    ("project-runtime", {Y: swap("  name: python\n", "  name: nodejs\n")}, ["validate"], EXIT_FAILED,
     f"error: Pulumi.yaml line {line_of(Y, 'name: python')}: runtime = nodejs: must be python "
     "(__main__.py is the program)"),
    # --- tracebacks before: a document that cannot be written ---------------------------
    ("out-dev-full", {}, ["plan", "--out", "/dev/full"], EXIT_USAGE,
     "error: deploy.py plan: argument --out: /dev/full is not a regular file (--json writes to stdout)"),
    ("out-proc", {}, ["plan", "--out", "/proc/version"], EXIT_USAGE,
     "error: deploy.py plan: argument --out: /proc/version cannot be written: folder /proc does not take "
     "new files"),
    ("json-with-a-file", {}, ["plan", "--json", "/dev/full"], EXIT_USAGE,
     "error: deploy.py: unrecognized arguments: /dev/full (--json takes no file: --out FILE writes the "
     "document to a file)"),
    ("out-empty", {}, ["plan", "--out", ""], EXIT_USAGE,
     "error: deploy.py plan: argument --out: needs a file name (--json writes the document to stdout)"),
    # --- misleading before -------------------------------------------------------------
    ("tier-changed-in-primary", {P: swap("tier: hot-standby", "tier: pilot-light")}, ["validate"],
     EXIT_FAILED,
     f"error: Pulumi.dr.yaml: trading-dr:tier = hot-standby: differs from Pulumi.primary.yaml line "
     f"{line_of(P, 'tier:')} (pilot-light): a shared key must be the same in both stack files"),
    ("maintenance-capitalised", {P: add("  trading-dr:maintenanceWindow: Sun:04:30-Sun:05:30")}, ["validate"],
     EXIT_OK, OK_LINE),
    ("owner-angle-bracket", {P: add('  trading-dr:owner: "team<ops>"')}, ["validate"], EXIT_FAILED,
     f'error: Pulumi.primary.yaml: trading-dr:owner = "team<ops>": {TAG}; \'<\' (U+003C) at position 5 is '
     "not allowed"),
    ("zone-trailing-dot", {P: add("  trading-dr:zoneName: trading.acme-corp.net.")}, ["validate"],
     EXIT_FAILED,
     "error: Pulumi.primary.yaml: trading-dr:zoneName = trading.acme-corp.net.: must not end with a dot: "
     "write trading.acme-corp.net"),
    ("latin-1-byte", {P: latin1("  trading-dr:owner: équipe")}, ["validate"], EXIT_FAILED,
     f"error: Pulumi.primary.yaml line {end_of(P)}: is not UTF-8 text: byte 0xe9 at column 21 (save the file "
     "as UTF-8)"),
    ("merge-key", {P: add("  <<: {trading-dr:tier: hot-standby}")}, ["validate"], EXIT_FAILED,
     f"error: Pulumi.primary.yaml line {end_of(P)}: << (a YAML merge key) is not supported: write each key "
     "out"),
    ("bad-project-default", {Y: key_block("owner", "default", '"team<ops>"')}, ["validate"], EXIT_FAILED,
     f"error: Pulumi.yaml line {OWNER_DEFAULT}: trading-dr:owner = team<ops> (default, used by "
     f"Pulumi.primary.yaml): {TAG}; '<' (U+003C) at position 5 is not allowed"),
    ("no-engine-version-note", {}, ["validate"], EXIT_OK, OK_LINE),
    # --- exit codes: usage errors found across options are 2, before any work ----------
    ("detach-without-region", {}, ["failover", "--detach"], EXIT_USAGE,
     "error: deploy.py failover: --detach needs --to REGION: the promoted region, whose cluster leaves the "
     "global cluster"),
    ("planned-data-loss", {}, ["failover", "--planned", "--allow-data-loss"], EXIT_USAGE,
     "error: deploy.py failover: --allow-data-loss goes with --unplanned only (a switchover never loses "
     "data)"),
    ("drill-not-local", {}, ["drill"], EXIT_USAGE,
     "error: deploy.py drill: drill runs only --local (on moto); to rehearse against AWS use `deploy.py "
     "failover --planned` after `deploy.py up`"),
    ("usage-without-tiers", {}, ["plan", "--usage", "ops/pricing/usage.json"], EXIT_USAGE,
     "error: deploy.py plan: --drill-json and --usage compare the tiers: use them with --tiers"),
    ("to-and-region-disagree", {}, ["failover", "--planned", "--to", "us-west-2", "--region", "us-east-1"],
     EXIT_USAGE, "error: deploy.py failover: --to us-west-2 and --region us-east-1 disagree: use --to only"),
    # --- option values, by class: a region, a bounded number, one line, a file not ours -----
    ("to-not-a-region", {}, ["failover", "--planned", "--to", "mars-1"], EXIT_USAGE,
     "error: deploy.py failover: argument --to: 'mars-1' is not an AWS region name such as us-west-2"),
    ("region-not-a-region", {}, ["failover", "--planned", "--region", "US-WEST-2"], EXIT_USAGE,
     "error: deploy.py failover: argument --region: 'US-WEST-2' is not an AWS region name such as us-west-2"),
    ("reason-empty", {}, ["failover", "--planned", "--reason", " "], EXIT_USAGE,
     "error: deploy.py failover: argument --reason: must be one line of 1 to 256 printable characters "
     "(0 given)"),
    ("reason-two-lines", {}, ["failover", "--planned", "--reason", "a\nb"], EXIT_USAGE,
     "error: deploy.py failover: argument --reason: must be one line of 1 to 256 printable characters "
     "(contains a line break (U+000A) at position 2)"),
    ("promotion-days", {}, ["drill", "--local", "--promotion-seconds", "1e9"], EXIT_USAGE,
     "error: deploy.py drill: argument --promotion-seconds: '1e9' must be at most 3600 seconds"),
    ("seeds-too-many", {}, ["drill", "--local", "--seeds", "5000"], EXIT_USAGE,
     "error: deploy.py drill: argument --seeds: '5000' must be between 1 and 1000"),
    ("out-over-a-stack-file", {}, ["plan", "--out", "{dir}/Pulumi.dr.yaml"], EXIT_USAGE,
     "error: deploy.py plan: argument --out: {dir}/Pulumi.dr.yaml is one of the project's configuration "
     "files: choose another name"),
    # --- conventions --------------------------------------------------------------------
    ("short-version", {}, ["-V"], EXIT_OK, None),
    ("short-stack", {}, ["config", "-s", "dr"], EXIT_OK, "stack dr: effective configuration"),
]  # fmt: skip


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in FILES:
        shutil.copy(PROJECT / name, tmp_path / name)
    monkeypatch.setattr(settings_module, "PROJECT_FILE", tmp_path / "Pulumi.yaml")
    monkeypatch.setattr(stack_config_module, "PROJECT_DIR", tmp_path)
    return tmp_path


@pytest.mark.parametrize("name,edits,argv,code,line", CASES, ids=[case[0] for case in CASES])
def test_each_finding_is_an_exit_code_and_an_exact_line(
    project, capsys, monkeypatch, name, edits, argv, code, line
):
    monkeypatch.chdir(PROJECT)
    import ops.plan

    monkeypatch.setattr(ops.plan, "run_both", lambda *a, **k: pytest.fail("work started"))
    for file, edit in edits.items():
        path = project / file
        changed = edit(path.read_text())
        path.write_bytes(changed) if isinstance(changed, bytes) else path.write_text(changed)
    argv = [arg.replace("{dir}", str(project)) for arg in argv]
    line = line and line.replace("{dir}", str(project))
    assert main(argv) == code  # an exception escaping main (a traceback) fails here
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    errors = [entry for entry in captured.err.splitlines() if entry.startswith("error: ")]
    if code == EXIT_OK:
        assert errors == []
        if name == "no-engine-version-note":
            assert captured.err == ""  # nothing printed by every command
    else:
        assert errors == [line]
    if line is not None and not line.startswith("error: "):
        assert line in (captured.out + captured.err).splitlines()


# --- classes, not lists: values nobody listed, caught by the rule of their class ------------
UNSEEN = [
    ("healthCheckPath", "/h\u200bealth", "contains a control character (U+200B) at position 3"),
    ("healthCheckPath", "/status page", "a space (U+0020) at position 8 is not"),
    ("healthCheckPath", "/ünïcode", "'ü' (U+00FC) at position 2 is not"),
    ("owner", "ops\u00a0team", "'\\xa0' (U+00A0) at position 4 is not allowed"),
    ("costCenter", "cc#42", "'#' (U+0023) at position 3 is not allowed"),
    ("environment", "x" * 257, "is 257 characters; an AWS tag value allows at most 256"),
    ("zoneName", "trading..acme.net", "has an empty label"),
    ("zoneName", "trading_acme.net", "'_' (U+005F) at position 8 is not"),
    ("zoneName", "TRADING.acme.net", "must be lower-case: write trading.acme.net"),
    ("appName", "-app", "must not start or end with -"),
    ("backupSchedule", "cron(0 25 * * ? *)", "hours field 25: 25 is not a value of 0-23"),
    ("backupSchedule", "cron(0 5 ? * FUN *)", "day-of-week field FUN: FUN is not a value of 1-7 or SUN-SAT"),
    ("backupSchedule", "cron(0 5 ? * MON ? *)", "has 7 fields"),
    ("backupSchedule", "rate(1 day)", "must be an AWS cron expression"),
    ("dbInstanceClass", "db.t3.medium", "memory-optimised db.r*/db.x* class"),
    ("dbInstanceClass", "db.r6g", "must be db.<family>.<size>"),
    ("alertEmail", "ops at acme", "must be an e-mail address"),
    ("maintenanceWindow", "Sunday:04:30-Sunday:05:30", "must be ddd:hh24:mi-ddd:hh24:mi"),
]


@pytest.mark.parametrize("key,value,words", UNSEEN, ids=[f"{k}={v[:20]!r}" for k, v, _ in UNSEEN])
def test_an_unlisted_bad_value_is_caught_by_the_rule_of_its_class(project, capsys, key, value, words):
    path = project / P
    path.write_text(path.read_text() + f"  trading-dr:{key}: {json.dumps(value, ensure_ascii=False)}\n")
    assert main(["validate"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: Pulumi.primary.yaml: trading-dr:{key} = ")
    assert words in err


ACCEPTED = [
    ("backupSchedule", "cron(0 5 ? * MON-FRI *)"),
    ("backupSchedule", "cron(0/30 2 L * ? *)"),
    ("healthCheckPath", "/health?deep=1"),
    ("owner", "platform team: trading/ops@acme"),
    ("dbInstanceClass", "db.r7g.2xlarge"),
    ("dbInstanceClass", "db.x2g.large"),
    ("zoneName", "trading.acme-corp.net"),
]


@pytest.mark.parametrize("key,value", ACCEPTED, ids=[f"{k}={v}" for k, v in ACCEPTED])
def test_good_values_of_the_same_classes_pass(project, capsys, key, value):
    for name in (P, D):  # shared keys: the same in both files
        path = project / name
        path.write_text(path.read_text() + f"  trading-dr:{key}: {json.dumps(value)}\n")
    assert main(["validate"]) == EXIT_OK, capsys.readouterr().err


@pytest.mark.parametrize(
    "declared,value,message",
    [
        ("integer", "soon", "trading-dr:laterSeconds = soon: must be a whole number"),
        ("boolean", "yes", "trading-dr:laterSeconds = yes: must be true or false"),
        ("string", '"a\\tb"', 'trading-dr:laterSeconds = "a\\tb": contains a tab (U+0009) at position 2'),
    ],
)
def test_a_key_added_later_obeys_its_declared_type_and_the_string_rules(
    project, capsys, declared, value, message
):
    """A key another change declares in Pulumi.yaml is checked before any code reads it."""
    default = {"integer": "5", "boolean": "false", "string": "x"}[declared]
    spec = project / Y
    spec.write_text(
        spec.read_text()
        + f"  laterSeconds:\n    type: {declared}\n    description: added later\n    default: {default}\n"
    )
    path = project / P
    path.write_text(path.read_text() + f"  trading-dr:laterSeconds: {value}\n")
    assert main(["validate"]) == EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith(f"error: Pulumi.primary.yaml: {message}"), err


# --- behaviour rows that need a fake behind the command ------------------------------------
def test_missing_passphrase_exits_3(project, capsys, monkeypatch):
    import ops.automation

    for name in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_BACKEND_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(ops.automation.shutil, "which", lambda name: "/usr/local/bin/pulumi")
    for name in (P, D):  # a deployable zone, so the guard before the engine lets it through
        path = project / name
        path.write_text(
            path.read_text() + "  trading-dr:zoneName: trading.acme-corp.net\n"
            "  trading-dr:hostedZoneId: Z0123456789ABCDEFGHIJ\n"
        )
    assert main(["preview"]) == EXIT_UNAVAILABLE
    assert capsys.readouterr().err == f"error: {ops.automation.NO_PASSPHRASE}\n"


def test_ctrl_c_exits_130_and_both_documented_codes_are_in_help(capsys, monkeypatch):
    from dataclasses import replace

    import ops.cli

    def interrupted(args, console):
        raise KeyboardInterrupt

    commands = [replace(c, handler=interrupted) if c.name == "validate" else c for c in ops.cli.COMMANDS]
    monkeypatch.setattr(ops.cli, "COMMANDS", commands)
    assert main(["validate"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "error: interrupted\n"
    assert main(["--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "  130  interrupted (Ctrl-C)" in out
    assert "  4  drill only: a scenario over the RTO target on a tier whose budget meets it" in out


def test_failover_region_still_works_for_one_release_with_a_note(capsys, monkeypatch):
    import ops.failover_cmd
    import ops.targets
    from ops.failover_cmd import FailoverOutcome

    seen = {}

    def fake(request, targets, local, approve):
        seen["region"] = request.region
        return FailoverOutcome(request.region, "lambda:orch", request.payload(), {"outcome": "dry_run"})

    monkeypatch.setattr(ops.targets, "load_targets", lambda **_: None)
    monkeypatch.setattr(ops.failover_cmd, "run_failover", fake)
    assert main(["failover", "--planned", "--dry-run", "--region", "us-west-2", "--json"]) == EXIT_OK
    captured = capsys.readouterr()
    assert seen["region"] == "us-west-2"
    assert captured.err == "note: --region is deprecated here: write --to REGION (the region to promote)\n"
    assert json.loads(captured.out)["region"] == "us-west-2"
    assert main(["failover", "--planned", "--dry-run", "--to", "us-east-1", "-y", "--json"]) == EXIT_OK
    assert seen["region"] == "us-east-1" and capsys.readouterr().err == ""


def test_failover_detach_json_prints_only_json(capsys, monkeypatch):
    import ops.failover_cmd
    import ops.targets
    from ops.failover_cmd import FailoverOutcome

    monkeypatch.setattr(ops.targets, "load_targets", lambda **_: None)
    monkeypatch.setattr(
        ops.failover_cmd,
        "run_detach",
        lambda region, targets, approve: FailoverOutcome(region, "operator", {}, {"removed_cluster": "c1"}),
    )
    assert main(["failover", "--detach", "--to", "us-west-2", "--yes", "--json"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)  # the whole of stdout is the document
    assert document["kind"] == "failover" and document["action"] == "detach"
    assert document["result"] == {"removedCluster": "c1"}


CAMEL = re.compile(r"^[a-z][A-Za-z0-9]*$")


def _field_names(value, verbatim=("inputs",)):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            if key not in verbatim:
                yield from _field_names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _field_names(item)


def test_every_document_uses_camel_case_field_names():
    from ops.drill import as_document
    from ops.output import json_document
    from tests.ops.test_drill_render import sample_results

    document = json.loads(json_document("drill", as_document(sample_results(), 120.0)))
    names = [n for n in _field_names(document) if n not in ("hot-standby", "pilot-light", "warm-standby")]
    assert [n for n in names if not CAMEL.match(n)] == []
    assert "rtoSeconds" in json.dumps(document) and "rto_seconds" not in json.dumps(document)


def test_a_document_write_that_fails_late_is_one_line():
    from ops.errors import OperatorError
    from ops.output import write_document

    with pytest.raises(OperatorError, match=r"^cannot write /dev/full: No space left on device$"):
        write_document("/dev/full", "{}")


def test_a_copy_of_the_shipped_usage_file_is_accepted(tmp_path):
    from ops.tiers.usage import USAGE_FILE, load_usage_file, resolve_usage

    copy = tmp_path / "usage.json"
    shutil.copy(USAGE_FILE, copy)
    assert dict(load_usage_file(copy)) == dict(resolve_usage())
    edited = json.loads(copy.read_text())
    first = next(iter(edited["assumptions"]))
    edited["assumptions"][first]["default"] = 7
    copy.write_text(json.dumps(edited))
    assert load_usage_file(copy)[first] == 7


def test_every_help_example_parses_and_names_real_choices(tmp_path, monkeypatch):
    """drill --help once showed `--scenario outage`, which does not exist: every example of
    every command must parse (a bad choice is a usage error)."""
    import shlex

    from ops.cli import COMMANDS, build_parser

    monkeypatch.chdir(tmp_path)  # the files an example reads stand in empty
    for command in COMMANDS:
        for example in command.examples:
            argv = shlex.split(example.split("|")[0])[1:]
            for arg in argv:
                if arg.endswith(".json"):
                    (tmp_path / arg).touch()
            args = build_parser().parse_args(argv)
            assert args.command == command.name, example


def test_the_confirmation_question_goes_to_stderr(capsys, monkeypatch):
    """On a terminal `failover --json` asks first; the question must not land in the JSON."""
    import io

    from ops.deploy_cmd import confirm

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert confirm("failover to us-west-2", yes=False, interactive=True) is True
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "failover to us-west-2 Proceed? [y/N] "
