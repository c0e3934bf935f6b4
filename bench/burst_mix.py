"""The burst's messages: an outage told by many people, a steady stream of ordinary questions, and pages.

Each message is a real sample request from events/ given its own sender, message id and text, so
each is a new ticket from a different person. Three kinds, each with what the shipped rules
(chalicelib/config/routing.yaml) do with it on a Tuesday at 10:00 in New York (AT):

- ``outage``: distinct strangers on X, by email, in the chat and by SMS say the app is down; they
  count into one suspected incident, which pages once, and the rest link to it and page nobody;
- ``ordinary``: how-to questions on the widget, SendGrid, Slack, Meta and X: P3, nobody is paged;
- ``paging``: each must page on its own: a VIP's critical problem that is not the outage (a
  security scare, payments failing) by Twilio SMS, the widget or Slack, from distinct VIP accounts
  (key-customer-critical, P1), and a few prospects asking for a call in office hours
  (prospect-buying-in-hours, P2 to Maya).

Pure: reads the samples, builds requests and the bench's customers, sends nothing.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from local.burst import chat, email, x_mention
from local.samples import EVENTS_DIR, SampleRequest, load

if TYPE_CHECKING:
    from chalicelib.model.customer import Customer

#: the platform's clock starts here: Tuesday 10:00:05 in New York, office hours, so prospects page
AT = datetime(2026, 11, 17, 15, 0, 5, tzinfo=UTC)
OUTAGE, ORDINARY, PAGING = "outage", "ordinary", "paging"
OUTAGE_SHARE = 0.6
PAGING_SHARE = 0.06
#: prospects page Maya at P2, and P2 pages are rate-limited (5 pages a person per 10 minutes, each counted once
#: however often its ladder comes back to her; P1 never is):
#: more prospects than this in one burst would wait for her digest, by design
MAX_PROSPECTS = 4
SEED = 16

VIP_TEXTS = (
    "URGENT: someone logged into our admin account from an unknown location, we did not do it. Lock it now please",
    "Payments are failing for all our customers since 10 minutes, we are losing sales. Call me now",
    "We have been hacked: our customer data is visible to other tenants. Please call me immediately",
)
PROSPECT_TEXT = "Hi, we are a team of 200 and want to buy this week. Could someone call me today about pricing?"
ORDINARY_TEXTS = (
    "How do I export my contacts to CSV?",
    "Hi, how do I change the logo on my invoices? Thanks",
    "Quick question: where do I find the API docs?",
    "How do I add a colleague to our workspace?",
)


@dataclass(frozen=True)
class Planned:
    """One webhook of the burst: what kind of message it is, and the unsigned request."""

    index: int
    kind: str  # OUTAGE, ORDINARY or PAGING
    label: str  # the provider and the message, e.g. "vip-sms", "outage-x"
    request: SampleRequest
    #: the id the app gives the message (its ticket's id derives from it): Twilio's TwiML answer names none
    event_id: str = ""

    @property
    def provider(self) -> str:
        return self.request.provider


@dataclass(frozen=True)
class Mix:
    planned: tuple[Planned, ...]
    #: the VIP accounts the paging messages come from, stored before the burst (the local seed has two)
    customers: tuple[Customer, ...]

    def count(self, kind: str) -> int:
        return sum(1 for p in self.planned if p.kind == kind)

    def providers(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for p in self.planned:
            found[p.provider] = found.get(p.provider, 0) + 1
        return dict(sorted(found.items()))


def shares(count: int) -> tuple[int, int, int, int]:
    """(outage reports, ordinary messages, VIP pages, prospect pages) for a burst of ``count``."""
    if count < 10:
        raise ValueError("a burst needs at least 10 messages (3 outage reports open the incident)")
    paging = max(2, round(count * PAGING_SHARE))
    prospects = min(MAX_PROSPECTS, max(1, paging // 5))
    outage = round(count * OUTAGE_SHARE)
    return outage, count - outage - paging, paging - prospects, prospects


def vip_customer(n: int) -> Customer:
    from chalicelib.model.customer import Customer

    return Customer(
        customer_id=f"cus_burst_vip{n:04d}",
        name=f"Burst VIP {n} (Account {n})",
        plan="enterprise",
        email=f"cto@vip{n}.example",
        phone=f"+1212556{n:04d}",
        handles=(f"slack:U0VIP{n:05d}",),
        mrr=2500,
        ltv=60000,
        flags=("vip",),
        timezone="America/New_York",
    )


def _sample(name: str) -> SampleRequest:
    provider, stem = name.split("/")
    return load(EVENTS_DIR / provider / f"{stem}.json")


def sms(n: int, sender: str, text: str, label: str) -> SampleRequest:
    """A Twilio SMS to the support line from ``sender``, with its own MessageSid ("SM" + 32 hex)."""
    request = _sample("twilio/sms-01-urgent")
    sid = f"SM{n:032x}"
    new = {"From": sender, "Body": text, "MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid}
    fields = [(k, new.get(k, v)) for k, v in parse_qsl(request.body.decode(), keep_blank_values=True)]
    headers = {**request.headers, "i-twilio-idempotency-token": f"burst-{n}"}
    return replace(request, name=f"twilio/{label}-{n}", headers=headers, body=urlencode(fields).encode())


def slack(n: int, user: str, text: str, label: str) -> SampleRequest:
    """A message in a Slack Connect channel from ``user``, with its own ts and event id."""
    request = _sample("slack/vip-outage-shared-channel")
    body: dict[str, Any] = json.loads(request.body)
    event = body["event"]
    event["user"], event["text"], event["client_msg_id"] = user, text, f"burst-{n}"
    event["ts"] = event["event_ts"] = f"1795161731.{n:06d}"
    event["channel"] = f"C0BURST{n % 7}"
    event.pop("blocks", None)
    event.pop("user_profile", None)
    body["event_id"] = f"Ev0BURST{n:06d}"
    return replace(request, name=f"slack/{label}-{n}", body=json.dumps(body).encode())


def widget(n: int, name: str, address: str, text: str, label: str) -> SampleRequest:
    request = chat(n, text=text, message_id=f"wm_{label}{n}")
    body: dict[str, Any] = json.loads(request.body)
    body["data"]["conversation_id"] = f"conv_{label}{n}"
    body["data"]["visitor"] = {"name": name, "email": address}
    return replace(request, name=f"widget/{label}-{n}", body=json.dumps(body).encode())


def meta(n: int, text: str) -> SampleRequest:
    """A Messenger message to our Page from a new person."""
    request = _sample("meta/messenger-message")
    body: dict[str, Any] = json.loads(request.body)
    item = body["entry"][0]["messaging"][0]
    item["sender"]["id"] = str(7700000000 + n)
    item["message"] = {"mid": f"m_burst{n}", "text": text}
    return replace(request, name=f"meta/ordinary-{n}", body=json.dumps(body, separators=(",", ":")).encode())


def sendgrid(n: int, text: str) -> SampleRequest:
    """The free how-to email (SendGrid Inbound Parse) from reader{n}, with its own Message-ID and subject."""
    request = _sample("sendgrid/free-howto")
    body = request.body.decode()
    body = body.replace("sam.lee@gmail.example", f"reader{n}@mail{n}.example").replace("Sam Lee", f"Reader {n}")
    body = body.replace("CAJ7xq3N5m0pL8bV2tR4kW9yZfQ1sD6hG0cE3aU8iO2nX5vB7wQ", f"burst{n:08d}")
    body = body.replace("How do I export reports to CSV?", f"{text} ({n})")
    return replace(request, name=f"sendgrid/ordinary-{n}", body=body.encode())


def outage_report(n: int) -> Planned:
    """Distinct strangers on four channels: the X mention, the email and the chat from local/burst.py, and an SMS."""
    which = n % 4
    if which == 0:
        return Planned(0, OUTAGE, "outage-x", x_mention(n))
    if which == 1:
        return Planned(0, OUTAGE, "outage-email", email(n))
    if which == 2:
        return Planned(0, OUTAGE, "outage-chat", chat(n))
    text = f"the app is down for our whole team, nothing loads ({n})"
    return Planned(0, OUTAGE, "outage-sms", sms(n, f"+1555020{n:04d}", text, "outage-sms"))


def ordinary(n: int) -> Planned:
    text = ORDINARY_TEXTS[n % len(ORDINARY_TEXTS)]
    which = n % 5
    if which == 0:
        request = widget(n, f"Reader {n}", f"reader{n}@shop{n}.example", text, "ordinary")
    elif which == 1:
        request = sendgrid(n, text)
    elif which == 2:
        request = slack(n, f"U0ASK{n:05d}", text, "ordinary")
    elif which == 3:
        request = meta(n, text)
    else:
        request = x_mention(100_000 + n, f"@switchboard_app {text[0].lower()}{text[1:]}")
    return Planned(0, ORDINARY, f"ordinary-{request.provider}", request)


def vip_page(n: int, customer: Customer) -> Planned:
    text = VIP_TEXTS[(n // 3) % len(VIP_TEXTS)]  # every text on every channel
    which = n % 3
    if which == 0:
        assert customer.phone is not None
        return Planned(0, PAGING, "vip-sms", sms(200_000 + n, customer.phone, text, "vip-sms"))
    if which == 1:
        assert customer.email is not None
        return Planned(0, PAGING, "vip-widget", widget(n, customer.name, customer.email, text, "vip"))
    user = customer.handles[0].split(":", 1)[1]
    return Planned(0, PAGING, "vip-slack", slack(200_000 + n, user, text, "vip"))


def prospect(n: int) -> Planned:
    request = widget(n, f"Buyer {n}", f"buyer{n}@bigco{n}.example", PROSPECT_TEXT, "prospect")
    return Planned(0, PAGING, "prospect-widget", request)


def build(count: int, seed: int = SEED) -> Mix:
    """``count`` messages in a shuffled (seeded) order, so every kind is spread over the whole minute."""
    outages, ordinaries, vips, prospects = shares(count)
    customers = tuple(vip_customer(n) for n in range(vips))
    planned = (
        [outage_report(n) for n in range(outages)]
        + [ordinary(n) for n in range(ordinaries)]
        + [vip_page(n, c) for n, c in enumerate(customers)]
        + [prospect(n) for n in range(prospects)]
    )
    random.Random(seed).shuffle(planned)
    return Mix(tuple(replace(p, index=i, event_id=event_id(p.request)) for i, p in enumerate(planned)), customers)


def event_id(request: SampleRequest) -> str:
    """The event id the provider's adapter reads from the request (its signature aside)."""
    from cli.offline import event_from_request

    return event_from_request(request, AT).event_id


def schedule(count: int, seconds: float) -> list[float]:
    """Each webhook's slot, in seconds from the start: evenly paced, the first at 0."""
    if count < 1 or seconds <= 0:
        raise ValueError("count must be at least 1 and seconds positive")
    return [i * seconds / count for i in range(count)]
