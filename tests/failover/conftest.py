import pytest
from moto import mock_aws

from tests.failover.world import World


@pytest.fixture
def make_world():
    with mock_aws():
        yield World


@pytest.fixture
def world(make_world, request):
    """A World whose control tables are the fake (default) or, parametrized indirectly
    with "moto", moto's DynamoDB."""
    return make_world(dynamodb=getattr(request, "param", "fake"))
