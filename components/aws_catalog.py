"""What AWS offers, as botocore's bundled service models know it, read offline (no network,
no credentials): the one source of the EC2 instance types the settings and their rules check.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path


def botocore_data() -> Path:
    """botocore's data folder, found without importing botocore (which alone costs more than
    the rest of `deploy.py validate`)."""
    import importlib.util

    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed: run `make` first")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@functools.cache
def ec2_instance_types() -> frozenset[str]:
    """Every EC2 instance type botocore's EC2 service model knows (shape InstanceType), read
    offline from the newest API version it ships. A type newer than the installed botocore
    is refused until botocore is upgraded: the safe side of not knowing."""
    import gzip

    newest = sorted((botocore_data() / "ec2").iterdir())[-1]
    plain, packed = newest / "service-2.json", newest / "service-2.json.gz"
    text = plain.read_text() if plain.exists() else gzip.decompress(packed.read_bytes()).decode()
    # Decode only the InstanceType shape, not the whole (large) model.
    found = re.search(r'"InstanceType":\s*(?=\{\s*"type"\s*:\s*"string",\s*"enum")', text)
    if found is None:
        raise RuntimeError(f"botocore's EC2 model in {newest} has no InstanceType enum")
    shape, _ = json.JSONDecoder().raw_decode(text, found.end())
    return frozenset(shape["enum"])
