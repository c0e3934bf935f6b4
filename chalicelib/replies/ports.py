"""The interfaces the reply service depends on; adapters/ implements them over AWS and HTTP, tests over memory."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.model.timeline import Entry
    from chalicelib.replies.model import (
        Claim,
        HttpAnswer,
        HttpRequest,
        Reply,
        ReplyState,
        SendResult,
        Snapshot,
        ThreadBusy,
        ThreadHold,
    )


class ReplySender(Protocol):
    def send(self, reply: Reply, now: datetime) -> SendResult:
        """Send one reply on its channel; never raises for a provider's answer, only classifies it."""


class HttpTransport(Protocol):
    def send(self, request: HttpRequest) -> HttpAnswer:
        """One HTTP exchange, no retries (the outbox owns them); TransportError when no answer came."""


class ReplyQueue(Protocol):
    def enqueue(self, reply_id: str) -> None:
        """Ask the sender to send one reply; DependencyError when the queue is unavailable."""

    def enqueue_many(self, reply_ids: Sequence[str]) -> dict[str, str]:
        """Ask for several at once (fewer requests); the ones not queued, each with why."""


class Outbox(Protocol):
    """The reply outbox (chalicelib.adapters.replies_table implements it over DynamoDB)."""

    def record(self, reply: Reply, retry_at: datetime) -> bool: ...
    def get(self, reply_id: str) -> Reply | None: ...
    def read(self, reply_ids: Sequence[str]) -> dict[str, Snapshot]:
        """The replies as they are now, in one request; an id not recorded is absent."""

    def claim(
        self, snapshot: Snapshot, now: datetime, lease_until: datetime, thread: ThreadHold | None = None
    ) -> Claim | ThreadBusy | None:
        """The reply for one attempt, and the thread's automatic reply with it (one request when transacting)."""

    def settle(
        self,
        reply: Reply,
        state: ReplyState,
        now: datetime,
        message_id: str | None = None,
        reason: str | None = None,
        *,
        entry: Entry | None = None,
        replied_by: str | None = None,
        claimed: bool = True,
    ) -> bool:
        """The attempt's end, its timeline entry and the ticket's "replied" mark (one request when transacting)."""

    def batch(self) -> AbstractContextManager[None]:
        """Deliveries of one batch: a settle may be held to ride in the next claim's request (the end writes it)."""

    def flush(self) -> None:
        """Write a held settle now: before any request that is not the outbox's own."""

    def release(self, reply_id: str, now: datetime, not_before: datetime, reason: str, uncertain: bool) -> None: ...
    def due(self, now: datetime, limit: int = 100) -> list[str]: ...
    def snooze(self, reply_id: str, now: datetime, until: datetime) -> bool: ...
    def for_ticket(self, ticket_id: str) -> list[Reply]: ...
