"""What the rules commands need without AWS: sample requests as events, a customers file as the directory."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from chalicelib.model.customer import Customer
from chalicelib.model.directory import customer_keys, domain_key, email_key, handle_key, kind_of, phone_key
from chalicelib.model.event import Sender, SupportEvent
from local.samples import EVENTS_DIR, SampleRequest, load

CUSTOMERS_FILE = EVENTS_DIR / "customers.json"


def event_from_request(sample: SampleRequest, at: datetime) -> SupportEvent:
    """Parse a provider request the way its route does (signature aside), received at ``at``: its first message."""
    import importlib

    if sample.method == "GET":
        raise ValueError(f"{sample.name}: a handshake, not a message")
    if sample.provider == "widget":
        from chalicelib.channels import widget

        return widget.to_event(widget.parse(sample.body), sample.headers["webhook-id"], at)
    if sample.provider == "ses":
        from chalicelib.channels import ses

        inbound = ses.handle_notification(sample.body.decode("utf-8"), at)
    elif sample.provider in ("twilio", "sendgrid", "slack", "x", "meta"):
        adapter = importlib.import_module(f"chalicelib.channels.{sample.provider}")
        inbound = adapter.handle(sample.as_raw("https://switchboard.invalid"), at)
    else:
        raise ValueError(f"{sample.name}: no adapter for provider {sample.provider!r}")
    if not inbound.events:
        # a handshake, an echo, a bot, a dial callback: nothing for a person to decide on
        why = "; ".join(inbound.skipped) or "a handshake"
        raise ValueError(f"{sample.name}: no customer message in this request ({why})")
    return inbound.events[0]


def event_from_file(path: Path, at: datetime) -> SupportEvent:
    """A sample request from events/, or a SupportEvent as JSON (its received_at replaced by ``at``)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(raw, dict) and "event_id" in raw and "channel" in raw:
        return SupportEvent.model_validate({**raw, "received_at": at.isoformat()})
    return event_from_request(load(path), at)


class MemoryDirectory:
    """The customer directory from a JSON file, with the table's lookup order (email > phone > handle > domain)."""

    def __init__(self, customers: list[Customer]) -> None:
        self.by_key: dict[str, Customer] = {}
        self.by_id = {c.customer_id: c for c in customers}
        for customer in customers:
            for key in customer_keys(customer):
                self.by_key.setdefault(key, customer)

    @classmethod
    def from_file(cls, path: Path = CUSTOMERS_FILE) -> MemoryDirectory:
        return cls([Customer.model_validate(c) for c in json.loads(path.read_text(encoding="utf-8"))])

    def find(self, sender: Sender) -> Customer | None:
        for key in sender.lookup_keys():
            if key in self.by_key:
                return self.by_key[key].model_copy(update={"matched_by": kind_of(key)})
        return None

    def lookup(self, what: str) -> Customer | None:
        """By customer id, email, phone, handle or domain, as an operator would type it."""
        if what in self.by_id:
            return self.by_id[what]
        candidates = [email_key(what), phone_key(what), domain_key(what), handle_key(what)]
        return next((self.by_key[k] for k in candidates if k and k in self.by_key), None)


def customer_for(event: SupportEvent, directory: MemoryDirectory, wanted: str | None = None) -> Customer:
    """The customer to decide for: ``wanted`` (an id, email, phone, handle or domain; "unknown" for a
    stranger) or, by default, whoever the directory finds for the sender."""
    label = event.sender.name or event.sender.email or event.sender.phone or "unknown sender"
    if wanted == "unknown":
        return Customer.unknown(label)
    if wanted:
        found = directory.lookup(wanted)
        if found is None:
            raise ValueError(f"customer {wanted!r} is not in the customers file")
        return found
    return directory.find(event.sender) or Customer.unknown(label)
