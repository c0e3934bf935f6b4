"""decide(): table-driven from literal rules; the clock is a parameter and every decision explains itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.model.customer import Customer
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.facts import Signals
from tests.unit.rules_fixture import LITERAL, literal_rules

RULES = literal_rules()
VIP = Customer(customer_id="c1", name="Dana Whitfield", plan="enterprise", flags=("vip",), mrr=4800)
PRO = Customer(customer_id="c2", name="Marco Rossi", plan="pro", mrr=99, timezone="Europe/Rome")
BIG = Customer(customer_id="c4", name="Big Co", plan="pro", mrr=2000)
UNKNOWN = Customer.unknown("Priya Raman")

# New York is UTC-5 in late November
MON_0300 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
MON_1000 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
MON_1659 = datetime(2026, 11, 23, 21, 59, tzinfo=UTC)
MON_1700 = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
THANKSGIVING_1000 = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
FRI_2000 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def event(text: str, channel: Channel = Channel.WIDGET) -> SupportEvent:
    return SupportEvent(
        event_id="widget:x",
        channel=channel,
        provider="test",
        received_at=MON_0300,
        sender=Sender(email="x@example.com"),
        text=text,
    )


@pytest.mark.parametrize(
    ("text", "channel", "customer", "now", "path", "priority", "team", "pages"),
    [
        pytest.param("hello", Channel.VOICE, PRO, MON_1000, ("call",), "P1", "support", ("support",), id="live-call"),
        pytest.param(
            "The app is down asap",
            Channel.WIDGET,
            VIP,
            MON_0300,
            ("tag-night", "vip-critical"),
            "P1",
            "support",
            ("support",),
            id="vip-critical-3am",
        ),
        pytest.param(
            "The app is down asap",
            Channel.WIDGET,
            VIP,
            MON_1000,
            ("vip-critical",),
            "P1",
            "support",
            ("support",),
            id="vip-critical-10am",
        ),
        pytest.param(
            "The app is down", Channel.WIDGET, PRO, MON_1000, ("default",), "P4", "support", (), id="pro-not-vip"
        ),
        pytest.param(
            "pricing?", Channel.WIDGET, UNKNOWN, MON_1000, ("buyer",), "P2", "sales", ("sales",), id="buyer-in-hours"
        ),
        pytest.param(
            "hi", Channel.WIDGET, BIG, MON_1000, ("big-spender",), "P2", "support", ("support",), id="team-from-default"
        ),
        pytest.param(
            "I want a refund", Channel.WIDGET, PRO, MON_1659, ("refunds",), "P3", "support", (), id="regex-16-59"
        ),
        pytest.param(
            "I want a chargeback",
            Channel.WIDGET,
            PRO,
            MON_1700,
            ("tag-night", "refunds"),
            "P3",
            "support",
            (),
            id="regex-17-00-closed",
        ),
        pytest.param(
            "hello",
            Channel.WIDGET,
            PRO,
            THANKSGIVING_1000,
            ("tag-night", "default"),
            "P4",
            "support",
            (),
            id="holiday-closed",
        ),
    ],
)
def test_routes_table(text, channel, customer, now, path, priority, team, pages):
    # WHEN an event is decided at a fixed moment
    decision = decide(event(text, channel), customer, now, RULES)
    # THEN the route path, priority, team and who is paged follow the rules
    assert decision.route_path == path
    assert (decision.priority.value, decision.team, decision.page_targets) == (priority, team, pages)
    assert decision.rules_version == RULES.version


def test_continue_routes_add_actions_and_earlier_routes_win():
    # GIVEN a night-time message: tag-night (continue) sets the auto-reply, vip-critical the rest
    decision = decide(event("The app is down asap"), VIP, MON_0300, RULES)
    assert decision.route == "vip-critical"
    # no SLA and the office closed: the reply is promised for the next opening, in the customer's zone (UTC)
    assert decision.auto_reply == "Hi Dana, we will reply by Monday 23 November, 14:00 (UTC)."


def test_a_live_call_resolves_its_dial_list_through_the_rotation_then_the_team():
    # Monday 10:00 is leo's day (rotation started Mon 23 Nov 09:00 with priya; daily handoff)
    decision = decide(event("hello", Channel.VOICE), PRO, datetime(2026, 11, 24, 15, 0, tzinfo=UTC), RULES)
    assert [(c.person, c.phone, c.via) for c in decision.dial] == [
        ("leo", "+12125550104", "on call, rotation primary"),
        ("maya", "+12125550101", "team founders"),
    ]
    assert decision.notify == ("Leo Martins (on call, rotation primary)",)
    assert "rotation primary: leo on call" in " ".join(decision.reasons)


def test_a_buyer_out_of_hours_is_deferred_to_the_next_opening_and_the_sla_counts_business_time():
    # GIVEN Friday 20:00 New York: the office opens Monday 09:00
    decision = decide(event("pricing?"), UNKNOWN, FRI_2000, RULES)
    assert decision.deferred_until == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
    assert decision.sla_due == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert not decision.pages
    assert decision.page_targets == ("sales",)


@pytest.mark.parametrize(
    ("text", "signals", "score", "level"),
    [
        pytest.param("hello", Signals(), 0, "low", id="nothing"),
        pytest.param("refund please", Signals(), 10, "normal", id="phrase"),
        pytest.param("refund asap", Signals(), 40, "high", id="time-pressure"),
        pytest.param("refund asap", Signals(sentiment=-0.5), 50, "high", id="negative-tone"),
        pytest.param("refund asap", Signals(sentiment=0.9), 40, "high", id="positive-tone-adds-nothing"),
        pytest.param("refund asap", Signals(recent_contacts=1), 50, "high", id="second-message"),
        pytest.param("refund asap", Signals(recent_contacts=5), 60, "high", id="repeat-capped"),
        pytest.param(
            "is down asap refund", Signals(sentiment=-1.0, recent_contacts=3), 100, "critical", id="clamped-100"
        ),
    ],
)
def test_urgency_scores_and_levels(text, signals, score, level):
    decision = decide(event(text), PRO, MON_1000, RULES, signals)
    assert (decision.facts["urgency.score"], decision.facts["urgency.level"]) == (score, level)


def test_every_decision_explains_itself():
    decision = decide(event("The app is down asap"), VIP, MON_0300, RULES)
    assert decision.reasons[0] == "urgency 80 (critical): 'is down' +50, 'asap' +30"
    assert decision.reasons[1].startswith("customer Dana Whitfield, found by id: plan enterprise, tier vip")
    assert "Mon 03:00 America/New_York: closed; opens Mon 09:00" in decision.reasons
    assert (
        "route 'vip-critical' matched: customer.tier = vip (vip) and urgency.level = critical (critical)"
        in decision.reasons
    )


def test_the_same_inputs_give_the_same_decision():
    # decide() is pure: no clock reads, no I/O
    assert decide(event("refund"), PRO, MON_1000, RULES) == decide(event("refund"), PRO, MON_1000, RULES)


def test_who_is_on_call_is_a_fact_routes_can_test():
    # GIVEN rules with a route for when leo holds the pager (the daily rotation: priya Mon, leo Tue)
    rules = literal_rules(
        LITERAL.replace(
            "  - name: call\n",
            "  - name: leo-on-call\n    when: {fact: oncall.primary, eq: leo}\n    then: {team: support, priority: P2}\n  - name: call\n",
        )
    )
    monday, tuesday = datetime(2026, 11, 23, 20, 0, tzinfo=UTC), datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert decide(event("hi"), PRO, monday, rules).facts["oncall.primary"] == "priya"
    assert decide(event("hi"), PRO, tuesday, rules).route == "leo-on-call"
