"""In-memory fakes of the service ports, for pure service tests (no AWS, no moto)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.errors import DependencyError
from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender, SupportEvent
from chalicelib.model.ticket import PageStatus, Ticket
from chalicelib.model.ticket import sender_key as ticket_sender_key


@dataclass
class FakeQueue:
    sent: list[SupportEvent] = field(default_factory=list)
    fail: bool = False

    def enqueue(self, event: SupportEvent) -> None:
        if self.fail:
            raise DependencyError("queue down")
        self.sent.append(event)


@dataclass
class FakeTickets:
    tickets: dict[str, Ticket] = field(default_factory=dict)
    by_event: dict[str, str] = field(default_factory=dict)
    #: simulate a concurrent delivery winning the conditional write
    lose_next_create: bool = False

    def create(self, ticket: Ticket, dedup_ttl_seconds: int) -> bool:
        if self.lose_next_create:
            self.lose_next_create = False
            self.by_event[ticket.event.event_id] = ticket.ticket_id
            self.tickets[ticket.ticket_id] = ticket.model_copy(update={"page_status": PageStatus.SENT})
            return False
        if ticket.event.event_id in self.by_event:
            return False
        self.by_event[ticket.event.event_id] = ticket.ticket_id
        self.tickets[ticket.ticket_id] = ticket
        return True

    def for_event(self, event_id: str) -> Ticket | None:
        ticket_id = self.by_event.get(event_id)
        return self.tickets.get(ticket_id) if ticket_id else None

    def mark_paged(self, ticket_id: str) -> None:
        self.tickets[ticket_id] = self.tickets[ticket_id].model_copy(update={"page_status": PageStatus.SENT})

    def count_recent(self, sender_key: str, since: datetime) -> int:
        return sum(
            1 for t in self.tickets.values() if t.created_at >= since and ticket_sender_key(t.event) == sender_key
        )


@dataclass
class FakeCustomers:
    customers: list[Customer] = field(default_factory=list)

    def find(self, sender: Sender) -> Customer | None:
        for c in self.customers:
            if (sender.email and c.email == sender.email) or (sender.phone and c.phone == sender.phone):
                return c
        return None


@dataclass
class FakePager:
    pages: list[tuple[str, str]] = field(default_factory=list)  # (target, ticket id)
    fail_times: int = 0

    def page(self, targets: tuple[str, ...], ticket: Ticket) -> list[str]:
        if self.fail_times:
            self.fail_times -= 1
            raise DependencyError("sns down")
        self.pages.extend((t, ticket.ticket_id) for t in targets)
        return [f"m-{len(self.pages)}-{t}" for t in targets]
