"""Replies by SMS through Twilio's Messages API, to a texter or a caller, from the number they reached; pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote, urlencode

from chalicelib.channels import reply_wire
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.channels.twilio import PROVIDER
from chalicelib.model.event import Channel, SupportEvent
from chalicelib.replies.model import HttpRequest, Reply, SendResult

DEFAULT_BASE = "https://api.twilio.com"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
#: Twilio refuses a longer Body (error 21617); a cut reply still reaches the customer
MAX_BODY = 1600
#: Twilio error codes that say "this message will never be delivered" (replies-wire.md); any other 4xx is too
PERMANENT_CODES = {
    21211: "invalid To number",
    21408: "region not enabled",
    21606: "From is not a number of this account",
    21610: "recipient unsubscribed (STOP)",
    21614: "To is not a mobile number",
}


@dataclass(frozen=True)
class Config:
    account_sid: str
    auth_token: str = field(repr=False)
    base_url: str = DEFAULT_BASE


def addresses(event: SupportEvent) -> tuple[str, str]:
    """(To, From): the customer's phone, and our number they texted or called.

    A voicemail's recording and transcription events carry no ``to``; their thread key is the sorted
    number pair (twilio.pair_thread), whose other half is our number.
    """
    if event.channel not in (Channel.SMS, Channel.VOICE):
        raise UnsendableReplyError(f"Twilio SMS answers SMS and voice messages, not {event.channel}")
    to = event.sender.phone
    if not to:
        raise UnsendableReplyError("no phone number to text: the caller withheld their number")
    ours = _phone(event.metadata.get("to"))
    pair = (event.thread_key or "").removeprefix(f"{PROVIDER}:")
    if ours is None and "|" in pair:
        ours = next((_phone(number) for number in pair.split("|") if number != to), None)
    if not ours:
        raise UnsendableReplyError("no company number to text from: the message does not say which number it reached")
    return to, ours


def _phone(value: str | None) -> str | None:
    return value if value and _E164.match(value) else None


def resource_url(config: Config, resource: str) -> str:
    """``…/2010-04-01/Accounts/{sid}/{resource}.json``: Messages here, Calls for the call-back bridge."""
    return f"{config.base_url.rstrip('/')}/2010-04-01/Accounts/{quote(config.account_sid, safe='')}/{resource}.json"


def form_request(url: str, config: Config, fields: Mapping[str, str]) -> HttpRequest:
    """A POST of form fields with the account's Basic auth: Messages and Calls alike."""
    return HttpRequest(
        method="POST",
        url=url,
        headers={
            "Authorization": reply_wire.basic_auth(config.account_sid, config.auth_token),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "User-Agent": reply_wire.USER_AGENT,
        },
        body=urlencode(fields).encode("ascii"),
    )


def request(reply: Reply, config: Config, now: datetime) -> HttpRequest:
    """POST …/Messages.json with To, From and Body; ``now`` is unused (Twilio signs nothing in time)."""
    del now
    to, from_ = addresses(reply.event)
    return form_request(
        resource_url(config, "Messages"),
        config,
        {"To": to, "From": from_, "Body": reply_wire.clip(reply.text, MAX_BODY)},
    )


def read(status: int, headers: Mapping[str, str], body: bytes, now: datetime | None = None) -> SendResult:
    """201 with the message's sid; Twilio's error JSON classified by status and code."""
    answer = reply_wire.json_object(body) or {}
    if 200 <= status < 300:
        sid = answer.get("sid")
        return SendResult.sent(sid if isinstance(sid, str) else None)
    code, message = answer.get("code"), answer.get("message")
    reason = f"{code}: {message}" if code else str(message or "no error body")
    if status == 429 or status >= 500:
        return SendResult.transient(f"{status} {reason}", retry_after=reply_wire.retry_after(headers, now))
    if isinstance(code, int) and code in PERMANENT_CODES and not message:
        reason = f"{code}: {PERMANENT_CODES[code]}"
    if status in (401, 403):
        return SendResult.permanent(f"{status} {reason} (check the Twilio account SID and auth token)")
    return reply_wire.by_status(status, headers, now, reason)
