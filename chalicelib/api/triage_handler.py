"""The SQS consumer: each record is one SupportEvent; failures are reported per record."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from pydantic import ValidationError

from chalicelib.bootstrap import container
from chalicelib.errors import PayloadError, SwitchboardError
from chalicelib.model.event import SupportEvent
from chalicelib.observability import logger

Record = dict[str, Any]


class BatchFailedError(SwitchboardError):
    """Every record of the batch failed: raising makes Lambda retry it and count a function error."""

    retryable = True


def triage_record(record: Record) -> str:
    """Triage one SQS record; raising marks only this record failed."""
    # a record that fails to parse must not log under the previous record's event id
    logger.set_correlation_id(None)
    try:
        event = SupportEvent.model_validate_json(record["body"])
    except ValidationError as exc:
        # not retryable, but SQS redelivers it anyway until the DLQ takes it: that is where poison belongs
        raise PayloadError(f"record {record['messageId']} is not a SupportEvent: {exc.error_count()} errors") from None
    logger.set_correlation_id(event.event_id)
    outcome = container().triage.handle(event)
    logger.info(
        "ticket stored" if outcome.created else "duplicate delivery",
        extra={
            "ticket_id": outcome.ticket.ticket_id,
            "priority": outcome.ticket.decision.priority.value,
            "route": outcome.ticket.decision.route,
            "paged": outcome.paged,
        },
    )
    ticket_id: str = outcome.ticket.ticket_id
    return ticket_id


def partial_batch(event: dict[str, Any], record_handler: Callable[[Record], object]) -> dict[str, Any]:
    """Run each record alone and answer ``{"batchItemFailures": [...]}`` (needs ReportBatchItemFailures).

    The same contract as Powertools' ``process_partial_response`` (tests hold the two to the same
    answers), written here because importing Powertools' batch utility once pydantic is loaded
    builds all of its parser models for type hints: about 80 ms on every triage cold start, a
    third of the budget, for a loop of a dozen lines.
    """
    records: list[Record] = event.get("Records", [])
    failures = []
    for record in records:
        try:
            record_handler(record)
        except Exception as exc:  # one bad record must not fail the others
            # our own errors' reasons are ours; any other message may quote the record (the customer's text)
            error = f"{type(exc).__name__}: {exc.reason}" if isinstance(exc, SwitchboardError) else type(exc).__name__
            logger.warning("record failed", extra={"message_id": record["messageId"], "error": error})
            failures.append({"itemIdentifier": record["messageId"]})
    if records and len(failures) == len(records):
        raise BatchFailedError(f"all {len(records)} records in the batch failed")
    return {"batchItemFailures": failures}


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's SQS event in, the partial batch response out; the batch's auto-replies queued together at its end."""
    replies = container().triage.replies
    with replies.batched() if replies is not None else nullcontext():
        return partial_batch(event, triage_record)
