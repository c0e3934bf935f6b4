"""Who the customer of a ticket is to the person answering: their name, how they wrote, how to ring them back."""

from __future__ import annotations

import re

from chalicelib.model.event import Channel, SupportEvent
from chalicelib.model.ticket import Ticket

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
#: how a reply travels, in the words a person reads on a result page or in an SMS
_CHANNEL_WORDS = {
    Channel.SMS: "SMS",
    Channel.VOICE: "SMS",  # a caller is answered by text, from the number they called
    Channel.EMAIL: "email",
    Channel.SLACK: "Slack",
    Channel.X: "X",
    Channel.META: "Messenger",
    Channel.WIDGET: "the website widget",
}


def customer_name(ticket: Ticket) -> str:
    """The person to greet: the account's contact, a known customer's name, the sender's, else their address."""
    customer, sender = ticket.customer, ticket.event.sender
    if customer.contact_name:
        return customer.contact_name
    if customer.known:
        return customer.name
    return sender.name or sender.email or sender.phone or sender.handle or customer.name


def channel_words(event: SupportEvent) -> str:
    """'SMS', 'email', 'the website widget', 'Instagram': how the customer wrote, so how the reply goes."""
    if event.channel is Channel.META and event.metadata.get("platform"):
        return event.metadata["platform"].capitalize()
    return _CHANNEL_WORDS.get(event.channel, event.channel.value)


def customer_phone(ticket: Ticket) -> str | None:
    """The number to ring the customer on: the one they wrote or called from, else the directory's."""
    for number in (ticket.event.sender.phone, ticket.customer.phone):
        if number and _E164.match(number):
            return number
    return None


def company_line(event: SupportEvent, support_phone: str | None) -> str | None:
    """The company number the customer sees: the one they texted or called, else the support line setting.

    Calling back from the number they used keeps one conversation on their phone; for a web or
    email customer the configured support number is the company's line.
    """
    if event.channel in (Channel.SMS, Channel.VOICE):
        to = event.metadata.get("to")
        if to and _E164.match(to):
            return to
    return support_phone if support_phone and _E164.match(support_phone) else None
