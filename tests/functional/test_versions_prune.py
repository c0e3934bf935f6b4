"""`switchboard versions prune` on moto: a stack's functions with published versions and a live alias."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

import cli.aws
import cli.versions
from cli.main import main
from local.samples import ROOT

REGION = "us-east-1"
STACK = "switchboard-test"
API, TRIAGE = "switchboard-test-api", "switchboard-test-triage"
CODE = "def handler(event, context):\n    return None\n"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _function(name: str, role: str) -> dict[str, Any]:
    properties = {"FunctionName": name, "Runtime": "python3.13", "Handler": "app.handler", "Role": role}
    return {"Type": "AWS::Lambda::Function", "Properties": {**properties, "MemorySize": 256, "Code": {"ZipFile": CODE}}}


def publish(lambda_: Any, name: str, count: int) -> None:
    for n in range(count):
        lambda_.update_function_configuration(FunctionName=name, Description=f"deploy {n + 1}")
        lambda_.publish_version(FunctionName=name)


def _snapstart_on(parsed: dict[str, Any], **_: Any) -> None:
    # moto reports every version with SnapStart off; AWS reports the template's versions with it on
    for version in parsed.get("Versions", []):
        if version["Version"] != "$LATEST":
            version["SnapStart"] = {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}


@pytest.fixture
def stack(monkeypatch) -> Iterator[list[tuple[str, Callable[..., Any]]]]:
    """The stack with two functions and a queue; the API has 6 versions, live on 5; triage 4, live on 4.

    Yields the botocore event hooks every client the command makes gets: a test may add one.
    """
    with mock_aws():
        boto3.DEFAULT_SESSION = None  # another test's session may hold keys from its own moto
        role = boto3.client("iam", region_name=REGION).create_role(
            RoleName="switchboard-test-role", AssumeRolePolicyDocument=json.dumps(TRUST)
        )["Role"]["Arn"]
        resources = {"APIHandler": _function(API, role), "Triage": _function(TRIAGE, role)}
        resources["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "switchboard-test-events"}}
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps({"Resources": resources}))
        lambda_ = boto3.client("lambda", region_name=REGION)
        publish(lambda_, API, 6)
        lambda_.create_alias(FunctionName=API, Name="live", FunctionVersion="5")
        publish(lambda_, TRIAGE, 4)
        lambda_.create_alias(FunctionName=TRIAGE, Name="live", FunctionVersion="4")

        hooks: list[tuple[str, Callable[..., Any]]] = [("after-call.lambda.ListVersionsByFunction", _snapstart_on)]

        def client(service: str, **options: Any) -> Any:
            created = cli.aws.client(service, **options)
            for event, hook in hooks:
                created.meta.events.register(event, hook)
            return created

        monkeypatch.setattr(cli.versions, "client", client)
        yield hooks
        boto3.DEFAULT_SESSION = None


def versions(name: str) -> list[str]:
    found = boto3.client("lambda", region_name=REGION).list_versions_by_function(FunctionName=name)["Versions"]
    return [v["Version"] for v in found]


def prune(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["versions", "prune", *args])
    out, err = capsys.readouterr()
    return code, out, err


def rows(out: str, function: str) -> list[str]:
    """The plan's lines for one function, indentation removed."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(function))
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        block.append(" ".join(line.split()))
    return block


def test_the_plan_deletes_nothing_then_apply_deletes_exactly_it(stack, capsys):
    # WHEN the plan is printed for the stage
    code, out, _ = prune(capsys, "--stage", "test")
    # THEN each function's versions are named: what goes and what stays and why
    assert code == 0
    assert rows(out, API) == [
        "delete 1, 2, 3",
        "keep 6 newer than the live version: a deploy may be moving the alias to it",
        "keep 5 alias live",
        "keep 4 rollback (--keep 1)",
    ]
    assert rows(out, TRIAGE) == ["delete 1, 2", "keep 4 alias live", "keep 3 rollback (--keep 1)"]
    # AND the cache it would stop paying for: 5 versions × 0.25 GB × price × 30 days, as an upper bound
    assert (
        "5 versions to delete in 2 functions; their SnapStart caches cost at most $4.87 a month (an upper bound" in out
    )
    assert "run again with --apply" in out
    # AND nothing was deleted
    assert versions(API) == ["$LATEST", "1", "2", "3", "4", "5", "6"]
    assert versions(TRIAGE) == ["$LATEST", "1", "2", "3", "4"]

    # WHEN it is applied
    code, out, _ = prune(capsys, "--stage", "test", "--apply")
    # THEN exactly the planned versions are gone, and it says so
    assert code == 0
    assert versions(API) == ["$LATEST", "4", "5", "6"]
    assert versions(TRIAGE) == ["$LATEST", "3", "4"]
    deleted = [line.split()[1] for line in out.splitlines() if line.strip().startswith("deleted")]
    assert deleted == [f"{API}:1", f"{API}:2", f"{API}:3", f"{TRIAGE}:1", f"{TRIAGE}:2"]
    assert "Done: 5 deleted, 0 failed" in out
    # AND a second run has nothing left to delete
    code, out, _ = prune(capsys, "--stack", STACK, "--apply")
    assert code == 0
    assert "0 versions to delete" in out and "deleted" not in out


def test_the_permissions_it_names_are_the_calls_it_makes(stack, capsys):
    # GIVEN every request the command's clients send is recorded as the IAM action it needs
    calls: set[str] = set()
    stack.append(("before-call", lambda model, **_: calls.add(f"{model.service_model.endpoint_prefix}:{model.name}")))
    # WHEN a prune is planned and applied
    assert prune(capsys, "--stage", "test", "--apply")[0] == 0
    # THEN --help and the README name exactly those actions (moto cannot check Lambda's IAM: requests
    # to its versions and aliases fail signature checks once IAM is enforced)
    assert calls == set(cli.versions.PERMISSIONS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert all(f"`{action}`" in readme for action in cli.versions.PERMISSIONS)


def test_keep_more_versions(stack, capsys):
    # WHEN three older versions are kept for rollback
    code, out, _ = prune(capsys, "--stage", "test", "--keep", "3", "--apply")
    # THEN only the API's oldest goes: triage has no more than three behind its live one
    assert code == 0
    assert rows(out, TRIAGE)[0] == "delete nothing"
    assert versions(API) == ["$LATEST", "2", "3", "4", "5", "6"]
    assert versions(TRIAGE) == ["$LATEST", "1", "2", "3", "4"]


def _refuse_version_2(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    # what Lambda answers when something still uses the version (an event source mapping, say)
    if params["query_string"].get("Qualifier") != "2":  # before-call sees the serialised request
        return None
    error = {"Code": "ResourceConflictException", "Message": "version 2 is in use"}
    return AWSResponse("https://lambda", 409, {}, None), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 409}}


def test_a_refused_deletion_is_reported_and_the_exit_status_says_so(stack, capsys):
    # GIVEN Lambda refuses to delete version 2 of any function
    stack.append(("before-call.lambda.DeleteFunction", _refuse_version_2))
    # WHEN the prune is applied
    code, out, _ = prune(capsys, "--stage", "test", "--apply")
    # THEN the other versions are deleted, the refusals are named, and it exits 1
    assert code == 1
    assert versions(API) == ["$LATEST", "2", "4", "5", "6"]
    assert versions(TRIAGE) == ["$LATEST", "2", "3", "4"]
    failed = [line.split()[:2] for line in out.splitlines() if line.strip().startswith("failed")]
    assert failed == [["failed", f"{API}:2"], ["failed", f"{TRIAGE}:2"]]
    assert "ResourceConflictException: version 2 is in use" in out
    assert "Done: 3 deleted, 2 failed (left in place)." in out


def test_a_missing_stack_or_none_named_exits_2(stack, capsys):
    code, _, err = prune(capsys, "--stage", "nope")
    assert code == 2 and "no stack switchboard-nope" in err
    code, _, err = prune(capsys)
    assert code == 2 and "pass --stage STAGE or --stack NAME" in err


def test_keep_must_be_a_whole_number(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["versions", "prune", "--stage", "test", "--keep", "-1"])
    assert exit_.value.code == 2
