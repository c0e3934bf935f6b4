"""infra/: the stack creates in moto's CloudFormation, and the packaged template is what Lambda needs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from local import policies
from local.policies import FUNCTIONS
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
    # the rules bucket keeps every version, blocks public access and expires old versions
    s3, bucket = aws.clients["s3"], out["RulesBucketName"]
    assert bucket == "switchboard-local-rules-123456789012"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90


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


def test_the_packaged_replies_function_reads_the_stacks_replies_queue_with_partial_batch_failures():
    sender = _packaged()["Resources"]["SendReplies"]["Properties"]
    source = sender["Events"]["SendRepliesSqsEventSource"]["Properties"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Queue"] == {"Fn::Sub": "${RepliesQueue.Arn}"}


def test_the_packaged_functions_get_every_resource_name_from_the_stack():
    variables = _packaged()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["EVENTS_QUEUE_URL"] == {"Ref": "EventsQueue"}
    assert variables["TICKETS_TABLE"] == {"Ref": "TicketsTable"}


def _statements(resources: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [s for p in resources[role]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


ROLES = ("ApiHandlerRole", "TriageRole", "InboundEmailRole", "EscalateRole", "SendRepliesRole")


def test_iam_is_least_privilege_per_function():
    resources = _packaged()["Resources"]
    for role in ROLES:
        actions = [a for s in _statements(resources, role) for a in s["Action"]]
        # THEN no wildcard actions, and each function only what it uses
        assert not [a for a in actions if "*" in a], role
    api_actions = {a for s in _statements(resources, "ApiHandlerRole") for a in s["Action"]}
    # the API queues, reads customers to decide a live call inline, and writes pages only to acknowledge
    # them (a link, an SMS "ACK"): the acknowledgement stops the SLA timer (UpdateItem) and tells the
    # others to stand down (Publish); it queries the table to list incidents for the status page, and
    # the console's two ticket indexes (ByQueue, ByHistory) and no other; it never consumes the queue
    assert "sqs:SendMessage" in api_actions
    assert {a for a in api_actions if a.startswith(("dynamodb:", "sns:", "sqs:"))} == {
        "sqs:SendMessage",
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
        # the public status page lists incidents (open, announced, closed within 90 days) from the tickets table
        "dynamodb:Query",
        # the ack page dismisses or resolves its incident: the incident leaves the open listing
        "dynamodb:DeleteItem",
        "sns:Publish",
    }
    api_indexes = [
        r["Fn::Sub"].rsplit("/index/", 1)[1]
        for s in _statements(resources, "ApiHandlerRole")
        for r in _listed(s["Resource"])
        if "/index/" in r["Fn::Sub"]
    ]
    # the console lists tickets (ByQueue), a customer's history (ByHistory) and the pages still escalating (ByDue)
    assert sorted(api_indexes) == ["ByDue", "ByHistory", "ByQueue"]
    # the sweep reads the ByDue index, claims with conditional updates and publishes; it reads no
    # customers and consumes no queue: it only queues again the replies a fault left pending
    sweep = _statements(resources, "EscalateRole")
    assert {
        "Fn::Sub": "arn:aws:dynamodb:${AWS::Region}:${AWS::AccountId}:table/switchboard-dev-tickets/index/ByDue"
    } in [r for s in sweep for r in _listed(s["Resource"])]
    assert "dynamodb:UpdateItem" in {a for s in sweep for a in s["Action"]}
    assert [a for s in sweep for a in s["Action"] if a.startswith("sqs:")] == ["sqs:SendMessage"]
    # the reply sender consumes its own queue, works the outbox (a batch's replies read in one BatchGetItem),
    # reads provider tokens and sends email; it publishes no pages, reads no customers and queues nothing
    sender = {a for s in _statements(resources, "SendRepliesRole") for a in s["Action"]}
    assert {a for a in sender if a.startswith(("dynamodb:", "sns:", "sqs:", "ses:"))} == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "ses:SendEmail",
        "ses:SendRawEmail",
    }


def test_every_policy_arn_names_the_stacks_region_and_account():
    resources = _packaged()["Resources"]
    arns = [r for role in ROLES for s in _statements(resources, role) for r in _listed(s["Resource"])]
    # THEN every resource is an Fn::Sub that CloudFormation resolves to this stack's region and account
    plain = [r for r in arns if not (isinstance(r, dict) and set(r) == {"Fn::Sub"})]
    assert plain == []
    named = [r["Fn::Sub"].replace("${AWS::Region}", "REGION").replace("${AWS::AccountId}", "ACCOUNT") for r in arns]
    parts = [arn.split(":", 5) for arn in named]
    # S3's ARNs name neither region nor account: the rules bucket's name carries the account
    s3 = [p for p in parts if p[2] == "s3"]
    assert {p[5] for p in s3} == {"switchboard-dev-rules-ACCOUNT/rules/routing.json"}
    parts = [p for p in parts if p[2] != "s3"]
    assert {(p[0], p[1], p[3], p[4]) for p in parts} == {("arn", "aws", "REGION", "ACCOUNT")}
    assert all(p[5] and "${" not in p[5] for p in parts)


def _rules_object_arn() -> str:
    """The rules object's ARN as the template names its bucket (account left as ${AWS::AccountId})."""
    bucket = load_template()["Resources"]["RulesBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    return f"arn:aws:s3:::{bucket.replace('${Stage}', 'dev')}/rules/routing.json"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_may_only_read_the_rules_object(function):
    # GIVEN each function's dev policy (the one the tests enforce)
    statements = [s for s in policies.load(function)["Statement"] if any(a.startswith("s3:") for a in s["Action"])]
    # THEN the only S3 it may touch is a GetObject of the template's rules object (every function's
    # container reads the rules it decides with, and none may write them)
    assert [(s["Action"], s["Resource"]) for s in statements] == [(["s3:GetObject"], {"Fn::Sub": _rules_object_arn()})]


def test_the_rules_bucket_is_versioned_private_encrypted_and_tls_only():
    resources = load_template()["Resources"]
    props = resources["RulesBucket"]["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values()) and len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert props["LifecycleConfiguration"]["Rules"][0]["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    (tls,) = resources["RulesBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (tls["Effect"], tls["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})


def test_the_deployer_policy_names_the_templates_rules_object():
    # GIVEN the policy the README gives whoever deploys rules (infra/rules-deployer-policy.json)
    document = json.loads((ROOT / "infra" / "rules-deployer-policy.json").read_text(encoding="utf-8"))
    rules_object = _rules_object_arn().replace("${AWS::AccountId}", "123456789012")
    bucket = rules_object.split("/", 1)[0]
    # THEN it may read, list and put the rules object of every stage's bucket, and nothing else in S3
    for action in ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"):
        assert policies.allows(document, action, rules_object)
        assert not policies.allows(document, action, bucket + "/other.json")
        assert not policies.allows(document, action, "arn:aws:s3:::someone-elses-bucket/rules/routing.json")
    assert policies.allows(document, "s3:ListBucketVersions", bucket)
    assert not policies.allows(document, "s3:DeleteObject", rules_object)
    assert not policies.allows(document, "s3:DeleteObjectVersion", rules_object)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_prod_policy_grants_what_the_tested_dev_policy_grants_on_prods_names(function):
    # the tests run every function under its dev policy (local/policies.py): prod must not differ but in names
    dev = policies.render(policies.load(function, "dev"), stage="prod", region="r", account="a")
    prod = policies.render(policies.load(function, "prod"), stage="prod", region="r", account="a", source_stage="prod")
    assert prod == dev


def test_template_overrides_only_resources_chalice_generates():
    # an entry without a Type is a partial override; it must name a resource Chalice emits
    packaged = _packaged()["Resources"]
    partial = [k for k, v in load_template()["Resources"].items() if "Type" not in v]
    # (the API's permission is pointed at the API function's SnapStart alias and the HTTP API, the API
    # function is named so the HTTP API can name it, and the REST API's routes name the alias too)
    assert {k: packaged[k]["Type"] for k in partial} == {
        "Triage": "AWS::Serverless::Function",
        "SendReplies": "AWS::Serverless::Function",
        "InboundEmail": "AWS::Serverless::Function",
        "APIHandler": "AWS::Serverless::Function",
        "APIHandlerInvokePermission": "AWS::Lambda::Permission",
        "RestAPI": "AWS::Serverless::Api",
    }


def test_the_readme_shows_the_deployer_policy_as_kept_in_the_repo():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Changing the rules: the config deploy") :]
    block = section[section.index("```json\n") + len("```json\n") :]
    shown = json.loads(block[: block.index("```")])
    assert shown == json.loads((ROOT / "infra" / "rules-deployer-policy.json").read_text(encoding="utf-8"))
