"""The orchestrator's evidence on moto (S3 with Object Lock, KMS ECC_NIST_P256 keys): the
bundle of a completed execution verifies, the bundle of an execution killed mid-promotion is
an intact unsealed prefix and verifies once a later invocation finishes it, and nothing
about evidence can stop a failover."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from moto import mock_aws

from failover import evidence as ev
from failover import orchestrator as o
from failover.clients import Clients
from ops.evidence.verify import BROKEN, INTACT, UNSEALED, verify_path
from tests.failover.fakes import DR, Fault
from tests.failover.test_failover_orchestrator import (
    N,
    kill_dr_after_promotion_request,
    outage,
    promote_fully,
)
from tests.failover.world import World, _session

BUCKET = "trading-dr-evidence-123456789012-us-west-2"


class EvidenceWorld(World):
    """The World, with the DR region's evidence bucket and signing key on moto and the
    orchestrator configured for them (the from-configuration path of the runtime)."""

    def __init__(self, **kwargs):
        self.s3 = _session().client("s3", region_name=DR)
        self.kms = _session().client("kms", region_name=DR)
        self.s3.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": DR},
            ObjectLockEnabledForBucket=True,
        )
        self.s3.put_object_lock_configuration(
            Bucket=BUCKET,
            ObjectLockConfiguration={
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
            },
        )
        key = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        public = self.kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
        self.trusted = {hashlib.sha256(public).hexdigest(): "kms us-west-2"}
        super().__init__(**kwargs)
        self.configs[DR] = replace(
            self.configs[DR], evidence_bucket=BUCKET, evidence_key_arn=key["Arn"], build_commit="0123abc"
        )

    def clients(self, region: str) -> Clients:
        clients = super().clients(region)
        return replace(clients, s3=self.s3, kms=self.kms) if region == DR else clients

    def bundle(self) -> str:
        return f"s3://{BUCKET}/executions/{ev.bundle_name('trading-global:us-west-2:epoch-1')}"


@pytest.fixture
def world():
    with mock_aws():
        yield EvidenceWorld()


def kinds(verdict) -> list[str]:
    return [r["kind"] for r in verdict.records]


def test_a_completed_failover_leaves_a_sealed_bundle_that_verifies(world):
    outage(world)
    promote_fully(world)
    verdict = verify_path(world.bundle(), world.trusted, world.s3)
    assert verdict.status == INTACT, verdict.line
    seen = kinds(verdict)
    for kind in (
        ev.DETECTION,
        ev.VOTE,
        ev.DECISION,
        ev.FENCE,
        ev.PROMOTION_REQUESTED,
        ev.PROMOTION_COMPLETED,
    ):
        assert kind in seen, (kind, seen)
    assert seen.index(ev.DECISION) < seen.index(ev.FENCE) < seen.index(ev.PROMOTION_REQUESTED)
    assert seen.index(ev.PROMOTION_REQUESTED) < seen.index(ev.PROMOTION_COMPLETED)
    assert seen[-1] == ev.EXECUTION_CLOSED and seen.count(ev.PROMOTION_REQUESTED) == 1
    votes = [r["data"] for r in verdict.records if r["kind"] == ev.VOTE]
    assert len(votes) >= 4  # the witness, the probe, eligibility, the RPO gate
    manifest = verdict.manifest
    assert manifest["kind"] == "failover" and manifest["commit"] == "0123abc"
    assert manifest["summary"]["verdict"] == "succeeded" and manifest["signer"]["kind"] == "kms"
    assert manifest["timing"]["required_evaluations"] == N


def test_an_execution_killed_mid_promotion_leaves_a_verifiable_prefix_then_a_sealed_bundle(world):
    kill_dr_after_promotion_request(world)
    prefix = verify_path(world.bundle(), world.trusted, world.s3)
    assert prefix.status == UNSEALED, prefix.line
    assert ev.FENCE in kinds(prefix) and ev.PROMOTION_COMPLETED not in kinds(prefix)
    world.clock.t = world.table().lock_holder()["expires_at"] + 1
    promote_fully(world)
    sealed = verify_path(world.bundle(), world.trusted, world.s3)
    assert sealed.status == INTACT, sealed.line
    assert sealed.records[: len(prefix.records)] == prefix.records  # the same chain, continued
    assert "driven" in kinds(sealed)[len(prefix.records) :]


def test_an_overwritten_record_object_breaks_the_bundle(world):
    outage(world)
    promote_fully(world)
    prefix = f"{world.bundle()[len(f's3://{BUCKET}/') :]}/records/"
    key = world.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"][1]["Key"]
    body = world.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    # Object Lock keeps the old version; a new one on the same key is still possible.
    world.s3.put_object(Bucket=BUCKET, Key=key, Body=body, ChecksumAlgorithm="SHA256")
    verdict = verify_path(world.bundle(), world.trusted, world.s3)
    assert verdict.status == BROKEN and f"{key}: 2 versions" in verdict.line


def test_the_writer_never_replaces_an_object(world):
    store = ev.S3Store(world.s3, BUCKET, "executions/x")
    store.put_record(1, b"{}\n")
    with pytest.raises(Exception, match="PreconditionFailed"):
        store.put_record(1, b"{}\n")


def test_evidence_that_cannot_be_written_never_stops_a_failover(world):
    world.configs[DR] = replace(world.configs[DR], evidence_bucket="no-such-evidence-bucket")
    outage(world)
    records = promote_fully(world)
    assert records[-1]["outcome"] == o.PROMOTED and world.epoch(DR) == (DR, 1)


def test_a_second_writer_of_the_same_execution_does_not_cost_the_later_records(world):
    """A writer whose lock lapsed wrote seq N first: the holder's put of N is refused
    (If-None-Match), it reads the head again and goes on after it."""
    outage(world)
    promote_fully(world)
    store = ev.S3Store(world.s3, BUCKET, "executions/race")
    holder = ev.ExecutionEvidence(lambda name: store, None, world.clock)
    holder.open("race")
    holder.append("a", {})
    ev.BundleWriter(store, world.clock, ev.parse_head(store.read_records())).append("other", {})
    holder.append("b", {})
    assert holder.errors == []
    kinds = [json.loads(line)["kind"] for line in store.read_records().splitlines()]
    assert kinds == ["a", "other", "b"]


def test_the_execution_report_shows_its_timeline_and_the_operator(world, tmp_path):
    from ops.evidence.report import render_report

    outage(world)
    world.manual(DR, action="failover", allow_data_loss=True, reason="the primary region is gone")
    promote_fully(world)
    page = render_report(verify_path(world.bundle(), world.trusted, world.s3))
    assert 'class="banner ok"' in page and "<svg" in page
    for label in ("fence T+", "promotion asked T+", "writer moved T+", "first client write T+"):
        assert label in page, label
    assert "the primary region is gone" in page


def test_a_failing_step_and_its_page_are_in_the_record(world):
    outage(world)
    world.rds[DR].faults["failover_global_cluster"] = [Fault("connection")] * 4
    promote_fully(world)
    verdict = verify_path(world.bundle(), world.trusted, world.s3)
    assert verdict.status == INTACT, verdict.line
    pages = [r["data"] for r in verdict.records if r["kind"] == ev.PAGE]
    assert any(p["kind"] == "step_failed:promote_db" for p in pages), pages
    failed = [r["data"] for r in verdict.records if r["kind"] == ev.STEP and r["data"]["status"] == "failed"]
    assert failed and failed[0]["step"] == "promote_db"
    assert [r["kind"] for r in verdict.records].count(ev.PROMOTION_REQUESTED) == 1


def test_a_slow_evidence_store_costs_one_timeout_per_invocation_not_one_per_step():
    from botocore.exceptions import ReadTimeoutError

    class SlowStore:
        calls = 0

        def read_head(self) -> tuple[int, str]:
            return 0, ev.GENESIS

        def put_record(self, seq: int, line: bytes) -> None:
            SlowStore.calls += 1
            raise ReadTimeoutError(endpoint_url="https://s3.us-west-2.amazonaws.com")

    recorder = ev.ExecutionEvidence(lambda name: SlowStore(), None, lambda: 0.0)
    recorder.open("x", "failover")
    for kind in ("fence", "promotion_requested", "promotion_completed"):
        recorder.append(kind, {})
    assert SlowStore.calls == 1 and len(recorder.errors) == 1


def test_list_finds_the_executions_in_the_bucket(world):
    from ops.evidence.history import collect

    outage(world)
    promote_fully(world)
    [entry] = collect(f"s3://{BUCKET}/executions/", world.trusted, world.s3)
    assert entry.path == world.bundle() and entry.verdict.status == INTACT
    assert entry.kind == "failover" and entry.summary["verdict"] == "succeeded"
    assert entry.summary["rto_seconds"] is not None


def test_arming_is_recorded_with_who_and_why(world):
    """The automatic failover disarms in its own record; an operator's re-arm is a sealed
    bundle of its own."""
    outage(world)
    promote_fully(world)
    sealed = verify_path(world.bundle(), world.trusted, world.s3)
    [disarm] = [r["data"] for r in sealed.records if r["kind"] == ev.ARMING]
    assert (
        disarm["armed"] is False
        and disarm["by"] == "orchestrator"
        and "automatic failover" in disarm["reason"]
    )
    world.manual(DR, action="arm", operator="alice", reason="the primary region is back and checked")
    listed = world.s3.list_objects_v2(Bucket=BUCKET, Prefix="executions/arming_")["Contents"]
    [bundle] = sorted({item["Key"].split("/")[1] for item in listed})
    verdict = verify_path(f"s3://{BUCKET}/executions/{bundle}", world.trusted, world.s3)
    assert verdict.status == INTACT, verdict.line
    [record] = verdict.records
    assert record["kind"] == ev.ARMING and record["data"]["armed"] is True
    assert (
        record["data"]["by"] == "alice"
        and record["data"]["reason"] == "the primary region is back and checked"
    )
    assert verdict.manifest["kind"] == "arming"


def test_the_decision_is_one_write_and_a_gap_between_objects_breaks_the_bundle(world):
    outage(world)
    promote_fully(world)
    prefix = f"{world.bundle()[len(f's3://{BUCKET}/') :]}/records/"
    keys = [o["Key"] for o in world.s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]]
    first = world.s3.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read().splitlines()
    assert [json.loads(line)["kind"] for line in first][-3:] == [ev.DECISION, ev.EXECUTION_OPENED, "driven"]
    # A copy of a records object under a later seq (its content intact) breaks the chain.
    body = world.s3.get_object(Bucket=BUCKET, Key=keys[1])["Body"].read()
    world.s3.put_object(Bucket=BUCKET, Key=keys[1].replace("records/0", "records/9"), Body=body)
    verdict = verify_path(world.bundle(), world.trusted, world.s3)
    assert verdict.status == BROKEN and "expected from" in verdict.line


def test_the_seals_read_back_keeps_the_new_writers_lease_renewed(world, monkeypatch):
    """The seal reads every record object back (one GetObject each) after the promotion, when
    this region holds the write lease: with each read taking a whole renew period, the lease
    is still renewed between the reads (the renewer's turn before every AWS call,
    failover/renewal.py), never a gap of the whole read-back."""
    from tests.failover.test_failover_never_two_writers import renewals_of_the_promoting_evaluation

    c = world.configs[DR]
    get_object = world.s3.get_object

    def slow_get(**kwargs):
        world.clock.sleep(c.write_lease_renew_seconds)
        return get_object(**kwargs)

    world.s3.get_object = slow_get
    started, ended, renewed = renewals_of_the_promoting_evaluation(world, monkeypatch)
    renewals = [renewed_at for renewed_at, _ in renewed]
    assert ended - started > c.write_lease_seconds  # the read-back outlasts a lease
    times = [started, *renewals, ended]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) <= 2 * c.write_lease_renew_seconds + 1e-6, gaps
    assert verify_path(world.bundle(), world.trusted, world.s3).status == INTACT
