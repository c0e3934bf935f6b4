"""The paged person answers from the page, against moto with the API's own IAM user: the whole message, a reply
(by the page's box or by SMS "R <code> <text>") through the reply service, and a call-back through the company line.

The reply service (the outbox) and the providers' HTTP transport are fakes registered on the API's container:
what is under test is who may reply or call, with what, and what the person sees.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from local.samples import local_secrets, signed
from local.worker import QueueWorker
from tests.ack_reply_fakes import FakeReplies, FakeTransport
from tests.functional.conftest import NIGHT, PUBLIC_URL
from tests.functional.paging_helpers import LINK, SAMPLES, deliver, paged, timeline

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SUPPORT = "+18005550199"
ACCOUNT_SID = "AC" + "7" * 32
LONG = (
    "Our dashboard is down and I have an investor meeting soon.\n\n"
    + "Every chart shows a spinner, the exports fail, and our staff cannot see today's orders. " * 25
    + "\n\nCall me on +1 212 555 0100 — I need an answer before 09:30 New York time or we postpone."
)


@pytest.fixture
def fakes(aws, clock) -> tuple[FakeReplies, FakeTransport]:
    """The API's container with a fake reply service and transport, and Twilio settings for call-backs."""
    settings = replace(
        aws.settings,
        ack_timeout_cap_seconds=None,
        support_phone=SUPPORT,
        outbound=replace(aws.settings.outbound, twilio_account_sid=ACCOUNT_SID, twilio_api="https://api.twilio.test"),
    )
    aws.wire(settings, clock)
    replies = FakeReplies(lambda ticket_id: bootstrap.container().tickets.get(ticket_id))
    transport = FakeTransport()
    api = bootstrap.Container(
        settings, clock=clock, session=aws.session("api_handler"), replies=replies, provider_http=transport
    )
    bootstrap.use(api, "api_handler")
    return replies, transport


def _widget(aws, text: str) -> None:
    """Dana's widget message with ``text``, signed now, through the API and triage."""
    sample = SAMPLES["widget/vip-outage"]
    body = json.loads(sample.body)
    body["data"] |= {"text": text, "message_id": "wm_long_01"}
    changed = replace(sample, body=json.dumps(body).encode())
    request = signed(changed, local_secrets(), bootstrap.container().clock(), PUBLIC_URL)
    with Client(app_module.app) as client:
        assert client.http.post(request.path, headers=request.headers, body=request.body).status_code == 202
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    while worker.run_once(wait_seconds=0).received:
        pass


def _first_link(aws) -> str:
    """The first ack link the first page message carries (a widget outage may reach two topics at once)."""
    return str(LINK.findall(paged(aws)[0]["text"])[0])


def _form(html: str, action: str) -> dict[str, str]:
    [fields] = re.findall(rf'<form method="post" action="([^"]*/{action})">(.*?)</form>', html, re.S)
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', fields[1]))


def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))


def test_the_page_shows_the_whole_message_the_contact_and_the_customers_time(aws, fakes):
    # GIVEN Dana's long widget message at 03:00 in New York paged the on-call person
    _widget(aws, LONG)
    link = _first_link(aws)
    # WHEN they open their link
    with Client(app_module.app) as client:
        shown = client.http.get(link)
    html = shown.body.decode()
    # THEN the whole message is there, the phone number and deadline at its end too, line breaks kept
    assert shown.status_code == 200
    assert len(LONG) > 2000 and LONG.replace("'", "&#x27;") in html
    assert "before 09:30 New York time or we postpone." in html and "+1 212 555 0100" in html
    # AND who she is and how to reach her, her tier, and her local time beside UTC, each labelled
    rows = _rows(html)
    assert rows["Email"] == "dana@northwind.example" and rows["Channel"] == "the website widget"
    assert rows["Tier"] and rows["Their local time"] == "03:00 on Tue 17 Nov (America/New_York, UTC-05:00)"
    assert rows["Time now (UTC)"] == "08:00 UTC on 17 Nov 2026"
    # AND a reply box with a fresh token each time the page is rendered, and a call-back button
    with Client(app_module.app) as client:
        again = client.http.get(link).body.decode()
    assert _form(html, "reply")["token"] != _form(again, "reply")["token"]
    assert _form(html, "call").keys() == {"p", "e", "s"}


def _post(path: str, fields: dict[str, str]) -> Any:
    with Client(app_module.app) as client:
        return client.http.post(path, headers=FORM, body=urlencode(fields).encode())


def test_a_reply_from_the_page_goes_through_the_reply_service_once_and_takes_the_page(aws, fakes):
    replies, _transport = fakes
    _widget(aws, LONG)
    link = _first_link(aws)
    with Client(app_module.app) as client:
        html = client.http.get(link).body.decode()
    fields = {**_form(html, "reply"), "text": "Hi Dana,\r\nwe are on it: calling you in five minutes."}
    path = urlsplit(link).path
    # WHEN the on-call person sends the form
    sent = _post(f"{path}/reply", fields)
    # THEN the reply service was asked once, in their name, with the form's token and the text as typed
    assert sent.status_code == 200, sent.body
    [call] = replies.calls
    assert call.text == "Hi Dana,\nwe are on it: calling you in five minutes."
    assert call.token == fields["token"] and call.now == NIGHT
    assert "Sent to Dana Whitfield (Northwind) by the website widget." in sent.body.decode()
    # AND answering took the page: escalation stopped, the timeline says how
    assert "acknowledged by" in " ".join(timeline(call.ticket_id))
    assert "via a reply from the page" in " ".join(timeline(call.ticket_id))


@pytest.mark.parametrize(
    ("tamper", "status"),
    [
        pytest.param(lambda f: {**f, "s": "AAAA"}, 403, id="forged-signature"),
        pytest.param(lambda f: {**f, "p": "nobody"}, 403, id="other-person"),
        pytest.param(lambda f: {k: v for k, v in f.items() if k != "s"}, 403, id="unsigned"),
        pytest.param(lambda f: {**f, "token": ""}, 400, id="no-token"),
        pytest.param(lambda f: {**f, "text": "   "}, 400, id="empty-text"),
        pytest.param(lambda f: {**f, "text": "x" * 20_000}, 413, id="oversized"),
    ],
)
def test_a_forged_or_bad_reply_is_refused_without_calling_the_service(aws, fakes, tamper, status):
    replies, _transport = fakes
    _widget(aws, LONG)
    link = _first_link(aws)
    with Client(app_module.app) as client:
        html = client.http.get(link).body.decode()
    fields = tamper({**_form(html, "reply"), "text": "We are on it."})
    # WHEN the altered form is posted
    refused = _post(f"{urlsplit(link).path}/reply", fields)
    # THEN an HTML 4xx page, and nothing reached the reply service
    assert refused.status_code == status
    assert refused.headers["Content-Type"].startswith("text/html")
    assert ("This link does not work" if status == 403 else "Not sent") in refused.body.decode()
    assert replies.calls == []


def _text(from_: str, body: str, sid: str) -> str:
    """An SMS to the support line, signed as Twilio signs it; the TwiML answer's text."""
    sms = SAMPLES["twilio/sms-01-urgent"]
    fields = {k: v[0] for k, v in parse_qs(sms.body.decode()).items()}
    fields |= {"From": from_, "Body": body, "MessageSid": sid}
    request = signed(replace(sms, body=urlencode(fields).encode()), local_secrets(), NIGHT, PUBLIC_URL)
    with Client(app_module.app) as client:
        response = client.http.post(request.path, headers=request.headers, body=request.body)
    assert response.status_code == 200
    return str(response.body.decode())


def test_an_sms_r_reply_from_the_paged_number_is_sent_and_from_another_is_refused(aws, fakes):
    replies, _transport = fakes
    # GIVEN Dana's 3 a.m. call paged Leo (+12125550104)
    deliver(aws, "twilio/call-01-incoming")
    link = _first_link(aws)
    page = bootstrap.container().pages.get(urlsplit(link).path.rsplit("/", 1)[-1])
    assert page is not None
    # WHEN a number that was not paged texts "R <code> …"
    refused = _text("+12125550199", f"R {page.ack_code} hello", "SM" + "2" * 32)
    # THEN it is told so, nothing is sent, and the refusal is on the timeline
    assert "not accepted: this number was not paged" in refused and replies.calls == []
    assert "R " + page.ack_code + " from +12125550199 refused" in " ".join(timeline(page.ticket_id))
    # WHEN Leo texts his reply (Twilio's MessageSid is the reply's key: a retried webhook sends once)
    sid = "SM" + "3" * 32
    answer = _text("+12125550104", f"R {page.ack_code} Calling you back in 2 minutes", sid)
    # THEN the reply service has it in his name, and he hears where it went, by TwiML
    [call] = replies.calls
    assert (call.person, call.text, call.token) == ("leo", "Calling you back in 2 minutes", sid)
    assert "<Message>Switchboard: sent to Dana Whitfield (Northwind) by SMS." in answer
    # AND no customer message was queued from his text
    assert aws.queue_messages() == []


def test_the_call_back_button_asks_twilio_to_bridge_through_the_company_line(aws, fakes):
    _replies, transport = fakes
    # GIVEN Dana called the company line (+16465550123) and Leo was paged
    deliver(aws, "twilio/call-01-incoming")
    link = _first_link(aws)
    with Client(app_module.app) as client:
        html = client.http.get(link).body.decode()
    path = urlsplit(link).path
    # WHEN a forged button press comes in: 403, Twilio is not asked
    assert _post(f"{path}/call", {**_form(html, "call"), "s": "AAAA"}).status_code == 403
    assert transport.sent == []
    # WHEN Leo presses "Call the customer"
    placed = _post(f"{path}/call", _form(html, "call"))
    # THEN Twilio's Calls API rings Leo from the company line, then bridges Dana showing the company line
    assert placed.status_code == 200, placed.body
    [request] = transport.sent
    assert request.url == f"https://api.twilio.test/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"
    fields = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert (fields["To"], fields["From"]) == ("+12125550104", "+16465550123")
    assert fields["Twiml"] == '<Response><Dial callerId="+16465550123"><Number>+12125550100</Number></Dial></Response>'
    assert "Your phone (+12125550104) will ring from the company line +16465550123" in placed.body.decode()
    # AND the call is on the ticket's timeline
    page = bootstrap.container().pages.get(path.rsplit("/", 1)[-1])
    assert page is not None
    assert any(line.startswith("called-back: Leo") for line in timeline(page.ticket_id))
