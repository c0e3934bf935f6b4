"""The tickets table (DynamoDB): tickets, a marker per follow-up's event id for dedup, thread pointers, senders'
recent contacts.

A new ticket is its own dedup record: its id is derived from its event's id (``ticket_id_for``), so the
conditional put of the ticket is what makes a redelivery or a provider's retry a no-op, and the ticket is
kept for good. A follow-up's ticket cannot be derived from its event (it is whatever its thread leads to),
so a follow-up still writes an ``EVENT#`` marker naming it. Tickets written before kept a marker too, which
``for_event`` still reads first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.contact_items import contacts_from, contacts_key, contacts_update
from chalicelib.adapters.dynamo import conditional_update, get_item, get_items, query_all, transact, utc
from chalicelib.adapters.pages_table import sla_attributes
from chalicelib.adapters.reply_items import reply_item
from chalicelib.adapters.ticket_document import document_attributes, ticket_from_document
from chalicelib.adapters.ticket_index import index_attributes
from chalicelib.errors import DependencyError
from chalicelib.model.contacts import RecentContacts
from chalicelib.model.ticket import Delivery, FollowUp, PageStatus, Ticket, ticket_id_for
from chalicelib.replies.model import GRACE, Reply
from chalicelib.services.ports import Write

#: a thread stays joinable this long after its ticket opened (a reply months later is a new conversation)
THREAD_TTL_SECONDS = 30 * 24 * 3600
#: our own ticket ids as a thread key: an email to support+T-…@ names its ticket outright
TICKET_THREAD_PREFIX = "ticket:"


def ticket_key(ticket_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": "TICKET"}}


def event_key(event_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}}


def thread_pointer_key(thread_key: str) -> dict[str, Any]:
    return {"pk": {"S": f"THREAD#{thread_key}"}, "sk": {"S": "THREAD"}}


def item_id(item: dict[str, Any]) -> tuple[str, str]:
    """An item's (or a key's) primary key as a tuple, to find items a BatchGetItem answered in no order."""
    return item["pk"]["S"], item["sk"]["S"]


def thread_keys(thread_key: str) -> list[dict[str, Any]]:
    """What ``thread_ticket`` reads: our ticket tag's ticket, else the thread's pointer and an event the key names."""
    if thread_key.startswith(TICKET_THREAD_PREFIX):
        return [ticket_key(thread_key.removeprefix(TICKET_THREAD_PREFIX))]
    return [thread_pointer_key(thread_key), event_key(thread_key)]


def thread_from(thread_key: str, found: dict[tuple[str, str], dict[str, Any]]) -> str | None:
    """The ticket id a thread key leads to, from the items ``thread_keys`` found: a pointer wins over an event."""
    if thread_key.startswith(TICKET_THREAD_PREFIX):
        ticket_id = thread_key.removeprefix(TICKET_THREAD_PREFIX)
        return ticket_id if item_id(ticket_key(ticket_id)) in found else None
    for key in thread_keys(thread_key):
        item = found.get(item_id(key))
        if item is not None:
            return str(item["ticket_id"]["S"])
    return None


def own_ticket_key(event_id: str) -> dict[str, Any]:
    """Where the ticket an event opened is, if it opened one: the record of a message that made a new ticket."""
    return ticket_key(ticket_id_for(event_id))


def delivery_keys(marker: dict[str, Any]) -> list[dict[str, Any]]:
    """What an event's marker points at: its ticket, and the follow-up when the event joined one."""
    ticket = ticket_key(marker["ticket_id"]["S"])
    return [ticket, {**ticket, "sk": marker["follow_up"]}] if "follow_up" in marker else [ticket]


def delivery_from(marker: dict[str, Any], found: dict[tuple[str, str], dict[str, Any]]) -> Delivery | None:
    """What an event produced, from its marker and the items ``delivery_keys`` found."""
    keys = delivery_keys(marker)
    item = found.get(item_id(keys[0]))
    if item is None:
        return None
    ticket = ticket_from_item(item)
    follow_item = found.get(item_id(keys[1])) if len(keys) > 1 else None
    if follow_item is None:
        return Delivery(ticket=ticket)
    follow_up = FollowUp.model_validate_json(follow_item["doc"]["S"])
    status = PageStatus(follow_item["page_status"]["S"])
    return Delivery(ticket=ticket, follow_up=follow_up.model_copy(update={"page_status": status}))


def _expiry(at: datetime, ttl_seconds: int | None) -> dict[str, Any]:
    # TTL: a marker has to outlive every request that could still verify; none (kept for good) for
    # providers that sign no timestamp, whose captured requests verify forever (services/triage.py)
    return {} if ttl_seconds is None else {"expires_at": {"N": str(int(at.timestamp()) + ttl_seconds)}}


def ticket_item(ticket: Ticket) -> dict[str, Any]:
    """The ticket's item as ``create`` writes it (the bench seeds tables with it too): each fact once, the
    document compressed (ticket_document.py); ``last_message_at`` is written once a follow-up joins."""
    decision = ticket.decision
    item = {
        **ticket_key(ticket.ticket_id),
        "ticket_id": {"S": ticket.ticket_id},
        "event_id": {"S": ticket.event.event_id},
        "channel": {"S": ticket.event.channel.value},
        "customer_id": {"S": ticket.customer.customer_id},
        "priority": {"S": decision.priority.value},
        "team": {"S": decision.team},
        "route": {"S": decision.route},
        "rules_version": {"S": decision.rules_version},
        "status": {"S": ticket.status},
        "page_status": {"S": ticket.page_status.value},
        "created_at": {"S": utc(ticket.created_at)},
        "messages": {"N": str(ticket.messages)},
        **document_attributes(ticket),
        **index_attributes(ticket),  # the console's lists (ByQueue, ByHistory)
    }
    if ticket.last_message_at is not None and ticket.last_message_at != ticket.created_at:
        item["last_message_at"] = {"S": utc(ticket.last_message_at)}
    return item


def ticket_from_item(item: dict[str, Any]) -> Ticket:
    """A ticket item as a Ticket, written now or the old way (the whole ticket as JSON in ``doc``)."""
    return ticket_from_document(item)


class DynamoTicketRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def create(
        self,
        ticket: Ticket,
        dedup_ttl_seconds: int | None,
        closed: str | None = None,
        reply: Reply | None = None,
        contacts: RecentContacts | None = None,
    ) -> Write:
        """Write the ticket in one transaction with its reply, first-response timer, thread, and its entry in the
        sender's recent contacts.

        The ticket's put is conditional on its key not existing, and its id is derived from the event id:
        that makes a provider's retry (same event id) a no-op, for good (``dedup_ttl_seconds`` is for a
        follow-up's marker; a ticket is kept), and the transaction is atomic, so a crash never leaves the
        ticket without the rest or the reverse. (It had a marker item of its own beside it: 2 write units
        a message for what the ticket's own condition says.)
        """
        item = ticket_item(ticket)
        if ticket.decision.sla_due is not None:
            # the first-response timer starts with the ticket, on it: no item of its own, and a ticket never lacks
            # its timer; the sweep finds the ticket on ByDue when the response is due (pages_table.sla_attributes)
            item |= sla_attributes(ticket.decision.sla_due)
        not_exists = "attribute_not_exists(pk)"
        items = [{"Put": {"TableName": self._table, "Item": item, "ConditionExpression": not_exists}}]
        if reply is not None:
            items.append(self._reply_put(reply))
        if contacts is not None:
            items.append(contacts_update(self._table, contacts, ticket.event.event_id, ticket.created_at))
        thread = ticket.event.thread_key
        if thread and not thread.startswith(TICKET_THREAD_PREFIX):
            pointer = {
                **thread_pointer_key(thread),
                "ticket_id": {"S": ticket.ticket_id},
                "expires_at": {"N": str(int(ticket.created_at.timestamp()) + THREAD_TTL_SECONDS)},
            }
            # a live pointer means another ticket holds the thread: the caller joins it instead,
            # unless it is the ticket the caller found closed (the pointer is then taken over)
            live = "attribute_not_exists(pk) OR expires_at < :now OR ticket_id = :closed"
            now = {":now": {"N": str(int(ticket.created_at.timestamp()))}, ":closed": {"S": closed or "-"}}
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": pointer,
                        "ConditionExpression": live,
                        "ExpressionAttributeValues": now,
                    }
                }
            )
        return self._transact(items, f"could not store ticket {ticket.ticket_id}", dedup=1)

    def thread_ticket(self, thread_key: str) -> str | None:
        """Our ticket tag, else the thread's pointer, else an event the key names (a call's voicemail)."""
        # one request for the pointer and the event (a new thread, most messages, misses both)
        return thread_from(thread_key, self._read(thread_keys(thread_key)))

    def recent_contacts(self, sender_key: str) -> RecentContacts:
        return contacts_from(sender_key, self._get(contacts_key(sender_key)))

    def append(
        self,
        follow_up: FollowUp,
        dedup_ttl_seconds: int | None,
        reply: Reply | None = None,
        contacts: RecentContacts | None = None,
    ) -> Write:
        """The marker, the follow-up and the ticket's counters in one transaction, only while it is open (with
        the follow-up's reply and its entry in the sender's recent contacts: a follow-up counts as repeat contact)."""
        at = follow_up.received_at
        message = {
            **ticket_key(follow_up.ticket_id),
            "sk": {"S": follow_up.key},
            "event_id": {"S": follow_up.event.event_id},
            "page_status": {"S": follow_up.page_status.value},
            "created_at": {"S": utc(at)},
            "doc": {"S": follow_up.model_dump_json()},
        }
        marker = {
            **event_key(follow_up.event.event_id),
            "ticket_id": {"S": follow_up.ticket_id},
            "follow_up": {"S": follow_up.key},
            **_expiry(at, dedup_ttl_seconds),
        }
        not_exists = "attribute_not_exists(pk)"
        replies = [self._reply_put(reply)] if reply is not None else []
        if contacts is not None:
            replies.append(contacts_update(self._table, contacts, follow_up.event.event_id, at))
        return self._transact(
            [
                {"Put": {"TableName": self._table, "Item": marker, "ConditionExpression": not_exists}},
                {"Put": {"TableName": self._table, "Item": message, "ConditionExpression": not_exists}},
                *replies,
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": ticket_key(follow_up.ticket_id),
                        # a ticket an incident's resolution closed reopens when its customer writes again
                        # (theirs only: the incident's other tickets stay closed)
                        "UpdateExpression": "ADD messages :one SET last_message_at = :at, #status = :open, "
                        "#queue = :open REMOVE reopen_on_reply",
                        "ConditionExpression": "attribute_exists(pk) AND (#status = :open OR "
                        "attribute_exists(reopen_on_reply))",
                        "ExpressionAttributeNames": {"#status": "status", "#queue": "queue"},
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":at": {"S": utc(at)},
                            ":open": {"S": "open"},
                        },
                    }
                },
            ],
            f"could not add {follow_up.event.event_id} to {follow_up.ticket_id}",
            dedup=2,
        )

    def _reply_put(self, reply: Reply) -> dict[str, Any]:
        # its key is derived from the event id, so it exists only if the marker does: it fails with the
        # marker (DUPLICATE), never on its own; a pending reply is due for the sweep after its grace
        item = reply_item(reply, reply.created_at + GRACE)
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def _transact(self, items: list[dict[str, Any]], failure: str, dedup: int) -> Write:
        """One transaction whose first ``dedup`` items say whether the event was stored: the new ticket, or a
        follow-up's marker and message.

        Their conditions failing means the event was stored before (DUPLICATE); any later
        item's (a thread pointer, a ticket that must be open) means CONFLICT.
        """
        failed = transact(self._client, items, failure)
        if any(failed[:dedup]):
            return Write.DUPLICATE
        return Write.CONFLICT if failed else Write.STORED

    def for_event(self, event_id: str) -> Delivery | None:
        """What the event stored: the follow-up its marker names (or, written before, the ticket), else the ticket
        it opened (one request for both)."""
        found = self._read([event_key(event_id), own_ticket_key(event_id)])
        marker = found.get(item_id(event_key(event_id)))
        if marker is None:
            own = found.get(item_id(own_ticket_key(event_id)))
            return None if own is None else Delivery(ticket=ticket_from_item(own))
        keys = delivery_keys(marker)
        if len(keys) > 1:  # a follow-up's ticket and message in one request
            return delivery_from(marker, self._read(keys))
        item = self._get(keys[0])
        return delivery_from(marker, {item_id(item): item} if item is not None else {})

    def get(self, ticket_id: str) -> Ticket | None:
        item = self._get(ticket_key(ticket_id))
        return None if item is None else ticket_from_item(item)

    def messages(self, ticket_id: str) -> list[FollowUp]:
        """The follow-ups that joined the ticket's thread, in arrival order (their keys sort by arrival)."""
        items = query_all(
            self._client,
            f"could not read the messages of {ticket_id}",
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":msg": {"S": "MSG#"}},
        )
        return [FollowUp.model_validate_json(i["doc"]["S"]) for i in items]

    def mark_paged(self, ticket_id: str, follow_up_key: str | None = None) -> None:
        key = ticket_key(ticket_id) if follow_up_key is None else {**ticket_key(ticket_id), "sk": {"S": follow_up_key}}
        try:
            self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression="SET page_status = :sent",
                ExpressionAttributeValues={":sent": {"S": PageStatus.SENT.value}},
                # only an existing ticket; never create a stub item from a stray update
                ConditionExpression="attribute_exists(pk)",
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not mark ticket {ticket_id} paged: {exc}") from exc

    def close(self, ticket_id: str, at: datetime, by: str) -> bool:
        """Resolve an open ticket for its incident; False when it was not open. Its customer writing again
        reopens it (``append``), so an answer to the final update lands on the same ticket."""
        closed = conditional_update(
            self._client,
            f"could not close ticket {ticket_id}",
            TableName=self._table,
            Key=ticket_key(ticket_id),
            UpdateExpression="SET #status = :resolved, #queue = :resolved, resolved_at = :at, resolved_by = :by, "
            "reopen_on_reply = :yes",
            ConditionExpression="attribute_exists(pk) AND #status = :open",
            ExpressionAttributeNames={"#status": "status", "#queue": "queue"},
            ExpressionAttributeValues={
                ":resolved": {"S": "resolved"},
                ":open": {"S": "open"},
                ":at": {"S": utc(at)},
                ":by": {"S": by},
                ":yes": {"BOOL": True},
            },
        )
        return closed is not None

    def resolve(self, ticket_id: str, at: datetime, by: str) -> bool:
        """A person resolves an open ticket; False when it was not open (or is not there).

        Unlike an incident's ``close`` it does not reopen on the customer's next message: a person decided
        the conversation is over, so a new message opens a new ticket that takes the thread over.
        """
        return self._move(ticket_id, "open", "resolved", at, by)

    def reopen(self, ticket_id: str, at: datetime, by: str) -> bool:
        """A person reopens a resolved ticket (an incident's too); False when it was not resolved."""
        return self._move(ticket_id, "resolved", "open", at, by)

    def _move(self, ticket_id: str, was: str, to: str, at: datetime, by: str) -> bool:
        # status and the ByQueue key change in the same write: the lists never show the old status; a
        # person's move also ends an incident's "reopen on the customer's reply"
        verb, stamp = ("resolve", "resolved") if to == "resolved" else ("reopen", "reopened")
        moved = conditional_update(
            self._client,
            f"could not {verb} ticket {ticket_id}",
            TableName=self._table,
            Key=ticket_key(ticket_id),
            UpdateExpression=f"SET #status = :to, #queue = :to, {stamp}_at = :at, {stamp}_by = :by "
            "REMOVE reopen_on_reply",
            ConditionExpression="attribute_exists(pk) AND #status = :was",
            ExpressionAttributeNames={"#status": "status", "#queue": "queue"},
            ExpressionAttributeValues={":to": {"S": to}, ":was": {"S": was}, ":at": {"S": utc(at)}, ":by": {"S": by}},
        )
        return moved is not None

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        return get_item(self._client, self._table, key)

    def _read(self, keys: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {item_id(item): item for item in get_items(self._client, self._table, keys)}
