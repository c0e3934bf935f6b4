"""The reply guard on real payloads from events/, parsed by the adapters: who is never answered automatically, and when."""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.channels import ses
from chalicelib.channels.email_text import parse_mime, to_event
from chalicelib.model.event import SupportEvent
from chalicelib.replies.guard import refusal, window_refusal, within_window
from chalicelib.replies.policy import ReplyPolicy
from chalicelib.routing.loader import load_rules
from local.samples import EVENTS_DIR, SampleRequest, load

NOW = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
BASE_URL = "https://switchboard.test"
#: the shipped rules' policy: every channel on, our support line, address and accounts never answered
SHIPPED = load_rules().replies


def sample(name: str, *swaps: tuple[str, str]) -> SampleRequest:
    """A sample from events/, with text swapped in its body (a real payload, one field changed)."""
    request = load(EVENTS_DIR / f"{name}.json")
    body = request.body.decode("utf-8")
    for old, new in swaps:
        assert old in body, f"{name}: {old!r} is not in the sample"
        body = body.replace(old, new)
    return replace(request, body=body.encode("utf-8"))


def events(request: SampleRequest) -> tuple[SupportEvent, ...]:
    """What the provider's adapter makes of the sample (verification is the route's, and not the point here)."""
    if request.provider == "ses":
        return ses.handle_notification(request.body.decode("utf-8"), NOW).events
    adapter = importlib.import_module(f"chalicelib.channels.{request.provider}")
    return tuple(adapter.handle(request.as_raw(BASE_URL), NOW).events)


def event(request: SampleRequest) -> SupportEvent:
    (only, *_) = events(request)
    return only


@pytest.mark.parametrize(
    ("request_", "policy", "expected"),
    [
        # people writing in: answered
        pytest.param(sample("sendgrid/free-howto"), SHIPPED, None, id="a-customer-email"),
        pytest.param(sample("ses/new-email"), SHIPPED, None, id="a-customer-email-by-ses"),
        pytest.param(sample("ses/reply-base64"), SHIPPED, None, id="a-reply-in-the-thread"),
        pytest.param(sample("twilio/sms-01-urgent"), SHIPPED, None, id="a-customer-text"),
        pytest.param(sample("widget/vip-outage"), SHIPPED, None, id="the-widget"),
        pytest.param(sample("x/vip-angry-mention"), SHIPPED, None, id="an-x-mention"),
        # lists and bulk mail: an answer would reach every subscriber
        pytest.param(
            sample("sendgrid/newsletter"), SHIPPED, "not answered: a mailing list (List-Id)", id="a-newsletter"
        ),
        pytest.param(sample("ses/mailing-list"), SHIPPED, "not answered: a mailing list (List-Id)", id="a-list"),
        # STOP: the text itself opts out
        pytest.param(sample("twilio/sms-04-stop"), SHIPPED, "not answered: the customer opted out (STOP)", id="stop"),
        pytest.param(
            sample("twilio/sms-04-stop", ("&OptOutType=STOP", ""), ("Body=Stop", "Body=QUIT")),
            SHIPPED,
            "not answered: the customer opted out (STOP)",
            id="quit-without-advanced-opt-out",
        ),
        # our own line and address: a loop between our numbers, or our own mail bounced back in
        pytest.param(
            sample("twilio/sms-01-urgent", ("From=%2B12125550100", "From=%2B16465550123")),
            SHIPPED,
            "not answered: our own number",
            id="our-own-number",
        ),
        pytest.param(
            sample("sendgrid/free-howto", ("sam.lee@gmail.example", "support@help.example.com")),
            SHIPPED,
            "not answered: our own address",
            id="our-own-address",
        ),
        pytest.param(
            sample("x/vip-angry-mention"),
            ReplyPolicy.build(never_answer=["x:dana_northwind"]),
            "not answered: our own account",
            id="an-account-listed-as-ours",
        ),
        # a channel turned off in the rules
        pytest.param(
            sample("twilio/sms-01-urgent"),
            ReplyPolicy.build(channels={"sms": False}),
            "not answered: automatic replies on sms are off in the rules",
            id="sms-off",
        ),
        pytest.param(
            sample("sendgrid/free-howto"), ReplyPolicy.build(channels={"sms": False}), None, id="only-that-channel"
        ),
    ],
)
def test_who_is_never_answered_automatically(request_, policy, expected):
    # GIVEN a provider's real payload, mapped by its adapter
    mapped = event(request_)
    # WHEN the guard is asked about an automatic reply THEN the reason for the timeline, or None
    assert refusal(mapped, policy) == expected


@pytest.mark.parametrize("name", ["sendgrid/out-of-office", "ses/out-of-office"])
def test_an_out_of_office_makes_no_event_at_all(name):
    # GIVEN an out-of-office answering our reply WHEN its adapter maps it THEN nothing to triage or answer
    assert events(sample(name)) == ()


def test_an_out_of_office_that_reached_the_guard_would_be_refused():
    # GIVEN the SES out-of-office's MIME mapped by the email mapping every email adapter uses (skips aside)
    note = json.loads(sample("ses/out-of-office").body)
    mail = parse_mime(note["content"].encode("utf-8"))
    mapped = to_event(mail, event_id="ses:ooo", provider="ses", received_at=NOW)
    # THEN it carries the RFC 3834 signals, and the guard refuses it on the first of them
    assert mapped.metadata["auto_submitted"] == "auto-replied"
    assert mapped.metadata["auto_response_suppress"] == "All"
    assert refusal(mapped, SHIPPED) == "not answered: an automatic email (Auto-Submitted: auto-replied)"


CUSTOMER_EMAIL = event(sample("ses/new-email"))


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param({"x_autoreply": "X-Autorespond"}, "an automatic email (X-Autorespond)", id="x-autorespond"),
        pytest.param(
            {"auto_response_suppress": "OOF, AutoReply"},
            "the sender asks for no automatic replies (X-Auto-Response-Suppress: OOF, AutoReply)",
            id="auto-response-suppress",
        ),
        pytest.param({"auto_response_suppress": "DR, RN"}, None, id="suppressing-receipts-only"),
        pytest.param({"precedence": "bulk"}, "bulk mail (Precedence: bulk)", id="precedence-bulk"),
        pytest.param({"list_id": "List-Unsubscribe"}, "a mailing list (List-Unsubscribe)", id="unsubscribe-link"),
        pytest.param({"spam": "FAIL"}, "marked as spam by SES", id="ses-spam"),
        pytest.param({"spam": "GRAY"}, None, id="ses-unsure"),
        pytest.param({"virus": "FAIL"}, "marked as carrying a virus by SES", id="ses-virus"),
    ],
)
def test_what_an_email_says_decides(metadata, expected):
    # GIVEN a customer's email with one more signal in its metadata
    mapped = CUSTOMER_EMAIL.model_copy(update={"metadata": {**CUSTOMER_EMAIL.metadata, **metadata}})
    # THEN the guard names that signal, or lets the reply go
    assert refusal(mapped, SHIPPED) == (None if expected is None else f"not answered: {expected}")


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        pytest.param("6.2", "not answered: marked as spam by SendGrid (spam score 6.2, 5 or more is spam)", id="spam"),
        pytest.param("5.0", "not answered: marked as spam by SendGrid (spam score 5, 5 or more is spam)", id="at-5"),
        pytest.param("4.9", None, id="below"),
        pytest.param("nan", None, id="not-a-number"),
        pytest.param("", None, id="no-spam-check"),
    ],
)
def test_sendgrids_spam_score(score, expected):
    # GIVEN SendGrid's sample with the spam score its spam check wrote
    mapped = event(
        sample("sendgrid/free-howto", ('name="spam_score"\r\n\r\n0.011', f'name="spam_score"\r\n\r\n{score}'))
    )
    # THEN 5.0 or more (SpamAssassin's threshold, which SendGrid quotes) is spam
    assert refusal(mapped, SHIPPED) == expected


def test_a_number_that_texted_stop_earlier_is_not_answered():
    # GIVEN a customer's text, and the opt-out records saying the number texted STOP before
    mapped = event(sample("twilio/sms-01-urgent"))
    # THEN refused while opted out, answered once they have opted back in
    assert refusal(mapped, SHIPPED, opted_out=True) == (
        "not answered: the customer opted out (texted STOP earlier, and not START since)"
    )
    assert refusal(mapped, SHIPPED, opted_out=False) is None


def test_start_is_not_a_refusal():
    mapped = event(sample("twilio/sms-04-stop", ("&OptOutType=STOP", ""), ("Body=Stop", "Body=UNSTOP")))
    assert mapped.metadata["opt_out"] == "start"
    assert refusal(mapped, SHIPPED) is None


DAY = ReplyPolicy.build(once_per_thread=timedelta(hours=24))
KOLKATA = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("last", "now", "policy", "within"),
    [
        pytest.param(None, NOW, DAY, False, id="never-answered"),
        pytest.param(NOW - timedelta(minutes=1), NOW, DAY, True, id="a-minute-ago"),
        pytest.param(NOW - timedelta(hours=23, minutes=59), NOW, DAY, True, id="just-inside"),
        pytest.param(NOW - timedelta(hours=24), NOW, DAY, False, id="exactly-a-day-later"),
        pytest.param(NOW - timedelta(hours=25), NOW, DAY, False, id="a-day-and-an-hour"),
        pytest.param(NOW + timedelta(minutes=2), NOW, DAY, True, id="recorded-after-now"),
        # the same instants written in zones far from UTC: the window is elapsed time, not the local clock
        pytest.param(
            datetime(2026, 11, 20, 13, 0, tzinfo=KOLKATA),
            datetime(2026, 11, 20, 2, 0, tzinfo=NEW_YORK),
            DAY,
            True,
            id="kolkata-to-new-york-23h30",
        ),
        # across the end of daylight saving time in New York (1 Nov 2026): 24 hours elapsed, 23 on the wall clock
        pytest.param(
            datetime(2026, 10, 31, 12, 0, tzinfo=NEW_YORK),
            datetime(2026, 11, 1, 11, 0, tzinfo=NEW_YORK),
            DAY,
            False,
            id="across-dst-24h-elapsed",
        ),
        pytest.param(
            NOW - timedelta(hours=2), NOW, ReplyPolicy.build(once_per_thread=timedelta(hours=1)), False, id="1h-window"
        ),
    ],
)
def test_one_automatic_reply_per_thread_per_window(last, now, policy, within):
    # WHEN the thread's last automatic reply is compared with now THEN within the rules' window or not
    assert within_window(last, now, policy) is within
    assert (window_refusal(last, now, policy) is not None) is within


def test_the_window_refusal_says_the_window():
    assert window_refusal(NOW - timedelta(hours=3), NOW, SHIPPED) == (
        "not answered: this conversation had an automatic reply in the last 24h"
    )
    ninety = ReplyPolicy.build(once_per_thread=timedelta(minutes=90))
    assert (
        window_refusal(NOW, NOW, ninety) == "not answered: this conversation had an automatic reply in the last 1h 30m"
    )
