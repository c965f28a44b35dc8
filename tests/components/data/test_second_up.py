"""A second `pulumi up` with nothing changed must be empty (infrastructure code never undoes anything).

Two checks on the mock engine: (1) the program registers identical inputs on a second run
(no timestamps, no fresh randomness in inputs), and (2) for aws.backup.RegionSettings, whose
provider reads back the region's *whole* resource-type map, the properties Pulumi would diff
(those not in ignore_changes) equal what the provider reads back
(hashicorp/terraform-provider-aws#22744: a partial map diffs on every apply;
https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html)."""

from __future__ import annotations

import pytest

from ops.mock_engine import run_both

REGION_SETTINGS = "aws:backup/regionSettings:RegionSettings"
# What DescribeRegionSettings returns in a region today (pulumi-aws 7.x docs' key list; the
# set grows, which is the point): every type, opted in or not.
READ_BACK_OPT_IN = {
    key: key in {"Aurora", "DynamoDB", "RDS", "EBS", "EC2", "EFS", "S3"}
    for key in (
        "Aurora",
        "CloudFormation",
        "DocumentDB",
        "DSQL",
        "DynamoDB",
        "EBS",
        "EC2",
        "EFS",
        "FSx",
        "Neptune",
        "Redshift",
        "Redshift Serverless",
        "RDS",
        "S3",
        "SAP HANA on Amazon EC2",
        "Storage Gateway",
        "Timestream",
        "VirtualMachine",
    )
}
READ_BACK_MANAGEMENT = {"CloudFormation": True, "DSQL": True, "DynamoDB": True, "EFS": True}


@pytest.fixture(scope="module")
def second_run():
    return run_both()


def test_a_second_run_registers_identical_inputs(stacks, second_run):
    for first, second in zip(stacks, second_run, strict=True):
        before = {r.urn: r.inputs for r in first.resources}
        after = {r.urn: r.inputs for r in second.resources}
        assert before.keys() == after.keys(), first.stack
        changed = [urn for urn in before if before[urn] != after[urn]]
        assert not changed, f"{first.stack}: inputs differ on a second run: {changed}"


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_backup_region_settings_show_no_diff_against_what_the_provider_reads_back(by_stack, stack):
    settings = by_stack[stack].one(REGION_SETTINGS)
    read_back = {
        "resourceTypeOptInPreference": READ_BACK_OPT_IN,
        "resourceTypeManagementPreference": READ_BACK_MANAGEMENT,
    }
    diffed = {
        name
        for name, value in read_back.items()
        if name not in settings.options.ignore_changes and settings.inputs.get(name) != value
    }
    assert not diffed, f"every preview would show a diff on {sorted(diffed)}"
    # What the stack needs is set at creation: its data types opted in, DynamoDB fully managed.
    opt_in = settings.inputs["resourceTypeOptInPreference"]
    assert opt_in["Aurora"] and opt_in["DynamoDB"] and opt_in["RDS"]
    assert settings.inputs["resourceTypeManagementPreference"]["DynamoDB"] is True
