"""The interfaces the reply service depends on; adapters/ implements them over AWS and HTTP, tests over memory."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from chalicelib.replies.model import HttpAnswer, HttpRequest, Reply, SendResult


class ReplySender(Protocol):
    def send(self, reply: Reply, now: datetime) -> SendResult:
        """Send one reply on its channel; never raises for a provider's answer, only classifies it."""


class HttpTransport(Protocol):
    def send(self, request: HttpRequest) -> HttpAnswer:
        """One HTTP exchange, no retries (the outbox owns them); TransportError when no answer came."""
