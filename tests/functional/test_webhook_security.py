"""Attacks and edge cases at the routes: the X CRC oracle, Twilio URLs with a query string, replays."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
from chalice.test import Client
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

import app as app_module
from local.samples import EVENTS_DIR, SampleRequest, all_samples, load, local_secrets, signed
from local.worker import QueueWorker
from tests.functional.conftest import NIGHT, PUBLIC_URL
from tests.functional.signed_requests import call, queued_ids

TWILIO_TOKEN = local_secrets()["twilio"]


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


# --- replays: a request captured once makes one ticket, however late it comes back ---------------------

SAMPLES = {s.name: s for s in all_samples() if s.is_http}


def _triage_all(aws) -> None:
    worker = QueueWorker(aws.clients["sqs"], aws.stack.outputs["EventsQueueUrl"], app_module.triage, "triage")
    while worker.run_once(wait_seconds=0).received:
        pass


def _ticket_items(aws) -> list[dict[str, Any]]:
    """Tickets and their follow-ups: a replay would add an item or bump a ticket's message count."""
    items = aws.clients["dynamodb"].scan(TableName=aws.stack.outputs["TicketsTableName"])["Items"]
    return sorted((i for i in items if i["pk"]["S"].startswith("TICKET#")), key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def _expire(aws, now: datetime) -> int:
    """What DynamoDB's TTL does (moto does not): delete every item whose expires_at has passed."""
    table = aws.stack.outputs["TicketsTableName"]
    gone = 0
    for item in aws.clients["dynamodb"].scan(TableName=table)["Items"]:
        if "expires_at" in item and int(item["expires_at"]["N"]) < now.timestamp():
            aws.clients["dynamodb"].delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
            gone += 1
    return gone


@pytest.mark.parametrize(
    ("name", "replayed_status"),
    [
        # no signed time: the dedup record (the ticket) is kept for good, so the replay is accepted and is a no-op
        pytest.param("twilio/sms-01-urgent", 200, id="twilio"),
        pytest.param("x/vip-angry-mention", 200, id="x"),
        pytest.param("meta/messenger-message", 200, id="meta"),
        pytest.param("sendgrid/vip-outage", 200, id="sendgrid"),
        # a signed timestamp: refused outright, the window is 5 minutes of the app's clock
        pytest.param("slack/vip-outage-shared-channel", 401, id="slack"),
    ],
)
def test_a_request_replayed_after_the_dedup_window_makes_no_second_ticket_or_page(aws, clock, name, replayed_status):
    # GIVEN a provider's request delivered and triaged at NIGHT, its pages read
    request = signed(SAMPLES[name], local_secrets(), NIGHT, PUBLIC_URL)
    assert call(request).status_code == 200
    _triage_all(aws)
    aws.pages()
    before = _ticket_items(aws)
    assert before, "the first delivery made a ticket"
    # AND 15 days later (past the 14-day dedup TTL) DynamoDB's TTL has removed what expired
    clock.now = NIGHT + timedelta(days=15)
    _expire(aws, clock.now)
    # WHEN the captured request is replayed, byte for byte
    response = call(request)
    _triage_all(aws)
    # THEN it is refused (signed time) or a no-op (kept record): no new ticket, no follow-up, no page
    assert response.status_code == replayed_status, response.body
    assert _ticket_items(aws) == before
    assert aws.pages() == []


def test_a_message_that_opens_a_ticket_is_recorded_by_the_ticket_kept_for_good(aws):
    # GIVEN one message from each kind of provider, triaged
    for name in ("twilio/sms-01-urgent", "x/vip-angry-mention", "widget/free-howto"):
        assert call(signed(SAMPLES[name], local_secrets(), NIGHT, PUBLIC_URL)).status_code in (200, 202)
    _triage_all(aws)
    # WHEN the table is read
    items = aws.clients["dynamodb"].scan(TableName=aws.stack.outputs["TicketsTableName"])["Items"]
    # THEN each opened a ticket (its id derived from the event's: the dedup record), none with a TTL, and no
    # marker beside it (a follow-up's marker keeps the provider rule: tests/functional/test_dedup_records.py)
    tickets = [i for i in items if i["sk"]["S"] == "TICKET"]
    assert {i["channel"]["S"] for i in tickets} == {"sms", "x", "widget"}
    assert all("expires_at" not in i for i in tickets)
    assert [i for i in items if i["sk"]["S"] == "EVENT"] == []
