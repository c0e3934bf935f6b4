"""Everything a ticket's page shows, in a few DynamoDB requests: one Query for the ticket's partition, one
GetItem per page it names, one Query for the customer's history.

A ticket's items share its partition (TICKET#<id>): the ticket, its follow-ups (MSG#), its timeline
(LOG#) and its replies (REPLY#), so one consistent Query reads them all where the repositories would
make four requests. Pages live under their own key; a ticket has one or two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.dynamo import query_all
from chalicelib.adapters.replies_table import reply_from_item
from chalicelib.adapters.reply_items import REPLY_PREFIX, reply_entry
from chalicelib.adapters.tickets_table import ticket_from_item
from chalicelib.errors import NotFoundError
from chalicelib.model.page import Page
from chalicelib.model.ticket import FollowUp, PageStatus, Ticket, history_key
from chalicelib.model.timeline import Entry, in_order
from chalicelib.replies.model import Reply

HISTORY_ROWS = 50


@dataclass(frozen=True)
class TicketPage:
    ticket: Ticket
    follow_ups: list[FollowUp]  # oldest first
    timeline: list[Entry]  # as recorded, oldest first
    replies: list[Reply]
    pages: list[Page]  # the pages its timeline names (its own, or one it was folded into)
    history: list[Ticket]  # the customer's (or unknown sender's) tickets, newest first, this one included


def read_ticket_page(client: Any, table: str, pages: Any, queries: Any, ticket_id: str) -> TicketPage:
    """The ticket's page; NotFoundError when there is no such ticket. ``pages``: the page repository
    (its ``get``); ``queries``: the console's TicketQueries (its ``history``)."""
    items = query_all(
        client,
        f"could not read ticket {ticket_id}",
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}},
        ConsistentRead=True,
    )
    ticket, follow_ups, timeline, replies = None, [], [], []
    for item in items:
        sk = item["sk"]["S"]
        if sk == "TICKET":
            ticket = ticket_from_item(item)
        elif sk.startswith("MSG#"):
            follow_up = FollowUp.model_validate_json(item["doc"]["S"])
            status = PageStatus(item.get("page_status", {}).get("S", follow_up.page_status.value))
            follow_ups.append(follow_up.model_copy(update={"page_status": status}))
        elif sk.startswith("LOG#"):
            timeline.append(Entry.model_validate_json(item["doc"]["S"]))
        elif sk.startswith(REPLY_PREFIX):
            replies.append(reply_from_item(item))
            if (entry := reply_entry(item)) is not None:  # its timeline line, kept on the settled reply
                timeline.append(entry)
    if ticket is None:
        raise NotFoundError(f"there is no ticket {ticket_id}")
    timeline = in_order(timeline)  # LOG# items, then the replies' lines: merged, an instant's in the order they happen
    page_ids = dict.fromkeys(e.page_id for e in timeline if e.page_id)
    found = [page for page_id in page_ids if (page := pages.get(page_id)) is not None]
    key = history_key(ticket)
    history = queries.history(key, HISTORY_ROWS) if key else [ticket]
    return TicketPage(ticket, follow_ups, timeline, sorted(replies, key=lambda r: r.created_at), found, history)
