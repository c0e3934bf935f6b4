"""Replies on Messenger and Instagram through Meta's Send API, inside its messaging window; pure."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from chalicelib.channels import reply_wire
from chalicelib.channels.meta import PROVIDER
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.model.event import Channel
from chalicelib.replies.model import HttpRequest, Reply, ReplyKind, SendResult

DEFAULT_BASE = "https://graph.facebook.com"
DEFAULT_VERSION = "v21.0"
#: a business may answer freely for 24 h after the customer's last message ("standard messaging")
WINDOW = timedelta(hours=24)
#: after that, only a person may, with the HUMAN_AGENT tag, for up to 7 days
HUMAN_AGENT_WINDOW = timedelta(days=7)
OUTSIDE_WINDOW = "outside Meta's 24-hour messaging window"
#: Graph error codes that are rate limits (4, 17, 32, 613) or Meta's temporary failures (1, 2)
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613})


@dataclass(frozen=True)
class Config:
    page_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    base_url: str = DEFAULT_BASE
    version: str = DEFAULT_VERSION


def appsecret_proof(token: str, app_secret: str) -> str:
    """Hex HMAC-SHA256 of the access token keyed by the app secret: a stolen token alone cannot call the API."""
    return hmac.new(app_secret.encode("utf-8"), token.encode("utf-8"), hashlib.sha256).hexdigest()


def messaging_type(reply: Reply, now: datetime) -> dict[str, str]:
    """RESPONSE inside 24 h; a person's reply up to 7 days with the HUMAN_AGENT tag; else nothing is sent."""
    age = now - reply.event.received_at
    if age < WINDOW:
        return {"messaging_type": "RESPONSE"}
    if reply.kind is ReplyKind.PERSON and age < HUMAN_AGENT_WINDOW:
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    raise UnsendableReplyError(OUTSIDE_WINDOW)


def request(reply: Reply, config: Config, now: datetime) -> HttpRequest:
    """POST /{page}/messages with the page token and its appsecret_proof in the query, as Meta documents.

    The URL holds the token: it must never be logged (the transport logs neither URLs nor bodies).
    """
    event = reply.event
    if event.channel is not Channel.META:
        raise UnsendableReplyError(f"Meta's Send API answers Messenger and Instagram, not {event.channel}")
    page_id = event.metadata.get("recipient_id")
    customer = (event.sender.handle or "").removeprefix(f"{PROVIDER}:")
    if not page_id or not customer or customer == event.sender.handle:
        raise UnsendableReplyError("no page and customer id to answer (recipient_id, meta:<PSID>)")
    kind = messaging_type(reply, now)
    payload: dict[str, Any] = {"recipient": {"id": customer}, **kind, "message": {"text": reply.text}}
    query = urlencode(
        {"access_token": config.page_token, "appsecret_proof": appsecret_proof(config.page_token, config.app_secret)}
    )
    base = f"{config.base_url.rstrip('/')}/{config.version}"
    return reply_wire.json_request(f"{base}/{quote(page_id, safe='')}/messages?{query}", payload, {})


def read(status: int, headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> SendResult:
    """200 with ``message_id``; Graph's error object classified by its code (Meta answers 400 for rate limits)."""
    answer = reply_wire.json_object(body) or {}
    if 200 <= status < 300:
        message_id = answer.get("message_id")
        return SendResult.sent(message_id if isinstance(message_id, str) else None)
    error = answer.get("error")
    error = error if isinstance(error, dict) else {}
    code, subcode = error.get("code"), error.get("error_subcode")
    label = f"{code}/{subcode}" if subcode else str(code)
    reason = f"{label}: {error.get('message') or 'no error message'}" if code is not None else "no error body"
    if code in TRANSIENT_CODES or error.get("is_transient") is True:
        return SendResult.transient(f"{status} {reason}", retry_after=reply_wire.retry_after(headers, now))
    if code == 10 and subcode == 2018278:
        return SendResult.permanent(f"{OUTSIDE_WINDOW} ({reason})")
    # 551 (person unavailable), 100 (invalid parameter), 190 (token) and the rest: permanent unless 5xx/429
    return reply_wire.by_status(status, headers, now, reason)
