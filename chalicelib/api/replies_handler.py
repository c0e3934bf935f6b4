"""The replies consumer: each SQS record names one reply in the outbox; failures are reported per record."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.api.triage_handler import Record, partial_batch
from chalicelib.bootstrap import container
from chalicelib.errors import PayloadError
from chalicelib.observability import logger


def reply_id_of(record: Record) -> str:
    try:
        return str(json.loads(record["body"])["reply_id"])
    except (ValueError, KeyError, TypeError):
        # SQS redelivers it until the DLQ takes it: poison belongs there, in sight of its alarm
        raise PayloadError(f"record {record['messageId']} does not name a reply") from None


def send_record(record: Record) -> str:
    """Send one reply; a provider's "later" hides the message for the backoff and marks the record failed."""
    from chalicelib.services.replies import RetryLaterError

    reply_id = reply_id_of(record)
    logger.set_correlation_id(reply_id)
    c = container()
    delivery = int(record.get("attributes", {}).get("ApproximateReceiveCount", "1"))
    try:
        outcome: str = c.replies.deliver(reply_id, delivery, c.clock())
    except RetryLaterError as later:
        # the queue brings it back after the backoff (the provider's Retry-After at least); its receive
        # count rises each time, and past the queue's maxReceiveCount the dead-letter queue takes it
        c.reply_queue.retry_later(record["receiptHandle"], later.delay_seconds)
        raise
    logger.info("reply delivery", extra={"outcome": outcome, "delivery": delivery})
    return outcome


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's SQS event in, the partial batch response out; the batch's replies are read in one request."""
    ids = []
    for record in event.get("Records", []):
        try:
            ids.append(reply_id_of(record))
        except PayloadError:
            continue  # its own turn in the batch fails it
    with container().replies.read_ahead(ids):
        return partial_batch(event, send_record)
