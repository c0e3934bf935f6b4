"""The console's views and actions against moto, as the API's IAM user, through the Chalice test client.

A real widget message is triaged and paged; a signed-in cookie is made with the console's own secret.
The ticket queries and resolve/reopen are fakes here (tests/console_fakes.py): the views are what is tested;
tests/functional/test_ticket_queries.py and test_ticket_resolve.py test the real ones.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.console import session
from chalicelib.model.page import PageState
from chalicelib.replies.model import ReplyKind
from local.samples import ROOT, local_secrets, signed
from local.worker import QueueWorker
from tests.console_fakes import FakeTicketQueries, FakeTicketService, register
from tests.functional.conftest import NIGHT, PUBLIC_URL
from tests.functional.paging_helpers import SAMPLES, paged, sweep

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LONG = (
    "Our dashboard is down and I have an investor meeting soon.\n\n"
    + "Every chart shows a spinner, the exports fail, and our staff cannot see today's orders. " * 25
    + "\n\nCall me on +1 212 555 0100 <script>alert('x')</script> before 09:30 New York time."
)


def _widget(aws, text: str, message_id: str) -> None:
    """Dana's widget message with ``text``, signed now, through the API and triage."""
    sample = SAMPLES["widget/vip-outage"]
    body = json.loads(sample.body)
    body["data"] |= {"text": text, "message_id": message_id}
    # the webhook id is the event's id: a new message needs its own
    headers = {**sample.headers, "webhook-id": f"msg_{message_id}"}
    request = signed(
        replace(sample, body=json.dumps(body).encode(), headers=headers),
        local_secrets(),
        bootstrap.container().clock(),
        PUBLIC_URL,
    )
    with Client(app_module.app) as client:
        assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 202
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    while worker.run_once(wait_seconds=0).received:
        pass


@pytest.fixture
def console(aws, clock) -> dict[str, Any]:
    """Dana's long widget message triaged and paged; the API's container with the console fakes."""
    _widget(aws, LONG, "wm_console_01")
    operator = bootstrap.container()
    [ticket] = [operator.tickets.get(i["ticket_id"]["S"]) for i in aws.tickets()]
    [page_id] = dict.fromkeys(e.page_id for e in operator.pages.timeline(ticket.ticket_id) if e.page_id)
    page = operator.pages.get(page_id)
    person = page.current.recipients[0].person
    queries, service = FakeTicketQueries([ticket]), FakeTicketService()
    register(bootstrap.container("api_handler"), queries, service)
    paged(aws)  # drain the first notifications
    secret = operator.secret("console").get()
    return {
        "ticket": ticket,
        "page": page,
        "person": person,
        "cookie": f"{session.COOKIE}={session.issue(person, clock(), secret)}",
        "secret": secret,
        "queries": queries,
        "service": service,
    }


def _get(path: str, cookie: str | None = None) -> Any:
    with Client(app_module.app) as client:
        return client.http.get(path, headers={"Cookie": cookie} if cookie else {})


def _post(path: str, cookie: str, fields: dict[str, str]) -> Any:
    with Client(app_module.app) as client:
        return client.http.post(path, headers={**FORM, "Cookie": cookie}, body=urlencode(fields).encode())


def _person_replies(ticket_id: str) -> list[Any]:
    """The replies a person wrote (triage may have recorded an automatic one)."""
    return [r for r in bootstrap.container().reply_outbox.for_ticket(ticket_id) if r.kind is ReplyKind.PERSON]


def _csrf(console: dict[str, Any]) -> str:
    viewer = session.read(console["cookie"].split("=", 1)[1], NIGHT, console["secret"])
    assert viewer is not None
    return session.csrf_token(viewer, console["secret"])


@pytest.mark.parametrize("path", ["/console", "/console/tickets", "/console/tickets/T-1", "/console/schedule"])
def test_no_cookie_is_sent_to_sign_in(aws, path: str) -> None:
    # GIVEN no session cookie, WHEN a view is asked for
    response = _get(path)
    # THEN it answers a redirect to the sign-in page that comes back here
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/console/sign-in?next=")


def test_the_ticket_shows_the_whole_message_escaped_and_the_customer(console) -> None:
    # GIVEN the triaged ticket, WHEN its paged person opens it
    ticket = console["ticket"]
    response = _get(f"/console/tickets/{ticket.ticket_id}", console["cookie"])
    html = response.body.decode()
    # THEN every character of the long message is there, the customer's markup escaped
    assert response.status_code == 200
    assert "before 09:30 New York time." in html and html.count("Every chart shows a spinner") == 25
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    # AND the customer's facts, why it was routed, the page and the actions' forms with the CSRF token
    assert ticket.customer.name in html and ticket.decision.reasons[0].split(":")[0] in html
    assert console["page"].page_id in html
    assert f'name="csrf" value="{_csrf(console)}"' in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "style=" not in html and "<script" not in html.replace("&lt;script", "")


def test_the_now_view_shows_who_is_on_call_and_the_open_page(console) -> None:
    # GIVEN an escalating page, WHEN the Now view is opened
    response = _get("/console", console["cookie"])
    html = response.body.decode()
    # THEN each rotation names who is on call, and the page links to its ticket with its ladder step
    assert response.status_code == 200
    rules = bootstrap.container().rules
    for name, rotation in rules.rotations.items():
        assert f"{name}: {rules.document.people[rotation.on_call(NIGHT).person].name}" in html
    assert f'/console/tickets/{console["ticket"].ticket_id}"' in html
    assert "level 1 of" in html and "escalates in" in html


def test_the_tickets_view_lists_through_the_queries_port_with_the_filters(console) -> None:
    # GIVEN filters in the query, WHEN the Tickets view is opened
    response = _get("/console/tickets?priority=P1&channel=widget", console["cookie"])
    # THEN the port was asked once with them, 25 a page, and the ticket is listed with its link
    assert response.status_code == 200
    [(filters, cursor, limit)] = console["queries"].calls
    assert (filters.priority, filters.channel, filters.status, cursor, limit) == ("P1", "widget", "open", None, 25)
    expected = "P1" if console["ticket"].decision.priority.value == "P1" else "No tickets match"
    assert expected in response.body.decode()
    # AND a value outside its list is a 400, not a query
    assert _get("/console/tickets?priority=P9", console["cookie"]).status_code == 400


def test_the_schedule_lists_two_weeks_of_shifts(console) -> None:
    response = _get("/console/schedule", console["cookie"])
    html = response.body.decode()
    assert response.status_code == 200
    assert html.count("<tr>") >= 3 and "(now)" in html


@pytest.mark.parametrize("csrf", [None, "forged"], ids=["missing", "wrong"])
@pytest.mark.parametrize("action", ["acknowledge", "reply", "resolve"])
def test_a_post_without_the_right_csrf_token_changes_nothing(console, csrf: str | None, action: str) -> None:
    # GIVEN a signed-in person and a form without its token, or with another
    fields = {"page": console["page"].page_id, "text": "On it", "token": "t" * 24}
    if csrf:
        fields["csrf"] = csrf
    # WHEN it is posted
    response = _post(f"/console/tickets/{console['ticket'].ticket_id}/{action}", console["cookie"], fields)
    # THEN it is refused, and the page still escalates, no reply is recorded, the service was not called
    assert response.status_code == 403
    operator = bootstrap.container()
    assert operator.pages.get(console["page"].page_id).state is PageState.OPEN
    assert _person_replies(console["ticket"].ticket_id) == []
    assert console["service"].calls == []


def test_acknowledge_stops_the_escalation(aws, console, clock) -> None:
    # GIVEN the paged person, WHEN they acknowledge from the console
    ticket_id, page = console["ticket"].ticket_id, console["page"]
    response = _post(
        f"/console/tickets/{ticket_id}/acknowledge", console["cookie"], {"csrf": _csrf(console), "page": page.page_id}
    )
    # THEN it redirects back to the ticket with a notice, and the page is theirs
    assert response.status_code == 303
    assert response.headers["Location"] == f"/console/tickets/{ticket_id}?notice=acknowledged"
    taken = bootstrap.container().pages.get(page.page_id)
    assert (taken.state, taken.acked_by) == (PageState.ACKED, console["person"])
    # AND the timeline says who, via the console; and later sweeps notify nobody
    entries = bootstrap.container().pages.timeline(ticket_id)
    assert any(e.kind.value == "acknowledged" and e.actor == console["person"] and "console" in e.text for e in entries)
    paged(aws)  # the "stand down" to the others
    clock.now = NIGHT.replace(hour=12)
    sweep()
    assert [p for p in paged(aws) if p["kind"] != "ack"] == []
    # AND the notice shows on the ticket
    assert "escalation stopped" in _get(response.headers["Location"], console["cookie"]).body.decode()


def test_a_reply_goes_to_the_outbox_once(console) -> None:
    # GIVEN the reply form, WHEN it is submitted twice with the same one-time token (a double tap)
    ticket_id = console["ticket"].ticket_id
    fields = {"csrf": _csrf(console), "text": "We are on it, Dana.", "token": "console-token-0123456789"}
    first = _post(f"/console/tickets/{ticket_id}/reply", console["cookie"], fields)
    second = _post(f"/console/tickets/{ticket_id}/reply", console["cookie"], fields)
    # THEN both redirect with a notice, and one reply is recorded, as the viewer, with the text
    assert first.status_code == second.status_code == 303
    [reply] = _person_replies(ticket_id)
    assert (reply.author, reply.text) == (console["person"], "We are on it, Dana.")
    # AND replying took the page (nobody else is woken for a customer who has an answer)
    assert bootstrap.container().pages.get(console["page"].page_id).state is PageState.ACKED


def test_resolve_and_reopen_call_the_ticket_service(console, clock) -> None:
    ticket_id = console["ticket"].ticket_id
    for action in ("resolve", "reopen"):
        response = _post(f"/console/tickets/{ticket_id}/{action}", console["cookie"], {"csrf": _csrf(console)})
        assert response.status_code == 303
    assert console["service"].calls == [
        ("resolve", ticket_id, console["person"], NIGHT),
        ("reopen", ticket_id, console["person"], NIGHT),
    ]


def test_a_follow_up_shows_after_the_first_message(aws, console, clock) -> None:
    # GIVEN Dana writes again in the same conversation ten minutes later
    clock.now = NIGHT + timedelta(minutes=10)
    _widget(aws, "Still down. Also: the <b>exports</b> fail.", "wm_console_02")
    ticket_id = console["ticket"].ticket_id
    assert bootstrap.container().tickets.get(ticket_id).messages == 2
    # WHEN the ticket is opened
    html = _get(f"/console/tickets/{ticket_id}", console["cookie"]).body.decode()
    # THEN both messages are shown, the first one first, the follow-up escaped
    assert "Messages (2)" in html
    assert html.index("Every chart shows a spinner") < html.index(
        "Still down. Also: the &lt;b&gt;exports&lt;/b&gt; fail."
    )


def test_linking_to_an_open_incident_writes_the_timeline(console) -> None:
    # GIVEN an incident an operator opened, WHEN the person links the ticket to it from the console
    incident = bootstrap.container().incidents.open("Dashboard down", "Looking into it.", by="tom")
    ticket_id = console["ticket"].ticket_id
    fields = {"csrf": _csrf(console), "incident": incident.incident_id}
    response = _post(f"/console/tickets/{ticket_id}/link", console["cookie"], fields)
    # THEN it is linked (the incident's updates reach this customer), and the timeline says who
    assert response.status_code == 303 and response.headers["Location"].endswith("?notice=linked")
    assert [r.ticket_id for r in bootstrap.container().incidents_table.reports(incident.incident_id)] == [ticket_id]
    entries = bootstrap.container().pages.timeline(ticket_id)
    assert [e.actor for e in entries if e.kind.value == "linked"] == [console["person"]]


def test_call_back_rings_the_viewer_then_the_customer_through_the_company_line(aws, console, clock) -> None:
    from tests.ack_reply_fakes import FakeTransport

    # GIVEN a Twilio account and a support line, and the providers' transport faked
    settings = replace(
        aws.settings,
        ack_timeout_cap_seconds=None,
        support_phone="+18005550199",
        outbound=replace(
            aws.settings.outbound, twilio_account_sid="AC" + "7" * 32, twilio_api="https://api.twilio.test"
        ),
    )
    transport = FakeTransport()
    api = bootstrap.Container(settings, clock=clock, session=aws.session("api_handler"), provider_http=transport)
    register(api, console["queries"], console["service"])
    bootstrap.use(api, "api_handler")
    ticket_id = console["ticket"].ticket_id
    html = _get(f"/console/tickets/{ticket_id}", console["cookie"]).body.decode()
    # WHEN the paged person presses the ticket's call-back button
    [page_id] = re.findall(r'action="/console/tickets/[^"]+/call">.*?name="page" value="([^"]+)"', html, re.S)
    response = _post(f"/console/tickets/{ticket_id}/call", console["cookie"], {"csrf": _csrf(console), "page": page_id})
    # THEN Twilio is asked once to ring them, and the ticket says so
    assert response.status_code == 303 and response.headers["Location"].endswith("?notice=calling")
    [request] = transport.sent
    assert request.url.endswith("/Calls.json")


def test_an_action_on_another_tickets_page_is_refused(console) -> None:
    fields = {"csrf": _csrf(console), "page": "P-0000000000"}
    response = _post(f"/console/tickets/{console['ticket'].ticket_id}/acknowledge", console["cookie"], fields)
    assert response.status_code == 400
    assert "not this ticket" in response.body.decode()


def test_the_stylesheet_is_served_by_the_app() -> None:
    response = _get("/console/static/console.css")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/css")
    assert b"prefers-color-scheme:dark" in response.body


def test_importing_the_app_and_handling_a_webhook_never_imports_jinja2() -> None:
    # GIVEN a fresh interpreter, WHEN it imports the app and answers a webhook (a bad signature: no AWS call)
    code = (
        "import sys, app\n"
        "from chalice.test import Client\n"
        "with Client(app.app) as c:\n"
        "    r = c.http.post('/webhooks/widget', headers={'Content-Type': 'application/json'}, body=b'{}')\n"
        "print(r.status_code, 'jinja2' in sys.modules, 'chalicelib.console.render' in sys.modules)\n"
    )
    env = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "switchboard",
        "PATH": "",
        "TICKETS_TABLE": "t",
        "CUSTOMERS_TABLE": "c",
        "EVENTS_QUEUE_URL": "https://sqs.invalid/q",
        "PAGER_TOPICS": "{}",
        "WIDGET_SIGNING_SECRET": "whsec_" + "A" * 32,
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env)
    status, jinja, renderer = done.stdout.split()[-3:]
    # THEN the webhook was answered (refused: unsigned), and neither Jinja2 nor the console's renderer was loaded
    assert status.startswith("4"), done.stdout + done.stderr
    assert (jinja, renderer) == ("False", "False")
