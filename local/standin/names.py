"""Who the demo's addresses belong to: the printed line says "Dana Whitfield", not "conv_7f3a91"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from local.samples import EVENTS_DIR, SampleRequest, all_samples

CUSTOMERS = EVENTS_DIR / "customers.json"


def short(name: str) -> str:
    """ "Dana Whitfield (Northwind)" → "Dana Whitfield": the line stays short."""
    return re.sub(r"\s*\(.*\)\s*$", "", name).strip() or name


def directory(samples: list[SampleRequest] | None = None, customers: Path = CUSTOMERS) -> dict[str, str]:
    """Address → name from the seeded customers and the senders named in events/ samples.

    Addresses are what a reply goes to: a phone number, a Meta PSID, an X user or tweet id, a Slack
    thread's ts, a widget conversation. Samples win over the customer list: they name the person.
    """
    names: dict[str, str] = {}
    for customer in json.loads(customers.read_text(encoding="utf-8")):
        name = short(customer["name"])
        for address in (customer.get("phone"), *customer.get("handles", [])):
            if address:
                names[address.split(":", 1)[-1]] = name
    for sample in all_samples() if samples is None else samples:
        try:
            body = json.loads(sample.body)
        except ValueError:
            continue  # a form body (Twilio): the customer list names those numbers
        if isinstance(body, dict):
            names.update(_named(sample.provider, body))
    return names


def _named(provider: str, body: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    if provider == "widget":
        data = body.get("data") or {}
        if name := (data.get("visitor") or {}).get("name"):
            found[data.get("conversation_id", "")] = name
    elif provider == "x":
        users = body.get("users") or {}
        for dm in body.get("direct_message_events") or []:
            sender = (dm.get("message_create") or {}).get("sender_id", "")
            if name := (users.get(sender) or {}).get("name"):
                found[sender] = name
        for tweet in body.get("tweet_create_events") or []:
            user = tweet.get("user") or {}
            if name := user.get("name"):
                found[tweet.get("id_str", "")] = found[user.get("id_str", "")] = name
    elif provider == "slack":
        event = body.get("event") or {}
        if name := (event.get("user_profile") or {}).get("real_name"):
            found[event.get("thread_ts") or event.get("ts", "")] = name
    found.pop("", None)
    return found
