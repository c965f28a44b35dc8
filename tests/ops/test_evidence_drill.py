"""In the drill the real runtime writes its execution evidence to the region's evidence bucket
(created in moto from the plan's names): after a region is lost, and after an orchestrator
is killed right after FailoverGlobalCluster, the DR region's bundle is sealed and verifies."""

from __future__ import annotations

import hashlib

import pytest
from moto import mock_aws

from failover import evidence as ev
from ops.drill import DRILL_START, SCENARIO_FUNCTIONS, STEADY_SECONDS, Run
from ops.emulation.dr_world import session
from ops.evidence.verify import INTACT, verify_path
from tests.ops.drill_support import ACCOUNT, WEST, facts, timing


def with_evidence():
    plan = facts()
    for region, spec in plan.regions.items():
        spec.environment["FAILOVER_EVIDENCE_BUCKET"] = f"trading-dr-evidence-{ACCOUNT}-{region}"
        spec.environment["FAILOVER_EVIDENCE_KEY_ARN"] = f"arn:aws:kms:{region}:{ACCOUNT}:key/from-the-plan"
    return plan


@pytest.mark.parametrize("scenario", ["region-gone", "killed-mid-promotion"])
def test_the_dr_regions_execution_bundle_verifies_after_the_drill(scenario):
    with mock_aws():
        run = Run(scenario, with_evidence(), timing(), 120.0, 0, 1.0)
        run.run_until(DRILL_START + STEADY_SECONDS)
        SCENARIO_FUNCTIONS[scenario](run)
        run.finish()
        assert run.promoted() and not run.errors, run.errors
        config = run.runtimes[WEST].config
        kms = session().client("kms", region_name=WEST)
        public = kms.get_public_key(KeyId=config.evidence_key_arn)["PublicKey"]
        trusted = {hashlib.sha256(public).hexdigest(): "drill kms"}
        s3 = session().client("s3", region_name=WEST)
        listed = s3.list_objects_v2(Bucket=config.evidence_bucket, Prefix="executions/")["Contents"]
        bundles = sorted({item["Key"].split("/")[1] for item in listed})
        assert len(bundles) == 1
        verdict = verify_path(f"s3://{config.evidence_bucket}/executions/{bundles[0]}", trusted, s3)
    assert verdict.status == INTACT, verdict.line
    kinds = [r["kind"] for r in verdict.records]
    assert kinds.count(ev.PROMOTION_REQUESTED) == 1 and kinds[-1] == ev.EXECUTION_CLOSED
    assert ev.DECISION in kinds and ev.VOTE in kinds and ev.FENCE in kinds
