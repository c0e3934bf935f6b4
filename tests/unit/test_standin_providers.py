"""The provider stand-in accepts exactly the replies wire format and refuses the rest in each provider's own shape."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from local.standin import Request, StandIn
from tests.standin_requests import (
    COMPANY,
    CREDENTIALS,
    CUSTOMER,
    NOW,
    ON_CALL,
    TWIML,
    appsecret_proof,
    basic,
    meta,
    slack,
    twilio,
    widget,
    widget_body,
    x_dm,
    x_tweet,
)

SID = CREDENTIALS.twilio_account_sid
TOKEN = CREDENTIALS.meta_page_access_token


@pytest.fixture
def standin() -> StandIn:
    # not started: respond() is the whole behaviour, the socket adds nothing these tests need
    return StandIn(CREDENTIALS, clock=lambda: NOW)


def _subset(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(actual[k], v) for k, v in expected.items())
    return bool(actual == expected)


ACCEPTED = [
    ("twilio-sms", twilio(), 201, ("twilio", "messages", CUSTOMER, "Hi Dana, we have paged our on-call engineer.", None)),
    ("twilio-call-bridge", twilio("Calls"), 201, ("twilio", "calls", ON_CALL, None, CUSTOMER)),
    ("slack-thread", slack(), 200, ("slack", "chat.postMessage", "C04SHARED1", "We are on it.", "1700000000.000100")),
    ("x-dm", x_dm(), 201, ("x", "dm", "987654321012345678", "Hola Mateo, a founder will answer.", None)),
    ("x-reply", x_tweet(), 201, ("x", "tweets", "1991234567890100001", "Sorry to hear it: DM us?", "1991234567890100001")),
    # our own post (an incident's update): a link counts 23 characters, so 256 + 1 + a long link fits in 280
    ("x-post", x_tweet({"text": "z" * 256 + " https://status.example.com/prod/status"}), 201,
     ("x", "post", "1590345678901234567", "z" * 256 + " https://status.example.com/prod/status", None)),
    ("meta-response", meta(), 200, ("meta", "messages", "4410227733", "Ciao Marco!", None)),
    (
        "meta-human-agent",
        meta({"recipient": {"id": "4410227733"}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT", "message": {"text": "Late, sorry"}}),
        200,
        ("meta", "messages", "4410227733", "Late, sorry", None),
    ),
    ("widget-reply", widget(), 200, ("widget", "reply", "conv_7f3a91", None, "wm_01JD7Q3M9X")),
]  # fmt: skip


@pytest.mark.parametrize(("request_", "status", "expected"), [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_a_request_as_the_wire_format_says_is_accepted_and_recorded(standin, request_, status, expected):
    # GIVEN a request built by hand from the replies wire format
    # WHEN the stand-in answers it
    answer, delay = standin.respond(request_)
    # THEN it is accepted with the provider's success status, and the message is recorded once
    assert (answer.status, delay) == (status, 0.0), answer.body
    [message] = standin.received
    provider, endpoint, to, text, thread = expected
    assert (message.provider, message.endpoint, message.to, message.thread) == (provider, endpoint, to, thread)
    assert text is None or message.text == text
    assert message.request is request_


def test_success_answers_carry_the_ids_the_senders_record(standin):
    # GIVEN one valid request per endpoint
    requests = [twilio(), twilio("Calls"), slack(), x_dm(), x_tweet(), meta()]
    # WHEN each is answered
    bodies = [standin.respond(r)[0].body for r in requests]
    # THEN each carries the provider's id in the provider's place, matching what was recorded
    sms, call, post, dm, tweet, sent = bodies
    ids = [m.message_id for m in standin.received]
    assert sms["sid"].startswith("SM") and len(sms["sid"]) == 34 and sms["status"] == "queued"
    assert call["sid"].startswith("CA") and len(call["sid"]) == 34 and call["status"] == "queued"
    assert post["ok"] is True and post["channel"] == "C04SHARED1"
    assert dm["data"]["dm_conversation_id"] == "987654321012345678-1590345678901234567"
    assert tweet["data"]["text"] == "Sorry to hear it: DM us?"
    assert sent["recipient_id"] == "4410227733" and sent["message_id"].startswith("m_")
    assert ids == [
        sms["sid"],
        call["sid"],
        post["ts"],
        dm["data"]["dm_event_id"],
        tweet["data"]["id"],
        sent["message_id"],
    ]


def _twilio_error(status: int, code: int) -> dict[str, Any]:
    return {"code": code, "status": status, "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def _meta_error(code: int, kind: str = "OAuthException") -> dict[str, Any]:
    return {"error": {"code": code, "type": kind}}


LONG = "x" * 1601
REFUSED = [
    # Twilio: 401 {"code": 20003} for credentials; the field's own code for each missing or bad field
    ("twilio-wrong-token", twilio(headers={"authorization": basic(SID, "not-the-token")}), 401, _twilio_error(401, 20003)),
    ("twilio-no-auth", twilio(headers={"authorization": None}), 401, _twilio_error(401, 20003)),
    ("twilio-other-account", twilio(target="/twilio/2010-04-01/Accounts/AC" + "0" * 32 + "/Messages.json"), 404, _twilio_error(404, 20404)),
    ("twilio-get", twilio(method="GET"), 405, _twilio_error(405, 20004)),
    ("twilio-no-to", twilio(fields={"From": COMPANY, "Body": "hi"}), 400, _twilio_error(400, 21604)),
    ("twilio-no-from", twilio(fields={"To": CUSTOMER, "Body": "hi"}), 400, _twilio_error(400, 21603)),
    ("twilio-no-body", twilio(fields={"To": CUSTOMER, "From": COMPANY}), 400, _twilio_error(400, 21602)),
    ("twilio-to-not-e164", twilio(fields={"To": "212-555-0100", "From": COMPANY, "Body": "hi"}), 400, _twilio_error(400, 21211)),
    ("twilio-body-too-long", twilio(fields={"To": CUSTOMER, "From": COMPANY, "Body": LONG}), 400, _twilio_error(400, 21617)),
    ("twilio-unknown-field", twilio(fields={"To": CUSTOMER, "From": COMPANY, "Body": "hi", "MediaUrl": "x"}), 400, _twilio_error(400, 20001)),
    ("twilio-json-body", twilio(headers={"content-type": "application/json"}), 400, _twilio_error(400, 21604)),
    ("twilio-call-no-twiml", twilio("Calls", {"To": ON_CALL, "From": COMPANY}), 400, _twilio_error(400, 21205)),
    ("twilio-call-bad-xml", twilio("Calls", {"To": ON_CALL, "From": COMPANY, "Twiml": "<Response><Dial>"}), 400, _twilio_error(400, 12100)),
    (
        "twilio-call-shows-a-cell",
        twilio("Calls", {"To": ON_CALL, "From": COMPANY, "Twiml": TWIML.replace(f'callerId="{COMPANY}"', f'callerId="{ON_CALL}"')}),
        400,
        _twilio_error(400, 13214),
    ),
    # Slack: 200 {"ok": false, "error": …}
    ("slack-wrong-token", slack(headers={"authorization": "Bearer xoxb-someone-else"}), 200, {"ok": False, "error": "invalid_auth"}),
    ("slack-no-token", slack(headers={"authorization": None}), 200, {"ok": False, "error": "not_authed"}),
    ("slack-no-text", slack({"channel": "C04SHARED1", "thread_ts": "1700000000.000100"}), 200, {"ok": False, "error": "no_text"}),
    ("slack-no-channel", slack({"text": "hi", "thread_ts": "1700000000.000100"}), 200, {"ok": False, "error": "channel_not_found"}),
    ("slack-no-thread", slack({"channel": "C04SHARED1", "text": "hi"}), 200, {"ok": False, "error": "invalid_arguments"}),
    ("slack-too-long", slack({"channel": "C04SHARED1", "text": "x" * 40_001, "thread_ts": "1700000000.000100"}), 200, {"ok": False, "error": "msg_too_long"}),
    ("slack-form-body", slack(headers={"content-type": "application/x-www-form-urlencoded"}), 200, {"ok": False, "error": "invalid_post_type"}),
    ("slack-not-json", replace(slack(), body=b"{not json"), 200, {"ok": False, "error": "invalid_json"}),
    ("slack-get", slack(method="GET"), 405, {"ok": False}),
    # X: problem JSON
    ("x-wrong-token", x_dm(headers={"authorization": "Bearer nope"}), 401, {"title": "Unauthorized", "status": 401}),
    ("x-dm-no-text", x_dm({"text": ""}), 400, {"type": "https://api.twitter.com/2/problems/invalid-request"}),
    ("x-dm-bad-participant", x_dm(participant="mateo_builds"), 400, {"title": "Invalid Request"}),
    ("x-reply-without-a-tweet-id", x_tweet({"text": "hello", "reply": {}}), 400, {"title": "Invalid Request"}),
    ("x-post-too-long", x_tweet({"text": "y" * 258 + " https://status.example.com/s"}), 400, {"title": "Invalid Request"}),
    ("x-tweet-too-long", x_tweet({"text": "x" * 281, "reply": {"in_reply_to_tweet_id": "1"}}), 400, {"title": "Invalid Request"}),
    ("x-get", x_tweet(method="GET"), 405, {"status": 405}),
    ("x-unknown-path", x_tweet(target="/x/1.1/direct_messages/events/new.json"), 404, {"status": 404}),
    # Meta: {"error": {"code", "type", …}}
    ("meta-wrong-token", meta(query={"access_token": "nope", "appsecret_proof": "00"}), 400, _meta_error(190)),
    ("meta-no-token", meta(query={}), 400, _meta_error(104)),
    ("meta-no-proof", meta(query={"access_token": TOKEN}), 400, _meta_error(100, "GraphMethodException")),
    (
        "meta-proof-other-secret",
        meta(query={"access_token": TOKEN, "appsecret_proof": appsecret_proof(TOKEN, "other")}),
        400,
        _meta_error(100, "GraphMethodException"),
    ),
    ("meta-no-recipient", meta({"messaging_type": "RESPONSE", "message": {"text": "hi"}}), 400, _meta_error(100)),
    ("meta-tag-without-name", meta({"recipient": {"id": "1"}, "messaging_type": "MESSAGE_TAG", "message": {"text": "hi"}}), 400, _meta_error(100)),
    ("meta-update-type", meta({"recipient": {"id": "1"}, "messaging_type": "UPDATE", "message": {"text": "hi"}}), 400, _meta_error(100)),
    ("meta-get", meta(method="GET"), 400, {"error": {"code": 100, "error_subcode": 33}}),
    # the widget backend: Standard Webhooks verification first, then the body
    ("widget-other-secret", widget(secret="whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA=="), 401, {"error": "signature rejected: No matching signature found"}),
    ("widget-unsigned", widget(headers={"webhook-signature": None}), 401, {}),
    ("widget-created-not-reply", widget({**widget_body(), "type": "message.created"}), 400, {}),
    ("widget-no-text", widget(widget_body(text="")), 400, {}),
    ("widget-id-not-reply-id", widget(widget_body(reply_id="r_other")), 400, {}),
    ("widget-get", widget(method="GET"), 405, {}),
]  # fmt: skip


@pytest.mark.parametrize(("request_", "status", "shape"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_request_off_the_wire_format_is_refused_in_the_providers_shape(standin, request_, status, shape):
    # GIVEN a request with bad credentials, a missing or bad field, or the wrong method
    # WHEN the stand-in answers it
    answer, _ = standin.respond(request_)
    # THEN the provider's status and error shape, and nothing is recorded as sent
    assert answer.status == status, answer.body
    assert _subset(answer.body, shape), answer.body
    assert standin.received == []
    assert [status for _, status in standin.exchanges] == [answer.status]


def test_twilio_refuses_a_from_that_is_not_one_of_the_companys_numbers():
    # GIVEN a stand-in that knows the company's numbers
    standin = StandIn(CREDENTIALS, clock=lambda: NOW, twilio_numbers=frozenset({COMPANY}))
    # WHEN an SMS comes from another number
    answer, _ = standin.respond(twilio(fields={"To": CUSTOMER, "From": "+15555550199", "Body": "hi"}))
    # THEN Twilio's 21606
    assert (answer.status, answer.body["code"]) == (400, 21606)


def test_the_widget_backend_shows_a_webhook_id_once_and_counts_the_redelivery(standin):
    # GIVEN one reply delivered twice (a sender that lost the first answer)
    first, again = widget(), widget()
    # WHEN both arrive
    answers = [standin.respond(r)[0] for r in (first, again)]
    # THEN both get a 2xx, the visitor sees it once, and the duplicate is counted
    assert [a.status for a in answers] == [200, 200]
    assert answers[1].body == {"status": "duplicate"}
    assert len(standin.received) == 1
    assert standin.widget.duplicates == ["r_auto_1"]


def test_an_unknown_path_is_a_404(standin):
    # GIVEN a path under no provider WHEN it is requested THEN 404, nothing recorded
    answer, _ = standin.respond(Request("POST", "/sendgrid/v3/mail/send", {}, b"{}"))
    assert answer.status == 404 and standin.received == []
    assert json.loads(answer.encoded())["error"].startswith("no provider")
