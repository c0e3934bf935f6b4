"""Our website chat widget: JSON signed with Standard Webhooks (https://www.standardwebhooks.com/)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from chalicelib.channels.base import Inbound, RawRequest
from chalicelib.channels.bounds import bounded_key, clip, load_json
from chalicelib.errors import PayloadError, SignatureError
from chalicelib.model.event import Channel, Sender, SupportEvent

PROVIDER = "widget"


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


def verify_signature(secret: str, body: bytes, headers: Mapping[str, str]) -> str:
    """Check the Standard Webhooks signature on the raw body; return the ``webhook-id``.

    The ``standardwebhooks`` package does the HMAC, the 5-minute replay window and key
    rotation (several space-separated signatures); we only turn its failures into ours.
    """
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    lowered = {k.lower(): v for k, v in headers.items()}
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        if not lowered.get(name):
            raise SignatureError(f"missing {name} header (Standard Webhooks)")
    try:
        Webhook(secret).verify(body, lowered, json_parse=False)
    except WebhookVerificationError as exc:
        raise SignatureError(f"signature rejected: {exc}") from None
    except (ValueError, UnicodeDecodeError):
        # a malformed signature list ("v1" without a comma, bad base64) is an invalid signature
        raise SignatureError("signature rejected: malformed webhook-signature header") from None
    return lowered["webhook-id"]


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
    """The adapter contract (channels/base.py); the library checks the window against its own clock."""
    verify_signature(secret, request.body, request.headers)


def handle(request: RawRequest, received_at: datetime) -> Inbound:
    """One widget message per request, keyed by its ``webhook-id`` (verified above)."""
    webhook_id = request.header("webhook-id") or ""
    return Inbound(events=(to_event(parse(request.body), webhook_id, received_at),))
