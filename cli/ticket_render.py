"""Print a ticket read for `switchboard tickets show`: the report for a person, or one JSON object."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any

from cli.ticket_reader import TicketView, sender_of, stamp

if TYPE_CHECKING:
    from chalicelib.model.page import Page

#: what a person's terminal is assumed to fit; wrapped lines keep their column
WIDTH = 100


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
        ("replied", f"{stamp(ticket.replied_at)} by {ticket.replied_by}" if ticket.replied_at else "not yet"),
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
    lines += ["", "replies"]
    for reply in view.replies:
        who = reply.author_name or reply.author
        state = reply.state.value + (f": {reply.reason}" if reply.reason else "")
        lead = f"  {stamp(reply.created_at)}  {reply.kind.value:<6}  {_clip(who, 20):<20}  "
        text = f"{state} · {' '.join(reply.text.split())}"
        lines.append(lead + _clip(text, max(20, WIDTH - len(lead))))
    if not view.replies:
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
        "replies": [r.model_dump(mode="json") for r in view.replies],
    }
