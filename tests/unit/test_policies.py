"""local/policies.py: a policy rendered for a stack, what moto can enforce of it, and what a call asks of IAM."""

from __future__ import annotations

import pytest

from local import policies

REGION, ACCOUNT = "eu-west-1", "111122223333"
TICKETS = "arn:aws:dynamodb:eu-west-1:111122223333:table/switchboard-local-tickets"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
            "Resource": [TICKETS, f"{TICKETS}/index/ByDue"],
        },
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "arn:aws:sqs:eu-west-1:111122223333:q"},
        {
            "Effect": "Allow",
            "Action": ["ssm:GetParameter"],
            "Resource": "arn:aws:ssm:*:*:parameter/switchboard/local/*",
        },
    ],
}


def test_render_resolves_region_and_account_and_moves_the_names_to_the_stage():
    # GIVEN a dev policy statement as the .chalice/ files write it
    source = {
        "Resource": [
            {"Fn::Sub": "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/switchboard-dev-tickets"},
            {"Fn::Sub": "arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/switchboard/dev/ack-link-secret"},
        ]
    }
    # WHEN rendered for the local stage
    rendered = policies.render(source, stage="local", region=REGION, account=ACCOUNT)
    # THEN CloudFormation's substitution is done, and the names are the local stack's
    assert rendered == {
        "Resource": [TICKETS, "arn:aws:ssm:eu-west-1:111122223333:parameter/switchboard/local/ack-link-secret"]
    }


def test_every_function_has_a_policy_file_and_every_file_renders_with_no_placeholder_left():
    for function in policies.FUNCTIONS:
        text = str(policies.render(policies.load(function), stage="local", region=REGION, account=ACCOUNT))
        assert "${" not in text and "switchboard-dev-" not in text, function


def test_for_moto_keeps_sqs_resources_and_widens_the_others_it_cannot_check():
    moto = policies.for_moto(POLICY)["Statement"]
    # THEN SQS keeps its queue (moto checks it), with the batch action moto asks for and AWS folds into the single one;
    # DynamoDB names "*" and is allowed the transaction moto asks for
    assert moto[1]["Resource"] == "arn:aws:sqs:eu-west-1:111122223333:q"
    assert moto[1]["Action"] == ["sqs:SendMessage", "sqs:SendMessageBatch"]
    assert moto[0]["Resource"] == "*" and "dynamodb:TransactWriteItems" in moto[0]["Action"]
    assert moto[2]["Resource"] == "*" and moto[2]["Action"] == ["ssm:GetParameter"]


@pytest.mark.parametrize(
    ("action", "resource", "allowed"),
    [
        ("dynamodb:GetItem", TICKETS, True),
        ("dynamodb:getitem", TICKETS, True),  # actions are case-insensitive
        ("dynamodb:UpdateItem", f"{TICKETS}/index/ByDue", True),
        ("dynamodb:PutItem", TICKETS, False),  # action not granted
        ("dynamodb:GetItem", TICKETS.replace("tickets", "customers"), False),  # another table
        ("dynamodb:GetItem", TICKETS.replace("eu-west-1", "us-east-1"), False),  # another region
        ("ssm:GetParameter", "arn:aws:ssm:eu-west-1:111122223333:parameter/switchboard/local/x", True),
        ("ssm:GetParameter", "arn:aws:ssm:eu-west-1:111122223333:parameter/switchboard/prod/x", False),
        ("sts:GetCallerIdentity", "*", True),  # AWS allows it whatever the policy
    ],
)
def test_allows_matches_actions_and_resources_as_iam_does(action, resource, allowed):
    assert policies.allows(POLICY, action, resource) is allowed


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        ("dynamodb", "GetItem", {"TableName": "t"}, [("dynamodb:GetItem", "arn:aws:dynamodb:r:a:table/t")]),
        (
            "dynamodb",
            "Query",
            {"TableName": "t", "IndexName": "ByDue"},
            [("dynamodb:Query", "arn:aws:dynamodb:r:a:table/t/index/ByDue")],
        ),
        (
            "dynamodb",
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "t"}}, {"ConditionCheck": {"TableName": "u"}}]},
            [
                ("dynamodb:PutItem", "arn:aws:dynamodb:r:a:table/t"),
                ("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:r:a:table/u"),
            ],
        ),
        (
            "dynamodb",
            "BatchGetItem",
            {"RequestItems": {"c": {}}},
            [("dynamodb:BatchGetItem", "arn:aws:dynamodb:r:a:table/c")],
        ),
        ("sns", "Publish", {"TopicArn": "arn:aws:sns:r:a:t"}, [("sns:Publish", "arn:aws:sns:r:a:t")]),
        (
            "sqs",
            "SendMessage",
            {"QueueUrl": "http://localhost:5001/123/switchboard-local-events"},
            [("sqs:SendMessage", "arn:aws:sqs:r:a:switchboard-local-events")],
        ),
        (
            "sqs",
            "SendMessageBatch",  # IAM has no batch action: AWS checks sqs:SendMessage
            {"QueueUrl": "http://localhost:5001/123/switchboard-local-replies"},
            [("sqs:SendMessage", "arn:aws:sqs:r:a:switchboard-local-replies")],
        ),
        (
            "ssm",
            "GetParameter",
            {"Name": "/switchboard/local/x"},
            [("ssm:GetParameter", "arn:aws:ssm:r:a:parameter/switchboard/local/x")],
        ),
    ],
    ids=["get", "index", "transaction", "batch-get", "publish", "queue", "queue-batch", "parameter"],
)
def test_requests_names_what_iam_checks_for_a_call(service, operation, params, expected):
    assert policies.requests(service, operation, params, "r", "a") == expected
