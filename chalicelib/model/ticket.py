"""A ticket: one customer message with the decision taken on it."""

from __future__ import annotations

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


def sender_key(event: SupportEvent) -> str | None:
    """The sender's most specific directory key: repeat contact is counted per sender, not per account."""
    keys = event.sender.lookup_keys()
    return keys[0] if keys else None
