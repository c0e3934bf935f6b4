"""The SES receiving adapter: SNS-delivered notifications, verdict and type skips, UTF8/BASE64 content."""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.channels import ses
from chalicelib.errors import PayloadError
from chalicelib.model.event import Channel
from local.samples import all_samples

NOW = datetime(2026, 11, 20, 8, 13, tzinfo=UTC)
SAMPLES = {s.name.split("/", 1)[1]: s for s in all_samples() if s.name.startswith("ses/")}
MARCO = "CAK4f9Hm2QpL7vN1xR5tB8wZ3cE6yU0iO9aS2dF4gH7jK1lP3nQ@mail.trattoria.example"

# sample → (event id, (sender name, email), subject, thread key, text start)
EXPECTED = {
    "new-email": (
        "ses:o3vhbq8lgm1bk2ii6tgk9s3ksd5cg0vpmf6o9ng1",
        ("Marco Rossi", "marco@trattoria.example"),
        "Can’t log in — password reset emails never arrive",
        f"email:{MARCO}",
        "Hi,\n\nI can't log in since this morning",
    ),
    "mailing-list": (
        "ses:h6j2k8l4z0x5c1v7b3n9m2q6w0e4r8t1y5u3i7o9",
        ("Kim Schmidt", "kim@fabrikam.example"),
        "[vendors] Planned network maintenance Sunday 22 November, 02:00-04:00 CET",
        "email:20261120100227.GA4711@fabrikam.example",
        "Hello all,\n\nour data centre network will be down",
    ),
    "reply-base64": (
        "ses:k7p2m9q4r1s8t3u6v0w5x2y7z4a1b8c3d6e9f0g2",
        ("Marco Rossi", "marco@trattoria.example"),
        "Re: Can’t log in — password reset emails never arrive",
        f"email:{MARCO}",
        "Grazie! The reset email arrived and I'm back in. Menu aggiornato ✓\n\nMarco",
    ),
}
#: samples an SES notification carries that make no event: sample → the skip's reason
SKIPPED = {"out-of-office": "auto-reply: Auto-Submitted: auto-replied"}
#: samples that make an event but say something about answering it: sample → the signals in metadata
SIGNALS = {
    "mailing-list": {"list_id": "Fabrikam vendor announcements <vendors.lists.fabrikam.example>"},
    "reply-base64": {
        "references": f"<{MARCO}> <ticket-reply.9K3L5M7N@help.example.com>",
        "message_id": "CAK4f9Hm5TrW8yZ2bN6mQ1sD4fG7hJ0kL3zX6cV9bN2mQ5wE8rT@mail.trattoria.example",
    },
}


def message(name: str) -> str:
    """The SNS Message string: the sample's body is stored as that JSON, sent compact."""
    return SAMPLES[name].body.decode("utf-8")


def notification(name: str = "new-email") -> dict[str, Any]:
    return copy.deepcopy(json.loads(message(name)))


def handled(note: dict[str, Any]):
    return ses.handle_notification(json.dumps(note), NOW)


def test_every_sample_has_an_expectation():
    assert sorted(SAMPLES) == sorted({**EXPECTED, **SKIPPED})


@pytest.mark.parametrize("name", sorted(SKIPPED))
def test_automatic_samples_make_no_event(name):
    # WHEN an out-of-office's notification is handled
    inbound = ses.handle_notification(message(name), NOW)
    # THEN no event (no ticket, no page, nothing to answer), and the reason is said
    assert (inbound.events, inbound.skipped) == ((), (SKIPPED[name],))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_what_a_sample_says_about_answering_it_is_in_metadata(name):
    # GIVEN a sample (a list's announcement, a reply in a thread, a plain new email)
    # WHEN it is handled
    (event,) = ses.handle_notification(message(name), NOW).events
    # THEN its reply signals, and only those it has, are in the flat metadata beside the verdicts
    signals = {"auto_submitted", "precedence", "list_id", "auto_response_suppress", "x_autoreply", "references"}
    expected = SIGNALS.get(name, {})
    assert {k: v for k, v in event.metadata.items() if k in signals | set(expected)} == expected
    assert event.metadata["virus"] == "PASS" and event.metadata["spam"] == "PASS"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_maps_to_one_event(name):
    event_id, sender, subject, thread, text_start = EXPECTED[name]
    # WHEN the SNS message an SES receipt rule published is handled
    inbound = ses.handle_notification(message(name), NOW)
    # THEN one event, keyed by SES's mail.messageId and threaded by the MIME headers
    (event,) = inbound.events
    assert inbound.skipped == () and inbound.reply is None
    assert event.event_id == event_id
    assert (event.sender.name, event.sender.email) == sender
    assert event.subject == subject
    assert event.thread_key == thread
    assert event.text.startswith(text_start)
    assert event.channel is Channel.EMAIL and event.provider == "ses" and event.received_at == NOW
    assert event.metadata["spf"] == "PASS" and event.metadata["recipients"] == "support@help.example.com"


def test_the_reply_is_base64_and_joins_the_first_emails_thread():
    # GIVEN the new email (UTF8) and the reply (BASE64) samples
    assert notification("new-email")["receipt"]["action"]["encoding"] == "UTF8"
    assert notification("reply-base64")["receipt"]["action"]["encoding"] == "BASE64"
    first, reply = (ses.handle_notification(message(n), NOW).events[0] for n in ("new-email", "reply-base64"))
    # THEN both share the thread, the quote is trimmed, and the non-ASCII text survived base64
    assert first.thread_key == reply.thread_key
    assert "ha scritto" not in reply.text and "✓" in reply.text


def _with(**changes: Any) -> dict[str, Any]:
    note = notification()
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = note
        for key in parents:
            target = target[key]
        if value is None:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return note


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        pytest.param(_with(receipt__virusVerdict={"status": "FAIL"}), "virus verdict FAIL", id="virus"),
        pytest.param(_with(receipt__spamVerdict={"status": "FAIL"}), "spam verdict FAIL", id="spam"),
        pytest.param(
            {"notificationType": "AMAZON_SES_SETUP_NOTIFICATION", "receipt": {}, "mail": {}},
            "notification type 'AMAZON_SES_SETUP_NOTIFICATION': not a received email",
            id="setup-notification",
        ),
        pytest.param({"notificationType": "Bounce", "bounce": {}}, "notification type 'Bounce'", id="sending-bounce"),
        pytest.param({"Type": "SubscriptionConfirmation"}, "notification type 'None'", id="no-type"),
        pytest.param(
            _with(receipt__action={"type": "S3", "bucketName": "inbound", "objectKey": "o3vh"}, content=None),
            "action S3: the email is not in the notification",
            id="s3-action-alert",
        ),
    ],
)
def test_notifications_that_are_not_a_clean_received_email_are_skipped(note, reason):
    # WHEN such a notification arrives THEN no event, and the reason is there for the logs
    inbound = handled(note)
    assert inbound.events == ()
    assert inbound.skipped[0].startswith(reason)


def test_gray_verdicts_pass_through_as_metadata():
    event = handled(_with(receipt__spamVerdict={"status": "GRAY"}, receipt__dkimVerdict={"status": "FAIL"})).events[0]
    assert (event.metadata["spam"], event.metadata["dkim"]) == ("GRAY", "FAIL")


def _mime(headers: str, body: str = "Hello") -> str:
    return headers.replace("\n", "\r\n") + "\r\n\r\n" + body


@pytest.mark.parametrize(
    ("content", "source", "reason"),
    [
        pytest.param(
            _mime("From: Tom <tom@x.example>\nAuto-Submitted: auto-replied"),
            "tom@x.example",
            "auto-reply",
            id="auto-reply",
        ),
        pytest.param(
            _mime("From: MAILER-DAEMON@amazonses.com\nSubject: Delivery Status Notification"), "", "bounce", id="bounce"
        ),
    ],
)
def test_machine_mail_through_ses_is_skipped(content, source, reason):
    inbound = handled(_with(content=content, mail__source=source))
    assert inbound.events == () and inbound.skipped[0].startswith(reason)


def test_base64_content_is_decoded_and_a_missing_from_falls_back_to_ses_headers():
    # GIVEN a BASE64 notification whose MIME has no From (SES's commonHeaders still name the sender)
    mime = _mime("Subject: Hallo\nMessage-ID: <x1@example.org>", "Grüße aus Köln")
    note = _with(
        content=base64.b64encode(mime.encode()).decode(), receipt__action={"type": "SNS", "encoding": "BASE64"}
    )
    # WHEN handled
    event = handled(note).events[0]
    # THEN the text is decoded and the sender comes from commonHeaders
    assert event.text == "Grüße aus Köln"
    assert (event.sender.name, event.sender.email) == ("Marco Rossi", "marco@trattoria.example")
    assert event.thread_key == "email:x1@example.org"


def test_wrapped_base64_is_accepted():
    content = base64.encodebytes(_mime("From: a@example.org", "Hi " * 40).encode()).decode()
    note = _with(content=content, receipt__action={"type": "SNS", "encoding": "BASE64"})
    assert handled(note).events[0].text.startswith("Hi Hi")


@pytest.mark.parametrize(
    ("message_", "field", "reason"),
    [
        pytest.param("not json", "Message", "not JSON", id="not-json"),
        pytest.param("[1, 2]", "Message", "JSON object", id="not-an-object"),
        pytest.param(json.dumps(_with(mail__messageId=None)), "mail.messageId", "required", id="no-message-id"),
        pytest.param(
            json.dumps(_with(receipt__spamVerdict=None)), "receipt.spamVerdict", "required", id="no-spam-verdict"
        ),
        pytest.param(
            json.dumps(_with(receipt__virusVerdict={"status": "fail!"})),
            "receipt.virusVerdict.status",
            "pattern",
            id="bad-verdict",
        ),
        pytest.param(json.dumps(_with(mail__timestamp="yesterday")), "mail.timestamp", "datetime", id="bad-timestamp"),
        pytest.param(json.dumps(_with(content=None)), "content", "missing", id="no-content"),
        pytest.param(
            json.dumps(_with(content="%%%", receipt__action={"type": "SNS", "encoding": "BASE64"})),
            "content",
            "base64",
            id="content-not-base64",
        ),
        pytest.param(
            json.dumps(_with(receipt__action={"type": "SNS", "encoding": "UTF16"})),
            "receipt.action.encoding",
            "Input should be",
            id="unknown-encoding",
        ),
        pytest.param("x" * (ses.MAX_MESSAGE_CHARS + 1), "Message", "longer than", id="too-long"),
    ],
)
def test_malformed_notifications_name_the_field(message_, field, reason):
    # WHEN a malformed message arrives
    with pytest.raises(PayloadError) as err:
        ses.handle_notification(message_, NOW)
    # THEN the error names the field (the handler logs it and drops the message: a retry cannot fix it)
    assert err.value.field == field
    assert reason in err.value.reason and not err.value.retryable


def test_the_samples_are_the_sns_message_and_load_as_samples():
    # the sample format (local/samples.py) needs path and body; the body is the SNS Message, not the Lambda record
    for sample in SAMPLES.values():
        assert sample.method == "SNS" and sample.path == "/sns/ses"
        note = json.loads(sample.body)
        assert note["notificationType"] == "Received" and "Records" not in note
