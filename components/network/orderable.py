"""The one lookup of where RDS offers the database's instance class, as the program asks it
(aws.rds.get_orderable_db_instance in components/network/vpc.py) and as `deploy.py
preflight` reproduces it: pure, tested without Pulumi.

Since Aurora I/O-Optimized, DescribeOrderableDBInstanceOptions answers one entry per storage
type for the same engine, version and class: `aurora` (Aurora Standard, what a cluster that
sets no storage type gets: the default) and `aurora-iopt1` (I/O-Optimized), the two storage
types of an Aurora cluster (StorageType in
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html; each
entry carries its StorageType,
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_OrderableDBInstanceOption.html).

The provider's data source (terraform-provider-aws internal/service/rds,
orderable_instance_data_source.go, dataSourceOrderableInstanceRead) filters the API's entries
on the client by `storage_type` and the `supports_*` flags it is given, then picks by
`preferred_instance_classes`, and fails with "multiple RDS DB Instance Classes ... match the
criteria" when more than one entry is left and no preference picks one. So the program names
the storage type its clusters use AND the class as the preferred one: the first narrows the
answer to one entry today, the second keeps the lookup from failing if AWS ever answers
another entry for the same class (a new network type, say). `select_option` is that
selection, shared by preflight and the mock engine, so neither can drift from the provider.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.settings import DatabaseSettings

AURORA_STANDARD_STORAGE = "aurora"
"""Storage type of an Aurora cluster that sets none (components/data/aurora.py leaves
storage_type unset: Aurora Standard)."""


class OrderableLookupError(ValueError):
    """The provider's lookup would fail: no entry, or several and no preference."""


@dataclass(frozen=True)
class OrderableQuery:
    engine: str
    engine_version: str
    instance_class: str
    storage_type: str = AURORA_STANDARD_STORAGE
    supports_global_databases: bool = True

    @property
    def preferred_instance_classes(self) -> list[str]:
        return [self.instance_class]

    def invoke_args(self) -> dict[str, Any]:
        """Keyword arguments of aws.rds.get_orderable_db_instance(_output)."""
        return {
            "engine": self.engine,
            "engine_version": self.engine_version,
            "instance_class": self.instance_class,
            "storage_type": self.storage_type,
            "supports_global_databases": self.supports_global_databases,
            "preferred_instance_classes": self.preferred_instance_classes,
        }

    def api_filters(self) -> dict[str, str]:
        """What the provider sends to DescribeOrderableDBInstanceOptions (the rest it filters
        on the client, in select_option)."""
        return {
            "Engine": self.engine,
            "EngineVersion": self.engine_version,
            "DBInstanceClass": self.instance_class,
        }


def orderable_query(database: DatabaseSettings) -> OrderableQuery:
    return OrderableQuery(database.engine, database.engine_version, database.instance_class)


def select_option(
    options: Iterable[Mapping[str, Any]],
    *,
    storage_type: str | None,
    supports_global_databases: bool | None,
    preferred_instance_classes: Iterable[str] = (),
) -> Mapping[str, Any]:
    """The one OrderableDBInstanceOption (API keys) the provider's data source returns for
    these arguments, in the API's order; raises OrderableLookupError where it fails. The
    provider skips a filter whose value is unset or false (schema GetOk)."""
    matching = [
        option
        for option in options
        if (not storage_type or option.get("StorageType") == storage_type)
        and (not supports_global_databases or bool(option.get("SupportsGlobalDatabases")))
    ]
    if not matching:
        raise OrderableLookupError(
            "no RDS Orderable DB Instance Options found matching criteria"
            f" (storage type {storage_type or 'any'}, global databases {bool(supports_global_databases)})"
        )
    for preferred in preferred_instance_classes:
        found = next((o for o in matching if o.get("DBInstanceClass") == preferred), None)
        if found is not None:
            return found
    if len(matching) > 1:
        kinds = ", ".join(f"{o.get('DBInstanceClass')}/{o.get('StorageType')}" for o in matching)
        raise OrderableLookupError(f"multiple RDS DB Instance Classes ({kinds}) match the criteria")
    return matching[0]


def option_zone_names(option: Mapping[str, Any]) -> list[str]:
    return [zone["Name"] for zone in option.get("AvailabilityZones") or []]
