"""The SQS consumer: each record is one SupportEvent; failures are reported per record."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from chalicelib.bootstrap import container
from chalicelib.errors import PayloadError
from chalicelib.model import SupportEvent
from chalicelib.observability import logger


def triage_record(record: Any) -> str:
    """Triage one SQS record; raising marks only this record failed."""
    # a record that fails to parse must not log under the previous record's event id
    logger.set_correlation_id(None)
    try:
        event = SupportEvent.model_validate_json(record.body)
    except ValidationError as exc:
        # not retryable, but SQS redelivers it anyway until the DLQ takes it: that is where poison belongs
        raise PayloadError(f"record {record.message_id} is not a SupportEvent: {exc.error_count()} errors") from None
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


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's SQS event in, ``{"batchItemFailures": [...]}`` out (needs ReportBatchItemFailures)."""
    # imported here so the ingest path's cold start does not pay for the batch utility
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    result = process_partial_response(
        event=event, record_handler=triage_record, processor=BatchProcessor(event_type=EventType.SQS), context=context
    )
    return dict(result)
