"""Each sender adapter's request, from real samples: method, URL, authentication and body fields (replies-wire)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.channels import meta_reply, slack_reply, twilio_reply, widget, widget_reply, x_reply
from chalicelib.channels.base import RawRequest
from chalicelib.channels.reply_wire import UnsendableReplyError
from chalicelib.model.event import Sender
from chalicelib.replies.model import ReplyKind
from tests.reply_samples import (
    AUTO_TEXT,
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
TWILIO = twilio_reply.Config(TWILIO_SID, TWILIO_TOKEN, base_url="http://127.0.0.1:9999")
SLACK = slack_reply.Config(SLACK_TOKEN)
X = x_reply.Config(X_TOKEN)
META = meta_reply.Config(META_TOKEN, META_SECRET)
WIDGET = widget_reply.Config("https://widget.example/replies", WIDGET_SECRET, author_name="Northwind support")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    "name",
    ["twilio/sms-01-urgent", "twilio/call-01-incoming", "twilio/call-04-recording", "twilio/call-05-transcription"],
)
def test_twilio_texts_the_customer_from_the_number_they_reached(name):
    # GIVEN a text, a call, or a voicemail (whose callbacks carry no "to": the thread's number pair names it)
    reply = reply_to(sample(name))
    # WHEN the Twilio adapter builds the request
    request = twilio_reply.request(reply, TWILIO, NOW)
    # THEN it is a form POST to the account's Messages resource with Basic auth, To/From/Body
    assert (request.method, request.url) == (
        "POST",
        f"http://127.0.0.1:9999/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
    )
    assert request.headers["Authorization"] == basic(TWILIO_SID, TWILIO_TOKEN)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.body.decode(), strict_parsing=True)
    assert form == {"To": ["+12125550100"], "From": ["+16465550123"], "Body": [AUTO_TEXT]}


def test_twilio_cuts_a_reply_to_the_1600_characters_a_message_may_hold():
    # GIVEN a reply longer than Twilio's Body limit
    reply = reply_to(sample("twilio/sms-01-urgent"), text="x" * 2000)
    # WHEN built
    form = parse_qs(twilio_reply.request(reply, TWILIO, NOW).body.decode())
    # THEN the body is cut to 1600 characters, the cut marked
    assert len(form["Body"][0]) == 1600 and form["Body"][0].endswith("…")


@pytest.mark.parametrize(
    ("name", "thread_ts"),
    [
        ("slack/vip-outage-shared-channel", "1795161731.000200"),  # a top-level message: its own ts starts the thread
        ("slack/thread-reply", "1795161731.000200"),  # a reply in a thread: the thread's ts, not the reply's
    ],
)
def test_slack_posts_into_the_customers_thread_with_the_bot_token(name, thread_ts):
    # GIVEN a Slack message
    reply = reply_to(sample(name))
    # WHEN built
    request = slack_reply.request(reply, SLACK, NOW)
    # THEN chat.postMessage, Bearer bot token, JSON with the channel, the text and the thread
    assert (request.method, request.url) == ("POST", "https://slack.com/api/chat.postMessage")
    assert request.headers["Authorization"] == f"Bearer {SLACK_TOKEN}"
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(request.body) == {"channel": "C08CONTOSO", "text": AUTO_TEXT, "thread_ts": thread_ts}


def test_slack_escapes_its_control_characters_so_a_reply_cannot_mention_the_channel():
    # GIVEN a reply that quotes "<!channel>" and an ampersand
    reply = reply_to(sample("slack/thread-reply"), text="R&D says <!channel> is fine")
    # WHEN built / THEN Slack's three control characters are escaped, nothing else
    assert json.loads(slack_reply.request(reply, SLACK, NOW).body)["text"] == "R&amp;D says &lt;!channel&gt; is fine"


@pytest.mark.parametrize(
    ("name", "mentions", "path", "body"),
    [
        pytest.param(
            "x/dm-pricing",
            "public",
            "/2/dm_conversations/with/987654321012345678/messages",
            {"text": AUTO_TEXT},
            id="dm",
        ),
        pytest.param(
            "x/vip-angry-mention",
            "public",
            "/2/tweets",
            {"text": AUTO_TEXT, "reply": {"in_reply_to_tweet_id": "1991234567890123456"}},
            id="mention-public",
        ),
        pytest.param(
            "x/vip-angry-mention",
            "dm_invitation",
            "/2/tweets",
            {"text": "Please DM us", "reply": {"in_reply_to_tweet_id": "1991234567890123456"}},
            id="mention-dm-invitation",
        ),
    ],
)
def test_x_answers_a_dm_by_dm_and_a_mention_as_the_settings_choose(name, mentions, path, body):
    # GIVEN a DM or a public mention, and how mentions are answered
    config = x_reply.Config(X_TOKEN, mentions=mentions, dm_invitation="Please DM us")
    # WHEN built
    request = x_reply.request(reply_to(sample(name)), config, NOW)
    # THEN the v2 endpoint, the user-context bearer token and the JSON the wire format names
    assert (request.method, request.url) == ("POST", "https://api.x.com" + path)
    assert request.headers["Authorization"] == f"Bearer {X_TOKEN}"
    assert json.loads(request.body) == body


@pytest.mark.parametrize(
    ("age", "kind", "expected"),
    [
        pytest.param(timedelta(minutes=3), ReplyKind.AUTO, {"messaging_type": "RESPONSE"}, id="auto-in-window"),
        pytest.param(
            timedelta(hours=23, minutes=59), ReplyKind.PERSON, {"messaging_type": "RESPONSE"}, id="person-23h59"
        ),
        pytest.param(
            timedelta(hours=24),
            ReplyKind.PERSON,
            {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"},
            id="person-24h-human-agent",
        ),
        pytest.param(
            timedelta(days=6, hours=23),
            ReplyKind.PERSON,
            {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"},
            id="person-6d23h-human-agent",
        ),
    ],
)
def test_meta_sends_inside_the_window_or_with_the_human_agent_tag(age, kind, expected):
    # GIVEN a Messenger message answered ``age`` after it arrived
    reply = reply_to(sample("meta/messenger-message"), kind=kind)
    # WHEN built
    request = meta_reply.request(reply, META, RECEIVED + age)
    # THEN the page's messages edge, the page token with its appsecret_proof, and the messaging type
    url = urlsplit(request.url)
    assert (request.method, url.scheme, url.netloc, url.path) == (
        "POST",
        "https",
        "graph.facebook.com",
        "/v21.0/106512345678901/messages",
    )
    proof = hmac.new(META_SECRET.encode(), META_TOKEN.encode(), hashlib.sha256).hexdigest()
    assert parse_qs(url.query) == {"access_token": [META_TOKEN], "appsecret_proof": [proof]}
    assert json.loads(request.body) == {"recipient": {"id": "4410227733"}, **expected, "message": {"text": AUTO_TEXT}}


@pytest.mark.parametrize(
    ("age", "kind"),
    [
        pytest.param(timedelta(hours=24), ReplyKind.AUTO, id="auto-after-24h"),
        pytest.param(timedelta(days=7), ReplyKind.PERSON, id="person-after-7d"),
    ],
)
def test_meta_refuses_what_its_window_does_not_allow(age, kind):
    # GIVEN an automatic reply after 24 h, or a person's after 7 days
    reply = reply_to(sample("meta/instagram-image-dm"), kind=kind)
    # WHEN built / THEN nothing is sent, with the reason the outbox records
    with pytest.raises(UnsendableReplyError, match="outside Meta's 24-hour messaging window"):
        meta_reply.request(reply, META, RECEIVED + age)


def test_widget_reply_is_a_standard_webhook_our_own_verifier_accepts():
    # GIVEN a person's reply to a widget conversation
    event = sample("widget/vip-outage")
    reply = reply_to(event, kind=ReplyKind.PERSON, text="Ana here: it is back up.", author_name="Ana Souza")
    # WHEN built
    request = widget_reply.request(reply, WIDGET, NOW)
    # THEN a POST to the backend's URL, signed so that a Standard Webhooks verifier (ours) accepts it,
    # with the reply id as webhook-id (the receiver dedups on it)
    assert (request.method, request.url) == ("POST", "https://widget.example/replies")
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["webhook-id"] == reply.reply_id
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    raw = RawRequest(method="POST", url=request.url, headers=headers, body=request.body)
    assert widget.verify_signature(WIDGET_SECRET, raw.body, raw.headers, NOW) == reply.reply_id
    assert json.loads(request.body) == {
        "type": "message.reply",
        "timestamp": "2026-11-24T08:03:00Z",
        "data": {
            "conversation_id": "conv_7f3a91",
            "reply_id": reply.reply_id,
            "in_reply_to": "wm_01JD7Q3M9X",
            "text": "Ana here: it is back up.",
            "author": {"name": "Ana Souza"},
        },
    }


def test_an_automatic_widget_reply_is_signed_by_the_configured_name():
    reply = reply_to(sample("widget/vip-outage"))
    assert json.loads(widget_reply.request(reply, WIDGET, NOW).body)["data"]["author"] == {"name": "Northwind support"}


@pytest.mark.parametrize(
    ("name", "change", "build", "reason"),
    [
        pytest.param(
            "twilio/sms-01-urgent",
            {"sender": Sender()},
            lambda r: twilio_reply.request(r, TWILIO, NOW),
            "no phone number",
            id="twilio-withheld-number",
        ),
        pytest.param(
            "twilio/call-04-recording",
            {"thread_key": "twilio:call:CA1"},
            lambda r: twilio_reply.request(r, TWILIO, NOW),
            "no company number",
            id="twilio-no-company-number",
        ),
        pytest.param(
            "slack/thread-reply",
            {"metadata": {}},
            lambda r: slack_reply.request(r, SLACK, NOW),
            "no Slack channel or thread",
            id="slack-no-thread",
        ),
        pytest.param(
            "x/dm-pricing",
            {"metadata": {"kind": "dm"}},
            lambda r: x_reply.request(r, X, NOW),
            "no X user id",
            id="x-no-user",
        ),
        pytest.param(
            "meta/messenger-message",
            {"sender": Sender()},
            lambda r: meta_reply.request(r, META, NOW),
            "no page and customer id",
            id="meta-no-psid",
        ),
        pytest.param(
            "widget/vip-outage",
            {"thread_key": None},
            lambda r: widget_reply.request(r, WIDGET, NOW),
            "no widget conversation",
            id="widget-no-conversation",
        ),
        pytest.param(
            "widget/vip-outage",
            {},
            lambda r: slack_reply.request(r, SLACK, NOW),
            "Slack answers Slack messages",
            id="wrong-channel",
        ),
    ],
)
def test_a_reply_that_cannot_be_addressed_says_why(name, change, build, reason):
    # GIVEN an event missing what its channel's reply needs
    event = sample(name).model_copy(update=change)
    # WHEN built / THEN an UnsendableReplyError names what is missing (the sender records it as permanent)
    with pytest.raises(UnsendableReplyError, match=reason):
        build(reply_to(event))


def test_an_incident_update_on_our_own_x_account_is_a_plain_post():
    # GIVEN an incident's update to be posted on our account (no customer's tweet to answer)
    post = reply_to(sample("x/vip-angry-mention"), text="We're investigating: logins fail. https://s.example/status")
    post = post.model_copy(update={"event": post.event.model_copy(update={"metadata": {"kind": "post"}})})
    # WHEN built THEN POST /2/tweets with the text alone: a standalone post, not a reply
    request = x_reply.request(post, X, NOW)
    assert (request.method, request.url) == ("POST", "https://api.x.com/2/tweets")
    assert json.loads(request.body) == {"text": "We're investigating: logins fail. https://s.example/status"}


def test_an_incident_update_answers_a_mention_in_public_even_where_mentions_get_a_dm_invitation():
    # GIVEN mentions answered with a DM invitation, and an incident's update to a customer who mentioned us
    update = reply_to(sample("x/vip-angry-mention"), kind=ReplyKind.INCIDENT, text="Resolved: all good.")
    config = x_reply.Config(X_TOKEN, mentions="dm_invitation", dm_invitation="Please DM us")
    # WHEN built THEN the update itself goes under their tweet: it is public news, nothing private
    assert json.loads(x_reply.request(update, config, NOW).body)["text"] == "Resolved: all good."
