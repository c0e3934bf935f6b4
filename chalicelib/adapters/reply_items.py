"""How a reply is stored in the tickets table: shared by the outbox and the ticket writes that record one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo import utc
from chalicelib.replies.model import Reply, ReplyState

#: the ByDue partition of pending replies: the paging sweep reads its own partition, never this one
DUE_PARTITION = "reply"
REPLY_PREFIX = "REPLY#"


def reply_key(reply_id: str) -> dict[str, Any]:
    """Under its ticket, so a ticket's replies are one Query away (reply ids start with the ticket id)."""
    ticket_id = reply_id.split(".", 1)[0]
    return {"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": f"{REPLY_PREFIX}{reply_id}"}}


def reply_item(reply: Reply, retry_at: datetime) -> dict[str, Any]:
    """The item a reply is recorded as; a pending one is due for the sweep at ``retry_at``."""
    item: dict[str, Any] = {
        **reply_key(reply.reply_id),
        "ticket_id": {"S": reply.ticket_id},
        "state": {"S": reply.state.value},
        "attempts": {"N": str(reply.attempts)},
        "created_at": {"S": utc(reply.created_at)},
        "doc": {"S": reply.model_dump_json()},
    }
    if reply.state is ReplyState.PENDING:
        item |= {"due": {"S": DUE_PARTITION}, "due_at": {"S": utc(retry_at)}}
    if reply.reason:
        item["reason"] = {"S": reply.reason}
    return item
