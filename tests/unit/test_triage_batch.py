"""Triage of an SQS batch read up front: the same tickets, pages and decisions as one message at a time.

The batch's reads (markers, threads, customers, recent contacts) come from one prefetch; the service keeps
it current with its own writes, and the ticket transaction's conditions still decide what is stored when
another container writes between the prefetch and the write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.model.contacts import RecentContacts
from chalicelib.model.event import Sender, SupportEvent
from cli.offline import MemoryDirectory, event_from_file
from local.samples import EVENTS_DIR
from tests.fakes import FakeTickets, FakeTriageReads, TriageParts, triage_with_fakes

NIGHT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tue 03:00 in New York


def sample(name: str, event_id: str | None = None) -> SupportEvent:
    event = event_from_file(EVENTS_DIR / Path(f"{name}.json"), NIGHT)
    return event if event_id is None else event.model_copy(update={"event_id": event_id})


@dataclass
class CountingTickets(FakeTickets):
    """FakeTickets that count the reads triage makes before deciding."""

    reads: list[str] = field(default_factory=list)

    def for_event(self, event_id: str) -> Any:
        self.reads.append("for_event")
        return super().for_event(event_id)

    def thread_ticket(self, thread_key: str) -> str | None:
        self.reads.append("thread_ticket")
        return super().thread_ticket(thread_key)

    def recent_contacts(self, sender_key: str) -> RecentContacts:
        self.reads.append("recent_contacts")
        return super().recent_contacts(sender_key)


@dataclass
class CountingDirectory:
    inner: MemoryDirectory
    finds: int = 0

    def find(self, sender: Sender) -> Any:
        self.finds += 1
        return self.inner.find(sender)


def parts(batched: bool) -> TriageParts:
    made = triage_with_fakes(CountingDirectory(MemoryDirectory.from_file()), NIGHT)
    tickets = CountingTickets()
    made.service.tickets = made.tickets = tickets
    if batched:
        made.service.reads = FakeTriageReads(tickets, made.service.customers)
    return made


def run(made: TriageParts, events: list[SupportEvent]) -> list[tuple[Any, ...]]:
    """Triage the events as one batch (a prefetch when the service has a reader), a minute apart."""
    known = made.service.prefetch(events)
    seen = []
    for event in events:
        outcome = made.service.handle(event, known)
        decision = outcome.ticket.decision
        seen.append((outcome.ticket.ticket_id, outcome.created, outcome.joined, outcome.paged, decision.priority))
        made.clock.now += timedelta(minutes=1)
    return seen


def state(made: TriageParts) -> tuple[Any, ...]:
    tickets = {t.ticket_id: (t.messages, t.decision.facts.get("contact.recent")) for t in made.tickets.tickets.values()}
    follow_ups = {e: f.decision.facts.get("contact.recent") for e, f in made.tickets.follow_ups.items()}
    return tickets, follow_ups, sorted(made.pager.pages)


BATCHES = {
    "one-sender-three-times": [sample("widget/pro-cant-login", f"widget:again-{i}") for i in range(3)],
    "a-thread-and-its-follow-up": [sample("slack/vip-outage-shared-channel"), sample("slack/thread-reply")],
    "an-email-and-its-reply": [sample("sendgrid/free-howto"), sample("sendgrid/reply-in-thread")],
    "a-call-and-its-voicemail": [
        sample("twilio/call-01-incoming"),
        sample("twilio/call-04-recording"),
        sample("twilio/call-05-transcription"),
    ],
    "voicemail-before-its-call": [
        sample("twilio/call-04-recording"),
        sample("twilio/call-05-transcription"),
        sample("twilio/call-01-incoming"),
    ],
    "the-same-event-twice": [sample("widget/vip-outage"), sample("widget/vip-outage")],
    "a-retry-beside-its-original": [
        sample("slack/vip-outage-shared-channel"),
        sample("slack/vip-outage-shared-channel-retry"),
    ],
    "the-plus-address-reply": [sample("sendgrid/vip-outage"), sample("sendgrid/vip-outage-reply-plus-address")],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_a_batch_read_up_front_ends_as_one_message_at_a_time_does(name: str) -> None:
    # GIVEN one batch of messages, some of which depend on others in it (same sender, thread, event)
    events = BATCHES[name]
    alone, batched = parts(batched=False), parts(batched=True)
    # WHEN it is triaged a message at a time, each reading its own; and as a batch read up front
    one_by_one = run(alone, events)
    as_batch = run(batched, events)
    # THEN the same outcomes, tickets, repeat counts and pages
    assert as_batch == one_by_one
    assert state(batched) == state(alone)


def test_repeat_contact_counts_the_earlier_messages_of_the_same_batch() -> None:
    # GIVEN a batch of three messages from one sender (one conversation: a ticket and two follow-ups)
    made = parts(batched=True)
    # WHEN it is triaged from one prefetch
    run(made, BATCHES["one-sender-three-times"])
    # THEN each counts the ones before it, as the prefetch cannot have
    decisions = [t.decision for t in made.tickets.tickets.values()] + [
        f.decision for f in made.tickets.follow_ups.values()
    ]
    assert sorted(d.facts["contact.recent"] for d in decisions) == [0, 1, 2]


def test_new_messages_read_nothing_of_their_own_before_deciding() -> None:
    # GIVEN a batch of new messages: new senders, new threads, no redeliveries
    made = parts(batched=True)
    events = [sample("widget/free-howto"), sample("sendgrid/free-howto"), sample("twilio/sms-01-urgent")]
    known = made.service.prefetch(events)
    assert isinstance(made.tickets, CountingTickets) and isinstance(made.service.customers, CountingDirectory)
    made.tickets.reads.clear()
    made.service.customers.finds = 0
    # WHEN it is triaged
    for event in events:
        made.service.handle(event, known)
    # THEN one prefetch for the batch, and no message read its marker, thread, sender or customer alone
    assert isinstance(made.service.reads, FakeTriageReads)
    assert made.service.reads.batches == [[e.event_id for e in events]]
    assert made.tickets.reads == []
    assert made.service.customers.finds == 0
    assert len(made.tickets.tickets) == 3


def test_a_marker_written_after_the_prefetch_still_makes_a_redelivery_not_a_second_ticket() -> None:
    made = parts(batched=True)
    event = sample("widget/vip-outage")
    # GIVEN this batch read the event as new
    known = made.service.prefetch([event])
    # WHEN another container stores the same event (SQS delivered it twice) before this one writes
    other = made.service.handle(event)
    mine = made.service.handle(event, known)
    # THEN the transaction's condition makes this one a redelivery: one ticket, its targets paged once
    assert other.created and not mine.created and not mine.paged
    assert list(made.tickets.tickets) == [other.ticket.ticket_id]
    assert len(made.pager.pages) == len(other.ticket.decision.page_targets)


def test_a_thread_claimed_after_the_prefetch_is_joined_not_split() -> None:
    made = parts(batched=True)
    first, reply = sample("slack/vip-outage-shared-channel"), sample("slack/thread-reply")
    # GIVEN this batch read the reply's thread as new
    known = made.service.prefetch([reply])
    # WHEN another container opens the thread's ticket before this one writes
    opened = made.service.handle(first)
    joined = made.service.handle(reply, known)
    # THEN the pointer's condition sends the reply to that ticket: one ticket, two messages
    assert joined.joined and joined.ticket.ticket_id == opened.ticket.ticket_id
    assert [t.messages for t in made.tickets.tickets.values()] == [2]
