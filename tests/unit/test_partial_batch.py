"""Our partial batch loop answers exactly as Powertools' process_partial_response does."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from chalicelib.api.triage_handler import BatchFailedError, partial_batch


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"r-{i}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                "awsRegion": "us-east-1",
            }
            for i, body in enumerate(bodies)
        ]
    }


def fails_on_bad(body: str) -> None:
    if body == "bad":
        raise ValueError("bad record")


@pytest.mark.parametrize(
    "bodies",
    [
        pytest.param(("ok", "ok", "ok"), id="all-ok"),
        pytest.param(("ok", "bad", "ok"), id="one-bad"),
        pytest.param(("bad", "ok", "bad"), id="two-bad"),
    ],
)
def test_same_answer_as_powertools(bodies):
    # GIVEN the same batch and the same record handler
    event = sqs_event(*bodies)
    # WHEN both process it
    ours = partial_batch(event, lambda record: fails_on_bad(record["body"]))
    theirs = process_partial_response(
        event=event, record_handler=lambda record: fails_on_bad(record.body), processor=BatchProcessor(EventType.SQS)
    )
    # THEN they report the same failures
    assert ours == dict(theirs)


def test_a_batch_where_every_record_fails_raises_like_powertools():
    event = sqs_event("bad", "bad")
    with pytest.raises(BatchProcessingError):
        process_partial_response(
            event=event, record_handler=lambda r: fails_on_bad(r.body), processor=BatchProcessor(EventType.SQS)
        )
    with pytest.raises(BatchFailedError):
        partial_batch(event, lambda r: fails_on_bad(r["body"]))
