"""The program's orderable-class lookup against the provider's selection: since Aurora
I/O-Optimized, DescribeOrderableDBInstanceOptions answers one entry per storage type, and the
provider's data source fails on more than one match ("multiple RDS DB Instance Classes ...
match the criteria", terraform-provider-aws orderable_instance_data_source.go). The mock
engine answers both entries and selects as the provider does (ops/mock_engine.py)."""

from __future__ import annotations

import pytest

from components.network.orderable import (
    AURORA_STANDARD_STORAGE,
    OrderableLookupError,
    option_zone_names,
    select_option,
)

TOKEN = "aws:rds/getOrderableDbInstance:getOrderableDbInstance"
BOTH = [
    {"DBInstanceClass": "db.r6g.large", "StorageType": "aurora-iopt1", "SupportsGlobalDatabases": True,
     "AvailabilityZones": [{"Name": "x1a"}, {"Name": "x1b"}]},
    {"DBInstanceClass": "db.r6g.large", "StorageType": "aurora", "SupportsGlobalDatabases": True,
     "AvailabilityZones": [{"Name": "x1a"}]},
]  # fmt: skip


def test_the_provider_fails_on_two_storage_types_without_a_storage_type_or_preference():
    with pytest.raises(OrderableLookupError, match="multiple RDS DB Instance Classes"):
        select_option(BOTH, storage_type=None, supports_global_databases=True)


def test_the_storage_type_picks_the_standard_entry():
    found = select_option(BOTH, storage_type=AURORA_STANDARD_STORAGE, supports_global_databases=True)
    assert option_zone_names(found) == ["x1a"]


def test_a_preference_picks_the_first_entry_of_the_class_in_the_apis_order():
    found = select_option(
        BOTH, storage_type=None, supports_global_databases=True, preferred_instance_classes=["db.r6g.large"]
    )
    assert found["StorageType"] == "aurora-iopt1"


def test_no_entry_for_a_global_database_fails():
    entries = [{**e, "SupportsGlobalDatabases": False} for e in BOTH]
    with pytest.raises(OrderableLookupError, match="no RDS Orderable"):
        select_option(entries, storage_type="aurora", supports_global_databases=True)


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_program_names_the_storage_type_and_the_class_it_prefers(by_stack, stack):
    """Both narrow the provider's answer to the Standard entry of the configured class."""
    run = by_stack[stack]
    (invoke,) = [i for i in run.invokes if i.token == TOKEN]
    database = run.settings.database
    assert invoke.args["storageType"] == AURORA_STANDARD_STORAGE
    assert invoke.args["preferredInstanceClasses"] == [database.instance_class]
    assert invoke.args["instanceClass"] == database.instance_class
    assert invoke.args["supportsGlobalDatabases"] is True
