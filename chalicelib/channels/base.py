"""What every channel adapter takes and gives: the raw request as sent, and what came of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: importing the app must not build the event models
    from chalicelib.model.event import SupportEvent


@dataclass(frozen=True)
class RawRequest:
    """One provider request exactly as it reached us (API Gateway has already base64-decoded the body).

    ``url`` is the public URL the provider called, query string included: Twilio signs it.
    Header names are lower-cased; ``query`` holds the query string's parameters.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)
    #: other spellings of ``url`` when the exact query string is lost in transit (API Gateway REST
    #: events keep only parsed parameters): a URL-signing provider's check tries these too
    alternate_urls: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Reply:
    """An answer the provider expects other than 202 {"event_id"}: a handshake, a CRC, TwiML, 200 for an echo."""

    status: int
    body: str | Mapping[str, Any]
    content_type: str = "application/json"


@dataclass(frozen=True)
class Inbound:
    """What one request amounts to: zero or more customer messages to queue, and how to answer.

    No events and no reply: an accepted request with nothing for a human (our own echo, a bot
    message, an edit), answered 200 so the provider does not retry.
    """

    events: tuple[SupportEvent, ...] = ()
    reply: Reply | None = None
    #: why events were skipped (echo, bot, subtype …), for logs and tests
    skipped: tuple[str, ...] = ()
