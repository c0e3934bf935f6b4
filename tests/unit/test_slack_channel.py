"""The Slack adapter: v0 signatures (checked against slack_sdk), the URL handshake, message mapping and skips."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.channels import slack
from chalicelib.channels.base import RawRequest, Reply
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel
from local.samples import EVENTS_DIR, SampleRequest, load
from local.signers.slack import LOCAL_SECRET, sign
from tests.channel_expectations import Expected, assert_yields

NOW = datetime(2026, 11, 20, 8, 3, 0, tzinfo=UTC)
SAMPLES = [load(p) for p in sorted((EVENTS_DIR / "slack").glob("*.json"))]
BASE_URL = "https://api.switchboard.example"


def raw(sample: SampleRequest) -> RawRequest:
    return sample.as_raw(BASE_URL)


def signed(name: str = "vip-outage-shared-channel", at: datetime = NOW, secret: str = LOCAL_SECRET) -> RawRequest:
    return raw(sign(load(EVENTS_DIR / "slack" / f"{name}.json"), secret, at, BASE_URL))


VIP = ("slack:C08CONTOSO:1795161731.000200", "slack:C08CONTOSO:1795161731.000200", "slack:U04C0NT0S0")
EXPECTED = {
    "vip-outage-shared-channel": Expected(events=(VIP,)),
    "vip-outage-shared-channel-retry": Expected(events=(VIP,)),
    "thread-reply": Expected(
        events=(("slack:C08CONTOSO:1795162050.000400", "slack:C08CONTOSO:1795161731.000200", "slack:U04C0NT0S0"),)
    ),
    "app-mention": Expected(
        events=(("slack:C08SAKURA1:1795162262.000500", "slack:C08SAKURA1:1795162262.000500", "slack:U06SAKURA1"),)
    ),
    "url-verification": Expected(
        reply=Reply(200, {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    ),
    "bot-message": Expected(skipped=("Ev08BOTMSG01: bot message (B05DEPLOY01)",)),
    "own-app-reply": Expected(skipped=("Ev08OWNREP01: our own app's message",)),
    "message-changed": Expected(skipped=("subtype 'message_changed' is not a new message",)),
}


def test_every_sample_has_an_expectation():
    assert {s.name.split("/")[1] for s in SAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_every_sample_signs_verifies_and_maps(sample):
    # GIVEN a sample request signed as Slack signs it
    request = raw(sign(sample, LOCAL_SECRET, NOW, BASE_URL))
    # WHEN it is verified and handled
    slack.verify(request, LOCAL_SECRET, NOW)
    inbound = slack.handle(request, NOW)
    # THEN it yields the expected events, skips or handshake answer
    expected = EXPECTED[sample.name.split("/")[1]]
    assert_yields(inbound, expected)
    for event in inbound.events:
        assert event.channel is Channel.SLACK
        assert event.provider == "slack"
        assert event.received_at == NOW
        assert {"team_id", "channel", "ts"} <= event.metadata.keys()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_slack_sdk_accepts_what_the_signer_signs(sample):
    # GIVEN Slack's own verifier, its clock pinned to NOW
    signature = pytest.importorskip("slack_sdk.signature")
    clock = type("FixedClock", (signature.Clock,), {"now": lambda self: NOW.timestamp()})()
    verifier = signature.SignatureVerifier(LOCAL_SECRET, clock=clock)
    # WHEN our signer signs a sample THEN slack_sdk computes the same signature and accepts it
    request = sign(sample, LOCAL_SECRET, NOW, BASE_URL)
    assert verifier.is_valid_request(request.body, request.headers)
    ts = request.headers["x-slack-request-timestamp"]
    assert slack.signature(LOCAL_SECRET, ts, request.body) == verifier.generate_signature(
        timestamp=ts, body=request.body
    )


def test_the_thread_reply_and_its_parent_share_a_thread_and_the_retry_its_event_id():
    # GIVEN the VIP's report, Slack's retry of it and her reply in the thread
    original, retry, reply = (
        slack.handle(signed(n), NOW).events[0]
        for n in ("vip-outage-shared-channel", "vip-outage-shared-channel-retry", "thread-reply")
    )
    # THEN the retry is the same event (dedup) and the reply joins the same thread as a new event
    assert retry == original
    assert reply.thread_key == original.thread_key
    assert reply.event_id != original.event_id
    assert reply.metadata["thread_ts"] == original.metadata["ts"]


def test_a_shared_channel_message_is_mapped_with_the_senders_workspace_and_name():
    # WHEN the Slack Connect outage report is handled
    event = slack.handle(signed(), NOW).events[0]
    # THEN the profile Slack attaches names the sender, and metadata says where the message came from
    assert event.sender.name == "Priya Raman"
    assert event.text.startswith("🚨 Our checkout calls")
    assert event.metadata == {
        "team_id": "T0SWB0ARD1",
        "channel": "C08CONTOSO",
        "ts": "1795161731.000200",
        "event_type": "message",
        "slack_event_id": "Ev08VIP0UT01",
        "user_team": "T0CONTOSO1",
        "shared_channel": "true",
        "sent_at": "2026-11-20T08:02:11+00:00",
    }


def test_slack_escapes_in_text_are_undone():
    # WHEN a message whose text Slack escaped ("&amp;") is handled THEN the customer's "&" comes back
    event = slack.handle(signed("thread-reply"), NOW).events[0]
    assert "req_8f2a & req_91c4" in event.text


def _headers(request: RawRequest, **changes: str | None) -> RawRequest:
    headers = {**request.headers, **{k.replace("_", "-"): v for k, v in changes.items() if v is not None}}
    for name in (k.replace("_", "-") for k, v in changes.items() if v is None):
        headers.pop(name)
    return replace(request, headers=headers)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(_headers(signed(), x_slack_signature=None), "missing X-Slack-Signature", id="unsigned"),
        pytest.param(
            _headers(signed(), x_slack_request_timestamp=None), "missing X-Slack-Request-Timestamp", id="no-ts"
        ),
        pytest.param(_headers(signed(), x_slack_request_timestamp="soon"), "not Unix time", id="ts-not-a-number"),
        pytest.param(_headers(signed(), x_slack_request_timestamp="9" * 5000), "not Unix time", id="ts-huge"),
        pytest.param(signed(secret="not-the-signing-secret"), "does not match the body", id="wrong-secret"),
        pytest.param(signed(at=NOW - timedelta(minutes=5, seconds=1)), "301 s old", id="stale-timestamp"),
        pytest.param(signed(at=NOW + timedelta(minutes=6)), "360 s in the future", id="future-timestamp"),
        pytest.param(replace(signed(), body=signed().body.replace(b"502s", b"404s")), "does not match", id="tampered"),
        pytest.param(
            _headers(signed(), x_slack_signature="v1=" + "0" * 64), "does not start with 'v0='", id="other-version"
        ),
        pytest.param(_headers(signed(), x_slack_signature="v0=Ünicode"), "does not match", id="non-ascii-signature"),
        pytest.param(
            _headers(signed(), x_slack_request_timestamp=str(int(NOW.timestamp()) - 60)), "does not match", id="ts-swap"
        ),
    ],
)
def test_bad_signatures_are_rejected_with_a_reason(request_, expected):
    # WHEN a request that is not properly signed is verified
    with pytest.raises(SignatureError) as err:
        slack.verify(request_, LOCAL_SECRET, NOW)
    # THEN the reason tells the integrator what is wrong
    assert expected in err.value.reason


@pytest.mark.parametrize(
    ("age", "accepted"),
    [
        pytest.param(timedelta(seconds=300), True, id="exactly-5-min-old"),
        pytest.param(timedelta(seconds=301), False, id="5-min-1-s-old"),
        pytest.param(timedelta(seconds=-300), True, id="exactly-5-min-ahead"),
        pytest.param(timedelta(seconds=-301), False, id="5-min-1-s-ahead"),
    ],
)
def test_the_replay_window_matches_slack_sdk_at_its_edges(age, accepted):
    # GIVEN a request signed ``age`` before NOW
    request = signed(at=NOW - age)
    # WHEN we verify it THEN we decide as Slack's own verifier does
    if accepted:
        slack.verify(request, LOCAL_SECRET, NOW)
    else:
        with pytest.raises(SignatureError):
            slack.verify(request, LOCAL_SECRET, NOW)
    signature = pytest.importorskip("slack_sdk.signature")
    clock = type("FixedClock", (signature.Clock,), {"now": lambda self: NOW.timestamp()})()
    assert (
        signature.SignatureVerifier(LOCAL_SECRET, clock=clock).is_valid_request(request.body, request.headers)
        is accepted
    )


def test_an_empty_signing_secret_is_a_configuration_error():
    with pytest.raises(ConfigError):
        slack.verify(signed(secret=""), "", NOW)


def _callback(**event: object) -> bytes:
    body = json.loads(load(EVENTS_DIR / "slack" / "vip-outage-shared-channel.json").body)
    body["event"] = {**body["event"], **event}
    return json.dumps(body).encode()


def _handle(body: bytes):
    return slack.handle(RawRequest("POST", BASE_URL + "/webhooks/slack", {}, body), NOW)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(b"{not json", None, id="not-json"),
        pytest.param(b"[]", "body", id="not-an-object"),
        pytest.param(b'{"challenge": "x"}', "type", id="no-type"),
        pytest.param(b'{"type": "url_verification"}', "challenge", id="no-challenge"),
        pytest.param(
            b'{"type": "event_callback", "team_id": "T1", "event": {"type": "message"}}', "event_id", id="no-id"
        ),
        pytest.param(b'{"type": "event_callback", "team_id": "T1", "event_id": "Ev1"}', "event", id="no-event"),
        pytest.param(_callback(user=None), "event.user", id="message-without-user"),
        pytest.param(_callback(ts="yesterday"), "event.ts", id="bad-ts"),
        pytest.param(_callback(channel=""), "event.channel", id="empty-channel"),
    ],
)
def test_malformed_bodies_name_the_field(body, field):
    # WHEN a malformed body is handled
    with pytest.raises(PayloadError) as err:
        _handle(body)
    # THEN the error names the field to fix
    assert err.value.field == field
    if field:
        assert err.value.reason.startswith(field)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(_callback(type="reaction_added"), "event type 'reaction_added' is not a message", id="reaction"),
        pytest.param(_callback(subtype="channel_join"), "subtype 'channel_join'", id="channel-join"),
        pytest.param(_callback(subtype="message_deleted"), "subtype 'message_deleted'", id="deleted"),
        pytest.param(_callback(user="U07SWBBOT1"), "our own app's message", id="our-bot-user"),
        pytest.param(b'{"type": "app_rate_limited", "team_id": "T1"}', "envelope type 'app_rate_limited'", id="rate"),
    ],
)
def test_what_is_not_a_customer_message_is_skipped_not_rejected(body, reason):
    # WHEN an event that carries no customer message is handled
    inbound = _handle(body)
    # THEN it is acknowledged with a reason and makes no event
    assert inbound.events == ()
    assert reason in inbound.skipped[0]


@pytest.mark.parametrize("subtype", ["file_share", "thread_broadcast"])
def test_subtypes_a_person_writes_are_kept(subtype):
    # WHEN a customer shares a screenshot or broadcasts a thread reply THEN it is a message
    (event,) = _handle(_callback(subtype=subtype)).events
    assert event.metadata["subtype"] == subtype


def test_a_message_and_its_app_mention_are_one_event():
    # GIVEN Slack's two deliveries for one message that mentions our app: `message` and `app_mention`,
    # each with an envelope id of its own
    body = json.loads(load(EVENTS_DIR / "slack" / "app-mention.json").body)
    as_message = {**body, "event_id": "Ev08OTHER0001", "event": {**body["event"], "type": "message"}}
    ids = {_handle(json.dumps(b).encode()).events[0].event_id for b in (body, as_message)}
    # THEN both name the same event: one ticket
    assert ids == {"slack:C08SAKURA1:1795162262.000500"}
