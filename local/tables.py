"""The local tables: seed customers from events/, and read tickets back as a table a person can scan."""

from __future__ import annotations

import json
import unicodedata
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
    #: whether the customer heard back: "auto 03:02", "Maya 03:05", or the outbox's state ("pending", "skipped")
    replied: str = "—"

    @classmethod
    def from_item(
        cls, item: dict[str, Any], follow_ups: Sequence[dict[str, Any]] = (), replies: Sequence[dict[str, Any]] = ()
    ) -> TicketRow:
        """The ticket as its messages leave it: the most urgent priority and every page any of them sent.

        A reply that says "it is completely down now" pages on its own decision; the row shows that,
        not only what the first message was.
        """
        # the `doc` attribute is the whole ticket as JSON; the top-level attributes are for queries
        doc = json.loads(item["doc"]["S"])
        priority = item["priority"]["S"]
        targets: list[str] = []
        held: str | None = None  # the first deferred message's hold, shown when nothing paged
        pending = False
        for status, decision in (
            (item.get("page_status", {}).get("S"), doc["decision"]),
            *((f["page_status"]["S"], json.loads(f["doc"]["S"])["decision"]) for f in follow_ups),
        ):
            priority = min(priority, decision["priority"])  # "P1" < "P4": the most urgent wins
            if status == "deferred" and decision.get("deferred_until") and held is None:
                # a deferred page waits for the team's opening: say when, not that it went out
                held = f"held to {datetime.fromisoformat(decision['deferred_until']):%a %H:%M}"
            elif status in ("sent", "pending"):
                targets.extend(decision.get("page_targets") or [])
                pending = pending or status == "pending"
        paged = ", ".join(dict.fromkeys(targets)) + (" (pending)" if pending else "") if targets else ""
        return cls(
            ticket_id=item["ticket_id"]["S"],
            event_id=item["event_id"]["S"],
            channel=item["channel"]["S"],
            customer=doc["customer"]["name"],
            priority=priority,
            team=item["team"]["S"],
            route=item["route"]["S"],
            paged=paged or held or "—",
            created_at=item["created_at"]["S"],
            reasons=tuple(r["S"] for r in item.get("reasons", {}).get("L", [])),
            messages=int(item.get("messages", {}).get("N", "1")),
            replied=_replied(item, replies),
        )

    def line(self) -> str:
        """One line for a ticket made while the platform runs."""
        paged = f"→ {self.paged}" if self.paged != "—" else "no page"
        return (
            f"🎫 {self.ticket_id}  {self.channel}  {self.customer}  {self.priority}  {self.team}  {self.route}  {paged}"
        )


def _replied(item: dict[str, Any], replies: Sequence[dict[str, Any]]) -> str:
    """The REPLIED cell: who answered first and when (UTC), else what the outbox holds for the ticket."""
    if "replied_at" in item:
        by = item.get("replied_by", {}).get("S", "")
        who = "auto" if by in ("", "switchboard") else by.split()[0]
        return f"{who} {datetime.fromisoformat(item['replied_at']['S']):%H:%M}"
    states = {r["state"]["S"] for r in replies}
    return next((state for state in ("pending", "failed", "skipped") if state in states), "—")


Items = list[dict[str, Any]]


def ticket_items(dynamodb: Any, table: str) -> list[tuple[dict[str, Any], Items, Items]]:
    """Every ticket item (sk = TICKET) with its follow-ups (MSG#…) and replies (REPLY#…), from one scan."""
    items: Items = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        items.extend(page["Items"])
    follow_ups: dict[str, Items] = {}
    replies: dict[str, Items] = {}
    for item in items:
        if item["sk"]["S"].startswith("MSG#"):
            follow_ups.setdefault(item["pk"]["S"], []).append(item)
        elif item["sk"]["S"].startswith("REPLY#"):
            replies.setdefault(item["pk"]["S"], []).append(item)
    tickets = [i for i in items if i["sk"]["S"] == "TICKET"]
    return [(i, follow_ups.get(i["pk"]["S"], []), replies.get(i["pk"]["S"], [])) for i in tickets]


def ticket_for_event(dynamodb: Any, table: str, event_id: str) -> TicketRow | None:
    """The ticket an event id produced: through a follow-up's dedup marker (EVENT#<id> → ticket id), else the
    ticket the event opened (its id is derived from the event's)."""
    from chalicelib.model.ticket import ticket_id_for

    marker = dynamodb.get_item(TableName=table, Key={"pk": {"S": f"EVENT#{event_id}"}, "sk": {"S": "EVENT"}})
    ticket_id = marker["Item"]["ticket_id"]["S"] if "Item" in marker else ticket_id_for(event_id)
    key = {"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": "TICKET"}}
    item = dynamodb.get_item(TableName=table, Key=key).get("Item")
    return TicketRow.from_item(item) if item else None


def tickets(dynamodb: Any, table: str) -> list[TicketRow]:
    rows = (TicketRow.from_item(*parts) for parts in ticket_items(dynamodb, table))
    return sorted(rows, key=lambda r: r.created_at)


HEADERS = ("TICKET", "CHANNEL", "MSGS", "CUSTOMER", "PRI", "TEAM", "ROUTE", "PAGED", "REPLIED")
# the columns that give up width first when the table would not fit, most compressible first
_SHRINKABLE = (6, 3, 7)


def _cells(row: TicketRow) -> tuple[str, ...]:
    cells = (row.ticket_id, row.channel, str(row.messages), row.customer, row.priority, row.team, row.route, row.paged)
    return (*cells, row.replied)


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes: CJK characters are two wide ("田中 海斗")."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(text: str, width: int) -> str:
    """``text`` in exactly ``width`` columns: clipped with "…" when longer, padded when shorter."""
    if _columns(text) > width:
        while _columns(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _columns(text))


def render(rows: Sequence[TicketRow], width: int = 100, gap: int = 2) -> str:
    """An aligned table no wider than ``width``; long customer names and routes are clipped with "…"."""
    cells = [HEADERS, *(_cells(r) for r in rows)]
    widths = [max(_columns(c[i]) for c in cells) for i in range(len(HEADERS))]
    while sum(widths) + gap * (len(widths) - 1) > width:
        # take one character from the widest shrinkable column that still has room to give
        candidates = [i for i in _SHRINKABLE if widths[i] > max(len(HEADERS[i]), 8)]
        if not candidates:
            break
        widths[max(candidates, key=lambda i: widths[i])] -= 1
    lines = [(" " * gap).join(_clip(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, (" " * gap).join("─" * w for w in widths))
    return "\n".join(lines)
