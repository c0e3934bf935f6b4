"""An outage's burst of reports, from the samples in events/: many people, three channels, one complaint.

Each report is a real sample request given its own sender and message id, so each is a new ticket
from a different person (a burst counts distinct senders, not messages). The outage scene of
`make run` sends them; the incident story tests send the same ones.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from local.samples import EVENTS_DIR, SampleRequest, load


def _sample(name: str) -> SampleRequest:
    provider, stem = name.split("/")
    return load(EVENTS_DIR / provider / f"{stem}.json")


def x_mention(n: int, text: str | None = None) -> SampleRequest:
    """A public mention from @customer_n: "is the app down?"."""
    request = _sample("x/vip-angry-mention")
    body: dict[str, Any] = json.loads(request.body)
    tweet = body["tweet_create_events"][0]
    tweet["id"], tweet["id_str"] = 1991234567890100000 + n, str(1991234567890100000 + n)
    tweet["text"] = text or f"@switchboard_app is the app down? nothing loads for me ({n})"
    tweet["display_text_range"] = [0, len(tweet["text"])]
    user = tweet["user"]
    user["id"], user["id_str"] = 5550000 + n, str(5550000 + n)
    user["screen_name"], user["name"] = f"customer_{n}", f"Customer {n}"
    return replace(request, name=f"x/burst-mention-{n}", body=json.dumps(body).encode())


def email(n: int) -> SampleRequest:
    """The VIP outage email (SendGrid Inbound Parse), sent by ops{n}@company{n}.example."""
    request = _sample("sendgrid/vip-outage")
    body = request.body.decode()
    body = body.replace("dana@northwind.example", f"ops{n}@company{n}.example").replace("Dana Whitfield", f"Ops {n}")
    body = body.replace("6C4D2E1A-9B7F-4C3E-A1D2-5F8E7B9C0A11", f"6C4D2E1A-9B7F-4C3E-A1D2-5F8E7B9C0A{n:02d}")
    return replace(request, name=f"sendgrid/burst-email-{n}", body=body.encode())


def chat(n: int, text: str | None = None, message_id: str | None = None) -> SampleRequest:
    """A website chat about server errors from visitor{n}, in conversation conv_burst{n}."""
    request = _sample("widget/highvalue-500s")
    body: dict[str, Any] = json.loads(request.body)
    body["data"]["message_id"] = message_id or f"wm_burst{n}"
    body["data"]["conversation_id"] = f"conv_burst{n}"
    body["data"]["visitor"] = {"name": f"Visitor {n}", "email": f"visitor{n}@shop{n}.example"}
    if text is not None:
        body["data"]["text"] = text
    headers = {**request.headers, "webhook-id": f"msg_{body['data']['message_id']}"}
    return replace(request, name=f"widget/burst-chat-{n}", body=json.dumps(body).encode(), headers=headers)


def burst(mentions: int, emails: int, chats: int) -> list[SampleRequest]:
    """The burst, in the order it is sent: the mentions, then the emails, then the chats."""
    return [x_mention(n) for n in range(mentions)] + [email(n) for n in range(emails)] + [chat(n) for n in range(chats)]
