"""Every provider's webhook route against moto: signed samples are queued once, forged ones queue nothing.

Requests are signed at NIGHT, the app's clock in these tests: replay windows (Slack) compare with it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from chalice.test import Client

import app as app_module
from local.samples import SampleRequest, all_samples, local_secrets, signed
from tests.functional.conftest import NIGHT, PUBLIC_URL

HTTP = [s for s in all_samples() if s.is_http and s.provider != "widget"]
SIGNED_POSTS = [s for s in HTTP if s.method == "POST"]


def call(request: SampleRequest) -> Any:
    with Client(app_module.app) as client:
        if request.method == "GET":
            return client.http.get(request.path, headers=request.headers)
        return client.http.post(request.path, headers=request.headers, body=request.body)


def queued_ids(aws) -> list[str]:
    return sorted(json.loads(m["Body"])["event_id"] for m in aws.queue_messages())


@pytest.mark.parametrize("sample", HTTP, ids=lambda s: s.name)
def test_a_signed_sample_is_accepted_and_queues_what_it_names(aws, sample):
    # GIVEN a provider's request, signed as the provider signs it
    request = signed(sample, local_secrets(), NIGHT, PUBLIC_URL)
    # WHEN it reaches its route
    response = call(request)
    # THEN it is accepted, and the queue holds exactly the events the answer names (none for handshakes and skips)
    assert 200 <= response.status_code < 300, response.body
    if response.headers.get("Content-Type", "").startswith("application/json") and sample.method == "POST":
        answer = json.loads(response.body)
        if "event_ids" in answer:
            assert sorted(answer["event_ids"]) == queued_ids(aws)


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
