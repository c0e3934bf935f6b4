"""What records an event on moto: a new ticket is its own dedup record, a follow-up keeps a marker, and what
deployed tables hold from before (a marker beside every ticket, a reply's JSON as text) still reads, and a first-response timer beside its ticket still fires and stops."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.replies_table import DynamoReplyOutbox
from chalicelib.adapters.reply_items import reply_item
from chalicelib.adapters.tickets_table import event_key, ticket_key
from chalicelib.model.ticket import FollowUp, Ticket, ticket_id_for
from chalicelib.replies.model import GRACE, Claim, Reply, ReplyKind, ReplyState, auto_reply_id
from chalicelib.services.ports import Write
from tests.functional.test_ticket_queries import AT, a_ticket


def own(n: int) -> Ticket:
    """Ticket n under the id its event derives, as triage opens it."""
    ticket = a_ticket(n)
    return ticket.model_copy(update={"ticket_id": ticket_id_for(ticket.event.event_id)})


def items(aws: Any, prefix: str) -> list[dict[str, Any]]:
    found = aws.clients["dynamodb"].scan(TableName=aws.settings.tickets_table)["Items"]
    return [i for i in found if i["pk"]["S"].startswith(prefix)]


def test_a_new_ticket_is_its_own_dedup_record(aws):
    # GIVEN a ticket stored for its event
    repo = bootstrap.container().tickets
    ticket = own(1)
    assert repo.create(ticket, 14 * 24 * 3600) is Write.STORED
    # WHEN the same event is stored again (a redelivery, a provider's retry) and looked up
    again = repo.create(ticket.model_copy(update={"created_at": AT + timedelta(minutes=5)}), 14 * 24 * 3600)
    found = repo.for_event(ticket.event.event_id)
    # THEN no marker was written, the second write was a duplicate, and the event leads to its ticket
    assert items(aws, "EVENT#") == []
    assert again is Write.DUPLICATE
    assert found is not None and found.ticket.ticket_id == ticket.ticket_id and found.follow_up is None
    assert (
        "expires_at"
        not in aws.clients["dynamodb"].get_item(TableName=aws.settings.tickets_table, Key=ticket_key(ticket.ticket_id))[
            "Item"
        ]
    )  # kept for good: a replay a year later is still a no-op


def test_an_event_stored_before_reads_through_its_marker(aws):
    # GIVEN a ticket under an id not derived from its event, and the marker tables held from before
    dynamodb, table = aws.clients["dynamodb"], aws.settings.tickets_table
    ticket = a_ticket(2)
    repo = bootstrap.container().tickets
    assert repo.create(ticket, None) is Write.STORED
    marker = {**event_key(ticket.event.event_id), "ticket_id": {"S": ticket.ticket_id}}
    dynamodb.put_item(TableName=table, Item=marker)
    # WHEN the event is looked up
    found = repo.for_event(ticket.event.event_id)
    # THEN its marker leads to its ticket
    assert found is not None and found.ticket.ticket_id == ticket.ticket_id


@pytest.mark.parametrize(("ttl", "expires"), [(None, False), (14 * 24 * 3600, True)], ids=["for-good", "14-days"])
def test_a_follow_ups_marker_names_it_and_lives_as_its_provider_allows(aws, ttl, expires):
    # GIVEN an open ticket, and a follow-up of another event added to it
    repo = bootstrap.container().tickets
    ticket = own(3)
    assert repo.create(ticket, ttl) is Write.STORED
    later = AT + timedelta(minutes=9)
    follow_up = FollowUp(
        ticket_id=ticket.ticket_id, event=a_ticket(4).event, decision=ticket.decision, received_at=later
    )
    assert repo.append(follow_up, ttl) is Write.STORED
    # WHEN the follow-up is stored again, and its event looked up
    again = repo.append(follow_up, ttl)
    found = repo.for_event(follow_up.event.event_id)
    # THEN the second write was a duplicate; the marker names the follow-up, with a TTL only where allowed
    [marker] = items(aws, "EVENT#")
    assert again is Write.DUPLICATE
    assert found is not None and found.follow_up is not None and found.follow_up.key == follow_up.key
    assert ("expires_at" in marker) is expires


def test_a_reply_recorded_before_reads_and_settles(aws):
    # GIVEN a reply item as deployed tables hold them from before: the reply's JSON as text in ``doc``
    dynamodb, table = aws.clients["dynamodb"], aws.settings.tickets_table
    ticket = own(5)
    reply = Reply(
        reply_id=auto_reply_id(ticket.ticket_id, ticket.event.event_id),
        ticket_id=ticket.ticket_id,
        kind=ReplyKind.AUTO,
        event=ticket.event,
        text="Thanks, we are on it.",
        created_at=AT,
    )
    item = reply_item(reply, AT + GRACE)
    del item["body"]
    dynamodb.put_item(TableName=table, Item={**item, "doc": {"S": reply.model_dump_json()}})
    outbox = DynamoReplyOutbox(dynamodb, table)
    # WHEN it is read, claimed and settled sent
    assert outbox.get(reply.reply_id) == reply
    [snapshot] = outbox.read([reply.reply_id]).values()
    assert isinstance(outbox.claim(snapshot, AT, AT + timedelta(seconds=60)), Claim)
    assert outbox.settle(reply, ReplyState.SENT, AT + timedelta(seconds=1), message_id="SM1")
    # THEN it reads as sent, now in the compressed form
    [stored] = items(aws, "TICKET#")
    assert "doc" not in stored and "body" in stored
    sent = outbox.get(reply.reply_id)
    assert sent is not None and sent.state is ReplyState.SENT and sent.provider_message_id == "SM1"


def test_a_first_response_timer_is_on_its_ticket_and_one_beside_it_from_before_still_fires_and_stops(aws):
    # GIVEN a ticket stored with its timer (due an hour after AT), and another ticket's timer as an item beside
    # it, the way tables hold them from before
    dynamodb, table = aws.clients["dynamodb"], aws.settings.tickets_table
    c = bootstrap.container()
    ticket = own(6)
    assert ticket.decision.sla_due is not None
    assert c.tickets.create(ticket, None) is Write.STORED
    before = a_ticket(7)
    assert (
        c.tickets.create(
            before.model_copy(update={"decision": before.decision.model_copy(update={"sla_due": None})}), None
        )
        is Write.STORED
    )
    old = {"pk": {"S": f"SLA#{before.ticket_id}"}, "sk": {"S": "SLA"}, "ticket_id": {"S": before.ticket_id}}
    dynamodb.put_item(TableName=table, Item={**old, "due": {"S": "page"}, "due_at": {"S": "2026-11-17T09:00:00+00:00"}})
    # WHEN the sweep asks what is due after both, and then someone answers both tickets
    late = AT + timedelta(hours=2)
    due = c.pages.due(late)
    c.pages.disarm_sla(ticket.ticket_id, late)
    c.pages.disarm_sla(before.ticket_id, late)
    # THEN both timers were due (no SLA# item for the new ticket), and neither is any more
    assert sorted(due) == sorted([f"TICKET#{ticket.ticket_id}", f"SLA#{before.ticket_id}"])
    assert items(aws, f"SLA#{ticket.ticket_id}") == []
    assert c.pages.due(late) == []
    stored = dynamodb.get_item(TableName=table, Key=ticket_key(ticket.ticket_id))["Item"]
    assert "answered_at" in stored and "due" not in stored
