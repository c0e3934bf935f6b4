"""The burst's mix: what each message is, that the shipped rules treat it so, and that the app accepts it signed.

The burst itself needs the local platform; here the requests are parsed by the providers' own adapters
and routed by decide() with the shipped rules, at the bench's time. No test times anything.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest

from bench import burst_mix
from bench.burst_mix import AT, ORDINARY, OUTAGE, PAGING, build, schedule, shares
from chalicelib.incidents.detect import outage_concepts
from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision
from chalicelib.routing.decide import decide
from chalicelib.routing.loader import load_rules
from chalicelib.routing.sentiment import signals_for
from cli.offline import CUSTOMERS_FILE, MemoryDirectory, event_from_request
from local.samples import local_secrets, signed

BASE_URL = "http://127.0.0.1:8123"


@pytest.fixture(scope="module")
def mix() -> burst_mix.Mix:
    return build(200)


@pytest.fixture(scope="module")
def decisions(mix: burst_mix.Mix) -> list[tuple[burst_mix.Planned, Decision]]:
    rules = load_rules()
    seed = [Customer.model_validate(c) for c in json.loads(CUSTOMERS_FILE.read_text(encoding="utf-8"))]
    directory = MemoryDirectory(seed + list(mix.customers))
    out = []
    for planned in mix.planned:
        event = event_from_request(planned.request, AT)
        customer = directory.find(event.sender) or Customer.unknown(event.sender.name or "someone")
        out.append((planned, decide(event, customer, AT, rules, signals_for(event, rules, 0))))
    return out


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        pytest.param(1000, (600, 340, 56, 4), id="the full burst: 4 prospects at most (Maya's P2 rate limit)"),
        pytest.param(200, (120, 68, 10, 2), id="a quick check"),
        pytest.param(10, (6, 2, 1, 1), id="the least: still one of each page"),
    ],
)
def test_shares_add_up_to_the_count(count: int, expected: tuple[int, int, int, int]) -> None:
    # GIVEN a burst size / WHEN it is split / THEN the parts are the outage-like mix and add up
    assert shares(count) == expected
    assert sum(shares(count)) == count


def test_a_burst_too_small_to_open_an_incident_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 10"):
        shares(9)


def test_every_message_is_its_own_event_and_the_mix_is_spread(mix: burst_mix.Mix) -> None:
    # GIVEN the quick burst / THEN every request and event id is distinct, on every provider, every kind spread
    assert len({p.request.name for p in mix.planned}) == len(mix.planned) == 200
    assert len({p.event_id for p in mix.planned}) == 200
    assert set(mix.providers()) == {"meta", "sendgrid", "slack", "twilio", "widget", "x"}
    assert (mix.count(OUTAGE), mix.count(ORDINARY), mix.count(PAGING)) == (120, 68, 12)
    first_half = Counter(p.kind for p in mix.planned[:100])
    assert all(first_half[kind] > 0 for kind in (OUTAGE, ORDINARY, PAGING))
    assert [p.index for p in mix.planned] == list(range(200))
    assert build(200) == mix  # seeded: the same burst every run


def test_the_shipped_rules_treat_each_kind_as_the_bench_expects(
    decisions: list[tuple[burst_mix.Planned, Decision]],
) -> None:
    # GIVEN the shipped rules at the bench's time (Tuesday 10:00 New York) / WHEN each message is decided
    policy = load_rules().incidents
    for planned, decision in decisions:
        concepts = outage_concepts(decision, policy)
        if planned.kind == OUTAGE:
            # THEN an outage report counts towards the incident
            assert concepts, planned.request.name
        elif planned.kind == ORDINARY:
            assert not decision.pages and not concepts, (planned.request.name, decision.route)
        else:
            # a paging message pages on its own: not an outage report the incident would absorb
            assert decision.pages and not concepts, (planned.request.name, decision.route)
    routes = Counter(d.route for p, d in decisions if p.kind == PAGING)
    assert routes == {"key-customer-critical": 10, "prospect-buying-in-hours": 2}


def test_each_vip_page_comes_from_its_own_vip(
    mix: burst_mix.Mix, decisions: list[tuple[burst_mix.Planned, Decision]]
) -> None:
    # distinct customers: pages for one customer within ten minutes would fold into one
    vips = [d for p, d in decisions if p.label.startswith("vip-")]
    assert len(vips) == len(mix.customers) == 10
    assert all(d.tier == "vip" and d.priority.value == "P1" for d in vips)
    assert {p.label for p in mix.planned if p.kind == PAGING} == {
        "vip-sms",
        "vip-widget",
        "vip-slack",
        "prospect-widget",
    }


@pytest.mark.parametrize("provider", ["meta", "sendgrid", "slack", "twilio", "widget", "x"])
def test_the_requests_are_signed_as_each_provider_signs(mix: burst_mix.Mix, provider: str) -> None:
    import importlib

    adapter = importlib.import_module(f"chalicelib.channels.{provider}")
    secrets = local_secrets()
    for planned in [p for p in mix.planned if p.provider == provider][:3]:
        raw = signed(planned.request, secrets, AT, BASE_URL).as_raw(BASE_URL)
        # THEN the provider's own verify() accepts it (raises otherwise)
        adapter.verify(raw, secrets[provider], AT)


@pytest.mark.parametrize(
    ("count", "seconds", "expected"),
    [
        pytest.param(4, 2.0, [0.0, 0.5, 1.0, 1.5], id="evenly"),
        pytest.param(1000, 60.0, None, id="the full burst"),
    ],
)
def test_the_schedule_paces_evenly(count: int, seconds: float, expected: list[float] | None) -> None:
    slots = schedule(count, seconds)
    assert len(slots) == count and slots[0] == 0.0 and slots[-1] < seconds
    if expected is not None:
        assert slots == expected
    assert all(b > a for a, b in itertools.pairwise(slots))


def test_a_schedule_needs_messages_and_time() -> None:
    with pytest.raises(ValueError):
        schedule(0, 1.0)
    with pytest.raises(ValueError):
        schedule(5, 0.0)
