"""Twilio's Calls API for the call-back bridge: the request that rings a person, and what Twilio answered.

Twilio rings ``To`` (the on-call person's own phone) from ``From`` (the company line) and, when they
pick up, runs the ``Twiml`` we send with the request: a ``<Dial>`` to the customer whose caller id
is the company line. The customer sees the number they wrote to or called, never a founder's cell.
"""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from chalicelib.replies.model import HttpAnswer, HttpRequest, SendResult

DEFAULT_API_BASE = "https://api.twilio.com"
_ACCOUNT_SID = re.compile(r"^AC[0-9a-f]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_CALL_SID = re.compile(r"^CA[0-9a-f]{32}$")


class CallRequestError(ValueError):
    """The call cannot be asked for: a number that is not E.164, or an account sid that is not one."""


@dataclass(frozen=True)
class TwilioAccount:
    """Who asks: the account's sid and auth token (HTTP Basic), and the API's base URL (a setting)."""

    account_sid: str
    auth_token: str
    base_url: str = DEFAULT_API_BASE


def bridge_twiml(customer_phone: str, company_number: str) -> str:
    """``<Response><Dial callerId="company"><Number>customer</Number></Dial></Response>``, escaped by ElementTree."""
    dial = ET.Element("Dial", {"callerId": company_number})
    ET.SubElement(dial, "Number").text = customer_phone
    root = ET.Element("Response")
    root.append(dial)
    return ET.tostring(root, encoding="unicode")


def call_request(person_phone: str, customer_phone: str, company_number: str, account: TwilioAccount) -> HttpRequest:
    """``POST …/2010-04-01/Accounts/{sid}/Calls.json``: ring ``person_phone`` from the company line, then bridge."""
    for label, number in (
        ("your phone", person_phone),
        ("the customer", customer_phone),
        ("the company line", company_number),
    ):
        if not _E164.match(number):
            raise CallRequestError(f"{label} has no callable number (E.164 like +12125550100 needed)")
    if not _ACCOUNT_SID.match(account.account_sid):
        raise CallRequestError("the Twilio account sid is not configured (AC followed by 32 hex digits)")
    credentials = base64.b64encode(f"{account.account_sid}:{account.auth_token}".encode()).decode("ascii")
    fields = {"To": person_phone, "From": company_number, "Twiml": bridge_twiml(customer_phone, company_number)}
    return HttpRequest(
        method="POST",
        url=f"{account.base_url.rstrip('/')}/2010-04-01/Accounts/{quote(account.account_sid)}/Calls.json",
        headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        body=urlencode(fields).encode("ascii"),
    )


def read_answer(answer: HttpAnswer) -> SendResult:
    """Sent with the call's sid (``CA…``), or why not: transient (429, 5xx) or permanent (Twilio's code and words)."""
    document = _json(answer.body)
    if answer.status in (200, 201):
        sid = document.get("sid")
        if isinstance(sid, str) and _CALL_SID.match(sid):
            return SendResult.sent(sid)
        return SendResult.permanent(f"Twilio accepted the call but sent no call sid (HTTP {answer.status})")
    reason = _reason(answer.status, document)
    if answer.status == 429 or answer.status >= 500:
        return SendResult.transient(reason, retry_after=_retry_after(answer.headers))
    # 400/404 (an invalid or unreachable number, a From the account does not own), 401/403 (credentials)
    return SendResult.permanent(reason)


def _json(body: bytes) -> dict[str, object]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _reason(status: int, document: dict[str, object]) -> str:
    code, message = document.get("code"), document.get("message")
    words = str(message)[:300] if message else f"HTTP {status}"
    return f"{code}: {words}" if code else words


def _retry_after(headers: dict[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP-date: the caller's own backoff is good enough for a button press
