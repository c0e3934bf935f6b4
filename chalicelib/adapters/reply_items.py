"""How a reply is stored in the tickets table, and the writes of an attempt: shared by the outbox and the ticket
writes that record one."""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo import utc
from chalicelib.model.timeline import Entry
from chalicelib.replies.model import Reply, ReplyState, Snapshot, ThreadHold

#: the ByDue partition of pending replies: the paging sweep reads its own partition, never this one
DUE_PARTITION = "reply"
REPLY_PREFIX = "REPLY#"


def reply_key(reply_id: str) -> dict[str, Any]:
    """Under its ticket, so a ticket's replies are one Query away (reply ids start with the ticket id)."""
    ticket_id = reply_id.split(".", 1)[0]
    return {"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": f"{REPLY_PREFIX}{reply_id}"}}


def reply_body(reply: Reply) -> dict[str, Any]:
    """The reply's JSON, zlib-compressed (binary ``body``): a reply item was about 1.2 KB with the JSON as text
    (2 write units, 4 in the ticket's transaction), and is well under 1 KB compressed. Items written before
    hold the JSON in ``doc``; ``reply_json`` reads both."""
    return {"B": zlib.compress(reply.model_dump_json().encode())}


def reply_json(item: dict[str, Any]) -> str:
    """The reply's JSON from its item, compressed (``body``) or as written before (``doc``)."""
    if "body" in item:
        return zlib.decompress(item["body"]["B"]).decode()
    return str(item["doc"]["S"])


def reply_item(reply: Reply, retry_at: datetime) -> dict[str, Any]:
    """The item a reply is recorded as; a pending one is due for the sweep at ``retry_at``."""
    item: dict[str, Any] = {
        **reply_key(reply.reply_id),
        "ticket_id": {"S": reply.ticket_id},
        "state": {"S": reply.state.value},
        "attempts": {"N": str(reply.attempts)},
        "created_at": {"S": utc(reply.created_at)},
        "body": reply_body(reply),
    }
    if reply.state is ReplyState.PENDING:
        item |= {"due": {"S": DUE_PARTITION}, "due_at": {"S": utc(retry_at)}}
    if reply.reason:
        item["reason"] = {"S": reply.reason}
    return item


def claim_update(table: str, snapshot: Snapshot, now: datetime, lease_until: datetime) -> dict[str, Any]:
    """The claim of one attempt on a reply read as ``snapshot``: its condition holds only if it still is."""
    sets = ["lease_until = :lease", "in_flight = :now", "attempts = :next"]
    # not_before: a provider's Retry-After holds for every queue message of the reply, not only the one
    # that was told to wait (triage queues one per delivery); attempts and in_flight as read: the
    # claim's answer (the attempt number, a possible duplicate) is the item's, not a stale read's
    condition = [
        "#state = :pending",
        "(attribute_not_exists(lease_until) OR lease_until <= :now)",
        "(attribute_not_exists(not_before) OR not_before <= :now)",
        "attempts = :seen",
        "attribute_exists(in_flight)" if snapshot.in_flight else "attribute_not_exists(in_flight)",
    ]
    values: dict[str, Any] = {
        ":pending": {"S": ReplyState.PENDING.value},
        ":now": {"S": utc(now)},
        ":lease": {"S": utc(lease_until)},
        ":seen": {"N": str(snapshot.reply.attempts)},
        ":next": {"N": str(snapshot.reply.attempts + 1)},
    }
    if snapshot.due_at is None or snapshot.due_at < lease_until:
        sets.append("due_at = :lease")  # the sweep leaves it alone while the lease lasts
    else:
        # already due after the lease (a first attempt, inside its grace): moving the sweep's index
        # entry would cost two index writes for nothing
        condition.append("due_at >= :lease")
    update = "SET " + ", ".join(sets)
    if snapshot.in_flight:  # rare: counted on its own attribute, so it survives every later attempt
        update += " ADD possible_duplicates :one"
        values[":one"] = {"N": "1"}
    return {
        "TableName": table,
        "Key": reply_key(snapshot.reply.reply_id),
        "UpdateExpression": update,
        "ConditionExpression": " AND ".join(condition),
        "ExpressionAttributeNames": {"#state": "state"},
        "ExpressionAttributeValues": values,
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }


def thread_put(table: str, thread: ThreadHold, reply_id: str, now: datetime) -> dict[str, Any]:
    """The thread's one automatic reply until ``thread.until``; the same reply takes it again freely (its
    retry after a provider's 429 is still the thread's one reply)."""
    item = {
        "pk": {"S": f"AUTOREPLY#{thread.thread_key}"},
        "sk": {"S": "AUTOREPLY"},
        "reply_id": {"S": reply_id},
        "until": {"S": utc(thread.until)},
        "expires_at": {"N": str(int(thread.until.timestamp()))},  # TTL tidies; the condition decides
    }
    return {
        "TableName": table,
        "Item": item,
        "ConditionExpression": "attribute_not_exists(pk) OR #until <= :now OR reply_id = :me",
        "ExpressionAttributeNames": {"#until": "until"},
        "ExpressionAttributeValues": {":now": {"S": utc(now)}, ":me": {"S": reply_id}},
    }


def settle_update(
    table: str,
    reply: Reply,
    state: ReplyState,
    now: datetime,
    message_id: str | None,
    reason: str | None,
    claimed: bool,
    entry: Entry | None = None,
) -> dict[str, Any]:
    """The attempt's end on the reply: it leaves the sweep's index, and its document says how it ended; ``entry``,
    the ticket's timeline line for it, is kept on the reply (``reply_entry`` reads it back for the timeline)."""
    settled = reply.model_copy(
        update={
            "state": state,
            "provider_message_id": message_id,
            "reason": reason,
            "sent_at": now if state is ReplyState.SENT else None,
        }
    )
    values: dict[str, Any] = {
        ":state": {"S": state.value},
        ":body": reply_body(settled),
        ":pending": {"S": ReplyState.PENDING.value},
        ":now": {"S": utc(now)},
    }
    extra = ""
    if entry is not None:
        # a line of the ticket's timeline on the reply it tells of: a LOG# item of its own was one more item
        # in the settle's transaction (2 write units); here it is about 150 bytes of the reply's item
        extra += ", #entry = :entry"
        values[":entry"] = {"S": entry.model_dump_json(exclude_none=True)}
    if reason:
        extra += ", reason = :reason"
        values[":reason"] = {"S": reason}
    condition = "#state = :pending"  # already settled (a duplicate delivery raced us): the first outcome stands
    if not claimed:  # nobody may be sending it while it is settled unsent
        condition += " AND (attribute_not_exists(lease_until) OR lease_until <= :now)"
    return {
        "TableName": table,
        "Key": reply_key(reply.reply_id),
        "UpdateExpression": f"SET #state = :state, body = :body, settled_at = :now{extra} "
        "REMOVE #due, due_at, lease_until, in_flight, not_before, doc",
        "ConditionExpression": condition,
        "ExpressionAttributeNames": {"#state": "state", "#due": "due"} | ({"#entry": "entry"} if entry else {}),
        "ExpressionAttributeValues": values,
    }


def reply_entry(item: dict[str, Any]) -> Entry | None:
    """The timeline line a settled reply item keeps (None: not settled, or settled before it was kept there, when
    the line is a LOG# item of its own)."""
    return Entry.model_validate_json(item["entry"]["S"]) if "entry" in item else None
