"""The operator CLI behind deploy.py.

Every sub-command is one row of `COMMANDS`: its name, a one-line summary (shown by
`deploy.py --help` and in the README's CLI section), a description, examples, the exit codes
it can return, a function that adds its options and the handler that runs it. Adding a
command or an option is adding a row or a line; `--help`, the README check
(tests/test_readme.py) and the exit-code epilog follow from the row.

This is the only module that maps errors to exit codes. Errors the operator can act on (bad
config, a missing tool, a failed operation) end in exactly one line on stderr, never a
traceback. Commands import their modules lazily, so `validate` and `--help` stay fast.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from components.settings import SettingsError
from components.tiers import TIERS
from components.yaml_reader import YamlFileError
from ops.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_MEANINGS,
    EXIT_OK,
    EXIT_TARGET_MISSED,
    EXIT_UNAVAILABLE,
    EXIT_UNSEALED,
    EXIT_USAGE,
    OperatorError,
)
from ops.output import emit_table, json_document, make_console, print_error, print_note, working
from ops.stack_config import STACKS, StackConfigError

PROG = "deploy.py"
CONFIG_FAILED = EXIT_FAILED


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    """One line: `deploy.py --help` and the README's CLI section show it."""
    description: str
    examples: tuple[str, ...]
    exit_codes: tuple[int, ...]
    configure: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace, Console], int]


# --- option types: a bad value is a usage error (exit 2), never a traceback -------------


def seconds(text: str) -> float:
    """A finite, non-negative number of seconds (nan, inf and negatives are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    return value


def positive_seconds(text: str) -> float:
    value = seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def seed_count(text: str) -> int:
    """A whole number of seeds, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def output_path(text: str) -> str:
    """`-` (stdout) or a file path whose folder exists and can be written, checked before
    any work starts."""
    if text == "-":
        return text
    path = Path(text)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: folder {folder} does not exist")
    if (path.exists() and not os.access(path, os.W_OK)) or not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be written (permission denied)")
    return text


# --- handlers -------------------------------------------------------------------------


def _notes(notes: list[str]) -> None:
    for note in notes:
        print_note(note)


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from ops.stack_config import load_pair

    pair = load_pair()
    _notes(pair.notes)
    console.print(
        f"ok: Pulumi.primary.yaml ({pair.primary.home_region}) and Pulumi.dr.yaml "
        f"({pair.dr.home_region}) describe one {pair.primary.tier} pair"
    )
    return EXIT_OK


def cmd_config(args: argparse.Namespace, console: Console) -> int:
    from rich.markup import escape
    from rich.table import Table

    from ops.stack_config import config_rows

    stacks = [args.stack] if args.stack else list(STACKS)
    rows = {stack: config_rows(stack) for stack in stacks}
    if args.json:
        console.file.write(json_document("config", {"stacks": rows}) + "\n")
        return EXIT_OK
    for stack, entries in rows.items():
        table = Table(title=f"stack {stack}: effective configuration", title_justify="left")
        table.add_column("key")
        table.add_column("value")
        table.add_column("origin")
        for row in entries:
            table.add_row(escape(row["key"]), escape(row["value"]), escape(row["origin"]))
        emit_table(console, table)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    if args.tiers:
        from ops.tiers.report import run_tiers

        run_tiers(console, args.json, drill_json=args.drill_json, usage_path=args.usage)
        return EXIT_OK
    if args.drill_json or args.usage:
        raise OperatorError("--drill-json and --usage compare the tiers: use them with --tiers")
    from ops.plan import run_plan

    run_plan(console, args.json)
    return EXIT_OK


def cmd_stack(args: argparse.Namespace, console: Console) -> int:
    """preview, up, refresh, destroy, outputs: the real stacks through the Automation API,
    after the same validation and pair check as plan."""
    from ops.deploy_cmd import run_stack_command
    from ops.preflight import preflight_gate
    from ops.stack_config import load_pair

    _notes([note for note in load_pair().notes if "secret" in note])
    json_out = getattr(args, "json", False)
    # Only up runs preflight first (read-only checks of the account and both regions).
    skip = getattr(args, "skip_preflight", True)
    home_only = getattr(args, "home_only", False)
    result = run_stack_command(
        args.command,
        args.stack,
        make_console(stderr=True) if json_out else console,
        yes=getattr(args, "yes", False),
        # Only the regional checks for a home-only update (ops/preflight.py run_checks).
        preflight=None if skip else preflight_gate(console, **({"home_only": True} if home_only else {})),
        **({"home_only": True} if home_only else {}),
    )
    if json_out:
        console.file.write(json_document("outputs", {"stacks": result.outputs}) + "\n")
    return EXIT_OK


def cmd_preflight(args: argparse.Namespace, console: Console) -> int:
    """Read-only checks of the account and both regions before up (ops/preflight.py)."""
    from ops.automation import stacks_for
    from ops.preflight import preflight

    results = preflight(stacks_for("up", args.stack), console)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    """Live view of the pair through boto3; targets from the stacks' outputs."""
    from ops import targets
    from ops.status import collect_status, render_status, status_document

    status = collect_status(targets.load_targets())
    if args.json:
        console.file.write(json_document("status", status_document(status)) + "\n")
    else:
        render_status(console, status)
    _evidence_freshness()
    return EXIT_OK


def _evidence_freshness() -> None:
    """A note when the last passing drill or switchover is older than evidenceMaxAgeDays."""
    from ops.evidence.history import status_warning
    from ops.evidence.keys import default_trust_path, read_trust
    from ops.stack_config import stack_settings

    try:
        dr = stack_settings("dr")
        regions = (dr.peer_region, dr.home_region)
        warning = status_warning(regions, dr.evidence.max_age_days, read_trust(default_trust_path()))
    except Exception as error:  # noqa: BLE001 -- status shows the pair even when evidence cannot be read
        warning = f"not checked ({error})"
    if warning:
        print_note(f"evidence: {warning}")


def cmd_failover(args: argparse.Namespace, console: Console) -> int:
    """Ask the orchestrator in the region to promote (or run it in-process with --local)."""
    import json

    from ops import targets
    from ops.deploy_cmd import confirm
    from ops.failover_cmd import FailoverRequest, run_detach, run_failover

    if args.detach:
        if not args.region:
            raise OperatorError(
                "--detach needs --region: the region whose cluster leaves the global cluster."
            )
        outcome = run_detach(
            args.region,
            targets.load_targets(),
            approve=lambda question: confirm(question, args.yes, sys.stdin.isatty()),
        )
        console.print(f"detach of {outcome.region} via {outcome.via}")
        console.print_json(json.dumps(outcome.result, default=str))
        return EXIT_OK
    request = FailoverRequest(
        planned=args.planned,
        dry_run=args.dry_run,
        allow_data_loss=args.allow_data_loss,
        reason=args.reason,
        region=args.region,
    )
    outcome = run_failover(
        request,
        targets.load_targets(),
        local=args.local,
        approve=lambda question: confirm(question, args.yes, sys.stdin.isatty()),
    )
    dry = " (dry run)" if request.dry_run else ""
    if args.json:
        body = {
            "action": request.action,
            "dryRun": request.dry_run,
            "region": outcome.region,
            "via": outcome.via,
            "request": outcome.payload,
            "result": outcome.result,
        }
        console.file.write(json_document("failover", body) + "\n")
        return EXIT_OK
    console.print(f"{request.action}{dry} asked of {outcome.region} via {outcome.via}", markup=False)
    console.print_json(json.dumps(outcome.result, default=str))
    return EXIT_OK


def cmd_drill(args: argparse.Namespace, console: Console) -> int:
    if not args.local:
        raise OperatorError(
            "drill runs only --local (on moto); to rehearse against AWS use "
            "`deploy.py failover --planned` after `deploy.py up`."
        )
    from ops.drill import SCENARIOS, as_document, over_target, render, run_scenario, tiers_needed
    from ops.mock_engine import run_both
    from ops.stack_config import stack_settings
    from ops.timing_model import RTO_TARGET_SECONDS

    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    stack_tier = args.tier or stack_settings("dr").tier
    with working("drill: building the stacks and running the fault matrix"):
        plans = {}
        for tier in tiers_needed(scenarios, stack_tier):
            override = {"trading-dr:tier": tier}
            plans[tier] = run_both({"primary": override, "dr": override})
        results = []
        for name in scenarios:
            results += run_scenario(
                name,
                plans,
                args.seeds,
                args.promotion_seconds,
                args.replication_lag,
                log_stream=sys.stderr if args.logs else None,
                profile=args.profile,
            )
    if args.evidence:
        _drill_evidence(args, results, plans, stack_tier)
    if args.json:
        document = {
            "rtoTargetSeconds": RTO_TARGET_SECONDS,
            **as_document(results, args.promotion_seconds, args.profile),
        }
        console.file.write(json_document("drill", document) + "\n")
    else:
        render(console, results, args.promotion_seconds, profile=args.profile)
    if not all(r.passed for r in results):
        return EXIT_FAILED
    over, by_design = over_target(results, plans, args.promotion_seconds, RTO_TARGET_SECONDS)
    for line in by_design:
        print_note(f"over the {RTO_TARGET_SECONDS}s RTO target, as its tier budget says: {line}")
    if over:
        print_error(f"over the {RTO_TARGET_SECONDS}s RTO target: {', '.join(over)}")
        return EXIT_TARGET_MISSED
    return EXIT_OK


def _drill_evidence(args: argparse.Namespace, results: list, plans: dict, stack_tier: str) -> None:
    """One evidence bundle for this drill run under --evidence DIR (docs/EVIDENCE.md)."""
    from ops.drill import as_document
    from ops.evidence.drill_bundle import write_drill_bundle
    from ops.evidence.keys import LocalSigner
    from ops.timing_model import RPO_TARGET_SECONDS, RTO_TARGET_SECONDS, timing_model

    primary, dr = plans[stack_tier]
    path = write_drill_bundle(
        Path(args.evidence),
        results,
        as_document(results, args.promotion_seconds),
        {"primary": primary.settings, "dr": dr.settings},
        timing_model(dr.settings, promotion_seconds=args.promotion_seconds),
        LocalSigner.load_or_create(),
        {
            k: getattr(args, k, None)
            for k in ("scenario", "seeds", "tier", "replication_lag", "promotion_seconds", "profile")
        },
        {"rto_seconds": RTO_TARGET_SECONDS, "rpo_seconds": RPO_TARGET_SECONDS},
    )
    print_note(f"evidence: {path} (deploy.py evidence verify {path})")


def cmd_evidence(args: argparse.Namespace, console: Console) -> int:
    from ops.evidence.command import run

    return run(args, console)


# --- options ----------------------------------------------------------------------------


def _evidence_options(parser: argparse.ArgumentParser) -> None:
    from ops.evidence.command import configure

    configure(parser)


def _no_options(parser: argparse.ArgumentParser) -> None:
    del parser


def _config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", choices=STACKS, help="only this stack")
    parser.add_argument("--json", action="store_true", help="JSON on stdout instead of tables")


def _plan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        type=output_path,
        metavar="FILE",
        help="also write the whole plan as JSON to FILE; `-` writes only the JSON, to stdout",
    )
    parser.add_argument(
        "--tiers",
        action="store_true",
        help="compare the DR tiers instead: monthly cost per region and recovery budget of each",
    )
    parser.add_argument(
        "--drill-json",
        type=Path,
        metavar="FILE",
        help="with --tiers: the drill's --json result, as measured RTO",
    )
    parser.add_argument(
        "--usage", type=Path, metavar="FILE", help="with --tiers: JSON overrides of ops/pricing/usage.json"
    )


def _stack_options(name: str) -> Callable[[argparse.ArgumentParser], None]:
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--stack", choices=STACKS, help="only this stack")
        if name in ("up", "destroy"):
            parser.add_argument(
                "--yes",
                action="store_true",
                help="do not ask for confirmation (the change list is still shown)",
            )
        if name == "up":
            parser.add_argument(
                "--skip-preflight", action="store_true", help="do not run preflight before deploying"
            )
        if name in ("preview", "up"):
            parser.add_argument(
                "--home-only",
                action="store_true",
                help="with --stack: only the resources in the stack's home region, while the peer "
                "region is down (docs/IAC_AND_FAILOVER.md lists what is skipped)",
            )
        if name == "outputs":
            parser.add_argument("--json", action="store_true", help="JSON on stdout instead of tables")

    return configure


def _preflight_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", choices=STACKS, help="only this stack's region")


def _status_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="JSON on stdout instead of tables")


def _failover_options(parser: argparse.ArgumentParser) -> None:
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--planned", action="store_true", help="switchover: no data loss (drills, failback)")
    kind.add_argument("--unplanned", action="store_true", help="failover: the writer region is lost")
    kind.add_argument(
        "--detach",
        action="store_true",
        help="RemoveFromGlobalCluster for --region, only once ARC shows the old region fenced",
    )
    parser.add_argument("--dry-run", action="store_true", help="decide and report, change nothing")
    parser.add_argument(
        "--allow-data-loss", action="store_true", help="unplanned only: promote past the RPO gate"
    )
    parser.add_argument(
        "--reason", default="manual failover by an operator", help="recorded with the decision"
    )
    parser.add_argument("--region", help="region to promote (default: the one without the writer)")
    parser.add_argument("--local", action="store_true", help="run the orchestrator in-process")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--json", action="store_true", help="the request and the orchestrator's answer as JSON"
    )


def _drill_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--local", action="store_true", help="on moto, with the data plane from the offline plan (required)"
    )
    from ops.drill import SCENARIOS

    parser.add_argument(
        "--scenario",
        choices=(*SCENARIOS, "all"),
        default="all",
        help="one scenario of the fault matrix, or all of it (default)",
    )
    parser.add_argument(
        "--seeds",
        type=seed_count,
        default=20,
        help="seeds (random outage phase) of the timed scenarios (default 20; others run at most 3)",
    )
    parser.add_argument(
        "--tier",
        choices=TIERS,
        help="rehearse another tier than the stack files' (pilot-light: a headless dr cluster)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead")
    parser.add_argument("--logs", action="store_true", help="the orchestrators' JSON logs, on stderr")
    parser.add_argument(
        "--replication-lag",
        type=seconds,
        default=1.0,
        metavar="SECONDS",
        help="replication lag of the simulated database (default 1.0); data loss is counted from writes",
    )
    parser.add_argument(
        "--promotion-seconds",
        type=positive_seconds,
        default=120.0,
        metavar="SECONDS",
        help="how long FailoverGlobalCluster takes in the drill (default 120: AWS says 'a few minutes')",
    )
    from ops.timing_model import PROFILE_DEFAULT, PROFILES

    parser.add_argument(
        "--profile",
        choices=tuple(PROFILES),
        default=PROFILE_DEFAULT,
        help="timing profile: nominal (the drill's figures) or realistic (slower DNS, client back-off, "
        "CloudWatch publication delay, a promotion drawn around --promotion-seconds; ops/timing_model.py)",
    )
    parser.add_argument(
        "--evidence",
        metavar="DIR",
        help="write this run's signed evidence bundle under DIR (docs/EVIDENCE.md)",
    )


_CONFIG_EXITS = (EXIT_OK, EXIT_FAILED, EXIT_USAGE)
_ENGINE_EXITS = (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE)

COMMANDS: list[Command] = [
    Command(
        "validate",
        "check both stack files and the pair, offline, in well under a second",
        "Reads Pulumi.yaml and both stack files as the pulumi CLI does (YAML 1.2), validates "
        "every key and checks that the two stacks describe one pair. Builds nothing.",
        (f"{PROG} validate",),
        _CONFIG_EXITS,
        _no_options,
        cmd_validate,
    ),
    Command(
        "config",
        "show the effective configuration, each value with where it came from",
        "Every key of a stack with its value as written and its origin: the stack file (and "
        "line) or the Pulumi.yaml default.",
        (f"{PROG} config --stack dr", f"{PROG} config --json"),
        _CONFIG_EXITS,
        _config_options,
        cmd_config,
    ),
    Command(
        "plan",
        "build both stacks offline on the mock engine and show what they would create",
        "Validates both stacks, builds them in-process on the Pulumi mock engine (no pulumi CLI, "
        "no credentials) and prints the resources per stack and the two regional component "
        "trees side by side. Exits 1 when the trees differ beyond the roles' documented "
        "differences.",
        (
            f"{PROG} plan",
            f"{PROG} plan --json plan.json",
            f"{PROG} plan --json - | jq .stacks.dr.resourceCount",
            f"{PROG} plan --tiers --drill-json drill.json",
        ),
        _CONFIG_EXITS,
        _plan_options,
        cmd_plan,
    ),
    Command(
        "preflight",
        "check the account and both regions can hold the pair (read-only)",
        "With your AWS credentials, checks Lambda concurrency headroom, AZs offering instanceType "
        "and dbInstanceClass, the engine version's global-database support, the hosted zone and "
        "its delegation, VPC/EIP/NAT/Transit Gateway quotas and ARC in us-west-2. One PASS/FAIL "
        "line per check, each FAIL naming its fix. up runs it first unless --skip-preflight.",
        (f"{PROG} preflight", f"{PROG} preflight --stack dr"),
        _ENGINE_EXITS,
        _preflight_options,
        cmd_preflight,
    ),
    Command(
        "preview",
        "show what up would change, per stack (primary, then dr); creates no stack",
        "Validates both stacks, then runs pulumi preview through the Automation API on each "
        "existing stack. A stack that does not exist yet is reported, not created.",
        (f"{PROG} preview", f"{PROG} preview --stack dr"),
        _ENGINE_EXITS,
        _stack_options("preview"),
        cmd_stack,
    ),
    Command(
        "up",
        "deploy: primary, then dr; shows the change list, then asks",
        "Validates both stacks, previews each stack and prints its change list, asks (unless "
        "--yes), then deploys it. Without a terminal, --yes is required.",
        (f"{PROG} up", f"{PROG} up --stack primary --yes"),
        _ENGINE_EXITS,
        _stack_options("up"),
        cmd_stack,
    ),
    Command(
        "refresh",
        "reconcile the state with what is in AWS, per stack",
        "Validates both stacks, then runs pulumi refresh on each.",
        (f"{PROG} refresh --stack primary",),
        _ENGINE_EXITS,
        _stack_options("refresh"),
        cmd_stack,
    ),
    Command(
        "destroy",
        "tear down: dr, then primary",
        "Validates both stacks, then destroys dr before primary, asking for each (unless --yes). "
        "Protected data stores stop it until protectData is false and up has run.",
        (f"{PROG} destroy --stack dr",),
        _ENGINE_EXITS,
        _stack_options("destroy"),
        cmd_stack,
    ),
    Command(
        "outputs",
        "print the deployed stacks' outputs",
        "The outputs of each deployed stack (secrets masked), as tables or JSON.",
        (f"{PROG} outputs", f"{PROG} outputs --stack dr --json"),
        _ENGINE_EXITS,
        _stack_options("outputs"),
        cmd_stack,
    ),
    Command(
        "status",
        "live view: global cluster writer and lag, health checks, control tables",
        "Asks each region separately through boto3 (a region that does not answer is shown as "
        "an error, not raised): the global cluster's members and writer, replication lag, Route "
        "53 health checks and each control table's active region, epoch and last decision.",
        (f"{PROG} status", f"{PROG} status --json"),
        _ENGINE_EXITS,
        _status_options,
        cmd_status,
    ),
    Command(
        "failover",
        "promote the other region through the orchestrator",
        "Asks the orchestrator in the region to promote: --planned for a switchover (no data "
        "loss), --unplanned for a failover. Asks first unless --dry-run or --yes.",
        (f"{PROG} failover --planned --dry-run", f"{PROG} failover --unplanned --region us-west-2 --yes"),
        _ENGINE_EXITS,
        _failover_options,
        cmd_failover,
    ),
    Command(
        "drill",
        "rehearse a failover: --local runs the real orchestrator on an in-process AWS (moto)",
        "Builds both stacks offline, creates in moto what the failover path touches and runs the "
        "real orchestrator on a simulated clock through the chosen scenarios.",
        (f"{PROG} drill --local", f"{PROG} drill --local --scenario outage --replication-lag 60"),
        (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TARGET_MISSED),
        _drill_options,
        cmd_drill,
    ),
    Command(
        "evidence",
        "verify, report and list the signed evidence of drills and executions",
        "verify PATH: exit 0 and one line for an intact bundle (folder or s3://bucket/prefix), 1 "
        "naming the first broken record or file, 5 for an intact prefix not sealed yet. report "
        "PATH: one self-contained HTML page. list [WHERE]: every bundle with its date, kind, RTO, "
        "data loss and verdict. trust: pin a signing key (docs/EVIDENCE.md).",
        (
            f"{PROG} evidence verify .evidence/drill-last/drill-20260101T000000Z-00001",
            f"{PROG} evidence report s3://trading-dr-evidence-123456789012-us-west-2/executions/x",
            f"{PROG} evidence list",
        ),
        (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNSEALED),
        _evidence_options,
        cmd_evidence,
    ),
]


def epilog(command: Command) -> str:
    examples = "\n".join(f"  {example}" for example in command.examples)
    codes = "\n".join(f"  {code}  {EXIT_MEANINGS[code]}" for code in command.exit_codes)
    return f"examples:\n{examples}\n\nexit codes:\n{codes}"


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    from ops import __version__

    def of(package: str) -> str:
        try:
            return installed(package)
        except PackageNotFoundError:
            return "not installed"

    return f"{PROG} (trading-dr) {__version__}; pulumi {of('pulumi')}, pulumi-aws {of('pulumi-aws')}"


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (plus the usage) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print_error(f"{self.prog}: {message}")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    overall = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_MEANINGS.items())
    parser = _Parser(
        prog=PROG,
        description="Build, deploy and operate trading-dr's primary and dr stacks.",
        epilog=f"examples:\n  {PROG} validate\n  {PROG} plan\n  {PROG} up\n\nexit codes:\n{overall}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=version())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.summary,
            description=f"{command.summary[0].upper()}{command.summary[1:]}. {command.description}",
            epilog=epilog(command),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.configure(sub)
        sub.set_defaults(handler=command.handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # --help, --version, usage errors
        return int(done.code or 0) if isinstance(done.code, int) else EXIT_USAGE
    console = make_console()
    try:
        return args.handler(args, console)
    except (SettingsError, YamlFileError, StackConfigError) as error:
        print_error(error)
        return CONFIG_FAILED
    except OperatorError as error:
        print_error(error)
        return error.exit_code
    except BrokenPipeError:
        # `deploy.py plan --json - | head`: the reader left; nothing to report.
        sys.stderr.close()
        return EXIT_FAILED
    except KeyboardInterrupt:
        print_error("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
