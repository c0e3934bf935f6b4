"""The replies queue's retry: a message comes back no sooner than the reply may be claimed again."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.adapters.reply_queue import MAX_DELAY_SECONDS, SqsReplyQueue


class RecordingSqs:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def change_message_visibility(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@pytest.mark.parametrize(
    ("delay", "visibility"),
    [(0.0, 1), (0.6, 2), (1.4, 3), (60.0, 61), (10**9, MAX_DELAY_SECONDS)],
    ids=["now", "under-a-second", "a-fraction-over", "retry-after-60", "longer-than-sqs-allows"],
)
def test_the_message_is_hidden_at_least_as_long_as_the_wait(delay, visibility):
    # GIVEN the replies queue  WHEN a reply must wait ``delay`` seconds
    sqs = RecordingSqs()
    SqsReplyQueue(sqs, "https://sqs.example/q").retry_later("handle-1", delay)
    # THEN its message is hidden for the wait rounded up, a second more (clocks differ a little), at most 12 h
    assert sqs.calls == [
        {"QueueUrl": "https://sqs.example/q", "ReceiptHandle": "handle-1", "VisibilityTimeout": visibility}
    ]


class BatchSqs:
    """send_message_batch that answers ``failed`` entry ids as failed, or raises for a chunk."""

    def __init__(self, failed: tuple[str, ...] = (), down: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.failed = failed
        self.down = down

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:
        if self.down:
            from botocore.exceptions import EndpointConnectionError

            raise EndpointConnectionError(endpoint_url=QueueUrl)
        self.batches.append([json.loads(e["MessageBody"])["reply_id"] for e in Entries])
        failed = [e for e in Entries if json.loads(e["MessageBody"])["reply_id"] in self.failed]
        return {"Failed": [{"Id": e["Id"], "Code": "InternalError", "Message": "try again"} for e in failed]}


@pytest.mark.parametrize(
    ("replies", "sqs", "batches", "not_queued"),
    [
        (3, BatchSqs(), [3], set()),
        (10, BatchSqs(), [10], set()),
        (23, BatchSqs(), [10, 10, 3], set()),
        (4, BatchSqs(failed=("r1", "r3")), [4], {"r1", "r3"}),
        (12, BatchSqs(down=True), [], {f"r{i}" for i in range(12)}),
    ],
    ids=["a-few", "exactly-ten", "ten-at-a-time", "sqs-fails-two-entries", "sqs-unreachable"],
)
def test_replies_are_queued_ten_to_a_request_and_those_not_queued_are_named(replies, sqs, batches, not_queued):
    # GIVEN ``replies`` reply ids  WHEN they are queued together
    ids = [f"r{i}" for i in range(replies)]
    failed = SqsReplyQueue(sqs, "https://sqs.example/q").enqueue_many(ids)
    # THEN SQS got at most ten entries a request, in order, and every reply not queued is named with why
    assert [len(b) for b in sqs.batches] == batches
    assert [r for b in sqs.batches for r in b] == (ids if batches else [])
    assert set(failed) == not_queued and all(failed.values())
