"""The Ticket view: every message in full, the customer and their history, why it was routed, who was paged, the replies,
the timeline, and which actions the viewer can take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chalicelib.console.views.clock import Time, at, customer_zone, local_now, maybe, until
from chalicelib.model.page import PageState
from chalicelib.model.timeline import Kind

if TYPE_CHECKING:
    from chalicelib.incidents.model import Incident
    from chalicelib.model.event import SupportEvent
    from chalicelib.model.page import Page
    from chalicelib.model.ticket import FollowUp, Ticket
    from chalicelib.model.timeline import Entry
    from chalicelib.replies.model import Reply


@dataclass(frozen=True)
class Message:
    at: Time
    channel: str
    sender: str
    subject: str | None
    text: str  # in full: never cut


@dataclass(frozen=True)
class CustomerCard:
    name: str
    customer_id: str
    known: bool
    tier: str
    plan: str
    mrr: str
    contact: str | None
    email: str | None
    phone: str | None
    handles: tuple[str, ...]
    local_time: str  # their wall clock now, with the zone's name; "" when unknown


@dataclass(frozen=True)
class HistoryRow:
    ticket_id: str
    opened: Time
    priority: str
    status: str
    channel: str
    summary: str


@dataclass(frozen=True)
class PageCard:
    page_id: str
    state: str
    step: str
    acked: str | None  # "Maya Chen at Tue 17 Nov 03:14"
    notified: tuple[tuple[Time, str], ...]  # each notification on the timeline: when, and whom
    people: tuple[str, ...]  # everyone reached so far, with why ("Leo Martins (on call, rotation primary)")
    next_escalation: str  # "in 4 min"; "" when it is not escalating


@dataclass(frozen=True)
class ReplyRow:
    at: Time
    author: str
    state: str
    text: str
    reason: str | None


@dataclass(frozen=True)
class TimelineRow:
    at: Time
    kind: str
    text: str
    actor: str | None


@dataclass(frozen=True)
class Actions:
    ack_page: str | None  # the open page the viewer may take
    call_page: str | None  # the page whose call-back rings the viewer and the customer
    reply: bool
    resolve: bool
    reopen: bool
    incidents: tuple[tuple[str, str], ...]  # (id, title) of open incidents to link to


@dataclass(frozen=True)
class TicketView:
    ticket_id: str
    status: str
    priority: str
    team: str
    route: str
    tier: str
    sla_due: Time | None
    reasons: tuple[str, ...]
    messages: tuple[Message, ...]
    customer: CustomerCard
    history: tuple[HistoryRow, ...]
    pages: tuple[PageCard, ...]
    replies: tuple[ReplyRow, ...]
    timeline: tuple[TimelineRow, ...]
    actions: Actions


@dataclass(frozen=True)
class Context:
    """What the ticket is shown with, besides the ticket itself."""

    follow_ups: Sequence[FollowUp] = ()
    history: Sequence[Ticket] = ()
    pages: Sequence[Page] = ()
    timeline: Sequence[Entry] = ()
    replies: Sequence[Reply] = ()
    incidents: Sequence[Incident] = ()
    #: the viewer's phone is in the rules and a company line is configured: a call-back can ring
    can_call: bool = False
    customer_phone: str | None = None


def _sender(event: SupportEvent) -> str:
    s = event.sender
    return s.name or s.email or s.phone or s.handle or "unknown sender"


def messages(ticket: Ticket, follow_ups: Sequence[FollowUp], zone: ZoneInfo) -> tuple[Message, ...]:
    """The message that opened the ticket, then each follow-up, in arrival order, each in full."""
    theirs = customer_zone(ticket.customer.timezone)
    found = [(ticket.event.received_at, ticket.event)] + [(f.received_at, f.event) for f in follow_ups]
    found.sort(key=lambda pair: pair[0])
    return tuple(
        Message(at(when, zone, theirs), event.channel.value, _sender(event), event.subject, event.text)
        for when, event in found
    )


def customer_card(ticket: Ticket, zone: ZoneInfo, now: datetime, phone: str | None) -> CustomerCard:
    c = ticket.customer
    return CustomerCard(
        name=c.name,
        customer_id=c.customer_id,
        known=c.known,
        tier=ticket.decision.tier,
        plan=c.plan,
        mrr=f"${c.mrr:,.0f}/month",
        contact=c.contact_name,
        email=c.email or ticket.event.sender.email,
        phone=phone,
        handles=c.handles,
        local_time=local_now(now, customer_zone(c.timezone)),
    )


def page_card(page: Page, timeline: Sequence[Entry], zone: ZoneInfo, now: datetime) -> PageCard:
    names = {r.person: r.name for r in page.everyone()}
    acked = None
    if page.acked_by is not None and page.acked_at is not None:
        acked = f"{names.get(page.acked_by, page.acked_by)} at {at(page.acked_at, zone).text}"
    notified = tuple(
        (at(e.at, zone), e.text) for e in timeline if e.page_id == page.page_id and e.kind is Kind.NOTIFIED
    )
    escalating = page.state is PageState.OPEN and page.next_due is not None
    return PageCard(
        page_id=page.page_id,
        state=page.state.value,
        step=f"level {page.level + 1} of {len(page.levels)}",
        acked=acked,
        notified=notified,
        people=tuple(f"{r.name} ({r.via})" if r.via else r.name for r in page.paged_people()),
        next_escalation=until(page.next_due, now) if escalating and page.next_due is not None else "",
    )


def actions(ticket: Ticket, pages: Sequence[Page], incidents: Sequence[Incident], person: str, ctx: Context) -> Actions:
    mine = [p for p in pages if person in {r.person for r in p.everyone()}]
    takeable = [p for p in mine if p.state in (PageState.OPEN, PageState.EXHAUSTED)]
    callable_ = mine[-1].page_id if mine and ctx.can_call and ctx.customer_phone else None
    return Actions(
        ack_page=takeable[-1].page_id if takeable and ticket.is_open else None,
        call_page=callable_,
        reply=ticket.is_open,
        resolve=ticket.is_open,
        reopen=not ticket.is_open,
        incidents=tuple((i.incident_id, i.title) for i in incidents if not i.status.closed),
    )


def ticket_view(ticket: Ticket, ctx: Context, person: str, zone: ZoneInfo, now: datetime) -> TicketView:
    theirs = customer_zone(ticket.customer.timezone)
    pages = sorted(ctx.pages, key=lambda p: p.opened_at)
    earlier = sorted((t for t in ctx.history if t.ticket_id != ticket.ticket_id), key=lambda t: t.created_at)
    return TicketView(
        ticket_id=ticket.ticket_id,
        status=ticket.status,
        priority=ticket.decision.priority.value,
        team=ticket.decision.team,
        route=ticket.decision.route,
        tier=ticket.decision.tier,
        sla_due=maybe(ticket.decision.sla_due, zone, theirs),
        reasons=ticket.decision.reasons,
        messages=messages(ticket, ctx.follow_ups, zone),
        customer=customer_card(ticket, zone, now, ctx.customer_phone),
        history=tuple(
            HistoryRow(
                t.ticket_id,
                at(t.created_at, zone, theirs),
                t.decision.priority.value,
                t.status,
                t.event.channel.value,
                t.event.summary(100),
            )
            for t in reversed(earlier)
        ),
        pages=tuple(page_card(p, ctx.timeline, zone, now) for p in pages),
        replies=tuple(
            ReplyRow(at(r.created_at, zone, theirs), r.author_name or r.author, r.state.value, r.text, r.reason)
            for r in sorted(ctx.replies, key=lambda r: r.created_at)
        ),
        timeline=tuple(
            TimelineRow(at(e.at, zone, theirs), e.kind.value, e.text, e.actor)
            for e in sorted(ctx.timeline, key=lambda e: e.at)
        ),
        actions=actions(ticket, pages, ctx.incidents, person, ctx),
    )
