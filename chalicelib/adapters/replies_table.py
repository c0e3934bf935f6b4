"""The reply outbox in the tickets table (DynamoDB).

Items:
  TICKET#<id> / REPLY#<reply id>  one reply (its JSON in ``doc``), written pending in the transaction that
                  stores its ticket or follow-up; ``due``/``due_at`` while it is pending, under its own
                  ByDue partition ("reply"), so the replies sweep finds what a lost queue message or a
                  crash left unsent, and the paging sweep never reads replies
  AUTOREPLY#<thread> / AUTOREPLY  the thread's last automatic reply (TTL): one per thread per window
  TICKET#<id> / TICKET           gains ``replied_at``/``replied_by`` when its first reply goes out
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.dynamo import conditional_put, conditional_update, due_items, get_item, query_all, utc
from chalicelib.adapters.reply_items import DUE_PARTITION, REPLY_PREFIX, reply_item, reply_key
from chalicelib.adapters.tickets_table import ticket_key
from chalicelib.replies.model import GRACE, Claim, Reply, ReplyState


class DynamoReplyOutbox:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def put(self, reply: Reply, retry_at: datetime) -> dict[str, Any]:
        """The conditional Put that records ``reply`` inside another transaction (a ticket's, a follow-up's)."""
        # a key that exists is the same reply recorded by an earlier delivery: never a second one
        item = reply_item(reply, retry_at)
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def record(self, reply: Reply, retry_at: datetime) -> bool:
        """Record a reply on its own (a person's); False when that key was recorded before (a double submit)."""
        return conditional_put(
            self._client, f"could not record reply {reply.reply_id}", **self.put(reply, retry_at)["Put"]
        )

    def get(self, reply_id: str) -> Reply | None:
        item = get_item(self._client, self._table, reply_key(reply_id))
        return None if item is None else _reply(item)

    def claim(self, reply_id: str, now: datetime, lease_until: datetime) -> Claim | None:
        """Take a pending reply for one attempt until ``lease_until``; None: sent, settled or leased elsewhere.

        The lease stops two deliveries of the same queue message sending at once; ``in_flight`` stays
        set until the attempt settles, so a claim that finds it set knows the last attempt was cut
        off mid-send (a crash or timeout) and may have reached the customer.
        """
        attributes = conditional_update(
            self._client,
            f"could not claim reply {reply_id}",
            TableName=self._table,
            Key=reply_key(reply_id),
            UpdateExpression="SET lease_until = :lease, in_flight = :now, due_at = :lease ADD attempts :one",
            # not_before: a provider's Retry-After holds for every queue message of the reply, not only the one
            # that was told to wait (triage queues one per delivery of the event)
            ConditionExpression="#state = :pending AND (attribute_not_exists(lease_until) OR lease_until <= :now) "
            "AND (attribute_not_exists(not_before) OR not_before <= :now)",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":pending": {"S": ReplyState.PENDING.value},
                ":now": {"S": utc(now)},
                ":lease": {"S": utc(lease_until)},
                ":one": {"N": "1"},
            },
            ReturnValues="ALL_OLD",
        )
        if attributes is None:
            return None
        reply, interrupted = _reply(attributes), "in_flight" in attributes
        if interrupted:  # rare: counted on its own attribute, so it survives every later attempt
            conditional_update(
                self._client,
                f"could not count a possible duplicate of reply {reply_id}",
                TableName=self._table,
                Key=reply_key(reply_id),
                UpdateExpression="ADD possible_duplicates :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        counted = reply.possible_duplicates + int(interrupted)
        return Claim(
            reply.model_copy(update={"attempts": reply.attempts + 1, "possible_duplicates": counted}), interrupted
        )

    def settle(
        self, reply: Reply, state: ReplyState, now: datetime, message_id: str | None = None, reason: str | None = None
    ) -> None:
        """The attempt's end: sent, failed for good, or skipped. The reply leaves the sweep's index."""
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
            ":doc": {"S": settled.model_dump_json()},
            ":pending": {"S": ReplyState.PENDING.value},
            ":now": {"S": utc(now)},
        }
        extra = ""
        if reason:
            extra += ", reason = :reason"
            values[":reason"] = {"S": reason}
        conditional_update(  # already settled (a duplicate delivery raced us): the first outcome stands
            self._client,
            f"could not settle reply {reply.reply_id}",
            TableName=self._table,
            Key=reply_key(reply.reply_id),
            UpdateExpression=f"SET #state = :state, doc = :doc, settled_at = :now{extra} "
            "REMOVE #due, due_at, lease_until, in_flight, not_before",
            ConditionExpression="#state = :pending",
            ExpressionAttributeNames={"#state": "state", "#due": "due"},
            ExpressionAttributeValues=values,
        )

    def release(self, reply_id: str, now: datetime, not_before: datetime, reason: str, uncertain: bool) -> None:
        """A transient failure: the reply stays pending, leased to nobody, claimable again from ``not_before``
        and due for the sweep a grace after it."""
        # an uncertain attempt (a timeout after sending) keeps in_flight, so the next claim counts it
        drop = "REMOVE lease_until" if uncertain else "REMOVE lease_until, in_flight"
        conditional_update(
            self._client,
            f"could not release reply {reply_id}",
            TableName=self._table,
            Key=reply_key(reply_id),
            UpdateExpression=f"SET last_error = :reason, last_error_at = :now, not_before = :after, due_at = :retry {drop}",
            ConditionExpression="#state = :pending",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":reason": {"S": reason[:500]},
                ":now": {"S": utc(now)},
                ":after": {"S": utc(not_before)},
                ":retry": {"S": utc(not_before + GRACE)},
                ":pending": {"S": ReplyState.PENDING.value},
            },
        )

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        """Ids of pending replies whose retry time has passed, oldest first (one Query on ByDue)."""
        items = due_items(self._client, self._table, DUE_PARTITION, now, limit, "replies")
        return [str(i["sk"]["S"]).removeprefix(REPLY_PREFIX) for i in items]

    def snooze(self, reply_id: str, now: datetime, until: datetime) -> bool:
        """Move a due pending reply's retry time on; False when it is not due (another sweep took it, or it settled)."""
        attributes = conditional_update(
            self._client,
            f"could not reschedule reply {reply_id}",
            TableName=self._table,
            Key=reply_key(reply_id),
            UpdateExpression="SET due_at = :until",
            ConditionExpression="#state = :pending AND due_at <= :now",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={
                ":until": {"S": utc(until)},
                ":now": {"S": utc(now)},
                ":pending": {"S": ReplyState.PENDING.value},
            },
            ReturnValues="UPDATED_NEW",
        )
        return attributes is not None

    def for_ticket(self, ticket_id: str) -> list[Reply]:
        """Every reply recorded on a ticket, in key order."""
        items = query_all(
            self._client,
            f"could not read the replies of {ticket_id}",
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :reply)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":reply": {"S": REPLY_PREFIX}},
        )
        return sorted((_reply(item) for item in items), key=lambda r: r.created_at)

    def claim_thread(self, thread_key: str, reply_id: str, now: datetime, window: timedelta) -> bool:
        """Take the thread's one automatic reply for ``window``; False: another reply had it within the window.

        The same reply claims again freely: its retry after a provider's 429 is still the thread's one reply.
        """
        until = now + window
        item = {
            "pk": {"S": f"AUTOREPLY#{thread_key}"},
            "sk": {"S": "AUTOREPLY"},
            "reply_id": {"S": reply_id},
            "until": {"S": utc(until)},
            "expires_at": {"N": str(int(until.timestamp()))},  # TTL tidies; the condition decides
        }
        return conditional_put(
            self._client,
            "could not claim the thread's automatic reply",
            TableName=self._table,
            Item=item,
            ConditionExpression="attribute_not_exists(pk) OR #until <= :now OR reply_id = :me",
            ExpressionAttributeNames={"#until": "until"},
            ExpressionAttributeValues={":now": {"S": utc(now)}, ":me": {"S": reply_id}},
        )

    def mark_replied(self, ticket_id: str, now: datetime, by: str) -> None:
        """The ticket's first reply went out (the tickets table's REPLIED column; later replies keep the first)."""
        conditional_update(
            self._client,
            f"could not mark {ticket_id} replied",
            TableName=self._table,
            Key=ticket_key(ticket_id),
            UpdateExpression="SET replied_at = if_not_exists(replied_at, :now), replied_by = if_not_exists(replied_by, :by)",
            ConditionExpression="attribute_exists(pk)",  # never create a stub ticket from a stray update
            ExpressionAttributeValues={":now": {"S": utc(now)}, ":by": {"S": by}},
        )


def _reply(item: dict[str, Any]) -> Reply:
    reply = Reply.model_validate_json(item["doc"]["S"])
    # the attributes, not the snapshot, are the truth for what changes after the write
    return reply.model_copy(
        update={
            "state": ReplyState(item["state"]["S"]),
            "attempts": int(item["attempts"]["N"]),
            "possible_duplicates": int(item.get("possible_duplicates", {}).get("N", "0")),
        }
    )


#: a reply item (TICKET#<id> / REPLY#<id>) as a Reply, for a reader of the whole ticket partition (ticket_page.py)
reply_from_item = _reply
