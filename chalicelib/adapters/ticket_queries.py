"""The console's lists from the tickets table: the queue by status and urgency, and a customer's history.

Each is a Query on a sparse index (ticket_index.py), never a scan. Team, channel and customer are
filters on the rows the index returns; DynamoDB applies ``Limit`` before the filter, so a filtered
page reads on until it has ``limit`` rows, the index ends, or ``MAX_READS`` requests were made (a
rare filter over a long queue answers a short page with a cursor rather than reading it all).

The indexes project no document (infra/template.yaml): a page of rows (at most MAX_LIMIT, within one
BatchGetItem's 100 keys) is the index's keys, then its tickets in one BatchGetItem. Projecting a
summary would save that request, but every ticket write (and every change of a projected attribute,
such as the first reply) would pay for it in both indexes; a support tool writes tickets far more
often than a person pages through a list, so the lists pay at read time: about 0.5 RRU a row.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.adapters.dynamo import get_items
from chalicelib.adapters.ticket_index import HISTORY_INDEX, QUEUE_INDEX
from chalicelib.adapters.tickets_table import ticket_from_item
from chalicelib.console.ports import Filters, Listing
from chalicelib.errors import DependencyError, PayloadError
from chalicelib.model.ticket import Ticket

STATUSES = ("open", "resolved")
#: Query requests one filtered page may make before it answers with what it found and a cursor
MAX_READS = 10
#: rows read per request when a filter may drop some: enough to fill a page in one read most of the time
FILTERED_BATCH = 100
MAX_LIMIT = 100
#: the key of a row in ByQueue: the table's key and the index's
_CURSOR_KEYS = frozenset({"pk", "sk", "queue", "queue_order"})


class DynamoTicketQueries:
    """chalicelib.console.ports.TicketQueries on DynamoDB."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def listing(self, filters: Filters, cursor: str | None = None, limit: int = 25) -> Listing:
        if filters.status not in STATUSES:
            raise PayloadError(f"status must be one of {', '.join(STATUSES)}, not {filters.status!r}", "status")
        if not 1 <= limit <= MAX_LIMIT:
            raise PayloadError(f"limit must be between 1 and {MAX_LIMIT}", "limit")
        request = self._listing_request(filters)
        filtered = "FilterExpression" in request
        start = decode_cursor(cursor, filters) if cursor else None
        rows: list[dict[str, Any]] = []
        for _ in range(MAX_READS):
            if start is not None:
                request["ExclusiveStartKey"] = start
            request["Limit"] = FILTERED_BATCH if filtered else limit - len(rows)
            response = self._query(request, "could not list tickets")
            rows.extend(response.get("Items", []))
            start = response.get("LastEvaluatedKey")
            if len(rows) >= limit:
                # more rows than asked (a filtered read): the next page starts after the last one shown
                if len(rows) > limit:
                    rows = rows[:limit]
                    start = {k: rows[-1][k] for k in _CURSOR_KEYS}
                break
            if start is None:
                break
        tickets = [t for t in self._tickets(rows) if t.status == filters.status]
        return Listing(tickets, encode_cursor(start) if start else None)

    def history(self, customer_id: str, limit: int = 50) -> list[Ticket]:
        """Newest first. ``customer_id``: a customer's id, or model.ticket.history_key's sender key for a
        sender with no account ("unknown" itself is everyone unknown, and nobody's history)."""
        if customer_id == "unknown" or not customer_id:
            return []
        request = {
            "TableName": self._table,
            "IndexName": HISTORY_INDEX,
            "KeyConditionExpression": "history_key = :h",
            "ExpressionAttributeValues": {":h": {"S": customer_id}},
            "ScanIndexForward": False,
            "Limit": max(1, min(limit, MAX_LIMIT)),
        }
        response = self._query(request, f"could not read the history of {customer_id}")
        return self._tickets(response.get("Items", []))

    def _tickets(self, rows: list[dict[str, Any]]) -> list[Ticket]:
        """The rows' tickets in the rows' order, from one BatchGetItem (eventually consistent, as the index is).

        A ticket deleted since the index was read is left out; one whose status moved since is kept here
        and the listing drops it (it was listed under its old status).
        """
        if not rows:
            return []
        keys = [{"pk": row["pk"], "sk": row["sk"]} for row in rows]
        found = {i["pk"]["S"]: i for i in get_items(self._client, self._table, keys, consistent=False)}
        return [ticket_from_item(found[k["pk"]["S"]]) for k in keys if k["pk"]["S"] in found]

    def _listing_request(self, filters: Filters) -> dict[str, Any]:
        key = "#queue = :status"
        values: dict[str, Any] = {":status": {"S": filters.status}}
        if filters.priority:
            # the sort key starts with the priority: a prefix of the index, not a filter
            key += " AND begins_with(queue_order, :priority)"
            values[":priority"] = {"S": f"{filters.priority}#"}
        names = {"#queue": "queue"}
        conditions = []
        for field, value in (
            ("team", filters.team),
            ("channel", filters.channel),
            ("customer_id", filters.customer_id),
        ):
            if value:
                names[f"#{field}"] = field
                values[f":{field}"] = {"S": value}
                conditions.append(f"#{field} = :{field}")
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": key,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if conditions:
            request["FilterExpression"] = " AND ".join(conditions)
        return request

    def _query(self, request: dict[str, Any], failure: str) -> dict[str, Any]:
        try:
            response: dict[str, Any] = self._client.query(**request)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"{failure}: {exc}") from exc
        return response


def encode_cursor(key: dict[str, Any]) -> str:
    """The index position as URL-safe text (a query string's ``cursor=``)."""
    text = json.dumps(key, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, filters: Filters) -> dict[str, Any]:
    """The position a cursor names, checked: a row of the listing asked for, else PayloadError (400).

    A cursor comes back from the browser; only a ticket row under the same status (and priority) is a
    place to start, so an edited one cannot steer the Query anywhere else.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise PayloadError("the cursor is not one this list gave out", "cursor") from exc
    if (
        not isinstance(key, dict)
        or set(key) != _CURSOR_KEYS
        or not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values())
        or not key["pk"]["S"].startswith("TICKET#")
        or key["sk"]["S"] != "TICKET"
        or key["queue"]["S"] != filters.status
        or (filters.priority and not key["queue_order"]["S"].startswith(f"{filters.priority}#"))
    ):
        raise PayloadError("the cursor is not one this list gave out", "cursor")
    return key
