"""The offline signer of drill bundles and the trust store a verifier pins keys in.

What a verifier trusts (docs/EVIDENCE.md, "Trust"): a bundle carries its signer's public key
so that it can be checked anywhere, but a key shipped inside the thing it vouches for proves
nothing on its own: whoever rewrites a bundle can sign it with a key of their own and ship
that. So `verify` accepts a signature only from a key whose SHA-256 fingerprint (of its DER
SubjectPublicKeyInfo) is PINNED in a trust store outside the bundle: a JSON file
{"keys": [{"sha256": ..., "label": ..., "pinned_at": ...}]}. The drill key is pinned when
it is created; a region's KMS signing key is pinned from kms:GetPublicKey (`deploy.py
evidence trust --kms-key ARN`) or from its fingerprint, which the stack exports.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE_HOME = ROOT / ".evidence"
"""Git-ignored: the drill key, the trust store and `make drill`'s bundles."""
TRUST_ENV = "TRADING_DR_EVIDENCE_TRUST"
KEY_ENV = "TRADING_DR_EVIDENCE_KEY"


def default_trust_path() -> Path:
    return Path(os.environ.get(TRUST_ENV) or EVIDENCE_HOME / "trusted-keys.json")


def default_key_path() -> Path:
    return Path(os.environ.get(KEY_ENV) or EVIDENCE_HOME / "keys" / "drill-signing-key.pem")


def fingerprint(public_der: bytes) -> str:
    return hashlib.sha256(public_der).hexdigest()


class LocalSigner:
    """ECDSA P-256 / SHA-256 with a key in a PEM file: the same algorithm and signature
    encoding (DER) as KMS's ECDSA_SHA_256, so one verifier checks both."""

    kind = "local"

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, key_id: str):
        self._key, self.key_id = private_key, key_id

    @classmethod
    def load_or_create(cls, path: Path | None = None, trust_path: Path | None = None) -> LocalSigner:
        path = path or default_key_path()
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
                raise ValueError(f"{path}: not an ECDSA P-256 private key")
            signer = cls(key, f"local:{path.name}")
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(pem)
            signer = cls(key, f"local:{path.name}")
            pin(trust_path or default_trust_path(), signer.public_key_der(), f"the drill key {path.name}")
        return signer

    def public_key_der(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message, ec.ECDSA(hashes.SHA256()))


def read_trust(path: Path) -> dict[str, str]:
    """fingerprint -> label; a missing file trusts nothing."""
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text())
        return {str(k["sha256"]): str(k.get("label", "")) for k in document["keys"]}
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f'{path}: not a trust store ({{"keys": [{{"sha256": ...}}]}}): {error}') from None


def pin(path: Path, public_der: bytes, label: str) -> str:
    keys = read_trust(path)
    print_ = fingerprint(public_der)
    if print_ not in keys:
        entries = [{"sha256": k, "label": v} for k, v in keys.items()]
        entries.append({"sha256": print_, "label": label, "pinned_at": datetime.now(UTC).isoformat()})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"keys": entries}, indent=1) + "\n")
    return print_
