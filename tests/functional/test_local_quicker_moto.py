"""moto's SQS retention check, made linear by the local platform, still drops what outlived the queue's retention."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.moto_server import quicker_moto


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        quicker_moto()
        yield boto3.client("sqs", region_name="us-east-1")


@pytest.mark.parametrize(
    ("age_seconds", "received"),
    [
        pytest.param(0, 1, id="a fresh message is received"),
        pytest.param(59, 1, id="within the retention period"),
        pytest.param(61, 0, id="past the retention period: gone, as moto and SQS have it"),
    ],
)
def test_a_message_is_received_only_within_its_queues_retention(sqs: Any, age_seconds: int, received: int) -> None:
    from moto.sqs.models import sqs_backends

    # GIVEN a queue that keeps messages 60 s, and a message sent `age_seconds` ago
    url = sqs.create_queue(QueueName="q", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    [message] = sqs_backends["123456789012"]["us-east-1"].get_queue("q")._messages
    sent: Any = message.sent_timestamp  # moto types it None until sent
    message.sent_timestamp = sent - age_seconds * 1000
    # WHEN it is received / THEN only a message within the retention comes back
    assert len(sqs.receive_message(QueueUrl=url).get("Messages", [])) == received
