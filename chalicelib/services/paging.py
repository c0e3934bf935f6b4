"""Paging: open a page (or fold into the open one), escalate on a timer, stop when someone acknowledges.

The page is a persisted state machine (chalicelib.paging.escalation): every move is a write
conditional on the step it read, so a duplicate or concurrent tick never escalates twice, and
each move writes its timeline entry, and the notifications it owes (the outbox, page_outbox.py),
in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.errors import DependencyError, NotFoundError, SwitchboardError
from chalicelib.model.page import LAST_RESORT, Level, Page, PageState, Recipient
from chalicelib.model.ticket import Ticket
from chalicelib.model.timeline import Entry, Kind
from chalicelib.observability import logger
from chalicelib.paging.escalation import AckRefused, acknowledge, advance, describe_recipients, describe_time, name_of
from chalicelib.services.page_outbox import MAX_ATTEMPTS, OUTBOX_GRACE, PageDelivery, rate_exempt
from chalicelib.services.paging_ports import (
    AckRejectedError,
    PageOutcome,
    PagePublisher,
    PageRepository,
    ack_code_for,
    fold_keys,
    page_id_for,
)
from chalicelib.services.ports import Write

#: "pages for the same customer or thread within a window fold into the open page"
FOLD_WINDOW = timedelta(minutes=10)
SYSTEM = "switchboard"


@dataclass
class PagingService(PageDelivery):
    pages: PageRepository
    publisher: PagePublisher
    #: (decision's ticket, now) → (levels, repeat): the policy resolved to people now
    ladder: Callable[[Ticket, datetime], tuple[tuple[Level, ...], int]]
    #: (page, recipient, now) → that person's signed acknowledgement URL
    link: Callable[[Page, Recipient, datetime], str]
    #: ticket id → the ticket, for an SLA breach (its decision, and whether it is still open)
    tickets: Callable[[str], Ticket | None] = lambda _ticket_id: None
    #: record on a ticket that its held page went out (in a digest)
    mark_paged: Callable[[str], None] = lambda _ticket_id: None
    fold_window: timedelta = FOLD_WINDOW
    #: pages per person per window (each counted once, whatever its step); a burst beyond it waits for their digest
    rate_limit: int = 5
    rate_window: timedelta = timedelta(minutes=10)
    #: now → who is told, once, that a page's whole ladder ran out (None: nobody configured)
    last_resort: Callable[[datetime], Level | None] = lambda _now: None
    outbox_grace: timedelta = OUTBOX_GRACE

    def page(self, ticket: Ticket, now: datetime, urgent_news: bool = False) -> PageOutcome:
        """Open a page for the ticket's current message, or fold it into the open page of its thread or customer.

        ``urgent_news``: the message carries something the person must read (a voicemail's transcript),
        so a fold notifies the current level again instead of only counting.
        """
        event, decision = ticket.event, ticket.decision
        keys = fold_keys(ticket)
        page_id = page_id_for(ticket.ticket_id, event.event_id)
        existing = self.pages.get(page_id)
        if existing is not None:  # a redelivery: the page is open; a due tick is the sweep's or ours now
            return PageOutcome(existing, opened=False, notified=self._tick(existing, now))
        open_page = self.pages.open_for(keys, now - self.fold_window) if self.fold_window else None
        if open_page is not None:
            return self._fold(open_page, ticket, now, urgent_news)
        levels, repeat = self.ladder(ticket, now)
        page = Page(
            page_id=page_id,
            ticket_id=ticket.ticket_id,
            ack_code=ack_code_for(page_id),
            priority=decision.priority.value,
            team=decision.team,
            tier=decision.tier,
            channel=event.channel.value,
            customer=ticket.customer.name,
            summary=event.summary(),
            reasons=decision.reasons,
            policy=decision.escalation,
            levels=levels,
            repeat=repeat,
            opened_at=now,
            next_due=now,
            folded=(event.event_id,),
        )
        ladder = " → ".join(f"{', '.join(level.targets)} ({level.ack_timeout_seconds}s)" for level in levels)
        opened = Entry(
            at=now,
            kind=Kind.PAGE_OPENED,
            page_id=page_id,
            actor=SYSTEM,
            text=f"page {page_id} opened at {page.priority}, policy {decision.escalation or 'none'}: {ladder}"
            + (f", ladder repeats {repeat}×" if repeat else ""),
        )
        for attempt in range(5):
            page = page.model_copy(update={"ack_code": ack_code_for(page_id, attempt)})
            write = self.pages.create(page, keys, [opened])
            if write is Write.CONFLICT:
                continue  # another live page holds this ack code: draw the next
            if write is Write.DUPLICATE:
                page = self.pages.get(page_id) or page
            return PageOutcome(page, opened=write is Write.STORED, notified=self._tick(page, now))
        raise DependencyError(f"no free ack code for page {page_id} after 5 draws")

    def _fold(self, page: Page, ticket: Ticket, now: datetime, urgent_news: bool) -> PageOutcome:
        event_id = ticket.event.event_id
        if event_id in page.folded:  # this message was folded in by an earlier delivery
            self._link_folded(page, ticket, now)
            return PageOutcome(page, opened=False, notified=False)
        folded = page.model_copy(
            update={
                "count": page.count + 1,
                "summary": ticket.event.summary(),
                "folded": (*page.folded, event_id),
                "step": page.step + 1,
            }
        )
        text = f"message {folded.count} folded into page {page.page_id}: {ticket.event.summary(80)}"
        # urgency only goes up: a more urgent message gives the page its priority and ladder, from the top
        raised = ticket.decision.priority.value < page.priority
        notes = []
        if raised:
            folded = self._raise(folded, ticket, now)
            text += f"; raised from {page.priority} to {folded.priority}, policy {folded.policy or 'none'} starts now"
        elif urgent_news and folded.current is not None:
            exempt = rate_exempt(folded, ticket.event.channel.value)
            allowed, _held = self._admit(folded, folded.current, now, exempt)
            notes = self._notes(folded, folded.level, allowed)
        entry = Entry(at=now, kind=Kind.FOLDED, page_id=page.page_id, actor=SYSTEM, text=text)
        if not self.pages.save(folded, page.step, [entry], notes, now + self.outbox_grace):
            # a tick or an ack moved the page meanwhile: read it again and fold into what it is now
            current = self.pages.get(page.page_id)
            if current is None or current.state is not PageState.OPEN:
                raise DependencyError(f"page {page.page_id} changed while folding {event_id}; retrying")
            return self._fold(current, ticket, now, urgent_news)
        if folded.ticket_id != ticket.ticket_id:
            self.pages.record(ticket.ticket_id, [entry])
        notified = self._tick(folded, now) if raised else self._deliver(folded, notes, now)
        return PageOutcome(folded, opened=False, notified=notified)

    def _link_folded(self, page: Page, ticket: Ticket, now: datetime) -> None:
        """A redelivered fold: make sure the message's own ticket names the page it went into.

        The fold's entry on another ticket is written after the page's transaction; a fault there
        fails the delivery, and this redelivery is the only one that can still write it.
        """
        if page.ticket_id == ticket.ticket_id:
            return  # the entry went in the page's own transaction
        if any(e.page_id == page.page_id for e in self.pages.timeline(ticket.ticket_id)):
            return
        number = page.folded.index(ticket.event.event_id) + 1
        text = f"message {number} folded into page {page.page_id}: {ticket.event.summary(80)}"
        self.pages.record(
            ticket.ticket_id, [Entry(at=now, kind=Kind.FOLDED, page_id=page.page_id, actor=SYSTEM, text=text)]
        )

    def _raise(self, page: Page, ticket: Ticket, now: datetime) -> Page:
        """The page at the ticket's priority, with its ladder resolved now and due at once (level 1 next).

        Whoever the old ladder reached may still take it: they are kept as ``earlier``.
        """
        decision, levels_repeat = ticket.decision, self.ladder(ticket, now)
        return page.model_copy(
            update={
                "priority": decision.priority.value,
                "team": decision.team,
                "tier": decision.tier,
                "channel": ticket.event.channel.value,
                "reasons": decision.reasons,
                "policy": decision.escalation,
                "levels": levels_repeat[0],
                "repeat": levels_repeat[1],
                "level": -1,
                "round": 0,
                "next_due": now,
                "earlier": page.paged_people(),
            }
        )

    def tick(self, page_id: str, now: datetime) -> bool:
        """Advance one page if it is due; True when someone was notified."""
        page = self.pages.get(page_id)
        return page is not None and self._tick(page, now)

    def sweep(self, now: datetime) -> int:
        """Everything due (escalation ticks, digests, SLA timers), once each; returns how many notified someone."""
        done, failed = 0, 0
        for key in self.pages.due(now):
            kind, _, rest = key.partition("#")
            try:
                if kind == "PAGE":
                    done += self.tick(rest, now)
                elif kind == "DIGEST":
                    done += self._send_digest(key, now)
                elif kind in ("TICKET", "SLA"):  # a first-response timer: on its ticket, or beside it from before
                    done += self._sla_breached(key, now)
                elif kind == "NOTE":
                    done += self._retry(key, now)
            except SwitchboardError as exc:
                # one item's fault must not hold up the others; it is still due, so the next sweep retries it
                failed += 1
                logger.warning("sweep item failed; it stays due", extra={"key": key, "error": str(exc)})
        if failed:
            # the others went out; failing the invocation now is what makes the Errors alarm see it
            raise DependencyError(f"sweep: {failed} due item(s) failed and stay due ({done} notified)")
        return done

    def hold(self, ticket: Ticket, now: datetime) -> PageOutcome | None:
        """Hold a deferred page for the team's digest when its calendar opens (a page now, if that digest went)."""
        decision = ticket.decision
        until = decision.deferred_until
        assert until is not None
        line = f"[{decision.priority.value}] {ticket.customer.name}: {ticket.event.summary(90)} ({ticket.ticket_id})"
        text = (
            f"page held until {describe_time(until)}: it goes out in the {decision.team} digest when the office opens"
        )
        entry = Entry(at=now, kind=Kind.DEFERRED, actor=SYSTEM, text=text)
        topics = list(dict.fromkeys(decision.page_targets))
        if self.pages.hold(ticket.ticket_id, decision.team, until, line, topics, entry):
            return None
        # that digest has gone out already (this message waited in the queue past the opening): page now
        return self.page(ticket, now)

    def _lease(self, key: str, now: datetime) -> dict[str, Any] | None:
        """Claim a due digest or SLA timer for the grace: a fault after this leaves it due again, not lost."""
        claimed = self.pages.claim(key, now, now + self.outbox_grace)
        if claimed is None:  # another sweep has it, or it is done
            return None
        if int(claimed.get("attempts", {}).get("N", "1")) > MAX_ATTEMPTS + 1:
            self.pages.finish(key, now)
            logger.error("digest or timer not sent after every retry", extra={"key": key})
            return None
        return claimed

    def _send_digest(self, key: str, now: datetime) -> bool:
        claimed = self._lease(key, now)
        if claimed is None:
            return False
        team = claimed["team"]["S"]
        until = datetime.fromisoformat(key.rsplit("#", 1)[1])  # the key names the opening; due_at is the lease
        topics = [t["S"] for t in claimed.get("topics", {}).get("L", [])]
        held = self.pages.held(team, until)
        self.publisher.digest(team, topics, [line for _, line in held], now)
        # a lost mark sends the digest once more at the next sweep: a copy, never a loss
        self.pages.finish(key, now)
        text = f"delivered in the {team} digest ({len(held)} held messages) as the office opened"
        for ticket_id, _ in held:
            self.pages.record(ticket_id, [Entry(at=now, kind=Kind.DIGEST, actor=SYSTEM, text=text)])
            if not team.startswith("person:"):  # a team digest is the held page itself going out
                self.mark_paged(ticket_id)
        return True

    def _sla_breached(self, key: str, now: datetime) -> bool:
        """The first response is overdue and nobody took the ticket: page its team once, at its priority."""
        if self._lease(key, now) is None:
            return False
        ticket_id = key.split("#", 1)[1]
        ticket = self.tickets(ticket_id)
        if ticket is None or not ticket.is_open:
            self.pages.finish(key, now)
            return False
        due = ticket.decision.sla_due
        was_due = describe_time(due) if due else "earlier"
        subject = f"First response overdue: {ticket.event.summary(80)}"
        overdue = ticket.model_copy(
            update={
                "event": ticket.event.model_copy(update={"event_id": f"sla:{ticket_id}", "subject": subject}),
                # the team, not the ladder again: it is the team's queue that missed the promise
                "decision": ticket.decision.model_copy(update={"escalation": None, "deferred_until": None}),
            }
        )
        text = (
            f"first response was due {was_due}; paging team {ticket.decision.team} at {ticket.decision.priority.value}"
        )
        self.pages.record(ticket_id, [Entry(at=now, kind=Kind.SLA_BREACHED, actor=SYSTEM, text=text)])
        notified = self.page(overdue, now).notified  # the same page however often it runs (its id is the ticket's)
        self.pages.finish(key, now)
        return notified

    def _tick(self, page: Page, now: datetime) -> bool:
        step = advance(page, now)
        if step is None:
            return False
        if step.notify is None:
            return self._exhaust(page, step.page, step.reason, now)
        allowed, held = self._admit(step.page, step.notify, now, rate_exempt(step.page))
        kind, text = Kind.NOTIFIED, step.reason
        if held and allowed:
            text += f"; {', '.join(held)} over their rate limit, in their digest instead"
        elif held:
            kind, text = Kind.DEFERRED, f"{text}; nobody notified now: {', '.join(held)} over their rate limit"
        entry = Entry(at=now, kind=kind, page_id=page.page_id, actor=SYSTEM, text=text)
        notes = self._notes(step.page, step.page.level, allowed)
        # claim the step and record what it owes in one write: of two concurrent ticks only one
        # writes, and only it publishes; if the publish fails or we crash, the sweep finds it pending
        if not self.pages.save(step.page, page.step, [entry], notes, now + self.outbox_grace):
            return False
        return self._deliver(step.page, notes, now)

    def _exhaust(self, page: Page, exhausted: Page, reason: str, now: datetime) -> bool:
        """The ladder ran out: the page stays acknowledgeable, and the last resort hears so, once."""
        level = self.last_resort(now)
        notes = []
        if level is None:
            logger.warning(
                "page exhausted with no last resort to tell (PAGE_LAST_RESORT)", extra={"page_id": page.page_id}
            )
        else:
            exhausted = exhausted.model_copy(update={"last_resort": level})
            notes = self._notes(exhausted, LAST_RESORT, level.recipients)
            reason += f"; telling {describe_recipients(level)} that nobody answered (anyone may still take it)"
        entry = Entry(at=now, kind=Kind.EXHAUSTED, page_id=page.page_id, actor=SYSTEM, text=reason)
        if not self.pages.save(exhausted, page.step, [entry], notes, now + self.outbox_grace):
            return False
        return self._deliver(exhausted, notes, now)

    def acknowledge(self, page_id: str, person: str, now: datetime, via: str) -> Page:
        """``person`` takes the page: escalation stops. A repeat by the same person is a success."""
        page = self.pages.get(page_id)
        if page is None:
            raise NotFoundError(f"there is no page {page_id}")
        # anyone on the ladder may take it, also before their level is reached (a founder who saw it early)
        if person not in {r.person for r in page.everyone()}:
            raise AckRejectedError(f"{person} is not on page {page_id}'s escalation")
        try:
            acked = acknowledge(page, person, now)
        except AckRefused as refused:
            if refused.acked_by == person:
                return page
            raise
        name = name_of(page, person)
        entry = Entry(
            at=now,
            kind=Kind.ACKNOWLEDGED,
            page_id=page_id,
            actor=person,
            text=f"acknowledged by {name} via {via} at {describe_time(now)}: "
            + ("taken after escalation ran out" if page.state is PageState.EXHAUSTED else "escalation stopped"),
        )
        if not self.pages.save(acked, page.step, [entry]):
            return self.acknowledge(page_id, person, now, via)  # a tick moved it meanwhile: try on what it is now
        self.pages.disarm_sla(acked.ticket_id, now)  # a person has the ticket: no "first response overdue" page
        try:
            self.publisher.announce_ack(acked)
        except SwitchboardError:
            # the ack itself is stored and escalation has stopped; a missed "stand down" is not worth failing it
            logger.warning("acknowledged, but could not tell the others", extra={"page_id": page_id})
        return acked

    def acknowledge_by_sms(self, code: str, phone: str, now: datetime) -> str:
        """An SMS "ACK <code>" from ``phone``: the reply to send back, whatever happened."""
        page = self.pages.by_code(code)
        if page is None:
            return f"Switchboard: no page has the code {code}. Check the code in the page you received."
        paged = [r for r in page.paged_people() if r.phone == phone]
        if not paged:
            self.pages.record(
                page.ticket_id,
                [
                    Entry(
                        at=now,
                        kind=Kind.REFUSED,
                        page_id=page.page_id,
                        actor=phone,
                        text=f"ACK {code} from {phone} refused: that number was not paged",
                    )
                ],
            )
            return f"Switchboard: ACK {code} not accepted: this number was not paged for it. Nothing changed."
        person = paged[0]
        try:
            acked = self.acknowledge(page.page_id, person.person, now, via=f"SMS from {phone}")
        except AckRefused as refused:
            return f"Switchboard: {refused.reason}"
        return f"Switchboard: thanks {person.name.split()[0]}, you have {acked.ticket_id} ({acked.customer}). Escalation stopped."
