"""Replies: each recorded once, sent once, retried while a provider says "later", settled with its reason.

A reply is recorded in the outbox before anything is attempted (with its ticket, in the same
transaction, or alone for a person's reply), then handed to the replies queue. The sender claims it
for one attempt, sends, and settles it: sent (with the provider's id), failed (the provider's reason),
or skipped (why it must not go). A "later" (429, 5xx, a timeout) releases it with a backoff the queue
honours; the last allowed delivery settles it failed and leaves the message to the dead-letter queue,
whose alarm says so. A queue message lost on the way is found by the sweep, which queues it again.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from chalicelib.errors import NotFoundError, PayloadError, SwitchboardError
from chalicelib.model.event import Channel, SupportEvent
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry, Kind
from chalicelib.observability import logger
from chalicelib.replies.model import (
    GRACE,
    SYSTEM,
    Outcome,
    Reply,
    ReplyKind,
    ReplyState,
    SendResult,
    Snapshot,
    ThreadBusy,
    ThreadHold,
    auto_reply_id,
    person_reply_id,
)
from chalicelib.replies.ports import Outbox, ReplyQueue, ReplySender

#: the replies queue's maxReceiveCount (infra/template.yaml): the last delivery settles the reply failed
MAX_DELIVERIES = 5
#: one attempt's hold on a reply: longer than the replies function's timeout, so a live attempt keeps it
LEASE = timedelta(seconds=60)
#: backoff before retry n (1, 2, …): BASE·2^(n-1), capped, with full jitter in its upper half
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(minutes=15)
#: a provider's limits on one message's text (Twilio: 1,600 characters; the others take more)
TEXT_LIMITS = {Channel.SMS: 1600, Channel.VOICE: 1600}
DEFAULT_TEXT_LIMIT = 4000

CHANNEL_WORDS = {
    Channel.SMS: "by SMS",
    Channel.VOICE: "by SMS (they called)",
    Channel.EMAIL: "by email",
    Channel.SLACK: "in Slack",
    Channel.X: "on X",
    Channel.META: "on Messenger",
    Channel.WIDGET: "in the website chat",
}


class RetryLaterError(SwitchboardError):
    """The provider said "later": the queue should deliver this reply again after ``delay_seconds``."""

    retryable = True
    http_status = 503
    code = "retry_later"

    def __init__(self, reason: str, delay_seconds: float) -> None:
        super().__init__(reason)
        self.delay_seconds = delay_seconds


class GaveUpError(SwitchboardError):
    """Every allowed delivery failed: the reply is settled failed; the message goes on to the dead-letter queue."""

    code = "reply_failed"


class ReplyRefusedError(SwitchboardError):
    """A person's reply that cannot be taken (the ticket is closed)."""

    http_status = 409
    code = "reply_refused"


def backoff(
    attempt: int, retry_after: float | None, draw: Callable[[], float], base: timedelta = BACKOFF_BASE
) -> float:
    """Seconds before the next try: exponential with jitter, never sooner than the provider asked."""
    ceiling = min(BACKOFF_CAP.total_seconds(), base.total_seconds() * 2 ** max(0, attempt - 1))
    delay = ceiling / 2 + draw() * ceiling / 2  # jitter spreads a burst of 429s over the window
    return float(max(delay, retry_after or 0.0))


def auto_reply(ticket_id: str, event: SupportEvent, text: str, now: datetime, refusal: str | None) -> Reply:
    """The automatic reply a decision asked for, recorded skipped when it must not go (``refusal`` says why)."""
    state = ReplyState.SKIPPED if refusal else ReplyState.PENDING
    return Reply(
        reply_id=auto_reply_id(ticket_id, event.event_id),
        ticket_id=ticket_id,
        kind=ReplyKind.AUTO,
        event=event,
        text=text,
        created_at=now,
        state=state,
        reason=refusal,
    )


def reply_event(ticket: Ticket) -> SupportEvent:
    """The message a reply to ``ticket`` answers: its first, as of its last (whose time opens Meta's 24 hours)."""
    return ticket.event.model_copy(update={"received_at": ticket.last_message_at or ticket.created_at})


def describe(reply: Reply) -> str:
    """'Dana Whitfield by SMS': who the reply reaches, and how."""
    sender = reply.event.sender
    who = sender.name or sender.email or sender.phone or (sender.handle or "the customer").split(":", 1)[-1]
    return f"{who} {CHANNEL_WORDS.get(reply.event.channel, 'on ' + reply.event.channel.value)}"


@dataclass
class ReplyService:
    outbox: Outbox
    queue: ReplyQueue
    sender: ReplySender
    #: stops the ticket's first-response timer (a person answered)
    disarm_sla: Callable[[str, datetime], None]
    ticket: Callable[[str], Ticket | None]
    clock: Callable[[], datetime]
    #: at most one automatic reply per thread in this window (the rules' ``replies.once_per_thread``)
    thread_window: timedelta = timedelta(hours=24)
    #: whether a number has opted out of SMS (STOP)
    opted_out: Callable[[str], bool] = lambda phone: False
    draw: Callable[[], float] = field(default=random.random)
    #: the first retry's wait (the local stage shortens it, to show a retry in seconds)
    backoff_base: timedelta = BACKOFF_BASE

    #: per thread, the reply ids held for one SendMessageBatch at the end of ``batched()`` (``held``, absent:
    #: each is queued at once), and the replies ``read_ahead()`` read for a batch (``read``). Lambda runs one
    #: invocation at a time in a container; the local platform runs several consumers as threads on one
    #: container, and each batch must hold only its own.
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)

    def queue_reply(self, reply_id: str) -> None:
        """Hand a recorded reply to the sender; a failure leaves it to the sweep (it is recorded, so never lost)."""
        held: list[str] | None = getattr(self._local, "held", None)
        if held is not None:
            if reply_id not in held:
                held.append(reply_id)
            return
        try:
            self.queue.enqueue(reply_id)
        except SwitchboardError as exc:
            self._not_queued(reply_id, str(exc))

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Replies queued in this block go in one request per ten when it ends (triage: per SQS batch).

        A reply is recorded before it is queued, so holding it for the rest of the batch (milliseconds)
        only delays its send; if the function dies first, the sweep finds it pending and queues it.
        """
        held: list[str] = []
        self._local.held = held
        try:
            yield
        finally:
            self._local.held = None
            if held:
                for reply_id, error in self.queue.enqueue_many(held).items():
                    self._not_queued(reply_id, error)

    @staticmethod
    def _not_queued(reply_id: str, error: str) -> None:
        logger.warning("reply recorded, not queued; the sweep queues it", extra={"reply_id": reply_id, "error": error})

    @contextmanager
    def read_ahead(self, reply_ids: Sequence[str]) -> Iterator[None]:
        """Replies delivered in this block are read in one request at its start (the replies function: per batch),
        and each settle rides in the next claim's request (``Outbox.batch``).

        The read only says what each reply is; the claim's conditions decide, so a reply that changed since
        is claimed as it is now, or not at all. A failed read leaves each reply to be read on its own.
        """
        ids = list(dict.fromkeys(reply_ids))
        read: dict[str, Snapshot | None] = dict.fromkeys(ids)
        try:
            read |= self.outbox.read(ids)
        except SwitchboardError as exc:
            logger.warning("the batch's replies were not read ahead", extra={"error": str(exc)})
            read = {}
        self._local.read = read
        try:
            with self.outbox.batch():
                yield
        finally:
            self._local.read = None

    def _snapshot(self, reply_id: str) -> Snapshot | None:
        read: dict[str, Snapshot | None] | None = getattr(self._local, "read", None)
        if read is not None and reply_id in read:
            return read.pop(reply_id)  # used once: a second message of the same reply reads what the first left
        return self.outbox.read([reply_id]).get(reply_id)

    def deliver(self, reply_id: str, delivery: int, now: datetime) -> str:
        """One queue delivery of a reply (``delivery``: its receive count); what happened, in a word.

        RetryLaterError: the provider said "later"; GaveUpError: this was the last allowed delivery.
        """
        snapshot = self._snapshot(reply_id)
        if snapshot is None or not snapshot.claimable(now):
            # sent, failed or skipped already, another delivery is sending it now, or a Retry-After holds it
            return "settled"
        if (reason := self._opted_out(snapshot.reply)) is not None:
            return self._skip(snapshot.reply, now, reason)
        claim = self.outbox.claim(snapshot, now, now + LEASE, self._thread_hold(snapshot.reply, now))
        if claim is None:
            return "settled"
        if isinstance(claim, ThreadBusy):
            hours = self.thread_window.total_seconds() / 3600
            reason = f"this conversation had an automatic reply in the last {hours:g} hours"
            return self._skip(claim.reply, now, reason, claimed=claim.claimed)
        reply = claim.reply
        if claim.interrupted:
            logger.warning(
                "possible duplicate reply: an earlier attempt was cut off after sending",
                extra={"reply_id": reply_id, "possible_duplicates": reply.possible_duplicates},
            )
        result = self.sender.send(reply, now)
        if result.outcome is Outcome.SENT:
            return self._sent(reply, result, now)
        if result.outcome is Outcome.PERMANENT or delivery >= MAX_DELIVERIES:
            return self._failed(reply, result, delivery, now)
        delay = backoff(reply.attempts, result.retry_after, self.draw, self.backoff_base)
        self.outbox.release(
            reply_id, now, now + timedelta(seconds=delay), result.reason or "no reason given", result.uncertain
        )
        raise RetryLaterError(f"{reply_id}: {result.reason}; retry in {delay:.0f} s", delay)

    def reply_as_person(
        self, ticket_id: str, person: str, person_name: str, text: str, token: str, now: datetime
    ) -> Reply:
        """A paged person's reply: recorded, queued, and the ticket's first response (its SLA timer stops)."""
        ticket = self.ticket(ticket_id)
        if ticket is None:
            raise NotFoundError(f"there is no ticket {ticket_id}")
        if not ticket.is_open:
            raise ReplyRefusedError(f"ticket {ticket_id} is {ticket.status}: reopen it to reply")
        body = text.strip()
        limit = TEXT_LIMITS.get(ticket.event.channel, DEFAULT_TEXT_LIMIT)
        if not body:
            raise PayloadError("the reply is empty", field="text")
        if len(body) > limit:
            channel = ticket.event.channel.value
            raise PayloadError(
                f"the reply is {len(body):,} characters; a {channel} reply takes {limit:,} at most", "text"
            )
        event = reply_event(ticket)
        reply = Reply(
            reply_id=person_reply_id(ticket_id, token),
            ticket_id=ticket_id,
            kind=ReplyKind.PERSON,
            event=event,
            text=body,
            author=person,
            author_name=person_name,
            created_at=now,
        )
        if self.outbox.record(reply, now + GRACE):
            self.disarm_sla(ticket_id, now)
            self.queue_reply(reply.reply_id)
            return reply
        return self.outbox.get(reply.reply_id) or reply  # a double submit: the first one stands

    def sweep(self, now: datetime) -> int:
        """Queue again every pending reply past its retry time (a lost message, a crashed attempt)."""
        queued = 0
        for reply_id in self.outbox.due(now):
            if self.outbox.snooze(reply_id, now, now + GRACE):  # one sweep queues it, once per grace
                self.queue_reply(reply_id)
                queued += 1
        return queued

    def _opted_out(self, reply: Reply) -> str | None:
        """Why a reply must not go: a person's always goes (they chose to write); others respect STOP."""
        if reply.kind in (ReplyKind.PERSON, ReplyKind.ANNOUNCEMENT):
            return None
        phone = reply.event.sender.phone
        if reply.event.channel in (Channel.SMS, Channel.VOICE) and phone:
            self.outbox.flush()  # a held settle is the first write after its send, before any other request
            if self.opted_out(phone):
                return "the customer opted out of SMS (STOP)"
        return None

    def _thread_hold(self, reply: Reply, now: datetime) -> ThreadHold | None:
        """The thread an automatic reply takes with its claim: one per thread per window (an incident's update
        is news, and a person chose to write: neither is held to it)."""
        if reply.kind is not ReplyKind.AUTO or not reply.event.thread_key:
            return None
        return ThreadHold(reply.event.thread_key, now + self.thread_window)

    def _skip(self, reply: Reply, now: datetime, reason: str, claimed: bool = False) -> str:
        """Settle a reply as skipped: it is never attempted (one nobody holds, only if nobody does)."""
        entry = self._entry(reply, now, f"{self._label(reply)} to {describe(reply)} not sent: {reason}")
        settled = self.outbox.settle(reply, ReplyState.SKIPPED, now, reason=reason, entry=entry, claimed=claimed)
        return "skipped" if settled else "settled"

    def _sent(self, reply: Reply, result: SendResult, now: datetime) -> str:
        ref = f" ({result.message_id})" if result.message_id else ""
        entry = self._entry(reply, now, f"{self._label(reply)} sent to {describe(reply)}{ref}")
        by = (reply.author_name or reply.author) if reply.to_customer else None
        self.outbox.settle(reply, ReplyState.SENT, now, message_id=result.message_id, entry=entry, replied_by=by)
        return "sent"

    def _failed(self, reply: Reply, result: SendResult, delivery: int, now: datetime) -> str:
        given_up = result.outcome is not Outcome.PERMANENT
        reason = result.reason or "no reason given"
        if given_up:
            reason = f"gave up after {delivery} deliveries: {reason}"
        entry = self._entry(reply, now, f"{self._label(reply)} to {describe(reply)} not sent: {reason}")
        self.outbox.settle(reply, ReplyState.FAILED, now, reason=reason, entry=entry)
        if given_up:
            raise GaveUpError(f"{reply.reply_id}: {reason}")
        return "failed"

    @staticmethod
    def _label(reply: Reply) -> str:
        if reply.kind is ReplyKind.INCIDENT:
            return "incident update"
        return "auto-reply" if reply.automatic else f"reply from {reply.author_name or reply.author}"

    @staticmethod
    def _entry(reply: Reply, now: datetime, text: str) -> Entry | None:
        """The ticket's timeline line for the attempt's end, written with it."""
        if not reply.to_customer:  # a post on our own account: its record in the outbox is the whole story
            return None
        return Entry(at=now, kind=Kind.REPLIED, actor=SYSTEM if reply.automatic else reply.author, text=text)
