"""Our Twilio and Slack requests match what the providers' own SDKs send for the same message (issue 12, point 6).

Both go to one capturing loopback server: ours through HttpReplySender and the urllib3 transport, the SDK's
through its own HTTP client pointed there by its supported settings (Twilio's domain ``base_url``, Slack's
``WebClient(base_url=…)``). Compared parsed, not byte for byte: header order and case differ between clients.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from slack_sdk import WebClient
from twilio.rest import Client as TwilioClient  # type: ignore[import-untyped]

from chalicelib.adapters.provider_http import UrllibTransport
from chalicelib.adapters.reply_senders import HttpReplySender, SenderConfigs
from chalicelib.channels import slack_reply, twilio_reply
from chalicelib.replies.model import Outcome, ReplyKind
from tests.reply_samples import (
    RECEIVED,
    SLACK_TOKEN,
    TWILIO_SID,
    TWILIO_TOKEN,
    Captured,
    Script,
    capture_server,
    reply_to,
    sample,
)

NOW = RECEIVED + timedelta(minutes=3)
TEXT = "Hi, this is Ana from Northwind. We see the outage and are fixing it now. Ünïcode and 100% sure."
SID = "SM" + "0123456789abcdef" * 2


def media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def comparable(request: Captured, form: bool) -> dict[str, object]:
    body = parse_qs(request.body.decode(), strict_parsing=True) if form else json.loads(request.body)
    return {
        "method": request.method,
        "path": request.path,
        "authorization": request.headers.get("authorization"),
        "content_type": media_type(request.headers),
        "body": body,
    }


@pytest.mark.parametrize(
    "name",
    ["twilio/sms-01-urgent", "twilio/sms-03-non-ascii", "twilio/call-01-incoming", "twilio/call-05-transcription"],
)
def test_our_sms_is_the_request_twilios_sdk_sends(name):
    reply = reply_to(sample(name), kind=ReplyKind.PERSON, text=TEXT)
    with capture_server() as server:
        server.script = Script(201, json.dumps({"sid": SID, "status": "queued", "account_sid": TWILIO_SID}).encode())
        # GIVEN our sender and Twilio's own client, both pointed at the capturing server
        ours = HttpReplySender(
            UrllibTransport(), SenderConfigs(twilio=twilio_reply.Config(TWILIO_SID, TWILIO_TOKEN, base_url=server.url))
        )
        sdk = TwilioClient(TWILIO_SID, TWILIO_TOKEN)
        sdk.api.base_url = server.url  # the API domain's base URL: every v2010 resource is built from it
        # WHEN each sends the same SMS (to the customer, from the number they reached)
        result = ours.send(reply, NOW)
        to, from_ = twilio_reply.addresses(reply.event)
        message = sdk.messages.create(to=to, from_=from_, body=TEXT)
        # THEN both succeeded, and the requests agree in method, path, Basic auth, content type and fields
        assert (result.outcome, result.message_id, message.sid) == (Outcome.SENT, SID, SID)
        mine, theirs = server.requests
        assert comparable(mine, form=True) == comparable(theirs, form=True)
        assert comparable(mine, form=True)["body"] == {"To": [to], "From": [from_], "Body": [TEXT]}


@pytest.mark.parametrize("name", ["slack/vip-outage-shared-channel", "slack/thread-reply", "slack/app-mention"])
def test_our_slack_reply_is_the_request_slack_sdk_sends(name):
    reply = reply_to(sample(name), text=TEXT)
    with capture_server() as server:
        server.script = Script(
            200, json.dumps({"ok": True, "channel": "C08CONTOSO", "ts": "1795162999.000100"}).encode()
        )
        # GIVEN our sender and slack_sdk's WebClient, both pointed at the capturing server
        ours = HttpReplySender(
            UrllibTransport(), SenderConfigs(slack=slack_reply.Config(SLACK_TOKEN, base_url=server.url + "/api"))
        )
        sdk = WebClient(token=SLACK_TOKEN, base_url=server.url + "/api/")
        # WHEN each posts the reply into the customer's thread
        result = ours.send(reply, NOW)
        metadata = reply.event.metadata
        thread_ts = metadata.get("thread_ts") or metadata["ts"]
        answer = sdk.chat_postMessage(channel=metadata["channel"], text=TEXT, thread_ts=thread_ts)
        # THEN both succeeded, and the requests agree in method, path, bearer token, content type and JSON fields
        assert (result.outcome, result.message_id, answer["ts"]) == (
            Outcome.SENT,
            "1795162999.000100",
            "1795162999.000100",
        )
        mine, theirs = server.requests
        assert comparable(mine, form=False) == comparable(theirs, form=False)
