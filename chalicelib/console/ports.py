"""What the console reads, through ports the adapters implement (DynamoDB) and tests fake (memory)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.model.ticket import Ticket


@dataclass(frozen=True)
class Filters:
    """The Tickets view's filters; None: any."""

    status: str = "open"  # "open" or "resolved"
    priority: str | None = None  # "P1".."P4"
    team: str | None = None
    channel: str | None = None
    customer_id: str | None = None


@dataclass(frozen=True)
class Listing:
    """One page of tickets, most urgent first (priority, then SLA due time), and where the next page starts."""

    tickets: list[Ticket]
    #: opaque: pass it back for the next page; None when this is the last
    cursor: str | None = None


class TicketQueries(Protocol):
    def listing(self, filters: Filters, cursor: str | None = None, limit: int = 25) -> Listing:
        """Tickets with ``filters.status``, most urgent first; one Query on an index (no scans), paged by ``cursor``.

        A bad cursor raises PayloadError (400); an unreadable table DependencyError.
        """

    def history(self, customer_id: str, limit: int = 50) -> list[Ticket]:
        """Every ticket of the customer, newest first (one Query on an index)."""
