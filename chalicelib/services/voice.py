"""A live call: decide inline who to ring, next person on no answer, then voicemail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Contact, Decision
from chalicelib.model.event import SupportEvent
from chalicelib.services.ports import CustomerDirectory

GREETING = (
    "Sorry, nobody could take your call right now. Please leave a message after the tone, "
    "and we will call you back as soon as we can."
)


@dataclass
class VoiceService:
    """The one synchronous path: Twilio waits for TwiML, so the routing engine runs in the API."""

    customers: CustomerDirectory
    #: (event, customer, now, earlier messages in the last hour) → Decision, as triage uses it
    decide: Callable[[SupportEvent, Customer, datetime, int], Decision]
    clock: Callable[[], datetime]

    def dial_list(self, call: SupportEvent) -> tuple[Contact, ...]:
        """Who to ring, in order, for this caller now (the same rules and rotations as every ticket).

        Recomputed for each dial callback rather than stored: the API keeps no state between
        Twilio's requests, and the rules and rotation give the same list within a call.
        """
        customer = self.customers.find(call.sender) or Customer.unknown(
            call.sender.name or call.sender.phone or "caller"
        )
        return self.decide(call, customer, self.clock(), 0).dial
