"""TriageService with fakes: one ticket per event, one page per ticket, however often it is delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import DependencyError
from chalicelib.model.customer import Customer
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.ticket import PageStatus
from chalicelib.services.triage import ticket_id_for
from tests.fakes import FakeCustomers, triage_with_fakes

NIGHT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tue 03:00 in New York
VIP = Customer(customer_id="c1", name="Dana", plan="enterprise", flags=("vip",), email="dana@northwind.example")
PRO = Customer(customer_id="c2", name="Marco", plan="pro", email="marco@trattoria.example")
FREE = Customer(customer_id="c3", name="Sam", plan="free", email="sam@example.com")


def event(event_id: str, email: str, text: str) -> SupportEvent:
    return SupportEvent(
        event_id=event_id,
        channel=Channel.WIDGET,
        provider="widget",
        received_at=NIGHT,
        sender=Sender(email=email),
        text=text,
    )


@pytest.fixture
def parts():
    return triage_with_fakes(FakeCustomers([VIP, PRO, FREE]), NIGHT)


def test_an_urgent_vip_message_becomes_one_ticket_and_pages_each_target_once(parts):
    service, tickets, pager, _ = parts
    # WHEN a VIP reports an outage at 3 a.m.
    outcome = service.handle(
        event("widget:1", "dana@northwind.example", "Our dashboard is down and I have a meeting in 10 minutes")
    )
    # THEN one ticket, paged once per target, marked sent
    assert outcome.created and outcome.paged
    assert list(tickets.tickets) == [ticket_id_for("widget:1")]
    assert pager.pages == [("founders", outcome.ticket.ticket_id), ("support", outcome.ticket.ticket_id)]
    assert tickets.tickets[outcome.ticket.ticket_id].page_status is PageStatus.SENT


def test_redelivery_changes_nothing(parts):
    service, tickets, pager, _ = parts
    e = event("widget:1", "dana@northwind.example", "Our dashboard is down and I have a meeting in 10 minutes")
    outcomes = [service.handle(e) for _ in range(3)]
    assert [o.created for o in outcomes] == [True, False, False]
    assert len(tickets.tickets) == 1
    assert len(pager.pages) == 2


def test_a_page_that_failed_is_sent_on_redelivery_not_lost(parts):
    service, tickets, pager, _ = parts
    pager.fail_times = 1
    e = event("widget:1", "dana@northwind.example", "Our dashboard is down and I have a meeting in 10 minutes")
    # GIVEN the first attempt stored the ticket but SNS failed
    with pytest.raises(DependencyError):
        service.handle(e)
    assert tickets.tickets[ticket_id_for("widget:1")].page_status is PageStatus.PENDING
    # WHEN SQS redelivers THEN the page goes out, once
    outcome = service.handle(e)
    assert not outcome.created and outcome.paged
    assert len(pager.pages) == 2


def test_a_concurrent_duplicate_that_lost_the_write_does_not_page_again(parts):
    service, tickets, pager, _ = parts
    tickets.lose_next_create = True  # another delivery stored (and paged) it first
    outcome = service.handle(
        event("widget:1", "dana@northwind.example", "Our dashboard is down and I have a meeting in 10 minutes")
    )
    assert not outcome.created and not outcome.paged
    assert pager.pages == []


def test_a_free_how_to_at_night_is_queued_with_an_auto_reply_and_no_page(parts):
    service, _, pager, _ = parts
    outcome = service.handle(event("widget:2", "sam@example.com", "How do I export to CSV?"))
    assert outcome.ticket.decision.priority.value == "P4"
    assert outcome.ticket.decision.auto_reply is not None
    assert outcome.ticket.page_status is PageStatus.NONE
    assert pager.pages == []


def test_a_buyer_at_night_is_held_until_the_office_opens(parts):
    service, _, pager, _ = parts
    outcome = service.handle(event("widget:3", "priya@contoso.example", "pricing for 50 seats?"))
    assert outcome.ticket.customer.known is False
    assert outcome.ticket.decision.team == "sales"
    assert outcome.ticket.page_status is PageStatus.DEFERRED
    assert pager.pages == []


def test_repeat_contact_within_the_hour_raises_urgency(parts):
    service, _, _, clock = parts
    # GIVEN a paying customer who already wrote twice in the last hour
    for i in range(2):
        service.handle(event(f"widget:r{i}", "marco@trattoria.example", "I can't log in"))
        clock.now += timedelta(minutes=10)
    # WHEN they write a third time
    third = service.handle(event("widget:r2", "marco@trattoria.example", "I can't log in"))
    # THEN the decision counts the earlier two
    assert third.ticket.decision.facts["contact.recent"] == 2
    assert "3rd message this hour +20" in third.ticket.decision.reasons[0]
