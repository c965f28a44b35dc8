#!/usr/bin/env python3
"""Mutation checks of the program's failover safety properties (the authority's wiring, no
reserved concurrency, code signing): each entry changes ONE line, runs the targeted tests and expects them
to go red, then restores the file. Prints RED (the suite catches the change) or GREEN (a
hole). Run from the repo root: `venv/bin/python tools/mutation_checks_program.py
[name-substring ...]`. Not a test: it rewrites source files while it runs, so never run it
beside other work in the tree."""

# ruff: noqa: E501
import sys

from mutations import run_mutations

AUTHORITY = "tests/components/failover/test_traffic_authority.py"
GATING = "tests/components/traffic/test_dns_gating.py"
COMPONENT = "tests/components/failover/test_failover_component.py"

MUTATIONS = [
    (
        "safety rule allows both On (AND not inverted)",
        "components/failover/authority.py",
        'RuleConfig(name="never-both-on", type="AND", threshold=2, inverted=True)',
        'RuleConfig(name="never-both-on", type="AND", threshold=2, inverted=False)',
        AUTHORITY,
    ),
    (
        "safety rule allows both Off (ATLEAST 0)",
        "components/failover/authority.py",
        'RuleConfig(name="at-least-one-on", type="ATLEAST", threshold=1, inverted=False)',
        'RuleConfig(name="at-least-one-on", type="ATLEAST", threshold=0, inverted=False)',
        AUTHORITY,
    ),
    (
        "failover record gated by the ALB check",
        "components/traffic/dns.py",
        "            health_check_id=check.id,",
        "            health_check_id=self.health_check.id,",
        GATING,
    ),
    (
        "failover record as alias with target health",
        "components/traffic/dns.py",
        '            type="CNAME",\n            ttl=args.failover_ttl_seconds,\n            records=[args.alb_dns_name],',
        '            type="A",\n            aliases=[alias],',
        GATING + " -k arc_switched_on",
    ),
    (
        "witness PRIMARY without the ALB check",
        "components/traffic/dns.py",
        '                failover_routing_policies=[{"type": "PRIMARY"}],\n                health_check_id=self.health_check.id,',
        '                failover_routing_policies=[{"type": "PRIMARY"}],',
        GATING + " -k witness",
    ),
    (
        "orchestrator resolves its own witness",
        "components/regional_stack.py",
        "peer_witness_fqdn=witness_fqdn(settings.traffic, settings.peer_region),",
        "peer_witness_fqdn=witness_fqdn(settings.traffic, settings.home_region),",
        GATING + " -k peers_witness",
    ),
    (
        "function may detach (RemoveFromGlobalCluster)",
        "components/failover/policy.py",
        'PROMOTE_ACTIONS = ("rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster")',
        'PROMOTE_ACTIONS = ("rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster", "rds:RemoveFromGlobalCluster")',
        COMPONENT + " -k iam",
    ),
    (
        "single-control flips granted",
        "components/failover/policy.py",
        '    "route53-recovery-cluster:UpdateRoutingControlStates",\n)',
        '    "route53-recovery-cluster:UpdateRoutingControlStates",\n    "route53-recovery-cluster:UpdateRoutingControlState",\n)',
        COMPONENT + " -k iam",
    ),
    (
        "reserved concurrency back",
        "components/failover/orchestrator_function.py",
        "            # No reserved_concurrent_executions: see the module docstring (AWS's 100 unreserved).",
        "            reserved_concurrent_executions=1,",
        COMPONENT + " -k reserved",
    ),
    (
        "code signing only warns",
        "components/failover/signing.py",
        'untrusted_artifact_on_deployment="Enforce"',
        'untrusted_artifact_on_deployment="Warn"',
        COMPONENT + " -k signed",
    ),
    (
        "apps told the regional cluster endpoint, not the global writer",
        "components/regional_stack.py",
        "                global_writer_endpoint=args.global_writer_endpoint,",
        "                global_writer_endpoint=self.data.aurora.cluster.endpoint,",
        "tests/components/failover/test_discovery.py",
    ),
    (
        "rds.global_db_rpo on the secondary too",
        "components/data/aurora_plan.py",
        '    if database.engine != "aurora-postgresql" or role != "primary" or bound is None:',
        '    if database.engine != "aurora-postgresql" or bound is None:',
        "tests/components/data/test_global_db_rpo.py",
    ),
    (
        "no page when the orchestrator stops running",
        "components/observability/metrics.py",
        '            treat_missing_data="breaching",\n            unit="invocations/min",',
        '            treat_missing_data="notBreaching",\n            unit="invocations/min",',
        "tests/components/observability/test_observability.py -k stops_running",
    ),
    (
        "the fence's target group is not wired (falls back to InService)",
        "components/failover/orchestrator_function.py",
        '            "target_group_arn": wiring.target_group_arn,\n',
        "",
        "tests/components/failover/test_failover_component.py -k environment_is_the_runtime_contract",
    ),
    (
        "no grant to read target health",
        "components/failover/policy.py",
        '            "Action": ["elasticloadbalancing:DescribeTargetHealth"],',
        '            "Action": ["autoscaling:DescribeAutoScalingGroups"],',
        "tests/components/failover/test_failover_component.py -k iam_grants_exactly",
    ),
    # --- infrastructure code never undoes a failover; the deploy blockers (docs/IAC_AND_FAILOVER.md)
    (
        "post-failover up lowers the group's minimum (minSize managed again)",
        "components/traffic/compute.py",
        'FAILOVER_SIZES = ("minSize", "desiredCapacity")',
        'FAILOVER_SIZES = ("desiredCapacity",)',
        "tests/ops/test_post_failover_up.py",
    ),
    (
        "post-failover up resets the desired size (desiredCapacity managed again)",
        "components/traffic/compute.py",
        'FAILOVER_SIZES = ("minSize", "desiredCapacity")',
        'FAILOVER_SIZES = ("minSize",)',
        "tests/ops/test_post_failover_up.py",
    ),
    (
        "post-failover up clears the old primary's replication source",
        "components/data/aurora.py",
        'DRIFTING_FIELDS = ("replicationSourceIdentifier", "globalClusterIdentifier", "engineVersion")',
        'DRIFTING_FIELDS = ("globalClusterIdentifier", "engineVersion")',
        "tests/ops/test_post_failover_up.py",
    ),
    (
        "post-failover up re-joins a detached survivor",
        "components/data/aurora.py",
        'DRIFTING_FIELDS = ("replicationSourceIdentifier", "globalClusterIdentifier", "engineVersion")',
        'DRIFTING_FIELDS = ("replicationSourceIdentifier", "engineVersion")',
        "tests/ops/test_post_failover_up.py",
    ),
    (
        "routing controls created in parallel on one panel",
        "components/failover/authority.py",
        "            self.routing_controls[region], previous = control, [control]",
        "            self.routing_controls[region] = control",
        AUTHORITY + " -k one_after_another",
    ),
    (
        "orderable lookup without the storage type (two entries match)",
        "components/network/orderable.py",
        '            "storage_type": self.storage_type,\n',
        "",
        "tests/components/network/test_orderable_lookup.py",
    ),
    (
        "preflight demands 101 unreserved Lambda executions without a reservation",
        "ops/preflight.py",
        "    required = LAMBDA_UNRESERVED_MINIMUM + reserved if reserved > 0 else UNRESERVED_TO_RUN",
        "    required = LAMBDA_UNRESERVED_MINIMUM + reserved + 1",
        "tests/ops/test_preflight.py -k concurrent",
    ),
    (
        "preflight accepts a partial delegation",
        "ops/preflight.py",
        "    if public and public == own:",
        "    if public and public & own:",
        "tests/ops/test_preflight.py -k delegation",
    ),
    (
        "a dead instance stays in the ALB for 150 s",
        "components/traffic/entry.py",
        '"unhealthy_threshold": 3,',
        '"unhealthy_threshold": 10,',
        "tests/components/traffic/test_application.py -k dead_instance",
    ),
    (
        "a disposable stack's documents buckets block destroy",
        "components/security/private_bucket.py",
        "        force_destroy=not protect,",
        "        force_destroy=False,",
        "tests/components/data/test_destroy_and_recreate.py",
    ),
    (
        "the zones are recomputed on every up",
        "components/network/vpc.py",
        "            if not args.pinned_zone_ids:",
        "            if True:",
        "tests/components/network/test_zone_pinning.py",
    ),
    (
        "a raw pulumi up creates trading.example.com",
        "components/program.py",
        "    refusal = undeployable_zone(settings) if on_real_engine() else None",
        "    refusal = None",
        "tests/components/traffic/test_zone_refusal.py",
    ),
    (
        "home-only up targets the peer region",
        "ops/home_only.py",
        "        return resource.region == home",
        "        return True",
        "tests/ops/test_home_only.py",
    ),
    (
        "preflight counts instances, not vCPUs",
        "ops/preflight.py",
        "    needed = traffic.app_max_size * vcpus",
        "    needed = traffic.app_max_size",
        "tests/ops/test_preflight.py -k vcpu",
    ),
    (
        "a bound changed in the settings table only (Pulumi.yaml still states the old one)",
        "failover/settings_table.py",
        '        1,\n        10,\n        "evaluations",',
        '        1,\n        11,\n        "evaluations",',
        "tests/test_settings_table.py -k pulumi_yaml",
    ),
    (
        "a default changed in the settings table only",
        "failover/settings_table.py",
        '        "FAILOVER_LOCK_SECONDS",\n        60,',
        '        "FAILOVER_LOCK_SECONDS",\n        90,',
        "tests/test_settings_table.py -k pulumi_yaml",
    ),
    (
        "the settings reader ignores the table's bounds",
        "components/settings.py",
        "    return read.integer(config_key, row.low, row.high)",
        "    return read.integer(config_key, 0, 10**6)",
        "tests/test_settings_table.py -k settings_reader",
    ),
    (
        "the runtime ignores the table's bounds",
        "failover/config.py",
        "or not isinstance(value, int) or not low <= value <= high:",
        "or not isinstance(value, int):",
        "tests/test_settings_table.py -k runtime_bounds",
    ),
    (
        "the Lambda's environment leaves out the operator's settings",
        "components/failover/orchestrator_function.py",
        "            self._args.failover.runtime_environment()\n            | ",
        "            ",
        "tests/components/failover/test_failover_component.py -k environment_is_the_runtime_contract",
    ),
    (
        "peer's control table readable beyond its STATE item",
        "components/failover/policy.py",
        '            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [STATE_PK]}},\n',
        "",
        "tests/components/failover/test_peer_epoch_read.py -k reads_only",
    ),
    (
        "peer's key decrypts any table of the peer region",
        "components/failover/policy.py",
        '                    "kms:EncryptionContext:aws:dynamodb:tableName": peer.name,\n',
        "",
        "tests/components/failover/test_peer_epoch_read.py -k decrypts_only",
    ),
    (
        "peer's control table not wired into the orchestrator",
        "components/failover/orchestrator_function.py",
        '            wired["peer_control_table"] = wiring.peer_control_table',
        "            pass",
        "tests/components/failover/test_peer_epoch_read.py -k told_the_peer",
    ),
]
if __name__ == "__main__":
    sys.exit(1 if run_mutations(MUTATIONS, sys.argv[1:]) else 0)
