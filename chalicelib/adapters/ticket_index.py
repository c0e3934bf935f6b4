"""The attributes only ticket items carry, which key the console's two sparse indexes (infra/template.yaml).

ByQueue: ``queue`` (the ticket's status) and ``queue_order``, which sorts as strings in the order the
Tickets view lists: priority, then the first response's due time, then age. ByHistory: ``history_key``
(model.ticket.history_key) and ``created_at``. Every write that changes a ticket's status sets ``queue``
in the same update (tickets_table.py), so the list never shows a ticket under its old status.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.dynamo import utc
from chalicelib.model.ticket import Ticket, history_key

QUEUE_INDEX = "ByQueue"
HISTORY_INDEX = "ByHistory"
#: a ticket with no first-response deadline lists after every one that has one, at its priority
NO_DUE = "9999-12-31T23:59:59+00:00"


def queue_order(ticket: Ticket) -> str:
    """ "P1#<due>#<created>#<id>": P1 < P2 and ISO 8601 UTC times sort lexically; the id keeps keys unique."""
    due = ticket.decision.sla_due
    return "#".join(
        (ticket.decision.priority.value, utc(due) if due else NO_DUE, utc(ticket.created_at), ticket.ticket_id)
    )


def index_attributes(ticket: Ticket) -> dict[str, Any]:
    """The new ticket item's index keys; a sender we cannot name has no history to join."""
    item: dict[str, Any] = {"queue": {"S": ticket.status}, "queue_order": {"S": queue_order(ticket)}}
    if key := history_key(ticket):
        item["history_key"] = {"S": key}
    return item


def backfill(client: Any, table: str) -> tuple[int, int]:
    """Give tickets written before the indexes existed their keys: (tickets seen, tickets given keys).

    A one-off migration, so a Scan (of ticket items without ``queue``); each update is conditional on
    the key still missing, so a status move meanwhile (which sets it) is never overwritten.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.adapters.dynamo import conditional_update
    from chalicelib.adapters.tickets_table import ticket_from_item
    from chalicelib.errors import DependencyError

    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "sk = :ticket AND attribute_not_exists(#queue)",
        "ExpressionAttributeNames": {"#queue": "queue"},
        "ExpressionAttributeValues": {":ticket": {"S": "TICKET"}},
    }
    seen = keyed = 0
    while True:
        try:
            response = client.scan(**request)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not scan {table}: {exc}") from exc
        for item in response.get("Items", []):
            seen += 1
            keys = index_attributes(ticket_from_item(item))
            names = {f"#{k}": k for k in keys}
            done = conditional_update(
                client,
                f"could not index ticket {item['pk']['S']}",
                TableName=table,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in keys),
                ConditionExpression="attribute_not_exists(#queue)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={f":{k}": v for k, v in keys.items()},
            )
            keyed += done is not None
        if "LastEvaluatedKey" not in response:
            return seen, keyed
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
