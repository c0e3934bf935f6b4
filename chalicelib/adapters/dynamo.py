"""What every DynamoDB repository here shares: how times are stored, and a consistent read."""

from __future__ import annotations

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


def get_items(
    client: Any, table: str, keys: list[dict[str, Any]], attempts: int = 3, consistent: bool = True
) -> list[dict[str, Any]]:
    """Several items in one BatchGetItem, read consistently (like get_item) unless told, in no particular order.

    A throttled batch answers part and hands back the rest: asked again ``attempts`` times in all, then
    a DependencyError, never a partial answer (a key not read is not a key that is absent).
    """
    found: list[dict[str, Any]] = []
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": consistent}}
    for _ in range(attempts):
        try:
            response = client.batch_get_item(RequestItems=request)
        except (ClientError, BotoCoreError) as exc:
            raise DependencyError(f"could not read {table}: {exc}") from exc
        found.extend(response.get("Responses", {}).get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return found
    raise DependencyError(f"could not read {table}: {len(request[table]['Keys'])} keys left unprocessed")


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
