"""A ticket: one customer message with the decision taken on it."""

from __future__ import annotations

import hashlib
from datetime import UTC
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import SupportEvent


class PageStatus(StrEnum):
    NONE = "none"  # the decision did not call for a page
    PENDING = "pending"  # stored, page not yet confirmed published
    SENT = "sent"
    DEFERRED = "deferred"  # held until the team's calendar opens (decision.deferred_until)


class Ticket(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: str
    event: SupportEvent
    customer: Customer
    decision: Decision
    created_at: AwareDatetime
    status: str = "open"
    page_status: PageStatus = PageStatus.NONE
    #: messages on the ticket: the one that opened it plus the follow-ups that joined its thread
    messages: int = 1
    last_message_at: AwareDatetime | None = None
    #: when the customer first heard back (an auto-reply or a person's), and from whom
    replied_at: AwareDatetime | None = None
    replied_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


class FollowUp(BaseModel):
    """A message that joined an open ticket's thread instead of opening a ticket of its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ticket_id: str
    event: SupportEvent
    decision: Decision
    received_at: AwareDatetime
    page_status: PageStatus = PageStatus.NONE

    @property
    def key(self) -> str:
        """Its sort key under the ticket: follow-ups list in arrival order."""
        return f"MSG#{self.received_at.astimezone(UTC).isoformat()}#{self.event.event_id}"


class Delivery(BaseModel):
    """What one event produced: a ticket, or a follow-up on one."""

    model_config = ConfigDict(frozen=True)

    ticket: Ticket
    follow_up: FollowUp | None = None

    @property
    def page_status(self) -> PageStatus:
        return self.follow_up.page_status if self.follow_up else self.ticket.page_status

    def as_paged(self) -> Ticket:
        """The ticket as a page shows it: a follow-up's message and decision under the ticket's id."""
        if self.follow_up is None:
            return self.ticket
        return self.ticket.model_copy(update={"event": self.follow_up.event, "decision": self.follow_up.decision})


def ticket_id_for(event_id: str) -> str:
    """A short, stable ticket id: the same event always names the same ticket (so the ticket is its dedup record)."""
    return "T-" + hashlib.sha256(event_id.encode()).hexdigest()[:10].upper()


def sender_key(event: SupportEvent) -> str | None:
    """The sender's most specific directory key: repeat contact is counted per sender, not per account."""
    keys = event.sender.lookup_keys()
    return keys[0] if keys else None


def history_key(ticket: Ticket) -> str | None:
    """Whose history the ticket belongs to: the customer's id, or for a sender with no account, the sender.

    An unknown caller's tickets are all "unknown" customers: their sender key keeps one caller's earlier
    tickets together (and apart from everyone else's); None when the message names no sender at all.
    """
    if ticket.customer.known:
        return ticket.customer.customer_id
    sender = sender_key(ticket.event)
    return f"sender#{sender}" if sender else None
