"""In-memory stand-ins for the ticket queries and resolve/reopen (adapters/ticket_queries.py, services/tickets.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.console.ports import Filters, Listing
from chalicelib.model.ticket import Ticket


@dataclass
class FakeTicketQueries:
    """chalicelib.console.ports.TicketQueries over a list: most urgent first, pages of ``limit``, cursor = offset."""

    tickets: list[Ticket] = field(default_factory=list)
    #: tickets the fake reads from the real table by id (a functional test's triaged tickets)
    source: Any = None
    calls: list[tuple[Filters, str | None, int]] = field(default_factory=list)

    def _all(self) -> list[Ticket]:
        return list(self.tickets)

    def listing(self, filters: Filters, cursor: str | None = None, limit: int = 25) -> Listing:
        self.calls.append((filters, cursor, limit))
        found = [
            t
            for t in self._all()
            if t.status == filters.status
            and filters.priority in (None, t.decision.priority.value)
            and filters.team in (None, t.decision.team)
            and filters.channel in (None, t.event.channel.value)
            and filters.customer_id in (None, t.customer.customer_id)
        ]
        far = datetime.max.replace(tzinfo=found[0].created_at.tzinfo) if found else None
        found.sort(key=lambda t: (t.decision.priority.value, t.decision.sla_due or far))
        start = int(cursor or 0)
        page = found[start : start + limit]
        return Listing(page, str(start + limit) if start + limit < len(found) else None)

    def history(self, customer_id: str, limit: int = 50) -> list[Ticket]:
        mine = [t for t in self._all() if t.customer.customer_id == customer_id]
        return sorted(mine, key=lambda t: t.created_at, reverse=True)[:limit]


@dataclass
class FakeTicketService:
    """resolve/reopen as the console calls them; records each call."""

    calls: list[tuple[str, str, str, datetime]] = field(default_factory=list)

    def resolve(self, ticket_id: str, person: str, now: datetime) -> None:
        self.calls.append(("resolve", ticket_id, person, now))

    def reopen(self, ticket_id: str, person: str, now: datetime) -> None:
        self.calls.append(("reopen", ticket_id, person, now))


def register(container: Any, queries: FakeTicketQueries, service: FakeTicketService) -> None:
    """Put the fakes on a container already made (the functional tests' containers are built by the fixture)."""
    container.__dict__["ticket_queries"] = queries
    container.__dict__["ticket_service"] = service
