"""Requests to the provider stand-in built by hand from the replies wire format (not by any sender)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from standardwebhooks.webhooks import Webhook

from local.standin import Credentials, Request

CREDENTIALS = Credentials.local()
#: a fixed instant: the widget receiver checks the signature's timestamp against the clock it is given
NOW = datetime(2026, 11, 20, 8, 5, tzinfo=UTC)
COMPANY = "+16465550123"
CUSTOMER = "+12125550100"
ON_CALL = "+15555550111"
TWIML = f'<Response><Dial callerId="{COMPANY}"><Number>{CUSTOMER}</Number></Dial></Response>'


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def twilio(resource: str = "Messages", fields: dict[str, str] | None = None, **overrides: Any) -> Request:
    c = CREDENTIALS
    if fields is None:
        fields = (
            {"To": CUSTOMER, "From": COMPANY, "Body": "Hi Dana, we have paged our on-call engineer."}
            if resource == "Messages"
            else {"To": ON_CALL, "From": COMPANY, "Twiml": TWIML}
        )
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "authorization": basic(c.twilio_account_sid, c.twilio_auth_token),
    }
    return _request(
        overrides, "POST", f"/twilio/2010-04-01/Accounts/{c.twilio_account_sid}/{resource}.json", headers,
        urlencode(fields).encode(),
    )  # fmt: skip


def slack(body: Any = None, **overrides: Any) -> Request:
    if body is None:
        body = {"channel": "C04SHARED1", "text": "We are on it.", "thread_ts": "1700000000.000100"}
    headers = {
        "content-type": "application/json; charset=utf-8",
        "authorization": f"Bearer {CREDENTIALS.slack_bot_token}",
    }
    return _request(overrides, "POST", "/slack/api/chat.postMessage", headers, json.dumps(body).encode())


def x_dm(body: Any = None, participant: str = "987654321012345678", **overrides: Any) -> Request:
    return _x(
        f"/x/2/dm_conversations/with/{participant}/messages",
        body or {"text": "Hola Mateo, a founder will answer."},
        overrides,
    )


def x_tweet(body: Any = None, **overrides: Any) -> Request:
    body = body or {"text": "Sorry to hear it: DM us?", "reply": {"in_reply_to_tweet_id": "1991234567890100001"}}
    return _x("/x/2/tweets", body, overrides)


def _x(path: str, body: Any, overrides: dict[str, Any]) -> Request:
    headers = {"content-type": "application/json", "authorization": f"Bearer {CREDENTIALS.x_user_access_token}"}
    return _request(overrides, "POST", path, headers, json.dumps(body).encode())


def appsecret_proof(token: str, secret: str = CREDENTIALS.meta_app_secret) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def meta(body: Any = None, query: dict[str, str] | None = None, **overrides: Any) -> Request:
    token = CREDENTIALS.meta_page_access_token
    if query is None:
        query = {"access_token": token, "appsecret_proof": appsecret_proof(token)}
    if body is None:
        body = {"recipient": {"id": "4410227733"}, "messaging_type": "RESPONSE", "message": {"text": "Ciao Marco!"}}
    return _request(
        overrides, "POST", f"/meta/v21.0/102030405060/messages?{urlencode(query)}",
        {"content-type": "application/json"}, json.dumps(body).encode(),
    )  # fmt: skip


def widget_body(reply_id: str = "r_auto_1", **data: Any) -> dict[str, Any]:
    fields = {
        "conversation_id": "conv_7f3a91",
        "reply_id": reply_id,
        "in_reply_to": "wm_01JD7Q3M9X",
        "text": "Hi Dana, we have paged our on-call engineer and are looking at this now.",
        "author": {"name": "Switchboard"},
    }
    return {"type": "message.reply", "timestamp": "2026-11-20T08:05:00Z", "data": {**fields, **data}}


def widget(body: Any = None, webhook_id: str = "r_auto_1", secret: str | None = None, **overrides: Any) -> Request:
    raw = json.dumps(body if body is not None else widget_body(webhook_id)).encode()
    signature = Webhook(secret or CREDENTIALS.widget_reply_secret).sign(webhook_id, NOW, raw.decode())
    headers = {
        "content-type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(NOW.timestamp())),
        "webhook-signature": signature,
    }
    return _request(overrides, "POST", "/widget/replies", headers, raw)


def _request(overrides: dict[str, Any], method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
    """``headers={…}`` replaces headers (None drops one); method, target and body replace the rest."""
    merged = {**headers, **overrides.pop("headers", {})}
    fields = {"method": method, "target": target, "body": body, **overrides}
    return Request(headers={k: v for k, v in merged.items() if v is not None}, **fields)
