"""Read a ticket for `switchboard tickets show`: find it by any id it goes by; gather its messages, pages, timeline."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.aws import CliError, dynamodb_table

if TYPE_CHECKING:
    from chalicelib.adapters.pages_table import DynamoPageRepository
    from chalicelib.adapters.replies_table import DynamoReplyOutbox
    from chalicelib.adapters.tickets_table import DynamoTicketRepository
    from chalicelib.model.page import Page
    from chalicelib.model.ticket import FollowUp, Ticket
    from chalicelib.model.timeline import Entry
    from chalicelib.replies.model import Reply


#: a follow-up's own page status, in words
_PAGED = {"none": "no page", "pending": "page pending", "sent": "paged", "deferred": "page held"}


@dataclass(frozen=True)
class Tables:
    client: Any
    name: str
    tickets: DynamoTicketRepository
    pages: DynamoPageRepository
    replies: DynamoReplyOutbox


def tables_for(args: argparse.Namespace) -> Tables:
    from chalicelib.adapters.pages_table import DynamoPageRepository
    from chalicelib.adapters.replies_table import DynamoReplyOutbox
    from chalicelib.adapters.tickets_table import DynamoTicketRepository

    client, table = dynamodb_table(args, "tickets", "TICKETS_TABLE")
    return Tables(
        client,
        table,
        DynamoTicketRepository(client, table),
        DynamoPageRepository(client, table),
        DynamoReplyOutbox(client, table),
    )


@dataclass(frozen=True)
class Found:
    ticket: Ticket
    found_by: str  # "ticket id", "page P-…", "event …"


def find(tables: Tables, text: str) -> Found:
    """The ticket ``text`` names: a ticket, page or event id, or an ack code; CliError names what was looked for."""
    wanted = re.sub(r"^(TICKET|PAGE|EVENT)#", "", text.strip(), flags=re.IGNORECASE)  # a table key, pasted
    upper = wanted.upper()
    if re.fullmatch(r"T-[0-9A-F]+", upper):
        ticket = tables.tickets.get(upper)
        if ticket is None:
            raise CliError(f"no ticket {upper} in {tables.name}")
        return Found(ticket, "ticket id")
    if re.fullmatch(r"P-[0-9A-F]+", upper):
        page = tables.pages.get(upper)
        if page is None:
            raise CliError(f"no page {upper} in {tables.name}")
        return _ticket_of(tables, page, f"page {upper}")
    if re.fullmatch(r"\d{6}", wanted):
        page = tables.pages.by_code(wanted)
        if page is None:
            raise CliError(f"no page has the ack code {wanted} in {tables.name} (codes are kept for 7 days)")
        return _ticket_of(tables, page, f"ack code {wanted} (page {page.page_id})")
    delivery = tables.tickets.for_event(wanted) if wanted else None
    if delivery is None:
        raise CliError(
            f"no ticket, page or event {wanted!r} in {tables.name} (ticket ids look like T-79BA30B7D3, "
            "page ids like P-0C1D2E3F4A; an event id is kept only for the dedup window)"
        )
    how = "a follow-up" if delivery.follow_up else "the message that opened it"
    return Found(delivery.ticket, f"event {wanted} ({how})")


def _ticket_of(tables: Tables, page: Page, found_by: str) -> Found:
    ticket = tables.tickets.get(page.ticket_id)
    if ticket is None:
        raise CliError(f"page {page.page_id} belongs to ticket {page.ticket_id}, which is not in {tables.name}")
    return Found(ticket, found_by)


def read_follow_ups(tables: Tables, ticket_id: str) -> list[FollowUp]:
    """The messages that joined the ticket's thread, oldest first (their sort key starts with the time)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.errors import DependencyError
    from chalicelib.model.ticket import FollowUp, PageStatus

    found: list[FollowUp] = []
    try:
        for response in tables.client.get_paginator("query").paginate(
            TableName=tables.name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":msg": {"S": "MSG#"}},
            ConsistentRead=True,
        ):
            for item in response.get("Items", []):
                follow_up = FollowUp.model_validate_json(item["doc"]["S"])
                # the attribute changes after the write (mark_paged); the snapshot in doc does not
                status = PageStatus(item.get("page_status", {}).get("S", follow_up.page_status.value))
                found.append(follow_up.model_copy(update={"page_status": status}))
    except (ClientError, BotoCoreError) as exc:
        raise DependencyError(f"could not read the follow-ups of {ticket_id}: {exc}") from exc
    return found


@dataclass(frozen=True)
class TicketView:
    """Everything `show` prints, read once."""

    ticket: Ticket
    found_by: str
    follow_ups: list[FollowUp]
    pages: list[Page]
    timeline: list[Entry]  # the recorded entries and the messages, in time order
    replies: list[Reply]


def gather(tables: Tables, text: str) -> TicketView:
    found = find(tables, text)
    ticket = found.ticket
    follow_ups = read_follow_ups(tables, ticket.ticket_id)
    # the timeline's own lines, and those the ticket's settled replies keep
    recorded = [*tables.pages.timeline(ticket.ticket_id), *tables.replies.entries(ticket.ticket_id)]
    # a ticket's pages are the ones its timeline names: a page opened for it, or one it was folded into
    page_ids = dict.fromkeys(e.page_id for e in recorded if e.page_id)
    pages = [page for page_id in page_ids if (page := tables.pages.get(page_id)) is not None]
    timeline = merge(ticket, follow_ups, recorded)
    return TicketView(ticket, found.found_by, follow_ups, pages, timeline, tables.replies.for_ticket(ticket.ticket_id))


def merge(ticket: Ticket, follow_ups: Sequence[FollowUp], recorded: Iterable[Entry]) -> list[Entry]:
    """The recorded timeline with the messages (and a deferral) the table keeps elsewhere, oldest first.

    A kind the timeline already records is not made up again from the ticket.
    """
    from chalicelib.model.timeline import Entry, Kind, in_order

    recorded = list(recorded)
    kinds = {e.kind for e in recorded}
    made: list[Entry] = []
    decision = ticket.decision
    if Kind.OPENED not in kinds:
        routed = f"{decision.priority.value} {decision.team}/{decision.route}"
        text = f"{ticket.event.channel.value} from {sender_of(ticket)} → {routed}: {ticket.event.summary(80)}"
        made.append(Entry(at=ticket.created_at, kind=Kind.OPENED, text=text, actor=ticket.customer.customer_id))
    if Kind.FOLLOW_UP not in kinds:
        for n, f in enumerate(follow_ups, start=2):
            paged = _PAGED[f.page_status.value]
            text = f"message {n}, {f.event.channel.value} from {sender_of(f)} → {f.decision.priority.value} {paged}"
            text += f": {f.event.summary(80)}"
            made.append(Entry(at=f.received_at, kind=Kind.FOLLOW_UP, text=text, actor=ticket.customer.customer_id))
    if Kind.DEFERRED not in kinds and decision.deferred_until is not None:
        to = ", ".join(decision.page_targets) or "nobody"
        text = f"page to {to} held until {stamp(decision.deferred_until)} UTC, when the team's calendar opens"
        made.append(Entry(at=ticket.created_at, kind=Kind.DEFERRED, text=text, actor="switchboard"))
    return in_order([*made, *recorded])


def sender_of(message: Ticket | FollowUp) -> str:
    s = message.event.sender
    return s.name or s.handle or s.email or s.phone or "unknown sender"


def stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
