"""Fakes for a paged person's side of replies: the reply service as the ack page calls it, and an HTTP transport."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.errors import PayloadError
from chalicelib.model.ticket import Ticket
from chalicelib.replies.model import HttpAnswer, HttpRequest, Reply, ReplyKind, TransportError, person_reply_id


@dataclass(frozen=True)
class PersonReplyCall:
    ticket_id: str
    person: str
    person_name: str
    text: str
    token: str
    now: datetime


@dataclass
class FakeReplies:
    """``reply_as_person`` as ReplyService offers it: records each call, answers with the Reply."""

    tickets: Callable[[str], Ticket | None]
    calls: list[PersonReplyCall] = field(default_factory=list)
    #: raised instead of replying (a closed ticket, a too-long text)
    refuse: PayloadError | None = None

    def reply_as_person(
        self, ticket_id: str, person: str, person_name: str, text: str, token: str, now: datetime
    ) -> Reply:
        if self.refuse is not None:
            raise self.refuse
        self.calls.append(PersonReplyCall(ticket_id, person, person_name, text, token, now))
        ticket = self.tickets(ticket_id)
        assert ticket is not None, f"no ticket {ticket_id}"
        return Reply(
            reply_id=person_reply_id(ticket_id, token),
            ticket_id=ticket_id,
            kind=ReplyKind.PERSON,
            event=ticket.event,
            text=text,
            author=person,
            author_name=person_name,
            created_at=now,
        )


@dataclass
class FakeTransport:
    """The providers' HTTP transport: keeps every request, answers with ``answer`` (or raises ``error``)."""

    answer: HttpAnswer = field(
        default_factory=lambda: HttpAnswer(
            201, {"Content-Type": "application/json"}, b'{"sid": "CA' + b"5" * 32 + b'", "status": "queued"}'
        )
    )
    error: TransportError | None = None
    sent: list[HttpRequest] = field(default_factory=list)

    def send(self, request: HttpRequest) -> HttpAnswer:
        self.sent.append(request)
        if self.error is not None:
            raise self.error
        return self.answer
