"""The Meta adapter: the hub.challenge handshake, X-Hub-Signature-256, batched Messenger/Instagram messages."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib.channels import meta
from chalicelib.channels.base import RawRequest, Reply
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel
from local.samples import EVENTS_DIR, SampleRequest, load
from local.signers.meta import LOCAL_SECRET, LOCAL_VERIFY_TOKEN, sign
from tests.channel_expectations import Expected, assert_yields

NOW = datetime(2026, 11, 20, 8, 15, 0, tzinfo=UTC)
SAMPLES = [load(p) for p in sorted((EVENTS_DIR / "meta").glob("*.json"))]
BASE_URL = "https://api.switchboard.example"
PAGE = "106512345678901"
IG_ACCOUNT = "17841405822304914"


def raw(sample: SampleRequest) -> RawRequest:
    return sample.as_raw(BASE_URL)


def signed(name: str = "messenger-message", secret: str = LOCAL_SECRET) -> RawRequest:
    return raw(sign(load(EVENTS_DIR / "meta" / f"{name}.json"), secret, NOW, BASE_URL))


EXPECTED = {
    "messenger-message": Expected(
        events=(
            (
                "meta:m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
                f"meta:{PAGE}:4410227733",
                "meta:4410227733",
            ),
        )
    ),
    "instagram-image-dm": Expected(
        events=(
            (
                "meta:aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA1ODIyMzA0OTE0OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjAyNDQ2"
                "NzQ3NzY1ODE2OTozMjA0NTg3MTkzNjE2NTcyNTQ0MTIzNDU2Nzg5MDEyMzQ1NgZDZD",
                f"meta:{IG_ACCOUNT}:7788990011",
                "meta:7788990011",
            ),
        )
    ),
    "batch-two-entries": Expected(
        events=(
            (
                "meta:m_Kx9bQ2rT7wVzY1aC3eG5iK7mO9qS1uW3yA5cE7gI9kM1oQ3sU5wY7aC9eG1iK3mO5qS7uW9yA1cE3gI5kM7oQ",
                f"meta:{PAGE}:1029384756",
                "meta:1029384756",
            ),
            (
                "meta:m_Qw1eR2tY3uI4oP5aS6dF7gH8jK9lZ0xC1vB2nM3qW4eR5tY6uI7oP8aS9dF0gH1jK2lZ3xC4vB5nM6qW7eR8tY",
                f"meta:{PAGE}:5566778899",
                "meta:5566778899",
            ),
        ),
        skipped=("item from 1029384756: a delivery receipt", "item from 5566778899: a read receipt"),
    ),
    "echo": Expected(skipped=("echo of a message the page or account sent (is_echo)",)),
    "subscribe": Expected(reply=Reply(200, "1158201444", "text/plain")),
}


def test_every_sample_has_an_expectation():
    assert {s.name.split("/")[1] for s in SAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_every_sample_signs_verifies_and_maps(sample):
    expected = EXPECTED[sample.name.split("/")[1]]
    if sample.method == "GET":
        # GIVEN Meta's subscription GET carrying our Verify Token WHEN answered THEN the challenge is echoed
        request = raw(sign(sample, LOCAL_VERIFY_TOKEN, NOW, BASE_URL))
        assert meta.verify_subscription(request.query, LOCAL_VERIFY_TOKEN) == expected.reply
        return
    # GIVEN a sample request signed as Meta signs it
    request = raw(sign(sample, LOCAL_SECRET, NOW, BASE_URL))
    # WHEN it is verified and handled
    meta.verify(request, LOCAL_SECRET, NOW)
    inbound = meta.handle(request, NOW)
    # THEN it yields the expected events and skips
    assert expected.reply is None
    assert_yields(inbound, expected)
    for event in inbound.events:
        assert event.channel is Channel.META
        assert event.provider == "meta"
        assert event.received_at == NOW


def test_a_messenger_message_sent_with_escaped_unicode_reads_as_the_customer_wrote_it():
    # GIVEN the body exactly as Meta sends it: non-ASCII escaped as \\uXXXX
    request = signed()
    assert request.body.isascii()
    # WHEN it is handled THEN the text is the customer's, and the platform is named
    (event,) = meta.handle(request, NOW).events
    assert event.text.startswith("Ciao! Da stamattina il pagamento con carta non funziona più")
    assert event.text.endswith("🙏")
    assert event.metadata == {
        "platform": "messenger",
        "account_id": PAGE,
        "recipient_id": PAGE,
        "sent_at": "2026-11-20T08:12:20.874000+00:00",
    }


def test_re_serialized_json_no_longer_matches_metas_signature():
    # GIVEN a signed request WHEN its body is parsed and dumped again (unescaped) before verifying
    request = signed()
    reserialized = json.dumps(json.loads(request.body), ensure_ascii=False, separators=(",", ":")).encode()
    # THEN the signature fails: only the raw bytes verify
    with pytest.raises(SignatureError):
        meta.verify(replace(request, body=reserialized), LOCAL_SECRET, NOW)


def test_an_instagram_image_goes_into_metadata():
    (event,) = meta.handle(signed("instagram-image-dm"), NOW).events
    assert event.text == ""
    assert event.metadata["platform"] == "instagram"
    assert event.metadata["attachment_types"] == "image"
    assert event.metadata["attachment_urls"].startswith("https://lookaside.fbsbx.com/ig_messaging_cdn/")


def test_the_signature_matches_a_known_answer():
    # printf %s '{"object":"page","entry":[]}' | openssl dgst -sha256 -hmac meta-local-app-secret
    digest = "e8c600758fd09537ffa530377fb2bdb7209850d6443d965482391afa9b35f5b0"
    request = RawRequest("POST", BASE_URL, {meta.SIGNATURE_HEADER: f"sha256={digest}"}, b'{"object":"page","entry":[]}')
    meta.verify(request, LOCAL_SECRET, NOW)
    assert meta.signature(LOCAL_SECRET, request.body) == f"sha256={digest}"


def _headers(request: RawRequest, value: str | None) -> RawRequest:
    headers = {k: v for k, v in request.headers.items() if k != meta.SIGNATURE_HEADER}
    return replace(request, headers=headers if value is None else {**headers, meta.SIGNATURE_HEADER: value})


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(_headers(signed(), None), "missing X-Hub-Signature-256", id="unsigned"),
        pytest.param(signed(secret="not-the-app-secret"), "does not match the body", id="wrong-secret"),
        pytest.param(replace(signed(), body=signed().body.replace(b"Ciao", b"Hola")), "does not", id="tampered"),
        pytest.param(
            _headers(signed(), signed().headers["x-hub-signature"]), "does not start with 'sha256='", id="sha1"
        ),
        pytest.param(_headers(signed(), "sha256=Ünïcode"), "does not match", id="non-ascii-signature"),
    ],
)
def test_bad_signatures_are_rejected_with_a_reason(request_, expected):
    # WHEN a request that is not properly signed is verified
    with pytest.raises(SignatureError) as err:
        meta.verify(request_, LOCAL_SECRET, NOW)
    # THEN the reason tells the integrator what is wrong
    assert expected in err.value.reason


def _query(**changes: str | None) -> dict[str, str]:
    # None removes a parameter
    query: dict[str, str | None] = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    query["hub.verify_token"] = LOCAL_VERIFY_TOKEN
    query.update({k.replace("_", ".", 1): v for k, v in changes.items()})  # hub_verify_token → hub.verify_token
    return {k: v for k, v in query.items() if v is not None}


@pytest.mark.parametrize(
    ("query", "status"),
    [
        pytest.param(_query(), 200, id="matching-token"),
        pytest.param(_query(hub_verify_token="guess"), 403, id="wrong-token"),
        pytest.param(_query(hub_verify_token=None), 403, id="no-token"),
        pytest.param(_query(hub_verify_token="meta-local-verify-tokeñ"), 403, id="non-ascii-token"),
    ],
)
def test_the_subscription_handshake_answers_only_our_verify_token(query, status):
    # WHEN Meta (or anyone) asks to subscribe THEN only our Verify Token gets the challenge back
    reply = meta.verify_subscription(query, LOCAL_VERIFY_TOKEN)
    assert reply.status == status
    assert (reply.body == "1158201444") is (status == 200)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param(_query(hub_mode="unsubscribe"), "hub.mode", id="other-mode"),
        pytest.param(_query(hub_mode=None), "hub.mode", id="no-mode"),
        pytest.param(_query(hub_challenge=None), "hub.challenge", id="no-challenge"),
        pytest.param(_query(hub_challenge="9" * 513), "hub.challenge", id="huge-challenge"),
    ],
)
def test_a_malformed_handshake_names_the_parameter(query, field):
    with pytest.raises(PayloadError) as err:
        meta.verify_subscription(query, LOCAL_VERIFY_TOKEN)
    assert err.value.field == field


def test_empty_secrets_are_configuration_errors():
    with pytest.raises(ConfigError):
        meta.verify_subscription(_query(hub_verify_token=""), "")
    with pytest.raises(ConfigError):
        meta.verify(signed(secret=""), "", NOW)


def _item(**changes: object) -> bytes:
    body = json.loads(load(EVENTS_DIR / "meta" / "instagram-image-dm.json").body)
    body["entry"][0]["messaging"][0].update(changes)
    return json.dumps(body).encode()


def _message(**changes: object) -> bytes:
    body = json.loads(load(EVENTS_DIR / "meta" / "instagram-image-dm.json").body)
    body["entry"][0]["messaging"][0]["message"].update(changes)
    return json.dumps(body).encode()


def _handle(body: bytes):
    return meta.handle(RawRequest("POST", BASE_URL + "/webhooks/meta", {}, body), NOW)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(b"{not json", None, id="not-json"),
        pytest.param(b'"page"', "body", id="not-an-object"),
        pytest.param(b'{"object": "page"}', "entry", id="no-entry"),
        pytest.param(_message(mid=None), "entry.0.messaging.0.message.mid", id="no-mid"),
        pytest.param(_item(sender={"id": "me"}), "entry.0.messaging.0.sender.id", id="bad-sender"),
        pytest.param(_item(timestamp="late"), "entry.0.messaging.0.timestamp", id="bad-timestamp"),
        pytest.param(
            _message(attachments=[{"payload": {}}]), "entry.0.messaging.0.message.attachments.0.type", id="att"
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
        pytest.param(b'{"object": "user", "entry": []}', "object 'user' is not Messenger", id="other-object"),
        pytest.param(
            b'{"object": "instagram", "entry": [{"id": "1", "time": 1, "changes": []}]}',
            "entry 1: no messaging items (changes)",
            id="comments",
        ),
        pytest.param(_item(message=None, postback={"payload": "GET_STARTED"}), "postback, no message", id="postback"),
        pytest.param(_message(is_deleted=True), "unsent by the customer", id="unsent"),
    ],
)
def test_what_is_not_a_customer_message_is_skipped_not_rejected(body, reason):
    inbound = _handle(body)
    assert inbound.events == ()
    assert reason in inbound.skipped[0]
