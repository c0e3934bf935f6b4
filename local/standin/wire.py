"""What the stand-in works with: a request as it came off the socket, an answer, a message it accepted."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    from local.standin.faults import Fault


@dataclass(frozen=True)
class Request:
    """One HTTP request, exactly as received: header names lower-cased, the body's bytes untouched."""

    method: str
    target: str  # the request line's path and query, as sent
    headers: Mapping[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def media_type(self) -> str:
        """The Content-Type without parameters ("application/json; charset=utf-8" → "application/json")."""
        return self.header("content-type").split(";", 1)[0].strip().lower()

    def bearer(self) -> str | None:
        scheme, _, token = self.header("authorization").partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    def basic(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.header("authorization").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return (user, password) if sep else None

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON (each provider answers that its own way)."""
        return json.loads(self.body.decode("utf-8"))

    def describe(self) -> dict[str, Any]:
        """For the control path's listing: the request as text (bodies here are small and textual)."""
        return {
            "method": self.method,
            "target": self.target,
            "headers": dict(self.headers),
            "body": self.body.decode("utf-8", "replace"),
        }


@dataclass(frozen=True)
class Answer:
    """The provider's answer: a status, a JSON body (None: empty) and any extra headers."""

    status: int
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode("utf-8")


@dataclass(frozen=True)
class Received:
    """A message the stand-in accepted: what the customer (or, for a call-back, the on-call phone) gets."""

    provider: str  # "twilio", "slack", "x", "meta", "widget"
    endpoint: str  # "messages", "calls", "chat.postMessage", "dm", "tweets", "reply"
    to: str  # the number, channel, user id, PSID or conversation it reached
    text: str
    thread: str | None  # the thread it joins: Slack's thread_ts, the tweet replied to, the widget's message
    message_id: str  # the id the provider answered with
    sender: str | None  # the From number, the page, the author's name: who it appears to come from
    at: datetime
    request: Request

    @property
    def key(self) -> str:
        return f"{self.provider}.{self.endpoint}"

    def describe(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "endpoint": self.endpoint,
            "to": self.to,
            "text": self.text,
            "thread": self.thread,
            "message_id": self.message_id,
            "sender": self.sender,
            "at": self.at.isoformat(),
            "request": self.request.describe(),
        }


@dataclass(frozen=True)
class Accepted:
    """A provider handler's verdict on a valid request: the message, and the success answer to give."""

    message: Received
    answer: Answer
    #: called once no fault intervenes, just before the message is recorded: an Answer instead of
    #: recording it (the widget backend's answer to a webhook-id it has already shown)
    commit: Callable[[], Answer | None] | None = None


class Ids:
    """Sequential ids (SM000…1, SM000…2): the same run gives the same ids, which tests can name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0

    def next(self) -> int:
        with self._lock:
            self._next += 1
            return self._next

    def hex32(self, prefix: str) -> str:
        return f"{prefix}{self.next():032x}"


class Provider(Protocol):
    """One provider's API under ``prefix``: checks a request as the provider documents, answers its way."""

    name: str
    prefix: str  # "/twilio": the provider's base URL is the stand-in's base_url + prefix

    def handle(self, request: Request) -> Answer | Accepted:
        """Refuse (an Answer in the provider's error shape) or accept a request under ``prefix``."""

    def fault(self, fault: Fault, key: str) -> Answer:
        """The provider's own error answer for an injected fault on endpoint ``key``."""
