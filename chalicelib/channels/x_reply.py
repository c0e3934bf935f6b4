"""Replies on X through API v2: a direct message for a DM; for a public mention a public reply or a DM invitation;
our own post for an incident's update; pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from chalicelib.channels import reply_wire
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.model.event import Channel
from chalicelib.replies.model import HttpRequest, Reply, ReplyKind, SendResult

DEFAULT_BASE = "https://api.x.com"
#: the public reply that asks a mentioning customer to move to DMs, so their details stay out of public view
DM_INVITATION = "Thanks for reaching out. We're on it: please send us a direct message so we can help you privately."


@dataclass(frozen=True)
class Config:
    #: an OAuth 2.0 user-context token of our account (dm.write, tweet.write scopes)
    access_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE
    #: what a public mention gets: the reply's text as a public reply, or a public invitation to DM
    mentions: Literal["public", "dm_invitation"] = "public"
    dm_invitation: str = DM_INVITATION


def request(reply: Reply, config: Config, now: datetime) -> HttpRequest:
    """POST a DM into the one-to-one conversation, or a reply tweet under the customer's tweet."""
    del now
    event = reply.event
    if event.channel is not Channel.X:
        raise UnsendableReplyError(f"X answers X messages, not {event.channel}")
    base = config.base_url.rstrip("/")
    auth = {"Authorization": f"Bearer {config.access_token}"}
    kind = event.metadata.get("kind")
    if kind == "dm":
        user_id = event.metadata.get("user_id")
        if not user_id:
            raise UnsendableReplyError("no X user id to send the direct message to")
        url = f"{base}/2/dm_conversations/with/{quote(user_id, safe='')}/messages"
        return reply_wire.json_request(url, {"text": reply.text}, auth)
    if kind == "tweet":
        tweet_id = event.metadata.get("tweet_id")
        if not tweet_id:
            raise UnsendableReplyError("no tweet id to reply under")
        # v2 adds the author's @handle to a reply itself (in_reply_to_tweet_id): the text is only ours. An
        # incident's update is public news (the status page says the same), so it never needs the DM invitation
        public = config.mentions == "public" or reply.kind is ReplyKind.INCIDENT
        text = reply.text if public else config.dm_invitation
        payload = {"text": text, "reply": {"in_reply_to_tweet_id": tweet_id}}
        return reply_wire.json_request(f"{base}/2/tweets", payload, auth)
    if kind == "post":  # an incident's update on our own account (services/incident_updates.py): nobody's reply
        return reply_wire.json_request(f"{base}/2/tweets", {"text": reply.text}, auth)
    raise UnsendableReplyError(f"X message of kind {kind!r}: neither a DM, a tweet nor our own post")


def read(status: int, headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> SendResult:
    """201 with ``data`` (the DM event's or the tweet's id); X's problem JSON classified by status."""
    answer = reply_wire.json_object(body) or {}
    if 200 <= status < 300:
        data = answer.get("data")
        data = data if isinstance(data, dict) else {}
        message_id = data.get("dm_event_id") or data.get("id")
        return SendResult.sent(message_id if isinstance(message_id, str) else None)
    title, detail = answer.get("title"), answer.get("detail")
    reason = ": ".join(str(part) for part in (title, detail) if part) or _first_error(answer) or "no error body"
    if status == 429:
        # X names the end of its rate-limit window as epoch seconds; Retry-After only behind some proxies
        wait = reply_wire.epoch_wait(reply_wire.header(headers, "x-rate-limit-reset"), now)
        if wait is None:
            wait = reply_wire.retry_after(headers, now)
        return SendResult.transient(f"429: {reason}", retry_after=wait)
    return reply_wire.by_status(status, headers, now, reason)


def _first_error(answer: Mapping[str, object]) -> str | None:
    errors = answer.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message") or errors[0].get("detail")
        return str(message) if message else None
    return None
