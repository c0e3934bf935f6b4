"""Slack Events API: JSON signed with the app's Signing Secret (v0 HMAC-SHA256 over timestamp and raw body)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.channels.base import Inbound, RawRequest, Reply
from chalicelib.channels.bounds import clip, epoch_iso, load_json
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel, Sender, SupportEvent

PROVIDER = "slack"
SIGNATURE_HEADER = "x-slack-signature"
TIMESTAMP_HEADER = "x-slack-request-timestamp"
#: Slack's own replay window (and slack_sdk's SignatureVerifier): exactly 300 s apart is still accepted
TOLERANCE = timedelta(minutes=5)
#: event types that carry a person's message; anything else Slack sends us is acknowledged and skipped
MESSAGE_TYPES = frozenset({"message", "app_mention"})
#: subtypes a person writes: a screenshot of the error (file_share) or a thread reply also sent to the
#: channel (thread_broadcast). Slack sends no plain message alongside them, so dropping them loses the
#: customer's words; every other subtype is an edit, a deletion, a join or an integration.
HUMAN_SUBTYPES = frozenset({"file_share", "thread_broadcast"})
#: SupportEvent.text's limit; Slack allows 40,000 characters
MAX_TEXT = 20_000

_TS = r"^\d{1,12}\.\d{1,9}$"
_M = TypeVar("_M", bound=BaseModel)


class UrlVerification(BaseModel):
    model_config = ConfigDict(extra="ignore")

    challenge: str = Field(min_length=1, max_length=512)


class Authorization(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_id: str | None = None
    is_bot: bool = False


class EventHeader(BaseModel):
    """What decides whether an inner event is a person's message; loose, so skips never fail on shape."""

    model_config = ConfigDict(extra="ignore")

    type: str = Field(min_length=1)
    subtype: str | None = None
    user: str | None = None
    bot_id: str | None = None
    app_id: str | None = None


class EventCallback(BaseModel):
    model_config = ConfigDict(extra="ignore")

    event_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")
    team_id: str = Field(min_length=1, max_length=64)
    api_app_id: str | None = None
    event_time: int | None = None
    is_ext_shared_channel: bool = False
    authorizations: list[Authorization] = Field(default_factory=list)
    event: EventHeader


class UserProfile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    real_name: str | None = None
    display_name: str | None = None


class MessageEvent(BaseModel):
    """The fields a person's message must have before it becomes a SupportEvent."""

    model_config = ConfigDict(extra="ignore")

    user: str = Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9]+$")
    text: str = ""
    ts: str = Field(pattern=_TS)
    thread_ts: str | None = Field(default=None, pattern=_TS)
    channel: str = Field(min_length=1, max_length=64, pattern=r"^[A-Z0-9]+$")
    channel_type: str | None = None
    # Slack Connect: the sender's own workspace, which differs from team_id for a customer's message
    user_team: str | None = None
    # sent with messages in shared channels (Slack Connect): the one case where Slack names the sender
    user_profile: UserProfile | None = None


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + hex HMAC-SHA256(signing secret, ``v0:<timestamp>:<body>``), as Slack computes it."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def verify(request: RawRequest, secret: str, now: datetime) -> None:
    """Check X-Slack-Signature over the raw body and the 5-minute window around ``now``; pure."""
    if not secret:
        raise ConfigError("the Slack signing secret is empty: anyone could sign with it")
    timestamp = request.header(TIMESTAMP_HEADER)
    sent = request.header(SIGNATURE_HEADER)
    if not timestamp:
        raise SignatureError("missing X-Slack-Request-Timestamp header (Slack Events API)")
    if not sent:
        raise SignatureError("missing X-Slack-Signature header (Slack Events API)")
    # bounded: int() of thousands of digits raises, and Unix time in seconds has 10 digits until 2286
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise SignatureError(f"X-Slack-Request-Timestamp {timestamp[:20]!r} is not Unix time in whole seconds")
    skew = now.timestamp() - int(timestamp)
    if skew > TOLERANCE.total_seconds():
        raise SignatureError(
            f"X-Slack-Request-Timestamp is {int(skew)} s old, more than 5 minutes: a replay, or a clock that is off"
        )
    if -skew > TOLERANCE.total_seconds():
        raise SignatureError(
            f"X-Slack-Request-Timestamp is {int(-skew)} s in the future, more than 5 minutes: check the sender's clock"
        )
    if not sent.startswith("v0="):
        raise SignatureError("X-Slack-Signature does not start with 'v0=' (the only version Slack signs with)")
    # bytes, not str: compare_digest refuses non-ASCII str, and a forged header may hold any character
    if not hmac.compare_digest(signature(secret, timestamp, request.body).encode(), sent.encode("utf-8")):
        raise SignatureError(
            "X-Slack-Signature does not match the body: check the app's Signing Secret (Basic Information)"
            " and that the body reaches us unmodified"
        )


def handle(request: RawRequest, received_at: datetime) -> Inbound:
    """Map a verified Events API request: a URL verification answer, one message event, or a skip; pure."""
    raw = _json(request.body)
    kind = raw.get("type")
    if kind == "url_verification":
        challenge = _validated(UrlVerification, raw).challenge
        return Inbound(reply=Reply(status=200, body={"challenge": challenge}))
    if not isinstance(kind, str) or not kind:
        raise PayloadError("type: a string is required (url_verification or event_callback)", field="type")
    if kind != "event_callback":
        return Inbound(skipped=(f"envelope type {kind!r} carries no message",))
    envelope = _validated(EventCallback, raw)
    reason = _skip_reason(envelope)
    if reason:
        return Inbound(skipped=(f"{envelope.event_id}: {reason}",))
    return Inbound(events=(_to_event(envelope, _validated(MessageEvent, raw["event"], "event"), received_at),))


def _skip_reason(envelope: EventCallback) -> str | None:
    """Why this inner event is not a person's message for us, or None when it is."""
    event = envelope.event
    if event.type not in MESSAGE_TYPES:
        return f"event type {event.type!r} is not a message"
    own_bot_users = {a.user_id for a in envelope.authorizations if a.is_bot and a.user_id}
    if (event.app_id and event.app_id == envelope.api_app_id) or (event.user and event.user in own_bot_users):
        return "our own app's message (answering it would loop)"
    if event.bot_id or event.subtype == "bot_message":
        return f"bot message ({event.bot_id or 'subtype bot_message'})"
    if event.subtype and event.subtype not in HUMAN_SUBTYPES:
        return f"subtype {event.subtype!r} is not a new message"
    return None


def _to_event(envelope: EventCallback, message: MessageEvent, received_at: datetime) -> SupportEvent:
    text = _unescape(message.text)
    metadata = {"team_id": envelope.team_id, "channel": message.channel, "ts": message.ts}
    metadata["event_type"] = envelope.event.type
    if message.thread_ts:
        metadata["thread_ts"] = message.thread_ts
    if envelope.event.subtype:
        metadata["subtype"] = envelope.event.subtype
    if message.user_team and message.user_team != envelope.team_id:
        metadata["user_team"] = clip(message.user_team, 64) or ""
    metadata["slack_event_id"] = envelope.event_id
    if envelope.is_ext_shared_channel:
        metadata["shared_channel"] = "true"
    # dropped when implausible (10^12 is year 33,658): Slack's own time is context, received_at is ours
    if sent_at := epoch_iso(envelope.event_time):
        metadata["sent_at"] = sent_at
    if len(text) > MAX_TEXT:
        text, metadata["truncated"] = text[: MAX_TEXT - 1] + "…", "true"
    return SupportEvent(
        # the message's own identity, not the envelope's: a message that mentions our app arrives
        # twice (as `message` and as `app_mention`, each with its own event_id), and a retry
        # repeats it; both must be one ticket. The envelope id stays in metadata.
        event_id=f"{PROVIDER}:{message.channel}:{message.ts}",
        channel=Channel.SLACK,
        provider=PROVIDER,
        received_at=received_at,
        sender=Sender(name=_name(message.user_profile), handle=f"{PROVIDER}:{message.user}"),
        text=text,
        thread_key=f"{PROVIDER}:{message.channel}:{message.thread_ts or message.ts}",
        metadata=metadata,
    )


def _name(profile: UserProfile | None) -> str | None:
    if profile is None:
        return None  # elsewhere only the user id comes: a name would cost a users.info call
    return profile.real_name or profile.display_name or None


def _unescape(text: str) -> str:
    # Slack escapes exactly these three in message text; "&amp;" last, so "&amp;lt;" stays "&lt;"
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _json(body: bytes) -> dict[str, Any]:
    raw = load_json(body)  # bounded nesting, lone surrogates in text replaced
    if not isinstance(raw, dict):
        raise PayloadError("body: a JSON object is required", field="body")
    return raw


def _validated(model: type[_M], raw: object, prefix: str = "") -> _M:
    """Validate; a failure names the first bad field, dotted from the body's root."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        parts = [str(part) for part in error["loc"]]
        field = ".".join([prefix, *parts] if prefix else parts) or "body"
        raise PayloadError(f"{field}: {error['msg']}", field=field) from None
