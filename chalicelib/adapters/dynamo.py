"""What every DynamoDB repository here shares: how times are stored, and a consistent read."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.errors import DependencyError


def utc(moment: datetime) -> str:
    """ISO 8601 in UTC: stored times sort as strings, which range conditions and indexes rely on."""
    return moment.astimezone(UTC).isoformat()


def get_item(client: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """One item, read consistently: a retry arriving right after a write must see it."""
    try:
        response = client.get_item(TableName=table, Key=key, ConsistentRead=True)
    except (ClientError, BotoCoreError) as exc:
        raise DependencyError(f"could not read {table}: {exc}") from exc
    item: dict[str, Any] | None = response.get("Item")
    return item


#: DynamoDB's limit of keys in one BatchGetItem, over all its tables
BATCH_GET_KEYS = 100


def get_items(
    client: Any,
    table: str,
    keys: list[dict[str, Any]],
    consistent: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Several items in one BatchGetItem, read consistently (like get_item) unless told, in no particular order."""
    return batch_get(client, {table: (keys, consistent)}, sleep=sleep)[table]


def batch_get(
    client: Any,
    requests: dict[str, tuple[list[dict[str, Any]], bool]],
    *,
    attempts: int = 5,
    backoff_seconds: float = 0.05,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, list[dict[str, Any]]]:
    """Items from several tables, ``{table: (keys, consistent)}``, in one BatchGetItem per 100 keys.

    A throttled request answers part and hands back the rest: asked again after a growing pause
    (0.05 s, 0.1 s, 0.2 s, ...; DynamoDB's advice for UnprocessedKeys), ``attempts`` times in all, then
    a DependencyError, never a partial answer (a key not read is not a key that is absent).
    """
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in requests}
    # a key asked twice in one request is a ValidationException: each is asked once
    unique = {
        (table, repr(sorted(key.items()))): (table, key, consistent)
        for table, (keys, consistent) in requests.items()
        for key in keys
    }
    pending = list(unique.values())
    for start in range(0, len(pending), BATCH_GET_KEYS):
        request: dict[str, Any] = {}
        for table, key, consistent in pending[start : start + BATCH_GET_KEYS]:
            request.setdefault(table, {"Keys": [], "ConsistentRead": consistent})["Keys"].append(key)
        for attempt in range(attempts):
            if attempt:
                sleep(backoff_seconds * 2 ** (attempt - 1))
            try:
                response = client.batch_get_item(RequestItems=request)
            except (ClientError, BotoCoreError) as exc:
                raise DependencyError(f"could not read {', '.join(request)}: {exc}") from exc
            for table, items in response.get("Responses", {}).items():
                found[table].extend(items)
            request = response.get("UnprocessedKeys") or {}
            if not request:
                break
        else:
            left = sum(len(r["Keys"]) for r in request.values())
            raise DependencyError(f"could not read {', '.join(request)}: {left} keys left unprocessed")
    return found


def conditional_update(client: Any, failure: str, **request: Any) -> dict[str, Any] | None:
    """One UpdateItem with a condition; its returned attributes, or None when the condition failed.

    A failed condition is an answer (another writer got there first), not a fault; any other error
    is a DependencyError that says ``failure``.
    """
    try:
        response = client.update_item(**request)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return None
        raise DependencyError(f"{failure}: {exc}") from exc
    except BotoCoreError as exc:
        raise DependencyError(f"{failure}: {exc}") from exc
    attributes: dict[str, Any] = response.get("Attributes", {})
    return attributes


def transact(client: Any, items: list[dict[str, Any]], failure: str) -> list[bool]:
    """One TransactWriteItems; [] when it was written, else which items failed their condition, in order.

    A cancellation for any other reason, or a failed call, is a DependencyError that says ``failure``.
    """
    try:
        client.transact_write_items(TransactItems=items)
    except ClientError as exc:
        failed = [r.get("Code") == "ConditionalCheckFailed" for r in exc.response.get("CancellationReasons") or []]
        if any(failed):
            return failed
        raise DependencyError(f"{failure}: {exc}") from exc
    except BotoCoreError as exc:
        raise DependencyError(f"{failure}: {exc}") from exc
    return []


def due_items(client: Any, table: str, partition: str, now: datetime, limit: int, what: str) -> list[dict[str, Any]]:
    """The keys of one partition of the sparse ByDue index whose ``due_at`` has passed, oldest first."""
    try:
        response = client.query(
            TableName=table,
            IndexName="ByDue",
            KeyConditionExpression="#due = :p AND due_at <= :now",
            ExpressionAttributeNames={"#due": "due"},
            ExpressionAttributeValues={":p": {"S": partition}, ":now": {"S": utc(now)}},
            Limit=limit,
        )
    except (ClientError, BotoCoreError) as exc:
        raise DependencyError(f"could not read due {what}: {exc}") from exc
    items: list[dict[str, Any]] = response.get("Items", [])
    return items


def conditional_put(client: Any, failure: str, **request: Any) -> bool:
    """One PutItem with a condition; False when the condition failed (another writer got there first)."""
    try:
        client.put_item(**request)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise DependencyError(f"{failure}: {exc}") from exc
    except BotoCoreError as exc:
        raise DependencyError(f"{failure}: {exc}") from exc
    return True


def query_all(client: Any, failure: str, **request: Any) -> list[dict[str, Any]]:
    """Every item a Query matches, page after page; DependencyError saying ``failure`` when a page fails."""
    items: list[dict[str, Any]] = []
    try:
        while True:
            response = client.query(**request)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            request = {**request, "ExclusiveStartKey": response["LastEvaluatedKey"]}
    except (ClientError, BotoCoreError) as exc:
        raise DependencyError(f"{failure}: {exc}") from exc
