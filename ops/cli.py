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
from ops import output
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
from ops.output import (
    emit_table,
    json_document,
    make_console,
    print_error,
    print_note,
    progress,
    write_document,
)
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
    check: Callable[[argparse.Namespace], str | None] | None = None
    """Usage rules across options (a problem -> exit 2, before any work), see `usage_problem`."""


# --- option types: a bad value is a usage error (exit 2), never a traceback -------------


MAX_DRILL_SECONDS = 3600.0
"""Upper bound of the drill's simulated durations: an hour is far beyond AWS's "a few minutes"
for a promotion, and a larger value only makes the simulation run for hours."""
MAX_SEEDS = 1000


def seconds(text: str) -> float:
    """A finite number of seconds, 0 to an hour (nan, inf, negatives and days are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds, 0 or more")
    if value > MAX_DRILL_SECONDS:
        raise argparse.ArgumentTypeError(f"{text!r} must be at most {MAX_DRILL_SECONDS:.0f} seconds")
    return value


def positive_seconds(text: str) -> float:
    value = seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def seed_count(text: str) -> int:
    """A whole number of seeds, 1 to MAX_SEEDS."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_SEEDS:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 1 and {MAX_SEEDS}")
    return value


def aws_region(text: str) -> str:
    """A region botocore's endpoint data knows (offline), such as us-west-2."""
    from components.settings import region_partitions

    if text not in region_partitions():
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS region name such as us-west-2")
    return text


def reason_text(text: str) -> str:
    """What the orchestrator records with the decision: one printable line, 1 to 256 characters."""
    from components.setting_rules import no_control_characters

    problem = no_control_characters(text)
    if problem or not text.strip() or len(text) > 256:
        raise argparse.ArgumentTypeError(
            f"must be one line of 1 to 256 printable characters ({problem or f'{len(text.strip())} given'})"
        )
    return text.strip()


def input_path(text: str) -> Path:
    """A file to read, checked before any work starts: named, present, a regular file."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name")
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: file not found")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a regular file")
    return path


def output_path(text: str) -> str:
    """A file to write a document to, checked before any work starts: a regular file (or a
    new one) in a folder that exists and takes a new file. Devices (/dev/full), pseudo-file
    systems (/proc) and folders are refused here; a write that still fails later (a full
    disk) is one line too (ops/output.py write_document)."""
    import tempfile

    if not text.strip():
        raise argparse.ArgumentTypeError("needs a file name (--json writes the document to stdout)")
    path = Path(text)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: folder {folder} does not exist")
    from ops.stack_config import PROJECT_DIR

    if path.resolve().parent == PROJECT_DIR.resolve() and path.name.startswith("Pulumi."):
        raise argparse.ArgumentTypeError(
            f"{text} is one of the project's configuration files: choose another name"
        )
    if path.exists() and not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a regular file (--json writes to stdout)")
    if path.exists() and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be written (permission denied)")
    try:  # the folder takes a new file: refuses /proc, /sys, read-only mounts and no-write folders
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".deploy-py-check-"):
            pass
    except OSError:
        raise argparse.ArgumentTypeError(
            f"{text} cannot be written: folder {folder} does not take new files"
        ) from None
    return text


# --- handlers -------------------------------------------------------------------------


def _notes(notes: list[str]) -> None:
    for note in notes:
        print_note(note)


def _emit(args: argparse.Namespace, console: Console, kind: str, body: dict) -> bool:
    """The command's JSON document: to stdout with --json, to a file with --out FILE.
    True when stdout got the document (the caller then prints nothing else there)."""
    text = json_document(kind, body)
    if getattr(args, "out", None):
        write_document(args.out, text)
        print_note(f"{kind} written to {args.out}")
    if getattr(args, "json", False):
        console.file.write(text + "\n")
        return True
    return False


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

    from ops.stack_config import config_rows, load_pair

    pair = load_pair()  # validated first: the values shown are the ones the program uses
    _notes(pair.notes)
    settings = {"primary": pair.primary, "dr": pair.dr}
    stacks = [args.stack] if args.stack else list(STACKS)
    rows = {stack: config_rows(stack, settings=settings[stack]) for stack in stacks}
    if _emit(args, console, "config", {"stacks": rows}):
        return EXIT_OK
    for stack, entries in rows.items():
        table = Table(title=f"stack {stack}: effective configuration", title_justify="left")
        table.add_column("key")
        table.add_column("value")
        table.add_column("origin")
        for row in entries:
            table.add_row(escape(row["key"]), escape(row["written"]), escape(row["origin"]))
        emit_table(console, table)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    if args.tiers:
        from ops.tiers.report import run_tiers

        run_tiers(console, args.json, args.out, drill_json=args.drill_json, usage_path=args.usage)
        return EXIT_OK
    from ops.plan import run_plan

    run_plan(console, args.json, args.out)
    return EXIT_OK


def _check_plan(args: argparse.Namespace) -> str | None:
    if (args.drill_json or args.usage) and not args.tiers:
        return "--drill-json and --usage compare the tiers: use them with --tiers"
    return None


def cmd_stack(args: argparse.Namespace, console: Console) -> int:
    """preview, up, refresh, destroy, outputs: the real stacks through the Automation API,
    after the same validation and pair check as plan."""
    from ops.deploy_cmd import run_stack_command
    from ops.preflight import preflight_gate
    from ops.stack_config import load_pair

    _notes([note for note in load_pair().notes if "secret" in note])
    json_out = getattr(args, "json", False) or bool(getattr(args, "out", None))
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
        # After up of the primary, the routing controls' first state (ops/initial_authority.py).
        **({"after_up": _initial_authority} if args.command == "up" else {}),
    )
    if json_out or getattr(args, "out", None):
        _emit(args, console, "outputs", {"stacks": result.outputs})
    return EXIT_OK


def _initial_authority(stack: str, outputs: dict):
    """After up of the primary: the routing controls' first state (ops/initial_authority.py)."""
    from ops.initial_authority import ensure_initial_authority

    return ensure_initial_authority(stack, outputs)


def cmd_preflight(args: argparse.Namespace, console: Console) -> int:
    """Read-only checks of the account and both regions before up (ops/preflight.py)."""
    from ops.automation import stacks_for
    from ops.preflight import preflight

    results = preflight(stacks_for("up", args.stack), console)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    """Live view of the pair through boto3; targets discovered in AWS (ops/discovery.py)."""
    from ops import targets
    from ops.status import collect_status, render_status, status_document

    status = collect_status(targets.load_targets(region=args.region))
    if not _emit(args, console, "status", status_document(status)):
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
    from ops.failover_cmd import FailoverRequest, run_arm, run_detach, run_failover

    approve = lambda question: confirm(question, args.yes, sys.stdin.isatty())  # noqa: E731
    # The pair is discovered from SSM starting in the region acted on (ops/discovery.py).
    if args.arm:
        outcomes = run_arm(
            targets.load_targets(region=args.to),
            args.reason,
            region=args.to,
            operator=args.operator,
            local=args.local,
            approve=approve,
        )
        body = {
            "action": "arm",
            "regions": [{"region": o.region, "via": o.via, "result": o.result} for o in outcomes],
        }
        if _emit(args, console, "failover", body):
            return EXIT_OK
        for outcome in outcomes:
            console.print(f"arm in {outcome.region} via {outcome.via}", markup=False)
            console.print_json(json.dumps(outcome.result, default=str))
        return EXIT_OK
    if args.detach:
        outcome = run_detach(args.to, targets.load_targets(region=args.to), approve=approve)
        body = {"action": "detach", "region": outcome.region, "via": outcome.via, "result": outcome.result}
        if _emit(args, console, "failover", body):
            return EXIT_OK
        console.print(f"detach of {outcome.region} via {outcome.via}", markup=False)
        console.print_json(json.dumps(outcome.result, default=str))
        return EXIT_OK
    request = FailoverRequest(
        planned=args.planned,
        dry_run=args.dry_run,
        allow_data_loss=args.allow_data_loss,
        reason=args.reason if args.reason is not None else "manual failover by an operator",
        region=args.to,
    )
    outcome = run_failover(request, targets.load_targets(region=args.to), local=args.local, approve=approve)
    dry = " (dry run)" if request.dry_run else ""
    body = {
        "action": request.action,
        "dryRun": request.dry_run,
        "region": outcome.region,
        "via": outcome.via,
        "request": outcome.payload,
        "result": outcome.result,
    }
    if _emit(args, console, "failover", body):
        return EXIT_OK
    console.print(f"{request.action}{dry} asked of {outcome.region} via {outcome.via}", markup=False)
    console.print_json(json.dumps(outcome.result, default=str))
    return EXIT_OK


def _check_failover(args: argparse.Namespace) -> str | None:
    if args.arm:
        # --arm acts in a region, it promotes nothing: --region (where the call goes, as in the
        # aws CLI) or --to name it; neither means every region that answers.
        if args.to and args.region and args.to != args.region:
            return f"--to {args.to} and --region {args.region} disagree: name one region"
        args.to = args.to or args.region
        if not args.reason:
            return "--arm needs --reason: why it is safe to fail over automatically again"
        return None
    if args.operator:
        return "--operator goes with --arm only (who re-armed is recorded)"
    if args.region:
        if args.to and args.to != args.region:
            return f"--to {args.to} and --region {args.region} disagree: use --to only"
        # Deprecated for one release: in the aws CLI --region is where a call goes, not what
        # it promotes.
        print_note("--region is deprecated here: write --to REGION (the region to promote)")
        args.to = args.region
    if args.detach and not args.to:
        return "--detach needs --to REGION: the promoted region, whose cluster leaves the global cluster"
    if args.allow_data_loss and not args.unplanned:
        return "--allow-data-loss goes with --unplanned only (a switchover never loses data)"
    return None


def _check_drill(args: argparse.Namespace) -> str | None:
    if not args.local:
        return (
            "drill runs only --local (on moto); to rehearse against AWS use "
            "`deploy.py failover --planned` after `deploy.py up`"
        )
    return None


def cmd_drill(args: argparse.Namespace, console: Console) -> int:
    import time

    from ops.drill import SCENARIOS, as_document, over_target, render, run_scenario, tiers_needed
    from ops.mock_engine import run_both
    from ops.stack_config import stack_settings
    from ops.timing_model import RTO_TARGET_SECONDS

    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    stack_tier = args.tier or stack_settings("dr").tier
    plans = {}
    for tier in tiers_needed(scenarios, stack_tier):
        progress(f"drill: building both stacks ({tier}) on the mock engine")
        override = {"trading-dr:tier": tier}
        plans[tier] = run_both({"primary": override, "dr": override})
    results = []
    for number, name in enumerate(scenarios, 1):
        started = time.monotonic()
        progress(f"drill: [{number}/{len(scenarios)}] {name} ...")
        ran = run_scenario(
            name,
            plans,
            args.seeds,
            args.assumed_promotion_seconds,
            args.replication_lag,
            log_stream=sys.stderr if args.logs else None,
            profile=args.profile,
        )
        for result in ran:
            verdict = "pass" if result.passed else "FAIL"
            progress(
                f"drill: [{number}/{len(scenarios)}] {name} ({result.tier}, {len(result.seeds)} seeds): "
                f"{verdict} in {time.monotonic() - started:.1f} s"
            )
        results += ran
    if args.evidence:
        _drill_evidence(args, results, plans, stack_tier)
    document = {
        "rtoTargetSeconds": RTO_TARGET_SECONDS,
        **as_document(results, args.assumed_promotion_seconds, args.profile),
    }
    if not _emit(args, console, "drill", document):
        render(console, results, args.assumed_promotion_seconds, profile=args.profile)
    if not all(r.passed for r in results):
        return EXIT_FAILED
    over, by_design = over_target(results, plans, args.assumed_promotion_seconds, RTO_TARGET_SECONDS)
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
        as_document(results, args.assumed_promotion_seconds),
        {"primary": primary.settings, "dr": dr.settings},
        timing_model(dr.settings, promotion_seconds=args.assumed_promotion_seconds),
        LocalSigner.load_or_create(),
        {
            k: getattr(args, k, None)
            for k in ("scenario", "seeds", "tier", "replication_lag", "assumed_promotion_seconds", "profile")
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


def _stack_option(parser: argparse.ArgumentParser, help: str = "only this stack") -> None:
    parser.add_argument("-s", "--stack", choices=STACKS, help=help)


def _yes_option(parser: argparse.ArgumentParser, help: str = "do not ask for confirmation") -> None:
    parser.add_argument("-y", "--yes", action="store_true", help=help)


def _output_options(parser: argparse.ArgumentParser) -> None:
    """The one output convention: --json prints the JSON document alone on stdout (notes and
    progress go to stderr); --out FILE also writes it to FILE."""
    parser.add_argument("--json", action="store_true", help="the JSON document on stdout instead of tables")
    parser.add_argument(
        "--out", type=output_path, metavar="FILE", help="also write the JSON document to FILE"
    )


def _config_options(parser: argparse.ArgumentParser) -> None:
    _stack_option(parser)
    _output_options(parser)


def _plan_options(parser: argparse.ArgumentParser) -> None:
    _output_options(parser)
    parser.add_argument(
        "--tiers",
        action="store_true",
        help="compare the DR tiers instead: monthly cost per region and recovery budget of each",
    )
    parser.add_argument(
        "--drill-json",
        type=input_path,
        metavar="FILE",
        help="with --tiers: the drill's --json result, as measured RTO",
    )
    parser.add_argument(
        "--usage",
        type=input_path,
        metavar="FILE",
        help="with --tiers: JSON overrides of ops/pricing/usage.json",
    )


def _stack_options(name: str) -> Callable[[argparse.ArgumentParser], None]:
    def configure(parser: argparse.ArgumentParser) -> None:
        _stack_option(parser)
        if name in ("up", "destroy"):
            _yes_option(parser, "do not ask for confirmation (the change list is still shown)")
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
            _output_options(parser)

    return configure


def _preflight_options(parser: argparse.ArgumentParser) -> None:
    _stack_option(parser, "only this stack's region")


def _status_options(parser: argparse.ArgumentParser) -> None:
    _output_options(parser)
    parser.add_argument(
        "--region",
        type=aws_region,
        metavar="REGION",
        help="where the calls go first (default: AWS_REGION, then the stack files' regions); the "
        "pair is discovered there from SSM, no pulumi CLI or state needed",
    )


def _failover_options(parser: argparse.ArgumentParser) -> None:
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--planned", action="store_true", help="switchover: no data loss (drills, failback)")
    kind.add_argument("--unplanned", action="store_true", help="failover: the writer region is lost")
    kind.add_argument(
        "--detach",
        action="store_true",
        help="RemoveFromGlobalCluster for --to, only once ARC shows the old region fenced",
    )
    kind.add_argument(
        "--arm",
        action="store_true",
        help="re-arm automatic failover after an automatic failover disarmed it: in --region, "
        "or in every region that answers",
    )
    parser.add_argument("--dry-run", action="store_true", help="decide and report, change nothing")
    parser.add_argument(
        "--allow-data-loss", action="store_true", help="unplanned only: promote past the RPO gate"
    )
    parser.add_argument(
        "--reason",
        type=reason_text,
        help="recorded with the decision (default: 'manual failover by an operator'; required with --arm)",
    )
    parser.add_argument(
        "--operator",
        type=reason_text,
        help="with --arm: who re-arms (default: your identity from STS GetCallerIdentity)",
    )
    parser.add_argument(
        "--to",
        type=aws_region,
        metavar="REGION",
        help="region to promote (default: the one without the writer)",
    )
    parser.add_argument(
        "--region",
        type=aws_region,
        metavar="REGION",
        help="with --arm: the region to re-arm; otherwise a deprecated spelling of --to "
        "(kept for one release)",
    )
    parser.add_argument("--local", action="store_true", help="run the orchestrator in-process")
    _yes_option(parser)
    _output_options(parser)


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
    _output_options(parser)
    parser.add_argument("--logs", action="store_true", help="the orchestrators' JSON logs, on stderr")
    parser.add_argument(
        "--replication-lag",
        type=seconds,
        default=1.0,
        metavar="SECONDS",
        help="replication lag of the simulated database (default 1.0); data loss is counted from writes",
    )
    from ops.timing_model import PROFILE_DEFAULT, PROFILES, PROMOTION_SECONDS_DEFAULT

    parser.add_argument(
        "--assumed-promotion-seconds",
        dest="assumed_promotion_seconds",
        type=positive_seconds,
        default=PROMOTION_SECONDS_DEFAULT,
        metavar="SECONDS",
        help=f"how long AWS's FailoverGlobalCluster is assumed to take in the drill (default "
        f"{PROMOTION_SECONDS_DEFAULT:.0f}: AWS says 'a few minutes'; no measurement). Not the "
        "orchestrator's FAILOVER_PROMOTION_PAGE_AFTER_SECONDS, which only pages",
    )
    # The old spelling, still accepted (scripts and runbooks use it).
    parser.add_argument(
        "--promotion-seconds",
        dest="assumed_promotion_seconds",
        type=positive_seconds,
        default=argparse.SUPPRESS,
        help=argparse.SUPPRESS,
    )

    parser.add_argument(
        "--profile",
        choices=tuple(PROFILES),
        default=PROFILE_DEFAULT,
        help="timing profile: nominal (the drill's figures) or realistic (slower DNS, client back-off, "
        "CloudWatch publication delay, a promotion drawn around --assumed-promotion-seconds; "
        "ops/timing_model.py)",
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
            f"{PROG} plan --out plan.json",
            f"{PROG} plan --json | jq .stacks.dr.resourceCount",
            f"{PROG} plan --tiers --drill-json drill.json",
        ),
        _CONFIG_EXITS,
        _plan_options,
        cmd_plan,
        _check_plan,
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
        (f"{PROG} up", f"{PROG} up -s primary -y"),
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
        "Discovers the pair from the SSM parameters each stack writes in its own region (no "
        "pulumi CLI, state or passphrase), then asks each region separately through boto3 (a "
        "region that does not answer is shown as unreachable, not raised): the global cluster's "
        "members and writer, replication lag, Route 53 health checks, the ARC routing controls "
        "(both Off or both On is an incident) and each control table's active region, epoch, "
        "arming, open execution and last decision. Runbook: docs/RUNBOOK.md.",
        (f"{PROG} status", f"{PROG} status --region us-west-2 --json"),
        _ENGINE_EXITS,
        _status_options,
        cmd_status,
    ),
    Command(
        "failover",
        "promote the other region through the orchestrator",
        "Asks the orchestrator in the region to promote: --planned for a switchover (no data "
        "loss), --unplanned for a failover; --arm re-arms automatic failover; --detach splits the "
        "promoted region's cluster off the global cluster. Needs AWS credentials for the "
        "surviving region only (the pair is discovered from SSM). Asks first unless --dry-run or "
        "--yes. Runbook: docs/RUNBOOK.md.",
        (
            f"{PROG} failover --planned --dry-run",
            f"{PROG} failover --unplanned --to us-west-2 --yes",
            f'{PROG} failover --arm --region us-west-2 --reason "cause fixed, pair healthy"',
        ),
        _ENGINE_EXITS,
        _failover_options,
        cmd_failover,
        _check_failover,
    ),
    Command(
        "drill",
        "rehearse a failover: --local runs the real orchestrator on an in-process AWS (moto)",
        "Builds both stacks offline, creates in moto what the failover path touches and runs the "
        "real orchestrator on a simulated clock through the chosen scenarios.",
        (
            f"{PROG} drill --local",
            f"{PROG} drill --local --scenario lag-above-bound --replication-lag 60",
            f"{PROG} drill --local --out drill.json",
        ),
        (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TARGET_MISSED),
        _drill_options,
        cmd_drill,
        _check_drill,
    ),
    Command(
        "evidence",
        "verify, report and list the signed evidence of drills and executions",
        "verify PATH: exit 0 and one line for an intact bundle (folder or s3://bucket/prefix), 1 "
        "naming the first broken record or file, 5 for an intact prefix not sealed yet. report "
        "PATH: one self-contained HTML page. list [WHERE]: every bundle with its date, kind, RTO, "
        "data loss and verdict. trust: pin a signing key (docs/EVIDENCE.md).",
        (
            f"{PROG} evidence verify .evidence/drills/drill-20260101T000000Z-00001",
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


_ARGV: list[str] = []
"""The command line being parsed (for the hint about --json's old FILE argument)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line (plus the usage) and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        if "unrecognized arguments" in message and "--json" in _ARGV:
            message += " (--json takes no file: --out FILE writes the document to a file)"
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
    parser.add_argument("-V", "--version", action="version", version=version())
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
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
        # -q after the command too; SUPPRESS keeps a -q given before it.
        sub.add_argument(
            "-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        sub.set_defaults(handler=command.handler, check=command.check)
    return parser


def usage_problem(args: argparse.Namespace) -> str | None:
    """A rule across options that argparse cannot express (exit 2, before any work)."""
    check = getattr(args, "check", None)
    return check(args) if check else None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    _ARGV[:] = sys.argv[1:] if argv is None else argv
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, usage errors
        return int(done.code or 0) if isinstance(done.code, int) else EXIT_USAGE
    output.QUIET = args.quiet
    console = make_console()
    try:
        problem = usage_problem(args)
        if problem:
            print_error(f"{PROG} {args.command}: {problem}")
            return EXIT_USAGE
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
    except OSError as error:
        # The last resort for a write to stdout or a file that fails (a full disk): one line.
        name = f" {error.filename}" if error.filename else ""
        print_error(f"cannot complete{name}: {error.strerror or error}")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
