"""A small, pure evaluator of identity-based IAM policy statements, for tests that must prove
a policy allows (or does not allow) one request: action, resource and request context.

Why hand-written: moto's access control (moto/iam/access_control.py) matches actions and
resources but ignores Condition blocks, and no well-kept offline library evaluates
conditions; the rules implemented here are the documented ones and nothing more:
- Action / Resource match with `*` and `?` wildcards, actions case-insensitively
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
- Condition: every operator must hold, every key of an operator must hold, and a key with a
  list of values holds when any value matches (OR); a key missing from the request context
  makes the operator false (no ...IfExists support)
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html).
- StringEquals / StringLike (`*`, `?`), ArnEquals / ArnLike (as StringLike, per component),
  Bool (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
- ForAllValues:<operator> (a multivalued request key, e.g. dynamodb:LeadingKeys): true when
  every request value matches some policy value, and true when the request has no such key
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
- An explicit Deny wins over any Allow; nothing allowed means denied.
An operator this evaluator does not know raises, so a test never passes by ignoring one.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from typing import Any


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _glob(pattern: str, value: str, *, case_sensitive: bool = True) -> bool:
    # fnmatch's [] sets have no meaning in IAM: escape them, keep * and ?.
    regex = fnmatch.translate(pattern.replace("[", "\x00").replace("]", "\x01"))
    regex = regex.replace("\x00", r"\[").replace("\x01", r"\]")
    return re.match(regex, value, 0 if case_sensitive else re.IGNORECASE) is not None


def _string_equals(expected: str, actual: str) -> bool:
    return expected == actual


def _string_like(expected: str, actual: str) -> bool:
    return _glob(expected, actual)


def _bool(expected: str, actual: str) -> bool:
    return str(expected).lower() == str(actual).lower()


OPERATORS = {
    "StringEquals": _string_equals,
    "StringLike": _string_like,
    "ArnEquals": _string_equals,
    "ArnLike": _string_like,
    "Bool": _bool,
}


def condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, Any]) -> bool:
    for operator, keys in condition.items():
        for_all = operator.startswith("ForAllValues:")
        base = operator.removeprefix("ForAllValues:")
        if base not in OPERATORS or operator.startswith("ForAnyValue:"):
            raise NotImplementedError(f"condition operator {operator} is not evaluated by tests/iam_eval.py")
        test = OPERATORS[base]
        for key, expected in keys.items():
            # Condition keys are case-insensitive; request values are compared as given.
            actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
            if for_all:
                if not all(
                    any(test(str(value), str(one)) for value in _as_list(expected))
                    for one in _as_list(actual or [])
                ):
                    return False
                continue
            if actual is None:
                return False
            if not any(test(str(value), str(actual)) for value in _as_list(expected)):
                return False
    return True


def statement_matches(statement: Mapping[str, Any], action: str, resource: str, context) -> bool:
    if "NotAction" in statement or "NotResource" in statement:
        raise NotImplementedError("NotAction/NotResource are not evaluated by tests/iam_eval.py")
    if not any(_glob(a, action, case_sensitive=False) for a in _as_list(statement["Action"])):
        return False
    if not any(_glob(r, resource) for r in _as_list(statement["Resource"])):
        return False
    return condition_holds(statement.get("Condition", {}), context)


def allows(
    policy: str | Mapping, action: str, resource: str, context: Mapping[str, str] | None = None
) -> bool:
    """True when `policy` (JSON or dict) allows `action` on `resource` in `context`."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = _as_list(document["Statement"])
    matching = [s for s in statements if statement_matches(s, action, resource, context or {})]
    if any(s["Effect"] == "Deny" for s in matching):
        return False
    return any(s["Effect"] == "Allow" for s in matching)
