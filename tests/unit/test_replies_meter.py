"""The replies benchmark's meter prices items by DynamoDB's published sizing rules, and names each request."""

from __future__ import annotations

from typing import Any

import pytest

from bench.replies_meter import item_size, purpose, read_units, transaction_units, write_units

KEYS = {"pk": {"S": "TICKET#T-1"}, "sk": {"S": "REPLY#T-1.auto.x"}}  # 2 + 10 + 2 + 16 = 30 bytes
DUE = {"due": {"S": "reply"}, "due_at": {"S": "2026-11-17T03:00:00Z"}}


def big(kb: float) -> dict[str, Any]:
    return {**KEYS, "doc": {"S": "x" * int(kb * 1024 - 30 - 3)}}


@pytest.mark.parametrize(
    ("item", "size"),
    [
        pytest.param({"pk": {"S": "abc"}}, 5, id="string: name and UTF-8 bytes"),
        pytest.param({"s": {"S": "é"}}, 3, id="string: multi-byte"),
        pytest.param({"n": {"N": "123"}}, 4, id="number: half its digits, plus one"),
        pytest.param({"b": {"BOOL": True}}, 2, id="boolean"),
        pytest.param({"m": {"M": {"k": {"S": "v"}}}}, 1 + 3 + 1 + 1 + 1, id="map: 3 + per entry 1 + name + value"),
        pytest.param({"l": {"L": [{"S": "ab"}]}}, 1 + 3 + 1 + 2, id="list: 3 + per element 1 + value"),
        pytest.param(None, 0, id="no item"),
    ],
)
def test_item_size_follows_dynamodbs_rules(item, size) -> None:
    assert item_size(item) == size


@pytest.mark.parametrize(
    ("before", "after", "units"),
    [
        pytest.param(None, KEYS, 1, id="a new small item"),
        pytest.param(None, {**KEYS, **DUE}, 2, id="a new pending reply: its ByDue entry too"),
        pytest.param({**KEYS, **DUE}, {**KEYS, **DUE, "due_at": {"S": "later"}}, 3, id="moving due_at: delete + put"),
        pytest.param({**KEYS, **DUE}, KEYS, 2, id="settling: the index entry removed"),
        pytest.param({**KEYS, **DUE}, {**KEYS, **DUE}, 1, id="a failed condition: the item read, no index write"),
        pytest.param(big(2.5), KEYS, 3, id="the larger image: 2.5 KB before bills 3"),
        pytest.param(KEYS, big(1.0), 1, id="exactly 1 KB bills 1"),
    ],
)
def test_write_units_bill_the_larger_image_and_each_index_change(before, after, units) -> None:
    assert write_units(before, after) == units


@pytest.mark.parametrize(
    ("item", "units"),
    [
        pytest.param({**KEYS, **DUE}, 2 + 1, id="a small pending reply: 2 units, and 1 for its ByDue entry"),
        pytest.param({**big(2.5), **DUE}, 2 * 3 + 1, id="a 2.5 KB one: twice 3 units, the index entry once"),
        pytest.param(KEYS, 2, id="not indexed: twice 1 unit"),
    ],
)
def test_a_put_in_a_transaction_bills_twice_its_size_and_its_index_entry_once(item, units) -> None:
    assert transaction_units(item) == units


@pytest.mark.parametrize(
    ("items", "consistent", "units"),
    [
        pytest.param([], False, 0.5, id="an empty eventually consistent query: half a unit"),
        pytest.param([], True, 1.0, id="an empty consistent read: one unit"),
        pytest.param([big(3), big(3), big(3)], False, 1.5, id="9 KB returned: three 4 KB halves"),
    ],
)
def test_read_units_round_what_was_returned_up_to_4_kb(items, consistent, units) -> None:
    assert read_units(items, consistent) == units


@pytest.mark.parametrize(
    ("operation", "params", "name"),
    [
        ("UpdateItem", {"UpdateExpression": "SET lease_until = :lease, in_flight = :now"}, "claim"),
        ("UpdateItem", {"UpdateExpression": "SET #state = :state, doc = :doc"}, "settle"),
        (
            "UpdateItem",
            {"UpdateExpression": "SET replied_at = if_not_exists(replied_at, :now)"},
            "mark the ticket replied",
        ),
        ("PutItem", {"Item": {"pk": {"S": "AUTOREPLY#t"}, "sk": {"S": "AUTOREPLY"}}}, "claim the thread"),
        ("PutItem", {"Item": {"pk": {"S": "TICKET#T-1"}, "sk": {"S": "LOG#2026"}}}, "timeline entry"),
        ("Query", {"IndexName": "ByDue"}, "sweep: query due replies"),
        ("GetItem", {"Key": KEYS}, "GetItem"),
    ],
)
def test_each_request_is_named_for_what_the_outbox_does_with_it(operation, params, name) -> None:
    assert purpose(operation, params) == name
