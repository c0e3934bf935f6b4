"""The benchmarks' DynamoDB meter charges index entries by what each index projects (no time is checked)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.replies_meter import INDEXES, index_writes, write_units
from local.stack import load_template

DOC = "x" * 2500  # a ticket's document: only the table holds it

TICKET: dict[str, Any] = {
    "pk": {"S": "TICKET#T-1"},
    "sk": {"S": "TICKET"},
    "doc": {"S": DOC},
    "status": {"S": "open"},
    "queue": {"S": "open"},
    "queue_order": {"S": "P3#2026-12-06"},
    "history_key": {"S": "cust-1"},
    "created_at": {"S": "2026-12-06T10:00:00Z"},
    "sender_key": {"S": "email:a@example.com"},
}


@pytest.mark.parametrize(
    ("before", "after", "units"),
    [
        # a new ticket: one entry of under 1 KB in each of ByQueue and ByHistory (no index holds the document)
        pytest.param(None, TICKET, 1 + 1, id="new-ticket"),
        # an attribute ByQueue projects for its filters changes: its entry is rewritten; the others hold nothing of it
        pytest.param(TICKET, {**TICKET, "team": {"S": "sales"}}, 1, id="projected-change"),
        # replied, paged, a new status: attributes no index holds: no index write
        pytest.param(TICKET, {**TICKET, "replied_at": {"S": "2026-12-06T10:05:00Z"}}, 0, id="replied"),
        pytest.param(TICKET, {**TICKET, "status": {"S": "resolved"}}, 0, id="unprojected-change"),
        # leaving the open queue (ByQueue's key removed): a delete there; ByHistory holds nothing that changed
        pytest.param(TICKET, {k: v for k, v in TICKET.items() if k != "queue"}, 1, id="leaves-queue"),
        # resolved: ByQueue's entry moves (a delete and a put)
        pytest.param(TICKET, {**TICKET, "queue": {"S": "resolved"}}, 2, id="moves-queue"),
        # a key-only index entry that moves: a delete and a put
        pytest.param(
            {"pk": {"S": "P"}, "sk": {"S": "S"}, "due": {"S": "d"}, "due_at": {"S": "1"}},
            {"pk": {"S": "P"}, "sk": {"S": "S"}, "due": {"S": "d"}, "due_at": {"S": "2"}},
            2,
            id="moves",
        ),
    ],
)
def test_index_writes_follow_each_index_projection(before: Any, after: Any, units: int) -> None:
    # GIVEN an item before and after a write  WHEN its index writes are counted  THEN as DynamoDB bills them
    assert index_writes(before, after) == units


def test_a_ticket_put_pays_its_item_and_its_index_entries() -> None:
    # GIVEN a new 2.7 KB ticket  WHEN it is put  THEN 3 units for the item and 2 for its index entries
    assert write_units(None, TICKET) == 3 + 2


def test_the_meter_reads_each_index_from_the_template() -> None:
    # GIVEN the tickets table as infra/template.yaml deploys it
    table = load_template()["Resources"]["TicketsTable"]["Properties"]
    # WHEN the meter reads its indexes  THEN it has each one, keyed and projected as deployed
    for index in table["GlobalSecondaryIndexes"]:
        keys, projected = INDEXES[index["IndexName"]]
        assert keys == tuple(k["AttributeName"] for k in index["KeySchema"])
        assert projected == tuple(index["Projection"].get("NonKeyAttributes", ()))


def test_an_index_projecting_all_is_charged_the_whole_item(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN an index that projects every attribute (what the console's indexes nearly did with the document)
    monkeypatch.setattr("bench.replies_meter.INDEXES", {"ByQueue": (("queue", "queue_order"), None)})
    # WHEN a 2.7 KB ticket is put, and then an attribute only the item knows changes
    # THEN its entry is the whole item (3 units), written again on any change
    assert index_writes(None, TICKET) == 3
    assert index_writes(TICKET, {**TICKET, "replied_at": {"S": "2026-12-06T10:05:00Z"}}) == 3
