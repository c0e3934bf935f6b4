"""Telling an incident's update: once per (update, ticket), on each reporter's channel; the last one closes tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.incidents.lifecycle import confirm, move
from chalicelib.incidents.model import Incident, Report, Status
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.ticket import FollowUp
from chalicelib.model.timeline import Entry, Kind
from chalicelib.replies.model import ReplyKind, ReplyState
from chalicelib.services.incident_updates import IncidentNotifier
from chalicelib.services.ports import Write
from tests.fakes import FakeTickets
from tests.paging_fakes import ticket
from tests.reply_fakes import FakeOutbox

AT = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
URL = "https://status.example.com/status"
NAMES = ["Dana Whitfield", "Sam Lee", "Alex Kim", "Priya Shah"]


class Parts:
    def __init__(self, channels: list[Channel], refuse: frozenset[str] = frozenset(), post_to_x: bool = False) -> None:
        self.tickets = FakeTickets()
        self.outbox = FakeOutbox()
        self.queued: list[str] = []
        self.timeline: list[tuple[str, Entry]] = []
        self.reports = []
        for n, channel in enumerate(channels):
            made = ticket(f"T-{n}", Priority.P1, channel=channel, event_id=f"{channel.value}:{n}")
            sender = Sender(name=NAMES[n], phone="+13125550100" if channel in (Channel.SMS, Channel.VOICE)
                            else None, email=f"c{n}@example.com")  # fmt: skip
            made = made.model_copy(update={"event": made.event.model_copy(update={"sender": sender})})
            self.tickets.tickets[made.ticket_id] = made
            self.reports.append(Report(ticket_id=made.ticket_id, sender_key=f"k{n}", channel=channel.value,
                                       customer=f"Customer {n}", at=AT))  # fmt: skip
        self.notifier = IncidentNotifier(
            record=self.outbox.record,
            queue=self.queued.append,
            ticket=self.tickets.tickets.get,
            refusal=lambda event: "not answered: our own number" if event.event_id in refuse else None,
            close_ticket=self.tickets.close,
            timeline=lambda ticket_id, entries: self.timeline.extend((ticket_id, e) for e in entries),
            status_url=URL,
            post_to_x=post_to_x,
        )


def confirmed() -> Incident:
    suspected = Incident(incident_id="I-0123456789", title="Possible incident", status=Status.SUSPECTED, opened_at=AT)
    return confirm(suspected, "Logins fail for many of you.", "dana", AT)


def test_an_update_is_told_once_to_each_ticket_however_often_it_is_told():
    # GIVEN three reporters on three channels, one of whom wrote twice (two reports, one ticket)
    parts = Parts([Channel.X, Channel.EMAIL, Channel.WIDGET])
    reports = [*parts.reports, parts.reports[0]]
    incident = confirmed()
    # WHEN the confirmation is told, and told again (a retried command, the sweep)
    first = parts.notifier.tell(incident, incident.updates[-1], reports, AT)
    again = parts.notifier.tell(incident, incident.updates[-1], reports, AT + timedelta(minutes=3))
    # THEN each ticket has one reply for it, queued once, in the customer's name and channel
    assert (first.queued, again.queued, again.already) == (3, 0, 3)
    assert sorted(parts.queued) == sorted(parts.outbox.replies)
    for reply in parts.outbox.replies.values():
        assert reply.kind is ReplyKind.INCIDENT and reply.state is ReplyState.PENDING
        n = int(reply.ticket_id.removeprefix("T-"))
        assert reply.text.startswith(f"Hi {NAMES[n].split()[0]}, an update on the problem you reported.")
        assert reply.event.channel.value == next(r.channel for r in parts.reports if r.ticket_id == reply.ticket_id)
    assert "3 customers told" in first.words() and "3 told before" in again.words()


def test_sms_hears_the_confirmation_and_the_resolution_only():
    # GIVEN an SMS reporter and an X reporter
    parts = Parts([Channel.SMS, Channel.X])
    incident = confirmed()
    told = []
    # WHEN confirmed, identified, monitoring, resolved are each told
    for status, body in [(None, ""), (Status.IDENTIFIED, "A bad deploy."), (Status.MONITORING, "Rolled back."),
                         (Status.RESOLVED, "All good.")]:  # fmt: skip
        if status is not None:
            incident = move(incident, status, body, "dana", AT)
        told.append(parts.notifier.tell(incident, incident.updates[-1], parts.reports, AT))
    # THEN the SMS customer has two replies (confirm, resolve), the X customer four
    per_ticket = {t: [r for r in parts.outbox.replies.values() if r.ticket_id == t] for t in ("T-0", "T-1")}
    assert (len(per_ticket["T-0"]), len(per_ticket["T-1"])) == (2, 4)
    assert [t.not_on_channel for t in told] == [0, 1, 1, 0]


def test_a_customer_who_must_not_be_answered_is_recorded_skipped_with_why():
    # GIVEN a reporter the guard refuses (our own number)
    parts = Parts([Channel.SMS, Channel.EMAIL], refuse=frozenset({"sms:0"}))
    incident = confirmed()
    # WHEN told THEN their reply is recorded skipped with the reason, and not queued
    told = parts.notifier.tell(incident, incident.updates[-1], parts.reports, AT)
    assert (told.queued, told.refused) == (1, 1)
    skipped = next(r for r in parts.outbox.replies.values() if r.ticket_id == "T-0")
    assert skipped.state is ReplyState.SKIPPED and skipped.reason == "not answered: our own number"
    assert skipped.reply_id not in parts.queued


def test_the_final_update_closes_every_linked_ticket_and_a_customer_writing_again_reopens_only_theirs():
    # GIVEN two reporters
    parts = Parts([Channel.X, Channel.EMAIL])
    incident = move(confirmed(), Status.RESOLVED, "All good.", "dana", AT)
    # WHEN the resolution is told
    told = parts.notifier.tell(incident, incident.updates[-1], parts.reports, AT)
    # THEN both tickets are closed, each with a timeline line naming the incident and the final words
    assert told.closed == 2
    assert {t.status for t in parts.tickets.tickets.values()} == {"resolved"}
    assert [(t, e.kind, e.actor) for t, e in parts.timeline] == [("T-0", Kind.RESOLVED, "dana"),
                                                                  ("T-1", Kind.RESOLVED, "dana")]  # fmt: skip
    assert "resolved with incident I-0123456789: All good." in parts.timeline[0][1].text
    # WHEN the first customer writes again on their ticket
    again = SupportEvent(event_id="x:again", channel=Channel.X, provider="x", received_at=AT, sender=Sender(name="C"),
                         text="still broken for me")  # fmt: skip
    write = parts.tickets.append(FollowUp(ticket_id="T-0", event=again, decision=parts.tickets.tickets["T-0"].decision,
                                          received_at=AT), None)  # fmt: skip
    # THEN their ticket reopens, and only theirs
    assert write is Write.STORED
    assert (parts.tickets.tickets["T-0"].status, parts.tickets.tickets["T-1"].status) == ("open", "resolved")


@pytest.mark.parametrize(("post_to_x", "posts"), [pytest.param(False, 0, id="off"), pytest.param(True, 1, id="on")])
def test_the_company_account_posts_each_update_once_when_the_rules_say_so(post_to_x, posts):
    # GIVEN the rules' incidents.post_to_x
    parts = Parts([Channel.EMAIL], post_to_x=post_to_x)
    incident = confirmed()
    # WHEN the confirmation is told twice
    for _ in range(2):
        parts.notifier.tell(incident, incident.updates[-1], parts.reports, AT)
    # THEN one post at most, kept under the incident, as a plain post with the link
    announced = [r for r in parts.outbox.replies.values() if r.kind is ReplyKind.ANNOUNCEMENT]
    assert len(announced) == posts
    for post in announced:
        assert post.ticket_id == "I-0123456789" and post.event.metadata == {"kind": "post"} and URL in post.text
