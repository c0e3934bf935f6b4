"""The events queue (SQS): one message per SupportEvent."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import DependencyError
from chalicelib.model.event import SupportEvent


def _sqs_safe(body: str) -> str:
    """The JSON with U+FFFE and U+FFFF written as escapes: SQS refuses them raw (moto does not), JSON reads
    the escapes back as the same characters. pydantic already escapes the control characters SQS refuses."""
    if "\ufffe" in body or "\uffff" in body:
        return body.replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")
    return body


class SqsEventQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def enqueue(self, event: SupportEvent) -> None:
        try:
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=_sqs_safe(event.model_dump_json()),
                # attributes let an operator filter the queue or DLQ without parsing bodies
                MessageAttributes={
                    "event_id": {"DataType": "String", "StringValue": event.event_id},
                    "channel": {"DataType": "String", "StringValue": event.channel.value},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not queue the event: {exc}") from exc
