"""`switchboard tickets show`: one ticket with its messages, its pages and its timeline, in time order."""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cli.aws import LOCAL_ENDPOINT, CliError, dynamodb_table, table_options

if TYPE_CHECKING:
    from chalicelib.adapters.pages_table import DynamoPageRepository
    from chalicelib.adapters.tickets_table import DynamoTicketRepository
    from chalicelib.model.page import Page
    from chalicelib.model.ticket import FollowUp, Ticket
    from chalicelib.model.timeline import Entry

#: what a person's terminal is assumed to fit; wrapped lines keep their column
WIDTH = 100
#: timeline entries that share a second are shown in the order they happen in (the table sorts them by a hash)
_KIND_ORDER = (
    "opened",
    "follow-up",
    "deferred",
    "page-opened",
    "folded",
    "notified",
    "refused",
    "acknowledged",
    "exhausted",
    "resolved",
    "sla-breached",
    "digest",
)

#: a follow-up's own page status, in words
_PAGED = {"none": "no page", "pending": "page pending", "sent": "paged", "deferred": "page held"}

SHOW_EPILOG = f"""ID is any of:
  T-79BA30B7D3              a ticket id (in any case)
  P-0C1D2E3F4A              a page id (in any case): the ticket that opened the page
  482913                    a page's SMS ack code (ACK 482913): the ticket that opened the page
  twilio:call:CA…           an event id (the provider's, as stored): the ticket it opened or joined;
                            kept only for the dedup window (14 days by default)

The output: the ticket (times in UTC), the routing reasons, the messages, every page on the ticket with
its state, then the timeline: messages, notifications, escalations, folds, acknowledgements and
deferrals, one line each (HH:MM:SS  kind  text), oldest first, the date once per day.

examples:
  switchboard tickets show --local T-79BA30B7D3
  switchboard tickets show --local p-0c1d2e3f4a                 # the page in an SMS you received
  switchboard tickets show --stage prod T-79BA30B7D3 --json | jq '.timeline[] | .kind'

which table:
  --table NAME, else --stage STAGE (table switchboard-STAGE-tickets), else --local, else $TICKETS_TABLE.
  The endpoint is $AWS_ENDPOINT_URL when set (a moto server), else AWS; --local means both at once:
  AWS_ENDPOINT_URL={LOCAL_ENDPOINT} TICKETS_TABLE=switchboard-local-tickets

exit status:
  0  the ticket was shown
  2  nothing has that id, or the table or AWS could not be used
"""


def register(areas: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    area = areas.add_parser(
        "tickets",
        help="show a ticket: its messages, pages and timeline",
        description="Tickets: what came in, how it was routed, who was paged and who took it.",
    )
    commands = area.add_subparsers(dest="command", metavar="{show}", required=True)
    show = commands.add_parser(
        "show",
        help="print a ticket's messages, pages and timeline",
        description="Print the ticket ID names, how it was routed, and every step taken on it, in time order.",
        epilog=SHOW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("ticket_id", metavar="ID", help="a ticket id (T-…), a page id (P-…), an ack code or an event id")
    show.add_argument("--json", action="store_true", help="one JSON object: ticket, follow_ups, pages, timeline")
    table_options(show, "tickets", "TICKETS_TABLE")
    show.set_defaults(run=run_show)


@dataclass(frozen=True)
class Tables:
    client: Any
    name: str
    tickets: DynamoTicketRepository
    pages: DynamoPageRepository


def tables_for(args: argparse.Namespace) -> Tables:
    from chalicelib.adapters.pages_table import DynamoPageRepository
    from chalicelib.adapters.tickets_table import DynamoTicketRepository

    client, table = dynamodb_table(args, "tickets", "TICKETS_TABLE")
    return Tables(client, table, DynamoTicketRepository(client, table), DynamoPageRepository(client, table))


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


def gather(tables: Tables, text: str) -> TicketView:
    found = find(tables, text)
    ticket = found.ticket
    follow_ups = read_follow_ups(tables, ticket.ticket_id)
    recorded = tables.pages.timeline(ticket.ticket_id)
    # a ticket's pages are the ones its timeline names: a page opened for it, or one it was folded into
    page_ids = dict.fromkeys(e.page_id for e in recorded if e.page_id)
    pages = [page for page_id in page_ids if (page := tables.pages.get(page_id)) is not None]
    return TicketView(ticket, found.found_by, follow_ups, pages, merge(ticket, follow_ups, recorded))


def merge(ticket: Ticket, follow_ups: Sequence[FollowUp], recorded: Iterable[Entry]) -> list[Entry]:
    """The recorded timeline with the messages (and a deferral) the table keeps elsewhere, oldest first.

    A kind the timeline already records is not made up again from the ticket.
    """
    from chalicelib.model.timeline import Entry, Kind

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
    rank = {kind: n for n, kind in enumerate(_KIND_ORDER)}
    return sorted([*made, *recorded], key=lambda e: (e.at, rank.get(e.kind.value, len(rank))))


def sender_of(message: Ticket | FollowUp) -> str:
    s = message.event.sender
    return s.name or s.handle or s.email or s.phone or "unknown sender"


def stamp(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}"


def page_state(page: Page, ticket_id: str) -> str:
    """One sentence: where the page stands, who took it, what happens next."""
    from chalicelib.model.page import PageState
    from chalicelib.paging.escalation import name_of

    if page.current is None:
        reached = "no level notified yet"
    else:
        reached = f"level {page.level + 1} of {len(page.levels)}"
        if page.repeat:
            reached += f", round {page.round + 1} of {page.repeat + 1}"
        reached += f" ({', '.join(r.name for r in page.current.recipients)})"
    if page.state is PageState.ACKED and page.acked_by:
        acked = f" at {stamp(page.acked_at)}" if page.acked_at else ""
        parts = [f"acked by {name_of(page, page.acked_by)}{acked}", f"had reached {reached}"]
    elif page.state is PageState.OPEN:
        due = f"next escalation due {stamp(page.next_due)}" if page.next_due else "no escalation due"
        parts = [f"open at {reached}", due]
    elif page.state is PageState.EXHAUSTED:
        parts = [f"exhausted: nobody acknowledged up to {reached}"]
    else:
        parts = [f"{page.state.value} at {reached}"]
    parts.append(f"{page.priority}, policy {page.policy or 'none'}")
    if page.count > 1:
        parts.append(f"{page.count} messages")
    if page.ticket_id != ticket_id:
        parts.append(f"opened for {page.ticket_id}")
    return "; ".join(parts)


def _rows(rows: Sequence[tuple[str, str]], indent: int = 2) -> list[str]:
    label = max(len(name) for name, _ in rows) + 2
    lead = " " * (indent + label)
    lines: list[str] = []
    for name, value in rows:
        first = " " * indent + f"{name:<{label}}"
        lines.extend(textwrap.wrap(value, WIDTH, initial_indent=first, subsequent_indent=lead) or [first.rstrip()])
    return lines


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render(view: TicketView) -> str:
    ticket, decision = view.ticket, view.ticket.decision
    event, customer = ticket.event, ticket.customer
    page = ticket.page_status.value
    if decision.deferred_until is not None:
        page += f", held until {stamp(decision.deferred_until)}"
    if decision.page_targets:
        page += f" (to {', '.join(decision.page_targets)})"
    last = f", the last at {stamp(ticket.last_message_at)}" if ticket.messages > 1 and ticket.last_message_at else ""
    due = "—"
    if decision.sla_due is not None:
        due = f"due {stamp(decision.sla_due)}" + (f" ({decision.sla})" if decision.sla else "")
    header = [
        ("customer", f"{customer.name}, {customer.customer_id}, tier {decision.tier}"),
        ("route", f"{decision.route} → team {decision.team}, escalation {decision.escalation or 'none'}"),
        ("channel", f"{event.channel.value} via {event.provider}, event {event.event_id}"),
        ("created", stamp(ticket.created_at)),
        ("messages", f"{ticket.messages}{last}"),
        ("page", page),
        ("first reply", due),
        ("rules", decision.rules_version),
    ]
    if view.found_by != "ticket id":
        header.append(("found by", view.found_by))
    title = f"{ticket.ticket_id}  {ticket.status}  {decision.priority.value}  {decision.team}  (times in UTC)"
    lines = [title, *_rows(header), "", "reasons"]
    width = len(str(len(decision.reasons)))
    for n, reason in enumerate(decision.reasons, start=1):
        lead = f"  {n:>{width}}. "
        lines.extend(textwrap.wrap(reason, WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead)))
    if not decision.reasons:
        lines.append("  —")
    lines += ["", "messages"]
    messages = [(ticket.created_at, event, sender_of(ticket))]
    messages += [(f.received_at, f.event, sender_of(f)) for f in view.follow_ups]
    channel = max(len(e.channel.value) for _, e, _ in messages)
    for at, message, sender in messages:
        lead = f"  {stamp(at)}  {message.channel.value:<{channel}}  {_clip(sender, 20):<20}  "
        lines.append(lead + message.summary(WIDTH - len(lead)))
    lines += ["", "pages"]
    for p in view.pages:
        lead = f"  {p.page_id}  "
        state = page_state(p, ticket.ticket_id)
        lines.extend(textwrap.wrap(state, WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead)))
    if not view.pages:
        lines.append("  none")
    lines += ["", "timeline"]
    kind = max((len(e.kind.value) for e in view.timeline), default=0)
    day = None
    for entry in view.timeline:
        at = entry.at.astimezone(UTC)
        if at.date() != day:
            day = at.date()
            lines.append(f"  {at:%a %Y-%m-%d}")
        lead = f"  {at:%H:%M:%S}  {entry.kind.value:<{kind}}  "
        lines.extend(textwrap.wrap(entry.text, WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead)))
    return "\n".join(lines)


def as_json(view: TicketView) -> dict[str, Any]:
    return {
        "ticket": view.ticket.model_dump(mode="json"),
        "found_by": view.found_by,
        "follow_ups": [f.model_dump(mode="json") for f in view.follow_ups],
        "pages": [p.model_dump(mode="json") for p in view.pages],
        "timeline": [e.model_dump(mode="json") for e in view.timeline],
    }


def run_show(args: argparse.Namespace) -> int:
    from chalicelib.errors import SwitchboardError

    try:
        view = gather(tables_for(args), args.ticket_id)
    except (CliError, SwitchboardError) as exc:
        print(f"switchboard tickets show: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(as_json(view), indent=2, ensure_ascii=False) if args.json else render(view))
    return 0
