"""The small interfaces services depend on; adapters/ implements them over AWS, tests over memory."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: the ingest path must not build the triage models
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
        self, ticket: Ticket, dedup_ttl_seconds: int | None, closed: str | None = None, reply: Reply | None = None
    ) -> Write:
        """Store the ticket once per event id and claim its thread (CONFLICT: another ticket holds it).

        ``reply``, the message's automatic reply, is recorded in the same write: a stored ticket has its reply.

        ``dedup_ttl_seconds`` None: the event's marker never expires (a provider that signs no time).

        ``closed`` names a ticket found closed on the thread: its hold on the thread is taken over.
        """

    def thread_ticket(self, thread_key: str) -> str | None:
        """The ticket id a thread key leads to, if any (it may have been resolved since)."""

    def append(self, follow_up: FollowUp, dedup_ttl_seconds: int | None, reply: Reply | None = None) -> Write:
        """Add a follow-up to its open ticket once per event id (CONFLICT: the ticket is not open), with its reply."""

    def for_event(self, event_id: str) -> Delivery | None:
        """What an event id already produced, if anything."""

    def mark_paged(self, ticket_id: str, follow_up_key: str | None = None) -> None:
        """Record that the ticket's (or one follow-up's) page was published."""

    def count_recent(self, sender_key: str, since: datetime) -> int:
        """Tickets opened for this sender since ``since`` (repeat contact)."""


class CustomerDirectory(Protocol):
    def find(self, sender: Sender) -> Customer | None:
        """The customer this sender belongs to, or None for an unknown sender."""


class Pager(Protocol):
    def page(self, ticket: Ticket, now: datetime, urgent_news: bool = False) -> object:
        """Page for the ticket's current message (open a page, or fold into the open one)."""

    def hold(self, ticket: Ticket, now: datetime) -> object:
        """Hold a deferred page for its team's digest when the team's calendar opens."""
