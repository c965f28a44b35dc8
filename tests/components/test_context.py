"""RegionalContext: the regional facts every component used to take as its own fields."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from components.context import RegionalContext


def providers():
    return SimpleNamespace(
        home_region="eu-west-1", peer_region="eu-central-1", account_id="111122223333", partition="aws"
    )


def test_the_context_takes_region_account_and_partition_from_the_providers_and_names_from_the_role():
    settings = SimpleNamespace(role="dr", protect_data=True)
    context = RegionalContext.of(settings, providers())
    assert (context.region, context.peer_region) == ("eu-west-1", "eu-central-1")
    assert (context.account_id, context.partition) == ("111122223333", "aws")
    assert (context.name_prefix, context.protect) == ("trading-dr-dr", True)
    keyed = context.with_key("arn:key")
    assert keyed.kms_key_arn == "arn:key" and keyed.region == "eu-west-1"
    elsewhere = keyed.at("us-east-1", "arn:global-key").prefixed("global")
    assert (elsewhere.region, elsewhere.kms_key_arn, elsewhere.name_prefix) == (
        "us-east-1",
        "arn:global-key",
        "trading-dr-dr-global",
    )
    # Frozen: a component cannot change what its siblings see.
    with pytest.raises(AttributeError):
        keyed.name_prefix = "other"  # type: ignore[misc]


def test_the_data_key_used_before_the_key_exists_fails_loudly():
    context = RegionalContext.of(SimpleNamespace(role="primary", protect_data=False), providers())
    with pytest.raises(ValueError, match="data key is used before it exists"):
        _ = context.kms_key_arn
