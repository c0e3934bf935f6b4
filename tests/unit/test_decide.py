"""decide(): table-driven from literal rules; the clock is a parameter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.model.customer import Customer, Tier
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.rules import load_rules, parse_rules
from chalicelib.settings import DEFAULT_RULES_FILE

RULES = parse_rules(
    """
version: 1
teams: [support, sales]
business_hours: {timezone: America/New_York, days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
urgency:
  critical: ["is down", outage]
  high: [urgent, refund]
routes:
  - name: vip-critical
    match: {urgency_at_least: critical, vip: true}
    team: support
    priority: P1
    page: [founders]
  - name: paying-urgent-in-hours
    match: {urgency_at_least: high, tiers: [pro, enterprise], in_business_hours: true}
    team: support
    priority: P2
  - name: prospect
    match: {tiers: [prospect]}
    team: sales
    priority: P3
default: {team: support, priority: P4}
""",
    "literal.yaml",
)

VIP = Customer(customer_id="c1", name="Dana", tier=Tier.ENTERPRISE, vip=True)
PRO = Customer(customer_id="c2", name="Marco", tier=Tier.PRO)
FREE = Customer(customer_id="c3", name="Sam", tier=Tier.FREE)
UNKNOWN = Customer.unknown("priya@contoso.example")

# New York is UTC-5 in November
TUE_0300 = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
TUE_0859 = datetime(2026, 11, 17, 13, 59, tzinfo=UTC)
TUE_0900 = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
TUE_1759 = datetime(2026, 11, 17, 22, 59, tzinfo=UTC)
TUE_1800 = datetime(2026, 11, 17, 23, 0, tzinfo=UTC)
SAT_1200 = datetime(2026, 11, 21, 17, 0, tzinfo=UTC)


def event(text: str) -> SupportEvent:
    return SupportEvent(
        event_id="widget:x",
        channel=Channel.WIDGET,
        provider="widget",
        received_at=TUE_0300,
        sender=Sender(email="x@example.com"),
        text=text,
    )


@pytest.mark.parametrize(
    ("text", "customer", "now", "route", "priority", "targets"),
    [
        pytest.param("The app is down!", VIP, TUE_0300, "vip-critical", "P1", ("founders",), id="vip-outage-3am"),
        pytest.param("The app is down!", VIP, SAT_1200, "vip-critical", "P1", ("founders",), id="vip-outage-weekend"),
        pytest.param(
            "urgent: refund please", PRO, TUE_0900, "paying-urgent-in-hours", "P2", ("support",), id="pro-9am"
        ),
        pytest.param(
            "urgent: refund please", PRO, TUE_1759, "paying-urgent-in-hours", "P2", ("support",), id="pro-1759"
        ),
        pytest.param("urgent: refund please", PRO, TUE_0859, "default", "P4", (), id="pro-0859-closed"),
        pytest.param("urgent: refund please", PRO, TUE_1800, "default", "P4", (), id="pro-1800-closed"),
        pytest.param(
            "The app is down!", PRO, TUE_0900, "paying-urgent-in-hours", "P2", ("support",), id="critical>=high"
        ),
        pytest.param("How do I export?", PRO, TUE_0900, "default", "P4", (), id="pro-normal"),
        pytest.param("pricing for 50 seats?", UNKNOWN, TUE_0300, "prospect", "P3", (), id="prospect"),
        pytest.param("The app is down!", FREE, TUE_0300, "default", "P4", (), id="free-outage-not-vip"),
    ],
)
def test_routes_table(text, customer, now, route, priority, targets):
    # WHEN an event is decided at a fixed time
    decision = decide(event(text), customer, now, RULES)
    # THEN the first matching route decides, and a paging priority pages the team by default
    assert (decision.route, decision.priority, decision.page_targets) == (route, Priority(priority), targets)
    assert decision.rules_version == RULES.version


def test_every_decision_explains_itself():
    decision = decide(event("The app is down!"), VIP, TUE_0300, RULES)
    assert decision.reasons == (
        "urgency critical: message mentions 'is down'",
        "customer Dana (enterprise, VIP)",
        "Tue 03:00 America/New_York is outside business hours (Mon–Fri 09:00–18:00 America/New_York)",
        "route 'vip-critical' matched",
        "page founders",
    )
    assert decision.facts["urgency"] == "critical"
    assert decision.facts["in_business_hours"] is False


def test_the_same_inputs_give_the_same_decision():
    # decide() is pure: no clock reads, no I/O
    assert decide(event("refund"), PRO, TUE_0900, RULES) == decide(event("refund"), PRO, TUE_0900, RULES)


def test_the_shipped_rules_load_and_route_a_vip_outage_to_the_founders():
    rules = load_rules(DEFAULT_RULES_FILE)
    decision = decide(event("Our dashboard is down"), VIP, TUE_0300, rules)
    assert decision.priority is Priority.P1
    assert "founders" in decision.page_targets
