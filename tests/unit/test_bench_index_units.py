"""The benchmarks' DynamoDB meter charges index entries by what each index projects (no time is checked)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.replies_meter import index_writes, write_units

DOC = "x" * 2500  # a ticket's document: the console's indexes carry it

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
        # a new ticket: the two console entries with the document (3 each)
        pytest.param(None, TICKET, 3 + 3, id="new-ticket"),
        # a projected attribute changes: both console entries are rewritten whole
        pytest.param(TICKET, {**TICKET, "status": {"S": "resolved"}}, 3 + 3, id="projected-change"),
        # an attribute no index holds: no index write
        pytest.param(TICKET, {**TICKET, "note": {"S": "n"}}, 0, id="unprojected-change"),
        # leaving the open queue (ByQueue's key removed): a delete there; ByHistory holds nothing that changed
        pytest.param(TICKET, {k: v for k, v in TICKET.items() if k != "queue"}, 3, id="leaves-queue"),
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
    # GIVEN a new 2.7 KB ticket  WHEN it is put  THEN 3 units for the item and 6 for its index entries
    assert write_units(None, TICKET) == 3 + 6
