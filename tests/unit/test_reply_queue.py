"""The replies queue's retry: a message comes back no sooner than the reply may be claimed again."""

from __future__ import annotations

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
