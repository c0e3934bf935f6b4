"""The ticket item on moto: each fact once, under 2 KB for real messages, old items still read, cheap updates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bench.replies_meter import index_writes, item_size
from chalicelib import bootstrap
from chalicelib.adapters.dynamo import utc
from chalicelib.adapters.replies_table import replied_update
from chalicelib.adapters.ticket_index import index_attributes
from chalicelib.adapters.tickets_table import ticket_from_item, ticket_item, ticket_key
from chalicelib.model.ticket import FollowUp, PageStatus, Ticket, sender_key
from local.worker import QueueWorker
from tests.functional.test_ticket_queries import AT, a_ticket
from tests.functional.test_triage_handler import WIDGET, deliver


def old_item(ticket: Ticket) -> dict[str, Any]:
    """A ticket item as deployed tables hold them from before: the whole ticket as JSON in ``doc``, the
    decision's reasons again as an attribute, ``last_message_at`` always written."""
    decision = ticket.decision
    item = {
        **ticket_key(ticket.ticket_id),
        "ticket_id": {"S": ticket.ticket_id},
        "event_id": {"S": ticket.event.event_id},
        "channel": {"S": ticket.event.channel.value},
        "customer_id": {"S": ticket.customer.customer_id},
        "priority": {"S": decision.priority.value},
        "team": {"S": decision.team},
        "route": {"S": decision.route},
        "reasons": {"L": [{"S": r} for r in decision.reasons]},
        "rules_version": {"S": decision.rules_version},
        "status": {"S": ticket.status},
        "page_status": {"S": ticket.page_status.value},
        "created_at": {"S": utc(ticket.created_at)},
        "messages": {"N": str(ticket.messages)},
        "last_message_at": {"S": utc(ticket.last_message_at or ticket.created_at)},
        "doc": {"S": ticket.model_dump_json()},
        **index_attributes(ticket),
    }
    if sender := sender_key(ticket.event):
        item["sender_key"] = {"S": sender}
    return item


def table(aws: Any) -> str:
    return str(aws.settings.tickets_table)


def read(aws: Any, ticket_id: str) -> dict[str, Any]:
    return dict(aws.clients["dynamodb"].get_item(TableName=table(aws), Key=ticket_key(ticket_id))["Item"])


RICH = a_ticket(1, "P1").model_copy(
    update={
        "decision": a_ticket(1, "P1").decision.model_copy(
            update={"reasons": ("urgency 90: outage ('is down') +50", "route 'r' matched"), "facts": {"urgency": 90}}
        )
    }
)


@pytest.mark.parametrize("shape", [ticket_item, old_item], ids=["written-now", "written-before"])
def test_a_ticket_reads_back_whole_whichever_way_it_was_written(aws, shape: Callable[[Ticket], dict[str, Any]]):
    # GIVEN a ticket with reasons and facts, stored as an item of either shape, then paged, replied and followed up
    dynamodb = aws.clients["dynamodb"]
    dynamodb.put_item(TableName=table(aws), Item=shape(RICH))
    repo = bootstrap.container().tickets
    repo.mark_paged(RICH.ticket_id)
    dynamodb.update_item(**replied_update(table(aws), RICH.ticket_id, AT + timedelta(minutes=3), "switchboard"))
    follow_up = FollowUp(
        ticket_id=RICH.ticket_id, event=a_ticket(2).event, decision=RICH.decision, received_at=AT + timedelta(minutes=9)
    )
    repo.append(follow_up, None)
    # WHEN it is read back
    ticket = repo.get(RICH.ticket_id)
    # THEN it is the ticket as written, with what changed since
    assert ticket == RICH.model_copy(
        update={
            "page_status": PageStatus.SENT,
            "replied_at": AT + timedelta(minutes=3),
            "replied_by": "switchboard",
            "messages": 2,
            "last_message_at": AT + timedelta(minutes=9),
        }
    )


def test_each_fact_is_stored_once(aws):
    # GIVEN a ticket's item as written now
    item = ticket_item(RICH)
    # THEN the reasons are not an attribute of their own, the readable header holds no fact the body has,
    # and nothing an attribute holds is repeated in the document
    assert "reasons" not in item
    assert "last_message_at" not in item  # the first message is the last until a follow-up joins
    assert ticket_from_item(item) == RICH.model_copy(update={"last_message_at": RICH.created_at})
    assert '"ticket_id"' not in item["doc"]["S"] and RICH.ticket_id not in item["doc"]["S"]


@pytest.fixture
def worker(aws: Any) -> QueueWorker:
    import app as app_module

    return QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")


def test_real_messages_make_items_under_two_kilobytes(aws, worker):
    # GIVEN every widget sample (an outage, a prospect, a how-to, non-ASCII text ...) triaged into tickets
    deliver(*(name for name in WIDGET if "retry" not in name))
    worker.run_once(wait_seconds=0)
    items = aws.tickets()
    assert len(items) >= 6
    # THEN each item, its decision's reasons and facts included, bills at most 2 KB per write
    sizes = {i["event_id"]["S"]: item_size(i) for i in items}
    assert max(sizes.values()) < 2048, sizes
    # AND each still reads back with its decision's reasons
    assert all(ticket_from_item(i).decision.reasons for i in items)


def test_updates_that_move_no_index_key_write_no_index_entry(aws):
    # GIVEN a new ticket
    repo = bootstrap.container().tickets
    repo.create(RICH, None)
    dynamodb = aws.clients["dynamodb"]
    follow_up = FollowUp(
        ticket_id=RICH.ticket_id, event=a_ticket(2).event, decision=RICH.decision, received_at=AT + timedelta(minutes=9)
    )
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("paged", lambda: repo.mark_paged(RICH.ticket_id)),
        # the replies function's mark, as its settle writes it
        (
            "replied",
            lambda: dynamodb.update_item(
                **replied_update(table(aws), RICH.ticket_id, AT + timedelta(minutes=3), "switchboard")
            ),
        ),
        ("follow-up", lambda: repo.append(follow_up, None)),
    ]
    for name, step in steps:
        # WHEN it is marked paged, replied, and a follow-up joins it
        before = read(aws, RICH.ticket_id)
        step()
        after = read(aws, RICH.ticket_id)
        # THEN the item changed but no index's keys or projected attributes did: no index entry is written
        assert before != after, name
        assert index_writes(before, after) == 0, name
    # AND a move between statuses does move its queue entry (a delete and a put)
    before = read(aws, RICH.ticket_id)
    assert repo.resolve(RICH.ticket_id, AT + timedelta(hours=1), "maya")
    assert index_writes(before, read(aws, RICH.ticket_id)) == 2
