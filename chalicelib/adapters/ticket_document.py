"""A ticket item's document: each fact stored once, the bulk compressed, so a typical item stays under 2 KB.

DynamoDB bills a write by the item's size in started KB (an update by the larger of before and after),
twice that in a transaction, so the ticket's bytes are paid on its creation and on every update of it.
An item used to carry the whole ticket as JSON in ``doc`` beside attributes repeating parts of it, the
decision's reasons twice: about 3.8 KB. Now:

- the attributes the table's keys, indexes, conditions and updates use stay as they were; the document
  leaves out what they hold (the ticket's id, times, status, counters; the event's id and channel; the
  customer's id; the decision's route, team and rules version) and the reader puts it back;
- ``doc`` keeps a short readable header (who, how urgent, who is paged or when) for whoever reads a raw
  item without this module: the DynamoDB console, the local platform's ticket table;
- ``body`` is the rest (the message, the customer's snapshot, the decision with its reasons and facts)
  as JSON without nulls, zlib-compressed (binary): prose and JSON compress to about half, which is what
  brings a typical item from about 2.6 KB (deduplicated, uncompressed) to about 1.5 KB.

Items written before (``doc`` the whole ticket as JSON, no ``body``) read as they always did.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from chalicelib.model.ticket import PageStatus, Ticket

#: the header's fields: (part of the ticket, its fields)
HEADER: dict[str, tuple[str, ...]] = {
    "customer": ("name",),
    "decision": ("priority", "page_targets", "deferred_until"),
}
#: (attribute, where the document holds the same fact): the reader fills these in from the attributes
FROM_ATTRIBUTES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ticket_id", ("ticket_id",)),
    ("created_at", ("created_at",)),
    ("event_id", ("event", "event_id")),
    ("channel", ("event", "channel")),
    ("customer_id", ("customer", "customer_id")),
    ("route", ("decision", "route")),
    ("team", ("decision", "team")),
    ("rules_version", ("decision", "rules_version")),
)
#: attributes that change after the write: never in the document (the attribute is the truth)
MUTABLE = ("status", "page_status", "messages", "last_message_at", "replied_at", "replied_by")


def document_attributes(ticket: Ticket) -> dict[str, Any]:
    """``doc`` (the readable header) and ``body`` (the rest, compressed) of a new ticket item."""
    data = ticket.model_dump(mode="json", exclude_none=True, exclude=set(MUTABLE))
    header: dict[str, Any] = {}
    for part, fields in HEADER.items():
        moved = {name: data[part].pop(name) for name in fields if name in data[part]}
        if moved:
            header[part] = moved
    for _attribute, path in FROM_ATTRIBUTES:
        _pop(data, path)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return {
        "doc": {"S": json.dumps(header, ensure_ascii=False, separators=(",", ":"))},
        "body": {"B": zlib.compress(body)},
    }


def ticket_from_document(item: dict[str, Any]) -> Ticket:
    """The ticket an item holds, written this way or the old way (the whole ticket in ``doc``)."""
    if "body" not in item:
        ticket = Ticket.model_validate_json(item["doc"]["S"])
    else:
        data: dict[str, Any] = json.loads(zlib.decompress(item["body"]["B"]))
        for part, fields in json.loads(item["doc"]["S"]).items():
            data.setdefault(part, {}).update(fields)
        for attribute, path in FROM_ATTRIBUTES:
            _put(data, path, item[attribute]["S"])
        ticket = Ticket.model_validate(data)
    # these change after the write; the attributes, not the document, are the truth
    return ticket.model_copy(
        update={
            "page_status": PageStatus(item["page_status"]["S"]),
            "status": item["status"]["S"],
            "messages": int(item.get("messages", {}).get("N", "1")),
            # written only once a follow-up joins: until then the ticket's last message is its first
            "last_message_at": datetime.fromisoformat(item["last_message_at"]["S"])
            if "last_message_at" in item
            else ticket.last_message_at or ticket.created_at,
            "replied_at": datetime.fromisoformat(item["replied_at"]["S"]) if "replied_at" in item else None,
            "replied_by": item.get("replied_by", {}).get("S"),
        }
    )


def _pop(data: dict[str, Any], path: tuple[str, ...]) -> None:
    *parents, name = path
    for part in parents:
        data = data[part]
    data.pop(name, None)


def _put(data: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    *parents, name = path
    for part in parents:
        data = data.setdefault(part, {})
    data[name] = value
