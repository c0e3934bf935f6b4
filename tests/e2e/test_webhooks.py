"""A provider's view over HTTP: signed webhooks become one ticket each and the right pages; others get 401."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.adapters.tickets_table import ticket_from_item
from local.inbox import Inbox
from local.samples import SampleRequest
from tests.e2e.conftest import E2E, NIGHT, fresh, pages_for, sign

pytestmark = pytest.mark.e2e

# sample → (route, team, priority, who is paged), for an event triaged at NIGHT with the shipped rules
ROUTED = [
    pytest.param("vip-outage", "key-customer-critical", "support", "P1", ["founders", "support"], id="vip-outage"),
    pytest.param("free-howto", "free-after-hours", "support", "P4", [], id="free-howto"),
    # a buyer at 3 a.m. is held for the office's opening: decided for the founders, nobody paged now
    pytest.param("prospect-pricing", "prospect-buying-after-hours", "sales", "P2", [], id="prospect-pricing"),
    # a paying customer who says it is urgent at night reaches the on-call person, as the after-hours reply promises
    pytest.param("pro-cant-login", "urgent-reply-after-hours", "support", "P2", ["support"], id="pro-cant-login"),
    pytest.param("non-ascii", "default", "support", "P3", [], id="non-ascii"),
]


@pytest.mark.parametrize(("name", "route", "team", "priority", "paged"), ROUTED)
def test_a_signed_webhook_becomes_one_ticket_with_its_decision_and_pages(
    e2e: E2E, inbox: Inbox, name: str, route: str, team: str, priority: str, paged: list[str]
) -> None:
    # GIVEN a sample request with a webhook-id of its own, signed now with the widget's secret
    sample = sign(fresh(name))
    # WHEN the widget posts it and the worker runs the queued batch
    delivery = e2e.post(sample)
    assert e2e.worker.drain()
    # THEN the API accepted it with the event id
    assert delivery.status == 202
    assert delivery.answer == {"event_id": f"widget:{sample.headers['webhook-id']}"}
    # AND exactly one ticket carries the decision and why it was taken
    [ticket] = e2e.tickets_for(f"widget:{sample.headers['webhook-id']}")
    assert (ticket["route"]["S"], ticket["team"]["S"], ticket["priority"]["S"]) == (route, team, priority)
    decision = ticket_from_item(ticket).decision
    expected = "no route stopped the search" if route == "default" else f"route '{route}' matched"
    assert any(r.startswith(expected) for r in decision.reasons)
    assert ([] if decision.deferred_until else list(decision.page_targets)) == paged
    # AND the pager topics sent exactly the pages the decision names, one per target
    assert pages_for(inbox.receive_all(), ticket["ticket_id"]["S"]) == paged


@pytest.mark.parametrize("triage_between", [False, True], ids=["retries-in-one-batch", "retries-after-triage"])
def test_the_same_webhook_three_times_makes_one_ticket_and_pages_once(
    e2e: E2E, inbox: Inbox, triage_between: bool
) -> None:
    # GIVEN an urgent VIP message the widget delivers three times (its retries keep the webhook-id)
    sample = fresh("vip-outage")
    event_id = f"widget:{sample.headers['webhook-id']}"
    # WHEN each delivery is signed at send time, as the widget does, and posted
    answers = []
    for _ in range(3):
        answers.append(e2e.post(sign(sample)))
        if triage_between:
            assert e2e.worker.drain()
    assert e2e.worker.drain()
    # THEN every delivery is accepted under the same event id
    assert [(d.status, d.event_id) for d in answers] == [(202, event_id)] * 3
    # AND there is one ticket, and each target was paged once
    [ticket] = e2e.tickets_for(event_id)
    assert ticket["page_status"]["S"] == "sent"
    assert pages_for(inbox.receive_all(), ticket["ticket_id"]["S"]) == ["founders", "support"]


def _unsigned() -> SampleRequest:
    sample = fresh("vip-outage")
    return replace(sample, headers={k: v for k, v in sample.headers.items() if not k.startswith("webhook-")})


OTHER_SECRET = "whsec_" + base64.b64encode(b"a secret the widget never had!").decode()


@pytest.mark.parametrize(
    ("make_request", "reason_mentions"),
    [
        pytest.param(_unsigned, "missing webhook-id", id="unsigned"),
        pytest.param(lambda: sign(fresh("vip-outage"), secret=OTHER_SECRET), "signature", id="mis-signed"),
        pytest.param(lambda: sign(fresh("vip-outage"), at=NIGHT - timedelta(minutes=6)), "too old", id="stale"),
        pytest.param(
            lambda: replace(sign(fresh("vip-outage")), body=sign(fresh("free-howto")).body), "signature", id="tampered"
        ),
    ],
)
def test_a_request_the_widget_did_not_sign_now_is_401_and_never_queued(
    e2e: E2E, make_request: Callable[[], SampleRequest], reason_mentions: str
) -> None:
    # GIVEN a request that is unsigned, signed with another secret, signed 6 minutes ago, or altered after signing
    request = make_request()
    # WHEN it is posted
    delivery = e2e.post(request)
    # THEN the API refuses it with a JSON reason an integrator can act on
    assert delivery.status == 401
    assert delivery.answer["error"] == "invalid_signature"
    assert reason_mentions in str(delivery.answer["reason"]).lower()
    # AND nothing reached the events queue
    assert e2e.worker.depth() == 0
