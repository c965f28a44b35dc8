"""`deploy.py evidence verify PATH`: is this bundle exactly what its signer sealed?

Checks, in order, stopping at the first failure (which names the record or the file):
1. records.jsonl: every line is the canonical encoding of a record with exactly the
   format's keys, numbered 1, 2, ... with each prev the hash before it and each hash right;
2. no file is missing or unexpected;
3. unsealed (no manifest, signature, key or configuration): an intact prefix, reported as
   such (a crash mid-execution leaves one) -- never "verified";
4. manifest.json is signed by public-key.der (ECDSA P-256, SHA-256, DER signature over the
   manifest's SHA-256 digest, failover/evidence.py) and that key is PINNED in the trust
   store (ops/evidence/keys.py: a key inside a bundle vouches for nothing by itself);
5. every file's SHA-256 and size, the key's fingerprint and the chain's head (count and
   last hash) are what the signed manifest says.

A bundle in S3 (s3://bucket/prefix) is read through every VERSION of its objects: Object
Lock keeps versions immutable but a key can still get a new version, so a key with more
than one version, or a delete marker, is a broken bundle.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from failover.evidence import (
    CONFIG,
    FORMAT,
    GENESIS,
    MANIFEST,
    PUBLIC_KEY,
    RECORD_KEYS,
    RECORDS,
    RECORDS_FOLDER,
    SIGNATURE,
    canonical,
    record_hash,
    sha256_hex,
)

SEAL_FILES = (CONFIG, PUBLIC_KEY, MANIFEST, SIGNATURE)
ALL_FILES = (RECORDS, *SEAL_FILES)
INTACT, UNSEALED, BROKEN = "intact", "unsealed", "broken"


@dataclass
class Verdict:
    status: str
    line: str
    records: list[dict] = field(default_factory=list)
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return self.status == INTACT


class Broken(Exception):
    pass


def check_records(data: bytes) -> list[dict]:
    """The chain, or Broken naming the first bad record."""
    records: list[dict] = []
    prev = GENESIS
    for index, line in enumerate(data.splitlines(keepends=True), start=1):
        where = f"{RECORDS}: record {index}"
        if not line.endswith(b"\n"):
            raise Broken(f"{where}: the line does not end with a newline (truncated)")
        try:
            record = json.loads(line)
        except ValueError:
            raise Broken(f"{where}: not JSON") from None
        if not isinstance(record, dict) or tuple(sorted(record)) != RECORD_KEYS:
            raise Broken(f"{where}: not a record (keys must be {', '.join(RECORD_KEYS)})")
        try:
            encoded = canonical(record) + b"\n"
        except ValueError:
            raise Broken(f"{where}: not canonical JSON") from None
        if encoded != line:
            raise Broken(f"{where}: not in canonical form (changed after it was written)")
        if record["seq"] != index or isinstance(record["seq"], bool):
            raise Broken(f"{where}: seq is {record['seq']!r}, expected {index} (removed or reordered)")
        if record["prev"] != prev:
            raise Broken(f"{where}: prev does not match record {index - 1}'s hash (the chain is cut)")
        if not isinstance(record["kind"], str) or not isinstance(record["at"], (int, float)):
            raise Broken(f"{where}: kind or at has the wrong type")
        expected = record_hash(record["seq"], record["kind"], record["at"], record["data"], record["prev"])
        if record["hash"] != expected:
            raise Broken(f"{where}: hash does not match its content (changed after it was written)")
        records.append(record)
        prev = record["hash"]
    return records


def verify_files(files: dict[str, bytes], label: str, trusted: dict[str, str]) -> Verdict:
    """Verify a bundle given as {file name: bytes}. `trusted`: pinned fingerprint -> label."""
    records: list[dict] = []
    manifest = None
    try:
        unexpected = sorted(set(files) - set(ALL_FILES))
        if unexpected:
            raise Broken(f"{unexpected[0]}: unexpected file in the bundle")
        if RECORDS not in files:
            raise Broken(f"{RECORDS}: missing")
        records = check_records(files[RECORDS])
        present = [name for name in SEAL_FILES if name in files]
        if not present:
            head = records[-1]["hash"][:16] if records else GENESIS[:16]
            return Verdict(
                UNSEALED,
                f"intact prefix, not sealed: {label}: {len(records)} records, chain head {head}",
                records,
            )
        missing = [name for name in SEAL_FILES if name not in files]
        if missing:
            raise Broken(f"{missing[0]}: missing (the bundle is partly sealed)")
        try:
            manifest = json.loads(files[MANIFEST])
        except ValueError:
            raise Broken(f"{MANIFEST}: not JSON") from None
        try:
            key = load_der_public_key(files[PUBLIC_KEY])
        except (ValueError, UnsupportedAlgorithm):
            raise Broken(f"{PUBLIC_KEY}: not a DER public key") from None
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise Broken(f"{PUBLIC_KEY}: not an ECDSA P-256 key")
        try:
            key.verify(files[SIGNATURE], hashlib.sha256(files[MANIFEST]).digest(), ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            raise Broken(f"{SIGNATURE}: does not sign {MANIFEST} with {PUBLIC_KEY}") from None
        print_ = sha256_hex(files[PUBLIC_KEY])
        if print_ not in trusted:
            raise Broken(f"{PUBLIC_KEY}: signer key sha256:{print_[:16]} is not pinned in the trust store")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise Broken(f"{MANIFEST}: format is not {FORMAT}")
        listed = manifest.get("files") or {}
        for name in (RECORDS, CONFIG, PUBLIC_KEY):
            entry = listed.get(name) or {}
            if entry.get("sha256") != sha256_hex(files[name]) or entry.get("bytes") != len(files[name]):
                raise Broken(f"{name}: differs from the manifest's SHA-256")
        if (manifest.get("configuration") or {}).get("sha256") != sha256_hex(files[CONFIG]):
            raise Broken(f"{CONFIG}: differs from the manifest's configuration hash")
        if (manifest.get("signer") or {}).get("public_key_sha256") != print_:
            raise Broken(f"{MANIFEST}: names another signer key than {PUBLIC_KEY}")
        head = {"count": len(records), "last_hash": records[-1]["hash"] if records else GENESIS}
        if manifest.get("records") != head:
            raise Broken(f"{RECORDS}: ends at record {len(records)}, the manifest seals another head")
    except Broken as broken:
        return Verdict(BROKEN, f"broken: {label}: {broken}", records, manifest)
    return Verdict(
        INTACT,
        f"intact: {label}: {manifest['kind']} {manifest['bundle']}, {len(records)} records, sealed "
        f"{manifest.get('sealed_at')}, signed by {trusted[print_] or 'a pinned key'} (sha256:{print_[:16]})",
        records,
        manifest,
    )


def read_folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()} | {
        f"{p.name}/": b"" for p in path.iterdir() if p.is_dir()
    }


def read_s3(s3, bucket: str, prefix: str) -> dict[str, bytes]:
    """The bundle under s3://bucket/prefix as files, through every object version. Broken
    (naming the key) when a key was overwritten or deleted, or a record object is misnamed."""
    prefix = prefix.rstrip("/") + "/"
    versions: dict[str, list[dict]] = {}
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Versions", []):
            versions.setdefault(item["Key"], []).append(item)
        for marker in page.get("DeleteMarkers", []):
            raise Broken(f"{marker['Key']}: deleted (a delete marker hides it)")
    files: dict[str, bytes] = {}
    parts: list[tuple[int, bytes]] = []
    for key, found in sorted(versions.items()):
        if len(found) != 1:
            raise Broken(f"{key}: {len(found)} versions (a record or file was overwritten)")
        body = s3.get_object(Bucket=bucket, Key=key, VersionId=found[0]["VersionId"])["Body"].read()
        name = key[len(prefix) :]
        if name.startswith(f"{RECORDS_FOLDER}/"):
            stem = name[len(RECORDS_FOLDER) + 1 :].removesuffix(".jsonl")
            if not stem.isdigit() or not body.endswith(b"\n"):
                raise Broken(f"{key}: not a records object")
            parts.append((int(stem), body))
        else:
            files[name] = body
    expected = 1
    for first, body in sorted(parts):
        # Each object holds consecutive records starting at the seq its name says.
        lines = body.splitlines()
        try:
            named = [json.loads(line).get("seq") for line in lines]
        except (ValueError, AttributeError):
            named = None
        if first != expected or named != list(range(first, first + len(lines))):
            where = f"{prefix}{RECORDS_FOLDER}/{first:010d}.jsonl"
            raise Broken(f"{where}: holds records {named}, expected from {expected}")
        expected = first + len(lines)
    files[RECORDS] = b"".join(body for _, body in sorted(parts))
    return files


def verify_path(path: str, trusted: dict[str, str], s3_client=None) -> Verdict:
    """A folder, or s3://bucket/prefix (read with `s3_client`, or boto3's default)."""
    if path.startswith("s3://"):
        bucket, _, prefix = path[5:].partition("/")
        if s3_client is None:
            import boto3

            s3_client = boto3.client("s3")
        try:
            files = read_s3(s3_client, bucket, prefix)
        except Broken as broken:
            return Verdict(BROKEN, f"broken: {path}: {broken}")
        return verify_files(files, path, trusted)
    folder = Path(path)
    if not folder.is_dir():
        return Verdict(BROKEN, f"broken: {path}: not a bundle folder")
    return verify_files(read_folder(folder), str(folder), trusted)
