"""A person resolves or reopens a ticket (the console, `switchboard tickets resolve|reopen`).

Resolving stops what still chases the ticket: its own open pages are resolved (no more escalation)
and its first-response timer is disarmed, before the ticket's status moves, so a crash in between
leaves an open ticket nobody is paged for, and a retry finishes the job; never a resolved ticket
that still pages someone. Each move lands on the timeline with who made it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.errors import NotFoundError, SwitchboardError
from chalicelib.model.page import Page, PageState
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry, Kind
from chalicelib.paging.escalation import describe_time, resolve

#: a page's save is retried this often when a concurrent tick or ack moved it meanwhile
SAVE_ATTEMPTS = 3


class TicketStateError(SwitchboardError):
    """The move does not fit the ticket's status: resolving a resolved ticket, reopening an open one."""

    http_status = 409
    code = "ticket_state"


class TicketStore(Protocol):
    def get(self, ticket_id: str) -> Ticket | None: ...
    def resolve(self, ticket_id: str, at: datetime, by: str) -> bool: ...
    def reopen(self, ticket_id: str, at: datetime, by: str) -> bool: ...


class TicketPages(Protocol):
    def get(self, page_id: str) -> Page | None: ...
    def save(self, page: Page, expected_step: int, entries: Iterable[Entry] = ...) -> bool: ...
    def record(self, ticket_id: str, entries: Iterable[Entry]) -> None: ...
    def timeline(self, ticket_id: str) -> list[Entry]: ...
    def disarm_sla(self, ticket_id: str, now: datetime) -> None: ...


@dataclass
class TicketService:
    tickets: TicketStore
    pages: TicketPages

    def resolve(self, ticket_id: str, by: str, now: datetime) -> Ticket:
        """``by`` (a person's key) resolves the open ticket; TicketStateError (409) when it is not open."""
        ticket = self._ticket(ticket_id)
        if not ticket.is_open:
            raise TicketStateError(f"ticket {ticket_id} is already resolved")
        stopped = self._stop_pages(ticket_id, by, now)
        self.pages.disarm_sla(ticket_id, now)
        if not self.tickets.resolve(ticket_id, now, by):
            raise TicketStateError(f"ticket {ticket_id} is already resolved")  # resolved meanwhile
        text = f"resolved by {by} at {describe_time(now)}"
        if stopped:
            text += f"; escalation stopped on page {', '.join(stopped)}"
        self.pages.record(ticket_id, [Entry(at=now, kind=Kind.RESOLVED, actor=by, text=text)])
        return ticket.model_copy(update={"status": "resolved"})

    def reopen(self, ticket_id: str, by: str, now: datetime) -> Ticket:
        """``by`` reopens the resolved ticket (nobody is paged again: they have it); 409 when it is open."""
        ticket = self._ticket(ticket_id)
        if ticket.is_open or not self.tickets.reopen(ticket_id, now, by):
            raise TicketStateError(f"ticket {ticket_id} is already open")
        entry = Entry(at=now, kind=Kind.REOPENED, actor=by, text=f"reopened by {by} at {describe_time(now)}")
        self.pages.record(ticket_id, [entry])
        return ticket.model_copy(update={"status": "open"})

    def _ticket(self, ticket_id: str) -> Ticket:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            raise NotFoundError(f"there is no ticket {ticket_id}")
        return ticket

    def _stop_pages(self, ticket_id: str, by: str, now: datetime) -> list[str]:
        """Resolve the ticket's own pages still open, acknowledged or exhausted; the ids of those stopped.

        A page another ticket opened (this one folded into it) is that ticket's to resolve: it may
        carry other customers' messages (a burst of outage reports).
        """
        page_ids = dict.fromkeys(e.page_id for e in self.pages.timeline(ticket_id) if e.page_id)
        stopped = []
        for page_id in page_ids:
            for _ in range(SAVE_ATTEMPTS):
                page = self.pages.get(page_id)
                if page is None or page.ticket_id != ticket_id or page.state is PageState.RESOLVED:
                    break
                entry = Entry(
                    at=now, kind=Kind.RESOLVED, page_id=page_id, actor=by, text=f"page resolved with the ticket by {by}"
                )
                if self.pages.save(resolve(page, by, now), page.step, [entry]):
                    stopped.append(page_id)
                    break
        return stopped
