"""HttpReplySender: each reply to its channel's adapter, the transport's failures classified, nothing raised."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from chalicelib.adapters.reply_senders import HttpReplySender, SenderConfigs
from chalicelib.channels import meta_reply, slack_reply, twilio_reply, widget_reply, x_reply
from chalicelib.errors import DependencyError
from chalicelib.model.event import Sender
from chalicelib.replies.model import HttpAnswer, HttpRequest, Outcome, Reply, SendResult, TransportError
from tests.reply_samples import (
    META_SECRET,
    META_TOKEN,
    RECEIVED,
    SLACK_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    WIDGET_SECRET,
    X_TOKEN,
    reply_to,
    sample,
)

NOW = RECEIVED + timedelta(minutes=3)
CONFIGS = SenderConfigs(
    twilio=twilio_reply.Config(TWILIO_SID, TWILIO_TOKEN),
    slack=slack_reply.Config(SLACK_TOKEN),
    x=x_reply.Config(X_TOKEN),
    meta=meta_reply.Config(META_TOKEN, META_SECRET),
    widget=widget_reply.Config("https://widget.example/replies", WIDGET_SECRET),
)


@dataclass
class FakeTransport:
    """Answers each request with the next scripted answer (or raises the scripted TransportError)."""

    answers: list[HttpAnswer | TransportError] = field(default_factory=list)
    sent: list[HttpRequest] = field(default_factory=list)

    def send(self, request: HttpRequest) -> HttpAnswer:
        self.sent.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, TransportError):
            raise answer
        return answer


@dataclass
class FakeEmailSender:
    replies: list[Reply] = field(default_factory=list)

    def send(self, reply: Reply, now) -> SendResult:
        self.replies.append(reply)
        return SendResult.sent("ses-id")


def answer(status: int, body: object, headers: dict[str, str] | None = None) -> HttpAnswer:
    return HttpAnswer(status=status, headers=headers or {}, body=json.dumps(body).encode())


@pytest.mark.parametrize(
    ("name", "url", "ok", "message_id"),
    [
        (
            "twilio/sms-01-urgent",
            f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
            answer(201, {"sid": "SM1"}),
            "SM1",
        ),
        (
            "twilio/call-05-transcription",
            f"https://api.twilio.com/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
            answer(201, {"sid": "SM2"}),
            "SM2",
        ),
        ("slack/thread-reply", "https://slack.com/api/chat.postMessage", answer(200, {"ok": True, "ts": "9.1"}), "9.1"),
        (
            "x/dm-pricing",
            "https://api.x.com/2/dm_conversations/with/987654321012345678/messages",
            answer(201, {"data": {"dm_event_id": "5"}}),
            "5",
        ),
        (
            "meta/messenger-message",
            "https://graph.facebook.com/v21.0/106512345678901/messages",
            answer(200, {"message_id": "m_1"}),
            "m_1",
        ),
        ("widget/vip-outage", "https://widget.example/replies", HttpAnswer(202, {}, b""), None),
    ],
)
def test_each_channel_goes_to_its_providers_api(name, url, ok, message_id):
    # GIVEN a sender over a transport that accepts
    transport = FakeTransport([ok])
    sender = HttpReplySender(transport, CONFIGS)
    # WHEN a reply to a real sample is sent
    result = sender.send(reply_to(sample(name)), NOW)
    # THEN one request went to that channel's API, and the provider's id came back
    assert [r.url.split("?")[0] for r in transport.sent] == [url]
    assert result == SendResult.sent(message_id)


@pytest.mark.parametrize(
    ("error", "uncertain"),
    [
        (TransportError("could not connect to api.twilio.com: NewConnectionError", sent=False), False),
        (TransportError("api.twilio.com did not answer in time (the request was sent)", sent=True), True),
    ],
)
def test_no_answer_is_transient_and_uncertain_when_the_request_went_out(error, uncertain):
    # GIVEN a transport that got no answer
    sender = HttpReplySender(FakeTransport([error]), CONFIGS)
    # WHEN sending
    result = sender.send(reply_to(sample("twilio/sms-01-urgent")), NOW)
    # THEN retry later; a request that may have reached Twilio is flagged as a possible duplicate
    assert (result.outcome, result.uncertain, result.reason) == (Outcome.TRANSIENT, uncertain, error.reason)


def test_a_provider_429_comes_back_with_its_wait():
    transport = FakeTransport([answer(429, {"ok": False, "error": "ratelimited"}, {"retry-after": "30"})])
    result = HttpReplySender(transport, CONFIGS).send(reply_to(sample("slack/thread-reply")), NOW)
    assert (result.outcome, result.retry_after) == (Outcome.TRANSIENT, 30.0)


@pytest.mark.parametrize(
    ("reply", "configs", "reason"),
    [
        pytest.param(
            reply_to(sample("twilio/sms-01-urgent").model_copy(update={"sender": Sender()})),
            CONFIGS,
            "no phone number to text",
            id="unaddressable",
        ),
        pytest.param(
            reply_to(sample("meta/messenger-message")), SenderConfigs(), "meta replies are not configured", id="off"
        ),
        pytest.param(
            reply_to(sample("sendgrid/vip-outage")), CONFIGS, "email replies are not configured", id="no-email"
        ),
        pytest.param(
            reply_to(sample("widget/vip-outage")),
            SenderConfigs(widget=widget_reply.Config("https://w.example", "not base64!")),
            "not a Standard Webhooks secret",
            id="bad-secret",
        ),
    ],
)
def test_what_cannot_be_sent_is_permanent_and_nothing_goes_out(reply, configs, reason):
    # GIVEN a reply its channel cannot carry, or a channel that is off or misconfigured
    transport = FakeTransport()
    # WHEN sending
    result = HttpReplySender(transport, configs).send(reply, NOW)
    # THEN a permanent result naming why, and no request
    assert result.outcome is Outcome.PERMANENT
    assert reason in (result.reason or "")
    assert transport.sent == []


def test_meta_outside_its_window_is_refused_without_a_request():
    transport = FakeTransport()
    result = HttpReplySender(transport, CONFIGS).send(
        reply_to(sample("meta/messenger-message")), RECEIVED + timedelta(days=2)
    )
    assert result == SendResult.permanent("outside Meta's 24-hour messaging window")
    assert transport.sent == []


def test_email_goes_to_the_email_sender_whichever_provider_it_came_by():
    # GIVEN an HTTP sender with an email sender beside it
    email = FakeEmailSender()
    sender = HttpReplySender(FakeTransport(), CONFIGS, email=email)
    # WHEN replies to a SendGrid and an SES email are sent / THEN both go by the email sender
    for name in ("sendgrid/vip-outage", "ses/new-email"):
        assert sender.send(reply_to(sample(name)), NOW) == SendResult.sent("ses-id")
    assert [r.event.provider for r in email.replies] == ["sendgrid", "ses"]


def test_credentials_are_read_when_first_needed_and_an_unreachable_store_is_transient():
    # GIVEN the Slack token comes from a secret store that is down
    def token() -> slack_reply.Config:
        raise DependencyError("SSM GetParameter failed: throttled")

    transport = FakeTransport()
    sender = HttpReplySender(transport, SenderConfigs(slack=token))
    # WHEN a Slack reply is sent / THEN retry later, nothing sent
    result = sender.send(reply_to(sample("slack/thread-reply")), NOW)
    assert (result.outcome, result.reason) == (Outcome.TRANSIENT, "SSM GetParameter failed: throttled")
    assert transport.sent == []
