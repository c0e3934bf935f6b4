"""Replies in the customer's Slack thread: chat.postMessage with the bot token and ``thread_ts``; pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.channels import reply_wire
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.model.event import Channel
from chalicelib.replies.model import HttpRequest, Reply, SendResult

DEFAULT_BASE = "https://slack.com/api"
#: ``ok: false`` errors worth another try (Slack's documented transient ones); every other error is permanent:
#: channel_not_found, not_in_channel, is_archived, invalid_auth, account_inactive, msg_too_long, no_text, …
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)


@dataclass(frozen=True)
class Config:
    bot_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE


def escape(text: str) -> str:
    """Slack's three control characters escaped, as its docs ask: a customer-facing "<!channel>" must not ping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def request(reply: Reply, config: Config, now: datetime) -> HttpRequest:
    """POST chat.postMessage into the message's thread (its ``thread_ts``, else its own ``ts``)."""
    del now
    event = reply.event
    if event.channel is not Channel.SLACK:
        raise UnsendableReplyError(f"Slack answers Slack messages, not {event.channel}")
    channel = event.metadata.get("channel")
    thread = event.metadata.get("thread_ts") or event.metadata.get("ts")
    if not channel or not thread:
        raise UnsendableReplyError("no Slack channel or thread to answer in (the event has no channel/ts)")
    payload = {"channel": channel, "text": escape(reply.text), "thread_ts": thread}
    url = f"{config.base_url.rstrip('/')}/chat.postMessage"
    return reply_wire.json_request(url, payload, {"Authorization": f"Bearer {config.bot_token}"})


def read(status: int, headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> SendResult:
    """Slack answers 200 for most failures: the verdict is ``ok`` and ``error`` in the body."""
    answer = reply_wire.json_object(body)
    if status == 200 and answer is not None:
        if answer.get("ok") is True:
            ts = answer.get("ts")
            return SendResult.sent(ts if isinstance(ts, str) else None)
        error = str(answer.get("error") or "unknown_error")
        if error in TRANSIENT_ERRORS:
            return SendResult.transient(error, retry_after=reply_wire.retry_after(headers, now))
        return SendResult.permanent(error)
    if status == 200:
        # a 200 we cannot read may be a posted message behind a proxy: retry, and count a possible duplicate
        return SendResult.transient("200 with an unreadable body", uncertain=True)
    error = str((answer or {}).get("error") or "no error body")
    return reply_wire.by_status(status, headers, now, error)
