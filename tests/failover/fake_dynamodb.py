"""An in-memory DynamoDB client for the orchestrator tests: exactly the calls and expressions
failover/control_table.py makes, with DynamoDB's semantics for them, nothing else.

Why: the orchestrator tests run hundreds of evaluations of ~20 control-table calls each;
through botocore and moto that was ~2.5 ms a call, about two thirds of the failover tests'
time. The tests are about the orchestrator's decisions, not about DynamoDB's wire format.
The seam stays tested against moto: tests/failover/test_control_table.py runs every
ControlTable operation and condition outcome on both this fake and moto with the same
assertions, and the orchestrator's main scenarios also run on a moto-backed World
(`world_on_moto`).

Strict on purpose: an unknown parameter is a TypeError, and an expression outside the small
grammar below is a NotImplementedError, so a change to ControlTable's requests fails here
loudly instead of being answered wrongly.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from types import SimpleNamespace

from botocore.exceptions import ClientError

# Condition grammar: term (OR term)*; term: factor (AND factor)*;
# factor: attribute_not_exists(name) | attribute_exists(name) | name op :value
_TOKEN = re.compile(r"\s*(attribute_not_exists|attribute_exists|AND|OR|<=|>=|[()=<>]|:\w+|\w+)")


def _error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def _value(attribute: dict):
    """An AttributeValue as a comparable Python value, tagged with its type."""
    ((kind, raw),) = attribute.items()
    if kind == "N":
        return kind, Decimal(raw)
    if kind in ("S", "BOOL"):
        return kind, raw
    raise NotImplementedError(f"AttributeValue type {kind} is not used by the control table")


def _tokens(expression: str) -> list[str]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        match = _TOKEN.match(expression, position)
        if match is None:
            raise NotImplementedError(f"cannot parse {expression!r} at {position}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def condition_holds(expression: str, item: dict | None, values: dict) -> bool:
    """Evaluate a ConditionExpression over `item` (None: no such item)."""
    tokens = _tokens(expression)
    item = item or {}

    def factor(i: int) -> tuple[bool, int]:
        token = tokens[i]
        if token in ("attribute_not_exists", "attribute_exists"):
            if tokens[i + 1] != "(" or tokens[i + 3] != ")":
                raise NotImplementedError(expression)
            present = tokens[i + 2] in item
            return (present if token == "attribute_exists" else not present), i + 4
        name, op, placeholder = tokens[i], tokens[i + 1], tokens[i + 2]
        if not placeholder.startswith(":") or op not in ("=", "<", "<=", ">", ">="):
            raise NotImplementedError(expression)
        if placeholder not in values:
            raise _error(
                "ValidationException",
                f"An expression attribute value used in expression is not defined: {placeholder}",
                "Condition",
            )
        if name not in item:
            return False, i + 3  # a missing attribute equals nothing and orders with nothing
        (left_kind, left), (right_kind, right) = _value(item[name]), _value(values[placeholder])
        if left_kind != right_kind:
            return False, i + 3
        if op in ("<", "<=", ">", ">=") and left_kind == "BOOL":
            raise NotImplementedError(expression)
        result = {
            "=": left == right,
            "<": left < right,
            "<=": left <= right,
            ">": left > right,
            ">=": left >= right,
        }[op]
        return result, i + 3

    def term(i: int) -> tuple[bool, int]:
        result, i = factor(i)
        while i < len(tokens) and tokens[i] == "AND":
            right, i = factor(i + 1)
            result = result and right
        return result, i

    def disjunction(i: int) -> tuple[bool, int]:
        result, i = term(i)
        while i < len(tokens) and tokens[i] == "OR":
            right, i = term(i + 1)
            result = result or right
        return result, i

    result, end = disjunction(0)
    if end != len(tokens):
        raise NotImplementedError(f"cannot parse {expression!r}")
    return result


class FakeDynamoDB:
    def __init__(self, region: str):
        self.meta = SimpleNamespace(region_name=region)
        self.tables: dict[str, dict[tuple[str, str], dict]] = {}
        self.calls: list[str] = []

    # --- tables ------------------------------------------------------------------------------
    def create_table(self, *, TableName, KeySchema, AttributeDefinitions, BillingMode):
        assert [k["AttributeName"] for k in KeySchema] == ["pk", "sk"], KeySchema
        if TableName in self.tables:
            raise _error("ResourceInUseException", f"Table already exists: {TableName}", "CreateTable")
        self.tables[TableName] = {}
        return {"TableDescription": {"TableName": TableName, "TableStatus": "ACTIVE"}}

    def _table(self, name: str, operation: str) -> dict:
        self.calls.append(operation)
        if name not in self.tables:
            raise _error("ResourceNotFoundException", "Requested resource not found", operation)
        return self.tables[name]

    @staticmethod
    def _key(key: dict) -> tuple[str, str]:
        if set(key) != {"pk", "sk"}:
            raise _error("ValidationException", "The provided key element does not match the schema", "Key")
        return key["pk"]["S"], key["sk"]["S"]

    def _check(self, operation, current, condition, values) -> None:
        if condition is not None and not condition_holds(condition, current, values or {}):
            raise _error("ConditionalCheckFailedException", "The conditional request failed", operation)

    # --- items ----------------------------------------------------------------------------------
    def put_item(self, *, TableName, Item, ConditionExpression=None, ExpressionAttributeValues=None):
        table = self._table(TableName, "PutItem")
        key = self._key({name: Item[name] for name in ("pk", "sk") if name in Item})
        self._check("PutItem", table.get(key), ConditionExpression, ExpressionAttributeValues)
        table[key] = copy.deepcopy(Item)
        return {}

    def transact_write_items(self, *, TransactItems):
        """ConditionCheck and Put only, all or nothing: every condition is checked first, and
        a failed one cancels the whole transaction with one reason per item, in order
        (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)."""
        self.calls.append("TransactWriteItems")
        reasons, writes = [], []
        for entry in TransactItems:
            (kind, spec), *rest = entry.items()
            if rest or kind not in ("ConditionCheck", "Put"):
                raise NotImplementedError(f"TransactWriteItems {sorted(entry)}")
            table = self._table(spec["TableName"], "TransactWriteItems")
            keyed = spec["Key"] if kind == "ConditionCheck" else {k: spec["Item"][k] for k in ("pk", "sk")}
            key = self._key(keyed)
            condition = spec.get("ConditionExpression")
            holds = condition is None or condition_holds(
                condition, table.get(key), spec.get("ExpressionAttributeValues") or {}
            )
            reasons.append({"Code": "None"} if holds else {"Code": "ConditionalCheckFailed"})
            if kind == "Put":
                writes.append((table, key, spec["Item"]))
        if any(r["Code"] != "None" for r in reasons):
            error = _error(
                "TransactionCanceledException",
                "Transaction cancelled, please refer cancellation reasons for specific reasons",
                "TransactWriteItems",
            )
            error.response["CancellationReasons"] = reasons
            raise error
        for table, key, item in writes:
            table[key] = copy.deepcopy(item)
        return {}

    def get_item(self, *, TableName, Key, ConsistentRead=False):
        item = self._table(TableName, "GetItem").get(self._key(Key))
        return {"Item": copy.deepcopy(item)} if item is not None else {}

    def update_item(
        self, *, TableName, Key, UpdateExpression, ConditionExpression=None, ExpressionAttributeValues=None
    ):
        table = self._table(TableName, "UpdateItem")
        key = self._key(Key)
        match = re.fullmatch(r"SET\s+(\w+\s*=\s*:\w+(?:\s*,\s*\w+\s*=\s*:\w+)*)", UpdateExpression.strip())
        if match is None:
            raise NotImplementedError(f"UpdateExpression {UpdateExpression!r}")
        self._check("UpdateItem", table.get(key), ConditionExpression, ExpressionAttributeValues)
        item = table.get(key) or copy.deepcopy(Key)  # UpdateItem creates a missing item
        for assignment in match.group(1).split(","):
            name, placeholder = (part.strip() for part in assignment.split("="))
            item[name] = copy.deepcopy(ExpressionAttributeValues[placeholder])
        table[key] = item
        return {}

    def delete_item(self, *, TableName, Key, ConditionExpression=None, ExpressionAttributeValues=None):
        table = self._table(TableName, "DeleteItem")
        key = self._key(Key)
        self._check("DeleteItem", table.get(key), ConditionExpression, ExpressionAttributeValues)
        table.pop(key, None)
        return {}

    def query(
        self,
        *,
        TableName,
        KeyConditionExpression,
        ExpressionAttributeValues,
        ScanIndexForward=True,
        Limit=None,
        ConsistentRead=False,
    ):
        table = self._table(TableName, "Query")
        match = re.fullmatch(r"pk\s*=\s*(:\w+)", KeyConditionExpression.strip())
        if match is None:
            raise NotImplementedError(f"KeyConditionExpression {KeyConditionExpression!r}")
        pk = ExpressionAttributeValues[match.group(1)]["S"]
        keys = sorted((k for k in table if k[0] == pk), key=lambda k: k[1], reverse=not ScanIndexForward)
        items = [copy.deepcopy(table[k]) for k in (keys if Limit is None else keys[:Limit])]
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}

    def scan(self, *, TableName):
        table = self._table(TableName, "Scan")
        items = [copy.deepcopy(table[k]) for k in sorted(table)]
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}
