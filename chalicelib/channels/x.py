"""X (Twitter) Account Activity API: mentions and DMs as JSON, signed with base64 HMAC-SHA256 of the body."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.channels.base import Inbound, RawRequest, Reply
from chalicelib.channels.bounds import epoch_iso, load_json, utc_iso
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel, Sender, SupportEvent

PROVIDER = "x"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
#: keys of an activity body that are context, not activity: named nowhere in a skip reason
_CONTEXT_KEYS = frozenset({"for_user_id", "users", "apps", "user_has_blocked", "source", "target"})

_ID = r"^\d{1,25}$"
#: X's crc_token as X sends it: base64 or base64url of random bytes (43 characters in every CRC we have
#: seen; X's docs fix no length, so a margin either side). The charset has no "{" or "[": no JSON body
#: can pass as a token, so the CRC answer can never be the signature of an activity (the oracle of finding 7).
CRC_TOKEN = re.compile(r"[A-Za-z0-9_\-+/]{16,128}={0,2}")


class User(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id_str: str = Field(pattern=_ID)
    screen_name: str = Field(min_length=1, max_length=50)
    name: str | None = None


class ExtendedTweet(BaseModel):
    model_config = ConfigDict(extra="ignore")

    full_text: str = Field(max_length=20_000)


class Tweet(BaseModel):
    """A v1.1 Tweet object; ``truncated`` ones keep their whole text in ``extended_tweet``."""

    model_config = ConfigDict(extra="ignore")

    id_str: str = Field(pattern=_ID)
    text: str = Field(default="", max_length=20_000)
    extended_tweet: ExtendedTweet | None = None
    user: User
    in_reply_to_status_id_str: str | None = Field(default=None, pattern=_ID)
    in_reply_to_user_id_str: str | None = Field(default=None, pattern=_ID)
    created_at: datetime
    # only its presence matters: a retweet repeats someone else's words
    retweeted_status: dict[str, Any] | None = None

    @field_validator("created_at", mode="before")
    @classmethod
    def _twitter_date(cls, value: object) -> object:
        # "Wed Oct 10 20:19:24 +0000 2018": reordered into RFC 2822, whose parser needs no English locale
        if isinstance(value, str) and len(parts := value.split()) == 6:
            _weekday, month, day, clock, zone, year = parts
            try:
                return parsedate_to_datetime(f"{day} {month} {year} {clock} {zone}")
            except (TypeError, ValueError):
                pass
        raise ValueError("expected X's date format, e.g. 'Wed Oct 10 20:19:24 +0000 2018'")


class Target(BaseModel):
    model_config = ConfigDict(extra="ignore")

    recipient_id: str = Field(pattern=_ID)


class MessageData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str = Field(default="", max_length=20_000)


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    sender_id: str = Field(pattern=_ID)
    target: Target
    message_data: MessageData


class DirectMessageEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str
    id: str = Field(pattern=_ID)
    created_timestamp: int = Field(gt=0)  # milliseconds, sent as a string
    message_create: MessageCreate | None = None


class DmUser(BaseModel):
    model_config = ConfigDict(extra="ignore")

    screen_name: str = Field(min_length=1, max_length=50)
    name: str | None = None


class Activity(BaseModel):
    """One Account Activity delivery: several tweets or DMs may arrive in one body."""

    model_config = ConfigDict(extra="ignore")

    for_user_id: str = Field(pattern=_ID)
    tweet_create_events: list[Tweet] = Field(default_factory=list)
    direct_message_events: list[DirectMessageEvent] = Field(default_factory=list)
    users: dict[str, DmUser] = Field(default_factory=dict)


def response_token(secret: str, message: bytes) -> str:
    """``sha256=`` + base64(HMAC-SHA256(consumer secret, message)): X's CRC answer and POST signature alike."""
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def crc_reply(crc_token: str | None, secret: str) -> Reply:
    """Answer X's Challenge-Response Check (GET ``?crc_token=``), sent at registration and hourly; pure."""
    if not secret:
        raise ConfigError("the X consumer secret is empty: anyone could answer the CRC with it")
    if not crc_token:
        raise PayloadError("crc_token: the query parameter is required (X's GET challenge)", field="crc_token")
    if not CRC_TOKEN.fullmatch(crc_token):
        # the answer is the HMAC a POST of the same bytes needs: sign nothing but what X's tokens look like
        raise PayloadError(
            "crc_token: expected 16-128 base64 characters, as X sends (this endpoint signs nothing else)",
            field="crc_token",
        )
    return Reply(status=200, body={"response_token": response_token(secret, crc_token.encode("utf-8"))})


def verify(request: RawRequest, secret: str, now: datetime) -> None:
    """Check x-twitter-webhooks-signature over the raw body; pure.

    ``now`` is unused: X signs no timestamp, so a replay is caught by dedup on tweet and
    DM ids, whose markers never expire (services/triage.py, PERMANENT_MARKERS).
    """
    del now
    if not secret:
        raise ConfigError("the X consumer secret is empty: anyone could sign with it")
    sent = request.header(SIGNATURE_HEADER)
    if not sent:
        raise SignatureError("missing x-twitter-webhooks-signature header (X Account Activity API)")
    if not sent.startswith("sha256="):
        raise SignatureError("x-twitter-webhooks-signature does not start with 'sha256='")
    # bytes, not str: compare_digest refuses non-ASCII str, and a forged header may hold any character
    if not hmac.compare_digest(response_token(secret, request.body).encode(), sent.encode("utf-8")):
        raise SignatureError(
            "x-twitter-webhooks-signature does not match the body: check the app's API Key Secret"
            " (consumer secret) and that the body reaches us unmodified"
        )
    if len(request.body) <= 130 and CRC_TOKEN.fullmatch(request.body.decode("ascii", "replace")):
        # belt and braces: a body shaped like a CRC token was signed by our own CRC answer, not by X
        raise SignatureError("the body is a CRC token, not an activity: a replayed CRC answer is no signature")


def handle(request: RawRequest, received_at: datetime) -> Inbound:
    """Map a verified activity body: one event per customer tweet or DM, skips for the rest; pure."""
    activity = _parse(request.body)
    events: list[SupportEvent] = []
    skipped: list[str] = []
    for tweet in activity.tweet_create_events:
        if tweet.user.id_str == activity.for_user_id:
            skipped.append(f"tweet {tweet.id_str}: written by the subscribed account (for_user_id), our own post")
        elif tweet.retweeted_status is not None:
            skipped.append(f"tweet {tweet.id_str}: a retweet, no message of the author's")  # no handle: logged
        else:
            events.append(_tweet_event(tweet, activity.for_user_id, received_at))
    for index, dm in enumerate(activity.direct_message_events):
        created = dm.message_create
        if dm.type != "message_create":
            skipped.append(f"dm {dm.id}: type {dm.type!r} is not a message")
        elif created is None:
            field = f"direct_message_events.{index}.message_create"
            raise PayloadError(f"{field}: Field required for type message_create", field=field)
        elif created.sender_id == activity.for_user_id:
            skipped.append(f"dm {dm.id}: sent by the subscribed account (for_user_id), our own reply")
        else:
            events.append(_dm_event(dm, created, activity, received_at))
    if not activity.tweet_create_events and not activity.direct_message_events:
        kinds = sorted(_top_level_keys(request.body) - _CONTEXT_KEYS) or ["nothing"]
        skipped.append(f"no tweet or DM events ({', '.join(kinds)})")
    return Inbound(events=tuple(events), skipped=tuple(skipped))


def _tweet_event(tweet: Tweet, for_user_id: str, received_at: datetime) -> SupportEvent:
    # v1.1 activity carries no conversation_id: the parent tweet is the nearest thread we can name
    # without a lookup, so a reply to our reply starts a new key; metadata keeps the ids to chain them.
    root = tweet.in_reply_to_status_id_str or tweet.id_str
    metadata = {
        "kind": "tweet",
        "for_user_id": for_user_id,
        "tweet_id": tweet.id_str,
        "user_id": tweet.user.id_str,
    }
    # dropped when implausible ("+0000 9999" at -2359 overflows): X's time is context, received_at is ours
    if sent_at := utc_iso(tweet.created_at):
        metadata["sent_at"] = sent_at
    if tweet.in_reply_to_status_id_str:
        metadata["in_reply_to_status_id"] = tweet.in_reply_to_status_id_str
    if tweet.in_reply_to_user_id_str:
        metadata["in_reply_to_user_id"] = tweet.in_reply_to_user_id_str
    return SupportEvent(
        event_id=f"{PROVIDER}:tweet:{tweet.id_str}",
        channel=Channel.X,
        provider=PROVIDER,
        received_at=received_at,
        sender=Sender(name=tweet.user.name, handle=f"{PROVIDER}:{tweet.user.screen_name}"),
        text=tweet.extended_tweet.full_text if tweet.extended_tweet else tweet.text,
        thread_key=f"{PROVIDER}:conv:{root}",
        metadata=metadata,
    )


def _dm_event(dm: DirectMessageEvent, created: MessageCreate, activity: Activity, at: datetime) -> SupportEvent:
    sender_id, recipient_id = created.sender_id, created.target.recipient_id
    user = activity.users.get(sender_id)
    if user is None:
        raise PayloadError(f"users.{sender_id}: the DM sender is missing from users", field=f"users.{sender_id}")
    # X's own one-to-one conversation id is "<lower id>-<higher id>": the same from either side
    low, high = sorted((sender_id, recipient_id), key=int)
    metadata = {
        "kind": "dm",
        "for_user_id": activity.for_user_id,
        "dm_id": dm.id,
        "user_id": sender_id,
        "recipient_id": recipient_id,
    }
    if sent_at := epoch_iso(dm.created_timestamp, millis=True):  # dropped when implausible, as for tweets
        metadata["sent_at"] = sent_at
    return SupportEvent(
        event_id=f"{PROVIDER}:dm:{dm.id}",
        channel=Channel.X,
        provider=PROVIDER,
        received_at=at,
        sender=Sender(name=user.name, handle=f"{PROVIDER}:{user.screen_name}"),
        text=created.message_data.text,
        thread_key=f"{PROVIDER}:dm:{low}-{high}",
        metadata=metadata,
    )


def _parse(body: bytes) -> Activity:
    raw = load_json(body)  # bounded nesting; a lone surrogate (which pydantic's JSON parser refuses) replaced
    try:
        return Activity.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "body"
        raise PayloadError(f"{field}: {error['msg']}", field=field) from None


def _top_level_keys(body: bytes) -> set[str]:
    # parsed again only for a body with nothing to map, to name what X sent instead
    keys: set[str] = set(load_json(body))  # Activity validated it: a JSON object
    return keys
