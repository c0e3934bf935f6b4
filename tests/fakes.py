"""In-memory fakes of the service ports, for pure service tests (no AWS, no moto)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.errors import DependencyError
from chalicelib.model.contacts import RecentContacts, entry_for
from chalicelib.model.customer import Customer
from chalicelib.model.event import Sender, SupportEvent
from chalicelib.model.ticket import Delivery, FollowUp, PageStatus, Ticket
from chalicelib.model.ticket import sender_key as ticket_sender_key
from chalicelib.replies.model import Reply
from chalicelib.services.ports import CustomerDirectory, Snapshot, Write
from chalicelib.services.triage import TriageService


@dataclass
class FakeClock:
    """The services' clock in a test: the test moves ``now``."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeSeconds:
    """A monotonic clock in seconds (a cache's or a poller's ``time.monotonic``): the test moves ``now``."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


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
    threads: dict[str, str] = field(default_factory=dict)
    follow_ups: dict[str, FollowUp] = field(default_factory=dict)  # event id → follow-up
    #: simulate a concurrent delivery winning the conditional write
    lose_next_create: bool = False
    #: replies recorded with their ticket or follow-up, by reply id
    replies: dict[str, Reply] = field(default_factory=dict)
    #: tickets an incident's resolution closed: a follow-up reopens them
    reopenable: set[str] = field(default_factory=set)

    def create(
        self,
        ticket: Ticket,
        dedup_ttl_seconds: int | None,
        closed: str | None = None,
        reply: Reply | None = None,
        contacts: RecentContacts | None = None,
    ) -> Write:
        if self.lose_next_create:
            self.lose_next_create = False
            self.by_event[ticket.event.event_id] = ticket.ticket_id
            self.tickets[ticket.ticket_id] = ticket.model_copy(update={"page_status": PageStatus.SENT})
            return Write.DUPLICATE
        if ticket.event.event_id in self.by_event:
            return Write.DUPLICATE
        thread = ticket.event.thread_key
        if thread and not thread.startswith("ticket:"):
            if self.threads.get(thread, closed) != closed:
                return Write.CONFLICT
            self.threads[thread] = ticket.ticket_id
        self.by_event[ticket.event.event_id] = ticket.ticket_id
        self.tickets[ticket.ticket_id] = ticket
        if reply is not None:
            self.replies[reply.reply_id] = reply
        return Write.STORED

    def thread_ticket(self, thread_key: str) -> str | None:
        if thread_key.startswith("ticket:"):
            ticket_id = thread_key.removeprefix("ticket:")
            return ticket_id if ticket_id in self.tickets else None
        return self.threads.get(thread_key) or self.by_event.get(thread_key)

    def append(
        self,
        follow_up: FollowUp,
        dedup_ttl_seconds: int | None,
        reply: Reply | None = None,
        contacts: RecentContacts | None = None,
    ) -> Write:
        if follow_up.event.event_id in self.by_event:
            return Write.DUPLICATE
        ticket = self.tickets.get(follow_up.ticket_id)
        if ticket is None or not (ticket.is_open or follow_up.ticket_id in self.reopenable):
            return Write.CONFLICT
        self.reopenable.discard(follow_up.ticket_id)  # an incident closed it: its customer writing reopens it
        ticket = ticket.model_copy(update={"status": "open"})
        self.by_event[follow_up.event.event_id] = follow_up.ticket_id
        self.follow_ups[follow_up.event.event_id] = follow_up
        if reply is not None:
            self.replies[reply.reply_id] = reply
        self.tickets[ticket.ticket_id] = ticket.model_copy(
            update={"messages": ticket.messages + 1, "last_message_at": follow_up.received_at}
        )
        return Write.STORED

    def close(self, ticket_id: str, at: datetime, by: str) -> bool:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or not ticket.is_open:
            return False
        self.tickets[ticket_id] = ticket.model_copy(update={"status": "resolved"})
        self.reopenable.add(ticket_id)
        return True

    def for_event(self, event_id: str) -> Delivery | None:
        ticket_id = self.by_event.get(event_id)
        if ticket_id is None:
            return None
        return Delivery(ticket=self.tickets[ticket_id], follow_up=self.follow_ups.get(event_id))

    def mark_paged(self, ticket_id: str, follow_up_key: str | None = None) -> None:
        if follow_up_key is None:
            self.tickets[ticket_id] = self.tickets[ticket_id].model_copy(update={"page_status": PageStatus.SENT})
            return
        for event_id, follow_up in self.follow_ups.items():
            if follow_up.key == follow_up_key:
                self.follow_ups[event_id] = follow_up.model_copy(update={"page_status": PageStatus.SENT})

    def recent_contacts(self, sender_key: str) -> RecentContacts:
        """Every stored message from the sender (the window is RecentContacts.count's to apply)."""
        stored = [(t.event, t.created_at) for t in self.tickets.values()]
        stored += [(f.event, f.received_at) for f in self.follow_ups.values()]
        entries = {entry_for(e.event_id): at for e, at in stored if ticket_sender_key(e) == sender_key}
        return RecentContacts(sender_key, entries)


@dataclass
class FakeTriageReads:
    """TriageReads over the fakes: a batch's snapshot as of the call; ``batches`` records each call's event ids."""

    tickets: FakeTickets
    customers: CustomerDirectory
    batches: list[list[str]] = field(default_factory=list)

    def prefetch(self, events: Sequence[SupportEvent]) -> Snapshot:
        self.batches.append([e.event_id for e in events])
        snapshot = Snapshot()
        for event in events:
            snapshot.deliveries[event.event_id] = self.tickets.for_event(event.event_id)
            if event.thread_key:
                snapshot.threads[event.thread_key] = self.tickets.thread_ticket(event.thread_key)
            snapshot.customers[event.event_id] = self.customers.find(event.sender)
            if sender := ticket_sender_key(event):
                snapshot.contacts[sender] = self.tickets.recent_contacts(sender)
        return snapshot


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
    held: list[str] = field(default_factory=list)  # ticket ids held for a digest

    def page(self, ticket: Ticket, now: datetime, urgent_news: bool = False) -> list[str]:
        if self.fail_times:
            self.fail_times -= 1
            raise DependencyError("sns down")
        targets = ticket.decision.page_targets
        self.pages.extend((t, ticket.ticket_id) for t in targets)
        return [f"m-{len(self.pages)}-{t}" for t in targets]

    def hold(self, ticket: Ticket, now: datetime) -> None:
        self.held.append(ticket.ticket_id)


@dataclass
class TriageParts:
    service: TriageService
    tickets: FakeTickets
    pager: FakePager
    clock: FakeClock

    def __iter__(self) -> Iterator[Any]:
        """``service, tickets, pager, clock = parts``."""
        return iter((self.service, self.tickets, self.pager, self.clock))


def triage_with_fakes(customers: CustomerDirectory, now: datetime) -> TriageParts:
    """The triage service as the container wires it (the shipped rules, tone and repeat contact), over fakes."""
    from chalicelib.routing.decide import decide
    from chalicelib.routing.loader import load_rules
    from chalicelib.routing.sentiment import signals_for

    rules = load_rules()
    tickets, pager, clock = FakeTickets(), FakePager(), FakeClock(now)
    service = TriageService(
        tickets=tickets,
        customers=customers,
        pager=pager,
        decide=lambda e, c, at, recent: decide(e, c, at, rules, signals_for(e, rules, recent)),
        clock=clock,
    )
    return TriageParts(service, tickets, pager, clock)
