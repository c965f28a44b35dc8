"""The `evidence` command of deploy.py: verify, report, list, trust."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_UNSEALED, OperatorError

DEFAULT_FOLDER = ".evidence"


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="evidence_action", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check a bundle (folder or s3://bucket/prefix); exit 0 intact")
    verify.add_argument("path")
    report = actions.add_parser("report", help="write the bundle's HTML report")
    report.add_argument("path")
    report.add_argument("--out", help="the HTML file (default: report.html beside the bundle)")
    listing = actions.add_parser("list", help="every bundle under a folder or s3://bucket/prefix")
    listing.add_argument("where", nargs="?", default=DEFAULT_FOLDER)
    trust = actions.add_parser("trust", help="pin a signing key: --kms-key ARN or --public-key FILE.der")
    source = trust.add_mutually_exclusive_group(required=True)
    source.add_argument("--kms-key")
    source.add_argument("--public-key")
    trust.add_argument("--label", default="")
    for sub in (verify, report, listing, trust):
        sub.add_argument("--trust-store", help="pinned keys (default .evidence/trusted-keys.json)")


def _trusted(args: argparse.Namespace) -> tuple[Path, dict[str, str]]:
    from ops.evidence.keys import default_trust_path, read_trust

    path = Path(args.trust_store) if args.trust_store else default_trust_path()
    try:
        return path, read_trust(path)
    except ValueError as error:
        raise OperatorError(str(error)) from None


def run(args: argparse.Namespace, console: Console) -> int:
    from ops.evidence.verify import INTACT, UNSEALED, verify_path

    _, trusted = _trusted(args)
    action = args.evidence_action
    if action == "verify":
        verdict = verify_path(args.path, trusted)
        console.file.write(verdict.line + "\n")
        return {INTACT: EXIT_OK, UNSEALED: EXIT_UNSEALED}.get(verdict.status, EXIT_FAILED)
    if action == "report":
        from ops.evidence.report import render_report

        verdict = verify_path(args.path, trusted)
        if verdict.manifest is None and not verdict.records:
            raise OperatorError(verdict.line)
        out = Path(args.out) if args.out else Path(args.path.rstrip("/") + ".html")
        out.write_text(render_report(verdict), encoding="utf-8")
        console.file.write(f"{out}: {verdict.line}\n")
        return EXIT_OK if verdict.ok else EXIT_FAILED
    if action == "list":
        return _list(args, console, trusted)
    return _trust(args, console)


def _list(args: argparse.Namespace, console: Console, trusted: dict[str, str]) -> int:
    from rich.table import Table

    from ops.evidence.history import collect

    entries = collect(args.where, trusted)
    table = Table(title=f"evidence under {args.where}", title_justify="left")
    for column in ("date", "kind", "bundle", "RTO s", "data loss", "verdict", "verified"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        s = entry.summary
        lost = s.get("lost_writes")
        table.add_row(
            entry.date,
            entry.kind,
            entry.path,
            "-" if s.get("rto_seconds") is None else f"{s['rto_seconds']:.0f}",
            "-" if lost is None else f"{lost} writes",
            str(s.get("verdict", "-")),
            entry.verdict.status,
        )
    console.print(table)
    if not entries:
        console.print(f"no bundle under {args.where}")
    return EXIT_OK if all(e.verdict.status != "broken" for e in entries) else EXIT_FAILED


def _trust(args: argparse.Namespace, console: Console) -> int:
    from ops.evidence.keys import pin

    path, _ = _trusted(args)
    if args.kms_key:
        import boto3

        region = args.kms_key.split(":")[3] if args.kms_key.startswith("arn:") else None
        public = boto3.client("kms", region_name=region).get_public_key(KeyId=args.kms_key)["PublicKey"]
        label = args.label or f"kms {args.kms_key}"
    else:
        public = Path(args.public_key).read_bytes()
        label = args.label or f"public key {args.public_key}"
    print_ = pin(path, public, label)
    console.file.write(f"pinned sha256:{print_} ({label}) in {path}\n")
    return EXIT_OK
