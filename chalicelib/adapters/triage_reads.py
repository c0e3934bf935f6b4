"""Triage's reads for a whole SQS batch, across the tickets and customers tables, in one BatchGetItem.

Per message triage needs its dedup record (a follow-up's marker, or the ticket the event opened), its thread (the pointer, or the event a voicemail names),
its sender's customer and the sender's recent contacts: read one by one, five requests a message.
Read together for the batch, ten messages' keys (at most 5 + 4 each, well under BatchGetItem's 100)
are one request; a batch holding redeliveries makes a second, for what their markers point at.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.contact_items import contacts_from, contacts_key
from chalicelib.adapters.customers_table import first_match
from chalicelib.adapters.dynamo import batch_get
from chalicelib.adapters.tickets_table import (
    delivery_from,
    delivery_keys,
    event_key,
    item_id,
    own_ticket_key,
    thread_from,
    thread_keys,
    ticket_from_item,
)
from chalicelib.model.ticket import Delivery, sender_key
from chalicelib.services.ports import Snapshot

if TYPE_CHECKING:
    from chalicelib.adapters.customer_cache import CachedCustomerDirectory
    from chalicelib.model.event import SupportEvent


class DynamoTriageReads:
    """TriageReads over DynamoDB. The customers already in the container's cache are not read again."""

    def __init__(
        self,
        client: Any,
        tickets_table: str,
        customers_table: str,
        cache: CachedCustomerDirectory | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._tickets = tickets_table
        self._customers = customers_table
        self._cache = cache
        self._sleep = sleep

    def prefetch(self, events: Sequence[SupportEvent]) -> Snapshot:
        snapshot = Snapshot()
        tickets: list[dict[str, Any]] = []
        unknown: list[SupportEvent] = []  # senders the cache cannot answer
        for event in events:
            # a follow-up's marker, or the ticket the event opened (a new ticket is its own dedup record)
            tickets.extend((event_key(event.event_id), own_ticket_key(event.event_id)))
            if event.thread_key:
                tickets.extend(thread_keys(event.thread_key))
            if sender := sender_key(event):
                tickets.append(contacts_key(sender))
            hit, customer = self._cache.cached(event.sender) if self._cache is not None else (False, None)
            if hit:
                snapshot.customers[event.event_id] = customer
            else:
                unknown.append(event)
        lookups = [{"key": {"S": key}} for event in unknown for key in event.sender.lookup_keys()]
        # the markers must be read consistently (a redelivery right after the write must see it); the
        # customers need not (an import a second old is as good), at half the read units
        found = self._read({self._tickets: (tickets, True), self._customers: (lookups, False)})
        items = {item_id(item): item for item in found[self._tickets]}
        markers: dict[str, dict[str, Any]] = {}
        for event in events:
            marker = items.get(item_id(event_key(event.event_id)))
            own = items.get(item_id(own_ticket_key(event.event_id)))
            if marker is not None:
                markers[event.event_id] = marker
            snapshot.deliveries[event.event_id] = None if own is None else Delivery(ticket=ticket_from_item(own))
            if event.thread_key:
                snapshot.threads[event.thread_key] = thread_from(event.thread_key, items)
            if sender := sender_key(event):
                snapshot.contacts[sender] = contacts_from(sender, items.get(item_id(contacts_key(sender))))
        directory = {item["key"]["S"]: item for item in found[self._customers]}
        for event in unknown:
            customer = first_match(event.sender.lookup_keys(), directory)
            snapshot.customers[event.event_id] = customer
            if self._cache is not None:
                self._cache.remember(event.sender, customer)
        if markers:  # redeliveries: what they produced, in a second round for all of them
            keys = [key for marker in markers.values() for key in delivery_keys(marker)]
            produced = {item_id(item): item for item in self._read({self._tickets: (keys, True)})[self._tickets]}
            for event_id, marker in markers.items():
                snapshot.deliveries[event_id] = delivery_from(marker, produced)
        return snapshot

    def _read(self, requests: dict[str, tuple[list[dict[str, Any]], bool]]) -> dict[str, list[dict[str, Any]]]:
        return batch_get(self._client, requests, sleep=self._sleep)
