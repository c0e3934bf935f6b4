"""The small interfaces services depend on; adapters/ implements them over AWS, tests over memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: the ingest path must not build the triage models
    from chalicelib.model.contacts import RecentContacts
    from chalicelib.model.customer import Customer
    from chalicelib.model.event import Sender, SupportEvent
    from chalicelib.model.ticket import Delivery, FollowUp, Ticket
    from chalicelib.replies.model import Reply


class Write(StrEnum):
    """How a conditional write ended."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # the event id was already stored: a provider's retry
    CONFLICT = "conflict"  # the thread has another open ticket, or the ticket closed meanwhile


class EventQueue(Protocol):
    def enqueue(self, event: SupportEvent) -> None:
        """Hand the event to triage; raise DependencyError when the queue is unavailable."""


class TicketRepository(Protocol):
    def create(
        self,
        ticket: Ticket,
        dedup_ttl_seconds: int | None,
        closed: str | None = None,
        reply: Reply | None = None,
        contacts: RecentContacts | None = None,
    ) -> Write:
        """Store the ticket once per event id and claim its thread (CONFLICT: another ticket holds it).

        ``reply``, the message's automatic reply, is recorded in the same write: a stored ticket has its reply.
        So is the message in its sender's ``contacts`` (as read before deciding): it counts as repeat contact.

        ``dedup_ttl_seconds`` None: the event's marker never expires (a provider that signs no time).

        ``closed`` names a ticket found closed on the thread: its hold on the thread is taken over.
        """

    def thread_ticket(self, thread_key: str) -> str | None:
        """The ticket id a thread key leads to, if any (it may have been resolved since)."""

    def append(
        self,
        follow_up: FollowUp,
        dedup_ttl_seconds: int | None,
        reply: Reply | None = None,
        contacts: RecentContacts | None = None,
    ) -> Write:
        """Add a follow-up to its open ticket once per event id (CONFLICT: the ticket is not open), with its reply
        and its entry in the sender's ``contacts``."""

    def for_event(self, event_id: str) -> Delivery | None:
        """What an event id already produced, if anything."""

    def mark_paged(self, ticket_id: str, follow_up_key: str | None = None) -> None:
        """Record that the ticket's (or one follow-up's) page was published."""

    def recent_contacts(self, sender_key: str) -> RecentContacts:
        """The sender's record of recent messages (repeat contact); an empty one for a sender not seen lately."""


@dataclass
class Snapshot:
    """What triage reads before deciding, read for a whole SQS batch at once; each map holds what was read.

    As of the read: triage keeps it current with its own writes (a batch can hold a thread's first
    message and its follow-up, or one sender twice). Another container's writes since are not in it,
    which the ticket transaction's conditions catch (a marker: a redelivery; a thread pointer: join it).
    """

    #: event id → what it already produced (None: nothing yet, a new message)
    deliveries: dict[str, Delivery | None] = field(default_factory=dict)
    #: thread key → the ticket id it leads to (None: a new thread), as ``TicketRepository.thread_ticket``
    threads: dict[str, str | None] = field(default_factory=dict)
    #: event id → its sender's customer (None: an unknown sender)
    customers: dict[str, Customer | None] = field(default_factory=dict)
    #: sender key → the sender's recent messages
    contacts: dict[str, RecentContacts] = field(default_factory=dict)

    def wrote(
        self,
        event: SupportEvent,
        ticket_id: str,
        write: Write,
        *,
        opened: bool,
        contacts: RecentContacts | None,
        at: datetime,
    ) -> None:
        """Keep the snapshot current with the batch's own write of ``event``: a ticket it ``opened``, or a
        follow-up on ``ticket_id``. The thread rules are ``TicketRepository.thread_ticket``'s."""
        if write is not Write.STORED:
            return
        # a thread key naming this event (a call's voicemail names the call) leads to its ticket, unless a pointer does
        if event.event_id in self.threads and self.threads[event.event_id] is None:
            self.threads[event.event_id] = ticket_id
        if opened:
            if (tag := f"ticket:{ticket_id}") in self.threads:  # our reply's plus address names the ticket
                self.threads[tag] = ticket_id
            if event.thread_key and not event.thread_key.startswith("ticket:"):
                self.threads[event.thread_key] = ticket_id  # the ticket claimed the thread's pointer
        if contacts is not None:
            self.contacts[contacts.sender_key] = contacts.adding(event.event_id, at)


class TriageReads(Protocol):
    def prefetch(self, events: Sequence[SupportEvent]) -> Snapshot:
        """Everything triage reads for these events before deciding, in one request per round for all of them."""


class CustomerDirectory(Protocol):
    def find(self, sender: Sender) -> Customer | None:
        """The customer this sender belongs to, or None for an unknown sender."""


class Pager(Protocol):
    def page(self, ticket: Ticket, now: datetime, urgent_news: bool = False) -> object:
        """Page for the ticket's current message (open a page, or fold into the open one)."""

    def hold(self, ticket: Ticket, now: datetime) -> object:
        """Hold a deferred page for its team's digest when the team's calendar opens."""
