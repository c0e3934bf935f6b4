"""The local tables: seed customers from events/, and read tickets back as a table a person can scan."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local.samples import EVENTS_DIR

if TYPE_CHECKING:
    from chalicelib.adapters.customers_table import DynamoCustomerDirectory

CUSTOMERS_FILE = EVENTS_DIR / "customers.json"


def seed_customers(directory: DynamoCustomerDirectory, path: Path = CUSTOMERS_FILE) -> int:
    """Store every customer in ``path`` through the app's own directory adapter; returns how many.

    The same ``put_many`` the CSV import uses: batched writes, and a second seed writes nothing.
    """
    from chalicelib.model.customer import Customer

    customers = [Customer.model_validate(raw) for raw in json.loads(path.read_text(encoding="utf-8"))]
    directory.put_many(customers)
    return len(customers)


@dataclass(frozen=True)
class TicketRow:
    ticket_id: str
    event_id: str
    channel: str
    customer: str
    priority: str
    team: str
    route: str
    paged: str
    created_at: str
    reasons: tuple[str, ...]
    messages: int = 1  # the first message and the follow-ups that joined its thread

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> TicketRow:
        # the `doc` attribute is the whole ticket as JSON; the top-level attributes are for queries
        doc = json.loads(item["doc"]["S"])
        targets = doc["decision"].get("page_targets") or []
        status = item.get("page_status", {}).get("S")
        paged = ", ".join(targets) + (" (pending)" if status == "pending" else "") if targets else "—"
        if status == "deferred" and (held := doc["decision"].get("deferred_until")):
            # a deferred page waits for the team's opening: say when, not that it went out
            paged = f"held to {datetime.fromisoformat(held):%a %H:%M}"
        return cls(
            ticket_id=item["ticket_id"]["S"],
            event_id=item["event_id"]["S"],
            channel=item["channel"]["S"],
            customer=doc["customer"]["name"],
            priority=item["priority"]["S"],
            team=item["team"]["S"],
            route=item["route"]["S"],
            paged=paged,
            created_at=item["created_at"]["S"],
            reasons=tuple(r["S"] for r in item.get("reasons", {}).get("L", [])),
            messages=int(item.get("messages", {}).get("N", "1")),
        )

    def line(self) -> str:
        """One line for a ticket made while the platform runs."""
        paged = f"→ {self.paged}" if self.paged != "—" else "no page"
        return (
            f"🎫 {self.ticket_id}  {self.channel}  {self.customer}  {self.priority}  {self.team}  {self.route}  {paged}"
        )


def ticket_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every ticket item (sk = TICKET; the table also holds per-event dedup markers)."""
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        items.extend(i for i in page["Items"] if i["sk"]["S"] == "TICKET")
    return items


def ticket_for_event(dynamodb: Any, table: str, event_id: str) -> TicketRow | None:
    """The ticket an event id produced, through its dedup marker (EVENT#<id> → ticket id)."""
    marker = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}})
    if "Item" not in marker:
        return None
    key = {"pk": {"S": f"TICKET#{marker['Item']['ticket_id']['S']}"}, "sk": {"S": "TICKET"}}
    item = dynamodb.get_item(TableName=table, Key=key).get("Item")
    return TicketRow.from_item(item) if item else None


def tickets(dynamodb: Any, table: str) -> list[TicketRow]:
    return sorted((TicketRow.from_item(i) for i in ticket_items(dynamodb, table)), key=lambda r: r.created_at)


HEADERS = ("TICKET", "CHANNEL", "MSGS", "CUSTOMER", "PRI", "TEAM", "ROUTE", "PAGED")
# the columns that give up width first when the table would not fit, most compressible first
_SHRINKABLE = (6, 3, 7)


def _cells(row: TicketRow) -> tuple[str, ...]:
    return (row.ticket_id, row.channel, str(row.messages), row.customer, row.priority, row.team, row.route, row.paged)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render(rows: Sequence[TicketRow], width: int = 100, gap: int = 2) -> str:
    """An aligned table no wider than ``width``; long customer names and routes are clipped with "…"."""
    cells = [HEADERS, *(_cells(r) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADERS))]
    while sum(widths) + gap * (len(widths) - 1) > width:
        # take one character from the widest shrinkable column that still has room to give
        candidates = [i for i in _SHRINKABLE if widths[i] > max(len(HEADERS[i]), 12)]
        if not candidates:
            break
        widths[max(candidates, key=lambda i: widths[i])] -= 1
    lines = [(" " * gap).join(_clip(c, w).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, (" " * gap).join("─" * w for w in widths))
    return "\n".join(lines)
