"""The Twilio adapter: X-Twilio-Signature checked against the twilio SDK, strict forms, one event per webhook."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from chalicelib.channels import twilio, twilio_forms, twilio_signature, twiml
from chalicelib.channels.base import RawRequest
from chalicelib.channels.twilio_forms import Kind
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import Channel
from local.samples import EVENTS_DIR, SampleRequest, all_samples, load
from local.signers.twilio import LOCAL_SECRET, sign

BASE_URL = "https://switchboard.example"
NOW = datetime(2026, 11, 20, 7, 40, tzinfo=UTC)  # 02:40 in New York, 08:40 in Rome
SAMPLES = [s for s in all_samples() if s.name.startswith("twilio/")]

DANA, MARCO, LINE = "+12125550100", "+393401234567", "+16465550123"
DANA_CALL = "CA2f348b13ff70b15ff5c45a3648a074eb"
DANA_PAIR, MARCO_PAIR = f"twilio:{DANA}|{LINE}", f"twilio:{LINE}|{MARCO}"
URGENT_SMS = "twilio:sms:SMbc958d47870d005e992c8a4bdda3b921"

#: sample → (kind, event id, thread key, sender phone); a dial result queues no event
EXPECTED: dict[str, tuple[Kind, str | None, str | None, str | None]] = {
    "call-01-incoming": (Kind.VOICE, f"twilio:call:{DANA_CALL}", DANA_PAIR, DANA),
    "call-02-dial-no-answer": (Kind.DIAL, None, None, None),
    "call-03-dial-busy": (Kind.DIAL, None, None, None),
    "call-04-recording": (
        Kind.RECORDING,
        "twilio:recording:REc644e3776a72743b2c7bf62d7cc3cb08",
        DANA_PAIR,  # threads like its call, so either can be triaged first
        DANA,
    ),
    "call-05-transcription": (
        Kind.TRANSCRIPTION,
        "twilio:transcription:TR3b10db4ba1e1ba3561245e8d60ee3d92",
        DANA_PAIR,
        DANA,
    ),
    "night-call-marco": (Kind.VOICE, "twilio:call:CAec3136db4abda5ec2b4ddf0c63f18a82", MARCO_PAIR, MARCO),
    "sms-01-urgent": (Kind.SMS, URGENT_SMS, DANA_PAIR, DANA),
    "sms-01-urgent-retry": (Kind.SMS, URGENT_SMS, DANA_PAIR, DANA),
    "sms-02-mms-screenshot": (Kind.SMS, "twilio:sms:MMf03cfa10d18049c7dff13b150f4e8d5f", DANA_PAIR, DANA),
    "sms-03-non-ascii": (Kind.SMS, "twilio:sms:SM7e8f6a8d237fa58c68af40a15e166b5f", MARCO_PAIR, MARCO),
    "sms-04-stop": (
        Kind.SMS,
        "twilio:sms:SM5d0e9a7c41b2f83e6a9c0d1b2e3f4a5b",
        "twilio:+13125550188|+16465550123",
        "+13125550188",
    ),
}
CHANNELS = {Kind.VOICE: Channel.VOICE, Kind.RECORDING: Channel.VOICE, Kind.TRANSCRIPTION: Channel.VOICE}


def _request(sample: SampleRequest, base_url: str = BASE_URL) -> RawRequest:
    url = base_url + sample.path
    query = dict(parse_qsl(urlsplit(url).query))
    return RawRequest(method=sample.method, url=url, headers=sample.headers, body=sample.body, query=query)


def _signed(name: str) -> RawRequest:
    return _request(sign(load(EVENTS_DIR / "twilio" / f"{name}.json"), LOCAL_SECRET, NOW, BASE_URL))


def _sdk() -> Any:
    return pytest.importorskip("twilio.request_validator").RequestValidator(LOCAL_SECRET)


class _MultiDict(dict[str, str]):
    """What the SDK reads repeated form names from (Flask's MultiDict shape: getall)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._pairs = pairs

    def getall(self, name: str) -> list[str]:
        return [v for k, v in self._pairs if k == name]


def test_the_table_covers_every_twilio_sample():
    # THEN a new sample under events/twilio/ needs its expected mapping here
    assert {s.name.split("/", 1)[1] for s in SAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_every_twilio_sample_signs_verifies_and_maps(sample):
    kind, event_id, thread_key, phone = EXPECTED[sample.name.split("/", 1)[1]]
    # GIVEN a sample signed as Twilio signs it, for the public URL it called
    request = _request(sign(sample, LOCAL_SECRET, NOW, BASE_URL))
    # WHEN it is verified, told apart and mapped
    twilio.verify(request, LOCAL_SECRET, NOW)
    inbound = twilio.handle(request, NOW)
    # THEN it is the expected kind of webhook and names the provider's dedup key and thread
    assert twilio_forms.parse(request).kind is kind
    if event_id is None:
        assert inbound.events == () and inbound.reply is None and inbound.skipped
        return
    (event,) = inbound.events
    assert (event.event_id, event.thread_key, event.sender.phone) == (event_id, thread_key, phone)
    assert event.channel is CHANNELS.get(kind, Channel.SMS)
    assert event.received_at == NOW and event.provider == "twilio"
    assert (inbound.reply is None) == (kind is Kind.VOICE)  # a live call's TwiML is the route's


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_the_local_signer_agrees_with_the_twilio_sdk(sample):
    # GIVEN a sample signed by local/signers/twilio.py
    signed = sign(sample, LOCAL_SECRET, NOW, BASE_URL)
    fields = dict(parse_qsl(signed.body.decode(), keep_blank_values=True))
    # THEN the SDK's validator accepts it (the same request our verify accepted above)
    assert _sdk().validate(BASE_URL + sample.path, fields, signed.headers["x-twilio-signature"])


def test_the_call_text_reads_like_a_phone_screen_and_the_voicemail_carries_the_transcript():
    # WHEN the call, its recording and its transcript are mapped
    (call,) = twilio.handle(_signed("call-01-incoming"), NOW).events
    (recording,) = twilio.handle(_signed("call-04-recording"), NOW).events
    (transcript,) = twilio.handle(_signed("call-05-transcription"), NOW).events
    # THEN the call says who and from where, and both follow-ups thread where the call does
    assert call.text == f"Incoming call from WHITFIELD DANA {DANA} (NEW YORK, NY)"
    assert recording.thread_key == transcript.thread_key == call.thread_key
    assert recording.metadata["recording_url"].startswith("https://api.twilio.com/")
    assert transcript.text.startswith("Hi, it's Dana from Northwind, our dashboard is down")


def test_a_retried_sms_and_its_original_are_one_event():
    # GIVEN Twilio's retry: same MessageSid, another idempotency token
    original, retry = _signed("sms-01-urgent"), _signed("sms-01-urgent-retry")
    assert original.header("i-twilio-idempotency-token") != retry.header("i-twilio-idempotency-token")
    # WHEN both are mapped THEN they name one event
    assert twilio.handle(original, NOW).events == twilio.handle(retry, NOW).events


def test_an_mms_keeps_its_media_in_metadata():
    (event,) = twilio.handle(_signed("sms-02-mms-screenshot"), NOW).events
    assert event.metadata["num_media"] == "1"
    assert event.metadata["media_type_0"] == "image/jpeg"
    assert event.metadata["media_url_0"].startswith("https://api.twilio.com/2010-04-01/Accounts/AC")


@pytest.mark.parametrize(
    ("name", "dial_list_length", "expected"),
    [
        pytest.param("call-02-dial-no-answer", 2, twiml.Step(twiml.Action.DIAL, 1), id="no-answer-then-next"),
        pytest.param("call-03-dial-busy", 2, twiml.Step(twiml.Action.VOICEMAIL), id="busy-last-then-voicemail"),
    ],
)
def test_dial_results_carry_what_the_route_needs_for_the_next_step(name, dial_list_length, expected):
    # WHEN a <Dial action> request is parsed
    result = twilio.parse_dial_result(_signed(name))
    # THEN it names the attempt from our action URL and the numbers to re-run decide() with
    step = twiml.next_step(result.dial_call_status, result.attempt, dial_list_length)
    assert (result.from_, result.to, result.call_sid) == (DANA, LINE, DANA_CALL)
    assert step == expected


# ---- signature: our implementation against the SDK ---------------------------------------------

SMS_URL = f"{BASE_URL}/webhooks/twilio/sms"


@pytest.mark.parametrize(
    ("url", "pairs"),
    [
        pytest.param(SMS_URL, [("From", DANA), ("Body", "hi")], id="plain"),
        pytest.param(SMS_URL, [("Addr", "+1855"), ("Addr", "+1833"), ("A", "1")], id="repeated-name"),
        pytest.param(SMS_URL, [("a", "1"), ("a", "1"), ("b", "2")], id="repeated-identical-value"),
        pytest.param(SMS_URL, [("FromCity", ""), ("Body", ""), ("To", LINE)], id="blank-values"),
        pytest.param(f"{BASE_URL}/webhooks/twilio/dial?attempt=1", [("DialCallStatus", "busy")], id="query-string"),
        pytest.param(SMS_URL, [("Body", "Grüße, menù più 😩 ✓")], id="non-ascii"),
        pytest.param(SMS_URL, [("ReasonConferenceEnded", "x"), ("Reason", "y")], id="name-is-prefix-of-name"),
        pytest.param(SMS_URL, [("Body", "a+b & c=d %20")], id="form-metacharacters"),
        pytest.param(SMS_URL, [], id="no-fields"),
    ],
)
def test_our_signature_is_the_sdks(url, pairs):
    # GIVEN the SDK's signature for a URL and form
    sdk = _sdk()
    expected = sdk.compute_signature(url, _MultiDict(pairs))
    request = RawRequest("POST", url, {"x-twilio-signature": expected}, urlencode(pairs).encode())
    # THEN we compute the same string and verify accepts the request, as the SDK does
    assert twilio_signature.signature(url, pairs, LOCAL_SECRET) == expected
    twilio.verify(request, LOCAL_SECRET, NOW)
    assert sdk.validate(url, _MultiDict(pairs), expected)


@pytest.mark.parametrize(
    ("signed_url", "request_url", "accepted"),
    [
        pytest.param("https://h.example/t", "https://h.example:443/t", True, id="signed-without-443"),
        pytest.param("https://h.example:443/t", "https://h.example/t", True, id="signed-with-443"),
        pytest.param("http://h.example:80/t", "http://h.example/t", True, id="signed-with-80"),
        pytest.param("https://h.example:8443/t", "https://h.example:8443/t", True, id="custom-port"),
        pytest.param("https://h.example:8443/t", "https://h.example/t", False, id="custom-port-lost"),
        pytest.param("https://h.example/t", "http://h.example/t", False, id="scheme-differs"),
        pytest.param("https://h.example/t", "https://h.example/t/", False, id="trailing-slash"),
    ],
)
def test_port_variants_are_accepted_exactly_as_the_sdk_accepts_them(signed_url, request_url, accepted):
    # GIVEN a request signed for one form of the URL and received under another
    pairs = [("CallSid", DANA_CALL)]
    sdk = _sdk()
    signature = sdk.compute_signature(signed_url, dict(pairs))
    request = RawRequest("POST", request_url, {"x-twilio-signature": signature}, urlencode(pairs).encode())
    # THEN verify agrees with the SDK's validator
    assert sdk.validate(request_url, dict(pairs), signature) is accepted
    if accepted:
        twilio.verify(request, LOCAL_SECRET, NOW)
    else:
        with pytest.raises(SignatureError, match="does not match"):
            twilio.verify(request, LOCAL_SECRET, NOW)


def _json_request(body: bytes, body_hash: str | None) -> RawRequest:
    url = f"{BASE_URL}/webhooks/twilio/events" + (f"?bodySHA256={body_hash}" if body_hash else "")
    signature = _sdk().compute_signature(url, {})
    headers = {"x-twilio-signature": signature, "content-type": "application/json"}
    return RawRequest("POST", url, headers, body)


JSON_BODY = json.dumps({"CallSid": DANA_CALL, "note": "menù"}, ensure_ascii=False).encode()


def test_a_json_body_is_signed_through_its_sha256_in_the_url():
    # GIVEN a JSON webhook whose URL carries the body's hash, signed by the SDK
    request = _json_request(JSON_BODY, hashlib.sha256(JSON_BODY).hexdigest())
    # THEN both we and the SDK accept it
    twilio.verify(request, LOCAL_SECRET, NOW)
    assert _sdk().validate(request.url, JSON_BODY.decode(), request.headers["x-twilio-signature"])


def _tampered(request: RawRequest, **changes: object) -> RawRequest:
    fields = {"url": request.url, "headers": dict(request.headers), "body": request.body}
    return RawRequest(request.method, **{**fields, **changes})  # type: ignore[arg-type]


SMS = _signed("sms-01-urgent")
DIAL = _signed("call-02-dial-no-answer")


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        pytest.param(_tampered(SMS, headers={}), "missing X-Twilio-Signature", id="unsigned"),
        pytest.param(
            _tampered(SMS, body=SMS.body.replace(b"URGENT", b"urgent")), "does not match", id="tampered-param"
        ),
        pytest.param(_tampered(SMS, body=SMS.body + b"&Extra=1"), "does not match", id="added-param"),
        pytest.param(_tampered(SMS, body=SMS.body.replace(b"FromZip=10013&", b"")), "does not match", id="dropped"),
        pytest.param(_tampered(SMS, url=SMS.url.replace("/sms", "/voice")), "does not match", id="wrong-url"),
        pytest.param(
            _tampered(DIAL, url=DIAL.url.replace("attempt=0", "attempt=1")), "does not match", id="query-changed"
        ),
        pytest.param(
            _tampered(SMS, headers={"x-twilio-signature": "ünïcode"}), "does not match", id="non-ascii-header"
        ),
        pytest.param(_tampered(SMS, body=b"Body=%FF"), "not a UTF-8 url-encoded form", id="undecodable-body"),
        pytest.param(
            _json_request(JSON_BODY, hashlib.sha256(b"{}").hexdigest()), "does not match the bodySHA256", id="json-hash"
        ),
        pytest.param(_json_request(JSON_BODY, None), "needs bodySHA256", id="json-without-hash"),
    ],
)
def test_bad_signatures_are_rejected_with_a_reason(request_, reason):
    # WHEN a request that is not what Twilio signed is verified
    with pytest.raises(SignatureError) as err:
        twilio.verify(request_, LOCAL_SECRET, NOW)
    # THEN the reason tells the integrator what to check
    assert reason in err.value.reason


def test_a_wrong_token_or_none_is_rejected():
    with pytest.raises(SignatureError, match="check the auth token"):
        twilio.verify(SMS, "another-account-token", NOW)
    with pytest.raises(ConfigError):
        twilio.verify(SMS, "", NOW)


# ---- malformed forms ---------------------------------------------------------------------------


def _form(name: str, drop: tuple[str, ...] = (), query: str | None = None, **values: str) -> RawRequest:
    sample = load(EVENTS_DIR / "twilio" / f"{name}.json")
    pairs = [(k, values.pop(k, v)) for k, v in parse_qsl(sample.body.decode(), keep_blank_values=True) if k not in drop]
    path = sample.path.split("?")[0] + (f"?{query}" if query is not None else "")
    body = urlencode(pairs + list(values.items())).encode()
    return _request(SampleRequest(sample.name, "", "POST", path, sample.headers, body))


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        pytest.param(_form("call-01-incoming", drop=("CallSid",)), "CallSid", id="call-without-CallSid"),
        pytest.param(_form("call-01-incoming", drop=("From",)), "From", id="call-without-From"),
        pytest.param(_form("call-01-incoming", CallSid="CA123"), "CallSid", id="malformed-CallSid"),
        pytest.param(_form("call-01-incoming", CallStatus="dialing"), "CallStatus", id="unknown-CallStatus"),
        pytest.param(_form("sms-02-mms-screenshot", drop=("MediaUrl0",)), "MediaUrl0", id="mms-without-MediaUrl0"),
        pytest.param(_form("sms-02-mms-screenshot", MediaUrl0="http://x.example/a.jpg"), "MediaUrl0", id="http-media"),
        pytest.param(_form("sms-01-urgent", NumMedia="11"), "NumMedia", id="too-many-media"),
        pytest.param(_form("call-02-dial-no-answer", DialCallStatus="ringing"), "DialCallStatus", id="dial-status"),
        pytest.param(_form("call-02-dial-no-answer", query="attempt=-1"), "attempt", id="negative-attempt"),
        pytest.param(_form("call-04-recording", RecordingDuration="14s"), "RecordingDuration", id="duration"),
        pytest.param(_form("call-05-transcription", RecordingSid=""), "RecordingSid", id="blank-RecordingSid"),
        pytest.param(RawRequest("POST", SMS_URL, {}, b"Body=%FF"), "body", id="not-utf8"),
    ],
)
def test_malformed_forms_name_the_field(request_, field):
    # WHEN a malformed form is handled
    with pytest.raises(PayloadError) as err:
        twilio.handle(request_, NOW)
    # THEN the error names the field Twilio sent (or should have)
    assert err.value.field == field
    assert err.value.reason.startswith(field)


def test_an_sms_without_any_message_sid_names_MessageSid():
    request = _form("sms-01-urgent", drop=("MessageSid", "SmsSid", "SmsMessageSid"))
    with pytest.raises(PayloadError) as err:
        twilio.parse_sms(request)
    assert err.value.field == "MessageSid"


def test_a_legacy_sms_with_only_SmsSid_still_maps():
    (event,) = twilio.handle(_form("sms-01-urgent", drop=("MessageSid", "SmsMessageSid")), NOW).events
    assert event.event_id == URGENT_SMS


def test_a_withheld_caller_is_neither_rejected_nor_paired_with_other_strangers():
    # GIVEN a call whose caller ID is withheld
    request = _form("call-01-incoming", From="Anonymous", Caller="Anonymous", CallerName="")
    # WHEN it is mapped
    (event,) = twilio.handle(request, NOW).events
    # THEN the call is its own thread and the text says so
    assert event.sender.phone is None
    assert event.thread_key == event.event_id == f"twilio:call:{DANA_CALL}"
    assert event.text.startswith("Incoming call from a withheld number")


@pytest.mark.parametrize(
    ("sample", "fields", "drop", "thread"),
    [
        ("call-04-recording", {}, (), DANA_PAIR),
        ("call-05-transcription", {}, (), DANA_PAIR),
        # a recordingStatusCallback carries no caller: only the call can name the thread
        ("call-04-recording", {}, ("From", "To"), f"twilio:call:{DANA_CALL}"),
        ("call-05-transcription", {"From": "Anonymous"}, (), f"twilio:call:{DANA_CALL}"),
    ],
)
def test_voicemail_callbacks_thread_on_the_callers_number_pair_when_known(
    sample: str, fields: dict[str, str], drop: tuple[str, ...], thread: str
) -> None:
    # GIVEN a voicemail callback, with or without the caller's number
    request = _form(sample, drop=drop, **fields)
    # WHEN it is mapped
    (event,) = twilio.handle(request, NOW).events
    # THEN it names the call's number pair when it knows the caller (as the call does), else the call
    assert event.thread_key == thread


def test_a_failed_transcription_still_pages_with_a_pointer_to_the_recording():
    request = _form("call-05-transcription", drop=("TranscriptionText",), TranscriptionStatus="failed")
    (event,) = twilio.handle(request, NOW).events
    assert event.text == "Voicemail with no transcript (transcription failed)"
    assert event.metadata["recording_url"].startswith("https://")


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(_signed("sms-04-stop"), "stop", id="stop-sample-with-OptOutType"),
        pytest.param(_form("sms-04-stop", drop=("OptOutType", "MessagingServiceSid")), "stop", id="stop-keyword-only"),
        pytest.param(_form("sms-01-urgent", Body="  unsubscribe "), "stop", id="unsubscribe-any-case"),
        pytest.param(_form("sms-01-urgent", Body="STOPALL"), "stop", id="stopall"),
        pytest.param(_form("sms-01-urgent", Body="quit"), "stop", id="quit"),
        pytest.param(_form("sms-01-urgent", Body="Arret", OptOutType="STOP"), "stop", id="service-keyword"),
        pytest.param(_form("sms-01-urgent", Body="START"), "start", id="start"),
        pytest.param(_form("sms-01-urgent", Body="unstop"), "start", id="unstop"),
        pytest.param(_form("sms-01-urgent", Body="Yes"), "start", id="yes"),
        pytest.param(_form("sms-01-urgent", Body="HELP", OptOutType="HELP"), None, id="help-is-not-an-opt-out"),
        pytest.param(_form("sms-01-urgent", Body="stop please"), None, id="not-the-whole-body"),
        pytest.param(_form("sms-01-urgent", Body="please don't stop the import"), None, id="a-sentence"),
        pytest.param(_signed("sms-01-urgent"), None, id="a-customer-message"),
    ],
)
def test_an_opt_out_or_opt_in_text_is_marked(request_, expected):
    # WHEN an SMS is mapped
    (event,) = twilio.handle(request_, NOW).events
    # THEN Twilio's keywords (the whole text) or Advanced Opt-Out's OptOutType mark it; anything else does not
    assert event.metadata.get("opt_out") == expected
