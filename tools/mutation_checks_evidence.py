#!/usr/bin/env python3
"""Mutation checks of the evidence's safety properties: each entry changes ONE snippet, runs
the targeted tests and expects them to go red, then restores the file. Prints RED (the suite
catches the change) or GREEN (a hole). Run from the repo root:
`venv/bin/python tools/mutation_checks_evidence.py [name-substring ...]`. Not a test: it
rewrites source files while it runs, so never run it beside other work in the tree."""

# ruff: noqa: E501
import sys

from mutations import run_mutations

EVIDENCE = "tests/ops/test_evidence.py"
RUNTIME = "tests/failover/test_evidence_runtime.py"
STORE = "tests/components/observability/test_evidence_store.py"

MUTATIONS = [
    (
        "verify ignores a record's hash",
        "ops/evidence/verify.py",
        'if record["hash"] != expected:',
        "if False:",
        f"{EVIDENCE} -k first_broken_record",
    ),
    (
        "verify ignores the signature",
        "ops/evidence/verify.py",
        "key.verify(files[SIGNATURE], hashlib.sha256(files[MANIFEST]).digest(), ec.ECDSA(hashes.SHA256()))",
        "(lambda *a: None)(files[SIGNATURE])",
        f"{EVIDENCE} -k 1000_times",
    ),
    (
        "verify trusts the shipped key",
        "ops/evidence/verify.py",
        "if print_ not in trusted:",
        "if False:",
        f"{EVIDENCE} -k resigned",
    ),
    (
        # The file loop and the configuration's own hash both guard config.json (records and
        # the key have further guards: the chain and head, the signer's fingerprint).
        "verify ignores config.json",
        "ops/evidence/verify.py",
        'if entry.get("sha256") != sha256_hex(files[name]) or entry.get("bytes") != len(files[name]):\n                raise Broken(f"{name}: differs from the manifest\'s SHA-256")\n        if (manifest.get("configuration") or {}).get("sha256") != sha256_hex(files[CONFIG]):',
        'if name != CONFIG and entry.get("sha256") != sha256_hex(files[name]):\n                raise Broken(f"{name}: differs from the manifest\'s SHA-256")\n        if False:',
        f"{EVIDENCE} -k 'cli_prints_one_line'",
    ),
    (
        "an unsealed prefix passes as intact",
        "ops/evidence/command.py",
        "return {INTACT: EXIT_OK, UNSEALED: EXIT_UNSEALED}.get(verdict.status, EXIT_FAILED)",
        "return {INTACT: EXIT_OK, UNSEALED: EXIT_OK}.get(verdict.status, EXIT_FAILED)",
        f"{EVIDENCE} -k cli_prints_one_line",
    ),
    (
        "S3: an overwritten record version passes",
        "ops/evidence/verify.py",
        "if len(found) != 1:",
        "if len(found) < 1:",
        f"{RUNTIME} -k overwritten",
    ),
    (
        "S3 writer may replace an object",
        "failover/evidence.py",
        '            IfNoneMatch="*",\n',
        "",
        f"{RUNTIME} -k never_replaces",
    ),
    (
        "evidence errors stop a failover",
        "failover/evidence.py",
        "        except Exception as error:  # noqa: BLE001\n            if not _lost_race(error):",
        "        except ZeroDivisionError as error:  # noqa: BLE001\n            if not _lost_race(error):",
        f"{RUNTIME} -k never_stops",
    ),
    (
        "a resumed execution restarts the chain",
        "failover/evidence.py",
        "self.writer = BundleWriter(self.store, self.clock, self.store.read_head())",
        "self.writer = BundleWriter(self.store, self.clock)",
        f"{RUNTIME} -k killed",
    ),
    (
        "a lost race costs every later record",
        "failover/evidence.py",
        "            self.writer = None\n            self._writer().append_many(items)",
        "            self._writer().append_many(items)",
        f"{RUNTIME} -k second_writer",
    ),
    (
        "a slow store is retried at every step",
        "failover/evidence.py",
        "self.writer, self.stopped_until = None, self.clock() + self.STOP_SECONDS",
        "self.writer = None",
        f"{RUNTIME} -k slow_evidence_store",
    ),
    (
        "the disarm is not recorded",
        "failover/executor.py",
        '            c.evidence.append(ev.ARMING, {"armed": False, "by": "orchestrator", "reason": why})\n',
        "",
        f"{RUNTIME} -k arming",
    ),
    (
        "an operator's re-arm is not recorded",
        "failover/orchestrator.py",
        '        self._arming_evidence(record["arming"], state.epoch if state else None)\n',
        "",
        f"{RUNTIME} -k arming",
    ),
    (
        "a page is not recorded",
        "failover/orchestrator.py",
        '        if self.pager.page(kind, subject, record):\n            self.evidence.append(ev.PAGE, {"kind": kind, "subject": subject})',
        "        self.pager.page(kind, subject, record)",
        f"{RUNTIME} -k failing_step",
    ),
    (
        "a succeeded execution is not sealed",
        "failover/executor.py",
        '                c.clear_page("promotion_slow")\n                close_evidence(c.evidence, execution)',
        '                c.clear_page("promotion_slow")',
        f"{RUNTIME} -k completed",
    ),
    (
        "secrets leak into config.json",
        "ops/evidence/drill_bundle.py",
        '("<secret: excluded>" if key in settings.secret_keys else value)',
        "value",
        f"{EVIDENCE} -k secrets",
    ),
    (
        "bucket without Object Lock",
        "components/observability/evidence_store.py",
        "            object_lock=True,\n",
        "",
        f"{STORE} -k compliance_locked",
    ),
    (
        "governance instead of compliance",
        "components/observability/evidence_store.py",
        'mode="COMPLIANCE", days=args.retention_days',
        'mode="GOVERNANCE", days=args.retention_days',
        f"{STORE} -k compliance_locked",
    ),
    (
        "deletes allowed (delete markers hide records)",
        "components/observability/evidence_store.py",
        '"Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],',
        '"Action": ["s3:DeleteObjectVersion"],',
        f"{STORE} -k compliance_locked",
    ),
    (
        "the grant allows more than signing",
        "components/observability/evidence_store.py",
        'SIGNING_OPERATIONS = ("Sign", "GetPublicKey")',
        'SIGNING_OPERATIONS = ("Sign", "GetPublicKey", "Verify")',
        f"{STORE} -k only_sign",
    ),
    (
        "the writer may write anywhere in the bucket",
        "components/observability/evidence_store.py",
        '"Resource": f"{bucket_arn}/{EXECUTIONS_PREFIX}/*",',
        '"Resource": f"{bucket_arn}/*",',
        f"{STORE} -k evidence_prefix",
    ),
    (
        "replication cannot read retention",
        "components/data/bucket_replication.py",
        '                "s3:GetObjectRetention",\n',
        "",
        f"{STORE} -k replicates",
    ),
    (
        "a disposable stack locks records for years",
        "components/settings.py",
        "elif not protect_data and days > EVIDENCE_RETENTION_DISPOSABLE_MAX_DAYS:",
        "elif False:",
        f"{STORE} -k retention",
    ),
]

if __name__ == "__main__":
    sys.exit(1 if run_mutations(MUTATIONS, sys.argv[1:]) else 0)
