"""Console sign-in against moto, as the API function's IAM user: ask for a link, get it on one's own
subscription, follow it to a session cookie, sign out; the limits, and nothing that tells addresses apart."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.console import session
from chalicelib.paging.messages import person_filter

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LINK = re.compile(r"https://switchboard\.test(/console/auth\?\S+)")


def _phone(aws: Any, person: str, topic: str) -> str:
    """A queue subscribed to ``topic`` with ``person``'s filter, as `switchboard pager sync` subscribes a phone."""
    sqs, sns = aws.clients["sqs"], aws.clients["sns"]
    url = sqs.create_queue(QueueName=f"phone-{person}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=aws.settings.pager_topics[topic],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps(person_filter(person))},
    )
    return str(url)


def _received(aws: Any, url: str) -> list[dict[str, Any]]:
    messages = aws.clients["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def _ask(client: Client, address: str, next_path: str = "/console/tickets/T-1") -> Any:
    body = urlencode({"address": address, "next": next_path})
    return client.http.post("/console/sign-in", headers=FORM, body=body)


def _cookie(response: Any) -> dict[str, str]:
    """The Set-Cookie header as {name or flag: value}."""
    parts = [p.strip() for p in response.headers["Set-Cookie"].split(";")]
    return {p.split("=", 1)[0]: (p.split("=", 1)[1] if "=" in p else "") for p in parts}


@pytest.fixture
def phones(aws: Any) -> dict[str, str]:
    return {"priya": _phone(aws, "priya", "support"), "leo": _phone(aws, "leo", "support")}


def test_a_known_address_gets_a_link_on_that_persons_subscription_only(aws, clock, phones):
    # GIVEN priya and leo, both subscribed to the support topic with their own filters
    with Client(app_module.app) as client:
        # WHEN priya asks with her email as she might type it
        response = _ask(client, "  Priya@Switchboard.Example ")
    # THEN the answer is the page everyone gets
    assert response.status_code == 200
    assert "If that address belongs to someone on the team, a link is on its way." in response.body.decode()
    # AND one message reached priya, addressed to her alone, with a link to the console
    [message] = _received(aws, phones["priya"])
    assert _received(aws, phones["leo"]) == []
    assert message["MessageAttributes"]["kind"]["Value"] == "console-sign-in"
    assert json.loads(message["MessageAttributes"]["people"]["Value"]) == ["priya"]
    [path] = LINK.findall(message["Message"])
    query = parse_qs(urlsplit(path).query)
    assert query["next"] == ["/console/tickets/T-1"]
    assert session.read(query["t"][0], clock(), "console-local-session-secret", purpose=session.SIGN_IN) is not None


def test_a_phone_number_in_any_common_form_finds_its_person(aws, clock, phones):
    # GIVEN leo's number (+12125550104) written with spaces and dashes
    with Client(app_module.app) as client:
        _ask(client, "+1 212-555-0104")
    # THEN leo got a link
    assert len(_received(aws, phones["leo"])) == 1


@pytest.mark.parametrize("address", ["nobody@switchboard.example", "+12125550199", "not an address", ""])
def test_an_unknown_address_gets_the_same_answer_and_nothing_is_sent(aws, clock, phones, address):
    with Client(app_module.app) as client:
        known = _ask(client, "priya@switchboard.example")
        # WHEN someone asks for an address nobody in the rules has
        unknown = _ask(client, address)
    # THEN the answer is byte for byte the one a known address gets, and nothing more is published
    assert (unknown.status_code, unknown.body) == (known.status_code, known.body)
    assert len(_received(aws, phones["priya"])) == 1
    # (the test's unfiltered inbox sees every message on every topic: only priya's)
    assert [json.loads(p["MessageAttributes"]["people"]["Value"]) for p in aws.pages()] == [["priya"]]


def test_the_sixth_request_for_an_address_in_the_window_sends_nothing(aws, clock, phones):
    # GIVEN five requests for priya's address within 15 minutes
    with Client(app_module.app) as client:
        answers = [_ask(client, "priya@switchboard.example") for _ in range(5)]
        assert len(_received(aws, phones["priya"])) == 5
        # WHEN a sixth comes
        sixth = _ask(client, "priya@switchboard.example")
        # THEN it is answered alike (200, the same page) and sends nothing
        assert (sixth.status_code, sixth.body) == (answers[0].status_code, answers[0].body)
        assert _received(aws, phones["priya"]) == []
        # AND in the next window she can ask again
        clock.now += timedelta(minutes=15)
        _ask(client, "priya@switchboard.example")
    assert len(_received(aws, phones["priya"])) == 1


def test_one_source_over_its_limit_is_told_429(aws, clock, phones):
    # GIVEN ten requests from one IP (the test client's), each for another address
    with Client(app_module.app) as client:
        for n in range(10):
            assert _ask(client, f"someone{n}@example.com").status_code == 200
        # WHEN an eleventh comes, for a real address
        response = _ask(client, "priya@switchboard.example")
    # THEN 429 with Retry-After, and nothing is sent
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert _received(aws, phones["priya"]) == []


def test_an_oversized_sign_in_form_is_413(aws, clock):
    with Client(app_module.app) as client:
        response = client.http.post("/console/sign-in", headers=FORM, body=b"address=" + b"x" * 5000)
    assert response.status_code == 413


def _link(aws: Any, phones: dict[str, str], next_path: str = "/console/tickets/T-1") -> str:
    with Client(app_module.app) as client:
        _ask(client, "priya@switchboard.example", next_path)
    [message] = _received(aws, phones["priya"])
    [path] = LINK.findall(message["Message"])
    return str(path)


def test_following_the_link_sets_the_session_cookie_and_lands_on_next(aws, clock, phones):
    link = _link(aws, phones)
    with Client(app_module.app) as client:
        # WHEN priya opens it
        response = client.http.get(link)
        # THEN 303 to where the link said, with a session cookie of the right shape
        assert response.status_code == 303
        assert response.headers["Location"] == "/console/tickets/T-1"
        cookie = _cookie(response)
        assert cookie["Max-Age"] == str(12 * 3600) and cookie["Path"] == "/" and cookie["SameSite"] == "Lax"
        # https public URL: Secure, though the stage is "local"
        assert "HttpOnly" in cookie and "Secure" in cookie
        seen = session.read(cookie[session.COOKIE], clock(), "console-local-session-secret")
        assert seen is not None and seen.person == "priya"
        # AND the cookie lets her through a console route that checks it (sign-out with its CSRF token)
        token = session.csrf_token(seen, "console-local-session-secret")
        out = client.http.post(
            "/console/sign-out",
            headers={**FORM, "Cookie": f"{session.COOKIE}={cookie[session.COOKIE]}"},
            body=urlencode({"csrf": token}),
        )
    assert out.status_code == 303
    assert _cookie(out)["Max-Age"] == "0" and _cookie(out)[session.COOKIE] == ""


def test_on_a_local_stage_over_plain_http_the_cookie_is_not_secure(aws, clock, phones):
    from dataclasses import replace

    # GIVEN `make run`: stage "local", public URL http://127.0.0.1:8000
    aws.wire(replace(aws.settings, public_base_url="http://127.0.0.1:8000"), clock=clock)
    token = session.issue("priya", clock(), "console-local-session-secret", session.SIGN_IN, session.LINK_TTL)
    with Client(app_module.app) as client:
        response = client.http.get(f"/console/auth?t={token}")
    # THEN signed in, no Secure flag (a browser would not send it back over http), the console's home
    assert response.status_code == 303 and response.headers["Location"] == "/console"
    assert "Secure" not in _cookie(response) and "HttpOnly" in _cookie(response)


@pytest.mark.parametrize(
    "make",
    [
        lambda now: session.issue(
            "priya", now - timedelta(minutes=16), "console-local-session-secret", session.SIGN_IN, session.LINK_TTL
        ),
        lambda now: session.issue("priya", now, "another-secret", session.SIGN_IN, session.LINK_TTL),
        lambda now: session.issue("priya", now, "console-local-session-secret"),  # a session, not a link
        lambda now: session.issue("mallory", now, "console-local-session-secret", session.SIGN_IN),
        lambda now: "",
    ],
    ids=["expired", "forged", "session-token", "not-in-the-rules", "missing"],
)
def test_a_bad_link_is_403_with_a_way_to_ask_again_and_no_cookie(aws, clock, make):
    with Client(app_module.app) as client:
        response = client.http.get(f"/console/auth?{urlencode({'t': make(clock()), 'next': '/console'})}")
    assert response.status_code == 403
    assert "Set-Cookie" not in response.headers
    body = response.body.decode()
    assert "Ask for a new link" in body and 'href="/console/sign-in?next=/console"' in body


def test_sign_out_without_the_csrf_token_is_refused(aws, clock):
    cookie = session.issue("priya", clock(), "console-local-session-secret")
    with Client(app_module.app) as client:
        for body in ("", "csrf=forged"):
            response = client.http.post(
                "/console/sign-out", headers={**FORM, "Cookie": f"{session.COOKIE}={cookie}"}, body=body
            )
            # THEN 403, and the cookie stays
            assert response.status_code == 403
            assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "path", ["https://evil.example/", "//evil.example/console", "/status", "/console/../ack/P-1", "/console\\x"]
)
def test_a_link_never_lands_outside_the_console(aws, clock, phones, path):
    link = _link(aws, phones, path)
    assert parse_qs(urlsplit(link).query)["next"] == ["/console"]
    with Client(app_module.app) as client:
        assert client.http.get(link).headers["Location"] == "/console"


def test_every_html_answer_carries_the_security_headers(aws, clock, phones):
    with Client(app_module.app) as client:
        answers = {
            "form": client.http.get("/console/sign-in?next=/console/tickets/T-1"),
            "sent": _ask(client, "priya@switchboard.example"),
            "refused": client.http.get("/console/auth?t=nope"),
            "too-large": client.http.post("/console/sign-in", headers=FORM, body=b"x" * 5000),
        }
    for name, response in answers.items():
        headers = response.headers
        assert headers["Content-Type"].startswith("text/html"), name
        assert headers["X-Frame-Options"] == "DENY", name
        assert headers["Cache-Control"] == "no-store", name
        csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
        assert csp["default-src"] == "'none'" and csp["frame-ancestors"] == "'none'", name
        assert "<script" not in response.body.decode(), name


def test_the_sign_in_form_keeps_a_console_next_and_drops_any_other(aws, clock):
    with Client(app_module.app) as client:
        kept = client.http.get("/console/sign-in?next=/console/tickets/T-1").body.decode()
        dropped = client.http.get("/console/sign-in?next=https://evil.example").body.decode()
    assert 'name="next" value="/console/tickets/T-1"' in kept
    assert 'name="next" value="/console"' in dropped


def test_a_person_taken_out_of_the_rules_is_signed_out(aws, clock):
    # GIVEN a valid session for someone the rules no longer have
    cookie = session.issue("mallory", clock(), "console-local-session-secret")
    with Client(app_module.app) as client:
        response = client.http.post(
            "/console/sign-out", headers={**FORM, "Cookie": f"{session.COOKIE}={cookie}"}, body="csrf=x"
        )
    # THEN they are nobody: no CSRF check to fail (a 403), sign-out just clears the cookie
    assert bootstrap.container().rules.document.people.get("mallory") is None
    assert response.status_code == 303
    assert _cookie(response)["Max-Age"] == "0"


def _request(method: str, cookie: str = "") -> Any:
    from types import SimpleNamespace

    context = {"path": "/api/console/tickets/T-1", "resourcePath": "/console/tickets/{ticket_id}"}
    headers = {"cookie": f"{session.COOKIE}={cookie}"} if cookie else {}
    return SimpleNamespace(method=method, headers=headers, context=context, query_params={"tab": "history"})


def test_require_gives_the_viewer_or_sends_a_get_to_sign_in_and_refuses_a_post(aws, clock):
    from chalice.app import Response

    from chalicelib.api import console_session

    good = session.issue("leo", clock(), "console-local-session-secret")
    # GIVEN a signed-in GET, WHEN a route requires a viewer, THEN it gets leo
    seen = console_session.require(_request("GET", good))
    assert not isinstance(seen, Response) and seen.person == "leo"
    # AND without a session a GET goes to sign-in (inside the stage) and comes back to the same page after
    away = console_session.require(_request("GET"))
    assert isinstance(away, Response) and away.status_code == 303
    assert away.headers["Location"] == "/api/console/sign-in?next=%2Fconsole%2Ftickets%2FT-1%3Ftab%3Dhistory"
    # AND a POST without one is refused
    refused = console_session.require(_request("POST", "leo.1.forged"))
    assert isinstance(refused, Response) and refused.status_code == 403
