"""The cost benchmark's messages: a realistic mix over six channels, each a real sample from events/ re-addressed.

Mostly non-paging: customers' how-to questions in office hours (queued, no reply) and after hours
(auto-replied), on the widget, email (SendGrid), Slack, Twilio SMS, X DMs and Messenger. Some
paging: a VIP's "checkout is down" on the widget at any hour, a prospect asking for 200 seats in
office hours. Every message is a new conversation from its own sender, so each is a ticket.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from local.samples import EVENTS_DIR, SampleRequest, load

#: Mon 16 Nov 2026 22:00 in New York (Tue 03:00 UTC), after hours; then Tue 10:00 there, in office hours. In that
#: order: a night's tickets are not yet due for a first response in the morning, a morning's would be by night
AFTER_HOURS = datetime(2026, 11, 17, 3, 0, tzinfo=UTC)
IN_HOURS = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)
#: (kind, channel, share): what a small SaaS's support inbox sees; the paging kinds are ~8%
MIX: tuple[tuple[str, str, float], ...] = (
    ("how-to", "widget", 0.28),
    ("how-to", "email", 0.24),
    ("how-to", "slack", 0.10),
    ("how-to", "sms", 0.12),
    ("how-to", "x", 0.08),
    ("how-to", "meta", 0.10),
    ("vip-critical", "widget", 0.05),
    ("prospect-buying", "widget", 0.03),
)
#: a million messages a month arrive one every 2.6 seconds on average
SPACING = timedelta(seconds=30 * 24 * 3600 / 1_000_000)
HOW_TO = "Hi, how do I export my reports to CSV? I can only find PDF in the Export menu. ({n})"


@dataclass(frozen=True)
class Planned:
    """One message to send: when it arrives, what it is (for the report), and the request."""

    at: datetime
    kind: str
    channel: str
    request: SampleRequest


def _sample(name: str) -> SampleRequest:
    provider, stem = name.split("/")
    return load(EVENTS_DIR / provider / f"{stem}.json")


def widget(n: int, sample: str, name: str, email: str, text: str | None = None) -> SampleRequest:
    request = _sample(f"widget/{sample}")
    body: dict[str, Any] = json.loads(request.body)
    body["data"].update(message_id=f"wm_cost{n}", conversation_id=f"conv_cost{n}")
    body["data"]["visitor"] = {"name": name, "email": email}
    if text is not None:
        body["data"]["text"] = text
    headers = {**request.headers, "webhook-id": f"msg_cost{n}"}
    return replace(request, name=f"widget/cost-{n}", body=json.dumps(body).encode(), headers=headers)


def email(n: int, name: str, address: str) -> SampleRequest:
    request = _sample("sendgrid/free-howto")
    body = request.body.decode()
    body = body.replace("sam.lee@gmail.example", address).replace("Sam Lee", name)
    body = body.replace("CAJ7xq3N5m0pL8bV2tR4kW9yZfQ1sD6hG0cE3aU8iO2nX5vB7wQ", f"cost-{n}")
    return replace(request, name=f"sendgrid/cost-{n}", body=body.encode())


def slack(n: int) -> SampleRequest:
    request = _sample("slack/app-mention")
    body: dict[str, Any] = json.loads(request.body)
    event = body["event"]
    ts = f"{1795162262 + n}.000500"
    event.update(user=f"U0COST{n:05d}", text=f"<@U07SWBBOT1> {HOW_TO.format(n=n)}", ts=ts, event_ts=ts)
    event["channel"] = f"C0COST{n:05d}"
    body["event_id"] = f"Ev0COST{n:06d}"
    return replace(request, name=f"slack/cost-{n}", body=json.dumps(body).encode())


def sms(n: int) -> SampleRequest:
    request = _sample("twilio/sms-02-mms-screenshot")
    sid = f"SM{n:032x}"
    fields = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
    for media in ("MediaContentType0", "MediaUrl0"):
        fields.pop(media, None)
    fields.update(SmsMessageSid=sid, SmsSid=sid, MessageSid=sid, NumMedia="0", From=f"+1312555{n % 10000:04d}")
    fields["Body"] = HOW_TO.format(n=n)
    return replace(request, name=f"twilio/cost-{n}", body=urlencode(fields).encode())


def x_dm(n: int) -> SampleRequest:
    request = _sample("x/dm-pricing")
    body: dict[str, Any] = json.loads(request.body)
    dm = body["direct_message_events"][0]
    sender = str(880000000000000000 + n)
    dm["id"] = str(1991234567890300000 + n)
    dm["message_create"]["sender_id"] = sender
    dm["message_create"]["message_data"]["text"] = HOW_TO.format(n=n)
    user = body["users"].pop("987654321012345678")
    user.update(id=sender, name=f"Builder {n}", screen_name=f"builder_{n}")
    body["users"][sender] = user
    return replace(request, name=f"x/cost-{n}", body=json.dumps(body).encode())


def messenger(n: int) -> SampleRequest:
    request = _sample("meta/messenger-message")
    body: dict[str, Any] = json.loads(request.body)
    messaging = body["entry"][0]["messaging"][0]
    messaging["sender"]["id"] = str(7700000000 + n)
    messaging["message"] = {"mid": f"m_cost{n}", "text": HOW_TO.format(n=n)}
    return replace(request, name=f"meta/cost-{n}", body=json.dumps(body, separators=(",", ":")).encode())


def silent_event_ids(request: SampleRequest) -> tuple[str, ...]:
    """The event ids of a webhook whose answer names none: Twilio's SMS webhook answers empty TwiML."""
    if request.provider != "twilio":
        return ()
    return (f"twilio:sms:{dict(parse_qsl(request.body.decode()))['MessageSid']}",)


def plan(messages: int, customers: list[Any], seed: int = 16) -> list[Planned]:
    """``messages`` messages in arrival order: half after hours, then half in office hours, the MIX's shares drawn."""
    rng = random.Random(seed)
    ordinary = [c for c in customers if "vip" not in c.flags]
    vips = [c for c in customers if "vip" in c.flags]
    kinds = [(kind, channel) for kind, channel, _ in MIX]
    weights = [share for _, _, share in MIX]
    planned = []
    for n in range(messages):
        kind, channel = rng.choices(kinds, weights)[0]
        night = n < messages // 2
        if kind == "prospect-buying" and night:
            kind, channel = "how-to", "widget"  # a buyer after hours is held until morning: not a page tonight
        start = AFTER_HOURS if night else IN_HOURS
        at = start + SPACING * (n % max(1, messages // 2))
        planned.append(Planned(at, kind, channel, _request(n, kind, channel, rng, ordinary, vips)))
    return planned


def _request(
    n: int, kind: str, channel: str, rng: random.Random, ordinary: list[Any], vips: list[Any]
) -> SampleRequest:
    if kind == "vip-critical":
        vip = rng.choice(vips)
        return widget(n, "vip-outage", vip.name, vip.email)
    if kind == "prospect-buying":
        return widget(n, "prospect-200-seats", f"Buyer {n}", f"buyer{n}@prospect{n}.example")
    customer = rng.choice(ordinary)
    if channel == "widget":
        return widget(n, "free-howto", customer.name, customer.email, HOW_TO.format(n=n))
    if channel == "email":
        return email(n, customer.name, customer.email)
    return {"slack": slack, "sms": sms, "x": x_dm, "meta": messenger}[channel](n)
