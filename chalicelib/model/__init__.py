"""Domain models shared by channels, routing and services."""

from __future__ import annotations

from chalicelib.model.customer import Customer, Tier
from chalicelib.model.decision import Decision, Priority
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.ticket import PageStatus, Ticket

__all__ = [
    "Channel",
    "Customer",
    "Decision",
    "PageStatus",
    "Priority",
    "Sender",
    "SupportEvent",
    "Ticket",
    "Tier",
]
