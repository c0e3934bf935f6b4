"""Attacks and edge cases at the routes: the X CRC oracle, Twilio URLs with a query string, replays."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
from chalice.test import Client
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

import app as app_module
from local.samples import EVENTS_DIR, SampleRequest, load, local_secrets, signed
from tests.functional.conftest import NIGHT, PUBLIC_URL

TWILIO_TOKEN = local_secrets()["twilio"]


def call(request: SampleRequest) -> Any:
    with Client(app_module.app) as client:
        if request.method == "GET":
            return client.http.get(request.path, headers=request.headers)
        return client.http.post(request.path, headers=request.headers, body=request.body)


def queued_ids(aws) -> list[str]:
    return sorted(json.loads(m["Body"])["event_id"] for m in aws.queue_messages())


# --- X: the CRC endpoint signs nothing that could be a POST body ----------------------------------------


def test_x_crc_refuses_a_json_body_as_its_token(aws):
    # GIVEN a genuine activity body an attacker wants signed
    activity = load(EVENTS_DIR / "x" / "vip-angry-mention.json").body.decode()
    # WHEN it is offered as the crc_token
    with Client(app_module.app) as client:
        response = client.http.get(f"/webhooks/x?crc_token={quote(activity, safe='')}")
    # THEN 400 naming the parameter, and no response_token (no signature) in the answer
    assert response.status_code == 400, response.body
    answer = json.loads(response.body)
    assert answer["field"] == "crc_token" and "response_token" not in answer


def test_x_crc_refuses_an_overlong_token(aws):
    with Client(app_module.app) as client:
        response = client.http.get("/webhooks/x?crc_token=" + "A" * 100_000)
    assert response.status_code == 400
    assert "response_token" not in json.loads(response.body)


def test_a_crc_answer_replayed_as_a_post_signature_is_refused_and_queues_nothing(aws):
    # GIVEN the CRC answer X's genuine token earns
    crc = load(EVENTS_DIR / "x" / "crc.json")
    token = dict(parse_qsl(crc.path.split("?", 1)[1]))["crc_token"]
    with Client(app_module.app) as client:
        answer = json.loads(client.http.get(crc.path).body)["response_token"]
        # WHEN it is replayed as the signature of a POST whose body is the token
        response = client.http.post(
            "/webhooks/x",
            headers={"content-type": "application/json", "x-twitter-webhooks-signature": answer},
            body=token.encode(),
        )
    # THEN 401, and nothing is queued
    assert response.status_code == 401, response.body
    assert aws.queue_messages() == []


# --- Twilio: the URL is signed exactly as configured, query string included ----------------------------


def _twilio_signed(path: str, signed_url: str | None = None) -> SampleRequest:
    """The SMS sample posted to ``path``, signed by the twilio SDK over ``signed_url`` (default: the same)."""
    sample = replace(load(EVENTS_DIR / "twilio" / "sms-01-urgent.json"), path=path)
    params = dict(parse_qsl(sample.body.decode(), keep_blank_values=True))
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(signed_url or PUBLIC_URL + path, params)
    return replace(sample, headers={**sample.headers, "x-twilio-signature": signature})


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("z=1&a=2", id="unsorted"),
        pytest.param("tenant=acme&note=on%20call", id="percent-20-space"),
        pytest.param("note=on+call&z=1&a=2", id="plus-space"),
        pytest.param("z=1&a=2&next=/webhooks/x&at=a:b", id="typed-reserved-characters"),
        pytest.param("z=1&a=%2Fx%3Ay", id="escaped-reserved-characters"),
        pytest.param("a=2&z=1", id="already-sorted"),
    ],
)
def test_a_twilio_url_with_a_query_string_verifies_as_configured(aws, query):
    # GIVEN Twilio configured with a URL that has a query string, signing it with the twilio SDK
    request = _twilio_signed(f"/webhooks/twilio/sms?{query}")
    # WHEN the SMS arrives
    response = call(request)
    # THEN it is accepted and queued
    assert response.status_code == 200, response.body
    assert queued_ids(aws) == ["twilio:sms:SMbc958d47870d005e992c8a4bdda3b921"]


@pytest.mark.parametrize(
    ("sent", "signed_for"),
    [
        pytest.param("z=2&a=2", "z=1&a=2", id="altered-value"),
        pytest.param("z=1&a=2&extra=1", "z=1&a=2", id="added-parameter"),
        pytest.param("z=1", "z=1&a=2", id="dropped-parameter"),
    ],
)
def test_a_twilio_query_string_altered_after_signing_is_refused(aws, sent, signed_for):
    request = _twilio_signed(f"/webhooks/twilio/sms?{sent}", f"{PUBLIC_URL}/webhooks/twilio/sms?{signed_for}")
    response = call(request)
    assert response.status_code == 401, response.body
    assert aws.queue_messages() == []


def test_samples_still_verify_signed_at_night(aws):
    # the sample signer (our own, not the SDK) and the route agree on a query-less URL
    response = call(signed(load(EVENTS_DIR / "twilio" / "sms-01-urgent.json"), local_secrets(), NIGHT, PUBLIC_URL))
    assert response.status_code == 200
