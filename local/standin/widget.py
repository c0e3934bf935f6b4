"""The widget backend's reply receiver: a Standard Webhook (``message.reply``), verified with standardwebhooks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from chalicelib.channels.widget import verify_signature
from chalicelib.errors import ConfigError, SignatureError
from local.standin.faults import Fault
from local.standin.wire import Accepted, Answer, Received, Request

PATH = "/widget/replies"


class Author(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)


class ReplyData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str = Field(min_length=1, max_length=128)
    reply_id: str = Field(min_length=1, max_length=200)
    in_reply_to: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=20_000)
    author: Author


class ReplyWebhook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["message.reply"]
    timestamp: AwareDatetime
    data: ReplyData


def error(status: int, message: str, retry_after: float | None = None) -> Answer:
    headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
    return Answer(status, {"error": message}, headers)


class WidgetBackend:
    """Our widget's backend: it shows a reply in the visitor's open chat, once per ``webhook-id``."""

    name = "widget"
    prefix = "/widget"

    def __init__(self, secret: str, clock: Callable[[], datetime]) -> None:
        self.secret = secret
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        #: deliveries of a webhook-id already shown: answered 200 and not shown twice, but counted
        self.duplicates: list[str] = []

    def handle(self, request: Request) -> Answer | Accepted:
        if request.path != PATH:
            return error(404, f"no receiver at {request.path}")
        if request.method != "POST":
            return error(405, f"{request.method} not allowed; POST a Standard Webhook")
        try:
            webhook_id = verify_signature(self.secret, request.body, request.headers, self.clock())
        except (SignatureError, ConfigError) as exc:
            return error(401, str(exc))
        if request.media_type() != "application/json":
            return error(415, "Content-Type must be application/json")
        try:
            hook = ReplyWebhook.model_validate_json(request.body)
        except ValidationError as exc:
            first = exc.errors()[0]
            return error(400, f"{'.'.join(str(p) for p in first['loc']) or 'body'}: {first['msg']}")
        data = hook.data
        if data.reply_id != webhook_id:  # the backend dedups on the header: it must name this reply
            return error(400, f"webhook-id {webhook_id!r} is not the reply_id {data.reply_id!r}")
        received = Received(
            self.name,
            "reply",
            data.conversation_id,
            data.text,
            data.in_reply_to,
            webhook_id,
            data.author.name,
            self.clock(),
            request,
        )
        return Accepted(received, Answer(200, {"status": "delivered"}), commit=lambda: self._first(webhook_id))

    def _first(self, webhook_id: str) -> Answer | None:
        """None for a webhook-id not shown yet (and now it is); a 200 "duplicate" for one already shown."""
        with self._lock:
            if webhook_id in self._seen:
                self.duplicates.append(webhook_id)
                return Answer(200, {"status": "duplicate"})
            self._seen.add(webhook_id)
        return None

    def fault(self, fault: Fault, key: str) -> Answer:
        status = fault.status or 500
        default = (
            "conversation closed"
            if status == 410
            else "rate limited"
            if status == 429
            else "widget backend unavailable"
        )
        return error(status, fault.message or default, fault.retry_after)
