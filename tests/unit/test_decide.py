"""decide(): table-driven from literal rules; the clock is a parameter and every decision explains itself."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.facts import Signals
from chalicelib.routing.loader import from_compiled
from cli.compile import compile_text, render
from tests.unit.rules_fixture import LITERAL, literal_rules

RULES = literal_rules()
VIP = Customer(customer_id="c1", name="Dana Whitfield", plan="enterprise", flags=("vip",), mrr=4800)
PRO = Customer(customer_id="c2", name="Marco Rossi", plan="pro", mrr=99, timezone="Europe/Rome")
BIG = Customer(customer_id="c4", name="Big Co", plan="pro", mrr=2000)
UNKNOWN = Customer.unknown("Priya Raman")

# New York is UTC-5 in late November
NY = ZoneInfo("America/New_York")
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
        sender=Sender(name="Dana W.", email="x@example.com"),
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
    # the default's SLA, 1 business hour from the 09:00 opening, is promised in the customer's zone (UTC)
    # and in the office's; the greeting is the sender's first name
    assert decision.auto_reply == "Hi Dana, we will reply by 15:00 today your time (10:00 in New York)."


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
    assert decision.reasons[0] == "urgency 80 (critical): outage ('is down') +50; emphasis ('asap') +30"
    assert decision.reasons[1].startswith("customer Dana Whitfield, found by id: plan enterprise, tier vip")
    assert "Mon 03:00 America/New_York: closed; opens Mon 09:00" in decision.reasons
    assert (
        "route 'vip-critical' matched: customer.tier = vip (vip) and urgency.level = critical (critical)"
        in decision.reasons
    )


def test_the_same_inputs_give_the_same_decision_whatever_ran_before():
    # decide() is pure: no clock reads, no I/O, nothing remembered between calls
    # GIVEN what "refund" from Marco on Monday 10:00 New York must give, written out from the literal rules
    expected = (("refunds",), "P3", "support", (), "10 (normal): billing ('refund') +10")  # normal from 10
    first = decide(event("refund"), PRO, MON_1000, RULES)
    # WHEN other decisions (another hour, customer, channel) run and it is decided again
    decide(event("The app is down asap", Channel.VOICE), VIP, MON_0300, RULES)
    decide(event("pricing?"), UNKNOWN, FRI_2000, RULES)
    again = decide(event("refund"), PRO, MON_1000, RULES)
    # THEN both are that decision, and the second equals the first field for field
    for decision in (first, again):
        urgency = decision.reasons[0].removeprefix("urgency ")
        assert (decision.route_path, decision.priority.value, decision.team, decision.page_targets, urgency) == expected
    assert again == first


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


def test_a_decision_is_what_model_construct_would_build():
    # decide() builds the Decision without pydantic's per-field loop: the same model all the same
    decision = decide(event("I want a refund asap", Channel.VOICE), VIP, MON_0300, RULES)
    built = Decision.model_construct(**decision.__dict__)
    assert decision == built
    assert decision.model_dump() == built.model_dump()
    assert decision.model_fields_set == built.model_fields_set and type(decision.model_fields_set) is set
    assert decision.model_copy(update={"team": "sales"}).team == "sales" and decision.team == "support"


def test_what_rules_remember_does_not_change_later_decisions():
    # GIVEN moments in no particular order: across nights, weekends, Thanksgiving, handoffs and DST's end
    rng = random.Random(7)
    base = datetime(2026, 10, 30, tzinfo=UTC)
    moments = [base + timedelta(minutes=rng.randrange(40 * 24 * 60), seconds=rng.randrange(60)) for _ in range(60)]
    cases = [
        (event(rng.choice(["hi", "pricing?", "The app is down asap", "refund"]), rng.choice(list(Channel))), who, now)
        for now in moments
        for who in (rng.choice([VIP, PRO, BIG, UNKNOWN]),)
    ]
    compiled = render(compile_text(LITERAL, "literal.yaml")[0])
    shared = from_compiled(json.loads(compiled))
    for ev, who, now in cases:
        # WHEN one rules object decides them all, and a fresh one decides each THEN they agree
        assert decide(ev, who, now, shared) == decide(ev, who, now, from_compiled(json.loads(compiled))), now


def test_a_reason_kept_for_some_values_is_never_given_for_others():
    # reasons are kept by the str and bool values a route names; numbers are explained every time
    def reason(name: str, facts: Mapping[str, object], is_open: Mapping[str, bool]) -> str:
        index = next(i for i, r in enumerate(RULES.routes) if r.name == name)
        return RULES.route_reason(index, facts, is_open)

    assert reason("big-spender", {"customer.mrr": 2000.0}, {}).endswith("customer.mrr ≥ 1000.0 (2000.0)")
    assert reason("big-spender", {"customer.mrr": 2000}, {}).endswith("customer.mrr ≥ 1000.0 (2000)")
    assert reason("tag-night", {}, {"office": False}).endswith("calendar office is closed")
    assert reason("tag-night", {}, {"office": True}).endswith("calendar office is open")
    critical = {"customer.tier": "vip", "urgency.level": "critical"}
    assert reason("vip-critical", critical, {}) == reason("vip-critical", dict(critical), {})
    assert reason("vip-critical", {**critical, "customer.tier": "VIP"}, {}).endswith(
        "= vip (VIP) and urgency.level = critical (critical)"
    )


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(datetime(2026, 3, 8, 2, 30, tzinfo=NY), id="skipped-by-spring-forward"),
        pytest.param(datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=0), id="first-of-the-repeated-hour"),
        pytest.param(datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1), id="second-of-the-repeated-hour"),
    ],
)
def test_a_wall_time_given_in_the_calendar_s_zone_is_explained_as_the_instant_it_is(now):
    # the business-hours reason says what the calendar says for that instant; the time facts take the time as given
    decision = decide(event("hello"), PRO, now, RULES)
    assert RULES.default_calendar.explain(now) in decision.reasons
    assert decision.facts["time.hour"] == now.hour


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("Hi {first_name}, we will reply by {reply_by}.", id="fields"),
        pytest.param("{{braces}} for {name} in {team}{ticket_ref}: {{{reply_by}}}", id="escapes-team-ticket"),
        pytest.param("Hi {name!r}, by {reply_by:>40}", id="conversion-and-spec"),
        pytest.param("no field at all", id="no-fields"),
    ],
)
def test_an_auto_reply_reads_as_its_template_formatted(template):
    rules = literal_rules(LITERAL.replace('"Hi {first_name}, we will reply by {reply_by}."', json.dumps(template)))
    decision = decide(event("The app is down asap"), VIP, MON_0300, rules)
    reply_by = "15:00 today your time (10:00 in New York)"
    assert decision.auto_reply == template.format(
        first_name="Dana", name=VIP.name, reply_by=reply_by, team="support", ticket_ref=""
    )
