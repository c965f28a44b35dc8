#!/usr/bin/env python3
"""Mutation checks of the application side of the write lease (docs/ARCHITECTURE.md#the-write-lease,
docs/WRITE_LEASE.md): the write path, the lease cache, the health contract, the heartbeat, the
instance role's control-table grants, the shipped user data and the default application. Each
entry changes ONE place, runs the targeted tests and expects them to go red, then restores the
file. Run from the repo root: `venv/bin/python tools/mutation_checks_app.py [name-substring ...]`.
Not a test: it rewrites source files while it runs, so never run it beside other work in the tree."""

# ruff: noqa: E501
import sys

from mutations import run_mutations

MUTATIONS = [
    (
        "write budget dropped",
        "failover/write_path.py",
        "check_write(lease, self.region, now + self.budget)",
        "check_write(lease, self.region, now)",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "lease cache never expires",
        "failover/write_path.py",
        "not (0 <= now - self._fetched_at < self._cache_seconds)",
        "False",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "failed read keeps the cached lease",
        "failover/write_path.py",
        'self._lease, self.last_error = None, f"{type(error).__name__}: {error}"',
        'self.last_error = f"{type(error).__name__}: {error}"',
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "late write acknowledged",
        "failover/write_path.py",
        "if not finished < authorisation.valid_until:",
        "if False:",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "holder health ignores the heartbeat",
        "failover/write_path.py",
        "    if not marks or not now - max(marks) <= fresh_seconds:",
        "    if False:",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "health demands the lease",
        "failover/write_path.py",
        '        return True, "data tier reachable; this region does not hold the write lease (reads only)"',
        '        return False, "no lease"',
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "beat bypasses the write path",
        "failover/write_path.py",
        "self.write_path.write(lambda epoch: self._beat(self.region, epoch))",
        "self._beat(self.region, self.write_path.leases.current().epoch)",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "eventually consistent lease read",
        "failover/write_path.py",
        '"ConsistentRead": True,',
        '"ConsistentRead": False,',
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "observation put unconditional",
        "failover/heartbeat.py",
        '"ConditionExpression": "attribute_not_exists(pk) OR observed_at < :observed_at",\n',
        "",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "stale observation trusted",
        "failover/heartbeat.py",
        "    if abs(now - observation.observed_at) > max_age:\n        return None\n",
        "",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "heartbeat upsert lowers epochs (pg)",
        "failover/heartbeat.py",
        '"WHERE trading_dr_heartbeat.epoch <= EXCLUDED.epoch"',
        '""',
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "observer also beats on a foreign lease",
        "failover/write_path.py",
        "        if self.write_path.holds_lease():",
        "        if self.write_path.leases.current() is not None:",
        "tests/failover/test_write_path.py tests/failover/test_heartbeat.py",
    ),
    (
        "lease GetItem unconditioned (IAM)",
        "components/traffic/app_access.py",
        '                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [LEASE_PK]}},\n',
        "",
        "tests/components/traffic/test_application.py",
    ),
    (
        "observation PutItem on any partition (IAM)",
        "components/traffic/app_access.py",
        '                        "dynamodb:LeadingKeys": [OBSERVED_PK],\n',
        "",
        "tests/components/traffic/test_application.py",
    ),
    (
        "lease grant widened to UpdateItem (IAM)",
        "components/traffic/app_access.py",
        '"Action": ["dynamodb:GetItem"],\n                "Resource": [control_table],',
        '"Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],\n                "Resource": [control_table],',
        "tests/components/traffic/test_application.py",
    ),
    (
        "orders bypass the lease",
        "app/server.py",
        "            order_id, epoch = self.write_path.write(lambda epoch: self._insert(symbol, side, quantity, epoch))",
        "            order_id, epoch = self._insert(symbol, side, quantity, 0), 0",
        "tests/components/traffic/test_application.py",
    ),
    (
        "shipped copy differs from the module",
        "components/traffic/bootstrap.py",
        "    text = source.read_text()\n",
        "    text = source.read_text().replace('now + self.budget', 'now')\n",
        "tests/components/traffic/test_application.py",
    ),
    (
        "user data not compressed",
        "components/traffic/bootstrap.py",
        "    data = gzip.compress(script.encode(), compresslevel=9, mtime=0)",
        "    data = script.encode()[:16000]",
        "tests/components/traffic/test_application.py",
    ),
    (
        "health ignores heartbeat in the server",
        "app/server.py",
        "            last_beat_ok_at=self.heartbeat.last_beat_ok_at,",
        "            last_beat_ok_at=self.clock(),",
        "tests/components/traffic/test_application.py",
    ),
    (
        "password on the client's command line",
        "app/server.py",
        '"-u", user, "-D", database',
        '"-u", user, f"-p{password}", "-D", database',
        "tests/app",
    ),
    (
        "any text becomes a SQL literal",
        "app/server.py",
        "    if isinstance(value, str) and SAFE_TEXT.fullmatch(value):",
        "    if isinstance(value, str):",
        "tests/app",
    ),
    (
        "signature without the body hash",
        "app/aws.py",
        "         hashlib.sha256(body).hexdigest()]",
        "         hashlib.sha256(b'').hexdigest()]",
        "tests/app",
    ),
    (
        "MySQL client without TLS",
        "app/server.py",
        '"--skip-column-names", "--ssl", ',
        '"--skip-column-names", ',
        "tests/app",
    ),
    (
        "credentials never refreshed",
        "app/aws.py",
        "if self._current is None or self._clock() >= self._until:",
        "if self._current is None:",
        "tests/app",
    ),
    (
        "bootstrap forgets a setting the app reads",
        "components/traffic/bootstrap.py",
        '  echo "CONTROL_TABLE=$(param control-table)"\n',
        "",
        "tests/components/traffic/test_application.py -k writes_every_setting",
    ),
]
if __name__ == "__main__":
    sys.exit(1 if run_mutations(MUTATIONS, sys.argv[1:]) else 0)
