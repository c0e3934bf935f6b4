"""Replies to the website widget: an outbound Standard Webhook (``message.reply``) to the widget backend; pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from chalicelib.channels import reply_wire
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.channels.widget import PROVIDER
from chalicelib.errors import ConfigError
from chalicelib.model.event import Channel
from chalicelib.replies.model import HttpRequest, Reply, SendResult


@dataclass(frozen=True)
class Config:
    #: the widget backend's endpoint for replies
    url: str
    #: the Standard Webhooks secret we sign with (``whsec_`` + base64), shared with the widget backend
    secret: str = field(repr=False)
    #: the name the visitor sees on an automatic reply, or on a person's reply that names nobody
    author_name: str = "Support"


def payload(reply: Reply, config: Config, now: datetime) -> dict[str, object]:
    event = reply.event
    if event.channel is not Channel.WIDGET:
        raise UnsendableReplyError(f"the widget answers widget conversations, not {event.channel}")
    conversation = (event.thread_key or "").removeprefix(f"{PROVIDER}:")
    if not conversation or conversation == event.thread_key:
        raise UnsendableReplyError("no widget conversation to answer (the event has no widget: thread)")
    data = {
        "conversation_id": conversation,
        "reply_id": reply.reply_id,
        "in_reply_to": event.metadata.get("message_id"),
        "text": reply.text,
        "author": {"name": reply.author_name or config.author_name},
    }
    stamp = now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return {"type": "message.reply", "timestamp": stamp, "data": data}


def request(reply: Reply, config: Config, now: datetime) -> HttpRequest:
    """POST the signed envelope; ``webhook-id`` is the reply id, so the backend drops a retried duplicate.

    Each attempt is signed at its own ``now``: the receiver's 5-minute window would refuse a retry signed earlier.
    """
    from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

    text = json.dumps(payload(reply, config, now), ensure_ascii=False, separators=(",", ":"))
    try:
        signature = Webhook(config.secret).sign(reply.reply_id, now, text)
    except (ValueError, EmptyWebhookSecretError):  # binascii.Error: not base64
        raise ConfigError("the widget reply secret is not a Standard Webhooks secret (whsec_ + base64)") from None
    headers = {
        "Content-Type": "application/json",
        "User-Agent": reply_wire.USER_AGENT,
        "webhook-id": reply.reply_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return HttpRequest(method="POST", url=config.url, headers=headers, body=text.encode("utf-8"))


def read(status: int, headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> SendResult:
    """Any 2xx is delivered; 410 means the visitor closed the conversation; 408, 429 and 5xx are worth a retry."""
    answer = reply_wire.json_object(body) or {}
    if 200 <= status < 300:
        message_id = answer.get("id")
        return SendResult.sent(message_id if isinstance(message_id, str) else None)
    if status == 410:
        return SendResult.permanent("410: the conversation is closed")
    reason = answer.get("error") or answer.get("message") or "no error body"
    return reply_wire.by_status(status, headers, now, str(reason))
