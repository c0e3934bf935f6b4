"""Intake: a verified, parsed webhook becomes one queued SupportEvent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.model.event import SupportEvent

if TYPE_CHECKING:
    # the port is a type only: the webhook function's cold start skips the triage side's ports module
    from chalicelib.services.ports import EventQueue


@dataclass
class IntakeService:
    queue: EventQueue

    def accept(self, event: SupportEvent) -> str:
        """Queue the event for triage and return its id (the answer to the provider)."""
        self.queue.enqueue(event)
        return event.event_id
