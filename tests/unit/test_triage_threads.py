"""Threads: a follow-up joins its conversation's open ticket; a voicemail attaches to its call and pages its transcript.

Events are the real samples from events/, mapped by their own adapters (cli.offline), triaged with fakes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.model.event import SupportEvent
from chalicelib.services.triage import ticket_id_for
from cli.offline import MemoryDirectory, event_from_file
from local.samples import EVENTS_DIR
from tests.fakes import triage_with_fakes

NIGHT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tue 03:00 in New York


def sample(name: str, at: datetime = NIGHT) -> SupportEvent:
    return event_from_file(EVENTS_DIR / Path(f"{name}.json"), at)


@pytest.fixture
def parts():
    return triage_with_fakes(MemoryDirectory.from_file(), NIGHT)


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [
        ("sendgrid/free-howto", "sendgrid/reply-in-thread"),  # In-Reply-To / References name the first message
        ("sendgrid/vip-outage", "sendgrid/vip-outage-reply-plus-address"),  # support+T-…@ names the ticket outright
        ("ses/new-email", "ses/reply-base64"),
        ("slack/vip-outage-shared-channel", "slack/thread-reply"),  # thread_ts is the first message's ts
        ("twilio/call-01-incoming", "twilio/sms-01-urgent"),  # the same phone number pair
    ],
)
def test_a_follow_up_joins_the_open_ticket_of_its_thread(parts, first, follow_up):
    service, tickets, _, clock = parts
    # GIVEN a first message made a ticket
    opened = service.handle(sample(first))
    assert opened.created
    # WHEN a later message in the same conversation arrives
    clock.now += timedelta(minutes=20)
    joined = service.handle(sample(follow_up, clock.now))
    # THEN it joins that ticket: no new ticket, two messages on it
    assert joined.joined and not joined.created
    assert joined.ticket.ticket_id == opened.ticket.ticket_id
    assert list(tickets.tickets) == [opened.ticket.ticket_id]
    assert tickets.tickets[opened.ticket.ticket_id].messages == 2
    assert tickets.tickets[opened.ticket.ticket_id].last_message_at == clock.now


def test_the_plus_address_names_the_ticket_id_our_reply_gave():
    # GIVEN the ticket the VIP's outage email opens
    # THEN the sample's reply goes to that ticket's plus address (the pairing above is not a coincidence)
    assert sample("sendgrid/vip-outage-reply-plus-address").thread_key == "ticket:" + ticket_id_for(
        sample("sendgrid/vip-outage").event_id
    )


def test_a_redelivered_follow_up_changes_nothing(parts):
    service, tickets, _, clock = parts
    service.handle(sample("slack/vip-outage-shared-channel"))
    clock.now += timedelta(minutes=5)
    outcomes = [service.handle(sample("slack/thread-reply", clock.now)) for _ in range(3)]
    assert [o.joined for o in outcomes] == [True, True, True]
    assert len(tickets.follow_ups) == 1
    assert next(iter(tickets.tickets.values())).messages == 2


def test_a_follow_up_to_a_resolved_ticket_opens_a_new_one_that_takes_the_thread(parts):
    service, tickets, _, clock = parts
    # GIVEN the first email's ticket was resolved
    first = service.handle(sample("sendgrid/free-howto"))
    tickets.tickets[first.ticket.ticket_id] = first.ticket.model_copy(update={"status": "resolved"})
    # WHEN the customer replies in the same thread
    clock.now += timedelta(days=2)
    reply = service.handle(sample("sendgrid/reply-in-thread", clock.now))
    # THEN the reply is a new ticket, and the thread now leads to it
    assert reply.created and not reply.joined
    assert reply.ticket.ticket_id != first.ticket.ticket_id
    assert tickets.thread_ticket(reply.ticket.event.thread_key or "") == reply.ticket.ticket_id


def test_unthreaded_messages_each_make_a_ticket(parts):
    service, tickets, _, _ = parts
    service.handle(sample("widget/vip-outage"))
    service.handle(sample("widget/pro-cant-login"))
    assert len(tickets.tickets) == 2


def test_a_call_nobody_answered_ends_in_one_ticket_with_the_voicemail_and_a_page_with_the_transcript(parts):
    service, tickets, pager, clock = parts
    # GIVEN Dana's 3 a.m. call became a ticket and paged at once
    call = service.handle(sample("twilio/call-01-incoming"))
    pages_for_call = len(pager.pages)
    assert call.created and call.paged
    # WHEN nobody answers and Twilio posts the recording, then the transcription
    clock.now += timedelta(minutes=2)
    recording = service.handle(sample("twilio/call-04-recording", clock.now))
    after_recording = len(pager.pages)
    clock.now += timedelta(seconds=30)
    transcription = service.handle(sample("twilio/call-05-transcription", clock.now))
    # THEN both attach to the call's ticket
    ticket_id = call.ticket.ticket_id
    assert (recording.ticket.ticket_id, transcription.ticket.ticket_id) == (ticket_id, ticket_id)
    assert list(tickets.tickets) == [ticket_id]
    assert tickets.tickets[ticket_id].messages == 3
    # AND the recording pages nobody (its transcript follows), the transcription pages with the transcript
    assert after_recording == pages_for_call and not recording.paged
    assert transcription.paged
    assert {ticket for _, ticket in pager.pages[after_recording:]} == {ticket_id}
    [voicemail] = [f for f in tickets.follow_ups.values() if f.event.event_id.startswith("twilio:transcription:")]
    assert "investor meeting in ten minutes" in voicemail.event.text
    assert voicemail.decision.priority.value == "P1"


def test_a_recording_whose_call_is_unknown_opens_a_ticket_that_its_transcription_joins(parts):
    service, tickets, pager, _ = parts
    # GIVEN the call's own event never arrived (only the voicemail callbacks)
    recording = service.handle(sample("twilio/call-04-recording"))
    transcription = service.handle(sample("twilio/call-05-transcription"))
    # THEN one ticket; only the transcript paged
    assert recording.created and not recording.paged
    assert transcription.joined and transcription.paged
    assert len(tickets.tickets) == 1
    assert {ticket for _, ticket in pager.pages} == {recording.ticket.ticket_id}
