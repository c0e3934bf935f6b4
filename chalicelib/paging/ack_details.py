"""The conversation part of the ack page: the customer's whole message, who they are, their time, and the
reply box and call-back button. Pure HTML builders; every value escaped, line breaks kept by CSS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.model.event import Channel
from chalicelib.model.page import Page
from chalicelib.model.ticket import Ticket
from chalicelib.paging.contact import channel_words, customer_name
from chalicelib.paging.escalation import describe_time

#: what a reply may hold (the outbox's limit on a reply's text)
REPLY_MAX_CHARS = 4000
#: Twilio's limit on a message's Body: an SMS reply longer than this could not be sent at all
SMS_MAX_CHARS = 1600


@dataclass(frozen=True)
class Conversation:
    """What the page needs beyond the page itself; built by the route, rendered here."""

    ticket: Ticket
    now: datetime
    #: the reply form's one-time token: random per render, so a double submit of one form sends once
    token: str
    #: the number a call-back rings first (the viewer's own, from the page); None: no call-back button
    person_phone: str | None = None
    #: the customer's number and the company line a call-back bridges; None: no call-back button
    customer_phone: str | None = None
    company_line: str | None = None


def message_block(page: Page, ticket: Ticket) -> str:
    """The opening message in full (subject, then text with its line breaks), and the latest one if others came."""
    event = ticket.event
    subject = f'<p class="subject">{escape(event.subject)}</p>' if event.subject else ""
    text = event.text.strip() or "(no text)"
    later = ""
    if ticket.messages > 1:
        later = f'<p class="note">{ticket.messages} messages on this ticket; the latest: {escape(page.summary)}</p>'
    return f'<section aria-label="The customer\'s message">{subject}<div class="message">{escape(text)}</div>{later}</section>'


def contact_rows(page: Page, ticket: Ticket, now: datetime) -> list[tuple[str, str]]:
    """Who wrote, how to reach them as their message says, their tier, and their clock beside UTC."""
    sender, customer = ticket.event.sender, ticket.customer
    rows = [("Channel", channel_words(ticket.event)), ("From", customer_name(ticket))]
    rows += [(label, value) for label, value in (("Email", sender.email), ("Phone", sender.phone)) if value]
    if sender.handle:
        rows.append(("Handle", sender.handle))
    if customer.known and customer.name != rows[1][1]:
        rows.append(("Account", customer.name))
    rows.append(("Tier", page.tier))
    zone, label = _zone(customer.timezone)
    rows.append(("Their local time", f"{_clock(now, zone)} ({label}, {_offset(now, zone)})"))
    rows.append(("Time now (UTC)", describe_time(now)))
    received = ticket.event.received_at
    rows.append(("Received", f"{_clock(received, zone)} their time; {describe_time(received)}"))
    return rows


def reply_form(action: str, hidden: Mapping[str, str], conversation: Conversation) -> str:
    """The reply box: what the person types goes to the customer on the customer's own channel."""
    ticket = conversation.ticket
    if not ticket.is_open:
        return f'<p class="state">The ticket is {escape(ticket.status)}: replies from here are off.</p>'
    to = f"{customer_name(ticket)} by {channel_words(ticket.event)}"
    limit = SMS_MAX_CHARS if ticket.event.channel in (Channel.SMS, Channel.VOICE) else REPLY_MAX_CHARS
    fields = _hidden({**hidden, "token": conversation.token})
    return (
        f'<form method="post" action="{escape(action)}">{fields}'
        f'<label for="reply">Reply to {escape(to)}</label>'
        f'<textarea id="reply" name="text" rows="5" maxlength="{limit}" required></textarea>'
        '<button type="submit">Send reply</button></form>'
    )


def call_form(action: str, hidden: Mapping[str, str], conversation: Conversation) -> str:
    """The call-back button, only when there is a number to ring on both ends and a company line to show."""
    c = conversation
    if not (c.person_phone and c.customer_phone and c.company_line):
        return ""
    how = (
        f"Rings your phone ({c.person_phone}) from the company line {c.company_line}; when you answer, "
        f"it connects {customer_name(c.ticket)} ({c.customer_phone}), who sees the company line."
    )
    return (
        f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
        f'<button type="submit" class="secondary">Call the customer</button>'
        f'<p class="note">{escape(how)}</p></form>'
    )


def _hidden(fields: Mapping[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def _zone(name: str) -> tuple[tzinfo, str]:
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC"), f"UTC: their zone {name!r} is unknown"


def _clock(moment: datetime, zone: tzinfo) -> str:
    """'03:12 on Tue 17 Nov': a weekday, because 'their 03:12' on a different date from yours misleads."""
    local = moment.astimezone(zone)
    return f"{local:%H:%M} on {local:%a} {local.day} {local:%b}"


def _offset(moment: datetime, zone: tzinfo) -> str:
    """'UTC-05:00': tells the two 01:30s of a night the clocks go back apart."""
    text = moment.astimezone(zone).strftime("%z") or "+0000"
    return f"UTC{text[:3]}:{text[3:]}"
