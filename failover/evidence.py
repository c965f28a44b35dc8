"""Evidence: an append-only, hash-chained record of an execution, sealed by a signed manifest
(docs/EVIDENCE.md describes the format and what a verifier must trust).

Standard library and boto3 only: this module runs in the orchestrator's Lambda. It writes;
ops/evidence/ verifies, signs offline and reports.

A bundle is a folder (or an S3 prefix) of these files:
- records.jsonl: one record per line, each the canonical JSON encoding (sorted keys, no
  spaces, UTF-8) of {seq, kind, at, data, prev, hash}, where hash = SHA-256 of the canonical
  encoding of the same object without "hash", and prev is the previous record's hash (64
  zeros for the first). A record cannot be changed, removed, reordered or inserted without
  breaking every later link.
- config.json: the effective configuration, secrets excluded (canonical JSON).
- public-key.der: the signer's public key (DER SubjectPublicKeyInfo, as kms:GetPublicKey
  returns it).
- manifest.json: names the commit, the configuration's hash, the tool versions and the
  timing profile, hashes every other file and the chain's head, and says who signed.
- manifest.sig: the ECDSA P-256 signature (DER, ANSI X9.62) of the manifest's SHA-256.

In S3 (the evidence bucket, S3 Object Lock in compliance mode) objects are immutable, so
each write is its own object, records/<seq of its first record>.jsonl holding its lines
(one record, or the few a decision produces at once): their concatenation in seq order is
records.jsonl, byte for byte. Every record is on S3 before
the next step runs, so a crash leaves a verifiable prefix; the seal (the other files) is
written once, last. Writes are conditional (If-None-Match: *), so nothing written is ever
replaced, not even by a second writer with the same seq
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).

Signing with KMS: kms:Sign with ECDSA_SHA_256 and MessageType RAW over the 32-byte SHA-256
digest of manifest.json ("When the value of MessageType is RAW, KMS uses the standard
signing algorithm, which begins with a hash function"; RAW messages are at most 4096 bytes;
"ECDSA signatures are DER-encoded" per ANSI X9.62:
https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html). Hashing the manifest
first bounds the message whatever the manifest's size, and the offline signer
(ops/evidence/keys.py) signs the same 32 bytes with the same algorithm, so one verifier
serves both. (MessageType DIGEST would skip KMS's own hash; moto hashes it anyway, so RAW
is the form both AWS and the tests agree on.)

Nothing here may stop a failover: the orchestrator's recorder swallows and logs every
error (ExecutionEvidence), and a missed record shows as a gap the report names.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from failover.config import EVIDENCE_PREFIX

FORMAT = "trading-dr-evidence/1"
GENESIS = "0" * 64
RECORDS = "records.jsonl"
CONFIG = "config.json"
PUBLIC_KEY = "public-key.der"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SIGNING_ALGORITHM = "ECDSA_SHA_256"
RECORD_KEYS = ("at", "data", "hash", "kind", "prev", "seq")
EXECUTIONS_PREFIX = EVIDENCE_PREFIX
"""In the evidence bucket: executions/<execution id>/..., one prefix per execution."""
RECORDS_FOLDER = "records"
"""In S3: records/<seq of its first record, 10 digits>.jsonl, one object per write."""

# The kinds a failover's record holds (docs/EVIDENCE.md, "What is recorded").
DETECTION, VOTE, DECISION = "detection", "vote", "decision"
EXECUTION_OPENED, STEP, EXECUTION_CLOSED = "execution_opened", "step", "execution_closed"
FENCE, PROMOTION_REQUESTED, PROMOTION_COMPLETED = "fence", "promotion_requested", "promotion_completed"
FIRST_WRITE, PAGE, ARMING, OUTAGE = "first_write", "page", "arming", "outage"


def canonical(value: object) -> bytes:
    """The one encoding that is hashed: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_hash(seq: int, kind: str, at: float, data: object, prev: str) -> str:
    return sha256_hex(canonical({"seq": seq, "kind": kind, "at": at, "data": data, "prev": prev}))


def make_record(seq: int, kind: str, at: float, data: object, prev: str) -> dict:
    # Through JSON once, so the hash covers exactly what a reader will parse (tuples become
    # lists, non-JSON values their str()).
    data = json.loads(json.dumps(data, default=str))
    at = round(float(at), 3)
    return {
        "seq": seq,
        "kind": kind,
        "at": at,
        "data": data,
        "prev": prev,
        "hash": record_hash(seq, kind, at, data, prev),
    }


def record_line(record: dict) -> bytes:
    return canonical(record) + b"\n"


def bundle_name(bundle_id: str) -> str:
    """A folder or key prefix for a bundle id (execution ids hold colons)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", bundle_id).strip("_")[:200] or "bundle"


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


class Store(Protocol):
    """Where a bundle's files go: a local folder or an S3 prefix."""

    def put_record(self, seq: int, line: bytes) -> None:
        """Store one or more consecutive record lines starting at `seq`, as one write."""
        ...

    def put_file(self, name: str, body: bytes) -> None: ...
    def read_records(self) -> bytes: ...
    def read_head(self) -> tuple[int, str]:
        """(records stored, the last one's hash): where a writer continues."""
        ...


class Signer(Protocol):
    kind: str
    key_id: str

    def public_key_der(self) -> bytes: ...
    def sign(self, message: bytes) -> bytes:
        """ECDSA P-256 with SHA-256 over `message` (the manifest's 32-byte digest); DER."""
        ...


class FolderStore:
    """A bundle in a local folder: records appended to records.jsonl, flushed per record."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def put_record(self, seq: int, line: bytes) -> None:
        del seq
        with (self.folder / RECORDS).open("ab") as out:
            out.write(line)

    def put_file(self, name: str, body: bytes) -> None:
        path = self.folder / name
        if path.exists():
            raise FileExistsError(f"{path} exists: a bundle's files are written once")
        path.write_bytes(body)

    def read_records(self) -> bytes:
        path = self.folder / RECORDS
        return path.read_bytes() if path.exists() else b""

    def read_head(self) -> tuple[int, str]:
        return parse_head(self.read_records())


class S3Store:
    """A bundle under `prefix` in the evidence bucket: one object per record, the seal last.

    PutObject into a bucket with a default Object Lock retention needs an integrity
    checksum ("The Content-MD5 or x-amz-sdk-checksum-algorithm header is required for any
    request to upload an object with a retention period configured using Amazon S3 Object
    Lock": https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html), hence
    ChecksumAlgorithm. The retention itself comes from the bucket's default (compliance
    mode), so the writer needs no s3:PutObjectRetention."""

    def __init__(self, s3, bucket: str, prefix: str):
        self.s3, self.bucket, self.prefix = s3, bucket, prefix.rstrip("/")
        self.between: Callable[[], object] = lambda: None
        """Called before each read of read_records (one GetObject per record object): the
        orchestrator renews its write lease there, so a long read-back never starves it."""

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        self.s3.put_object(
            Bucket=self.bucket,
            Key=f"{self.prefix}/{key}",
            Body=body,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
            IfNoneMatch="*",
        )

    def put_record(self, seq: int, line: bytes) -> None:
        self._put(f"{RECORDS_FOLDER}/{seq:010d}.jsonl", line, "application/x-ndjson")

    def put_file(self, name: str, body: bytes) -> None:
        self._put(name, body, "application/octet-stream")

    def record_keys(self) -> list[str]:
        keys: list[str] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/{RECORDS_FOLDER}/"):
            keys += [item["Key"] for item in page.get("Contents", [])]
        return sorted(keys)

    def read_records(self) -> bytes:
        parts = []
        for key in self.record_keys():
            self.between()
            parts.append(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        return b"".join(parts)

    def read_head(self) -> tuple[int, str]:
        """One list and one get: the last record object (keys sort by their 10-digit seq)."""
        keys = self.record_keys()
        if not keys:
            return 0, GENESIS
        return parse_head(self.s3.get_object(Bucket=self.bucket, Key=keys[-1])["Body"].read())


class KmsSigner:
    """The region's asymmetric signing key (ECC_NIST_P256, SIGN_VERIFY) through kms:Sign and
    kms:GetPublicKey (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html:
    "The public key is a DER-encoded X.509 SubjectPublicKeyInfo")."""

    kind = "kms"

    def __init__(self, kms, key_id: str):
        self.kms, self.key_id = kms, key_id
        self._public: bytes | None = None

    def public_key_der(self) -> bytes:
        if self._public is None:
            self._public = self.kms.get_public_key(KeyId=self.key_id)["PublicKey"]
        return self._public

    def sign(self, message: bytes) -> bytes:
        return self.kms.sign(
            KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=SIGNING_ALGORITHM
        )["Signature"]


def tool_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for package in ("boto3", "botocore"):
        try:
            module = __import__(package)
            versions[package] = getattr(module, "__version__", "unknown")
        except ImportError:
            versions[package] = "not installed"
    return versions


def code_sha256() -> str:
    """The running failover package's own sources, hashed (what the Lambda runs)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class BundleWriter:
    """Appends records to one bundle and seals it. `head` resumes a chain: (records written,
    last hash), as parse_head reads them back from the store."""

    def __init__(self, store: Store, clock: Callable[[], float], head: tuple[int, str] = (0, GENESIS)):
        self.store, self.clock = store, clock
        self.count, self.last_hash = head
        self.sealed = False

    def append(self, kind: str, data: object, at: float | None = None) -> dict:
        return self.append_many([(kind, data)], at)[0]

    def append_many(self, items: list[tuple[str, object]], at: float | None = None) -> list[dict]:
        """Consecutive records in one write (one S3 object): the chain is the same."""
        if self.sealed:
            raise ValueError("the bundle is sealed: nothing may be appended")
        when = self.clock() if at is None else at
        records, prev = [], self.last_hash
        for offset, (kind, data) in enumerate(items, start=1):
            records.append(make_record(self.count + offset, kind, when, data, prev))
            prev = records[-1]["hash"]
        self.store.put_record(records[0]["seq"], b"".join(record_line(r) for r in records))
        self.count, self.last_hash = records[-1]["seq"], records[-1]["hash"]
        return records

    def seal(
        self,
        signer: Signer,
        *,
        bundle_id: str,
        kind: str,
        config: dict,
        commit: str,
        timing: dict,
        summary: dict,
        tools: dict | None = None,
    ) -> dict:
        """Write config.json, public-key.der, manifest.json and manifest.sig. The manifest
        hashes the records as stored (not as remembered), so a store that lost a record
        cannot be sealed over the gap."""
        stored = self.store.read_records()
        count, last = parse_head(stored)
        if (count, last) != (self.count, self.last_hash):
            raise ValueError(f"the stored chain ends at {count}/{last[:12]}, the writer at {self.count}")
        config_bytes = canonical(config)
        public = signer.public_key_der()
        files = {
            RECORDS: stored,
            CONFIG: config_bytes,
            PUBLIC_KEY: public,
        }
        manifest = {
            "format": FORMAT,
            "bundle": bundle_id,
            "kind": kind,
            "sealed_at": iso(self.clock()),
            "commit": commit,
            "configuration": {"file": CONFIG, "sha256": sha256_hex(config_bytes)},
            "tools": tools or tool_versions(),
            "timing": timing,
            "records": {"count": count, "last_hash": last},
            "files": {name: {"sha256": sha256_hex(body), "bytes": len(body)} for name, body in files.items()},
            "signer": {
                "kind": signer.kind,
                "key_id": signer.key_id,
                "algorithm": SIGNING_ALGORITHM,
                "signed": "SHA-256 of manifest.json (32 bytes), signed as the message",
                "public_key_sha256": sha256_hex(public),
            },
            "summary": summary,
        }
        manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode() + b"\n"
        signature = signer.sign(hashlib.sha256(manifest_bytes).digest())
        self.store.put_file(CONFIG, config_bytes)
        self.store.put_file(PUBLIC_KEY, public)
        self.store.put_file(MANIFEST, manifest_bytes)
        self.store.put_file(SIGNATURE, signature)
        self.sealed = True
        return manifest


def parse_head(stored: bytes) -> tuple[int, str]:
    """(count, last hash) of stored records, trusting nothing but their own last line (the
    verifier checks the whole chain; the writer only needs where to continue)."""
    lines = stored.splitlines()
    if not lines:
        return 0, GENESIS
    last = json.loads(lines[-1])
    return int(last["seq"]), str(last["hash"])


class ExecutionEvidence:
    """The orchestrator's recorder: `append(kind, data)` to the open execution's bundle and
    `seal(summary)` when it ends. A no-op without a store (no evidence bucket configured);
    every error is logged and swallowed: evidence must never stop a failover.

    `open(bundle_id)` binds the recorder to one execution without touching the store; the
    first append reads where the stored chain ends (the last record only) and continues it,
    so a later invocation continues what a killed one began, and an evaluation that records
    nothing costs nothing."""

    STOP_SECONDS = 60.0
    """After a failed write the recorder stays off this long (about one invocation)."""

    def __init__(
        self,
        store_for: Callable[[str], Store] | None,
        signer: Signer | None,
        clock: Callable[[], float],
        *,
        config: dict | None = None,
        commit: str = "unknown",
        timing: dict | None = None,
        log=None,
    ):
        self.store_for, self.signer, self.clock = store_for, signer, clock
        self.config, self.commit, self.timing = config or {}, commit, timing or {}
        self.kind = "execution"
        self.log = log
        self.bundle_id: str | None = None
        self.store: Store | None = None
        self.writer: BundleWriter | None = None
        self.stopped_until = float("-inf")
        self.errors: list[str] = []
        self.between: Callable[[], object] = lambda: None
        """Handed to each store that accepts it (S3Store.between): called between its reads."""

    @property
    def enabled(self) -> bool:
        return self.store_for is not None

    def _failed(self, what: str, error: Exception) -> None:
        message = f"evidence {what}: {type(error).__name__}: {error}"[:300]
        self.errors.append(message)
        if self.log is not None:
            self.log.error("evidence not written", error=message, bundle=self.bundle_id)

    def _stop(self, what: str, error: Exception) -> None:
        """Any failure but a lost race (S3 slow or unreachable, a denial): off for about an
        invocation, so evidence costs a failover one short timeout, never one per step. The
        chain resumes from what was stored; the records in between are missing, not forged."""
        self._failed(f"{what} (recording stops for {self.STOP_SECONDS:.0f} s)", error)
        self.writer, self.stopped_until = None, self.clock() + self.STOP_SECONDS

    def open(self, bundle_id: str, kind: str | None = None) -> None:
        """Bind to `bundle_id` (an execution id); `kind` (failover, switchover) names the
        bundle in its manifest once known."""
        self.kind = kind or self.kind
        if not self.enabled or self.bundle_id == bundle_id:
            return
        self.bundle_id, self.writer = bundle_id, None
        try:
            self.store = self.store_for(bundle_name(bundle_id))
            if hasattr(self.store, "between"):
                self.store.between = self.between
        except Exception as error:  # noqa: BLE001 -- never stop a failover for its record
            self.store = None
            self._failed("open", error)

    def _writer(self) -> BundleWriter | None:
        if self.store is None or self.clock() < self.stopped_until:
            return None
        if self.writer is None:
            self.writer = BundleWriter(self.store, self.clock, self.store.read_head())
        return self.writer

    def append(self, kind: str, data: object) -> None:
        self.append_many([(kind, data)])

    def append_many(self, items: list[tuple[str, object]]) -> None:
        """Append, in one write. A conditional put lost to another writer of the same
        execution (one whose lock lapsed) reads the stored head again and tries once more, so
        one lost race does not cost every later record."""
        what = f"append {items[0][0] if items else ''}"
        try:
            writer = self._writer()
            if writer is None or not items:
                return
            writer.append_many(items)
            return
        except Exception as error:  # noqa: BLE001
            if not _lost_race(error):
                self._stop(what, error)
                return
        try:
            self.writer = None
            self._writer().append_many(items)
        except Exception as error:  # noqa: BLE001
            self._stop(f"{what} after a lost race", error)

    def single(self, bundle_id: str, kind: str, record_kind: str, data: object, summary: dict) -> None:
        """A bundle of its own (an arming change outside any execution): one record, sealed
        at once; whatever execution the recorder is bound to stays bound."""
        bound = (self.bundle_id, self.store, self.writer, self.kind)
        try:
            self.bundle_id = None
            self.open(bundle_id, kind)
            self.append(record_kind, data)
            self.seal({**summary, "started_at": iso(self.clock())})
        finally:
            self.bundle_id, self.store, self.writer, self.kind = bound

    def seal(self, summary: dict) -> None:
        if self.signer is None:
            return
        try:
            writer = self._writer()
            if writer is None or writer.sealed:
                return
            writer.seal(
                self.signer,
                bundle_id=self.bundle_id or "",
                kind=self.kind,
                config=self.config,
                commit=self.commit,
                timing=self.timing,
                summary=summary,
            )
        except Exception as error:  # noqa: BLE001
            self._failed("seal", error)
        finally:
            self.writer, self.store, self.bundle_id = None, None, None


def _lost_race(error: Exception) -> bool:
    """S3 refused a conditional put because the key exists (412 PreconditionFailed)."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in ("PreconditionFailed", "412")


def no_evidence() -> ExecutionEvidence:
    """The recorder when no evidence bucket is configured: every call is a no-op."""
    return ExecutionEvidence(None, None, lambda: 0.0)


def s3_evidence(s3, kms, bucket: str, key_id: str, clock: Callable[[], float], **kwargs) -> ExecutionEvidence:
    """Bundles under executions/<execution id>/ in the region's evidence bucket, sealed by
    the region's signing key."""
    return ExecutionEvidence(
        lambda name: S3Store(s3, bucket, f"{EXECUTIONS_PREFIX}/{name}"),
        KmsSigner(kms, key_id),
        clock,
        **kwargs,
    )
