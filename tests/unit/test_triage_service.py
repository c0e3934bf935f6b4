"""TriageService with fakes: one ticket per event, one page per ticket, however often it is delivered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.errors import DependencyError
from chalicelib.model.customer import Customer, Tier
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.ticket import PageStatus
from chalicelib.routing.decide import decide
from chalicelib.routing.rules import load_rules
from chalicelib.services.triage import TriageService, ticket_id_for
from chalicelib.settings import DEFAULT_RULES_FILE
from tests.fakes import FakeCustomers, FakePager, FakeTickets

NIGHT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)  # Tue 03:00 in New York
VIP = Customer(customer_id="c1", name="Dana", tier=Tier.ENTERPRISE, vip=True, email="dana@northwind.example")
FREE = Customer(customer_id="c3", name="Sam", tier=Tier.FREE, email="sam@example.com")


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
    rules = load_rules(DEFAULT_RULES_FILE)
    tickets, pager = FakeTickets(), FakePager()
    service = TriageService(
        tickets=tickets,
        customers=FakeCustomers([VIP, FREE]),
        pager=pager,
        decide=lambda e, c, now: decide(e, c, now, rules),
        clock=lambda: NIGHT,
    )
    return service, tickets, pager


def test_an_urgent_vip_message_becomes_one_ticket_and_pages_founders_and_support(parts):
    service, tickets, pager = parts
    # WHEN a VIP reports an outage at 3 a.m.
    outcome = service.handle(event("widget:1", VIP.email or "", "Our dashboard is down"))
    # THEN one ticket, paged once per target, marked sent
    assert outcome.created and outcome.paged
    assert list(tickets.tickets) == [ticket_id_for("widget:1")]
    assert pager.pages == [("founders", outcome.ticket.ticket_id), ("support", outcome.ticket.ticket_id)]
    assert tickets.tickets[outcome.ticket.ticket_id].page_status is PageStatus.SENT


def test_redelivery_changes_nothing(parts):
    service, tickets, pager = parts
    e = event("widget:1", VIP.email or "", "Our dashboard is down")
    # WHEN the same event arrives three times
    outcomes = [service.handle(e) for _ in range(3)]
    # THEN one ticket and one round of pages
    assert [o.created for o in outcomes] == [True, False, False]
    assert len(tickets.tickets) == 1
    assert len(pager.pages) == 2


def test_a_page_that_failed_is_sent_on_redelivery_not_lost(parts):
    service, tickets, pager = parts
    pager.fail_times = 1
    e = event("widget:1", VIP.email or "", "Our dashboard is down")
    # GIVEN the first attempt stored the ticket but SNS failed
    with pytest.raises(DependencyError):
        service.handle(e)
    assert tickets.tickets[ticket_id_for("widget:1")].page_status is PageStatus.PENDING
    # WHEN SQS redelivers THEN the page goes out, once
    outcome = service.handle(e)
    assert not outcome.created and outcome.paged
    assert len(pager.pages) == 2


def test_a_concurrent_duplicate_that_lost_the_write_does_not_page_again(parts):
    service, tickets, pager = parts
    tickets.lose_next_create = True  # another delivery stored (and paged) it first
    outcome = service.handle(event("widget:1", VIP.email or "", "Our dashboard is down"))
    assert not outcome.created and not outcome.paged
    assert pager.pages == []


def test_a_free_how_to_at_night_is_queued_without_a_page(parts):
    service, _tickets, pager = parts
    outcome = service.handle(event("widget:2", FREE.email or "", "How do I export to CSV?"))
    assert outcome.ticket.decision.priority.value == "P4"
    assert outcome.ticket.page_status is PageStatus.NONE
    assert pager.pages == []


def test_an_unknown_sender_is_a_prospect(parts):
    service, _, _ = parts
    outcome = service.handle(event("widget:3", "priya@contoso.example", "pricing for 50 seats?"))
    assert outcome.ticket.customer.tier is Tier.PROSPECT
    assert outcome.ticket.decision.team == "sales"
