"""The X adapter: the CRC answer, base64 HMAC signatures, tweets and DMs mapped, our own posts skipped."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.channels import x
from chalicelib.channels.base import RawRequest, Reply
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel
from local.samples import EVENTS_DIR, SampleRequest, load
from local.signers.x import LOCAL_SECRET, sign
from tests.channel_expectations import Expected, assert_yields

NOW = datetime(2026, 11, 20, 8, 10, 0, tzinfo=UTC)
SAMPLES = [load(p) for p in sorted((EVENTS_DIR / "x").glob("*.json"))]
BASE_URL = "https://api.switchboard.example"
CRC_TOKEN = "UqyEMLrtgU9lJPgLp8cj0kDW7xCfgvz2Ke3b2nYsTtw"
#: printf %s "$CRC_TOKEN" | openssl dgst -sha256 -hmac x-local-consumer-secret -binary | base64
CRC_ANSWER = "sha256=y7x9NoQ/t2dqGuYsmmva11YahozIf7DrRDJJv7JjY64="


def raw(sample: SampleRequest) -> RawRequest:
    return sample.as_raw(BASE_URL)


def signed(name: str = "vip-angry-mention", secret: str = LOCAL_SECRET) -> RawRequest:
    return raw(sign(load(EVENTS_DIR / "x" / f"{name}.json"), secret, NOW, BASE_URL))


EXPECTED = {
    "vip-angry-mention": Expected(
        events=(("x:tweet:1991234567890123456", "x:conv:1991234567890123456", "x:dana_northwind"),)
    ),
    "dm-pricing": Expected(
        events=(("x:dm:1991234567890200001", "x:dm:987654321012345678-1590345678901234567", "x:mateo_builds"),)
    ),
    "own-reply": Expected(skipped=("tweet 1991234567890124000: written by the subscribed account",)),
    "reply-and-retweet-batch": Expected(
        events=(("x:tweet:1991234567890125001", "x:conv:1991234567890124000", "x:dana_northwind"),),
        skipped=("tweet 1991234567890125002: a retweet, no message of the author's",),
    ),
    "crc": Expected(reply=Reply(200, {"response_token": CRC_ANSWER})),
}


def test_every_sample_has_an_expectation():
    assert {s.name.split("/")[1] for s in SAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_every_sample_signs_verifies_and_maps(sample):
    # GIVEN a sample request as X sends it, signed with the local consumer secret
    request = raw(sign(sample, LOCAL_SECRET, NOW, BASE_URL))
    expected = EXPECTED[sample.name.split("/")[1]]
    if request.method == "GET":
        # WHEN it is the CRC THEN the answer is the known HMAC of crc_token
        assert x.crc_reply(request.query.get("crc_token"), LOCAL_SECRET) == expected.reply
        return
    # WHEN a POST is verified and handled
    x.verify(request, LOCAL_SECRET, NOW)
    inbound = x.handle(request, NOW)
    # THEN it yields the expected events and skips
    assert expected.reply is None
    assert_yields(inbound, expected)
    for event in inbound.events:
        assert event.channel is Channel.X
        assert event.provider == "x"
        assert event.received_at == NOW
        assert event.metadata["for_user_id"] == "1590345678901234567"


def test_a_mention_carries_name_text_and_when_it_was_sent():
    (event,) = x.handle(signed(), NOW).events
    assert event.sender.name == "Dana Whitfield"
    assert (
        event.text
        == "@switchboard_app your API is down again!! Third time this month and our investor demo is in 10 min 😡"
    )
    assert event.metadata["sent_at"] == "2026-11-20T08:03:05+00:00"
    assert "in_reply_to_status_id" not in event.metadata


def test_a_truncated_reply_keeps_its_full_text_and_points_at_its_parent():
    (event,) = x.handle(signed("reply-and-retweet-batch"), NOW).events
    assert event.text.endswith("This is the third incident this month.")
    assert event.metadata["in_reply_to_status_id"] == "1991234567890124000"


def test_a_dm_is_threaded_by_its_two_participants_from_either_side():
    # GIVEN the prospect's DM
    (event,) = x.handle(signed("dm-pricing"), NOW).events
    assert event.sender.name == "Mateo Fernández"
    assert event.text.startswith("Hola 👋 ¿cuánto cuesta")
    assert event.metadata["sent_at"] == "2026-11-20T08:05:00+00:00"
    # WHEN the same pair talks the other way round THEN the thread key is the same (ids sorted as numbers)
    body = json.loads(signed("dm-pricing").body)
    created = body["direct_message_events"][0]["message_create"]
    created["sender_id"], created["target"]["recipient_id"] = "1590345678901234567", "987654321012345678"
    body["for_user_id"] = "1"  # so it is not skipped as ours
    body["users"]["1590345678901234567"]["screen_name"] = "switchboard_app"
    (mirrored,) = x.handle(RawRequest("POST", BASE_URL, {}, json.dumps(body).encode()), NOW).events
    assert mirrored.thread_key == event.thread_key


def test_crc_reply_matches_a_known_answer_and_needs_its_token():
    assert x.crc_reply(CRC_TOKEN, LOCAL_SECRET) == Reply(200, {"response_token": CRC_ANSWER})
    with pytest.raises(PayloadError) as err:
        x.crc_reply(None, LOCAL_SECRET)
    assert err.value.field == "crc_token"
    with pytest.raises(ConfigError):
        x.crc_reply(CRC_TOKEN, "")


def test_the_post_signature_is_the_crc_scheme_over_the_body():
    # GIVEN the openssl answer for the token's bytes, and a body signed with the same HMAC by our signer
    request = signed()
    # WHEN the signature of a body is computed THEN it is X's scheme: the openssl answer for known bytes
    assert x.response_token(LOCAL_SECRET, CRC_TOKEN.encode()) == CRC_ANSWER
    assert request.header(x.SIGNATURE_HEADER) == x.response_token(LOCAL_SECRET, request.body)
    # AND verify accepts it (raising nothing), while one changed byte is refused
    x.verify(request, LOCAL_SECRET, NOW)
    with pytest.raises(SignatureError):
        x.verify(replace(request, body=request.body + b" "), LOCAL_SECRET, NOW)


def test_a_replayed_crc_answer_is_no_post_signature():
    # GIVEN the CRC answer for a genuine token, replayed as the signature of a POST whose body is that token
    request = RawRequest("POST", BASE_URL, {x.SIGNATURE_HEADER: CRC_ANSWER}, CRC_TOKEN.encode())
    # WHEN it is verified THEN it is refused although the HMAC matches
    with pytest.raises(SignatureError) as err:
        x.verify(request, LOCAL_SECRET, NOW)
    assert "CRC token" in err.value.reason


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(signed().body.decode(), id="a-signed-activity-body"),
        pytest.param('{"for_user_id":"1"}', id="small-json-object"),
        pytest.param("[1]", id="json-array"),
        pytest.param("A" * 129, id="too-long"),
        pytest.param("A" * 100_000, id="far-too-long"),
        pytest.param("short", id="too-short"),
        pytest.param("UqyEMLrtgU9lJPgLp8cj0kDW7xCfgvz2Ke3b2nYsTt w", id="space"),
        pytest.param("UqyEMLrtgU9lJPgLp8cj0kDW7xCfgvz2Ke3b2nYsTté", id="non-ascii"),
    ],
)
def test_crc_refuses_anything_not_shaped_like_x_token(token):
    # WHEN the CRC is asked to answer something X would never send as a token
    with pytest.raises(PayloadError) as err:
        x.crc_reply(token, LOCAL_SECRET)
    # THEN it signs nothing, and says which parameter is wrong
    assert err.value.field == "crc_token"
    assert err.value.http_status == 400


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(CRC_TOKEN, id="base64url-43"),
        pytest.param("x0mYd8hz2goCTfcNAaMqENy2BFgJJfJOb4PdvTffpwg=", id="base64-padded"),
        pytest.param("ab+/" * 4, id="shortest-16"),
        pytest.param("a" * 128, id="longest-128"),
    ],
)
def test_crc_answers_every_token_shaped_as_x_sends(token):
    reply = x.crc_reply(token, LOCAL_SECRET)
    assert reply == Reply(200, {"response_token": x.response_token(LOCAL_SECRET, token.encode())})


def _headers(request: RawRequest, value: str | None) -> RawRequest:
    headers = {k: v for k, v in request.headers.items() if k != x.SIGNATURE_HEADER}
    return replace(request, headers=headers if value is None else {**headers, x.SIGNATURE_HEADER: value})


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(_headers(signed(), None), "missing x-twitter-webhooks-signature", id="unsigned"),
        pytest.param(signed(secret="not-the-consumer-secret"), "does not match the body", id="wrong-secret"),
        pytest.param(
            replace(signed(), body=signed().body.replace(b"again", b"still")), "does not match", id="tampered"
        ),
        pytest.param(_headers(signed(), "sha1=abc"), "does not start with 'sha256='", id="other-algorithm"),
        pytest.param(_headers(signed(), "sha256=Ünïcode"), "does not match", id="non-ascii-signature"),
    ],
)
def test_bad_signatures_are_rejected_with_a_reason(request_, expected):
    # WHEN a request that is not properly signed is verified
    with pytest.raises(SignatureError) as err:
        x.verify(request_, LOCAL_SECRET, NOW)
    # THEN the reason tells the integrator what is wrong
    assert expected in err.value.reason


def _activity(**changes: object) -> bytes:
    body = json.loads(load(EVENTS_DIR / "x" / "vip-angry-mention.json").body)
    body["tweet_create_events"][0].update(changes)
    return json.dumps(body).encode()


def _dm(**changes: object) -> bytes:
    body = json.loads(load(EVENTS_DIR / "x" / "dm-pricing.json").body)
    body["direct_message_events"][0].update(changes)
    return json.dumps(body).encode()


def _handle(body: bytes):
    return x.handle(RawRequest("POST", BASE_URL + "/webhooks/x", {}, body), NOW)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(b"{not json", None, id="not-json"),
        pytest.param(b"[]", "body", id="not-an-object"),
        pytest.param(b'{"tweet_create_events": []}', "for_user_id", id="no-for-user-id"),
        pytest.param(_activity(user=None), "tweet_create_events.0.user", id="tweet-without-user"),
        pytest.param(_activity(id_str="12ab"), "tweet_create_events.0.id_str", id="bad-tweet-id"),
        pytest.param(_activity(created_at="2026-11-20"), "tweet_create_events.0.created_at", id="bad-created-at"),
        pytest.param(_dm(id="dm-1"), "direct_message_events.0.id", id="bad-dm-id"),
        pytest.param(_dm(created_timestamp="soon"), "direct_message_events.0.created_timestamp", id="bad-dm-time"),
        pytest.param(_dm(message_create=None), "direct_message_events.0.message_create", id="dm-without-content"),
        pytest.param(
            _dm(
                message_create={
                    "sender_id": "42",
                    "target": {"recipient_id": "1590345678901234567"},
                    "message_data": {},
                }
            ),
            "users.42",
            id="dm-sender-not-in-users",
        ),
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
        pytest.param(
            b'{"for_user_id": "1", "favorite_events": [{"id": "f1"}]}',
            "no tweet or DM events (favorite_events)",
            id="like",
        ),
        pytest.param(_dm(type="message_delete"), "type 'message_delete' is not a message", id="dm-not-created"),
        pytest.param(
            _dm(
                message_create={"sender_id": "1590345678901234567", "target": {"recipient_id": "9"}, "message_data": {}}
            ),
            "sent by the subscribed account",
            id="our-dm",
        ),
    ],
)
def test_what_is_not_a_customer_message_is_skipped_not_rejected(body, reason):
    inbound = _handle(body)
    assert inbound.events == ()
    assert reason in inbound.skipped[0]
