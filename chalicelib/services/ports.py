"""The small interfaces services depend on; adapters/ implements them over AWS, tests over memory."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: the ingest path must not build the triage models
    from chalicelib.model.customer import Customer
    from chalicelib.model.event import Sender, SupportEvent
    from chalicelib.model.ticket import Ticket


class EventQueue(Protocol):
    def enqueue(self, event: SupportEvent) -> None:
        """Hand the event to triage; raise DependencyError when the queue is unavailable."""


class TicketRepository(Protocol):
    def create(self, ticket: Ticket, dedup_ttl_seconds: int) -> bool:
        """Store the ticket once per event id; False when the event was already stored."""

    def for_event(self, event_id: str) -> Ticket | None:
        """The ticket an event id already produced, if any."""

    def mark_paged(self, ticket_id: str) -> None:
        """Record that the ticket's page was published."""

    def count_recent(self, sender_key: str, since: datetime) -> int:
        """Tickets opened for this sender since ``since`` (repeat contact)."""


class CustomerDirectory(Protocol):
    def find(self, sender: Sender) -> Customer | None:
        """The customer this sender belongs to, or None for an unknown sender."""


class Pager(Protocol):
    def page(self, targets: tuple[str, ...], ticket: Ticket) -> list[str]:
        """Publish one page per target; return the message ids."""
