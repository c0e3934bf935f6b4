"""The prune's adapter against stubbed clients: paging through the stack and versions, a refused deletion."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cli.aws import CliError
from cli.lambda_versions import Failure, delete_versions, read_function, stack_functions
from cli.version_plan import Alias

WHEN = datetime(2026, 12, 1, tzinfo=UTC)


def _client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")


def resource(logical: str, kind: str, physical: str | None) -> dict[str, Any]:
    found = {"LogicalResourceId": logical, "ResourceType": kind, "LastUpdatedTimestamp": WHEN}
    return {**found, "ResourceStatus": "CREATE_COMPLETE", **({"PhysicalResourceId": physical} if physical else {})}


def test_stack_functions_reads_every_page_and_only_functions():
    # GIVEN a stack whose resources come back in two pages, with a table, an alias and a function
    # still being created (no physical name yet) among them
    cloudformation = _client("cloudformation")
    with Stubber(cloudformation) as stub:
        first = [
            resource("APIHandler", "AWS::Lambda::Function", "switchboard-prod-api"),
            resource("T", "AWS::DynamoDB::Table", "t"),
        ]
        stub.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": first, "NextToken": "2"},
            {"StackName": "switchboard-prod"},
        )
        second = [
            resource("Triage", "AWS::Lambda::Function", "switchboard-prod-triage"),
            resource("TriageAliaslive", "AWS::Lambda::Alias", "arn:alias"),
            resource("New", "AWS::Lambda::Function", None),
        ]
        stub.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": second},
            {"StackName": "switchboard-prod", "NextToken": "2"},
        )
        # WHEN the functions are listed
        names = stack_functions(cloudformation, "switchboard-prod")
    # THEN both pages' functions are found, and nothing else
    assert names == ["switchboard-prod-api", "switchboard-prod-triage"]


def test_a_missing_stack_is_the_users_to_fix():
    cloudformation = _client("cloudformation")
    with Stubber(cloudformation) as stub:
        stub.add_client_error(
            "list_stack_resources", "ValidationError", "Stack with id switchboard-nope does not exist", 400
        )
        with pytest.raises(CliError, match="no stack switchboard-nope: Stack with id switchboard-nope does not exist"):
            stack_functions(cloudformation, "switchboard-nope")


def test_read_function_pages_through_versions_and_aliases():
    # GIVEN versions in two pages (with $LATEST among them) and a weighted alias
    lambda_ = _client("lambda")
    snap = {"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"}
    with Stubber(lambda_) as stub:
        stub.add_response(
            "list_versions_by_function",
            {
                "Versions": [{"Version": "$LATEST", "MemorySize": 256}, {"Version": "1", "MemorySize": 128}],
                "NextMarker": "m",
            },
            {"FunctionName": "f"},
        )
        stub.add_response(
            "list_versions_by_function",
            {"Versions": [{"Version": "2", "MemorySize": 256, "SnapStart": snap}]},
            {"FunctionName": "f", "Marker": "m"},
        )
        live = {"Name": "live", "FunctionVersion": "2", "RoutingConfig": {"AdditionalVersionWeights": {"1": 0.1}}}
        stub.add_response("list_aliases", {"Aliases": [live], "NextMarker": "a"}, {"FunctionName": "f"})
        stub.add_response(
            "list_aliases", {"Aliases": [{"Name": "old", "FunctionVersion": "1"}]}, {"FunctionName": "f", "Marker": "a"}
        )
        # WHEN the function is read
        function = read_function(lambda_, "f")
    # THEN every published version is there with its memory and whether SnapStart cached it
    assert [(v.number, v.memory_mb, v.snapstart) for v in function.versions] == [("1", 128, False), ("2", 256, True)]
    # AND each alias with the version its weighted routing also sends traffic to
    assert function.aliases == (Alias("live", "2", ("1",)), Alias("old", "1"))


def test_a_refused_deletion_is_reported_and_the_rest_go_ahead():
    # GIVEN Lambda refuses to delete version 2 (something still uses it)
    lambda_ = _client("lambda")
    said: list[str] = []
    with Stubber(lambda_) as stub:
        stub.add_response("delete_function", {}, {"FunctionName": "f", "Qualifier": "1"})
        stub.add_client_error(
            "delete_function",
            "ResourceConflictException",
            "version 2 is used by an event source mapping",
            409,
            expected_params={"FunctionName": "f", "Qualifier": "2"},
        )
        stub.add_response("delete_function", {}, {"FunctionName": "f", "Qualifier": "3"})
        # WHEN versions 3, 1 and 2 are deleted
        failures = delete_versions(lambda_, "f", [3, 1, 2], said.append)
        stub.assert_no_pending_responses()
    # THEN they were tried oldest first, the refusal is returned and said, and 3 was still deleted
    assert failures == [Failure("f", 2, "ResourceConflictException: version 2 is used by an event source mapping")]
    assert [line.split()[:2] for line in said] == [["deleted", "f:1"], ["failed", "f:2"], ["deleted", "f:3"]]
