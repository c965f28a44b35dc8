"""The key-policy builder, as a plain function."""

import json

import pytest

from components.security.key_policy import SERVICE_STATEMENTS, key_policy


def statements(services):
    return json.loads(key_policy("eu-west-1", "111122223333", "aws", services))["Statement"]


def test_only_the_account_without_services():
    assert [s["Sid"] for s in statements([])] == ["EnableAccountAdministration"]


@pytest.mark.parametrize("service", sorted(SERVICE_STATEMENTS))
def test_each_service_adds_only_its_own_scoped_statements(service):
    added = statements([service])[1:]
    assert added
    for statement in added:
        assert statement["Effect"] == "Allow"
        assert "Condition" in statement
        conditions = json.dumps(statement["Condition"])
        assert "111122223333" in conditions or "eu-west-1" in conditions


def test_logs_is_scoped_to_log_groups_of_the_region_and_account():
    (logs,) = statements(["logs"])[1:]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"] == (
        "arn:aws:logs:eu-west-1:111122223333:log-group:*"
    )


def test_via_service_statements_bind_account_and_regional_endpoint():
    (rds,) = statements(["rds"])[1:]
    assert rds["Condition"]["StringEquals"] == {
        "kms:CallerAccount": "111122223333",
        "kms:ViaService": "rds.eu-west-1.amazonaws.com",
    }


def test_an_unknown_service_is_refused():
    with pytest.raises(ValueError, match="no key policy statement"):
        statements(["kinesis"])
