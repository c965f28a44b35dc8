"""The operator CLI behind deploy.py. Each command is a small function; errors the operator
can act on (bad config, missing CLI, ...) end in one clear message and an exit code, never a
traceback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from components.settings import SettingsError
from ops.errors import EXIT_FAILED, EXIT_OK, OperatorError
from ops.stack_config import StackConfigError


def cmd_plan(args: argparse.Namespace, console: Console) -> int:
    from ops.plan import run_plan

    run_plan(console, args.json)
    return EXIT_OK


def cmd_stack(args: argparse.Namespace, console: Console) -> int:
    """preview, up, refresh, destroy, outputs: the real stacks through the Automation API."""
    from ops.deploy_cmd import run_stack_command

    run_stack_command(args.command, args.stack, console, yes=getattr(args, "yes", False))
    return EXIT_OK


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    """Live view of the pair through boto3; targets from the stacks' outputs."""
    from ops import targets
    from ops.status import collect_status, render_status

    render_status(console, collect_status(targets.load_targets()))
    return EXIT_OK


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
    console.print(f"{request.action}{dry} asked of {outcome.region} via {outcome.via}")
    console.print_json(json.dumps(outcome.result, default=str))
    return EXIT_OK


def cmd_drill(args: argparse.Namespace, console: Console) -> int:
    if not args.local:
        raise OperatorError(
            "drill runs only --local (on moto); to rehearse against AWS use "
            "`deploy.py failover --planned` after `deploy.py up`."
        )
    if args.replication_lag < 0 or args.promotion_seconds <= 0 or args.seeds < 1:
        raise OperatorError(
            "--replication-lag must be >= 0, --promotion-seconds > 0 and --seeds >= 1 "
            f"(got {args.replication_lag}, {args.promotion_seconds} and {args.seeds})"
        )
    from ops.drill import SCENARIOS, as_json, render, run_scenario
    from ops.mock_engine import run_both
    from ops.stack_config import stack_settings

    scenarios = SCENARIOS if args.scenario == "all" else (args.scenario,)
    stack_tier = args.tier or stack_settings("dr").tier
    tiers = [stack_tier]
    if "region-gone-tiers" in scenarios:
        tiers += [t for t in ("warm-standby", "pilot-light") if t != stack_tier]
    plans = {}
    for tier in tiers:
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
        )
    if args.json:
        print(as_json(results, args.promotion_seconds))
    else:
        render(console, results, args.promotion_seconds)
    return EXIT_OK if all(r.passed for r in results) else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    from ops.drill import SCENARIOS

    parser = argparse.ArgumentParser(
        prog="deploy.py",
        description="Build, deploy and operate trading-dr's primary and dr stacks.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    plan = commands.add_parser(
        "plan",
        help="build both stacks offline on the mock engine and show what they would create",
    )
    plan.add_argument("--json", type=Path, metavar="FILE", help="also write the whole plan as JSON")
    plan.set_defaults(handler=cmd_plan)

    stack_commands = {
        "preview": "show what up would change, per stack (primary, then dr)",
        "up": "deploy: primary, then dr",
        "refresh": "reconcile the state with what is in AWS, per stack",
        "destroy": "tear down: dr, then primary",
        "outputs": "print the deployed stacks' outputs",
    }
    for name, help_text in stack_commands.items():
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--stack", choices=("primary", "dr"), help="only this stack")
        if name in ("up", "destroy"):
            sub.add_argument("--yes", action="store_true", help="do not ask for confirmation (CI)")
        sub.set_defaults(handler=cmd_stack)

    status = commands.add_parser(
        "status", help="live view: global cluster writer and lag, health checks, control tables"
    )
    status.set_defaults(handler=cmd_status)

    failover = commands.add_parser("failover", help="promote the other region through the orchestrator")
    kind = failover.add_mutually_exclusive_group(required=True)
    kind.add_argument("--planned", action="store_true", help="switchover: no data loss (drills, failback)")
    kind.add_argument("--unplanned", action="store_true", help="failover: the writer region is lost")
    kind.add_argument(
        "--detach",
        action="store_true",
        help="RemoveFromGlobalCluster for --region, only once ARC shows the old region fenced",
    )
    failover.add_argument("--dry-run", action="store_true", help="decide and report, change nothing")
    failover.add_argument(
        "--allow-data-loss", action="store_true", help="unplanned only: promote past the RPO gate"
    )
    failover.add_argument(
        "--reason", default="manual failover by an operator", help="recorded with the decision"
    )
    failover.add_argument("--region", help="region to promote (default: the one without the writer)")
    failover.add_argument("--local", action="store_true", help="run the orchestrator in-process")
    failover.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    failover.set_defaults(handler=cmd_failover)

    drill = commands.add_parser(
        "drill",
        help="rehearse a failover: --local runs the real orchestrator on an in-process AWS (moto)",
    )
    drill.add_argument(
        "--local", action="store_true", help="on moto, with the data plane from the offline plan (required)"
    )
    drill.add_argument(
        "--scenario",
        choices=(*SCENARIOS, "all"),
        default="all",
        help="one scenario of the fault matrix, or all of it (default)",
    )
    drill.add_argument(
        "--seeds",
        type=int,
        default=20,
        help="seeds (random outage phase) of the timed scenarios (default 20; others run at most 3)",
    )
    drill.add_argument(
        "--tier",
        choices=("hot-standby", "warm-standby", "pilot-light"),
        help="rehearse another tier than the stack files' (pilot-light: a headless dr cluster)",
    )
    drill.add_argument("--json", action="store_true", help="print the results as JSON instead")
    drill.add_argument("--logs", action="store_true", help="the orchestrators' JSON logs, on stderr")
    drill.add_argument(
        "--replication-lag",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="replication lag of the simulated database (default 1.0); data loss is counted from writes",
    )
    drill.add_argument(
        "--promotion-seconds",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="how long FailoverGlobalCluster takes in the drill (default 120: AWS says 'a few minutes')",
    )
    drill.set_defaults(handler=cmd_drill)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console()
    err = Console(stderr=True)
    try:
        return args.handler(args, console)
    except SettingsError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        return EXIT_FAILED
    except (StackConfigError, OperatorError) as error:
        # soft_wrap: the message stays one line for logs and greps; the terminal wraps it.
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        return getattr(error, "exit_code", EXIT_FAILED)
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
