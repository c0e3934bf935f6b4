"""Fault injection in the provider stand-in: told errors, served ``times`` times, then success; the control path."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from local.standin import Request, StandIn
from local.standin.show import render
from tests.standin_requests import CREDENTIALS, CUSTOMER, NOW, meta, slack, twilio, widget, x_dm

RESET = str(int((NOW + timedelta(seconds=60)).timestamp()))


@pytest.fixture
def standin() -> StandIn:
    return StandIn(CREDENTIALS, clock=lambda: NOW)


def _subset(actual: Any, expected: dict[str, Any]) -> bool:
    return all(
        _subset(actual.get(k), v) if isinstance(v, dict) else isinstance(actual, dict) and actual.get(k) == v
        for k, v in expected.items()
    )


FAULTS = [
    ("twilio-429", "twilio", {"status": 429, "retry_after": 2}, twilio, 429, {"code": 20429, "status": 429}, {"Retry-After": "2"}),
    ("twilio-stop", "twilio", {"code": 21610}, twilio, 400, {"code": 21610, "more_info": "https://www.twilio.com/docs/errors/21610"}, {}),
    ("twilio-500", "twilio", {"status": 500}, twilio, 500, {"code": 20500}, {}),
    ("slack-429", "slack", {"status": 429, "retry_after": 30}, slack, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"}),
    ("slack-archived", "slack", {"error": "is_archived"}, slack, 200, {"ok": False, "error": "is_archived"}, {}),
    ("slack-503", "slack", {"status": 503}, slack, 503, {"ok": False}, {}),
    ("x-429", "x", {"status": 429, "retry_after": 60}, x_dm, 429, {"status": 429}, {"x-rate-limit-reset": RESET}),
    ("x-dm-closed", "x.dm", {"status": 403, "message": "You are not permitted to send a DM to this user"}, x_dm, 403,
     {"detail": "You are not permitted to send a DM to this user"}, {}),
    ("meta-window", "meta", {"code": 10, "subcode": 2018278}, meta, 400, {"error": {"code": 10, "error_subcode": 2018278}}, {}),
    ("meta-rate", "meta", {"code": 613}, meta, 400, {"error": {"code": 613}}, {}),
    ("meta-500", "meta", {"status": 500}, meta, 500, {"error": {"code": 2}}, {}),
    ("widget-gone", "widget", {"status": 410}, widget, 410, {"error": "conversation closed"}, {}),
    ("widget-429", "widget", {"status": 429, "retry_after": 5}, widget, 429, {}, {"Retry-After": "5"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("target", "kwargs", "build", "status", "shape", "headers"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
@pytest.mark.parametrize("times", [1, 2])
def test_a_fault_is_served_times_times_and_then_the_request_succeeds(standin, target, kwargs, build, status, shape, headers, times):  # fmt: skip
    # GIVEN a fault for the next `times` valid requests
    fault = standin.fail(target, times=times, **kwargs)
    # WHEN the same valid request is sent times + 1 times
    answers = [standin.respond(build())[0] for _ in range(times + 1)]
    # THEN the first `times` get the provider's error, headers included, and the last one succeeds
    for answer in answers[:times]:
        assert answer.status == status and _subset(answer.body, shape), answer.body
        assert {k: answer.headers.get(k) for k in headers} == headers
    assert answers[-1].status in (200, 201)
    assert len(standin.received) == 1 and fault.served == times
    assert standin.faults.pending() == []


def test_a_fault_for_one_endpoint_leaves_the_others_alone(standin):
    # GIVEN a fault for Twilio's Calls only
    standin.fail("twilio.calls", status=500)
    # WHEN an SMS and then a call are sent
    sms, call = (standin.respond(r)[0] for r in (twilio(), twilio("Calls")))
    # THEN the SMS goes through and the call gets the 500
    assert (sms.status, call.status) == (201, 500)


def test_a_request_the_provider_would_refuse_anyway_does_not_use_up_the_fault(standin):
    # GIVEN a 429 waiting for Slack
    standin.fail("slack", status=429)
    # WHEN a request with a bad token comes first, then a good one
    bad, good = (standin.respond(r)[0] for r in (slack(headers={"authorization": "Bearer nope"}), slack()))
    # THEN the bad one is refused as usual and the good one gets the 429
    assert bad.body["error"] == "invalid_auth"
    assert good.status == 429


def test_a_fault_without_a_count_lasts_until_cleared(standin):
    # GIVEN a fault with times=None
    standin.fail("meta", status=503, times=None)
    # WHEN three requests come, then the faults are cleared, then one more
    statuses = [standin.respond(meta())[0].status for _ in range(3)]
    standin.faults.clear()
    statuses.append(standin.respond(meta())[0].status)
    # THEN 503 until cleared, success after
    assert statuses == [503, 503, 503, 200]


def test_a_slow_answer_is_accepted_and_held_back(standin):
    # GIVEN a slow answer (no error: the provider accepts, the client may time out first)
    standin.fail("twilio", delay=3)
    # WHEN an SMS is sent
    answer, delay = standin.respond(twilio())
    # THEN the success is held back 3 s and the message counts as sent: a retry would duplicate it
    assert (answer.status, delay) == (201, 3)
    assert [m.to for m in standin.received] == [CUSTOMER]


def test_a_slow_error_holds_back_the_error(standin):
    # GIVEN a 500 answered after 2 s WHEN a request comes THEN the error, held back, nothing recorded
    standin.fail("widget", status=500, delay=2)
    answer, delay = standin.respond(widget())
    assert (answer.status, delay) == (500, 2) and standin.received == []


@pytest.mark.parametrize(
    ("provider", "kwargs"),
    [("sendgrid", {"status": 500}), ("twilio", {"status": 200}), ("twilio", {})],
    ids=["unknown-provider", "not-an-error", "nothing-to-do"],
)
def test_a_fault_that_means_nothing_is_refused(standin, provider, kwargs):
    # GIVEN / WHEN a fault naming no provider, no error, or nothing at all THEN ValueError
    with pytest.raises(ValueError):
        standin.fail(provider, **kwargs)


def _control(standin: StandIn, method: str, path: str, body: Any = None) -> Any:
    answer, _ = standin.respond(
        Request(method, path, {"content-type": "application/json"}, json.dumps(body).encode() if body else b"")
    )
    return answer


def test_the_control_path_injects_lists_and_clears_faults(standin):
    # GIVEN a fault posted as JSON to the control path
    posted = _control(
        standin, "POST", "/_standin/faults", {"provider": "twilio", "status": 429, "retry_after": 2, "times": 1}
    )
    listed = _control(standin, "GET", "/_standin/faults")
    # WHEN two SMS are sent
    statuses = [standin.respond(twilio())[0].status for _ in range(2)]
    # THEN the fault was taken, served once, and the listing of messages shows the one that went through
    assert posted.status == 201 and posted.body["target"] == "twilio"
    assert [f["status"] for f in listed.body] == [429]
    assert statuses == [429, 201]
    received = _control(standin, "GET", "/_standin/received").body
    assert [(m["provider"], m["to"]) for m in received] == [("twilio", CUSTOMER)]
    assert "To=%2B12125550100" in received[0]["request"]["body"]
    # AND DELETE clears messages and faults
    standin.fail("x", status=500)
    assert _control(standin, "DELETE", "/_standin/received").status == 204
    assert standin.received == [] and standin.faults.pending() == []


@pytest.mark.parametrize(
    "body",
    [
        {"provider": "twilio", "status": 429, "bogus": 1},
        {"status": 429},
        {"provider": "nobody", "status": 500},
        {"provider": "x"},
    ],
    ids=["unknown-field", "no-provider", "unknown-provider", "no-error"],
)
def test_the_control_path_refuses_a_fault_it_cannot_serve(standin, body):
    # GIVEN / WHEN a bad fault is posted THEN 400 with the reason, and nothing is pending
    answer = _control(standin, "POST", "/_standin/faults", body)
    assert answer.status == 400 and answer.body["error"]
    assert standin.faults.pending() == []


def test_each_message_prints_as_the_customer_would_see_it(standin):
    # GIVEN a directory that knows Dana's widget conversation, and a stand-in printing into a list
    lines: list[str] = []
    standin = StandIn(CREDENTIALS, clock=lambda: NOW, show=lines.append, names={"conv_7f3a91": "Dana Whitfield"})
    # WHEN the widget reply, an SMS to an unknown number and a call-back arrive
    for request in (widget(), twilio(), twilio("Calls")):
        standin.respond(request)
    # THEN one short line each: the name when known, else the number
    assert lines == [
        '✉ → Dana Whitfield via widget: "Hi Dana, we have paged our on-call engineer and are looking…"',
        '✉ → +12125550100 via SMS: "Hi Dana, we have paged our on-call engineer."',
        "☎ → +15555550111 rings; answered, it bridges +12125550100 (caller ID +16465550123)",
    ]
    assert render(standin.received[0], {}).startswith("✉ → conv_7f3a91 via widget")


def test_a_refusal_prints_a_warning_with_the_providers_reason(standin):
    # GIVEN a stand-in printing into a list
    lines: list[str] = []
    standin = StandIn(CREDENTIALS, clock=lambda: NOW, show=lines.append)
    # WHEN a request with a bad token arrives THEN one warning naming the provider and its reason
    standin.respond(slack(headers={"authorization": "Bearer nope"}))
    assert lines == ["⚠  stand-in slack → 200 invalid_auth"]
