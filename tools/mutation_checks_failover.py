#!/usr/bin/env python3
"""Mutation checks of the failover runtime's safety rules (issue 10 "holes" and more): each
entry changes ONE line, runs the targeted tests and expects them to go red, then restores
the file. Prints RED (the suite catches the change) or GREEN (a hole). Run from the repo
root: `venv/bin/python tools/mutation_checks_failover.py [name-substring ...]`. Not a test:
it rewrites source files while it runs, so never run it beside other work in the tree."""

# ruff: noqa: E501
import sys

from mutations import run_mutations

MUTATIONS = [
    (
        "probe aimed at own region",
        "failover/orchestrator.py",
        "probe = peer_probe_signal(self.probe, c.peer_health_url)",
        "probe = peer_probe_signal(self.probe, c.peer_health_url.replace(c.peer_region, c.home_region))",
        "tests/failover/test_failover_orchestrator.py -k aimed_at_the_peer",
    ),
    (
        "clients for peer region",
        "failover/orchestrator.py",
        "self.clients = clients or Clients.for_region(config.home_region)",
        "self.clients = clients or Clients.for_region(config.peer_region)",
        "tests/failover/test_failover_orchestrator.py -k built_for_the_home_region",
    ),
    (
        "refused switchover -> detach",
        "failover/executor.py",
        "            if outcome.status == a.REFUSED:\n",
        "            if outcome.status == a.REFUSED:\n                c.clients.rds.remove_from_global_cluster(GlobalClusterIdentifier=c.config.global_cluster_id, DbClusterIdentifier=c.config.local_cluster_arn)\n",
        "tests/failover/test_failover_orchestrator.py -k refused_switchover",
    ),
    (
        "RPO gate reads smaller metric",
        "failover/signals.py",
        'return LagReading(max(fresh.values()), {"metrics": fresh, "reference": _stamp(reference)})',
        'return LagReading(min(fresh.values()), {"metrics": fresh, "reference": _stamp(reference)})',
        "tests/failover -k 'larger_lag_metric or lag_reading'",
    ),
    (
        "failed try then success = down",
        "failover/signals.py",
        "    healthy = any(t.ok for t in tries)\n",
        "    healthy = tries[0].ok\n",
        "tests/failover -k 'failed_probe_try or probe_semantics'",
    ),
    (
        "unreadable witness = down",
        "failover/signals.py",
        'return Signal("witness", None, {"fqdn": fqdn, "error": f"{type(error).__name__}: {error}"})',
        'return Signal("witness", True, {"fqdn": fqdn, "error": f"{type(error).__name__}: {error}"})',
        "tests/failover -k 'unreadable_witness or witness_reads_down'",
    ),
    (
        "unreadable lag metric skipped",
        "failover/signals.py",
        '            return LagReading(None, {"error": f"{metric}: {error}"})',
        "            continue",
        "tests/failover -k lag_reading",
    ),
    (
        "no already-writer re-check under lock",
        "failover/orchestrator.py",
        "            if view.local_is_writer(c.local_cluster_arn):\n                record.update(outcome=d.ALREADY_WRITER, action=None, local_is_writer=True)\n                return\n",
        "",
        "tests/failover/test_failover_orchestrator.py -k under_the_lock",
    ),
    (
        "no self-check abstain",
        "failover/decision.py",
        "    if unreachable and s.command == EVALUATE:",
        "    if False:",
        "tests/failover -k 'impaired or arc_unreachable or test_decide'",
    ),
    (
        "no positive-evidence veto",
        "failover/decision.py",
        "    if vetoed(s.witness, s.probe):\n        return",
        "    if False:\n        return",
        "tests/failover -k 'failed_probe_try or test_decide'",
    ),
    (
        "probe alone (witness not required)",
        "failover/decision.py",
        "    if s.witness.peer_down is not True:\n",
        "    if False:\n",
        "tests/failover -k 'unreadable_witness or test_decide'",
    ),
    (
        "quorum without the witness",
        "failover/decision.py",
        "    return witness.peer_down is True and probe.peer_down is True",
        "    return probe.peer_down is True",
        "tests/failover -k 'quorum_needs'",
    ),
    (
        "promote before fence",
        "failover/executor.py",
        "        TARGETS_READY,\n        FENCE,\n        PROMOTE_DB,\n",
        "        TARGETS_READY,\n        PROMOTE_DB,\n        FENCE,\n",
        "tests/failover/test_failover_orchestrator.py -k fence_first",
    ),
    (
        "switchover flips before writer moved",
        "failover/executor.py",
        "    SWITCHOVER: (\n        SCALE_COMPUTE,",
        "    SWITCHOVER: (\n        FENCE,\n        SCALE_COMPUTE,",
        "tests/failover/test_failover_orchestrator.py -k only_after_the_writer_moved",
    ),
    (
        "lease never expires",
        "failover/control_table.py",
        '"attribute_not_exists(pk) OR expires_at < :now OR holder = :holder"',
        '"attribute_not_exists(pk) OR holder = :holder"',
        "tests/failover/test_failover_orchestrator.py -k 'killed_mid_promotion or lapsed_lease'",
    ),
    (
        "renew ignores expiry",
        "failover/control_table.py",
        'ConditionExpression="holder = :holder AND expires_at >= :now"',
        'ConditionExpression="holder = :holder"',
        "tests/failover/test_failover_orchestrator.py -k lapsed_lease",
    ),
    (
        "executor ignores lost lock",
        "failover/executor.py",
        "            if not c.table.renew_lock(holder, c.config.lock_seconds):",
        "            if False:",
        "tests/failover/test_failover_orchestrator.py -k lost_its_lock",
    ),
    (
        "lock not released",
        "failover/orchestrator.py",
        '        finally:\n            self.table.release_lock(holder)\n            record["lock"] = self.table.lock_holder()\n\n    def _drive',
        '        finally:\n            record["lock"] = self.table.lock_holder()\n\n    def _drive',
        "tests/failover/test_failover_orchestrator.py -k 'fence_first or under_the_lock'",
    ),
    (
        "stale lag accepted",
        "failover/signals.py",
        '        points = [p for p in points if _utc(p["Timestamp"]) >= oldest]\n',
        "",
        "tests/failover -k 'stale_lag or lag_reading'",
    ),
    (
        "transient promotion error not retried",
        "failover/actions.py",
        "            if not _transient(error):",
        "            if True:",
        "tests/failover/test_failover_orchestrator.py -k 'failover_api_faults or throttled_failover_call'",
    ),
    (
        "headless: no writer instance",
        "failover/actions.py",
        "    if not view.headless:\n        return StepOutcome(DONE",
        "    if True:\n        return StepOutcome(DONE",
        "tests/failover/test_failover_orchestrator.py -k headless",
    ),
    (
        "no peer-down page",
        "failover/orchestrator.py",
        '            "peer_down": (has_quorum, after),\n',
        "",
        "tests/failover/test_failover_orchestrator.py -k pages_from_the_survivor",
    ),
    (
        "no-quorum page never",
        "failover/orchestrator.py",
        '            "no_quorum": (down and not has_quorum, after),\n',
        "",
        "tests/failover/test_failover_orchestrator.py -k 'partition or unreadable_witness'",
    ),
    (
        "no automatic RPO gate",
        "failover/decision.py",
        "    if lag_blocks(s.lag_seconds, s.max_lag_seconds):\n        return Decision(\n            RPO_GATE,",
        "    if False:\n        return Decision(\n            RPO_GATE,",
        "tests/failover -k 'lag_over_the_bound or larger_lag_metric or stale_lag'",
    ),
    (
        "fence in two calls",
        "failover/arc.py",
        "        self._set(home=ON, peer=OFF)",
        "        self._set(home=ON, peer=ON)\n        self._set(home=ON, peer=OFF)",
        "tests/failover/test_failover_arc.py",
    ),
    (
        "ARC conflict rotated",
        "failover/arc.py",
        "                if code == CONFLICT:",
        "                if False:",
        "tests/failover/test_failover_arc.py",
    ),
    (
        "fence on InService, not target health",
        "failover/executor.py",
        "        if c.target_group_arn:\n            healthy, registered",
        "        if False:\n            healthy, registered",
        "tests/failover/test_failover_orchestrator.py -k load_balancers_healthy",
    ),
    (
        "witness read before the probe",
        "failover/orchestrator.py",
        "        probe = peer_probe_signal(self.probe, c.peer_health_url)\n        witness = witness_signal(\n            self.resolver, c.witness_fqdn, c.witness_healthy_address, c.witness_unhealthy_address\n        )\n",
        "        witness = witness_signal(\n            self.resolver, c.witness_fqdn, c.witness_healthy_address, c.witness_unhealthy_address\n        )\n        probe = peer_probe_signal(self.probe, c.peer_health_url)\n",
        "tests/failover/test_failover_orchestrator.py -k witness_is_read_after",
    ),
    (
        "ARC rotation ignores the home region",
        "failover/orchestrator.py",
        "            prefer_region=config.home_region,\n",
        "",
        "tests/failover/test_failover_arc.py",
    ),
    (
        "drill ends invocations at each phase",
        "ops/drill.py",
        "            if done is not None and done():\n                break\n\n    def finish",
        "            if done is not None and done():\n                break\n        self.finish()\n\n    def finish",
        "tests/ops/test_drill.py -k under_way",
    ),
    (
        "drill charges DynamoDB the generic round trip",
        "ops/emulation/dr_world.py",
        'self.timing.dynamodb_latency_seconds if service == "dynamodb" else self.timing.api_latency_seconds',
        "self.timing.api_latency_seconds",
        "tests/ops/test_drill_emulation.py -k dynamodb_is_charged",
    ),
    (
        "drill: InService is a healthy target",
        "ops/emulation/compute.py",
        "            group.in_service[instance] = min(in_service_at, ready_at)",
        "            group.in_service[instance] = ready_at",
        "tests/ops/test_drill_emulation.py -k in_service_in_its_group",
    ),
    (
        "detach without fence check",
        "ops/failover_cmd.py",
        "        if not peer_is_fenced(states):",
        "        if False:",
        "tests/ops/test_failover_detach.py",
    ),
]
if __name__ == "__main__":
    sys.exit(1 if run_mutations(MUTATIONS, sys.argv[1:]) else 0)
