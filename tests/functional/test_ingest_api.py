"""POST /webhooks/widget through Chalice's test client against moto: verify, validate, queue, answer."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from chalice.test import Client

import app as app_module
from chalicelib import bootstrap
from chalicelib.adapters.event_queue import SqsEventQueue
from chalicelib.services.intake import IntakeService
from local.samples import EVENTS_DIR, SampleRequest, load, local_secrets, sign_widget, signed
from tests.functional.conftest import NIGHT

SECRET = local_secrets()["widget"]


def sample(name: str = "vip-outage") -> SampleRequest:
    return load(EVENTS_DIR / "widget" / f"{name}.json")


def post(request: SampleRequest):
    with Client(app_module.app) as client:
        return client.http.post(request.path, headers=request.headers, body=request.body)


def test_a_signed_webhook_is_queued_once_and_answered_202(aws):
    # GIVEN a widget message signed with the stage's secret
    request = signed(sample(), local_secrets(), NIGHT)
    # WHEN the widget posts it
    response = post(request)
    # THEN 202 with the event id, and exactly one message on the queue carrying the event
    assert response.status_code == 202
    assert json.loads(response.body) == {"event_id": "widget:msg_2Z8kVqLr4hT1nWb6yXe0Pa"}
    messages = aws.queue_messages()
    assert len(messages) == 1
    body = json.loads(messages[0]["Body"])
    assert body["event_id"] == "widget:msg_2Z8kVqLr4hT1nWb6yXe0Pa"
    assert body["sender"]["email"] == "dana@northwind.example"
    assert messages[0]["MessageAttributes"]["channel"]["StringValue"] == "widget"


def _mis_signed() -> SampleRequest:
    other = "whsec_" + "A" * 40
    return sign_widget(sample(), other, NIGHT)


def _stale() -> SampleRequest:
    return sign_widget(sample(), SECRET, NIGHT - timedelta(minutes=10))


@pytest.mark.parametrize(
    ("make_request", "reason"),
    [
        pytest.param(sample, "missing webhook-timestamp header", id="unsigned"),
        pytest.param(_mis_signed, "No matching signature found", id="mis-signed"),
        pytest.param(_stale, "Message timestamp too old", id="stale-timestamp"),
    ],
)
def test_a_request_not_signed_by_the_widget_is_401_and_queues_nothing(aws, make_request, reason):
    # WHEN a request with a bad signature arrives
    response = post(make_request())
    # THEN 401 with a JSON reason, and the queue stays empty
    assert response.status_code == 401
    body = json.loads(response.body)
    assert body["error"] == "invalid_signature"
    assert reason in body["reason"]
    assert aws.queue_messages() == []


def test_a_malformed_body_is_400_naming_the_field_and_queues_nothing(aws):
    # GIVEN a correctly signed body whose text is missing
    raw = json.loads(sample().body)
    del raw["data"]["text"]
    request = sign_widget(replace(sample(), body=json.dumps(raw).encode()), SECRET, NIGHT)
    # WHEN it is posted
    response = post(request)
    # THEN 400 names the field, nothing is queued
    assert response.status_code == 400
    assert json.loads(response.body) == {
        "error": "invalid_payload",
        "reason": "data.text: Field required",
        "field": "data.text",
    }
    assert aws.queue_messages() == []


def test_an_unsupported_content_type_is_415(aws):
    request = signed(sample(), local_secrets(), NIGHT)
    response = post(replace(request, headers={**request.headers, "content-type": "text/plain"}))
    assert response.status_code == 415
    assert aws.queue_messages() == []


class _FailingSqs:
    def send_message(self, **_: object) -> None:
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "SQS is down"}}, "SendMessage")


def test_when_sqs_fails_the_answer_is_503_so_the_widget_retries(aws):
    # GIVEN a queue that cannot be reached
    container = bootstrap.Container(
        aws.settings,
        clock=lambda: NIGHT,
        intake=IntakeService(SqsEventQueue(_FailingSqs(), aws.settings.events_queue_url)),
    )
    bootstrap.use(container, "api_handler")
    # WHEN a valid webhook arrives
    response = post(signed(sample(), local_secrets(), NIGHT))
    # THEN 503 with Retry-After, and nothing was queued
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert json.loads(response.body)["error"] == "temporarily_unavailable"
    assert aws.queue_messages() == []
