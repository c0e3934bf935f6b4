"""A reply in the outbox, and what a provider made of an attempt to send it.

A reply is recorded before it is attempted and marked after (ARCHITECTURE: the second half of the
flow): the record is what the sender and the sweep work from, so a fault means "sent late", never
"never sent", and its key keeps a retry from sending twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.model.event import SupportEvent

SYSTEM = "switchboard"
#: a pending reply is due for the sweep this long after it was recorded or retried: past the queue's own delivery
GRACE = timedelta(seconds=120)


class ReplyKind(StrEnum):
    AUTO = "auto"  # the rules' auto-reply to a ticket or follow-up
    PERSON = "person"  # typed by the person who was paged (ack page, SMS "R <code> <text>")
    #: an incident's public update, sent to one customer who reported it, on their ticket and channel
    INCIDENT = "incident"
    #: an incident's update posted on our own account (X): no customer, no ticket; keyed under the incident
    ANNOUNCEMENT = "announcement"


class ReplyState(StrEnum):
    PENDING = "pending"  # recorded; not yet confirmed sent
    SENT = "sent"
    FAILED = "failed"  # a permanent refusal (the provider's reason), or given up after every retry
    SKIPPED = "skipped"  # deliberately not sent: an auto-submitted email, an opted-out number, a thread answered today


class Reply(BaseModel):
    """One message to one customer, answering ``event`` (whose channel, sender and thread say where it goes)."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    reply_id: str = Field(min_length=1, max_length=200)
    ticket_id: str
    kind: ReplyKind
    event: SupportEvent
    text: str = Field(min_length=1, max_length=4000)
    #: a person's key for a person's reply; "switchboard" for an automatic one
    author: str = SYSTEM
    author_name: str | None = None
    created_at: AwareDatetime
    state: ReplyState = ReplyState.PENDING
    attempts: int = 0
    provider_message_id: str | None = None
    reason: str | None = None
    sent_at: AwareDatetime | None = None
    #: attempts cut off after the request may have reached the provider: the customer may have it twice
    possible_duplicates: int = 0

    @property
    def automatic(self) -> bool:
        return self.kind is ReplyKind.AUTO

    @property
    def to_customer(self) -> bool:
        """Whether it answers a customer's ticket (an announcement answers nobody: no timeline, no REPLIED)."""
        return self.kind is not ReplyKind.ANNOUNCEMENT


def auto_reply_id(ticket_id: str, event_id: str) -> str:
    """The one automatic reply an event can have: stable across redeliveries of that event."""
    return f"{ticket_id}.auto.{_digest(event_id)}"


def person_reply_id(ticket_id: str, token: str) -> str:
    """A person's reply, keyed by the form's token (or the SMS's id): a double submit sends once."""
    return f"{ticket_id}.person.{_digest(token)}"


def incident_reply_id(ticket_id: str, update_id: str) -> str:
    """An incident update's reply to one linked ticket: one per (update, ticket), so a re-run never double-texts."""
    return f"{ticket_id}.incident.{_digest(update_id)}"


def announcement_id(incident_id: str, update_id: str, channel: str) -> str:
    """An incident update's post on our own account on ``channel``: once per update."""
    return f"{incident_id}.announce.{channel}.{_digest(update_id)}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class HttpRequest:
    """What a sender adapter builds: the provider's request, exactly as it goes on the wire."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Outcome(StrEnum):
    SENT = "sent"
    TRANSIENT = "transient"  # 429, 5xx, a timeout: try again later
    PERMANENT = "permanent"  # the provider will never accept this one: record why, do not retry


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    #: the provider's id for the sent message (Twilio's SM…, Slack's ts, SES's MessageId, …)
    message_id: str | None = None
    #: the provider's reason, in its words ("21610: Attempt to send to unsubscribed recipient")
    reason: str | None = None
    #: seconds the provider asked us to wait (Retry-After); None: our own backoff
    retry_after: float | None = None
    #: the request may have reached the provider (a timeout after sending): a retry may duplicate it
    uncertain: bool = False

    @classmethod
    def sent(cls, message_id: str | None) -> SendResult:
        return cls(Outcome.SENT, message_id=message_id)

    @classmethod
    def transient(cls, reason: str, retry_after: float | None = None, uncertain: bool = False) -> SendResult:
        return cls(Outcome.TRANSIENT, reason=reason, retry_after=retry_after, uncertain=uncertain)

    @classmethod
    def permanent(cls, reason: str) -> SendResult:
        return cls(Outcome.PERMANENT, reason=reason)


@dataclass(frozen=True)
class HttpAnswer:
    """A provider's HTTP answer, as the transport read it."""

    status: int
    headers: dict[str, str]
    body: bytes


class TransportError(Exception):
    """The request got no answer. ``sent``: it may have reached the provider (a timeout after sending)."""

    def __init__(self, reason: str, sent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent = sent


@dataclass(frozen=True)
class Claim:
    """A reply taken for one attempt."""

    reply: Reply
    #: an earlier attempt was claimed and never settled: it may have reached the provider
    interrupted: bool


@dataclass(frozen=True)
class Snapshot:
    """A reply as read before its claim, with what the claim's conditions check it still is."""

    reply: Reply
    #: an earlier attempt was claimed and never settled (it may have reached the provider)
    in_flight: bool = False
    lease_until: datetime | None = None
    not_before: datetime | None = None
    #: when the sweep would take it up; None: settled (out of the sweep's index)
    due_at: datetime | None = None

    def claimable(self, now: datetime) -> bool:
        """Pending, leased to nobody, and past any Retry-After: what the claim's condition requires."""
        free = self.lease_until is None or self.lease_until <= now
        waited = self.not_before is None or self.not_before <= now
        return self.reply.state is ReplyState.PENDING and free and waited


@dataclass(frozen=True)
class ThreadHold:
    """The thread's one automatic reply, taken with the claim until ``until``."""

    thread_key: str
    until: datetime


@dataclass(frozen=True)
class ThreadBusy:
    """Another reply holds the thread's automatic reply: this one must not go."""

    reply: Reply
    #: whether the reply was taken for the attempt all the same (the thread's claim came second, on its own)
    claimed: bool = False
