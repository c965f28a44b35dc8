from ops.mock_engine import run_stack


def test_both_stacks_build_in_their_home_regions(primary, dr):
    assert primary.exports["region"] == "us-east-1"
    assert dr.exports["region"] == "us-west-2"
    assert primary.of_type("aws:ec2/vpc:Vpc")[0].region == "us-east-1"
    assert dr.of_type("aws:ec2/vpc:Vpc")[0].region == "us-west-2"


def test_a_single_stack_builds_alone():
    run = run_stack("primary", overrides={"trading-dr:azCount": 2})
    assert len(run.of_type("aws:ec2/subnet:Subnet")) == 6
