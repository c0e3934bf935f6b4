"""Triage: dedup, look up the customer, decide, store the ticket, page when the decision says so."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import SupportEvent
from chalicelib.model.ticket import PageStatus, Ticket, sender_key
from chalicelib.services.ports import CustomerDirectory, Pager, TicketRepository

#: "the Nth message from this customer in the last hour"
REPEAT_WINDOW = timedelta(hours=1)


def page_status(decision: Decision) -> PageStatus:
    if decision.pages:
        return PageStatus.PENDING
    return PageStatus.DEFERRED if decision.deferred_until and decision.page_targets else PageStatus.NONE


def ticket_id_for(event_id: str) -> str:
    """A short, stable ticket id: the same event always names the same ticket."""
    return "T-" + hashlib.sha256(event_id.encode()).hexdigest()[:10].upper()


@dataclass(frozen=True)
class TriageOutcome:
    ticket: Ticket
    created: bool  # False: a redelivery of an event we already stored
    paged: bool  # a page was published during this call


@dataclass
class TriageService:
    tickets: TicketRepository
    customers: CustomerDirectory
    pager: Pager
    #: (event, customer, now, earlier messages from the sender in the last hour) → Decision
    decide: Callable[[SupportEvent, Customer, datetime, int], Decision]
    clock: Callable[[], datetime]
    dedup_ttl_seconds: int = 14 * 24 * 3600

    def handle(self, event: SupportEvent) -> TriageOutcome:
        existing = self.tickets.for_event(event.event_id)
        if existing is not None:
            return self._finish(existing, created=False)
        now = self.clock()
        customer = self.customers.find(event.sender) or Customer.unknown(
            event.sender.name or event.sender.email or event.sender.phone or "unknown sender"
        )
        sender = sender_key(event)
        recent = self.tickets.count_recent(sender, now - REPEAT_WINDOW) if sender else 0
        decision = self.decide(event, customer, now, recent)
        ticket = Ticket(
            ticket_id=ticket_id_for(event.event_id),
            event=event,
            customer=customer,
            decision=decision,
            created_at=now,
            page_status=page_status(decision),
        )
        if not self.tickets.create(ticket, self.dedup_ttl_seconds):
            # a concurrent delivery of the same event won the conditional write
            stored = self.tickets.for_event(event.event_id)
            return self._finish(stored or ticket, created=False)
        return self._finish(ticket, created=True)

    def _finish(self, ticket: Ticket, created: bool) -> TriageOutcome:
        """Publish the page if it is still pending.

        The page is published before it is marked sent: a crash in between pages twice
        rather than never, which is the right failure for a pager.
        """
        if ticket.page_status is not PageStatus.PENDING:
            return TriageOutcome(ticket, created, paged=False)
        self.pager.page(ticket.decision.page_targets, ticket)
        self.tickets.mark_paged(ticket.ticket_id)
        return TriageOutcome(ticket.model_copy(update={"page_status": PageStatus.SENT}), created, paged=True)
