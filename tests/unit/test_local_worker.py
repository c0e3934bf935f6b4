"""The local queue worker against a stub SQS client: Lambda's event shape and its delete rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.worker import FakeLambdaContext, QueueWorker

ARN = "arn:aws:sqs:us-east-1:123456789012:switchboard-local-events"


class StubSqs:
    """Hands out fixed messages once and records what the worker deletes or makes visible again."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.deleted: list[str] = []
        self.retried: list[tuple[str, int]] = []

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        return {"Attributes": {"QueueArn": ARN, "RedrivePolicy": json.dumps({"maxReceiveCount": 5})}}

    def receive_message(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["AttributeNames"] == ["All"] and kwargs["MessageAttributeNames"] == ["All"]
        batch, self.messages = self.messages, []
        return {"Messages": batch} if batch else {}

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> None:
        self.deleted += [e["ReceiptHandle"] for e in Entries]

    def change_message_visibility_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> None:
        self.retried += [(e["ReceiptHandle"], e["VisibilityTimeout"]) for e in Entries]


def message(n: int) -> dict[str, Any]:
    return {
        "MessageId": f"id-{n}",
        "ReceiptHandle": f"rh-{n}",
        "Body": json.dumps({"n": n}),
        "MD5OfBody": "md5",
        "MD5OfMessageAttributes": "md5attrs",
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795350000000"},
        "MessageAttributes": {
            "event_id": {"DataType": "String", "StringValue": f"widget:{n}"},
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        },
    }


def test_records_have_lambdas_shape_and_the_handler_gets_a_lambda_context() -> None:
    # GIVEN two messages on the queue and a handler that records what Lambda would pass it
    seen: list[tuple[dict[str, Any], Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append((event, context))
        return {"batchItemFailures": []}

    sqs = StubSqs([message(1), message(2)])
    worker = QueueWorker(sqs, "url", handler, "fn-triage")
    # WHEN one batch runs
    worker.run_once()
    # THEN each record is what Lambda's SQS event source sends
    ((event, context),) = seen
    first = event["Records"][0]
    assert [r["messageId"] for r in event["Records"]] == ["id-1", "id-2"]
    assert first["eventSource"] == "aws:sqs" and first["eventSourceARN"] == ARN and first["awsRegion"] == "us-east-1"
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert first["messageAttributes"]["event_id"] == {
        "stringValue": "widget:1",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert first["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    assert (first["md5OfBody"], first["md5OfMessageAttributes"]) == ("md5", "md5attrs")
    assert isinstance(context, FakeLambdaContext) and context.get_remaining_time_in_millis() > 0
    assert context.invoked_function_arn.endswith(":function:fn-triage")


@pytest.mark.parametrize(
    ("handler_result", "deleted", "retried"),
    [
        pytest.param({"batchItemFailures": []}, ["rh-1", "rh-2", "rh-3"], [], id="all-succeed"),
        pytest.param(
            {"batchItemFailures": [{"itemIdentifier": "id-2"}]}, ["rh-1", "rh-3"], [("rh-2", 0)], id="one-fails"
        ),
        pytest.param(RuntimeError("all records failed"), [], [("rh-1", 0), ("rh-2", 0), ("rh-3", 0)], id="raises"),
    ],
)
def test_only_records_not_reported_failed_are_deleted(
    handler_result: Any, deleted: list[str], retried: list[tuple[str, int]]
) -> None:
    # GIVEN a batch of three and a handler that succeeds, reports one failure, or raises
    def handler(event: dict[str, Any], context: Any) -> Any:
        if isinstance(handler_result, Exception):
            raise handler_result
        return handler_result

    sqs = StubSqs([message(1), message(2), message(3)])
    # WHEN the worker runs the batch
    result = QueueWorker(sqs, "url", handler, "fn", retry_delay=0).run_once()
    # THEN it deletes exactly the records not reported failed, as Lambda does with ReportBatchItemFailures
    assert sqs.deleted == deleted
    assert sqs.retried == retried
    assert set(result.succeeded) == {f"id-{rh[-1]}" for rh in deleted}
