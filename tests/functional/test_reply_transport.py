"""The urllib3 transport and HttpReplySender against a real loopback server: success, 429, timeout, refused."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import urllib3

from chalicelib.adapters.provider_http import UrllibTransport
from chalicelib.adapters.reply_senders import HttpReplySender, SenderConfigs
from chalicelib.channels import slack_reply, twilio_reply
from chalicelib.replies.model import HttpRequest, Outcome, SendResult
from tests.reply_samples import (
    RECEIVED,
    SLACK_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    Script,
    capture_server,
    reply_to,
    sample,
)

NOW = RECEIVED + timedelta(minutes=3)
#: short enough that the held request times out quickly; the outcome, not the time, is asserted
QUICK = urllib3.Timeout(connect=1.0, read=0.3)


def sender(url: str, timeout: urllib3.Timeout = QUICK) -> HttpReplySender:
    configs = SenderConfigs(
        twilio=twilio_reply.Config(TWILIO_SID, TWILIO_TOKEN, base_url=url),
        slack=slack_reply.Config(SLACK_TOKEN, base_url=url + "/api"),
    )
    return HttpReplySender(UrllibTransport(urllib3.PoolManager(), timeout=timeout), configs)


def test_a_reply_is_sent_and_the_providers_id_recorded():
    with capture_server() as server:
        # GIVEN Twilio's stand-in accepts the message
        server.script = Script(201, json.dumps({"sid": "SM" + "1" * 32, "status": "queued"}).encode())
        # WHEN a reply to a text is sent over the real transport
        result = sender(server.url).send(reply_to(sample("twilio/sms-01-urgent")), NOW)
        # THEN one POST reached the Messages resource, and the sid came back
        assert result == SendResult.sent("SM" + "1" * 32)
        [request] = server.requests
        assert (request.method, request.path) == ("POST", f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json")
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"


def test_a_429_is_transient_with_the_providers_retry_after_and_is_not_retried_here():
    with capture_server() as server:
        # GIVEN Slack's stand-in is rate limiting
        server.script = Script(429, b'{"ok": false, "error": "ratelimited"}', {"Retry-After": "30"})
        # WHEN a reply is sent
        result = sender(server.url).send(reply_to(sample("slack/thread-reply")), NOW)
        # THEN transient with Slack's wait, after exactly one request (the outbox owns retries)
        assert (result.outcome, result.retry_after, result.uncertain) == (Outcome.TRANSIENT, 30.0, False)
        assert len(server.requests) == 1


def test_a_timeout_after_sending_is_transient_and_uncertain():
    with capture_server() as server:
        # GIVEN a provider that takes the request and never answers
        server.script = Script(hold=True)
        # WHEN a reply is sent
        result = sender(server.url).send(reply_to(sample("twilio/sms-01-urgent")), NOW)
        # THEN retry later, flagged: Twilio may have sent the SMS, so a retry may duplicate it
        assert (result.outcome, result.uncertain) == (Outcome.TRANSIENT, True)
        assert len(server.requests) == 1


def test_a_refused_connection_is_transient_and_certainly_not_sent():
    # GIVEN a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # WHEN a reply is sent there
    result = sender(f"http://127.0.0.1:{port}").send(reply_to(sample("twilio/sms-01-urgent")), NOW)
    # THEN retry later, and no duplicate is possible
    assert (result.outcome, result.uncertain) == (Outcome.TRANSIENT, False)
    assert "could not connect" in (result.reason or "")


def test_the_transport_follows_no_redirect_and_keeps_the_answer():
    with capture_server() as server:
        server.script = Script(302, b"moved", {"Location": "http://127.0.0.1:1/elsewhere", "X-Trace": "abc"})
        answer = UrllibTransport(timeout=QUICK).send(HttpRequest("POST", server.url + "/hook", {}, b"{}"))
        assert (answer.status, answer.body, answer.headers["x-trace"]) == (302, b"moved", "abc")
        assert len(server.requests) == 1
