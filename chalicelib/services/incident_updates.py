"""Tell everyone, once: each public update of an incident to every customer who reported it, on their channel.

Each (update, ticket) is one reply in the outbox, under a key made of both: recording it is
conditional, so telling again (a retried command, the sweep after a crash half-way) records nothing
twice and texts nobody twice. The outbox then sends, retries and settles each one as it does any
reply. The final update also closes the linked tickets; a customer who writes again reopens their own.
What each channel hears, and in which words, is incidents/notify.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chalicelib.incidents import notify
from chalicelib.incidents.model import Incident, Report, Update
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry, Kind
from chalicelib.observability import logger
from chalicelib.replies.model import (
    GRACE,
    Reply,
    ReplyKind,
    ReplyState,
    announcement_id,
    incident_reply_id,
)
from chalicelib.routing.greeting import greeting
from chalicelib.services.replies import DEFAULT_TEXT_LIMIT, TEXT_LIMITS, reply_event


@dataclass(frozen=True)
class Told:
    """What telling one update did, for the operator's answer and the log."""

    queued: int = 0  # new replies recorded and handed to the sender
    already: int = 0  # recorded by an earlier run: not again
    not_on_channel: int = 0  # SMS between the confirmation and the resolution
    refused: int = 0  # recorded skipped: the guard's reason (an opted-out number, our own address)
    missing: int = 0  # a linked ticket that could not be read
    closed: int = 0  # tickets the final update closed
    posted: int = 0  # posts on our own account

    def words(self) -> str:
        parts = [f"{self.queued} customer{'s' * (self.queued != 1)} told"]
        for count, what in (
            (self.already, "told before"),
            (self.not_on_channel, "by SMS, who hear only the confirmation and the resolution"),
            (self.refused, "not to be answered (see their tickets)"),
            (self.missing, "tickets not found"),
            (self.closed, "tickets closed"),
            (self.posted, "posted on X"),
        ):
            if count:
                parts.append(f"{count} {what}")
        return ", ".join(parts)


@dataclass
class IncidentNotifier:
    #: records a reply once (the outbox's conditional put); False: that key was recorded before
    record: Callable[[Reply, datetime], bool]
    #: hands a recorded reply to the sender (a failure leaves it to the replies sweep)
    queue: Callable[[str], None]
    ticket: Callable[[str], Ticket | None]
    #: why a message must not be answered automatically (replies/guard.py), or None
    refusal: Callable[[SupportEvent], str | None]
    #: closes an open ticket for the incident; False when it was not open
    close_ticket: Callable[[str, datetime, str], bool]
    timeline: Callable[[str, list[Entry]], None]
    status_url: str
    #: post each update on our own X account too (the rules' incidents.post_to_x)
    post_to_x: bool = False

    def tell(self, incident: Incident, update: Update, reports: Sequence[Report], now: datetime) -> Told:
        counts = dict.fromkeys(("queued", "already", "not_on_channel", "refused", "missing", "closed", "posted"), 0)
        # one reply per ticket: a customer whose follow-up linked again is still one customer
        for ticket_id in dict.fromkeys(r.ticket_id for r in reports):
            ticket = self.ticket(ticket_id)
            if ticket is None:
                counts["missing"] += 1
                continue
            counts[self._tell_one(incident, update, ticket, now)] += 1
            if update.status.closed and ticket.is_open and self.close_ticket(ticket_id, now, update.by):
                counts["closed"] += 1
                why = f"resolved with incident {incident.incident_id}: {update.body}"
                self.timeline(ticket_id, [Entry(at=now, kind=Kind.RESOLVED, actor=update.by, text=why)])
        if self.post_to_x and update.status.public and self._announce(incident, update, now):
            counts["posted"] += 1
        told = Told(**counts)
        logger.info("incident update told", extra={"incident_id": incident.incident_id, "update_id": update.update_id,
                                                   "told": told.words()})  # fmt: skip
        return told

    def _tell_one(self, incident: Incident, update: Update, ticket: Ticket, now: datetime) -> str:
        event = reply_event(ticket)
        if not notify.hears(event.channel, incident, update):
            return "not_on_channel"
        refusal = self.refusal(event)
        name = greeting(event.sender.name, ticket.customer.contact_name if ticket.customer.known else None)
        limit = TEXT_LIMITS.get(event.channel, DEFAULT_TEXT_LIMIT)
        reply = Reply(
            reply_id=incident_reply_id(ticket.ticket_id, update.update_id),
            ticket_id=ticket.ticket_id,
            kind=ReplyKind.INCIDENT,
            event=event,
            text=notify.update_text(update, name, self.status_url, limit),
            author=update.by,
            created_at=now,
            state=ReplyState.SKIPPED if refusal else ReplyState.PENDING,
            reason=refusal,
        )
        if not self.record(reply, now + GRACE):
            return "already"
        if refusal:
            return "refused"
        self.queue(reply.reply_id)
        return "queued"

    def _announce(self, incident: Incident, update: Update, now: datetime) -> bool:
        """One post on our own X account; kept under the incident in the outbox, so it is posted once."""
        reply_id = announcement_id(incident.incident_id, update.update_id, Channel.X.value)
        event = SupportEvent(
            event_id=reply_id,
            channel=Channel.X,
            provider="x",
            received_at=now,
            sender=Sender(name="status"),
            text="",
            metadata={"kind": "post"},
        )
        post = Reply(
            reply_id=reply_id,
            ticket_id=incident.incident_id,
            kind=ReplyKind.ANNOUNCEMENT,
            event=event,
            text=notify.announcement_text(update, self.status_url),
            author=update.by,
            created_at=now,
        )
        if not self.record(post, now + GRACE):
            return False
        self.queue(post.reply_id)
        return True
