"""One short line per message, as the customer would see it; one per refusal, so a broken sender shows."""

from __future__ import annotations

import json
from collections.abc import Mapping

from local.standin.wire import Answer, Received, Request

LABELS = {
    "twilio.messages": "SMS",
    "slack.chat.postMessage": "Slack",
    "x.dm": "X DM",
    "x.tweets": "X reply",
    "x.post": "X post (our account)",
    "meta.messages": "Messenger/Instagram",
    "widget.reply": "widget",
}
WIDTH = 60


def clip(text: str, width: int = WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def who(message: Received, names: Mapping[str, str]) -> str:
    """A name when the directory knows the address (or the thread), else the number, handle or id."""
    return names.get(message.to) or (names.get(message.thread) if message.thread else None) or message.to


def render(message: Received, names: Mapping[str, str]) -> str:
    if message.key == "twilio.calls":
        # the on-call phone rings first; the customer (thread) is dialled once it answers
        customer = names.get(message.thread or "") or message.thread
        return f"☎ → {who(message, {})} rings; answered, it bridges {customer} (caller ID {message.sender})"
    label = LABELS.get(message.key, message.key)
    return f'✉ → {who(message, names)} via {label}: "{clip(message.text)}"'


def summary(body: object) -> str:
    """The provider's reason in a few words, whatever its error shape."""
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict):  # Meta
            return f"{inner.get('code')}: {inner.get('message')}"
        if isinstance(inner, str):  # Slack, the widget backend
            return inner
        if "code" in body:  # Twilio
            return f"{body['code']}: {body.get('message')}"
        if "title" in body:  # X
            return f"{body['title']}: {body.get('detail')}"
    return "" if body is None else json.dumps(body, ensure_ascii=False)


def refusal_line(refused_by: str, request: Request, answer: Answer) -> str:
    return f"⚠  stand-in {refused_by} → {answer.status} {clip(summary(answer.body), 70)}"
