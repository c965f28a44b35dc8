"""The price table: data, not code. Each rate (USD, per unit, per region) names the AWS page it
comes from and whether an AWS page confirmed it; each resource type the plan can create is
`priced` (with the rates it may be charged), `free` (with why) or `notPriced` (with why).

A rate with a null price is "not priced": every charge on it is listed as unpriced in the
estimate, never counted as zero. The newest `prices-<date>.json` in ops/pricing/ is used
unless a file is named; a malformed table stops with one line naming the file and the entry.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops.errors import OperatorError

PRICING_DIR = Path(__file__).resolve().parent.parent / "pricing"
_PRICE_FILE = re.compile(r"^prices-(\d{4}-\d{2}-\d{2})\.json$")
TYPE_STATUSES = ("priced", "free", "notPriced")


@dataclass(frozen=True)
class Rate:
    id: str
    unit: str
    prices: dict[str, float | None]
    source: str
    confirmed: bool
    not_priced: str | None
    """Why this rate has no price (then every price is None)."""

    def price_in(self, region: str) -> float | None:
        return self.prices.get(region)


@dataclass(frozen=True)
class TypeEntry:
    type: str
    status: str
    charges: tuple[str, ...]
    why: str
    anticipated: str | None
    """Priced ahead of time for a type another branch adds; not yet in the plan."""


@dataclass(frozen=True)
class PriceTable:
    path: Path
    price_date: str
    currency: str
    hours_per_month: float
    regions: tuple[str, ...]
    source: str
    rates: dict[str, Rate]
    types: dict[str, TypeEntry]

    def rate(self, rate_id: str) -> Rate | None:
        return self.rates.get(rate_id)

    def entry(self, type_token: str) -> TypeEntry | None:
        return self.types.get(type_token)

    def summary(self) -> dict[str, Any]:
        return {
            "file": self.path.name,
            "priceDate": self.price_date,
            "currency": self.currency,
            "source": self.source,
        }


def latest_price_file(directory: Path = PRICING_DIR) -> Path:
    found = sorted(p for p in directory.glob("prices-*.json") if _PRICE_FILE.match(p.name))
    if not found:
        raise OperatorError(f"no price table prices-<YYYY-MM-DD>.json in {directory}")
    return found[-1]


def _fail(path: Path, where: str, rule: str) -> OperatorError:
    return OperatorError(f"{path.name}: {where}: {rule}")


def parse_price_table(document: Any, path: Path) -> PriceTable:
    """Check the table's shape and return it; raises OperatorError naming the bad entry."""
    if not isinstance(document, dict):
        raise _fail(path, "top level", "must be a JSON object")
    match = _PRICE_FILE.match(path.name)
    if match and document.get("priceDate") != match.group(1):
        raise _fail(path, "priceDate", f"must equal the date in the file name ({match.group(1)})")
    regions = document.get("regions")
    if not isinstance(regions, list) or not regions or not all(isinstance(r, str) for r in regions):
        raise _fail(path, "regions", "must be a non-empty list of region names")
    hours = document.get("hoursPerMonth")
    if not isinstance(hours, (int, float)) or not 672 <= hours <= 744:
        raise _fail(path, "hoursPerMonth", "must be the hours of a month (672 to 744)")
    rates: dict[str, Rate] = {}
    for rate_id, spec in (document.get("rates") or {}).items():
        where = f"rates.{rate_id}"
        if not isinstance(spec, dict) or not isinstance(spec.get("prices"), dict):
            raise _fail(path, where, "must have a prices object")
        if not str(spec.get("source", "")).startswith("https://"):
            raise _fail(path, where, "must name its source page (an https URL)")
        prices = spec["prices"]
        if sorted(prices) != sorted(regions):
            raise _fail(path, where, f"must have a price for each of {', '.join(regions)}")
        not_priced = spec.get("notPriced")
        for region, value in prices.items():
            if value is None:
                if not not_priced:
                    raise _fail(path, f"{where}.{region}", "a null price needs a notPriced reason")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise _fail(path, f"{where}.{region}", f"must be a price >= 0 or null (got {value!r})")
        rates[rate_id] = Rate(
            id=rate_id,
            unit=str(spec.get("unit", "")),
            prices={r: (None if v is None else float(v)) for r, v in prices.items()},
            source=spec["source"],
            confirmed=bool(spec.get("confirmedOnAwsPage", False)),
            not_priced=not_priced,
        )
    types: dict[str, TypeEntry] = {}
    for type_token, spec in (document.get("types") or {}).items():
        where = f"types.{type_token}"
        status = spec.get("status") if isinstance(spec, dict) else None
        if status not in TYPE_STATUSES:
            raise _fail(path, where, f"status must be one of {' | '.join(TYPE_STATUSES)}")
        charges = tuple(spec.get("charges") or ())
        if status == "priced":
            if not charges:
                raise _fail(path, where, "a priced type must list its charges (rate ids)")
            for charge in charges:
                if "<" not in charge and charge not in rates:
                    raise _fail(path, where, f"charge {charge!r} is not a rate in this table")
        elif not spec.get("why"):
            raise _fail(path, where, f"a {status} type must say why")
        types[type_token] = TypeEntry(
            type=type_token,
            status=status,
            charges=charges,
            why=str(spec.get("why", "")),
            anticipated=spec.get("anticipated"),
        )
    return PriceTable(
        path=path,
        price_date=str(document.get("priceDate")),
        currency=str(document.get("currency", "USD")),
        hours_per_month=float(hours),
        regions=tuple(regions),
        source=str(document.get("source", "")),
        rates=rates,
        types=types,
    )


@functools.cache
def load_price_table(path: Path | None = None) -> PriceTable:
    path = path or latest_price_file()
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise OperatorError(f"price table {path} not found") from None
    except json.JSONDecodeError as error:
        raise OperatorError(f"{path.name} is not valid JSON: {error}") from None
    return parse_price_table(document, path)
