"""The provider stand-in over HTTP on loopback: the providers' own SDKs are accepted, faults reach them, the control path works."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from local.platform import PortInUseError
from local.standin import Credentials, Request, StandIn
from tests.standin_requests import COMPANY, CREDENTIALS, CUSTOMER, NOW, ON_CALL, TWIML, meta, widget, x_dm, x_tweet

NO_RETRIES = urllib3.Retry(total=0, redirect=0)


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn(CREDENTIALS, clock=lambda: NOW) as running:
        yield running


def twilio_client(standin: StandIn, auth_token: str = CREDENTIALS.twilio_auth_token) -> Client:
    client = Client(CREDENTIALS.twilio_account_sid, auth_token)
    client.api.base_url = standin.environment()["TWILIO_API_BASE"]
    return client


def slack_client(standin: StandIn, token: str = CREDENTIALS.slack_bot_token) -> WebClient:
    return WebClient(token=token, base_url=standin.environment()["SLACK_API_BASE"] + "/")


def send(standin: StandIn, request: Request, timeout: float = 10.0) -> urllib3.BaseHTTPResponse:
    return urllib3.request(
        request.method, standin.base_url + request.target, headers=dict(request.headers), body=request.body,
        timeout=timeout, retries=NO_RETRIES,
    )  # fmt: skip


def test_what_the_twilio_sdk_sends_for_an_sms_is_accepted(standin):
    # GIVEN Twilio's own SDK pointed at the stand-in
    client = twilio_client(standin)
    # WHEN it sends an SMS as the Messages API documents
    message = client.messages.create(to=CUSTOMER, from_=COMPANY, body="Hi Dana, we have paged our on-call engineer.")
    # THEN the stand-in accepts it, and the SDK reads the answer as Twilio's
    [received] = standin.received
    assert message.sid == received.message_id and message.sid.startswith("SM")
    assert message.status == "queued" and message.to == CUSTOMER
    assert (received.to, received.sender, received.text) == (
        CUSTOMER,
        COMPANY,
        "Hi Dana, we have paged our on-call engineer.",
    )
    assert received.request.media_type() == "application/x-www-form-urlencoded"


def test_what_the_twilio_sdk_sends_for_a_call_back_bridge_is_accepted(standin):
    # GIVEN Twilio's SDK WHEN it places the bridge call with inline TwiML
    call = twilio_client(standin).calls.create(to=ON_CALL, from_=COMPANY, twiml=TWIML)
    # THEN the stand-in accepts it: the on-call phone rings and the customer is the one dialled
    [received] = standin.received
    assert call.sid == received.message_id and call.sid.startswith("CA")
    assert (received.endpoint, received.to, received.thread) == ("calls", ON_CALL, CUSTOMER)


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [({"status": 429, "retry_after": 2}, 429, 20429), ({"code": 21610}, 400, 21610), ({"status": 500}, 500, 20500)],
    ids=["rate-limited", "unsubscribed", "outage"],
)
def test_the_twilio_sdk_reads_an_injected_fault_as_twilios_error_then_succeeds(standin, fault, status, code):
    # GIVEN one injected fault
    standin.fail("twilio", **fault)
    client = twilio_client(standin)
    # WHEN the SDK sends twice
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=CUSTOMER, from_=COMPANY, body="hi")
    second = client.messages.create(to=CUSTOMER, from_=COMPANY, body="hi")
    # THEN the SDK saw Twilio's status and code, and the second went through
    assert (refused.value.status, refused.value.code) == (status, code)
    assert second.status == "queued" and len(standin.received) == 1


def test_the_twilio_sdk_with_the_wrong_token_gets_twilios_20003(standin):
    # GIVEN the SDK with another auth token WHEN it sends THEN 401 / 20003, nothing sent
    with pytest.raises(TwilioRestException) as refused:
        twilio_client(standin, auth_token="not-the-token").messages.create(to=CUSTOMER, from_=COMPANY, body="hi")
    assert (refused.value.status, refused.value.code) == (401, 20003)
    assert standin.received == []


def test_what_the_slack_sdk_sends_is_accepted(standin):
    # GIVEN Slack's own SDK pointed at the stand-in
    client = slack_client(standin)
    # WHEN it posts into a thread
    response = client.chat_postMessage(channel="C04SHARED1", text="We are on it.", thread_ts="1700000000.000100")
    # THEN the stand-in accepts it as chat.postMessage and the SDK gets the message's ts
    [received] = standin.received
    assert response["ok"] is True and response["ts"] == received.message_id
    assert (received.to, received.text, received.thread) == ("C04SHARED1", "We are on it.", "1700000000.000100")
    assert json.loads(received.request.body) == {
        "channel": "C04SHARED1",
        "text": "We are on it.",
        "thread_ts": "1700000000.000100",
    }


@pytest.mark.parametrize(
    ("token", "fault", "status", "error", "retry_after"),
    [
        ("xoxb-someone-else", None, 200, "invalid_auth", None),
        (CREDENTIALS.slack_bot_token, {"status": 429, "retry_after": 30}, 429, "ratelimited", "30"),
        (CREDENTIALS.slack_bot_token, {"error": "channel_not_found"}, 200, "channel_not_found", None),
    ],
    ids=["wrong-token", "rate-limited", "channel-gone"],
)
def test_the_slack_sdk_reads_refusals_as_slacks_errors(standin, token, fault, status, error, retry_after):
    # GIVEN the SDK, with a fault injected or the wrong token
    if fault:
        standin.fail("slack", **fault)
    # WHEN it posts
    with pytest.raises(SlackApiError) as refused:
        slack_client(standin, token).chat_postMessage(channel="C04SHARED1", text="hi", thread_ts="1700000000.000100")
    # THEN SlackApiError with Slack's status, error and Retry-After
    response = refused.value.response
    assert (response.status_code, response["error"]) == (status, error)
    assert response.headers.get("Retry-After", response.headers.get("retry-after")) == retry_after


@pytest.mark.parametrize(
    ("build", "status"),
    [(x_dm, 201), (x_tweet, 201), (meta, 200), (widget, 200)],
    ids=["x-dm", "x-reply", "meta", "widget"],
)
def test_hand_built_requests_are_accepted_over_http(standin, build, status):
    # GIVEN a request built from the wire format WHEN it is sent over HTTP THEN accepted and recorded
    response = send(standin, build())
    assert response.status == status, response.data
    assert response.headers["Content-Type"].startswith("application/json")
    assert len(standin.received) == 1


def test_a_test_against_a_running_platform_injects_a_fault_over_http(standin):
    # GIVEN a fault posted to the control path, as an e2e test in another process would
    posted = urllib3.request(
        "POST", standin.base_url + "/_standin/faults", json={"provider": "meta", "code": 10, "subcode": 2018278}
    )
    # WHEN a Send API request arrives, then another
    first, second = send(standin, meta()), send(standin, meta())
    # THEN the first gets Meta's outside-window error, the second goes through, and the listing shows it
    assert posted.status == 201
    assert first.status == 400 and first.json()["error"]["error_subcode"] == 2018278
    assert second.status == 200
    listed = urllib3.request("GET", standin.base_url + "/_standin/received").json()
    assert [(m["provider"], m["to"], m["text"]) for m in listed] == [("meta", "4410227733", "Ciao Marco!")]


def test_a_slow_answer_times_the_client_out_though_the_message_was_accepted(standin):
    # GIVEN an answer held back longer than the client waits
    standin.fail("widget", delay=30)
    # WHEN the reply is sent with a short read timeout
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        send(standin, widget(), timeout=0.5)
    # THEN the client never learned it, yet the visitor has the reply (a retry would be a duplicate)
    assert [m.to for m in standin.wait_for(1)] == ["conv_7f3a91"]
    # (stop() releases the held answer: the fixture's exit does not wait 30 s)


def test_a_taken_port_is_refused_clearly(standin):
    # GIVEN a running stand-in WHEN a second one asks for its port THEN PortInUseError naming the flag
    port = int(standin.base_url.rsplit(":", 1)[1])
    with pytest.raises(PortInUseError, match="--standin-port"):
        StandIn(Credentials.local(), port=port).start()
