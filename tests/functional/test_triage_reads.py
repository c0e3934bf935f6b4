"""Triage's AWS requests per SQS batch against moto: one BatchGetItem for the batch's reads, one transaction a message.

The requests are counted on the triage function's own DynamoDB client (botocore's before-call event),
so a return to per-message reads (a GetItem for each marker, a Query for each sender) fails here.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.tickets_table import ticket_from_item
from chalicelib.model.event import Channel, Sender, SupportEvent
from local.worker import QueueWorker
from tests.fakes import FakeClock
from tests.functional.conftest import NIGHT

HOW_TO = "Hi, how do I export my reports to CSV? I can only find PDF in the Export menu."


def how_to(n: int, sender: int, thread: str | None = None) -> SupportEvent:
    """A quiet question (no page) from one of several senders; ``thread``: a conversation it belongs to."""
    return SupportEvent(
        event_id=f"widget:reads-{n}",
        channel=Channel.WIDGET,
        provider="widget",
        received_at=NIGHT,
        sender=Sender(name=f"User {sender}", email=f"user{sender}@example.com"),
        text=HOW_TO,
        thread_key=thread,
    )


@pytest.fixture
def worker(aws: Any) -> QueueWorker:
    return QueueWorker(
        aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage", retry_delay=0
    )


def enqueue(aws: Any, *events: SupportEvent) -> None:
    url = aws.stack.outputs["EventsQueueUrl"]
    for event in events:
        aws.clients["sqs"].send_message(QueueUrl=url, MessageBody=event.model_dump_json())


def counted(function: str = "triage") -> Counter[str]:
    """The DynamoDB operations ``function``'s container sends from now on, by name."""
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    bootstrap.container(function).dynamodb.meta.events.register("before-call.dynamodb", count)
    return calls


def recent_contacts(aws: Any) -> dict[str, int]:
    """Event id → the repeat-contact count its decision used (tickets and follow-ups)."""
    items = aws.clients["dynamodb"].scan(TableName=aws.stack.outputs["TicketsTableName"])["Items"]
    found: dict[str, int] = {}
    for item in items:
        if item["sk"]["S"] == "TICKET":
            found[item["event_id"]["S"]] = int(ticket_from_item(item).decision.facts["contact.recent"])
        elif "event_id" in item and "doc" in item:  # a follow-up
            found[item["event_id"]["S"]] = json.loads(item["doc"]["S"])["decision"]["facts"]["contact.recent"]
    return found


def test_a_batch_of_ten_reads_once_and_writes_once_a_message(aws: Any, worker: QueueWorker) -> None:
    # GIVEN ten new quiet messages from ten senders, some opening conversations (threads)
    enqueue(aws, *(how_to(n, sender=n, thread=f"widget:conv-{n}" if n % 3 == 0 else None) for n in range(10)))
    calls = counted()
    # WHEN the triage function receives them as one batch
    result = worker.run_once(wait_seconds=0)
    # THEN ten tickets, from one read for the whole batch (both tables) and one transaction each
    assert len(result.received) == 10 and result.failed == ()
    assert len(aws.tickets()) == 10
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 10})


def test_the_same_senders_again_count_as_repeat_contact_still_in_one_read(aws: Any, worker: QueueWorker) -> None:
    # GIVEN ten senders wrote once
    enqueue(aws, *(how_to(n, sender=n) for n in range(10)))
    worker.run_once(wait_seconds=0)
    # WHEN each writes again, in one batch
    enqueue(aws, *(how_to(10 + n, sender=n) for n in range(10)))
    calls = counted()
    worker.run_once(wait_seconds=0)
    # THEN each second message counts the first, read with the rest of the batch
    counts = recent_contacts(aws)
    assert [counts[f"widget:reads-{n}"] for n in range(10)] == [0] * 10
    assert [counts[f"widget:reads-{10 + n}"] for n in range(10)] == [1] * 10
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 10})


def test_a_redelivered_batch_of_new_tickets_reads_them_in_its_one_request(aws: Any, worker: QueueWorker) -> None:
    # GIVEN a batch was stored, and SQS delivers all of it again (its deletes were lost)
    events = [how_to(n, sender=n) for n in range(10)]
    enqueue(aws, *events)
    worker.run_once(wait_seconds=0)
    enqueue(aws, *events)
    calls = counted()
    # WHEN triage runs on the redelivery
    result = worker.run_once(wait_seconds=0)
    # THEN one read for the batch (each event's ticket is its dedup record, read with the rest: a second round
    # is only for follow-ups' markers), nothing written, nothing failed
    assert result.failed == ()
    assert len(aws.tickets()) == 10
    assert calls == Counter({"BatchGetItem": 1})


def test_repeat_contact_counts_tickets_and_follow_ups_of_the_last_hour(aws: Any, worker: QueueWorker) -> None:
    clock = FakeClock(NIGHT)
    aws.wire(aws.settings, clock)
    # GIVEN a sender's message and its follow-up in one conversation, in one batch
    enqueue(aws, how_to(1, sender=7, thread="widget:conv-7"), how_to(2, sender=7, thread="widget:conv-7"))
    worker.run_once(wait_seconds=0)
    # WHEN they write again 30 minutes later, and again two hours after that
    clock.now += timedelta(minutes=30)
    enqueue(aws, how_to(3, sender=7))
    worker.run_once(wait_seconds=0)
    clock.now += timedelta(hours=2)
    enqueue(aws, how_to(4, sender=7))
    worker.run_once(wait_seconds=0)
    # THEN the follow-up counted the first, the third both, and the fourth none (the hour had passed)
    counts = recent_contacts(aws)
    assert sorted(counts[f"widget:reads-{n}"] for n in (1, 2)) == [0, 1]
    assert (counts["widget:reads-3"], counts["widget:reads-4"]) == (2, 0)
    # AND the sender's record dropped what left the hour: it holds the last message only
    record = aws.clients["dynamodb"].get_item(
        TableName=aws.stack.outputs["TicketsTableName"],
        Key={"pk": {"S": "CONTACTS#email#user7@example.com"}, "sk": {"S": "CONTACTS"}},
    )["Item"]
    assert [name for name in record if name.startswith("c#")] and len([n for n in record if n.startswith("c#")]) == 1


def test_a_ticket_written_after_the_batch_read_makes_a_redelivery_not_a_second_ticket(aws: Any) -> None:
    triage = bootstrap.container("triage").triage
    event = how_to(1, sender=1)
    # GIVEN the batch read found the event new
    known = triage.prefetch([event])
    assert known is not None and known.deliveries == {event.event_id: None}
    # WHEN another delivery of it (another container) stores it first, then this one goes on
    first = triage.handle(event)
    second = triage.handle(event, known)
    # THEN the transaction's condition on the ticket (its id is the event's) holds: one ticket, and this delivery
    # is a redelivery
    assert first.created and not second.created
    assert second.ticket.ticket_id == first.ticket.ticket_id
    assert len(aws.tickets()) == 1


def test_a_thread_that_leads_to_the_ticket_this_event_opened_is_a_redelivery_not_a_follow_up(aws: Any) -> None:
    triage = bootstrap.container("triage").triage
    event = how_to(2, sender=2, thread="widget:conversation-2")
    first = triage.handle(event)
    # GIVEN a delivery whose batch read found no record of the event, but the thread already leading to the
    # ticket the event opened (another delivery's write landed between the reads of one BatchGetItem)
    known = triage.prefetch([event])
    assert known is not None
    known.deliveries[event.event_id] = None
    assert known.threads["widget:conversation-2"] == first.ticket.ticket_id
    # WHEN this delivery goes on
    second = triage.handle(event, known)
    # THEN it is the same message again, not a follow-up of itself
    assert first.created and not second.created and not second.joined
    assert second.ticket.ticket_id == first.ticket.ticket_id
    items = aws.clients["dynamodb"].scan(TableName=aws.stack.outputs["TicketsTableName"])["Items"]
    assert [i for i in items if i["sk"]["S"].startswith("MSG#")] == []
    assert [i for i in items if i["pk"]["S"].startswith("EVENT#")] == []
