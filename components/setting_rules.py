"""Rules for string settings, by class of mistake: charset, length, shape. One table
(`STRING_RULES`) says which rules each key obeys; `components/settings.py` applies them to every
string it reads, before its own cross-key checks, so an input nobody thought of is caught by
the rule of its class (a control character anywhere, a non-ASCII byte in a URL path, an
over-long value) rather than by a list of known bad values.

Every rule is a pure function `value -> problem or None`; the problem is the rule as the
operator reads it, naming the offending character or part. The caller adds the file, the key
and the value (components/settings.py `SettingsError`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from components.aws_catalog import ec2_instance_types

Rule = Callable[[str], str | None]


def _char(ch: str) -> str:
    """A character as an operator can see it: 'é' (U+00E9), a tab (U+0009)."""
    names = {"\t": "a tab", "\n": "a line break", "\r": "a carriage return", " ": "a space"}
    shown = names.get(ch) or (repr(ch) if unicodedata.category(ch)[0] != "C" else "a control character")
    return f"{shown} (U+{ord(ch):04X})"


def no_control_characters(value: str) -> str | None:
    """Every string setting: tabs, line breaks, other control and format characters (a
    zero-width space, a byte-order mark) are never meant and never visible in a review."""
    for index, ch in enumerate(value):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            return f"contains {_char(ch)} at position {index + 1}"
    return None


def max_length(limit: int, source: str) -> Rule:
    def rule(value: str) -> str | None:
        if len(value) > limit:
            return f"is {len(value)} characters; {source} allows at most {limit}"
        return None

    rule.label = f"at most {limit} characters"  # type: ignore[attr-defined]
    return rule


def ascii_visible(what: str) -> Rule:
    """Printable ASCII, no spaces (a URL path is sent as it is written)."""

    def rule(value: str) -> str | None:
        for index, ch in enumerate(value):
            if not "!" <= ch <= "~":
                where = f"{_char(ch)} at position {index + 1}"
                return f"must be {what} in printable ASCII without spaces; {where} is not"
        return None

    rule.label = "printable ASCII, no spaces"  # type: ignore[attr-defined]
    return rule


def starts_with(prefix: str, what: str) -> Rule:
    def rule(value: str) -> str | None:
        return None if value.startswith(prefix) else f"must be {what} starting with {prefix}"

    rule.label = f"starts with {prefix}"  # type: ignore[attr-defined]
    return rule


# AWS tag values: "letters, numbers, and spaces representable in UTF-8, and the following
# characters: _ . : / = + - @", up to 256 characters.
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions
_TAG_CHAR = re.compile(r"[\w .:/=+\-@]")


def tag_value(value: str) -> str | None:
    if not value:
        return "must not be empty (it is a tag value on every resource)"
    for index, ch in enumerate(value):
        if not _TAG_CHAR.fullmatch(ch):
            return (
                f"may hold letters, digits, spaces and _ . : / = + - @ only (an AWS tag value); "
                f"{_char(ch)} at position {index + 1} is not allowed"
            )
    return max_length(256, "an AWS tag value")(value)


# DNS names as Route 53 and ACM take them: labels of a-z, 0-9 and -, not starting or ending
# with -, 1 to 63 characters, 253 in all.
# https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html
_LABEL_CHAR = re.compile(r"[a-z0-9-]")


def dns_label(value: str) -> str | None:
    if not value:
        return "must not be empty (a DNS label)"
    if value != value.lower():
        return f"must be lower-case: write {value.lower()}"
    for index, ch in enumerate(value):
        if not _LABEL_CHAR.fullmatch(ch):
            return f"may hold a-z, 0-9 and - only (a DNS label); {_char(ch)} at position {index + 1} is not"
    if value.startswith("-") or value.endswith("-"):
        return "must not start or end with - (a DNS label)"
    if len(value) > 63:
        return f"is {len(value)} characters; a DNS label has at most 63"
    return None


def dns_name(value: str) -> str | None:
    if value.endswith("."):
        return f"must not end with a dot: write {value.rstrip('.')}"
    if len(value) > 253:
        return f"is {len(value)} characters; a DNS name has at most 253"
    labels = value.split(".")
    if len(labels) < 2:
        return "must be a DNS name of two labels or more, such as trading.acme-corp.net"
    for label in labels:
        if not label:
            return "has an empty label (two dots in a row, or a leading dot)"
        problem = dns_label(label)
        if problem:
            return problem.replace("write " + label.lower(), "write " + value.lower())
    if labels[-1].isdigit():
        return "must end in a top-level domain, not a number"
    return None


# AWS cron: cron(minutes hours day-of-month month day-of-week year); `?` in exactly one of
# day-of-month and day-of-week ("You can't specify the Day-of-month and Day-of-week fields in
# the same cron expression. If you specify a value or a * in one of the fields, you must use
# a ? in the other"). AWS Backup schedules use the same expressions.
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html
# https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_WEEKDAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split(), 1)}
_CRON_FIELDS = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _WEEKDAYS),
    ("year", 1970, 2199, {}),
)
_CRON_SHAPE = "cron(minutes hours day-of-month month day-of-week year)"


def _cron_value(part: str, low: int, high: int, names: dict[str, int]) -> bool:
    if part.upper() in names:
        return True
    return part.isdigit() and low <= int(part) <= high


def _cron_token(token: str, name: str, low: int, high: int, names: dict[str, int]) -> bool:
    if token == "*":
        return True
    if name == "day-of-month" and (token in ("L", "LW") or (token.endswith("W") and token[:-1].isdigit())):
        return token in ("L", "LW") or low <= int(token[:-1]) <= high
    if name == "day-of-week":
        if token == "L" or (token.endswith("L") and _cron_value(token[:-1], low, high, names)):
            return True
        if "#" in token:
            day, _, nth = token.partition("#")
            return _cron_value(day, low, high, names) and nth in ("1", "2", "3", "4", "5")
    base, slash, step = token.partition("/")
    if slash and not (step.isdigit() and int(step) > 0):
        return False
    if base == "*" and slash:
        return True
    parts = base.split("-")
    return len(parts) <= 2 and all(_cron_value(part, low, high, names) for part in parts)


def aws_cron(value: str) -> str | None:
    found = re.fullmatch(r"cron\((.*)\)", value)
    if not found:
        return f"must be an AWS cron expression, {_CRON_SHAPE}"
    fields = found.group(1).split(" ")
    if len(fields) != 6:
        return f"has {len(fields)} fields; AWS cron has 6: {_CRON_SHAPE}, one space apart"
    for (name, low, high, names), field in zip(_CRON_FIELDS, fields, strict=True):
        if field == "?" and name in ("day-of-month", "day-of-week"):
            continue
        for token in field.split(","):
            if not _cron_token(token, name, low, high, names):
                first, last = (min(names, key=names.get), max(names, key=names.get)) if names else ("", "")
                extra = f" or {first}-{last}" if names else ""
                return f"{name} field {field}: {token} is not a value of {low}-{high}{extra} (with , - * /)"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "needs ? in exactly one of day-of-month and day-of-week (AWS cron), e.g. cron(0 5 * * ? *)"
    return None


def email(value: str) -> str | None:
    if value and not re.fullmatch(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", value):
        return "must be an e-mail address such as ops@acme-corp.net"
    return None


def db_instance_class(value: str) -> str | None:
    """db.<family>.<size> of a memory-optimised family (Aurora Global Database supports db.r*
    and db.x* classes), its size one EC2 uses (botocore's EC2 model lists every type; RDS
    family names do not always match EC2's, e.g. db.x2g and x2gd, so only the size is checked
    against it). Whether the class is offered for a global database in each region is asked
    of the RDS API by preflight (DescribeOrderableDBInstanceOptions).
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.DBInstanceClass.html"""
    found = re.fullmatch(r"db\.([a-z][a-z0-9-]*)\.([a-z0-9]+)", value)
    if not found:
        return "must be db.<family>.<size>, such as db.r6g.large"
    family, size = found.groups()
    if not re.fullmatch(r"[rx]\d+[a-z-]*", family):
        return "must be a memory-optimised db.r*/db.x* class (Global Database needs one)"
    sizes = {name.split(".", 1)[1] for name in ec2_instance_types()}
    if size not in sizes:
        return (
            f"{size} is not an instance size (large, xlarge, 2xlarge, ...: botocore's EC2 model lists "
            "them); whether the class is offered in each region is checked by preflight"
        )
    return None


tag_value.label = "AWS tag value: letters, digits, spaces, _ . : / = + - @; 1 to 256"  # type: ignore[attr-defined]
dns_label.label = "one DNS label: a-z 0-9 -, at most 63"  # type: ignore[attr-defined]
dns_name.label = "DNS name: lower-case labels, no trailing dot, at most 253"  # type: ignore[attr-defined]
aws_cron.label = "AWS cron, 6 fields, ? in day-of-month or day-of-week"  # type: ignore[attr-defined]
email.label = "an e-mail address or empty"  # type: ignore[attr-defined]
db_instance_class.label = "db.r*/db.x* class of an EC2 size (offering: preflight)"  # type: ignore[attr-defined]


STRING_RULES: dict[str, tuple[Rule, ...]] = {
    # Route 53's ResourcePath is at most 255 characters (botocore's route53 model, shape
    # ResourcePath: max 255; https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html)
    # and an HTTP request target is ASCII (https://www.rfc-editor.org/rfc/rfc3986#section-2).
    "healthCheckPath": (
        starts_with("/", "a URL path"),
        ascii_visible("a URL path"),
        max_length(255, "Route 53's health-check ResourcePath"),
    ),
    "environment": (tag_value,),
    "owner": (tag_value,),
    "costCenter": (tag_value,),
    "zoneName": (dns_name,),
    "appName": (dns_label,),
    "backupSchedule": (aws_cron,),
    "alertEmail": (email,),
    "dbInstanceClass": (db_instance_class,),
}
"""Bare key -> its rules, in order; the first problem is reported. Every string key also
obeys `no_control_characters`."""


def string_problem(key: str, value: str) -> str | None:
    """The first rule `value` breaks as the value of `key` (a bare key), or None."""
    for rule in (no_control_characters, *STRING_RULES.get(key, ())):
        problem = rule(value)
        if problem:
            return problem
    return None
