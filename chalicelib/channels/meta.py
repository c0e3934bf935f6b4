"""Meta Messenger and Instagram messaging webhooks: JSON signed with hex HMAC-SHA256 of the app secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.channels.base import Inbound, RawRequest, Reply
from chalicelib.channels.bounds import MAX_KEY_LENGTH, bounded_key, clip, epoch_iso, load_json
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel, Sender, SupportEvent

PROVIDER = "meta"
SIGNATURE_HEADER = "x-hub-signature-256"
#: the webhook ``object`` → the platform recorded in metadata["platform"]
PLATFORMS = {"page": "messenger", "instagram": "instagram"}
#: messaging item keys that are the item's envelope, not what happened
_ITEM_KEYS = frozenset({"sender", "recipient", "timestamp"})
#: entry keys that are the entry's envelope, not what happened
_ENTRY_KEYS = frozenset({"id", "time", "messaging"})

_ID = r"^\d{1,32}$"
#: attachment URLs kept in an event's metadata (a person sends a few screenshots, not dozens)
MAX_URLS = 10


class Party(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(pattern=_ID)


class AttachmentPayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    url: str | None = Field(default=None, max_length=4096)


class Attachment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = Field(min_length=1, max_length=64)
    payload: AttachmentPayload | None = None


class ReplyTo(BaseModel):
    model_config = ConfigDict(extra="ignore")

    mid: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    mid: str = Field(min_length=1, max_length=512)
    text: str = Field(default="", max_length=20_000)
    is_echo: bool = False
    # Instagram: the customer unsent the message
    is_deleted: bool = False
    attachments: list[Attachment] = Field(default_factory=list)
    reply_to: ReplyTo | None = None


class Messaging(BaseModel):
    # extra kept, not ignored: a receipt or postback is named in its skip reason by its key
    model_config = ConfigDict(extra="allow")

    sender: Party
    recipient: Party
    timestamp: int = Field(gt=0)  # milliseconds
    message: Message | None = None


class Entry(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(pattern=_ID)
    time: int
    messaging: list[Messaging] = Field(default_factory=list)


class Notification(BaseModel):
    """One webhook delivery: Meta batches several entries, each with several messaging items."""

    model_config = ConfigDict(extra="ignore")

    object: str = Field(min_length=1)
    entry: list[Entry]


def verify_subscription(query: Mapping[str, str], verify_token: str) -> Reply:
    """Answer Meta's subscription handshake (GET ``hub.mode=subscribe&hub.verify_token&hub.challenge``); pure.

    A wrong token is answered with a 403 Reply, not an exception: 403 is the answer Meta's docs
    prescribe, and it is an expected outcome of a handshake rather than a forged request.
    """
    if not verify_token:
        raise ConfigError("the Meta verify token is empty: any subscription request would match it")
    if query.get("hub.mode") != "subscribe":
        raise PayloadError("hub.mode: expected 'subscribe' (Meta's verification request)", field="hub.mode")
    challenge = query.get("hub.challenge")
    if not challenge or len(challenge) > 512:
        raise PayloadError("hub.challenge: a value of 1 to 512 characters is required", field="hub.challenge")
    token = query.get("hub.verify_token") or ""
    if not hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8")):
        reason = "hub.verify_token does not match the Verify Token configured for this webhook"
        return Reply(status=403, body={"error": "invalid_verify_token", "reason": reason})
    return Reply(status=200, body=challenge, content_type="text/plain")


def signature(secret: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256(app secret, raw body), as Meta computes X-Hub-Signature-256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(request: RawRequest, secret: str, now: datetime) -> None:
    """Check X-Hub-Signature-256 over the raw body; pure.

    ``now`` is unused: Meta signs no timestamp, so a replay is caught by dedup on ``mid``,
    whose marker never expires (services/triage.py, PERMANENT_MARKERS).
    Meta signs the body as sent, non-ASCII escaped as ``\\uXXXX``: never re-serialize before verifying.
    """
    del now
    if not secret:
        raise ConfigError("the Meta app secret is empty: anyone could sign with it")
    sent = request.header(SIGNATURE_HEADER)
    if not sent:
        raise SignatureError("missing X-Hub-Signature-256 header (Meta webhooks)")
    if not sent.startswith("sha256="):
        raise SignatureError("X-Hub-Signature-256 does not start with 'sha256='")
    # bytes, not str: compare_digest refuses non-ASCII str, and a forged header may hold any character
    if not hmac.compare_digest(signature(secret, request.body).encode(), sent.lower().encode("utf-8")):
        raise SignatureError(
            "X-Hub-Signature-256 does not match the body: check the App Secret (App settings > Basic)"
            " and that the body reaches us unmodified"
        )


def handle(request: RawRequest, received_at: datetime) -> Inbound:
    """Map a verified notification: one event per customer message across all entries; pure."""
    notification = _parse(request.body)
    platform = PLATFORMS.get(notification.object)
    if platform is None:
        return Inbound(skipped=(f"object {notification.object!r} is not Messenger or Instagram messaging",))
    events: list[SupportEvent] = []
    skipped: list[str] = []
    for entry in notification.entry:
        if not entry.messaging:
            kinds = sorted(set(entry.model_extra or {}) - _ENTRY_KEYS) or ["nothing"]
            skipped.append(f"entry {entry.id}: no messaging items ({', '.join(kinds)})")
        for item in entry.messaging:
            reason = _skip_reason(item)
            if reason:
                skipped.append(reason)
            elif item.message is not None:
                events.append(_to_event(entry, item, item.message, platform, received_at))
    return Inbound(events=tuple(events), skipped=tuple(skipped))


def _skip_reason(item: Messaging) -> str | None:
    message = item.message
    if message is None:
        kinds = sorted(set(item.model_extra or {}) - _ITEM_KEYS)
        kind = kinds[0] if kinds else "an empty item"
        label = {"delivery": "a delivery receipt", "read": "a read receipt"}.get(kind, kind)
        return f"item from {item.sender.id}: {label}, no message"
    if message.is_echo:
        return f"{message.mid}: echo of a message the page or account sent (is_echo)"
    if message.is_deleted:
        return f"{message.mid}: unsent by the customer (is_deleted)"
    return None


def _to_event(entry: Entry, item: Messaging, message: Message, platform: str, received_at: datetime) -> SupportEvent:
    metadata = {"platform": platform, "account_id": entry.id, "recipient_id": item.recipient.id}
    # dropped when implausible (10^17 ms is year 3,170,843): Meta's time is context, received_at is ours
    if sent_at := epoch_iso(item.timestamp, millis=True):
        metadata["sent_at"] = sent_at
    if message.attachments:
        metadata["attachment_types"] = clip(",".join(a.type for a in message.attachments), 1000) or ""
        # URLs hold no spaces: one space-separated string keeps metadata flat (str → str). The first
        # MAX_URLS only: sixty 4 KB URLs fit Meta's body but not, with the event around them, an SQS message
        urls = [a.payload.url for a in message.attachments if a.payload and a.payload.url][:MAX_URLS]
        if urls:
            metadata["attachment_urls"] = " ".join(urls)
    if message.reply_to and message.reply_to.mid:
        metadata["reply_to_mid"] = message.reply_to.mid[:MAX_KEY_LENGTH]
    return SupportEvent(
        # mids run to ~100 characters; a longer one (up to 512 allowed) is hashed, stable across retries
        event_id=bounded_key(PROVIDER, message.mid),
        channel=Channel.META,
        provider=PROVIDER,
        received_at=received_at,
        # Meta sends ids only; a name would cost a Graph API call, which adapters do not make
        sender=Sender(handle=f"{PROVIDER}:{item.sender.id}"),
        text=message.text,
        thread_key=f"{PROVIDER}:{entry.id}:{item.sender.id}",
        metadata=metadata,
    )


def _parse(body: bytes) -> Notification:
    raw = load_json(body)  # bounded nesting; a lone surrogate (which pydantic's JSON parser refuses) replaced
    try:
        return Notification.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise PayloadError(f"{field}: {error['msg']}", field=field) from None
