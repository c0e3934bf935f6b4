"""infra/: the stack creates in moto's CloudFormation, and the packaged template is what Lambda needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.stack import load_template

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "build" / "dev" / "sam.yaml"


def test_the_stack_creates_in_moto_with_what_moto_skips_applied(aws):
    out = aws.stack.outputs
    ddb, sqs = aws.clients["dynamodb"], aws.clients["sqs"]
    # THEN dedup markers expire by TTL, failed messages go to the DLQ after 5 receives, the DLQ is watched
    ttl = ddb.describe_time_to_live(TableName=out["TicketsTableName"])["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=out["EventsQueueUrl"], AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    )
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"].endswith(":switchboard-local-events-dlq")
    alarm = aws.clients["cloudwatch"].describe_alarms()["MetricAlarms"][0]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "switchboard-local-events-dlq"}]
    assert alarm["AlarmActions"] == [out["OpsAlertsTopicArn"]]


def _packaged() -> dict[str, Any]:
    if not PACKAGED.exists():
        pytest.fail(f"{PACKAGED.relative_to(ROOT)} is missing: run `make package` first (make test does)")
    # chalice writes plain YAML (long-form intrinsics), so the safe loader reads it
    return dict(yaml.safe_load(PACKAGED.read_text(encoding="utf-8")))


def test_the_packaged_triage_function_reports_partial_batch_failures_from_the_stacks_queue():
    triage = _packaged()["Resources"]["Triage"]["Properties"]
    source = triage["Events"]["TriageSqsEventSource"]["Properties"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Queue"] == {"Fn::Sub": "${EventsQueue.Arn}"}
    assert source["BatchSize"] == 10


def test_the_packaged_functions_get_every_resource_name_from_the_stack():
    variables = _packaged()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["EVENTS_QUEUE_URL"] == {"Ref": "EventsQueue"}
    assert variables["TICKETS_TABLE"] == {"Ref": "TicketsTable"}


def test_iam_is_least_privilege_per_function():
    resources = _packaged()["Resources"]
    for role in ("ApiHandlerRole", "TriageRole", "EscalateRole"):
        statements = [s for p in resources[role]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
        actions = [a for s in statements for a in s["Action"]]
        # THEN no wildcard actions, and each function only what it uses
        assert not [a for a in actions if "*" in a], role
    api_actions = {
        a
        for p in resources["ApiHandlerRole"]["Properties"]["Policies"]
        for s in p["PolicyDocument"]["Statement"]
        for a in s["Action"]
    }
    # the API queues, reads customers to decide a live call inline, and writes pages only to acknowledge
    # them (a link, an SMS "ACK"); it never publishes pages, updates tickets or queries indexes
    assert "sqs:SendMessage" in api_actions
    assert {a for a in api_actions if a.startswith(("dynamodb:", "sns:"))} == {
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
    }
    # the sweep reads the ByDue index and publishes; it reads no customers and consumes no queue
    sweep = [s for p in resources["EscalateRole"]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert "arn:aws:dynamodb:*:*:table/switchboard-dev-tickets/index/ByDue" in [
        r for s in sweep for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert not [a for s in sweep for a in s["Action"] if a.startswith("sqs:")]


def test_template_overrides_only_resources_chalice_generates():
    # an entry without a Type is a partial override; it must name a resource Chalice emits
    packaged = _packaged()["Resources"]
    partial = [k for k, v in load_template()["Resources"].items() if "Type" not in v]
    assert partial == ["Triage", "InboundEmail"]
    assert all(packaged[k]["Type"] == "AWS::Serverless::Function" for k in partial)
