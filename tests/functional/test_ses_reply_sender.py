"""SesReplySender against moto's SES v2: the raw message is sent, threaded, to the customer; errors are classified."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email import message_from_string
from email.policy import default
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError, ReadTimeoutError
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chalicelib.adapters.reply_senders import HttpReplySender, SenderConfigs, SesReplySender
from chalicelib.channels import email_reply
from chalicelib.replies.model import Outcome, ReplyKind
from tests.reply_samples import RECEIVED, TICKET, reply_to, sample

NOW = RECEIVED + timedelta(minutes=3)
REGION = "us-east-1"
CONFIG = email_reply.Config(
    from_address="Northwind Support <support@help.example.com>", support_address="support@help.example.com"
)


@pytest.fixture
def sesv2() -> Iterator[Any]:
    with mock_aws():
        # one attempt: the outbox owns retries (see SesReplySender)
        client = boto3.client("sesv2", region_name=REGION, config=BotoConfig(retries={"max_attempts": 1}))
        client.create_email_identity(EmailIdentity="help.example.com")
        yield client


def sent_messages() -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


@pytest.mark.parametrize(
    ("name", "kind", "references"),
    [
        (
            "sendgrid/reply-in-thread",
            ReplyKind.AUTO,
            "<CAJ7xq3N5m0pL8bV2tR4kW9yZfQ1sD6hG0cE3aU8iO2nX5vB7wQ@mail.gmail.example>"
            " <ticket-reply.7Q2M4KX9@help.example.com>"  # their References, kept whole
            " <CAJ7xq3Pq8Rv2nT5mW0yZ4cX1bL6sD9hF3gK7eU2iO5aN8vB0wQ@mail.gmail.example>",
        ),
        (
            "ses/reply-base64",
            ReplyKind.PERSON,
            "<CAK4f9Hm2QpL7vN1xR5tB8wZ3cE6yU0iO9aS2dF4gH7jK1lP3nQ@mail.trattoria.example>"
            " <ticket-reply.9K3L5M7N@help.example.com>"
            " <CAK4f9Hm5TrW8yZ2bN6mQ1sD4fG7hJ0kL3zX6cV9bN2mQ5wE8rT@mail.trattoria.example>",
        ),
    ],
)
def test_the_reply_is_sent_by_ses_threaded_into_the_conversation(sesv2, name, kind, references):
    # GIVEN a reply to a real inbound email (SendGrid or SES: email replies go out by SES either way)
    event = sample(name)
    reply = reply_to(event, kind=kind, text="We are on it.")
    sender = HttpReplySender(transport=_no_http(), configs=SenderConfigs(), email=SesReplySender(sesv2, CONFIG))
    # WHEN sent
    result = sender.send(reply, NOW)
    # THEN SES accepted it, and moto holds exactly the message: to the customer, threaded, Reply-To the ticket
    assert result.outcome is Outcome.SENT and result.message_id
    [message] = sent_messages()
    assert message.id == result.message_id
    assert event.sender.email in message.destinations
    mail = message_from_string(message.raw_data, policy=default)
    assert str(mail["In-Reply-To"]).strip() == f"<{event.metadata['message_id']}>"
    assert " ".join(str(mail["References"]).split()) == references
    assert str(mail["Subject"]).startswith("Re: ") and not str(mail["Subject"]).startswith("Re: Re:")
    assert mail["Reply-To"] == f"support+{TICKET}@help.example.com"
    assert mail["Auto-Submitted"] == ("auto-replied" if kind is ReplyKind.AUTO else None)
    assert mail.get_content().strip() == "We are on it."


def test_an_unverified_from_address_is_a_permanent_refusal(sesv2):
    # GIVEN a From address SES has not verified
    config = email_reply.Config(from_address="help@unverified.example", support_address="support@help.example.com")
    # WHEN sending / THEN SES's MessageRejected is recorded as permanent, in SES's words
    result = SesReplySender(sesv2, config).send(reply_to(sample("sendgrid/vip-outage")), NOW)
    assert result.outcome is Outcome.PERMANENT
    assert (result.reason or "").startswith("MessageRejected")
    assert sent_messages() == []


class ScriptedClient:
    """A sesv2 client that raises what SES (or the network) would, to classify what moto cannot produce."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def send_email(self, **kwargs: Any) -> Any:
        raise self.error


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "msg"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "SendEmail"
    )


@pytest.mark.parametrize(
    ("error", "outcome", "uncertain"),
    [
        (client_error("TooManyRequestsException", 429), Outcome.TRANSIENT, False),
        (client_error("SendingPausedException", 400), Outcome.PERMANENT, False),
        (ReadTimeoutError(endpoint_url="https://email.us-east-1.amazonaws.com"), Outcome.TRANSIENT, True),
    ],
)
def test_ses_failures_are_classified(error, outcome, uncertain):
    result = SesReplySender(ScriptedClient(error), CONFIG).send(reply_to(sample("sendgrid/vip-outage")), NOW)
    assert (result.outcome, result.uncertain) == (outcome, uncertain)


def _no_http() -> Any:
    class NoHttp:
        def send(self, request: Any) -> Any:
            raise AssertionError("an email reply must not go over HTTP")

    return NoHttp()
