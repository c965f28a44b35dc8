"""`deploy.py evidence list` (every bundle found, verified) and the freshness check `status`
shows: the last PASSING drill or switchover older than evidenceMaxAgeDays is a warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from failover.evidence import MANIFEST, RECORDS, RECORDS_FOLDER
from ops.evidence.verify import INTACT, Verdict, verify_path

PASSING_KINDS = ("drill", "switchover")


@dataclass(frozen=True)
class Entry:
    path: str
    verdict: Verdict

    @property
    def summary(self) -> dict:
        return (self.verdict.manifest or {}).get("summary") or {}

    @property
    def kind(self) -> str:
        return (self.verdict.manifest or {}).get("kind", "unsealed")

    @property
    def date(self) -> str:
        return str(self.summary.get("started_at") or (self.verdict.manifest or {}).get("sealed_at") or "-")

    @property
    def passed(self) -> bool:
        return self.verdict.status == INTACT and self.summary.get("verdict") in ("pass", "succeeded")


def local_bundles(root: Path) -> list[str]:
    if (root / RECORDS).exists():
        return [str(root)]
    return sorted(str(p.parent) for p in root.rglob(RECORDS))


def s3_bundles(s3, url: str) -> list[str]:
    bucket, _, prefix = url[5:].partition("/")
    found = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if f"/{RECORDS_FOLDER}/" in key:
                found.add(key.split(f"/{RECORDS_FOLDER}/")[0])
            elif key.endswith(f"/{MANIFEST}"):
                found.add(key[: -len(MANIFEST) - 1])
    return [f"s3://{bucket}/{p}" for p in sorted(found)]


def collect(where: str, trusted: dict[str, str], s3_client=None) -> list[Entry]:
    if where.startswith("s3://"):
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        paths = s3_bundles(s3_client, where)
    else:
        root = Path(where)
        paths = local_bundles(root) if root.is_dir() else []
    entries = [Entry(p, verify_path(p, trusted, s3_client)) for p in paths]
    return sorted(entries, key=lambda e: e.date)


def _parse(date: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def freshness_warning(entries: list[Entry], max_age_days: int, now: datetime | None = None) -> str | None:
    """A one-line warning when no intact, passing drill or switchover is younger than
    `max_age_days`; None when one is."""
    now = now or datetime.now(UTC)
    dates = [d for e in entries if e.passed and e.kind in PASSING_KINDS and (d := _parse(e.date))]
    if not dates:
        return f"no passing drill or switchover evidence found (evidenceMaxAgeDays {max_age_days})"
    age = (now - max(dates)).total_seconds() / 86400
    if age > max_age_days:
        return (
            f"the last passing drill or switchover is {age:.0f} days old, over evidenceMaxAgeDays "
            f"{max_age_days}: run `make drill` or a planned switchover"
        )
    return None


def status_warning(
    regions: tuple[str, ...], max_age_days: int, trusted: dict[str, str], session=None
) -> str | None:
    """`status`'s evidence check: the local bundles (.evidence, drills) and each region's
    evidence bucket (executions; named trading-dr-evidence-<account>-<region>)."""
    from ops.evidence.keys import EVIDENCE_HOME

    entries = collect(str(EVIDENCE_HOME), trusted) + _bucket_entries(regions, trusted, session)
    return freshness_warning(entries, max_age_days)


def _bucket_entries(regions: tuple[str, ...], trusted: dict[str, str], session) -> list[Entry]:
    """The executions in each region's evidence bucket; a bucket (or an account) that cannot
    be read adds nothing: status shows what it can."""
    import boto3

    from components.observability.evidence_store import evidence_bucket_name

    found: list[Entry] = []
    try:
        session = session or boto3.session.Session()
        account = session.client("sts").get_caller_identity()["Account"]
    except Exception:  # noqa: BLE001 -- no credentials or no network
        return found
    for region in regions:
        s3 = session.client("s3", region_name=region)
        try:
            found += collect(f"s3://{evidence_bucket_name(account, region)}/executions/", trusted, s3)
        except Exception:  # noqa: BLE001, S112 -- that region's bucket is unreadable now
            continue
    return found
