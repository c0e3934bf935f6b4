"""Pages for the paging tests: a two-level ladder (on-call engineer, then both founders) that runs three times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.model.page import Level, Page, Recipient

OPENED = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tue 03:00 in New York

PRIYA = Recipient(
    person="priya", name="Priya Nair", phone="+15550100", topic="platform", via="on call, rotation primary"
)
MAYA = Recipient(person="maya", name="Maya Chen", email="maya@example.com", topic="founders", via="team founders")
TOM = Recipient(person="tom", name="Tom Okafor", email="tom@example.com", topic="founders", via="team founders")

ON_CALL = Level(targets=("rotation:primary",), recipients=(PRIYA,), ack_timeout_seconds=300)
FOUNDERS = Level(targets=("team:founders",), recipients=(MAYA, TOM), ack_timeout_seconds=900)


def make_page(**changes: Any) -> Page:
    """An open page as it is written when it opens: nothing notified yet, due at once."""
    fields: dict[str, Any] = {
        "page_id": "P-0a1b2c3d4e",
        "ticket_id": "T-20261124-0001",
        "ack_code": "482913",
        "priority": "P1",
        "team": "platform",
        "tier": "enterprise",
        "channel": "widget",
        "customer": "Northwind Traders",
        "summary": "Checkout is down for all our stores",
        "reasons": ("urgency 0.92: outage words, VIP customer", "P1 at night: escalation urgent"),
        "policy": "urgent",
        "levels": (ON_CALL, FOUNDERS),
        "repeat": 2,
        "level": -1,
        "opened_at": OPENED,
        "next_due": OPENED,
    }
    fields.update(changes)
    return Page(**fields)
