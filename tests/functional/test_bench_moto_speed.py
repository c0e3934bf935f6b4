"""The benchmark's faster moto DynamoDB answers as moto does: a cancelled transaction leaves nothing, queries match."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bench.moto_speed import faster_dynamodb

TABLE = "t"


def _item(pk: str, sk: str, **extra: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in extra.items()}}


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "due", "due_at")],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "ByDue",
                    "KeySchema": [
                        {"AttributeName": "due", "KeyType": "HASH"},
                        {"AttributeName": "due_at", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for n in range(5):
            client.put_item(TableName=TABLE, Item=_item(f"A#{n % 2}", f"S#{n}", due="page", due_at=f"2026-{9 - n}"))
        client.put_item(TableName=TABLE, Item=_item("B", "B", count="1"))
        yield client


def _state(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=TABLE)["Items"], key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb: Any) -> None:
    # GIVEN a transaction whose put and update succeed before its last condition fails
    before = _state(dynamodb)
    items = [
        {"Put": {"TableName": TABLE, "Item": _item("NEW", "NEW")}},
        {"Put": {"TableName": TABLE, "Item": _item("A#0", "S#0", replaced="yes")}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": {"pk": {"S": "B"}, "sk": {"S": "B"}},
                "UpdateExpression": "SET #c = :two",
                "ExpressionAttributeNames": {"#c": "count"},
                "ExpressionAttributeValues": {":two": {"S": "2"}},
            }
        },
        {
            "Put": {
                "TableName": TABLE,
                "Item": _item("A#1", "S#1"),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
    ]
    # WHEN it runs with the per-item rollback
    with faster_dynamodb(), pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=items)
    # THEN it is cancelled for the last item's condition, and the table is exactly as before
    reasons = [r["Code"] for r in raised.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _state(dynamodb) == before


def test_queries_answer_as_moto_does(dynamodb: Any) -> None:
    # GIVEN queries on the table's key and on an index
    queries: list[dict[str, Any]] = [
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "A#1"}}},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "none"}}},
        {
            "IndexName": "ByDue",
            "KeyConditionExpression": "due = :d AND due_at <= :t",
            "ExpressionAttributeValues": {":d": {"S": "page"}, ":t": {"S": "2026-7"}},
            "Limit": 2,
        },
        # newest first, and an index key no item carries
        {"IndexName": "ByDue", "KeyConditionExpression": "due = :d", "ExpressionAttributeValues": {":d": {"S": "page"}},
         "ScanIndexForward": False},
        {"IndexName": "ByDue", "KeyConditionExpression": "due = :d", "ExpressionAttributeValues": {":d": {"S": "x"}}},
    ]  # fmt: skip
    plain = [dynamodb.query(TableName=TABLE, **q)["Items"] for q in queries]
    # WHEN they run with the faster query
    with faster_dynamodb():
        faster = [dynamodb.query(TableName=TABLE, **q)["Items"] for q in queries]
    # THEN the answers are the same items in the same order
    assert faster == plain
    assert [len(items) for items in plain] == [2, 0, 2, 5, 0]
