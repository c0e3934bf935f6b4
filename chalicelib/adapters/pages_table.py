"""Pages in the tickets table (DynamoDB): the page, its SMS ack code, fold pointers and the ticket's timeline.

One table keeps a page's writes transactional with its timeline. Items:
  PAGE#<id>   / PAGE        the page (its JSON in ``doc``); ``due``/``due_at`` while a tick is due (ByDue index)
  ACK#<code>  / ACK         which page an SMS "ACK <code>" acknowledges
  FOLD#<key>  / FOLD        the open page for a ticket or customer, for folding a burst into it
  TICKET#<id> / LOG#<at>#…  the timeline
  DIGEST#<team>#<at> / DIGEST   a team's digest of pages held until its calendar opens (due at the opening)
  HOLD#<team>#<at>   / TICKET#<id>  one held ticket's line in that digest
  TICKET#<id> / TICKET      a ticket's first-response timer: ``due``/``due_at`` on the ticket item itself (the
                tickets table writes them with it); SLA#<id> / SLA, the timer beside its ticket, from before
  RATE#<person>#<window> / RATE   notifications a person got in one rate window (TTL)
  NOTE#<page>#<step>#<topic> / NOTE   the outbox: one notification, written pending with the step that claims
                it; ``due``/``due_at`` (the grace) until it is marked sent, so the sweep's ByDue query
                finds what a fault left unsent with everything else that is due
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.dynamo import conditional_update, due_items, get_item, query_all, transact, utc
from chalicelib.adapters.page_notes import DUE_PARTITION, NoteItems, note_item
from chalicelib.errors import DependencyError
from chalicelib.model.page import Notification, Page, PageState
from chalicelib.model.timeline import Entry, Kind
from chalicelib.services.ports import Write

#: ack codes and fold pointers outlive any page's escalation; TTL removes them after
POINTER_TTL_SECONDS = 7 * 24 * 3600


def page_key(page_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"PAGE#{page_id}"}, "sk": {"S": "PAGE"}}


def code_key(code: str) -> dict[str, Any]:
    return {"pk": {"S": f"ACK#{code}"}, "sk": {"S": "ACK"}}


def fold_key(key: str) -> dict[str, Any]:
    return {"pk": {"S": f"FOLD#{key}"}, "sk": {"S": "FOLD"}}


#: entries written at the same instant list in the order they happen (a page opens, then notifies)
_ORDER = {kind: n for n, kind in enumerate(Kind)}


def entry_item(ticket_id: str, entry: Entry) -> dict[str, Any]:
    # the key is derived from the entry: a retried write of the same entry lands on the same item
    digest = hashlib.sha256(f"{entry.kind}|{entry.page_id}|{entry.text}".encode()).hexdigest()[:8]
    return {
        "pk": {"S": f"TICKET#{ticket_id}"},
        "sk": {"S": f"LOG#{utc(entry.at)}#{_ORDER[entry.kind]:02d}#{digest}"},
        "doc": {"S": entry.model_dump_json()},
    }


def digest_pk(team: str, until: datetime) -> str:
    return f"DIGEST#{team}#{utc(until)}"


def sla_key(ticket_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"SLA#{ticket_id}"}, "sk": {"S": "SLA"}}


def _due(at: datetime) -> dict[str, Any]:
    return {"due": {"S": DUE_PARTITION}, "due_at": {"S": utc(at)}}


def sla_attributes(due_at: datetime) -> dict[str, Any]:
    """A ticket's first-response timer, as attributes of the ticket item: the sweep finds the ticket on ByDue when
    ``due_at`` passes. (It was an item of its own beside the ticket, SLA#<id>: 3 write units in the ticket's
    transaction; on the ticket, its ByDue entry's 1. Timers written that way still fire and stop.)"""
    return _due(due_at)


#: the kinds of ByDue key that are first-response timers: on the ticket now, beside it before
SLA_KINDS = ("TICKET", "SLA")


def _page_item(page: Page) -> dict[str, Any]:
    item = {
        **page_key(page.page_id),
        "page_id": {"S": page.page_id},
        "ticket_id": {"S": page.ticket_id},
        "state": {"S": page.state.value},
        "step": {"N": str(page.step)},
        "ack_code": {"S": page.ack_code},
        "doc": {"S": page.model_dump_json()},
    }
    if page.state is PageState.OPEN and page.next_due is not None:
        item |= {"due": {"S": DUE_PARTITION}, "due_at": {"S": utc(page.next_due)}}
    return item


class DynamoPageRepository(NoteItems):
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def create(self, page: Page, fold_keys: Sequence[str], entries: Sequence[Entry]) -> Write:
        """The page, its ack code, its fold pointers and timeline entries, at once.

        DUPLICATE: the page exists (a redelivery opened it before); CONFLICT: another live page holds the code.
        """
        now = int(page.opened_at.timestamp())
        expires = {"N": str(now + POINTER_TTL_SECONDS)}
        code = {**code_key(page.ack_code), "page_id": {"S": page.page_id}, "expires_at": expires}
        items: list[dict[str, Any]] = [
            self._put(_page_item(page), "attribute_not_exists(pk)"),
            self._put(code, "attribute_not_exists(pk) OR expires_at < :now", {":now": {"N": str(now)}}),
        ]
        for key in fold_keys:
            pointer = {
                **fold_key(key),
                "page_id": {"S": page.page_id},
                "opened_at": {"S": utc(page.opened_at)},
                "expires_at": expires,
            }
            items.append(self._put(pointer))
        items.extend(self._put(entry_item(page.ticket_id, e)) for e in entries)
        failed = transact(self._client, items, f"could not open page {page.page_id}")
        if failed[:1] == [True]:
            return Write.DUPLICATE
        return Write.CONFLICT if failed else Write.STORED

    def save(
        self,
        page: Page,
        expected_step: int,
        entries: Iterable[Entry] = (),
        notes: Sequence[Notification] = (),
        retry_at: datetime | None = None,
    ) -> bool:
        """Write the page only if its step is still ``expected_step``; False: another tick or ack moved it.

        ``notes`` are recorded pending in the same transaction, due for a retry at ``retry_at``: the
        step and what it owes people are claimed together or not at all.
        """
        item = _page_item(page)
        condition = {
            "ConditionExpression": "#step = :expected",
            "ExpressionAttributeNames": {"#step": "step"},
            "ExpressionAttributeValues": {":expected": {"N": str(expected_step)}},
        }
        items = [{"Put": {"TableName": self._table, "Item": item, **condition}}]
        items.extend(self._put(entry_item(page.ticket_id, e)) for e in entries)
        expires_at = int(page.opened_at.timestamp()) + POINTER_TTL_SECONDS
        items.extend(self._put(note_item(n, retry_at or page.opened_at, expires_at)) for n in notes)
        return not transact(self._client, items, f"could not save page {page.page_id}")

    def get(self, page_id: str) -> Page | None:
        item = self._get(page_key(page_id))
        return Page.model_validate_json(item["doc"]["S"]) if item else None

    def by_code(self, code: str) -> Page | None:
        item = self._get(code_key(code))
        return self.get(item["page_id"]["S"]) if item else None

    def open_for(self, keys: Sequence[str], since: datetime) -> Page | None:
        """The open page a ticket or customer already has, opened at or after ``since``."""
        for key in keys:
            pointer = self._get(fold_key(key))
            if pointer is None or pointer["opened_at"]["S"] < utc(since):
                continue
            page = self.get(pointer["page_id"]["S"])
            if page is not None and page.state is PageState.OPEN:
                return page
        return None

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        """Keys of what is due, oldest first: "PAGE#…", "DIGEST#…", "TICKET#…" or "SLA#…" (a first-response timer),
        "NOTE#…" (one Query on the sparse ByDue index)."""
        items = due_items(self._client, self._table, DUE_PARTITION, now, limit, "pages")
        return [item["pk"]["S"] for item in items]

    def open_pages(self, limit: int = 50) -> list[Page]:
        """Pages still escalating, next tick first: one Query on the sparse ByDue index, one BatchGetItem.

        Only an open page with a tick ahead is in the index under PAGE#; an acknowledged or exhausted one
        left it. The index holds keys only, hence the batch read of the pages themselves.
        """
        items = query_all(
            self._client,
            "could not list open pages",
            TableName=self._table,
            IndexName="ByDue",
            KeyConditionExpression="#due = :p",
            FilterExpression="begins_with(pk, :page)",
            ExpressionAttributeNames={"#due": "due"},
            ExpressionAttributeValues={":p": {"S": DUE_PARTITION}, ":page": {"S": "PAGE#"}},
        )
        keys = [{"pk": i["pk"], "sk": i["sk"]} for i in items[:limit]]
        if not keys:
            return []
        found: list[dict[str, Any]] = []
        request: dict[str, Any] = {self._table: {"Keys": keys}}
        # a throttled batch answers part and hands back the rest: ask again a couple of times, then show what came
        for _ in range(3):
            try:
                response = self._client.batch_get_item(RequestItems=request)
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not read open pages: {exc}") from exc
            found.extend(response.get("Responses", {}).get(self._table, []))
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        pages = [Page.model_validate_json(i["doc"]["S"]) for i in found]
        # a page acknowledged between the two reads is no longer open; the batch answers in no order
        return sorted((p for p in pages if p.state is PageState.OPEN), key=lambda p: p.next_due or p.opened_at)

    def hold(self, ticket_id: str, team: str, until: datetime, line: str, topics: Sequence[str], entry: Entry) -> bool:
        """Add a ticket to its team's digest for ``until``; False when that digest has already gone out."""
        digest = digest_pk(team, until)
        failed = transact(
            self._client,
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {"pk": {"S": digest}, "sk": {"S": "DIGEST"}},
                        "UpdateExpression": "SET #due = :p, due_at = :at, team = :team, topics = :topics",
                        "ConditionExpression": "attribute_not_exists(sent_at)",
                        "ExpressionAttributeNames": {"#due": "due"},
                        "ExpressionAttributeValues": {
                            ":p": {"S": DUE_PARTITION},
                            ":at": {"S": utc(until)},
                            ":team": {"S": team},
                            ":topics": {"L": [{"S": t} for t in topics]},
                        },
                    }
                },
                self._put(
                    {
                        "pk": {"S": f"HOLD#{team}#{utc(until)}"},
                        "sk": {"S": f"TICKET#{ticket_id}"},
                        "ticket_id": {"S": ticket_id},
                        "line": {"S": line},
                    }
                ),
                self._put(entry_item(ticket_id, entry)),
            ],
            f"could not hold {ticket_id} for the {team} digest",
        )
        # only the digest has a condition: it fails once that digest has gone out
        return not failed

    def claim(self, key: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        """Take a due digest or SLA timer for sending until ``lease_until``: one sweep wins.

        It stays in the ByDue index, due again at ``lease_until``, until ``finish`` says it went out:
        a fault or a crash after the claim delays it, and never loses it. ``sent_at`` is set at the
        first claim, so a message held for a digest that is already going out pages at once instead.
        None: another sweep has it, or it is done (or gone).
        """
        return conditional_update(
            self._client,
            f"could not claim {key}",
            TableName=self._table,
            Key={"pk": {"S": key}, "sk": {"S": key.split("#", 1)[0]}},
            UpdateExpression="SET sent_at = if_not_exists(sent_at, :now), due_at = :lease ADD attempts :one",
            ConditionExpression="attribute_exists(#due) AND due_at <= :now",
            ExpressionAttributeNames={"#due": "due"},
            ExpressionAttributeValues={":now": {"S": utc(now)}, ":lease": {"S": utc(lease_until)}, ":one": {"N": "1"}},
            ReturnValues="ALL_NEW",
        )

    def finish(self, key: str, now: datetime) -> None:
        """A claimed digest or timer went out (or needs nothing more): it leaves the ByDue index."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": key}, "sk": {"S": key.split("#", 1)[0]}},
                UpdateExpression="SET done_at = :now REMOVE #due",
                ExpressionAttributeNames={"#due": "due"},
                ExpressionAttributeValues={":now": {"S": utc(now)}},
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not finish {key}: {exc}") from exc

    def held(self, team: str, until: datetime) -> list[tuple[str, str]]:
        """(ticket id, line) of every ticket in a team's digest."""
        try:
            response = self._client.query(
                TableName=self._table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"HOLD#{team}#{utc(until)}"}},
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not read the {team} digest: {exc}") from exc
        return [(i["ticket_id"]["S"], i["line"]["S"]) for i in response.get("Items", [])]

    def count_notification(self, person: str, window: datetime, ttl_seconds: int, page_id: str) -> int:
        """Count page ``page_id`` for ``person`` in the rate window starting at ``window``; how many are counted.

        The window's item holds the page ids as a string set, so a tick retried after a fault (or run twice
        by two containers), or a later step that reaches the person again, counts the page once: a counter
        went up on every try, and a burst under faults held pages its person had room for. (A window
        counted by the old counter, during the deploy, is read as empty: at worst a few pages more than
        the limit, in that one window.)
        """
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"RATE#{person}#{utc(window)}"}, "sk": {"S": "RATE"}},
                UpdateExpression="ADD #sent :note SET expires_at = :expires",
                ExpressionAttributeNames={"#sent": "sent"},
                ExpressionAttributeValues={
                    ":note": {"SS": [page_id]},
                    ":expires": {"N": str(int(window.timestamp()) + ttl_seconds)},
                },
                # the whole (small) item: a set that already held the notification is not "updated"
                ReturnValues="ALL_NEW",
            )
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not count pages for {person}: {exc}") from exc
        return len(response["Attributes"]["sent"]["SS"])

    def disarm_sla(self, ticket_id: str, now: datetime) -> None:
        """Someone answered: the timer will not fire (kept, marked, so a later arm does not restart it)."""
        stopped = (
            conditional_update(  # the timer on the ticket; a ticket without one (none, or from before) is not changed
                self._client,
                f"could not stop the SLA timer of {ticket_id}",
                TableName=self._table,
                Key={"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": "TICKET"}},
                UpdateExpression="SET answered_at = :now REMOVE #due",
                ConditionExpression="attribute_exists(#due)",
                ExpressionAttributeNames={"#due": "due"},
                ExpressionAttributeValues={":now": {"S": utc(now)}},
                ReturnValues="UPDATED_NEW",
            )
        )
        if stopped is not None:
            return
        conditional_update(  # a timer beside its ticket, written before; no timer (a route without an SLA) is nothing to stop
            self._client,
            f"could not stop the SLA timer of {ticket_id}",
            TableName=self._table,
            Key=sla_key(ticket_id),
            UpdateExpression="SET answered_at = :now REMOVE #due",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#due": "due"},
            ExpressionAttributeValues={":now": {"S": utc(now)}},
        )

    def record(self, ticket_id: str, entries: Iterable[Entry]) -> None:
        """Timeline entries alone (a fold, a refused ack, a deferral)."""
        for entry in entries:
            try:
                self._client.put_item(TableName=self._table, Item=entry_item(ticket_id, entry))
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not write the timeline of {ticket_id}: {exc}") from exc

    def timeline(self, ticket_id: str) -> list[Entry]:
        items = query_all(
            self._client,
            f"could not read the timeline of {ticket_id}",
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :log)",
            ExpressionAttributeValues={":pk": {"S": f"TICKET#{ticket_id}"}, ":log": {"S": "LOG#"}},
        )
        return [Entry.model_validate_json(i["doc"]["S"]) for i in items]

    def _put(
        self, item: dict[str, Any], condition: str | None = None, values: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if condition:
            put["ConditionExpression"] = condition
        if values:
            put["ExpressionAttributeValues"] = values
        return {"Put": put}

    def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        return get_item(self._client, self._table, key)
