"""dynamo.batch_get: several tables in one BatchGetItem, UnprocessedKeys asked again after a growing pause."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from chalicelib.adapters.dynamo import batch_get
from chalicelib.errors import DependencyError


def key(n: int) -> dict[str, Any]:
    return {"pk": {"S": f"K#{n}"}, "sk": {"S": "K"}}


@dataclass
class ThrottledClient:
    """Answers each request's first ``per_call`` keys (an item per key) and hands the rest back unprocessed."""

    per_call: int
    requests: list[dict[str, Any]] = field(default_factory=list)

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:  # boto3's keyword
        self.requests.append(RequestItems)
        budget = self.per_call
        responses: dict[str, list[dict[str, Any]]] = {}
        unprocessed: dict[str, Any] = {}
        for table, request in RequestItems.items():
            answered, left = request["Keys"][:budget], request["Keys"][budget:]
            budget -= len(answered)
            responses[table] = [{**k, "table": {"S": table}} for k in answered]
            if left:
                unprocessed[table] = {**request, "Keys": left}
        return {"Responses": responses, "UnprocessedKeys": unprocessed}


@pytest.mark.parametrize(
    ("keys", "per_call", "requests", "pauses"),
    [
        pytest.param(10, 100, 1, [], id="all-at-once"),
        pytest.param(10, 4, 3, [0.05, 0.1], id="throttled-twice"),
        pytest.param(150, 150, 2, [], id="over-a-hundred-keys-split"),
    ],
)
def test_every_key_is_read_with_pauses_between_retries(keys: int, per_call: int, requests: int, pauses: list[float]):
    # GIVEN keys spread over two tables, and a table that answers per_call keys a request
    client, slept = ThrottledClient(per_call), list[float]()
    half = keys // 2
    asked = {"a": ([key(n) for n in range(half)], True), "b": ([key(n) for n in range(half, keys)], False)}
    # WHEN they are read
    found = batch_get(client, asked, sleep=slept.append)
    # THEN every key comes back under its table, in as many requests as needed, with growing pauses
    assert sorted(i["pk"]["S"] for i in found["a"]) == sorted(k["pk"]["S"] for k in asked["a"][0])
    assert all(i["table"]["S"] == "b" for i in found["b"]) and len(found["b"]) == keys - half
    assert len(client.requests) == requests
    assert slept == pauses
    # AND each table's consistency travels with its keys, both tables in one request
    assert client.requests[0]["a"]["ConsistentRead"] is True and client.requests[0]["b"]["ConsistentRead"] is False


def test_keys_still_unread_after_the_last_attempt_are_an_error_not_a_partial_answer():
    client, slept = ThrottledClient(per_call=1), list[float]()
    with pytest.raises(DependencyError, match="3 keys left unprocessed"):
        batch_get(client, {"a": ([key(n) for n in range(8)], True)}, attempts=5, sleep=slept.append)
    assert slept == [0.05, 0.1, 0.2, 0.4]


def test_a_key_asked_twice_is_asked_once():
    # DynamoDB refuses a request that names one key twice (a batch with a message delivered twice)
    client = ThrottledClient(per_call=100)
    found = batch_get(client, {"a": ([key(1), key(1), key(2)], True)}, sleep=lambda _s: None)
    assert len(client.requests[0]["a"]["Keys"]) == 2
    assert len(found["a"]) == 2


def test_nothing_to_read_makes_no_request():
    client = ThrottledClient(per_call=100)
    assert batch_get(client, {"a": ([], True), "b": ([], False)}) == {"a": [], "b": []}
    assert client.requests == []
