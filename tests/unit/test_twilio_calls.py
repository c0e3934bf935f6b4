"""The call-back bridge's request to Twilio's Calls API, and how Twilio's answer is read."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.channels.twilio_calls import CallRequestError, TwilioAccount, bridge_twiml, call_request, read_answer
from chalicelib.replies.model import HttpAnswer, Outcome

SID = "AC" + "9f69be22fa4ca5a5110bbf0553921c72"
ACCOUNT = TwilioAccount(SID, "twilio-local-auth-token", "http://127.0.0.1:8765/")
PERSON, CUSTOMER, COMPANY = "+12125550104", "+12125550100", "+16465550123"


def test_the_request_rings_the_person_from_the_company_line_and_bridges_the_customer():
    # GIVEN Leo on call, Dana who called the company line
    # WHEN the call-back request is built
    request = call_request(PERSON, CUSTOMER, COMPANY, ACCOUNT)
    # THEN it is Twilio's Calls.json under the configured base, with the account's Basic auth
    assert request.method == "POST"
    assert urlsplit(request.url).path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert request.url.startswith("http://127.0.0.1:8765/2010-04-01/")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    scheme, credentials = request.headers["Authorization"].split(" ")
    assert scheme == "Basic" and base64.b64decode(credentials).decode() == f"{SID}:twilio-local-auth-token"
    # AND Twilio rings Leo from the company line, then dials Dana showing the company line, never Leo's cell
    fields = {k: v[0] for k, v in parse_qs(request.body.decode(), strict_parsing=True).items()}
    assert fields["To"] == PERSON and fields["From"] == COMPANY
    assert fields["Twiml"] == f'<Response><Dial callerId="{COMPANY}"><Number>{CUSTOMER}</Number></Dial></Response>'
    assert PERSON not in fields["Twiml"]


def test_the_twiml_is_well_formed_xml():
    # GIVEN numbers as they arrive; WHEN the TwiML is built; THEN it parses, Dial holds one Number
    root = ET.fromstring(bridge_twiml(CUSTOMER, COMPANY))
    assert root.tag == "Response"
    [dial] = list(root)
    assert dial.tag == "Dial" and dial.attrib == {"callerId": COMPANY}
    assert [(n.tag, n.text) for n in dial] == [("Number", CUSTOMER)]


@pytest.mark.parametrize(
    ("person", "customer", "company", "account", "reason"),
    [
        pytest.param("", CUSTOMER, COMPANY, ACCOUNT, "your phone", id="person-without-phone"),
        pytest.param(PERSON, "sip:dana@example.com", COMPANY, ACCOUNT, "the customer", id="customer-not-e164"),
        pytest.param(PERSON, CUSTOMER, '+1646"><Hangup/>', ACCOUNT, "the company line", id="markup-as-number"),
        pytest.param(PERSON, CUSTOMER, COMPANY, TwilioAccount("", "t"), "account sid", id="no-account"),
    ],
)
def test_a_request_that_cannot_be_made_says_why(person, customer, company, account, reason):
    # GIVEN a missing or malformed number or account; WHEN the request is built; THEN a clear refusal
    with pytest.raises(CallRequestError, match=reason):
        call_request(person, customer, company, account)


def _answer(status: int, body: dict[str, object], **headers: str) -> HttpAnswer:
    return HttpAnswer(status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode())


CALL_SID = "CA" + "1" * 32


@pytest.mark.parametrize(
    ("answer", "outcome", "sid", "reason", "retry_after"),
    [
        pytest.param(_answer(201, {"sid": CALL_SID, "status": "queued"}), Outcome.SENT, CALL_SID, None, None, id="201"),
        pytest.param(
            _answer(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}),
            Outcome.PERMANENT,
            None,
            "21211: Invalid 'To' Phone Number",
            None,
            id="invalid-to",
        ),
        pytest.param(
            _answer(400, {"code": 21606, "message": "The From phone number is not valid", "status": 400}),
            Outcome.PERMANENT,
            None,
            "21606: The From phone number is not valid",
            None,
            id="from-not-ours",
        ),
        pytest.param(
            _answer(401, {"code": 20003, "message": "Authenticate", "status": 401}),
            Outcome.PERMANENT,
            None,
            "20003: Authenticate",
            None,
            id="bad-credentials",
        ),
        pytest.param(
            _answer(429, {"code": 20429, "message": "Too Many Requests"}, **{"Retry-After": "3"}),
            Outcome.TRANSIENT,
            None,
            "20429: Too Many Requests",
            3.0,
            id="429",
        ),
        pytest.param(HttpAnswer(503, {}, b"<html>busy</html>"), Outcome.TRANSIENT, None, "HTTP 503", None, id="503"),
        pytest.param(_answer(201, {"status": "queued"}), Outcome.PERMANENT, None, "no call sid", None, id="no-sid"),
    ],
)
def test_twilios_answer_is_a_call_sid_or_a_reason(answer, outcome, sid, reason, retry_after):
    # GIVEN what Twilio answered; WHEN it is read
    result = read_answer(answer)
    # THEN the call's sid, or Twilio's code and words, and whether trying later could help
    assert result.outcome is outcome
    assert result.message_id == sid
    assert (result.reason is None) if reason is None else (reason in (result.reason or ""))
    assert result.retry_after == retry_after
