"""Evidence bundles of drills: verify accepts an untouched bundle and rejects any change
(1,000 random single-byte changes over every file and the signature), trusts only pinned
keys, reports an unsealed prefix as such; the report is one self-contained page; list and
the freshness warning read the history."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from failover import evidence as ev
from ops.cli import main
from ops.drill import as_document, run_facts
from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_UNSEALED
from ops.evidence import history
from ops.evidence.drill_bundle import write_drill_bundle
from ops.evidence.keys import LocalSigner, fingerprint, read_trust
from ops.evidence.report import REGULATIONS, render_report
from ops.evidence.verify import BROKEN, INTACT, UNSEALED, read_folder, verify_files, verify_path
from tests.ops.drill_support import facts, timing


@pytest.fixture(scope="module")
def drill_results():
    from ops.drill import ScenarioResult

    seed = run_facts("region-gone", facts(), timing(), 0, "hot-standby")
    return [ScenarioResult("region-gone", "hot-standby", [seed])]


@pytest.fixture
def keys(tmp_path, monkeypatch):
    trust = tmp_path / "trusted-keys.json"
    monkeypatch.setenv("TRADING_DR_EVIDENCE_TRUST", str(trust))
    monkeypatch.setenv("TRADING_DR_EVIDENCE_KEY", str(tmp_path / "key.pem"))
    signer = LocalSigner.load_or_create(tmp_path / "key.pem", trust)
    return signer, trust


def settings(secret_value: str = "hunter2"):  # noqa: S107 -- a placeholder that must not leak
    return SimpleNamespace(
        values={"trading-dr:tier": "hot-standby", "trading-dr:dbPassword": secret_value},
        secret_keys=frozenset({"trading-dr:dbPassword"}),
    )


@pytest.fixture
def bundle(tmp_path, drill_results, keys) -> Path:
    signer, _ = keys
    return write_drill_bundle(
        tmp_path / "evidence",
        drill_results,
        as_document(drill_results, 120.0),
        {"primary": settings(), "dr": settings()},
        timing(),
        signer,
        {"scenario": "region-gone", "seeds": 1},
        {"rto_seconds": 300, "rpo_seconds": 60},
    )


def test_an_untouched_drill_bundle_verifies_and_names_its_contents(bundle, keys):
    verdict = verify_path(str(bundle), read_trust(keys[1]))
    assert verdict.status == INTACT, verdict.line
    seen = [r["kind"] for r in verdict.records]
    for kind in ("drill_started", ev.OUTAGE, ev.DETECTION, ev.FENCE, ev.PROMOTION_REQUESTED, ev.FIRST_WRITE):
        assert kind in seen
    assert seen[-1] == "drill_finished"
    manifest = verdict.manifest
    assert manifest["kind"] == "drill" and manifest["signer"]["kind"] == "local"
    assert set(manifest["files"]) == {ev.RECORDS, ev.CONFIG, ev.PUBLIC_KEY}
    assert manifest["timing"]["promotion_seconds"] == 120.0 and "python" in manifest["tools"]


def test_secrets_are_excluded_from_the_configuration(bundle):
    config = (bundle / ev.CONFIG).read_text()
    assert "hunter2" not in config and "<secret: excluded>" in config
    assert json.loads(config)["dr"]["trading-dr:tier"] == "hot-standby"


def test_one_random_byte_changed_anywhere_1000_times_is_always_rejected(bundle, keys):
    """Every file of the bundle, the signature among them, in turn; in-process."""
    trusted = read_trust(keys[1])
    files = read_folder(bundle)
    assert verify_files(files, "b", trusted).status == INTACT
    names = sorted(files)
    assert ev.SIGNATURE in names and len(names) == 5
    rng = random.Random(21)  # noqa: S311 -- a repeatable test, not a secret
    for trial in range(1000):
        name = names[trial % len(names)]
        body = bytearray(files[name])
        at = rng.randrange(len(body))
        body[at] = (body[at] + rng.randrange(1, 256)) % 256
        verdict = verify_files({**files, name: bytes(body)}, "b", trusted)
        assert verdict.status == BROKEN, (name, at, verdict.line)
        assert name in verdict.line, (name, verdict.line)
    assert verify_files(files, "b", trusted).status == INTACT


def test_the_first_broken_record_is_named(bundle, keys):
    lines = (bundle / ev.RECORDS).read_bytes().splitlines(keepends=True)
    record = json.loads(lines[4])
    record["data"]["t"] = 0.0  # a later, "better" time
    lines[4] = ev.canonical(record) + b"\n"
    (bundle / ev.RECORDS).write_bytes(b"".join(lines))
    verdict = verify_path(str(bundle), read_trust(keys[1]))
    assert verdict.status == BROKEN and "record 5: hash does not match" in verdict.line


def test_a_removed_record_rehashed_chain_is_caught_by_the_seal(bundle, keys):
    """An attacker who rebuilds a consistent chain without one record still fails: the
    signed manifest pins the head and the file's hash."""
    records = [json.loads(line) for line in (bundle / ev.RECORDS).read_bytes().splitlines()]
    del records[3]
    prev, rebuilt = ev.GENESIS, b""
    for seq, r in enumerate(records, start=1):
        new = ev.make_record(seq, r["kind"], r["at"], r["data"], prev)
        rebuilt += ev.record_line(new)
        prev = new["hash"]
    (bundle / ev.RECORDS).write_bytes(rebuilt)
    verdict = verify_path(str(bundle), read_trust(keys[1]))
    assert verdict.status == BROKEN and ev.RECORDS in verdict.line


def test_a_resigned_bundle_with_another_key_is_rejected(bundle, keys, tmp_path):
    """Swapping the key and the signature together: the signature checks out against the
    shipped key, but that key is not pinned."""
    other = LocalSigner.load_or_create(tmp_path / "attacker.pem", tmp_path / "attacker-trust.json")
    manifest = json.loads((bundle / ev.MANIFEST).read_text())
    manifest["summary"]["verdict"] = "pass"
    manifest["signer"]["public_key_sha256"] = fingerprint(other.public_key_der())
    manifest["files"][ev.PUBLIC_KEY] = {
        "sha256": ev.sha256_hex(other.public_key_der()),
        "bytes": len(other.public_key_der()),
    }
    body = json.dumps(manifest, indent=1, sort_keys=True).encode() + b"\n"
    import hashlib

    (bundle / ev.MANIFEST).write_bytes(body)
    (bundle / ev.PUBLIC_KEY).write_bytes(other.public_key_der())
    (bundle / ev.SIGNATURE).write_bytes(other.sign(hashlib.sha256(body).digest()))
    verdict = verify_path(str(bundle), read_trust(keys[1]))
    assert verdict.status == BROKEN and "not pinned" in verdict.line
    assert verify_path(str(bundle), read_trust(tmp_path / "attacker-trust.json")).status == INTACT


def test_an_unsealed_prefix_is_reported_as_such_and_a_partial_seal_is_broken(bundle, keys):
    trusted = read_trust(keys[1])
    (bundle / ev.SIGNATURE).unlink()
    assert verify_path(str(bundle), trusted).status == BROKEN  # partly sealed
    for name in (ev.MANIFEST, ev.CONFIG, ev.PUBLIC_KEY):
        (bundle / name).unlink()
    verdict = verify_path(str(bundle), trusted)
    assert verdict.status == UNSEALED and verdict.line.startswith("intact prefix, not sealed")
    (bundle / "notes.txt").write_text("x")
    assert verify_path(str(bundle), trusted).status == BROKEN


def test_the_cli_prints_one_line_and_the_exit_code_says_which(bundle, capsys):
    assert main(["evidence", "verify", str(bundle)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("intact:")
    data = bytearray((bundle / ev.CONFIG).read_bytes())
    data[3] ^= 1
    (bundle / ev.CONFIG).write_bytes(bytes(data))
    assert main(["evidence", "verify", str(bundle)]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "config.json" in out
    unsealed = bundle.parent / "prefix"
    unsealed.mkdir()
    shutil.copy(bundle / ev.RECORDS, unsealed / ev.RECORDS)
    assert main(["evidence", "verify", str(unsealed)]) == EXIT_UNSEALED


def test_the_report_is_one_self_contained_page(bundle, keys, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["evidence", "report", str(bundle), "--out", str(out)]) == EXIT_OK
    page = out.read_text()
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "<img" not in lowered
    assert " src=" not in lowered and "url(" not in lowered and "@import" not in lowered
    assert "<svg" in page and "first client write" in page and "RTO target 300 s" in page
    for _, url, _, _ in REGULATIONS:
        assert f'href="{url}"' in page
    assert "242.1001(a)(2)(v)" in page and "242.1004" in page and "4370" in page and "2017/584" in page


def test_a_broken_bundle_reports_as_broken(bundle, keys):
    (bundle / ev.SIGNATURE).write_bytes(b"\x30\x00")
    page = render_report(verify_path(str(bundle), read_trust(keys[1])))
    assert 'class="banner bad"' in page and "broken" in page


def test_list_shows_every_bundle_and_status_warns_on_stale_evidence(bundle, keys, capsys):
    trusted = read_trust(keys[1])
    entries = history.collect(str(bundle.parent), trusted)
    assert [e.path for e in entries] == [str(bundle)] and entries[0].passed == (
        entries[0].summary["verdict"] == "pass"
    )
    assert main(["evidence", "list", str(bundle.parent)]) == EXIT_OK
    assert "drill" in capsys.readouterr().out
    if not entries[0].passed:
        pytest.skip("the drill seed did not pass: freshness needs a passing one")
    now = datetime.now(UTC)
    assert history.freshness_warning(entries, 90, now) is None
    assert "over evidenceMaxAgeDays 90" in history.freshness_warning(entries, 90, now + timedelta(days=91))
    assert "no passing" in history.freshness_warning([], 90, now)
    broken = bytearray((bundle / ev.RECORDS).read_bytes())
    broken[10] ^= 1
    (bundle / ev.RECORDS).write_bytes(bytes(broken))
    assert "no passing" in history.freshness_warning(history.collect(str(bundle.parent), trusted), 90, now)


def test_status_reads_local_drills_and_each_regions_bucket(bundle, keys, monkeypatch, tmp_path):
    from moto import mock_aws

    trusted = read_trust(keys[1])
    passed = verify_path(str(bundle), trusted).manifest["summary"]["verdict"] == "pass"
    monkeypatch.setattr("ops.evidence.keys.EVIDENCE_HOME", tmp_path / "nothing-here")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        import boto3

        session = boto3.session.Session()
        assert "no passing" in history.status_warning(
            ("us-west-2",), 90, trusted, session
        )  # no bucket: skipped
        monkeypatch.setattr("ops.evidence.keys.EVIDENCE_HOME", bundle.parent)
        warning = history.status_warning(("us-west-2",), 90, trusted, session)
    assert (warning is None) == passed
