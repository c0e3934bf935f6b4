"""The reply outbox in the tickets table (DynamoDB).

Items:
  TICKET#<id> / REPLY#<reply id>  one reply (its JSON zlib-compressed in ``body``; written before, in ``doc``),
                  written pending in the transaction that stores its ticket or follow-up; ``due``/``due_at``
                  while it is pending, under its own ByDue partition ("reply"), so the replies sweep finds
                  what a lost queue message or a crash left unsent, and the paging sweep never reads replies
  AUTOREPLY#<thread> / AUTOREPLY  the thread's last automatic reply (TTL): one per thread per window
  TICKET#<id> / TICKET           gains ``replied_at``/``replied_by`` when its first reply goes out

A settled reply keeps its line of the ticket's timeline (``entry``); replies settled before wrote it as a
LOG# item, which the timeline still reads.

A batch's replies are read first, in one BatchGetItem, for what to write; an attempt is then its claim
(and the thread's, for an automatic reply) before sending and its settle (then the ticket's mark and the
timeline entry) after: with ``transact`` (the default) one TransactWriteItems each, a settle riding in the
next claim's (see __init__), or separate writes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
from chalicelib.adapters.reply_items import (
    DUE_PARTITION,
    REPLY_PREFIX,
    claim_update,
    reply_entry,
    reply_item,
    reply_json,
    reply_key,
    settle_update,
    thread_put,
)
from chalicelib.adapters.tickets_table import ticket_key
from chalicelib.errors import DependencyError
from chalicelib.model.timeline import Entry
from chalicelib.observability import logger
from chalicelib.replies.model import GRACE, Claim, Reply, ReplyState, Snapshot, ThreadBusy, ThreadHold

#: DynamoDB's code for an item whose condition failed (a cancelled transaction's reason, per item)
CONDITION_FAILED = "ConditionalCheckFailed"
#: claims tried when the reply changed between its read and its claim (each try learns what it is now)
CLAIM_TRIES = 3


@dataclass(frozen=True)
class _Settle:
    """A claimed reply's settle held for the next claim's transaction (``batch``)."""

    items: list[dict[str, Any]]
    failure: str
    marks: bool  # its second item is the ticket's "replied" mark


class DynamoReplyOutbox:
    def __init__(self, client: Any, table: str, transact: bool = True) -> None:
        self._client = client
        self._table = table
        # transact: the claim with the thread's, and the settle with the ticket's mark and the timeline entry,
        # each in one TransactWriteItems; inside ``batch()`` a settle rides in the next claim's transaction, so
        # a batch of k automatic replies is k + 1 requests (5k as separate writes). A transaction bills each
        # item twice: with the reply item under 1 KB, what the separate writes cost (#16, README's figures).
        # Off: each write on its own (the tests compare both).
        self._transact = transact
        self._local = threading.local()  # the settle held for the next claim: per consumer thread (local platform)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """A batch of deliveries: each claimed reply's settle is written with the next claim (one request for both),
        the last one when the block ends. The settle is still the first write after the send, so a crash between
        them is no likelier than before; nothing else is written while one is held."""
        self._local.pairing = self._transact
        try:
            yield
        finally:
            self._local.pairing = False
            self.flush()

    def _held(self) -> _Settle | None:
        held: _Settle | None = getattr(self._local, "held", None)
        self._local.held = None
        return held

    def flush(self) -> None:
        """Write a held settle now, on its own: before any other request (the service's too, such as an opt-out
        read) and at the end of the batch."""
        held = self._held()
        if held is not None:
            self._commit(held)

    def put(self, reply: Reply, retry_at: datetime) -> dict[str, Any]:
        """The conditional Put that records ``reply`` inside another transaction (a ticket's, a follow-up's)."""
        # a key that exists is the same reply recorded by an earlier delivery: never a second one
        item = reply_item(reply, retry_at)
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def record(self, reply: Reply, retry_at: datetime) -> bool:
        """Record a reply on its own (a person's); False when that key was recorded before (a double submit)."""
        self.flush()
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
        """Take a pending reply for one attempt until ``lease_until``, and ``thread``'s automatic reply with it
        (in one TransactWriteItems when transacting); None: sent, settled or leased elsewhere; ThreadBusy:
        another reply had the thread within its window (its ``claimed`` says whether the reply was taken).

        The lease stops two deliveries of the same queue message sending at once; ``in_flight`` stays
        set until the attempt settles, so a claim that finds it set knows the last attempt was cut
        off mid-send (a crash or timeout) and may have reached the customer, and counts it.
        """
        failure = f"could not claim reply {snapshot.reply.reply_id}"
        for _ in range(CLAIM_TRIES):
            items = [{"Update": claim_update(self._table, snapshot, now, lease_until)}]
            taken = None if thread is None else {"Put": thread_put(self._table, thread, snapshot.reply.reply_id, now)}
            if taken is not None and self._transact:
                items.append(taken)
            refused = self._claim_with_held(items, failure)
            code, now_item = refused[0] if refused else ("None", None)
            if code == CONDITION_FAILED:
                # the reply changed since it was read (a redelivery's attempt came and went): claim it as it
                # is now if it is still claimable; otherwise someone else has it, or it is settled
                fresh = None if now_item is None else _snapshot(now_item)
                if fresh is None or not fresh.claimable(now):
                    return None
                snapshot = fresh
                continue
            if refused:  # the reply's condition held, the thread's failed: the transaction wrote nothing
                return ThreadBusy(snapshot.reply)
            reply, interrupted = snapshot.reply, snapshot.in_flight
            counted = reply.possible_duplicates + int(interrupted)
            claimed = reply.model_copy(update={"attempts": reply.attempts + 1, "possible_duplicates": counted})
            if taken is not None and not self._transact and self._write([taken], failure):
                return ThreadBusy(claimed, claimed=True)
            return Claim(claimed, interrupted)
        return None

    def _claim_with_held(self, items: list[dict[str, Any]], failure: str) -> list[tuple[str, dict[str, Any] | None]]:
        """The claim's write, the held settle first in its transaction; if that transaction does not go through
        (a condition, a conflict with triage on the ticket), the settle is written alone and the claim after."""
        held = self._held()
        if held is None:
            return self._write(items, failure)
        try:
            refused = self._write([*held.items, *items], failure)
        except DependencyError:
            refused = [("None", None)]
        if not refused:
            return []
        self._commit(held)
        if len(refused) == len(held.items) + len(items) and all(
            code == "None" for code, _ in refused[: len(held.items)]
        ):
            return refused[len(held.items) :]  # the claim's own conditions refused it: what they found stands
        return self._write(items, failure)

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

        The reply leaves the sweep's index; then (with it, in one TransactWriteItems, when transacting)
        ``entry`` goes on the ticket's timeline and ``replied_by`` marks the ticket replied (its first reply's
        time and author stay). ``claimed``: False settles a reply nobody holds (skipped before any attempt),
        and only if nobody does.
        """
        items = [{"Update": settle_update(self._table, reply, state, now, message_id, reason, claimed, entry)}]
        if replied_by is not None:
            items.append({"Update": replied_update(self._table, reply.ticket_id, now, replied_by)})
        settle = _Settle(items, f"could not settle reply {reply.reply_id}", replied_by is not None)
        self.flush()
        if claimed and getattr(self._local, "pairing", False):
            # ours under the lease (longer than the function's timeout): nobody else can settle it meanwhile,
            # so its condition holds when the next claim's transaction writes it
            self._local.held = settle
            return True
        return self._commit(settle)

    def _commit(self, settle: _Settle) -> bool:
        items, failure = list(settle.items), settle.failure
        if not self._transact:
            return self._settle_apart(items, failure)
        try:
            refused = self._write(items, failure)
            if refused and refused[0][0] != CONDITION_FAILED and settle.marks:
                # the ticket is gone (its condition failed, never the reply's): settle without the mark
                del items[1]
                refused = self._write(items, failure)
        except DependencyError as exc:
            if len(items) == 1:
                raise
            # a transaction conflict (triage writing the same ticket) or a fault: settle the reply on its
            # own first (a sent reply must not stay claimable and go twice), then the rest, as before
            logger.warning("reply settled in separate writes", extra={"error": str(exc), "failure": failure})
            return self._settle_apart(items, failure)
        return not refused

    def _settle_apart(self, items: list[dict[str, Any]], failure: str) -> bool:
        """The reply's settle first (the record that matters), then the ticket's mark and the timeline entry."""
        if self._write(items[:1], failure):
            return False
        for item in items[1:]:
            try:
                self._write([item], failure)  # a ticket that is gone refuses its mark: nothing to mark
            except DependencyError:  # the reply's own record says what happened; these lines are conveniences
                logger.warning("reply settled; its ticket mark or timeline entry was not written")
        return True

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
        self.flush()
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
        self.flush()
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
        return sorted((_reply(item) for item in self._items(ticket_id)), key=lambda r: r.created_at)

    def entries(self, ticket_id: str) -> list[Entry]:
        """The timeline lines a ticket's settled replies keep (``reply_items.reply_entry``)."""
        return [entry for item in self._items(ticket_id) if (entry := reply_entry(item)) is not None]

    def _items(self, ticket_id: str) -> list[dict[str, Any]]:
        return query_all(
            self._client,
            f"could not read the replies of {ticket_id}",
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :reply)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":reply": {"S": REPLY_PREFIX}},
        )


def replied_update(table: str, ticket_id: str, now: datetime, by: str) -> dict[str, Any]:
    """The ticket's first reply went out (the tickets table's REPLIED column; later replies keep the first):
    two attributes, never the whole ticket."""
    return {
        "TableName": table,
        "Key": ticket_key(ticket_id),
        "UpdateExpression": "SET replied_at = if_not_exists(replied_at, :now), "
        "replied_by = if_not_exists(replied_by, :by)",
        "ConditionExpression": "attribute_exists(pk)",  # never create a stub ticket from a stray update
        "ExpressionAttributeValues": {":now": {"S": utc(now)}, ":by": {"S": by}},
    }


def _reply(item: dict[str, Any]) -> Reply:
    reply = Reply.model_validate_json(reply_json(item))
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
