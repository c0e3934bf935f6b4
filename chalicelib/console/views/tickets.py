"""The Tickets view: one page of tickets, most urgent first, with its filter form and the next page's link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from chalicelib.console.ports import Filters, Listing
from chalicelib.console.views.clock import Time, customer_zone, maybe
from chalicelib.errors import PayloadError
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel

STATUSES = ("open", "resolved")
PRIORITIES = tuple(p.value for p in Priority)
CHANNELS = tuple(c.value for c in Channel)
#: the query's names; the form uses the same (customer, not customer_id: what a person types)
FIELDS = ("status", "priority", "team", "channel", "customer")


@dataclass(frozen=True)
class Row:
    ticket_id: str
    priority: str
    sla_due: Time | None
    overdue: bool
    channel: str
    customer: str
    summary: str
    status: str


@dataclass(frozen=True)
class TicketsView:
    rows: tuple[Row, ...]
    chosen: Mapping[str, str]  # the filters as the form shows them
    statuses: tuple[str, ...]
    priorities: tuple[str, ...]
    channels: tuple[str, ...]
    teams: tuple[str, ...]
    next_query: str | None  # the next page's query string, or None on the last


def filters_from(params: Mapping[str, str]) -> Filters:
    """The query's filters; an empty field means any. A value outside its list is a PayloadError (400)."""
    chosen = {k: (params.get(k) or "").strip() for k in FIELDS}
    status = chosen["status"] or "open"
    for name, value, allowed in (
        ("status", status, STATUSES),
        ("priority", chosen["priority"], PRIORITIES),
        ("channel", chosen["channel"], CHANNELS),
    ):
        if value and value not in allowed:
            raise PayloadError(f"{name} {value[:40]!r} is not one of {', '.join(allowed)}", field=name)
    for name in ("team", "customer"):
        if len(chosen[name]) > 128:
            raise PayloadError(f"{name} is longer than 128 characters", field=name)
    return Filters(
        status=status,
        priority=chosen["priority"] or None,
        team=chosen["team"] or None,
        channel=chosen["channel"] or None,
        customer_id=chosen["customer"] or None,
    )


def chosen_of(filters: Filters) -> dict[str, str]:
    return {
        "status": filters.status,
        "priority": filters.priority or "",
        "team": filters.team or "",
        "channel": filters.channel or "",
        "customer": filters.customer_id or "",
    }


def tickets_view(
    listing: Listing, filters: Filters, teams: Sequence[str], zone: ZoneInfo, now: datetime
) -> TicketsView:
    """The listing's order is kept: the port sorts (priority, then SLA due) on its index."""
    rows = []
    for ticket in listing.tickets:
        due = ticket.decision.sla_due
        rows.append(
            Row(
                ticket_id=ticket.ticket_id,
                priority=ticket.decision.priority.value,
                sla_due=maybe(due, zone, customer_zone(ticket.customer.timezone)),
                overdue=due is not None and due <= now and ticket.is_open and ticket.replied_at is None,
                channel=ticket.event.channel.value,
                customer=ticket.customer.name if ticket.customer.known else ticket.event.sender.name or "unknown",
                summary=ticket.event.summary(140),
                status=ticket.status,
            )
        )
    chosen = chosen_of(filters)
    following = None
    if listing.cursor:
        following = urlencode({**{k: v for k, v in chosen.items() if v}, "cursor": listing.cursor})
    return TicketsView(tuple(rows), chosen, STATUSES, PRIORITIES, CHANNELS, tuple(sorted(teams)), following)
