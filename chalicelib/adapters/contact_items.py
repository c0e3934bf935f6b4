"""Senders' recent contacts in the tickets table: one small item per sender, written with each stored message.

``CONTACTS#<sender key>`` / ``CONTACTS``: an attribute ``c#<entry>`` per message stored in the last hour
(its time, ISO 8601 UTC) and ``expires_at`` an hour after the newest. Triage reads it with the rest of
its batch's reads and writes it in the message's transaction: repeat contact costs no request of its own
(it was a Query on a BySender index per message).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo import utc
from chalicelib.model.contacts import REPEAT_WINDOW, RecentContacts, entry_for


def contacts_key(sender_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"CONTACTS#{sender_key}"}, "sk": {"S": "CONTACTS"}}


#: a contacts item's entries are attributes of their own (``c#<entry>`` = when), so concurrent writes both land
ENTRY_PREFIX = "c#"


def contacts_from(sender_key: str, item: dict[str, Any] | None) -> RecentContacts:
    """The sender's record of recent messages as the item holds it (none: no message lately)."""
    entries = {
        name.removeprefix(ENTRY_PREFIX): datetime.fromisoformat(value["S"])
        for name, value in (item or {}).items()
        if name.startswith(ENTRY_PREFIX)
    }
    return RecentContacts(sender_key, entries)


def contacts_update(table: str, contacts: RecentContacts, event_id: str, at: datetime) -> dict[str, Any]:
    """The transaction item that adds a stored message to its sender's record and drops stale entries.

    Unconditional: it cannot cancel the message's transaction, whose marker already makes it once per event.
    """
    new = entry_for(event_id)
    names = {"#new": ENTRY_PREFIX + new}
    dropped = [name for name in contacts.stale(at) if name != new]
    names.update({f"#d{i}": ENTRY_PREFIX + name for i, name in enumerate(dropped)})
    expression = "SET #new = :at, expires_at = :expires"
    if dropped:
        expression += " REMOVE " + ", ".join(f"#d{i}" for i in range(len(dropped)))
    # the record is worth nothing once its newest entry leaves the window: TTL removes the idle sender's
    expires = int((at + REPEAT_WINDOW).timestamp())
    return {
        "Update": {
            "TableName": table,
            "Key": contacts_key(contacts.sender_key),
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":at": {"S": utc(at)}, ":expires": {"N": str(expires)}},
        }
    }
