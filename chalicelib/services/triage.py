"""Triage: dedup, look up the customer, decide, store the ticket, page when the decision says so."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.errors import DependencyError
from chalicelib.model.contacts import RecentContacts
from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import ALWAYS, HOLD, PAGE_HINT, SupportEvent
from chalicelib.model.ticket import Delivery, FollowUp, PageStatus, Ticket, sender_key
from chalicelib.model.ticket import ticket_id_for as ticket_id_for  # where callers have always found it
from chalicelib.services.paging_ports import page_id_for
from chalicelib.services.ports import CustomerDirectory, Pager, Snapshot, TicketRepository, TriageReads, Write

if TYPE_CHECKING:
    from chalicelib.replies.model import Reply
    from chalicelib.services.incident_intake import IncidentIntake
    from chalicelib.services.replies import ReplyService


def page_status(decision: Decision) -> PageStatus:
    if decision.pages:
        return PageStatus.PENDING
    return PageStatus.DEFERRED if decision.deferred_until and decision.page_targets else PageStatus.NONE


#: Providers whose requests carry no signed time, so a captured request verifies forever: Twilio, X
#: and Meta sign the body (and Twilio the URL) but no timestamp, and SendGrid's URL token is a bearer
#: credential, not a signature. A message that opened a ticket is recorded by the ticket itself, kept
#: for good; a follow-up's event marker from these providers never expires either: a replay a year
#: later still finds its record and makes no second ticket or follow-up. (The alternative, refusing a message whose own time in the
#: body is older than the dedup window, exists for X and Meta only, and would drop a genuine message
#: delivered late or replayed by the provider's own recovery tools; Twilio's and email's bodies
#: carry no trustworthy time at all.) A marker is ~100 bytes: a million messages cost ~0.1 GB.
#: Slack and the widget sign a timestamp checked within 5 minutes, far inside the 14-day TTL, and
#: SES arrives through IAM-authenticated SNS: their follow-ups' markers expire as before.
PERMANENT_MARKERS = frozenset({"twilio", "x", "meta", "sendgrid"})


def pages_itself(event: SupportEvent) -> bool:
    return event.metadata.get(PAGE_HINT) != HOLD


def urgent_news(event: SupportEvent) -> bool:
    return event.metadata.get(PAGE_HINT) == ALWAYS


@dataclass(frozen=True)
class TriageOutcome:
    ticket: Ticket
    created: bool  # False: a redelivery, or a follow-up that joined an open ticket
    paged: bool  # a page was published during this call
    joined: bool = False  # the event joined an open ticket's thread


@dataclass
class TriageService:
    tickets: TicketRepository
    customers: CustomerDirectory
    pager: Pager
    #: (event, customer, now, earlier messages from the sender in the last hour) → Decision
    decide: Callable[[SupportEvent, Customer, datetime, int], Decision]
    clock: Callable[[], datetime]
    dedup_ttl_seconds: int = 14 * 24 * 3600
    #: the reply outbox; None: nothing is said to the customer (the decision's auto-reply stays on the ticket)
    replies: ReplyService | None = None
    #: why an automatic reply must not go to this message (an out-of-office, a list, our own number), or None
    reply_refusal: Callable[[SupportEvent], str | None] = lambda event: None
    #: records an SMS STOP (True) or START (False) for a number, as of when it was sent
    record_opt_out: Callable[[str, bool, datetime], object] | None = None
    #: counts outage reports into bursts, opens the suspected incident, links later reports (None: off)
    incidents: IncidentIntake | None = None
    #: reads a batch's markers, threads, customers and recent contacts at once (None: each message reads its own)
    reads: TriageReads | None = None

    def prefetch(self, events: Sequence[SupportEvent]) -> Snapshot | None:
        """What ``handle`` reads before deciding, read for a whole batch at once (None: no batch reader)."""
        return self.reads.prefetch(events) if self.reads is not None and events else None

    def handle(self, event: SupportEvent, known: Snapshot | None = None) -> TriageOutcome:
        """Triage one message. ``known``: its batch's prefetch, kept current with this batch's writes; what it
        lacks is read here. It only saves reads: the ticket's transaction still decides what is stored."""
        if known is not None and event.event_id in known.deliveries:
            # taken, not looked at: the same event again in the batch reads what this delivery left
            existing = known.deliveries.pop(event.event_id)
        else:
            existing = self.tickets.for_event(event.event_id)
        if existing is not None:
            return self._answered(existing, created=False)
        now = self.clock()
        found = (
            known.customers[event.event_id]
            if known is not None and event.event_id in known.customers
            else self.customers.find(event.sender)
        )
        customer = found or Customer.unknown(
            event.sender.name or event.sender.email or event.sender.phone or "unknown sender"
        )
        contacts = self._contacts(event, known)
        decision = self.decide(event, customer, now, contacts.count(now) if contacts else 0)
        if (keyword := event.metadata.get("opt_out")) and event.sender.phone:
            decision = self._opt_out(event, keyword, decision)
        if not pages_itself(event):
            decision = decision.model_copy(
                update={"page_targets": (), "reasons": (*decision.reasons, "no page: a later message carries the news")}
            )
        summary: str | None = None
        if self.incidents is not None:
            # before the ticket is stored: a linked report's page targets go with the decision it keeps
            verdict = self.incidents.on_report(event, customer, decision, lambda: self._lands_on(event, known), now)
            decision, summary = verdict.decision, verdict.page_summary
        # Twice at most: a first message and its follow-up can race for a new thread; the loser joins
        closed: str | None = None
        for attempt in range(2):
            if event.thread_key:
                # a second attempt follows a conflict on the thread: it changed since the prefetch, so read it
                outcome, closed = self._join(event, decision, now, summary, contacts, known, fresh=attempt > 0)
                if outcome is not None:
                    return outcome
            ticket = Ticket(
                ticket_id=ticket_id_for(event.event_id),
                event=event,
                customer=customer,
                decision=decision,
                created_at=now,
                page_status=page_status(decision),
                last_message_at=now,
            )
            reply = self._auto_reply(ticket.ticket_id, event, decision, now)
            write = self.tickets.create(ticket, self._marker_ttl(event), closed, reply, contacts)
            if known is not None:
                known.wrote(event, ticket.ticket_id, write, opened=True, contacts=contacts, at=now)
            if write is Write.STORED:
                return self._answered(Delivery(ticket=ticket), created=True, page_summary=summary)
            if write is Write.DUPLICATE:
                # a concurrent delivery of the same event won the conditional write (or one since the prefetch)
                stored = self.tickets.for_event(event.event_id)
                return self._answered(stored or Delivery(ticket=ticket), created=False)
        raise DependencyError(f"thread {event.thread_key} kept changing while {event.event_id} was stored")

    def _lands_on(self, event: SupportEvent, known: Snapshot | None) -> str:
        """The ticket a message will be on: its thread's (a follow-up joins it, or reopens it when an incident
        closed it), else its own. (A thread whose ticket a person resolved opens a new ticket instead: a report
        there links the resolved one, which still names the customer and their channel.)"""
        if event.thread_key and (ticket_id := self._thread_ticket(event.thread_key, known)) is not None:
            return ticket_id
        return ticket_id_for(event.event_id)

    def _thread_ticket(self, thread_key: str, known: Snapshot | None) -> str | None:
        if known is not None and thread_key in known.threads:
            return known.threads[thread_key]
        return self.tickets.thread_ticket(thread_key)

    def _contacts(self, event: SupportEvent, known: Snapshot | None) -> RecentContacts | None:
        """The sender's recent messages (repeat contact), or None for a message that names no sender."""
        sender = sender_key(event)
        if sender is None:
            return None
        if known is not None and sender in known.contacts:
            return known.contacts[sender]
        return self.tickets.recent_contacts(sender)

    def _opt_out(self, event: SupportEvent, keyword: str, decision: Decision) -> Decision:
        """An SMS STOP or START: recorded for the number (replies honour it), kept as a ticket, paging nobody."""
        assert event.sender.phone is not None
        if self.record_opt_out is not None:
            # before the ticket: a redelivery records it again (idempotent), a failure retries the message
            self.record_opt_out(event.sender.phone, keyword == "stop", event.received_at)
        words = "opted out of SMS (STOP)" if keyword == "stop" else "opted back in to SMS (START)"
        return decision.model_copy(
            update={"page_targets": (), "dial": (), "reasons": (*decision.reasons, f"no page: the customer {words}")}
        )

    def _marker_ttl(self, event: SupportEvent) -> int | None:
        """Seconds the event's dedup marker lives; None: for good (see PERMANENT_MARKERS)."""
        return None if event.provider in PERMANENT_MARKERS else self.dedup_ttl_seconds

    def _join(
        self,
        event: SupportEvent,
        decision: Decision,
        now: datetime,
        page_summary: str | None,
        contacts: RecentContacts | None,
        known: Snapshot | None,
        fresh: bool,
    ) -> tuple[TriageOutcome | None, str | None]:
        """Add the event to its thread's open ticket (``fresh``: read the thread, not the prefetch).

        Returns the outcome, or None with the id of the thread's closed ticket (if it has one).
        """
        assert event.thread_key is not None
        ticket_id = self._thread_ticket(event.thread_key, None if fresh else known)
        if ticket_id is None:
            return None, None
        if ticket_id == ticket_id_for(event.event_id):
            # the thread leads to the ticket this very event opened (a delivery that raced this one, read after
            # the batch's prefetch): it is stored, not a follow-up of itself
            stored = self.tickets.for_event(event.event_id)
            if stored is not None:
                return self._answered(stored, created=False), None
        follow_up = FollowUp(
            ticket_id=ticket_id, event=event, decision=decision, received_at=now, page_status=page_status(decision)
        )
        reply = self._auto_reply(ticket_id, event, decision, now)
        write = self.tickets.append(follow_up, self._marker_ttl(event), reply, contacts)
        if known is not None:
            known.wrote(event, ticket_id, write, opened=False, contacts=contacts, at=now)
        if write is Write.CONFLICT:  # resolved: the message opens a new ticket, which takes the thread over
            return None, ticket_id
        stored = self.tickets.for_event(event.event_id)
        if stored is None:  # the write said the event is stored; a missing record is a table fault
            raise DependencyError(f"follow-up {event.event_id} on {ticket_id} is not readable after its write")
        outcome = self._answered(stored, created=False, page_summary=page_summary)
        return TriageOutcome(outcome.ticket, created=False, paged=outcome.paged, joined=write is Write.STORED), None

    def _auto_reply(self, ticket_id: str, event: SupportEvent, decision: Decision, now: datetime) -> Reply | None:
        """The reply the decision asks for, recorded with the message (skipped, with why, when it must not go)."""
        if self.replies is None or not decision.auto_reply:
            return None
        from chalicelib.services.replies import auto_reply

        return auto_reply(ticket_id, event, decision.auto_reply, now, self.reply_refusal(event))

    def _answered(self, delivery: Delivery, created: bool, page_summary: str | None = None) -> TriageOutcome:
        """Page, then queue the message's auto-reply. Queued again on a redelivery: the outbox sends it once,
        and a message lost between the write and here is the replies sweep's to find."""
        outcome = self._finish(delivery, created, page_summary)
        decision = delivery.follow_up.decision if delivery.follow_up else delivery.ticket.decision
        event = delivery.follow_up.event if delivery.follow_up else delivery.ticket.event
        if self.replies is not None and decision.auto_reply and self.reply_refusal(event) is None:
            from chalicelib.replies.model import auto_reply_id

            self.replies.queue_reply(auto_reply_id(delivery.ticket.ticket_id, event.event_id))
        return outcome

    def _finish(self, delivery: Delivery, created: bool, page_summary: str | None = None) -> TriageOutcome:
        """Publish the page if it is still pending.

        A redelivery finds the page it opened and pages nobody twice; what a crash left unsent
        is the page outbox's to retry (chalicelib.services.page_outbox), at the same level.
        """
        ticket = delivery.ticket
        follow_up = delivery.follow_up
        if delivery.page_status is PageStatus.DEFERRED:
            # the time of the message, not of this delivery: a redelivery writes the same hold again
            self.pager.hold(delivery.as_paged(), follow_up.received_at if follow_up else ticket.created_at)
        if delivery.page_status is not PageStatus.PENDING:
            return TriageOutcome(ticket, created, paged=False, joined=follow_up is not None)
        paged = delivery.as_paged()
        if page_summary:  # the report that opened an incident: its one page speaks for the burst
            paged = paged.model_copy(update={"event": paged.event.model_copy(update={"subject": page_summary})})
        # an incident's words are news even folded into a page already open (a VIP's, an earlier report's)
        outcome = self.pager.page(paged, self.clock(), urgent_news=urgent_news(paged.event) or bool(page_summary))
        page = getattr(outcome, "page", None)
        if page_summary and self.incidents is not None and page is not None:
            event = follow_up.event if follow_up else ticket.event
            self.incidents.paged(page_id_for(ticket.ticket_id, event.event_id), page.page_id)
        self.tickets.mark_paged(ticket.ticket_id, follow_up.key if follow_up else None)
        if follow_up is None:
            ticket = ticket.model_copy(update={"page_status": PageStatus.SENT})
        return TriageOutcome(ticket, created, paged=True, joined=follow_up is not None)
