"""The replies queue (SQS): one small message per reply to send; the reply itself is in the outbox."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import DependencyError

#: SQS's longest visibility timeout: a provider asking for more is asked again after this
MAX_DELAY_SECONDS = 12 * 3600
#: SQS's most entries in one SendMessageBatch
BATCH_ENTRIES = 10


class SqsReplyQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def enqueue(self, reply_id: str) -> None:
        """Ask the sender to send one reply; a duplicate message is harmless (the outbox claim decides)."""
        try:
            self._client.send_message(QueueUrl=self._url, MessageBody=json.dumps({"reply_id": reply_id}))
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not queue reply {reply_id}: {exc}") from exc

    def enqueue_many(self, reply_ids: Sequence[str]) -> dict[str, str]:
        """Ten to a SendMessageBatch; the reply ids not queued, each with why (SQS answers per entry)."""
        failed: dict[str, str] = {}
        for start in range(0, len(reply_ids), BATCH_ENTRIES):
            chunk = reply_ids[start : start + BATCH_ENTRIES]
            entries = [{"Id": str(i), "MessageBody": json.dumps({"reply_id": r})} for i, r in enumerate(chunk)]
            try:
                response = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                failed |= {reply_id: str(exc) for reply_id in chunk}
                continue
            for entry in response.get("Failed", []):
                failed[chunk[int(entry["Id"])]] = f"{entry.get('Code', '?')}: {entry.get('Message', '')}"
        return failed

    def retry_later(self, receipt_handle: str, delay_seconds: float) -> None:
        """Hide the received message for the backoff: it comes back then, and its receive count goes up."""
        # rounded up, and a second more: back before the reply's not_before, the claim would turn it away
        # (another Lambda's clock may be a little behind this one's)
        seconds = max(0, min(MAX_DELAY_SECONDS, math.ceil(delay_seconds) + 1))
        try:
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
            )
        except (ClientError, BotoCoreError) as exc:
            # the message still comes back, after the queue's own visibility timeout: a retry, only sooner
            raise DependencyError(f"could not delay the reply's retry: {exc}") from exc
