"""A paged person answers the customer: from the ack page's reply box, or by texting "R <code> <text>".

The reply itself goes through the reply service (the outbox: recorded, then sent once on the
customer's own channel; it stops the SLA timer). Answering the customer is also taking the ticket,
so a reply acknowledges a page that is still escalating: nobody else is woken for a customer who
already has an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from chalicelib.channels.bounds import clean_text
from chalicelib.errors import NotFoundError, PayloadError, SwitchboardError
from chalicelib.model.page import Page, PageState, Recipient
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry, Kind
from chalicelib.observability import logger
from chalicelib.paging.contact import channel_words, customer_name
from chalicelib.services.paging_ports import AckRejectedError

if TYPE_CHECKING:
    from chalicelib.replies.model import Reply

#: a one-time token from the reply form (random per render), or Twilio's MessageSid
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class PersonReplies(Protocol):
    """The reply service as a person's reply uses it (the outbox; it raises a 4xx error for a bad reply)."""

    def reply_as_person(
        self, ticket_id: str, person: str, person_name: str, text: str, token: str, now: datetime
    ) -> Reply: ...


class ReplyPages(Protocol):
    def get(self, page_id: str) -> Page | None: ...
    def by_code(self, code: str) -> Page | None: ...
    def record(self, ticket_id: str, entries: list[Entry]) -> None: ...


@dataclass(frozen=True)
class Answered:
    reply: Reply
    #: to whom and how, in words: "Dana Whitfield by SMS"
    to: str
    #: this reply took the page (it was still escalating)
    took: bool


@dataclass
class PageReplyService:
    pages: ReplyPages
    replies: PersonReplies
    tickets: Callable[[str], Ticket | None]
    #: (page_id, person, now, via) → the acknowledged page (PagingService.acknowledge)
    acknowledge: Callable[[str, str, datetime, str], Page]

    def from_page(self, page_id: str, person: str, text: str, token: str, now: datetime) -> Answered:
        """``person`` (verified by their signed link) replies from the page's reply box."""
        page = self.pages.get(page_id)
        if page is None:
            raise NotFoundError(f"there is no page {page_id}")
        recipient = next((r for r in page.everyone() if r.person == person), None)
        if recipient is None:
            raise AckRejectedError(f"{person} is not on page {page_id}'s escalation")
        if not _TOKEN.match(token):
            raise PayloadError("the form has no valid token: reload the page and send again", field="token")
        return self._answer(page, recipient, text, token, now, via="a reply from the page")

    def by_sms(self, code: str, phone: str, text: str, message_sid: str, now: datetime) -> str:
        """An SMS "R <code> <text>" from ``phone``: the answer to text back, whatever happened."""
        page = self.pages.by_code(code)
        if page is None:
            return f"Switchboard: no page has the code {code}. Nothing was sent."
        paged = [r for r in page.paged_people() if r.phone == phone]
        if not paged:
            refusal = f"R {code} from {phone} refused: that number was not paged"
            self.pages.record(
                page.ticket_id,
                [Entry(at=now, kind=Kind.REFUSED, page_id=page.page_id, actor=phone, text=refusal)],
            )
            return f"Switchboard: R {code} not accepted: this number was not paged for it. Nothing was sent."
        if not _clean(text):
            return f"Switchboard: nothing to send. Text R {code} followed by your reply to the customer."
        try:
            answered = self._answer(page, paged[0], text, message_sid, now, via=f"a reply by SMS from {phone}")
        except SwitchboardError as exc:
            return f"Switchboard: not sent: {exc.reason}"
        took = " You have the ticket; escalation stopped." if answered.took else ""
        return f"Switchboard: sent to {answered.to}.{took}"

    def _answer(self, page: Page, person: Recipient, text: str, token: str, now: datetime, via: str) -> Answered:
        body = _clean(text)
        if not body:
            raise PayloadError("the reply is empty: write something to send", field="text")
        reply = self.replies.reply_as_person(page.ticket_id, person.person, person.name, body, token, now)
        ticket = self.tickets(page.ticket_id)
        name = customer_name(ticket) if ticket is not None else page.customer
        return Answered(reply, f"{name} by {channel_words(reply.event)}", self._take(page, person, now, via))

    def _take(self, page: Page, person: Recipient, now: datetime, via: str) -> bool:
        if page.state not in (PageState.OPEN, PageState.EXHAUSTED):
            return False
        try:
            self.acknowledge(page.page_id, person.person, now, via)
        except SwitchboardError:
            # the reply is recorded and on its way; a lost race to acknowledge must not undo it
            logger.warning("replied, but could not take the page", extra={"page_id": page.page_id})
            return False
        return True


def _clean(text: str) -> str:
    """A browser's CRLF as LF, control characters out, surrounding blank space dropped; lines inside kept."""
    return clean_text(text).replace("\r\n", "\n").replace("\r", "\n").strip()
