"""What the paging service talks to and hands back: its two ports, a page's ids and fold keys, outcome and error."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.errors import SwitchboardError
from chalicelib.model.page import Level, Notification, Page
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry
from chalicelib.services.ports import Write


class PageRepository(Protocol):
    def create(self, page: Page, fold_keys: list[str], entries: list[Entry]) -> Write: ...
    def save(
        self,
        page: Page,
        expected_step: int,
        entries: list[Entry],
        notes: Sequence[Notification] = (),
        retry_at: datetime | None = None,
    ) -> bool: ...
    def retry(self, key: str, now: datetime, next_at: datetime) -> Notification | None: ...
    def settle(self, key: str, now: datetime, outcome: str) -> None: ...
    def get(self, page_id: str) -> Page | None: ...
    def by_code(self, code: str) -> Page | None: ...
    def open_for(self, keys: list[str], since: datetime) -> Page | None: ...
    def due(self, now: datetime, limit: int = 100) -> list[str]: ...
    def record(self, ticket_id: str, entries: list[Entry]) -> None: ...
    def timeline(self, ticket_id: str) -> list[Entry]: ...
    def hold(self, ticket_id: str, team: str, until: datetime, line: str, topics: list[str], entry: Entry) -> bool: ...
    def held(self, team: str, until: datetime) -> list[tuple[str, str]]: ...
    def claim(self, key: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None: ...
    def finish(self, key: str, now: datetime) -> None: ...
    def count_notification(self, person: str, window: datetime, ttl_seconds: int, page_id: str) -> int:
        """Count page ``page_id`` for ``person`` in the window from ``window``, once however often a retried
        tick or a later step asks; the number of pages counted there."""
        ...

    def disarm_sla(self, ticket_id: str, now: datetime) -> None: ...


class PagePublisher(Protocol):
    def publish(self, page: Page, level: Level, links: dict[str, str], now: datetime) -> list[str]:
        """Publish one level of a page to its topics; return the message ids."""

    def announce_ack(self, page: Page) -> list[str]:
        """Tell everyone the page reached that it was acknowledged."""

    def digest(self, team: str, topics: list[str], lines: list[str], now: datetime) -> list[str]:
        """Publish a team's digest of held messages."""


class AckRejectedError(SwitchboardError):
    """An acknowledgement we cannot accept: an unknown code, or a number that was not paged."""

    http_status = 403
    code = "ack_rejected"


def page_id_for(ticket_id: str, event_id: str) -> str:
    """Stable per message: a redelivered message finds the page it opened instead of opening another."""
    return "P-" + hashlib.sha256(f"{ticket_id}|{event_id}".encode()).hexdigest()[:10].upper()


def ack_code_for(page_id: str, attempt: int = 0) -> str:
    """Six digits a person can type on a phone; ``attempt`` draws another when a live page holds one."""
    digest = hashlib.sha256(f"{page_id}|{attempt}".encode()).hexdigest()
    return f"{int(digest, 16) % 1_000_000:06d}"


#: the decision fact naming the burst buckets ("a…|b…") an outage report was counted in: their pages fold into one
BURST_FACT = "incident.burst"


def fold_keys(ticket: Ticket) -> list[str]:
    """A burst folds per thread (its ticket) and per known customer (an outage told on three channels)."""
    keys = [f"ticket:{ticket.ticket_id}"]
    if ticket.customer.known:
        keys.append(f"customer:{ticket.customer.customer_id}")
    # outage reports from different people, counted towards one burst (services/incident_intake.py)
    if isinstance(burst := ticket.decision.facts.get(BURST_FACT), str) and burst:
        keys.extend(f"burst:{key}" for key in burst.split("|"))
    return keys


@dataclass(frozen=True)
class PageOutcome:
    page: Page
    opened: bool  # a new page (False: folded into an open one, or already opened by an earlier delivery)
    notified: bool  # someone was notified during this call
