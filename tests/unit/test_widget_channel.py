"""The widget adapter: Standard Webhooks verification on raw bytes, strict parsing, mapping to SupportEvent."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.channels import widget
from chalicelib.errors import PayloadError, SignatureError
from chalicelib.model.event import Channel
from local.samples import EVENTS_DIR, all_samples, load, local_secrets, sign_widget

SECRET = local_secrets()["widget"]
OTHER_SECRET = "whsec_" + base64.b64encode(b"not-the-widget-secret-at-all!!").decode()
#: a fixed instant: the adapter checks the window against the clock it is given, never the real one
NOW = datetime(2026, 11, 20, 8, 5, tzinfo=UTC)
WIDGET_SAMPLES = [s for s in all_samples() if s.provider == "widget"]


@pytest.mark.parametrize("sample", WIDGET_SAMPLES, ids=lambda s: s.name)
def test_every_widget_sample_verifies_parses_and_maps(sample):
    # GIVEN a sample request signed as the widget signs it
    signed = sign_widget(sample, SECRET, NOW)
    # WHEN it is verified, parsed and mapped
    webhook_id = widget.verify_signature(SECRET, signed.body, signed.headers, NOW)
    event = widget.to_event(widget.parse(signed.body), webhook_id, NOW)
    # THEN the event carries the provider's dedup key and the conversation as its thread
    body = json.loads(signed.body)
    assert event.event_id == f"widget:{sample.headers['webhook-id']}"
    assert event.channel is Channel.WIDGET
    assert event.text == body["data"]["text"]
    assert event.thread_key == f"widget:{body['data']['conversation_id']}"
    assert event.received_at == NOW


def test_a_retry_and_its_original_map_to_the_same_event_id():
    # GIVEN the original delivery and the widget's retry of it
    original = sign_widget(load(EVENTS_DIR / "widget" / "vip-outage.json"), SECRET, NOW)
    retry = sign_widget(load(EVENTS_DIR / "widget" / "vip-outage-retry.json"), SECRET, NOW + timedelta(seconds=30))
    # WHEN both are verified
    ids = {widget.verify_signature(SECRET, r.body, r.headers, NOW) for r in (original, retry)}
    # THEN they name one event
    assert len(ids) == 1


def _signed(**changes: object):
    sample = sign_widget(load(EVENTS_DIR / "widget" / "free-howto.json"), SECRET, NOW)
    return replace(sample, **changes)  # type: ignore[arg-type]


def _without(header: str):
    s = _signed()
    return replace(s, headers={k: v for k, v in s.headers.items() if k != header})


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(_without("webhook-signature"), "missing webhook-signature", id="unsigned"),
        pytest.param(_without("webhook-timestamp"), "missing webhook-timestamp", id="no-timestamp"),
        pytest.param(_without("webhook-id"), "missing webhook-id", id="no-id"),
        pytest.param(
            sign_widget(load(EVENTS_DIR / "widget" / "free-howto.json"), OTHER_SECRET, NOW),
            "No matching signature",
            id="mis-signed",
        ),
        pytest.param(
            sign_widget(load(EVENTS_DIR / "widget" / "free-howto.json"), SECRET, NOW - timedelta(minutes=30)),
            "too old",
            id="stale-timestamp",
        ),
        pytest.param(
            sign_widget(load(EVENTS_DIR / "widget" / "free-howto.json"), SECRET, NOW + timedelta(minutes=30)),
            "too new",
            id="future-timestamp",
        ),
        pytest.param(_signed(body=_signed().body.replace(b"CSV", b"PDF")), "No matching signature", id="tampered-body"),
        pytest.param(
            _signed(headers={**_signed().headers, "webhook-signature": "v1"}), "malformed", id="malformed-signature"
        ),
    ],
)
def test_bad_signatures_are_rejected_with_a_reason(request_, expected):
    # WHEN a request that is not properly signed is verified
    with pytest.raises(SignatureError) as err:
        widget.verify_signature(SECRET, request_.body, request_.headers, NOW)
    # THEN the reason tells the integrator what is wrong
    assert expected in err.value.reason


@pytest.mark.parametrize(
    ("checked_at", "accepted"),
    [
        pytest.param(NOW + timedelta(minutes=4, seconds=59), True, id="just-inside-after"),
        pytest.param(NOW - timedelta(minutes=4, seconds=59), True, id="just-inside-before"),
        pytest.param(NOW + timedelta(minutes=5, seconds=1), False, id="just-too-old"),
        pytest.param(NOW - timedelta(minutes=5, seconds=1), False, id="just-too-new"),
        pytest.param(NOW + timedelta(days=400), False, id="a-year-later"),
    ],
)
def test_the_window_is_checked_against_the_clock_given_not_the_real_one(checked_at, accepted):
    # GIVEN a request signed at NOW (long ago, or far ahead, as the machine running this sees it)
    request = sign_widget(load(EVENTS_DIR / "widget" / "free-howto.json"), SECRET, NOW)
    # WHEN it is verified at ``checked_at`` THEN only the clock passed in decides
    if accepted:
        assert (
            widget.verify_signature(SECRET, request.body, request.headers, checked_at) == request.headers["webhook-id"]
        )
    else:
        with pytest.raises(SignatureError, match=r"too (old|new)"):
            widget.verify_signature(SECRET, request.body, request.headers, checked_at)


@pytest.mark.parametrize(
    ("stamp", "says"),
    [
        ("1e9", "not Unix time"),
        ("nan", "not Unix time"),
        ("-1", "not Unix time"),
        ("9" * 40, "not Unix time"),
        ("１７９５１６１６００", "not Unix time"),  # fullwidth digits: str.isdigit() says yes, isascii() no
        ("999999999999", "too new"),  # the year 33658: refused, not an overflow
        ("0", "too old"),
    ],
)
def test_a_timestamp_that_is_not_whole_unix_seconds_now_is_refused(stamp, says):
    request = _signed()
    with pytest.raises(SignatureError, match=says):
        widget.verify_signature(SECRET, request.body, {**request.headers, "webhook-timestamp": stamp}, NOW)


def test_any_of_several_signatures_may_match_during_key_rotation():
    # GIVEN a request signed with the old and the new secret, space-separated
    old = sign_widget(load(EVENTS_DIR / "widget" / "free-howto.json"), OTHER_SECRET, NOW)
    new = sign_widget(old, SECRET, NOW)
    both = f"{old.headers['webhook-signature']} {new.headers['webhook-signature']}"
    # WHEN verified with the new secret THEN it passes
    assert widget.verify_signature(SECRET, new.body, {**new.headers, "webhook-signature": both}, NOW)


def _body(**data_changes: object) -> bytes:
    body = json.loads(load(EVENTS_DIR / "widget" / "free-howto.json").body)
    body["data"].update(data_changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(_body(text=""), "data.text", id="empty-text"),
        pytest.param(_body(visitor={"email": "not-an-email"}), "data.visitor.email", id="bad-email"),
        pytest.param(_body(visitor={"phone": "555-1234"}), "data.visitor.phone", id="phone-not-e164"),
        pytest.param(_body(message_id=None), "data.message_id", id="no-message-id"),
        pytest.param(
            b'{"type": "message.deleted", "timestamp": "2026-11-20T08:00:00Z", "data": {}}', "type", id="type"
        ),
        pytest.param(b"[1, 2", None, id="not-json"),
    ],
)
def test_malformed_bodies_name_the_field(body, field):
    # WHEN a malformed body is parsed
    with pytest.raises(PayloadError) as err:
        widget.parse(body)
    # THEN the error names the field to fix
    assert err.value.field == field
    if field:
        assert err.value.reason.startswith(field)
