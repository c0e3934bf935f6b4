"""Property: decide() never raises on a valid event and always returns a route (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.model.customer import Customer
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.facts import Signals
from chalicelib.routing.loader import load_rules
from tests.unit.rules_fixture import literal_rules

RULESETS = [load_rules(), literal_rules()]
ZONES = ["UTC", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "Not/AZone"]
PHRASES = ["is down", "outage", "refund", "asap", "pricing", "can't log in", "URGENT", "🙏", "ü", "in 10 minutes"]

texts = (
    st.lists(st.one_of(st.sampled_from(PHRASES), st.text(min_size=0, max_size=20)), max_size=8)
    .map(" ".join)
    .filter(lambda t: len(t) <= 20_000)
)
moments = st.datetimes(
    min_value=datetime(2023, 1, 1),
    max_value=datetime(2034, 12, 31),
    timezones=st.sampled_from([UTC, ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")]),
)
events = st.builds(
    SupportEvent,
    event_id=st.text(min_size=1, max_size=40).map(lambda s: "p:" + s),
    channel=st.sampled_from(list(Channel)),
    provider=st.sampled_from(["widget", "twilio", "slack"]),
    received_at=st.just(datetime(2026, 1, 1, tzinfo=UTC)),
    sender=st.builds(Sender, name=st.none() | st.text(max_size=30), email=st.none() | st.emails()),
    text=texts,
    subject=st.none() | st.text(max_size=50),
)
known = st.builds(
    Customer,
    customer_id=st.text(min_size=1, max_size=10).filter(lambda s: s != "unknown"),
    name=st.text(min_size=1, max_size=30),
    plan=st.sampled_from(["free", "pro", "enterprise", "business", "legacy"]),
    mrr=st.floats(min_value=0, max_value=1e6),
    ltv=st.floats(min_value=0, max_value=1e7),
    flags=st.lists(st.sampled_from(["vip", "beta", "at-risk"]), max_size=3).map(tuple),
    timezone=st.sampled_from(ZONES),
    matched_by=st.sampled_from([None, "email", "phone", "handle", "domain"]),
)
customers = st.one_of(known, st.text(max_size=20).map(Customer.unknown))
signals = st.builds(
    Signals,
    sentiment=st.none() | st.floats(min_value=-1, max_value=1),
    recent_contacts=st.integers(min_value=0, max_value=50),
)


@settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])
@given(event=events, customer=customers, now=moments, signals=signals, which=st.sampled_from([0, 1]))
def test_decide_never_raises_and_always_routes(event, customer, now, signals, which):
    rules = RULESETS[which]
    decision = decide(event, customer, now, rules, signals)
    names = {r.name for r in rules.routes} | {"default"}
    assert decision.route in names
    assert decision.route_path and decision.route_path[-1] == decision.route
    assert decision.team in rules.document.teams
    assert 0 <= int(decision.facts["urgency.score"]) <= 100
    assert decision.reasons
    if decision.deferred_until is not None:
        assert decision.deferred_until >= now
    if decision.sla_due is not None:
        assert decision.sla_due >= now
