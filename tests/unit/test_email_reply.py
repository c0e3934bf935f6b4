"""The email reply's MIME: threaded into the customer's conversation, Reply-To the ticket, Auto-Submitted only when automatic."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from email.policy import default

import pytest

from chalicelib.channels import email_reply
from chalicelib.channels.email_text import Headers, header_block, parse_mime
from chalicelib.channels.email_threads import automated_reason, thread_key
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.model.event import Sender
from chalicelib.replies.model import Outcome, ReplyKind
from tests.reply_samples import AUTO_TEXT, RECEIVED, TICKET, reply_to, sample

NOW = RECEIVED + timedelta(minutes=3)
CONFIG = email_reply.Config(
    from_address="Northwind Support <support@help.example.com>", support_address="support@help.example.com"
)


def mime(name: str, kind: ReplyKind = ReplyKind.AUTO, text: str = AUTO_TEXT) -> Message:
    raw = email_reply.message(reply_to(sample(name), kind=kind, text=text), CONFIG, NOW)
    return message_from_bytes(raw, policy=default)


@pytest.mark.parametrize(
    ("name", "subject", "in_reply_to", "references"),
    [
        pytest.param(
            "sendgrid/vip-outage",
            "Re: Dashboard down — investor meeting in 10 minutes",
            "<6C4D2E1A-9B7F-4C3E-A1D2-5F8E7B9C0A11@northwind.example>",
            "<6C4D2E1A-9B7F-4C3E-A1D2-5F8E7B9C0A11@northwind.example>",
            id="new-thread",
        ),
        pytest.param(
            "sendgrid/reply-in-thread",
            "Re: How do I export reports to CSV?",  # already a reply: no "Re: Re:"
            "<CAJ7xq3Pq8Rv2nT5mW0yZ4cX1bL6sD9hF3gK7eU2iO5aN8vB0wQ@mail.gmail.example>",
            "<CAJ7xq3N5m0pL8bV2tR4kW9yZfQ1sD6hG0cE3aU8iO2nX5vB7wQ@mail.gmail.example>"
            " <ticket-reply.7Q2M4KX9@help.example.com>"  # their References, kept whole
            " <CAJ7xq3Pq8Rv2nT5mW0yZ4cX1bL6sD9hF3gK7eU2iO5aN8vB0wQ@mail.gmail.example>",
            id="reply-in-thread",
        ),
        pytest.param(
            "ses/reply-base64",
            "Re: Can’t log in — password reset emails never arrive",
            "<CAK4f9Hm5TrW8yZ2bN6mQ1sD4fG7hJ0kL3zX6cV9bN2mQ5wE8rT@mail.trattoria.example>",
            "<CAK4f9Hm2QpL7vN1xR5tB8wZ3cE6yU0iO9aS2dF4gH7jK1lP3nQ@mail.trattoria.example>"
            " <ticket-reply.9K3L5M7N@help.example.com>"
            " <CAK4f9Hm5TrW8yZ2bN6mQ1sD4fG7hJ0kL3zX6cV9bN2mQ5wE8rT@mail.trattoria.example>",
            id="ses-non-ascii-subject",
        ),
    ],
)
def test_the_reply_threads_into_the_customers_conversation(name, subject, in_reply_to, references):
    # GIVEN a real inbound email / WHEN answered
    mail = mime(name)
    # THEN "Re:" once, In-Reply-To the message answered, References theirs (or the thread's root) then that message
    assert str(mail["Subject"]) == subject
    assert str(mail["In-Reply-To"]).strip() == in_reply_to  # folded onto its own line when long (RFC 5322 FWS)
    assert " ".join(str(mail["References"]).split()) == references
    # and a mail client's threading (ours, here) puts the reply in the customer's thread
    event = sample(name)
    ours = Headers.parse(header_block(mail.as_bytes()))
    assert thread_key(
        message_id=ours.get("message-id"), in_reply_to=ours.get("in-reply-to"), references=ours.get("references")
    ) == (event.thread_key if name != "sendgrid/vip-outage" else f"email:{event.metadata['message_id']}")


def test_reply_to_is_the_tickets_plus_address_so_the_answer_joins_the_ticket():
    # GIVEN our reply / WHEN the customer answers it, writing to its Reply-To
    mail = mime("sendgrid/vip-outage")
    assert mail["Reply-To"] == f"support+{TICKET}@help.example.com"
    # THEN our inbound threading files their answer under the ticket
    assert thread_key(message_id="<x@y>", recipients=[str(mail["Reply-To"])]) == f"ticket:{TICKET}"


@pytest.mark.parametrize(
    ("kind", "auto_submitted", "suppress"),
    [(ReplyKind.AUTO, "auto-replied", "All"), (ReplyKind.PERSON, None, None)],
)
def test_only_an_automatic_reply_says_it_is_automatic(kind, auto_submitted, suppress):
    # GIVEN an automatic or a person's reply / WHEN built
    mail = mime("sendgrid/vip-outage", kind=kind)
    # THEN RFC 3834's Auto-Submitted (and Exchange's suppression) only on the automatic one
    assert mail["Auto-Submitted"] == auto_submitted
    assert mail["X-Auto-Response-Suppress"] == suppress
    # and should an automatic reply come back to us (a loop), our own inbound check refuses it
    headers = Headers.parse(header_block(mail.as_bytes()))
    assert (automated_reason(headers, "support@help.example.com") is not None) is (kind is ReplyKind.AUTO)


def test_the_message_is_addressed_and_readable():
    # GIVEN a reply with non-ASCII text to a named customer
    raw = email_reply.message(reply_to(sample("sendgrid/vip-outage"), text="Grüße — it is back"), CONFIG, NOW)
    # WHEN read back as the customer's client would
    mail = parse_mime(raw)
    # THEN from our address, to the customer, dated now, the text intact; the wire stays 7-bit
    assert raw.isascii()
    assert (mail.sender_email, mail.text.strip()) == ("support@help.example.com", "Grüße — it is back")
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["To"] == "Dana Whitfield <dana@northwind.example>"
    assert parsed["Date"] == "Tue, 24 Nov 2026 08:03:00 +0000"
    assert str(parsed["Message-ID"]).endswith("@help.example.com>")


def test_the_ses_arguments_send_the_raw_message_to_the_customer():
    reply = reply_to(sample("ses/new-email"))
    args = email_reply.send_email_args(reply, CONFIG, NOW)
    assert args["FromEmailAddress"] == CONFIG.from_address
    assert args["Destination"] == {"ToAddresses": [reply.event.sender.email]}
    assert args["Content"]["Raw"]["Data"] == email_reply.message(reply, CONFIG, NOW)


def test_an_email_with_no_sender_address_cannot_be_answered():
    event = sample("sendgrid/vip-outage").model_copy(update={"sender": Sender(name="Dana")})
    with pytest.raises(UnsendableReplyError, match="no email address"):
        email_reply.message(reply_to(event), CONFIG, NOW)


@pytest.mark.parametrize(
    ("code", "status", "outcome"),
    [
        ("TooManyRequestsException", 429, Outcome.TRANSIENT),
        ("LimitExceededException", 400, Outcome.TRANSIENT),
        ("Throttling", 400, Outcome.TRANSIENT),
        ("InternalFailure", 500, Outcome.TRANSIENT),
        ("SomethingNew", 503, Outcome.TRANSIENT),
        ("MessageRejected", 400, Outcome.PERMANENT),
        ("MailFromDomainNotVerifiedException", 400, Outcome.PERMANENT),
        ("BadRequestException", 400, Outcome.PERMANENT),
        ("AccountSuspendedException", 400, Outcome.PERMANENT),
        ("SendingPausedException", 400, Outcome.PERMANENT),
        ("AccessDeniedException", 403, Outcome.PERMANENT),
    ],
)
def test_ses_errors_are_classified_by_code_then_status(code, status, outcome):
    result = email_reply.read_error(code, "why", status)
    assert result.outcome is outcome
    assert result.reason == f"{code}: why"


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Dashboard down", "Re: Dashboard down"),
        ("RE: Dashboard down", "RE: Dashboard down"),
        ("Re[2]: Dashboard down", "Re[2]: Dashboard down"),
        ("AW: Rechnung", "AW: Rechnung"),
        ("Reset\r\n  password", "Re: Reset password"),
        ("Regarding the invoice", "Re: Regarding the invoice"),
        (None, "Re: your message"),
    ],
)
def test_the_subject_gets_re_once(original, expected):
    assert email_reply.subject(original) == expected
