"""The SQS consumer: each record is one SupportEvent; failures are reported per record."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chalicelib.bootstrap import container
from chalicelib.errors import PayloadError, SwitchboardError
from chalicelib.model.event import SupportEvent
from chalicelib.observability import logger

if TYPE_CHECKING:
    from chalicelib.services.ports import Snapshot

Record = dict[str, Any]


class BatchFailedError(SwitchboardError):
    """Every record of the batch failed: raising makes Lambda retry it and count a function error."""

    retryable = True


def parse(record: Record) -> SupportEvent:
    try:
        return SupportEvent.model_validate_json(record["body"])
    except ValidationError as exc:
        # not retryable, but SQS redelivers it anyway until the DLQ takes it: that is where poison belongs
        raise PayloadError(f"record {record['messageId']} is not a SupportEvent: {exc.error_count()} errors") from None


def triage_record(record: Record, events: dict[str, SupportEvent] | None = None, known: Snapshot | None = None) -> str:
    """Triage one SQS record (``events``: the batch's records parsed, by message id; ``known``: their prefetch);
    raising marks only this record failed."""
    # a record that fails to parse must not log under the previous record's event id
    logger.set_correlation_id(None)
    event = (events or {}).get(record["messageId"]) or parse(record)
    logger.set_correlation_id(event.event_id)
    outcome = container().triage.handle(event, known)
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


def read_ahead(records: list[Record]) -> tuple[dict[str, SupportEvent], Snapshot | None]:
    """The batch's events by message id, and what triage reads for all of them, read at once.

    Only an optimisation: a record that does not parse fails on its own later, and a failed read
    leaves each record to read its own (failing alone if the table is really down).
    """
    events: dict[str, SupportEvent] = {}
    for record in records:
        try:
            events[record["messageId"]] = parse(record)
        except PayloadError:
            continue
    try:
        return events, container().triage.prefetch(list(events.values()))
    except SwitchboardError as exc:
        logger.warning("batch read failed; each record reads its own", extra={"error": exc.reason})
        return events, None


def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda's SQS event in, the partial batch response out: the batch's reads made at its start, in one
    request, and its auto-replies queued together at its end."""
    triage = container().triage
    with triage.replies.batched() if triage.replies is not None else nullcontext():
        events, known = read_ahead(event.get("Records", []))
        return partial_batch(event, partial(triage_record, events=events, known=known))
