"""Every provider's webhook route against moto: signed samples are queued once, forged ones queue nothing.

Requests are signed at NIGHT, the app's clock in these tests: replay windows (Slack) compare with it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree

import pytest
from chalice.test import Client

import app as app_module
from local.samples import SampleRequest, all_samples, local_secrets, signed
from tests.functional.conftest import NIGHT, PUBLIC_URL
from tests.functional.signed_requests import call, queued_ids

HTTP = [s for s in all_samples() if s.is_http and s.provider != "widget"]
SIGNED_POSTS = [s for s in HTTP if s.method == "POST"]


@dataclass(frozen=True)
class Events:
    """A JSON answer {"event_ids", "skipped"}: how many events it queued, and how many items it skipped."""

    queued: int
    skipped: int = 0


@dataclass(frozen=True)
class Handshake:
    """A GET or a verification: answered with what the provider asked to be echoed, nothing queued."""

    kind: str  # "meta" (hub.challenge as text), "slack" (the challenge as JSON), "x" (the CRC's HMAC)


@dataclass(frozen=True)
class TwiML:
    """Twilio's answer: ``verb`` is the Response's only child (None: an empty <Response/>), and what it queued.

    ``dial_attempt``: a <Dial> whose action callback carries this attempt number; ``queues``: the form
    field naming the Sid of the event queued (the channel follows from the route), None: nothing.
    """

    verb: str | None
    queues: str | None
    dial_attempt: int | None = None


# every HTTP sample (but the widget's, tested in test_ingest_api.py): what its route must answer and queue
EXPECTED: dict[str, Events | Handshake | TwiML] = {
    "meta/batch-two-entries": Events(queued=2, skipped=2),
    "meta/echo": Events(queued=0, skipped=1),
    "meta/instagram-image-dm": Events(queued=1),
    "meta/messenger-message": Events(queued=1),
    "meta/subscribe": Handshake("meta"),
    "sendgrid/free-howto": Events(queued=1),
    "sendgrid/newsletter": Events(queued=1),
    "sendgrid/non-ascii": Events(queued=1),
    "sendgrid/out-of-office": Events(queued=0, skipped=1),
    "sendgrid/raw-mime": Events(queued=1),
    "sendgrid/reply-in-thread": Events(queued=1),
    "sendgrid/vip-outage-reply-plus-address": Events(queued=1),
    "sendgrid/vip-outage-retry": Events(queued=1),
    "sendgrid/vip-outage": Events(queued=1),
    "sendgrid/with-attachment": Events(queued=1),
    "slack/app-mention": Events(queued=1),
    "slack/bot-message": Events(queued=0, skipped=1),
    "slack/message-changed": Events(queued=0, skipped=1),
    "slack/own-app-reply": Events(queued=0, skipped=1),
    "slack/thread-reply": Events(queued=1),
    "slack/url-verification": Handshake("slack"),
    "slack/vip-outage-shared-channel-retry": Events(queued=1),
    "slack/vip-outage-shared-channel": Events(queued=1),
    "twilio/call-01-incoming": TwiML("Dial", queues="CallSid", dial_attempt=0),
    "twilio/call-02-dial-no-answer": TwiML("Dial", queues=None, dial_attempt=1),
    "twilio/call-03-dial-busy": TwiML("Dial", queues=None, dial_attempt=2),
    "twilio/call-04-recording": TwiML("Hangup", queues="RecordingSid"),
    "twilio/call-05-transcription": TwiML(None, queues="TranscriptionSid"),
    "twilio/night-call-marco": TwiML("Dial", queues="CallSid", dial_attempt=0),
    "twilio/sms-01-urgent-retry": TwiML(None, queues="MessageSid"),
    "twilio/sms-01-urgent": TwiML(None, queues="MessageSid"),
    "twilio/sms-02-mms-screenshot": TwiML(None, queues="MessageSid"),
    "twilio/sms-03-non-ascii": TwiML(None, queues="MessageSid"),
    "twilio/sms-04-stop": TwiML(None, queues="MessageSid"),
    "x/crc": Handshake("x"),
    "x/dm-pricing": Events(queued=1),
    "x/own-reply": Events(queued=0, skipped=1),
    "x/reply-and-retweet-batch": Events(queued=1, skipped=1),
    "x/vip-angry-mention": Events(queued=1),
}
#: the event id's kind for each Sid field: "twilio:<kind>:<sid>", and the channel it is queued on
_SID_KINDS = {"CallSid": ("call", "voice"), "RecordingSid": ("recording", "voice"), "MessageSid": ("sms", "sms")}
_SID_KINDS["TranscriptionSid"] = ("transcription", "voice")


def test_every_http_sample_has_an_expectation():
    assert sorted(EXPECTED) == sorted(s.name for s in HTTP)


def queued(aws) -> list[tuple[str, str]]:
    return sorted((body["event_id"], body["channel"]) for body in (json.loads(m["Body"]) for m in aws.queue_messages()))


@pytest.mark.parametrize("sample", HTTP, ids=lambda s: s.name)
def test_a_signed_sample_is_accepted_and_queues_what_it_names(aws, sample):
    # GIVEN a provider's request, signed as the provider signs it
    request = signed(sample, local_secrets(), NIGHT, PUBLIC_URL)
    expected = EXPECTED[sample.name]
    # WHEN it reaches its route
    response = call(request)
    body = response.body.decode() if isinstance(response.body, bytes) else response.body
    # THEN it is accepted, answered as the provider expects, and the queue holds exactly what that names
    assert response.status_code == 200, body
    if isinstance(expected, Events):
        answer = json.loads(body)
        assert answer["skipped"] == expected.skipped
        assert len(answer["event_ids"]) == expected.queued
        channel = {"sendgrid": "email"}.get(sample.provider, sample.provider)
        assert queued(aws) == sorted((event_id, channel) for event_id in answer["event_ids"])
    elif isinstance(expected, Handshake):
        assert queued(aws) == []
        assert body == _handshake_answer(expected.kind, sample)
    else:
        assert response.headers["Content-Type"] == "text/xml"
        fields = dict(parse_qsl(sample.body.decode(), keep_blank_values=True))
        _assert_twiml(ElementTree.fromstring(body), expected)
        if expected.queues is None:
            assert queued(aws) == []
        else:
            kind, channel = _SID_KINDS[expected.queues]
            assert queued(aws) == [(f"twilio:{kind}:{fields[expected.queues]}", channel)]


def _handshake_answer(kind: str, sample: SampleRequest) -> str:
    """What each handshake must echo, computed here from the request (not by the adapters)."""
    query = dict(parse_qsl(urlsplit(sample.path).query))
    if kind == "meta":
        return query["hub.challenge"]
    if kind == "slack":
        return json.dumps({"challenge": json.loads(sample.body)["challenge"]}, separators=(",", ":"))
    secret = local_secrets()["x"].encode()
    digest = base64.b64encode(hmac.new(secret, query["crc_token"].encode(), hashlib.sha256).digest()).decode()
    return json.dumps({"response_token": f"sha256={digest}"}, separators=(",", ":"))


def _assert_twiml(root: ElementTree.Element, expected: TwiML) -> None:
    assert root.tag == "Response"
    assert [child.tag for child in root] == ([] if expected.verb is None else [expected.verb])
    if expected.dial_attempt is not None:
        [dial] = list(root)
        assert dial.get("action") == f"{PUBLIC_URL}/webhooks/twilio/dial?attempt={expected.dial_attempt}"
        assert [n.tag for n in dial] == ["Number"] and (dial[0].text or "").startswith("+1212555010")


@pytest.mark.parametrize("sample", SIGNED_POSTS, ids=lambda s: s.name)
def test_a_forged_request_is_rejected_and_queues_nothing(aws, sample):
    # GIVEN the same request signed with the wrong secret
    wrong = dict.fromkeys(local_secrets(), "not-the-secret" + "x" * 12)
    request = signed(sample, wrong, NIGHT, PUBLIC_URL)
    # WHEN it arrives THEN 401 with a JSON reason, and nothing is queued
    response = call(request)
    assert response.status_code == 401, response.body
    assert json.loads(response.body)["error"] == "invalid_signature"
    assert aws.queue_messages() == []


def test_a_live_call_rings_the_first_person_on_the_dial_list_and_becomes_a_ticket(aws):
    # GIVEN Dana (a VIP) calls the support line at 3 a.m.
    sample = next(s for s in HTTP if s.name == "twilio/call-01-incoming")
    response = call(signed(sample, local_secrets(), NIGHT, PUBLIC_URL))
    # THEN Twilio gets TwiML dialling the on-call person, with the company line as caller ID
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml"
    body = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert 'answerOnBridge="true"' in body and 'timeout="20"' in body
    assert f'action="{PUBLIC_URL}/webhooks/twilio/dial?attempt=0"' in body
    assert "<Number>+1212555010" in body  # one of the rotation's people
    # AND the call is queued like every other message
    [queued] = queued_ids(aws)
    assert queued.startswith("twilio:call:CA")


def test_nobody_answering_ends_in_voicemail_with_transcription(aws):
    # GIVEN the last person on the dial list (on call, then both founders: attempt 2) was busy too
    sample = next(s for s in HTTP if s.name == "twilio/call-03-dial-busy")
    last = replace(sample, path=sample.path.replace("attempt=1", "attempt=2"))
    response = call(signed(last, local_secrets(), NIGHT, PUBLIC_URL))
    body = response.body.decode() if isinstance(response.body, bytes) else response.body
    # THEN the caller is asked for a message, recorded and transcribed
    assert response.status_code == 200
    assert "<Record" in body and 'transcribe="true"' in body
    assert f'transcribeCallback="{PUBLIC_URL}/webhooks/twilio/transcription"' in body


def test_an_ses_notification_is_queued_by_the_sns_handler(aws):
    sample = next(s for s in all_samples() if s.provider == "ses" and s.name.endswith("new-email"))
    with Client(app_module.app) as client:
        client.lambda_.invoke("inbound_email", client.events.generate_sns_event(message=sample.body.decode()))
    [event_id] = queued_ids(aws)
    assert event_id.startswith("ses:")


def test_a_tampered_twilio_url_is_rejected(aws):
    sample = next(s for s in HTTP if s.name == "twilio/sms-01-urgent")
    request = signed(sample, local_secrets(), NIGHT, "https://somewhere-else.test")
    assert call(request).status_code == 401
    assert aws.queue_messages() == []


def test_meta_subscription_with_a_wrong_verify_token_is_403(aws):
    sample = next(s for s in HTTP if s.name == "meta/subscribe")
    request = replace(sample, path=sample.path.replace("hub.verify_token=", "hub.verify_token=wrong"))
    assert call(request).status_code == 403


@pytest.mark.parametrize("path", ["/webhooks/slack", "/webhooks/widget"])
def test_an_oversized_body_is_413_before_anything_else(aws, path, capsys):
    # GIVEN a body far larger than any genuine chat delivery
    body = b'{"padding": "' + b"x" * 300_000 + b'"}'
    with Client(app_module.app) as client:
        response = client.http.post(path, headers={"content-type": "application/json"}, body=body)
    # THEN 413 with a reason, nothing queued, and the rejection counted as a metric
    assert response.status_code == 413
    assert "at most 262,144 bytes" in json.loads(response.body)["reason"]
    assert aws.queue_messages() == []
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"WebhookRejected"' in line]
    assert emitted and emitted[-1]["error"] == "payload_too_large"


def test_a_rejected_signature_is_counted_by_provider(aws, capsys):
    sample = next(s for s in SIGNED_POSTS if s.name == "x/vip-angry-mention")
    wrong = dict.fromkeys(local_secrets(), "not-the-secret" + "x" * 12)
    assert call(signed(sample, wrong, NIGHT, PUBLIC_URL)).status_code == 401
    [metric] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"WebhookRejected"' in line]
    assert (metric["provider"], metric["error"], metric["WebhookRejected"]) == ("x", "invalid_signature", [1.0])
