"""The pages' notification outbox in the tickets table: NOTE#<page>#<step>#<topic> / NOTE items.

A notification is written pending, with ``due``/``due_at`` (the end of its grace), in the same
transaction as the page step that owes it (DynamoPageRepository.save). While pending it is in the
sparse ByDue index, so the sweep's one Query finds it beside due pages, digests and SLA timers;
marking it sent removes ``due``, and it leaves the index. The item keeps the outcome until TTL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.dynamo import conditional_update, utc
from chalicelib.errors import DependencyError
from chalicelib.model.page import Notification

#: the ByDue index's one partition: every due item shares it (a sweep reads one sorted range)
DUE_PARTITION = "page"


def note_key(key: str) -> dict[str, Any]:
    return {"pk": {"S": key}, "sk": {"S": "NOTE"}}


def note_item(note: Notification, due_at: datetime, expires_at: int) -> dict[str, Any]:
    """A pending notification, due for a retry at ``due_at`` unless it is marked sent first."""
    return {
        **note_key(note.key),
        "due": {"S": DUE_PARTITION},
        "due_at": {"S": utc(due_at)},
        "doc": {"S": note.model_dump_json()},
        "attempts": {"N": str(note.attempts)},
        "expires_at": {"N": str(expires_at)},
    }


class NoteItems:
    """Mixed into the page repository, which owns the client and table."""

    _client: Any
    _table: str

    def retry(self, key: str, now: datetime, next_at: datetime) -> Notification | None:
        """Take a pending notification for one more attempt; it stays due at ``next_at`` in case this one fails too.

        None: it was sent or settled meanwhile, or another sweep took this attempt (its due time moved on).
        """
        item = conditional_update(
            self._client,
            f"could not retry {key}",
            TableName=self._table,
            Key=note_key(key),
            UpdateExpression="SET due_at = :next ADD attempts :one",
            # only while still pending and due: of two sweeps reading the same due list, one wins
            ConditionExpression="attribute_exists(#due) AND due_at <= :now",
            ExpressionAttributeNames={"#due": "due"},
            ExpressionAttributeValues={":next": {"S": utc(next_at)}, ":now": {"S": utc(now)}, ":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )
        if item is None:
            return None
        note = Notification.model_validate_json(item["doc"]["S"])
        return note.model_copy(update={"attempts": int(item["attempts"]["N"])})

    def settle(self, key: str, now: datetime, outcome: str) -> None:
        """A notification is done ("sent", or given up, or no longer wanted): it leaves the ByDue index."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=note_key(key),
                UpdateExpression="SET outcome = :outcome, settled_at = :now REMOVE #due",
                ExpressionAttributeNames={"#due": "due"},
                ExpressionAttributeValues={":outcome": {"S": outcome}, ":now": {"S": utc(now)}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not mark {key} {outcome}: {exc}") from exc
