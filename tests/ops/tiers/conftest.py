"""Fixtures of the tier chooser's tests: each tier is built on the mock engine once per test
session (a build takes seconds), and the price table and default usage are loaded once."""

from __future__ import annotations

import pytest

from components.settings import TIERS
from ops.tiers.prices import load_price_table
from ops.tiers.report import build_tier
from ops.tiers.usage import resolve_usage


@pytest.fixture(scope="session")
def tier_builds():
    """tier -> (primary, dr), both stacks built with that tier."""
    return {tier: build_tier(tier) for tier in TIERS}


@pytest.fixture(scope="session")
def prices():
    return load_price_table()


@pytest.fixture(scope="session")
def usage():
    return resolve_usage()
