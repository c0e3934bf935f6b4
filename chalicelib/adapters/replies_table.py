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

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.dynamo import (
    conditional_put,
    conditional_update,
    due_items,
    get_item,
    get_items,
    query_all,
    utc,
)
from chalicelib.adapters.pages_table import entry_item
from chalicelib.adapters.reply_items import DUE_PARTITION, REPLY_PREFIX, reply_item, reply_key
from chalicelib.adapters.tickets_table import ticket_key
from chalicelib.errors import DependencyError
from chalicelib.model.timeline import Entry
from chalicelib.observability import logger
from chalicelib.replies.model import GRACE, Claim, Reply, ReplyState, Snapshot, ThreadBusy, ThreadHold

#: DynamoDB's code for an item whose condition failed (a cancelled transaction's reason, per item)
CONDITION_FAILED = "ConditionalCheckFailed"
#: claims tried when the reply changed between its read and its claim (each try learns what it is now)
CLAIM_TRIES = 3


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

    def read(self, reply_ids: Sequence[str]) -> dict[str, Snapshot]:
        """The replies named, as they are now, in one consistent BatchGetItem; an id not recorded is absent."""
        keys = [reply_key(reply_id) for reply_id in dict.fromkeys(reply_ids)]
        items = get_items(self._client, self._table, keys) if keys else []
        return {str(i["sk"]["S"]).removeprefix(REPLY_PREFIX): _snapshot(i) for i in items}

    def claim(
        self, snapshot: Snapshot, now: datetime, lease_until: datetime, thread: ThreadHold | None = None
    ) -> Claim | ThreadBusy | None:
        """Take a pending reply for one attempt until ``lease_until``, and ``thread``'s automatic reply with it,
        in one request (a TransactWriteItems when there is a thread to take); None: sent, settled or leased
        elsewhere; ThreadBusy: another reply had the thread within its window, and nothing was written.

        The lease stops two deliveries of the same queue message sending at once; ``in_flight`` stays
        set until the attempt settles, so a claim that finds it set knows the last attempt was cut
        off mid-send (a crash or timeout) and may have reached the customer, and counts it.
        """
        for _ in range(CLAIM_TRIES):
            items = [{"Update": self._claim(snapshot, now, lease_until)}]
            if thread is not None:
                items.append({"Put": self._thread(thread, snapshot.reply.reply_id, now)})
            refused = self._write(items, f"could not claim reply {snapshot.reply.reply_id}")
            if not refused:
                reply, interrupted = snapshot.reply, snapshot.in_flight
                counted = reply.possible_duplicates + int(interrupted)
                claimed = reply.model_copy(update={"attempts": reply.attempts + 1, "possible_duplicates": counted})
                return Claim(claimed, interrupted)
            code, now_item = refused[0]
            if code == CONDITION_FAILED:
                # the reply changed since it was read (a redelivery's attempt came and went): claim it as it
                # is now if it is still claimable; otherwise someone else has it, or it is settled
                fresh = None if now_item is None else _snapshot(now_item)
                if fresh is None or not fresh.claimable(now):
                    return None
                snapshot = fresh
                continue
            return ThreadBusy(snapshot.reply)  # the reply's condition held: the thread's failed
        return None

    def _claim(self, snapshot: Snapshot, now: datetime, lease_until: datetime) -> dict[str, Any]:
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
            "TableName": self._table,
            "Key": reply_key(snapshot.reply.reply_id),
            "UpdateExpression": update,
            "ConditionExpression": " AND ".join(condition),
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def _thread(self, thread: ThreadHold, reply_id: str, now: datetime) -> dict[str, Any]:
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
            "TableName": self._table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk) OR #until <= :now OR reply_id = :me",
            "ExpressionAttributeNames": {"#until": "until"},
            "ExpressionAttributeValues": {":now": {"S": utc(now)}, ":me": {"S": reply_id}},
        }

    def settle(
        self,
        reply: Reply,
        state: ReplyState,
        now: datetime,
        message_id: str | None = None,
        reason: str | None = None,
        *,
        entry: Entry | None = None,
        replied_by: str | None = None,
        claimed: bool = True,
    ) -> bool:
        """The attempt's end: sent, failed for good, or skipped; False when it was settled before (a duplicate
        delivery raced us: the first outcome stands, and nothing here is written).

        The reply leaves the sweep's index; with it, in one TransactWriteItems, ``entry`` goes on the ticket's
        timeline and ``replied_by`` marks the ticket replied (its first reply's time and author stay).
        ``claimed``: False settles a reply nobody holds (skipped before any attempt), and only if nobody does.
        """
        items = [{"Update": self._settle(reply, state, now, message_id, reason, claimed)}]
        if replied_by is not None:
            items.append({"Update": self._replied(reply.ticket_id, now, replied_by)})
        if entry is not None:
            items.append({"Put": {"TableName": self._table, "Item": entry_item(reply.ticket_id, entry)}})
        failure = f"could not settle reply {reply.reply_id}"
        try:
            refused = self._write(items, failure)
            if refused and refused[0][0] != CONDITION_FAILED and replied_by is not None:
                # the ticket is gone (its condition failed, never the reply's): settle without the mark
                del items[1]
                refused = self._write(items, failure)
        except DependencyError as exc:
            if len(items) == 1:
                raise
            # a transaction conflict (triage writing the same ticket) or a fault: settle the reply on its
            # own first (a sent reply must not stay claimable and go twice), then the rest, as before
            logger.warning("reply settled in separate writes", extra={"reply_id": reply.reply_id, "error": str(exc)})
            return self._settle_apart(items, failure)
        return not refused

    def _settle_apart(self, items: list[dict[str, Any]], failure: str) -> bool:
        if self._write(items[:1], failure):
            return False
        for item in items[1:]:
            try:
                self._write([item], failure)
            except DependencyError:  # the reply's own record says what happened; these lines are conveniences
                logger.warning("reply settled; its ticket mark or timeline entry was not written")
        return True

    def _settle(
        self, reply: Reply, state: ReplyState, now: datetime, message_id: str | None, reason: str | None, claimed: bool
    ) -> dict[str, Any]:
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
        condition = "#state = :pending"  # already settled (a duplicate delivery raced us): the first outcome stands
        if not claimed:  # nobody may be sending it while it is settled unsent
            condition += " AND (attribute_not_exists(lease_until) OR lease_until <= :now)"
        return {
            "TableName": self._table,
            "Key": reply_key(reply.reply_id),
            "UpdateExpression": f"SET #state = :state, doc = :doc, settled_at = :now{extra} "
            "REMOVE #due, due_at, lease_until, in_flight, not_before",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#state": "state", "#due": "due"},
            "ExpressionAttributeValues": values,
        }

    def _replied(self, ticket_id: str, now: datetime, by: str) -> dict[str, Any]:
        """The ticket's first reply went out (the tickets table's REPLIED column; later replies keep the first):
        two attributes, never the whole ticket."""
        return {
            "TableName": self._table,
            "Key": ticket_key(ticket_id),
            "UpdateExpression": "SET replied_at = if_not_exists(replied_at, :now), "
            "replied_by = if_not_exists(replied_by, :by)",
            "ConditionExpression": "attribute_exists(pk)",  # never create a stub ticket from a stray update
            "ExpressionAttributeValues": {":now": {"S": utc(now)}, ":by": {"S": by}},
        }

    def _write(self, items: list[dict[str, Any]], failure: str) -> list[tuple[str, dict[str, Any] | None]]:
        """One item's write, or several in one TransactWriteItems (a lone item is not worth a transaction's
        double units); [] when written, else each item's code ("None": not the cause) and, where its
        condition failed, the item as it is. Any other cancellation is a DependencyError saying ``failure``."""
        try:
            if len(items) > 1:
                self._client.transact_write_items(TransactItems=items)
            else:
                ((kind, request),) = items[0].items()
                (self._client.update_item if kind == "Update" else self._client.put_item)(**request)
        except ClientError as exc:
            error = exc.response.get("Error", {}).get("Code")
            if error == "ConditionalCheckFailedException":
                return [(CONDITION_FAILED, exc.response.get("Item"))]
            reasons = [(r.get("Code") or "None", r.get("Item")) for r in exc.response.get("CancellationReasons") or []]
            if reasons and all(code in ("None", CONDITION_FAILED) for code, _ in reasons):
                return reasons
            raise DependencyError(f"{failure}: {exc}") from exc
        except BotoCoreError as exc:
            raise DependencyError(f"{failure}: {exc}") from exc
        return []

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


def _snapshot(item: dict[str, Any]) -> Snapshot:
    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]["S"]) if name in item else None

    return Snapshot(
        _reply(item),
        in_flight="in_flight" in item,
        lease_until=moment("lease_until"),
        not_before=moment("not_before"),
        due_at=moment("due_at"),
    )


#: a reply item (TICKET#<id> / REPLY#<id>) as a Reply, for a reader of the whole ticket partition (ticket_page.py)
reply_from_item = _reply
