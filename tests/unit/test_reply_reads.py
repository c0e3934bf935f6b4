"""Each sender adapter's reading of the provider's answer: sent, transient (with its wait) or permanent (replies-wire)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.channels import meta_reply, reply_wire, slack_reply, twilio_reply, widget_reply, x_reply
from chalicelib.replies.model import Outcome, SendResult

NOW = datetime(2026, 11, 24, 8, 3, tzinfo=UTC)
SENT, TRANSIENT, PERMANENT = Outcome.SENT, Outcome.TRANSIENT, Outcome.PERMANENT


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def twilio_error(code: int, status: int, message: str = "Error") -> bytes:
    return body(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    )


def meta_error(code: int, subcode: int | None = None) -> bytes:
    error = {"message": "(#x) msg", "type": "OAuthException", "code": code, "fbtrace_id": "AbC"}
    return body({"error": error | ({"error_subcode": subcode} if subcode else {})})


SID = "SM" + "a" * 32

CASES = [
    # Twilio
    pytest.param(twilio_reply, 201, {}, body({"sid": SID, "status": "queued"}), SENT, SID, None, id="twilio-201"),
    pytest.param(
        twilio_reply, 429, {"Retry-After": "7"}, twilio_error(20429, 429), TRANSIENT, None, 7.0, id="twilio-429"
    ),
    pytest.param(twilio_reply, 500, {}, b"<html>oops</html>", TRANSIENT, None, None, id="twilio-500-html"),
    pytest.param(twilio_reply, 503, {}, twilio_error(20503, 503), TRANSIENT, None, None, id="twilio-503"),
    pytest.param(twilio_reply, 400, {}, twilio_error(21211, 400), PERMANENT, None, None, id="twilio-21211"),
    pytest.param(twilio_reply, 400, {}, twilio_error(21610, 400), PERMANENT, None, None, id="twilio-21610-stop"),
    pytest.param(twilio_reply, 400, {}, twilio_error(21614, 400), PERMANENT, None, None, id="twilio-21614"),
    pytest.param(twilio_reply, 400, {}, twilio_error(21408, 400), PERMANENT, None, None, id="twilio-21408"),
    pytest.param(twilio_reply, 400, {}, twilio_error(21606, 400), PERMANENT, None, None, id="twilio-21606"),
    pytest.param(twilio_reply, 404, {}, twilio_error(20404, 404), PERMANENT, None, None, id="twilio-404"),
    pytest.param(twilio_reply, 401, {}, twilio_error(20003, 401), PERMANENT, None, None, id="twilio-401"),
    pytest.param(twilio_reply, 403, {}, twilio_error(20003, 403), PERMANENT, None, None, id="twilio-403"),
    # Slack
    pytest.param(
        slack_reply, 200, {}, body({"ok": True, "channel": "C1", "ts": "1.2"}), SENT, "1.2", None, id="slack-ok"
    ),
    pytest.param(
        slack_reply,
        429,
        {"Retry-After": "30"},
        body({"ok": False, "error": "ratelimited"}),
        TRANSIENT,
        None,
        30.0,
        id="slack-429",
    ),
    pytest.param(slack_reply, 500, {}, b"", TRANSIENT, None, None, id="slack-500"),
    pytest.param(
        slack_reply, 200, {}, body({"ok": False, "error": "internal_error"}), TRANSIENT, None, None, id="slack-internal"
    ),
    *[
        pytest.param(slack_reply, 200, {}, body({"ok": False, "error": e}), PERMANENT, None, None, id=f"slack-{e}")
        for e in (
            "channel_not_found",
            "not_in_channel",
            "is_archived",
            "invalid_auth",
            "account_inactive",
            "msg_too_long",
            "no_text",
            "restricted_action",
        )
    ],
    # X
    pytest.param(
        x_reply,
        201,
        {},
        body({"data": {"dm_conversation_id": "1-2", "dm_event_id": "77"}}),
        SENT,
        "77",
        None,
        id="x-dm-201",
    ),
    pytest.param(x_reply, 201, {}, body({"data": {"id": "88", "text": "hi"}}), SENT, "88", None, id="x-tweet-201"),
    pytest.param(
        x_reply,
        429,
        {"x-rate-limit-reset": str(int(NOW.timestamp()) + 90)},
        body({"title": "Too Many Requests"}),
        TRANSIENT,
        None,
        90.0,
        id="x-429-reset",
    ),
    pytest.param(x_reply, 429, {"Retry-After": "12"}, b"", TRANSIENT, None, 12.0, id="x-429-retry-after"),
    pytest.param(x_reply, 503, {}, b"", TRANSIENT, None, None, id="x-503"),
    *[
        pytest.param(
            x_reply,
            status,
            {},
            body(
                {
                    "title": "Forbidden",
                    "detail": "You are not permitted to send a DM to this user",
                    "type": "about:blank",
                }
            ),
            PERMANENT,
            None,
            None,
            id=f"x-{status}",
        )
        for status in (400, 401, 403, 404)
    ],
    # Meta
    pytest.param(
        meta_reply, 200, {}, body({"recipient_id": "1", "message_id": "m_1"}), SENT, "m_1", None, id="meta-200"
    ),
    *[
        pytest.param(meta_reply, 400, {}, meta_error(c), TRANSIENT, None, None, id=f"meta-{c}")
        for c in (4, 17, 32, 613, 1, 2)
    ],
    pytest.param(meta_reply, 500, {}, b"", TRANSIENT, None, None, id="meta-500"),
    pytest.param(meta_reply, 400, {}, meta_error(10, 2018278), PERMANENT, None, None, id="meta-outside-window"),
    *[pytest.param(meta_reply, 400, {}, meta_error(c), PERMANENT, None, None, id=f"meta-{c}") for c in (551, 100, 190)],
    # the widget backend
    pytest.param(widget_reply, 202, {}, b"", SENT, None, None, id="widget-202"),
    pytest.param(widget_reply, 204, {}, b"", SENT, None, None, id="widget-204"),
    pytest.param(widget_reply, 410, {}, b"", PERMANENT, None, None, id="widget-410-closed"),
    pytest.param(widget_reply, 400, {}, body({"error": "bad"}), PERMANENT, None, None, id="widget-400"),
    pytest.param(widget_reply, 404, {}, b"", PERMANENT, None, None, id="widget-404"),
    pytest.param(widget_reply, 408, {}, b"", TRANSIENT, None, None, id="widget-408"),
    pytest.param(
        widget_reply,
        429,
        {"Retry-After": "Tue, 24 Nov 2026 08:05:00 GMT"},
        b"",
        TRANSIENT,
        None,
        120.0,
        id="widget-429-http-date",
    ),
    pytest.param(widget_reply, 502, {}, b"", TRANSIENT, None, None, id="widget-502"),
    pytest.param(
        widget_reply, 301, {"Location": "https://elsewhere"}, b"", PERMANENT, None, None, id="widget-redirect"
    ),
]


@pytest.mark.parametrize(("adapter", "status", "headers", "answer", "outcome", "message_id", "wait"), CASES)
def test_each_answer_is_classified_as_the_wire_format_says(adapter, status, headers, answer, outcome, message_id, wait):
    # GIVEN a provider's answer
    # WHEN its adapter reads it
    result: SendResult = adapter.read(status, headers, answer, NOW)
    # THEN sent with the provider's id, or transient with the wait the provider asked for, or permanent with a reason
    assert (result.outcome, result.message_id, result.retry_after) == (outcome, message_id, wait)
    assert result.uncertain is False
    if outcome is not SENT:
        assert result.reason


@pytest.mark.parametrize(
    ("adapter", "answer", "words"),
    [
        (twilio_reply, twilio_error(21610, 400, "Attempt to send to unsubscribed recipient"), "21610: Attempt to send"),
        (slack_reply, body({"ok": False, "error": "is_archived"}), "is_archived"),
        (
            x_reply,
            body({"title": "Forbidden", "detail": "You are not permitted to send a DM"}),
            "not permitted to send a DM",
        ),
        (meta_reply, meta_error(10, 2018278), "outside Meta's 24-hour messaging window"),
    ],
)
def test_a_permanent_refusal_keeps_the_providers_reason(adapter, answer, words):
    status = 200 if adapter is slack_reply else 400 if adapter is not x_reply else 403
    # GIVEN / WHEN a refusal is read / THEN its reason is in the provider's words, for the ticket's timeline
    assert words in (adapter.read(status, {}, answer, NOW).reason or "")


def test_a_slack_200_that_cannot_be_read_may_have_posted_the_message():
    # GIVEN a 200 whose body is not Slack's JSON (a proxy's page) / WHEN read
    result = slack_reply.read(200, {}, b"<html>", NOW)
    # THEN retry, but count the possible duplicate
    assert (result.outcome, result.uncertain) == (TRANSIENT, True)


@pytest.mark.parametrize(
    ("value", "now", "expected"),
    [
        ("120", NOW, 120.0),
        ("0", NOW, 0.0),
        ("1.5", NOW, 1.5),
        ("Tue, 24 Nov 2026 08:04:00 GMT", NOW, 60.0),
        ("Tue, 24 Nov 2026 08:00:00 GMT", NOW, 0.0),  # already past: retry now
        ("Tue, 24 Nov 2026 08:04:00 GMT", None, None),  # a date needs the clock
        ("soon", NOW, None),
        ("-5", NOW, None),
        ("999999999", NOW, None),  # years: not a rate limit we wait out to the second
        ("", NOW, None),
    ],
)
def test_retry_after_reads_seconds_or_an_http_date(value, now, expected):
    assert reply_wire.retry_after({"retry-after": value}, now) == expected


@pytest.mark.parametrize(
    ("reset", "expected"),
    [(str(int(NOW.timestamp()) + 30), 30.0), (str(int(NOW.timestamp()) - 30), 0.0), ("tomorrow", None), (None, None)],
)
def test_x_rate_limit_reset_is_epoch_seconds_measured_from_now(reset, expected):
    assert reply_wire.epoch_wait(reset, NOW) == expected
