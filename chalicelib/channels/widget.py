"""Our website chat widget: JSON signed with Standard Webhooks (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from chalicelib.channels.base import Inbound, RawRequest
from chalicelib.channels.bounds import bounded_key, clip, load_json
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel, Sender, SupportEvent

PROVIDER = "widget"
#: Standard Webhooks' replay window either side of our clock
TOLERANCE = timedelta(minutes=5)


class Visitor(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=200)
    # A shape check, not pydantic's EmailStr: that needs email-validator and dnspython in the
    # Lambda package, and the widget has already confirmed the address with the visitor.
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+[1-9]\d{6,14}$")


class MessageData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message_id: str = Field(min_length=1, max_length=128)
    conversation_id: str = Field(min_length=1, max_length=128)
    visitor: Visitor
    text: str = Field(min_length=1, max_length=20_000)
    page_url: str | None = None


#: a page URL is context for a human, not a key: longer ones are clipped rather than refused
MAX_PAGE_URL = 2048


class WidgetPayload(BaseModel):
    """The widget's webhook body: the Standard Webhooks envelope ``{type, timestamp, data}``."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["message.created"]
    timestamp: AwareDatetime
    data: MessageData


def verify_signature(secret: str, body: bytes, headers: Mapping[str, str], now: datetime) -> str:
    """Check the Standard Webhooks signature on the raw body against ``now``; return the ``webhook-id``.

    The ``standardwebhooks`` package computes the HMAC; the 5-minute window is ours, against the
    clock the route passes in: the library's own check reads the real clock, which tests and a
    pinned local platform cannot move. Any of several space-separated signatures may match (key rotation).
    """
    from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        if not lowered.get(name):
            raise SignatureError(f"missing {name} header (Standard Webhooks)")
    webhook_id, stamp = lowered["webhook-id"], lowered["webhook-timestamp"]
    sent_at = _sent_at(stamp, now)
    try:
        text = body.decode("utf-8")
        expected = Webhook(secret).sign(webhook_id, sent_at, text).encode("ascii")
    except UnicodeDecodeError:
        raise SignatureError("signature rejected: the body is not UTF-8, so it cannot be what was signed") from None
    except (ValueError, EmptyWebhookSecretError):  # binascii.Error: the configured secret is not base64
        raise ConfigError("the widget secret is not a Standard Webhooks secret (whsec_ + base64)") from None
    offered = lowered["webhook-signature"].split(" ")
    if any("," not in s for s in offered):
        raise SignatureError("signature rejected: malformed webhook-signature header (expected v1,<base64>)")
    # bytes, not str: compare_digest refuses non-ASCII str, and a forged header may hold any character
    if not any(s.startswith("v1,") and hmac.compare_digest(s.encode("utf-8"), expected) for s in offered):
        raise SignatureError("signature rejected: No matching signature found")
    return webhook_id


def _sent_at(stamp: str, now: datetime) -> datetime:
    # bounded: int() of thousands of digits raises, and Unix time in seconds has 10 digits until 2286
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise SignatureError(f"signature rejected: webhook-timestamp {stamp[:20]!r} is not Unix time in seconds")
    # compared as numbers first: a far-off stamp (year 30000) must be refused, not overflow a datetime
    skew = now.timestamp() - int(stamp)
    if skew > TOLERANCE.total_seconds():
        raise SignatureError(
            f"signature rejected: Message timestamp too old ({int(skew)} s): a replay, or a clock that is off"
        )
    if -skew > TOLERANCE.total_seconds():
        raise SignatureError(
            f"signature rejected: Message timestamp too new ({int(-skew)} s ahead): check the sender's clock"
        )
    return datetime.fromtimestamp(int(stamp), UTC)


def parse(body: bytes) -> WidgetPayload:
    """Validate the body; a failure names the first bad field."""
    # bounded nesting and size, lone surrogates replaced: our widget's sender retries a 4xx like any
    # non-2xx (only 410 stops it), so a body we cannot read is a 400 our own team sees in its logs
    raw = load_json(body)
    try:
        return WidgetPayload.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise PayloadError(f"{field}: {error['msg']}", field=field) from None


def to_event(payload: WidgetPayload, webhook_id: str, received_at: datetime) -> SupportEvent:
    """Map a verified widget message to the canonical event; pure."""
    data = payload.data
    metadata = {"message_id": data.message_id}
    if page_url := clip(data.page_url, MAX_PAGE_URL):
        metadata["page_url"] = page_url
    return SupportEvent(
        # the header is the sender's to choose (Standard Webhooks sets no length): a long one is hashed
        event_id=bounded_key(PROVIDER, webhook_id),
        channel=Channel.WIDGET,
        provider=PROVIDER,
        received_at=received_at,
        sender=Sender(name=data.visitor.name, email=data.visitor.email, phone=data.visitor.phone),
        text=data.text,
        thread_key=f"{PROVIDER}:{data.conversation_id}",
        metadata=metadata,
    )


def verify(request: RawRequest, secret: str, now: datetime) -> None:
    """The adapter contract (channels/base.py): signature and window, against the route's clock."""
    verify_signature(secret, request.body, request.headers, now)


def handle(request: RawRequest, received_at: datetime) -> Inbound:
    """One widget message per request, keyed by its ``webhook-id`` (verified above)."""
    webhook_id = request.header("webhook-id") or ""
    return Inbound(events=(to_event(parse(request.body), webhook_id, received_at),))
