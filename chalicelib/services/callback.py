"""Call back through the company line: ring the paged person's phone, then bridge the customer, and log it.

The person presses "Call the customer" on their ack page. Twilio rings the person first (their
phone shows the company line), and only when they answer dials the customer with the company
line as caller id: a founder's own number never reaches a customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.channels.twilio_calls import CallRequestError, TwilioAccount, call_request, read_answer
from chalicelib.errors import DependencyError, NotFoundError, SwitchboardError
from chalicelib.model.page import Page
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry, Kind
from chalicelib.observability import logger
from chalicelib.paging.contact import company_line, customer_name, customer_phone
from chalicelib.paging.escalation import describe_time
from chalicelib.replies.model import Outcome, TransportError
from chalicelib.replies.ports import HttpTransport


class CallPages(Protocol):
    """The part of the page repository a call-back needs."""

    def get(self, page_id: str) -> Page | None: ...
    def record(self, ticket_id: str, entries: list[Entry]) -> None: ...


class CallbackError(SwitchboardError):
    """A call-back that cannot be placed: no number to ring, or Twilio refused it for good."""

    http_status = 422
    code = "callback_refused"


@dataclass(frozen=True)
class CallPlaced:
    call_sid: str
    person_phone: str
    customer: str  # the customer's name, for the result page
    company_number: str


@dataclass
class CallbackService:
    pages: CallPages
    tickets: Callable[[str], Ticket | None]
    transport: HttpTransport
    #: the Twilio account asking for the call; a callable: the token comes from SSM on first use
    account: Callable[[], TwilioAccount]
    #: the company line for customers who did not text or call (SUPPORT_PHONE)
    support_phone: str | None = None

    def call(self, page_id: str, person: str, now: datetime) -> CallPlaced:
        """Ask Twilio to ring ``person`` (on ``page_id``) and bridge the ticket's customer; logged on the timeline."""
        page = self.pages.get(page_id)
        if page is None:
            raise NotFoundError(f"there is no page {page_id}")
        recipient = next((r for r in page.everyone() if r.person == person), None)
        if recipient is None:
            raise CallbackError(f"{person} is not on page {page_id}'s escalation")
        ticket = self.tickets(page.ticket_id)
        if ticket is None:
            raise NotFoundError(f"there is no ticket {page.ticket_id}")
        if not recipient.phone:
            raise CallbackError(f"there is no phone number for {recipient.name} in the rules: nothing to ring")
        customer, company = customer_phone(ticket), company_line(ticket.event, self.support_phone)
        if customer is None:
            raise CallbackError("the customer left no phone number to call back")
        if company is None:
            raise CallbackError("no company line to call from: set SUPPORT_PHONE")
        try:
            request = call_request(recipient.phone, customer, company, self.account())
        except CallRequestError as exc:
            raise CallbackError(str(exc)) from None
        try:
            result = read_answer(self.transport.send(request))
        except TransportError as exc:
            # the request may have reached Twilio: say so rather than invite a second ring
            hint = "; it may still ring: wait a minute before trying again" if exc.sent else ""
            raise DependencyError(f"Twilio did not answer ({exc.reason}){hint}") from None
        if result.outcome is Outcome.TRANSIENT:
            raise DependencyError(f"Twilio is busy ({result.reason}); try again in a minute")
        if result.outcome is Outcome.PERMANENT or result.message_id is None:
            raise CallbackError(f"Twilio refused the call: {result.reason}")
        name = customer_name(ticket)
        entry = Entry(
            at=now,
            kind=Kind.CALLED_BACK,
            page_id=page_id,
            actor=person,
            text=f"{recipient.name} called {name} back through the company line {company} at {describe_time(now)}: "
            f"ringing {recipient.name} on {recipient.phone}, then {customer} (call {result.message_id})",
        )
        try:
            self.pages.record(page.ticket_id, [entry])
        except SwitchboardError:
            # the phone is already ringing: failing the request now would only invite a second call
            logger.warning("call placed, but not logged on the ticket", extra={"page_id": page_id})
        logger.info("call back placed", extra={"page_id": page_id, "call_sid": result.message_id})
        return CallPlaced(result.message_id, recipient.phone, name, company)
