"""Correctly signed but unexpected bodies (issue 10, finding 6): each one once answered 500.

Now each is accepted with the odd field clipped, hashed, replaced or dropped; or answered 200
"skipped: …" (Slack, Meta, X: a retry cannot help, and failures count against the webhook); or 4xx
(the widget, Twilio, SendGrid). A rejection or a skip queues nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import pytest

from local.samples import SampleRequest, local_secrets
from tests.functional.conftest import NIGHT
from tests.functional.signed_requests import sample, send, with_json


@dataclass(frozen=True)
class Odd:
    name: str
    request: SampleRequest
    status: int
    #: what each queued event must show (event_id prefix, text fragment …), or None for "nothing queued"
    check: Any = None


def _set(path: str, value: Any) -> Any:
    def change(body: Any) -> Any:
        *parents, last = path.split(".")
        node = body
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
        return body

    return change


def _sendgrid_with_charsets(charsets: str) -> SampleRequest:
    request = sample("sendgrid/vip-outage")
    part = f'--xYzZY\r\nContent-Disposition: form-data; name="charsets"\r\n\r\n{charsets}\r\n'.encode()
    body = request.body
    if b'name="charsets"' in body:  # replace the sample's own charsets part
        start = body.index(b'--xYzZY\r\nContent-Disposition: form-data; name="charsets"')
        end = body.index(b"--xYzZY", start + 1)
        body = body[:start] + body[end:]
    return replace(request, body=part + body)


def _event(message: dict[str, Any]) -> dict[str, Any]:
    return json.loads(message["Body"])  # type: ignore[no-any-return]


WIDGET = sample("widget/vip-outage")
SLACK = sample("slack/vip-outage-shared-channel")
META = sample("meta/messenger-message")
X_DM = sample("x/dm-pricing")

CASES = [
    Odd("widget nested 5,000 deep", replace(WIDGET, body=b"[" * 5000 + b"]" * 5000), 400),
    Odd("slack nested 5,000 deep", replace(SLACK, body=b"[" * 5000 + b"]" * 5000), 200),
    Odd("slack object nested 5,000 deep", replace(SLACK, body=b'{"a":' * 5000 + b"1" + b"}" * 5000), 200),
    Odd(
        "sendgrid charsets naming punycode",
        _sendgrid_with_charsets('{"headers":"punycode","text":"punycode","subject":"idna","from":"undefined"}'),
        200,
        lambda e: e["event_id"].startswith("sendgrid:"),
    ),
    Odd("sendgrid charsets nested 5,000 deep", _sendgrid_with_charsets("[" * 5000 + "]" * 5000), 400),
    Odd(
        "sendgrid charsets naming unicode_escape (lone surrogates)",
        _sendgrid_with_charsets('{"text":"unicode_escape"}'),
        200,
        lambda e: e["event_id"].startswith("sendgrid:"),
    ),
    Odd(
        "widget webhook-id of 288 characters",
        replace(WIDGET, headers={**WIDGET.headers, "webhook-id": "msg_" + "x" * 284}),
        202,
        lambda e: e["event_id"].startswith("widget:sha256:") and len(e["event_id"]) <= 256,
    ),
    Odd(
        "meta mid of 302 characters",
        with_json(META, _set("entry.0.messaging.0.message.mid", "m_" + "A" * 300)),
        200,
        lambda e: e["event_id"].startswith("meta:sha256:") and len(e["event_id"]) <= 256,
    ),
    Odd(
        "meta with 62 attachments of 4 KB URLs (an event near SQS's 256 KB limit)",
        with_json(
            META,
            _set(
                "entry.0.messaging.0.message.attachments",
                [{"type": "image", "payload": {"url": "https://cdn.example/" + "a" * 4000}}] * 62,
            ),
        ),
        200,
        lambda e: len(e["metadata"]["attachment_urls"].split()) == 10,
    ),
    Odd(
        "slack text with a lone surrogate",
        with_json(SLACK, _set("event.text", "help \ud800 now")),
        200,
        lambda e: e["text"] == "help \ufffd now",
    ),
    Odd(
        "widget text with characters SQS refuses (NUL, U+FFFF)",
        with_json(WIDGET, _set("data.text", "help\u0000 \uffffnow")),
        202,
        lambda e: e["text"] == "help now",
    ),
    Odd(
        "widget page_url with a lone surrogate",
        with_json(WIDGET, _set("data.page_url", "https://app.example.com/\ud800")),
        202,
        lambda e: e["metadata"]["page_url"] == "https://app.example.com/\ufffd",
    ),
    Odd(
        "x created_timestamp 10^17 ms",
        with_json(X_DM, _set("direct_message_events.0.created_timestamp", str(10**17))),
        200,
        lambda e: e["event_id"].startswith("x:dm:") and "sent_at" not in e["metadata"],
    ),
    Odd(
        "x created_timestamp of 400 digits",
        with_json(X_DM, _set("direct_message_events.0.created_timestamp", "9" * 400)),
        200,
        lambda e: "sent_at" not in e["metadata"],
    ),
    Odd(
        "slack event_time 10^12 s",
        with_json(SLACK, _set("event_time", 10**12)),
        200,
        lambda e: "sent_at" not in e["metadata"],
    ),
    Odd(
        "meta timestamp 10^17 ms",
        with_json(META, _set("entry.0.messaging.0.timestamp", 10**17)),
        200,
        lambda e: e["event_id"].startswith("meta:") and "sent_at" not in e["metadata"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_signed_odd_body_is_never_a_500(aws, case):
    # GIVEN a body its provider could send, correctly signed
    # WHEN it reaches its route
    response = send(case.request)
    # THEN the answer is the one this provider's retries want, never a 5xx
    assert response.status_code == case.status, response.body
    queued = [_event(m) for m in aws.queue_messages()]
    if case.check is None:
        # AND a rejection or a skip queues nothing, and says why
        assert queued == []
        answer = json.loads(response.body)
        assert answer.get("error") == "invalid_payload" or answer["skipped"].startswith("invalid_payload: ")
    else:
        # AND what was accepted is queued with the odd field clipped, hashed, replaced or dropped
        assert len(queued) == 1 and case.check(queued[0]), queued


def test_a_hashed_id_is_stable_so_a_retry_is_the_same_event(aws):
    # GIVEN the same over-long webhook-id delivered twice
    request = replace(WIDGET, headers={**WIDGET.headers, "webhook-id": "msg_" + "y" * 300})
    first, second = send(request), send(request)
    # THEN both answers name the same event id
    assert json.loads(first.body)["event_id"] == json.loads(second.body)["event_id"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_signed_ack_link_to_a_page_that_does_not_exist_is_404(aws, method):
    from chalice.test import Client

    import app as app_module
    from chalicelib.paging.links import expiry, sign

    # GIVEN a correctly signed link for a page id no page has
    page_id, person = "P-0000000000", "maya"
    expires = expiry(NIGHT)
    signature = sign(page_id, person, expires, local_secrets()["ack"])
    fields = f"p={person}&e={expires}&s={signature}"
    # WHEN it is opened or submitted
    with Client(app_module.app) as client:
        if method == "GET":
            response = client.http.get(f"/ack/{page_id}?{fields}")
        else:
            headers = {"content-type": "application/x-www-form-urlencoded"}
            response = client.http.post(f"/ack/{page_id}", headers=headers, body=fields.encode())
    # THEN 404 in the route's own language (HTML), naming the missing page
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "No such page" in response.body.decode()


def test_a_500_logs_the_error_type_and_where_never_the_customer_text(aws, monkeypatch, caplog):
    from chalicelib.channels import slack

    # GIVEN an adapter that fails in a way nobody foresaw, with the customer's words in the message
    def broken(request: Any, received_at: Any) -> Any:
        raise ValueError("Dana Whitfield says: our dashboard is down")

    monkeypatch.setattr(slack, "handle", broken)
    # WHEN a signed Slack message arrives
    response = send(SLACK)
    # THEN it is a 500 (a bug, which the provider's retry may outlive) whose log names the type and place only
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    logged = record.getMessage() + str(record.exc_info) + str(record.exc_text)
    assert "ValueError at test_odd_bodies.py" in logged and "in broken via providers.py" in logged
    assert "Dana" not in logged and "dashboard" not in logged


def test_an_invalid_event_does_not_quote_its_input():
    from pydantic import ValidationError

    from chalicelib.model.event import SupportEvent

    # GIVEN an event whose text is too long WHEN validated THEN the error names the field, not the text
    with pytest.raises(ValidationError) as error:
        SupportEvent.model_validate({"event_id": "w:1", "text": "secret words " * 2000})
    assert "secret words" not in str(error.value)


@pytest.mark.parametrize(
    "message",
    ["[" * 5000 + "]" * 5000, '{"notificationType": "Received", "mail": ' * 40 + "1" + "}" * 40],
    ids=["array-5000", "object-40"],
)
def test_an_ses_notification_nested_too_deep_is_dropped_not_retried(aws, message):
    from chalice.test import Client

    import app as app_module

    # GIVEN an SNS notification whose message nests deeper than any SES notification
    with Client(app_module.app) as client:
        # WHEN the SNS handler receives it THEN it is dropped (raising would only make Lambda retry it)
        result = client.lambda_.invoke("inbound_email", client.events.generate_sns_event(message=message))
    assert result.payload == []
    assert aws.queue_messages() == []
