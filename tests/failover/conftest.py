import pytest
from moto import mock_aws

from tests.failover.world import World


@pytest.fixture
def make_world():
    with mock_aws():
        yield World


@pytest.fixture
def world(make_world):
    return make_world()
