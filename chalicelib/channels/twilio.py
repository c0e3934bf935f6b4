"""Twilio voice and SMS webhooks: X-Twilio-Signature over URL and form, strict form models, SupportEvents."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic.alias_generators import to_pascal

from chalicelib.channels import twiml
from chalicelib.channels.base import Inbound, RawRequest
from chalicelib.errors import ConfigError, PayloadError, SignatureError
from chalicelib.model.event import ALWAYS, HOLD, PAGE_HINT, Channel, Sender, SupportEvent

PROVIDER = "twilio"
SIGNATURE_HEADER = "x-twilio-signature"
# Twilio's webhooks carry a few dozen fields; the cap bounds the work an unsigned body can cause.
_MAX_FIELDS = 500
_MAX_MEDIA = 10  # Twilio's MMS limit
_CACHED_BODY = 16_384
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

CallSid = Annotated[str, StringConstraints(pattern=r"^CA[0-9a-f]{32}$")]
MessageSid = Annotated[str, StringConstraints(pattern=r"^(SM|MM)[0-9a-f]{32}$")]
RecordingSid = Annotated[str, StringConstraints(pattern=r"^RE[0-9a-f]{32}$")]
TranscriptionSid = Annotated[str, StringConstraints(pattern=r"^TR[0-9a-f]{32}$")]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=2048)]
# Not E.164-only: a withheld caller arrives as "Anonymous" or a placeholder, a SIP caller as sip:…,
# and rejecting those would play Twilio's "application error" to someone calling for help.
Address = Annotated[str, StringConstraints(max_length=128)]


# ---- signature ---------------------------------------------------------------------------------


def form_fields(body: bytes) -> tuple[tuple[str, str], ...]:
    """The url-encoded body as (name, value) pairs in order; blank values kept, since Twilio signs them."""
    return _parse_form(body) if len(body) <= _CACHED_BODY else _parse_form.__wrapped__(body)


# verify() and handle() each read the same body; parsing is half their cost, so the last few
# parses are remembered (pure: same bytes, same pairs). Twilio's bodies are ~1 KB; big ones are not kept.
@functools.lru_cache(maxsize=4)
def _parse_form(body: bytes) -> tuple[tuple[str, str], ...]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=_MAX_FIELDS)
    except (UnicodeError, ValueError) as exc:
        raise PayloadError(f"body: not a UTF-8 url-encoded form ({exc})", field="body") from None
    return tuple(pairs)


def signature(url: str, params: Sequence[tuple[str, str]], secret: str) -> str:
    """base64(HMAC-SHA1(secret, url + name+value…)): names sorted, a repeated name's distinct values sorted."""
    return _sign(url, _param_string(params), secret)


def _param_string(params: Sequence[tuple[str, str]]) -> str:
    # sorting distinct (name, value) pairs orders names, then a repeated name's values; as the SDK does
    return "".join(name + value for name, value in sorted(set(params)))


def _sign(url: str, param_string: str, secret: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), (url + param_string).encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


def url_variants(url: str) -> tuple[str, str]:
    """The URL without and with its port (the scheme's default added): Twilio signs either form."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise SignatureError(f"cannot check the signature: {url!r} has an invalid port") from None
    host = parts.netloc.rpartition(":")[0] if port is not None else parts.netloc
    port = port or (443 if parts.scheme == "https" else 80)
    return urlunsplit(parts._replace(netloc=host)), urlunsplit(parts._replace(netloc=f"{host}:{port}"))


def verify(request: RawRequest, secret: str, now: datetime) -> None:
    """Check X-Twilio-Signature on the public URL and raw body; raise SignatureError with what to fix.

    ``now`` is unused: Twilio signs no timestamp, so replays are caught by dedup on the Sid.
    """
    if not secret:
        raise ConfigError("the Twilio auth token is empty: no Twilio request can be verified")
    given = request.header(SIGNATURE_HEADER)
    if not given:
        raise SignatureError("missing X-Twilio-Signature header: Twilio signs every webhook (is a proxy dropping it?)")
    query = parse_qs(urlsplit(request.url).query) if "bodySHA256" in request.url else {}
    body_hash = query.get("bodySHA256", [None])[0]
    if body_hash is not None:
        # a JSON body: the URL carries the body's hash and only the URL is signed
        if not hmac.compare_digest(hashlib.sha256(request.body).hexdigest().encode(), body_hash.encode()):
            raise SignatureError("the body does not match the bodySHA256 query parameter: altered in transit?")
        params = ""
    elif (request.header("content-type") or "").startswith("application/json"):
        raise SignatureError("a JSON body needs bodySHA256 in the URL: Twilio signs JSON bodies only through it")
    else:
        try:
            params = _param_string(form_fields(request.body))
        except PayloadError as exc:
            raise SignatureError(f"cannot check the signature: {exc.reason}") from None
    offered = given.encode("utf-8", "replace")
    if not any(hmac.compare_digest(_sign(u, params, secret).encode(), offered) for u in url_variants(request.url)):
        raise SignatureError(
            f"X-Twilio-Signature does not match for {request.url}: check the auth token, and that this URL "
            "(scheme, host, path, query) is exactly the one configured in Twilio"
        )


# ---- payload models ----------------------------------------------------------------------------


class Kind(StrEnum):
    """Which of the five Twilio webhooks a request is; each has its own route and model."""

    VOICE = "voice"
    SMS = "sms"
    DIAL = "dial"
    RECORDING = "recording"
    TRANSCRIPTION = "transcription"


class _Form(BaseModel):
    # Twilio adds fields over time (StirVerstat, CallToken …): unknown ones are ignored, known ones strict.
    model_config = ConfigDict(extra="ignore", frozen=True, alias_generator=to_pascal)


class IncomingCall(_Form):
    kind: ClassVar[Kind] = Kind.VOICE
    call_sid: CallSid
    from_: Address = Field(alias="From")
    to: Address
    call_status: Literal["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"]
    direction: str = "inbound"
    caller_name: str | None = Field(default=None, max_length=128)
    from_city: str = Field(default="", max_length=128)
    from_state: str = Field(default="", max_length=128)
    from_country: str = Field(default="", max_length=8)


class Media(_Form):
    url: HttpsUrl
    content_type: str | None = Field(default=None, max_length=128)


class IncomingMessage(_Form):
    kind: ClassVar[Kind] = Kind.SMS
    message_sid: MessageSid = Field(validation_alias=AliasChoices("MessageSid", "SmsMessageSid", "SmsSid"))
    from_: Address = Field(alias="From")
    to: Address
    body: str = Field(default="", max_length=20_000)
    num_media: int = Field(default=0, ge=0, le=_MAX_MEDIA)
    media: tuple[Media, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _gather_media(cls, data: Any) -> Any:
        # MediaUrl0, MediaContentType0 … are numbered fields; NumMedia says how many must be there
        count = data.get("NumMedia") if isinstance(data, Mapping) else None
        if not (isinstance(count, str) and count.isdigit() and int(count) <= _MAX_MEDIA):
            return data
        pairs = [(("Url", f"MediaUrl{i}"), ("ContentType", f"MediaContentType{i}")) for i in range(int(count))]
        media = [{key: data[name] for key, name in item if name in data} for item in pairs]
        return {**data, "Media": media}


class DialResult(_Form):
    """The ``<Dial action>`` request: how ringing ``dial_list[attempt]`` went. No event: the call is the ticket."""

    kind: ClassVar[Kind] = Kind.DIAL
    call_sid: CallSid
    from_: Address = Field(alias="From")
    to: Address
    call_status: str = "in-progress"
    dial_call_status: twiml.DialStatus
    dial_call_sid: CallSid | None = None
    dial_call_duration: int | None = Field(default=None, ge=0)
    attempt: int = Field(default=0, ge=0)  # from our action URL's query, not from Twilio's form

    @property
    def caller_hung_up(self) -> bool:
        return self.call_status in ("completed", "canceled")


class RecordingDone(_Form):
    kind: ClassVar[Kind] = Kind.RECORDING
    call_sid: CallSid
    recording_sid: RecordingSid
    recording_url: HttpsUrl
    recording_duration: int = Field(ge=0)
    from_: Address | None = Field(default=None, alias="From")
    to: Address | None = None


class TranscriptionDone(_Form):
    kind: ClassVar[Kind] = Kind.TRANSCRIPTION
    call_sid: CallSid
    recording_sid: RecordingSid
    transcription_sid: TranscriptionSid
    transcription_status: Literal["completed", "failed", "in-progress"]
    transcription_text: str = Field(default="", max_length=20_000)
    recording_url: HttpsUrl | None = None
    from_: Address | None = Field(default=None, alias="From")
    to: Address | None = None


Webhook = IncomingCall | IncomingMessage | DialResult | RecordingDone | TranscriptionDone
_M = TypeVar("_M", bound=_Form)


def _fields(request: RawRequest) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in form_fields(request.body):
        fields.setdefault(name, value)  # Twilio never repeats these names; the first one wins
    return fields


def _validate(model: type[_M], data: Mapping[str, object]) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        # ("Media", 0, "Url") is the form's MediaUrl0: name the field Twilio sent
        field = f"Media{loc[2]}{loc[1]}" if len(loc) == 3 and loc[0] == "Media" else ".".join(map(str, loc)) or "body"
        raise PayloadError(f"{field}: {exc.errors()[0]['msg']}", field=field) from None


def kind_of(fields: Mapping[str, str]) -> Kind:
    """Tell the webhooks apart by their distinguishing field; anything else is read as a call (CallSid …)."""
    if "TranscriptionSid" in fields:
        return Kind.TRANSCRIPTION
    if "DialCallStatus" in fields:  # before recordings: a <Dial record> action carries RecordingUrl too
        return Kind.DIAL
    if "RecordingSid" in fields:
        return Kind.RECORDING
    if fields.keys() & {"MessageSid", "SmsMessageSid", "SmsSid"}:
        return Kind.SMS
    return Kind.VOICE


_MODELS: dict[Kind, type[Webhook]] = {
    Kind.VOICE: IncomingCall,
    Kind.SMS: IncomingMessage,
    Kind.DIAL: DialResult,
    Kind.RECORDING: RecordingDone,
    Kind.TRANSCRIPTION: TranscriptionDone,
}


_ACK = re.compile(r"^\s*ack\s+(\d{6})\s*$", re.IGNORECASE)


def ack_code(body: str | None) -> str | None:
    """The code in an on-call person's "ACK 482913" reply to a page, if that is all the text says."""
    match = _ACK.match(body or "")
    return match.group(1) if match else None


def parse_voice(request: RawRequest) -> IncomingCall:
    return _validate(IncomingCall, _fields(request))


def parse_sms(request: RawRequest) -> IncomingMessage:
    return _validate(IncomingMessage, _fields(request))


def parse_dial_result(request: RawRequest) -> DialResult:
    return _validate(DialResult, {**_fields(request), "Attempt": twiml.attempt_from(request.query)})


def parse_recording(request: RawRequest) -> RecordingDone:
    return _validate(RecordingDone, _fields(request))


def parse_transcription(request: RawRequest) -> TranscriptionDone:
    return _validate(TranscriptionDone, _fields(request))


def parse(request: RawRequest) -> Webhook:
    """Any of the five webhooks, told apart by ``kind_of``; a route that knows its kind calls ``parse_<kind>``."""
    fields = _fields(request)
    kind = kind_of(fields)
    if kind is Kind.DIAL:
        fields["Attempt"] = str(twiml.attempt_from(request.query))
    model: type[Webhook] = _MODELS[kind]
    return _validate(model, fields)


# ---- mapping to events -------------------------------------------------------------------------


def _phone(address: str | None) -> str | None:
    return address if address and _E164.match(address) else None


def pair_thread(a: str, b: str) -> str:
    """``twilio:<lower>|<higher>``: sorted, so a call, texts and any reply from our line share one thread.

    Sorting needs no knowledge of which number is ours, and an outbound leg (From: our line) of
    the same conversation lands in the same thread as the customer's inbound messages.
    """
    return f"{PROVIDER}:{'|'.join(sorted((a, b)))}"


def call_thread(call_sid: str) -> str:
    """The call's own event id; a thread key naming it finds the call's ticket."""
    return f"{PROVIDER}:call:{call_sid}"


def voice_thread(call_sid: str, from_: str | None, to: str | None) -> str:
    """A call and its voicemail callbacks thread alike, so they share a ticket in any triage order.

    SQS does not keep order: the recording can be triaged before its call, and whichever comes first
    claims the thread the others then join. The number pair when the caller's number is known (texts
    from the same phone join too); else the call itself, since every withheld caller shares one
    "number" and pairing on it would merge strangers' calls.
    """
    return pair_thread(phone, to) if to and (phone := _phone(from_)) else call_thread(call_sid)


def call_event(call: IncomingCall, received_at: datetime) -> SupportEvent:
    phone = _phone(call.from_)
    place = ", ".join(p for p in (call.from_city, call.from_state) if p) or call.from_country
    who = " ".join(p for p in (call.caller_name, phone or "a withheld number") if p)
    metadata = {"call_sid": call.call_sid, "to": call.to, "direction": call.direction}
    metadata |= {"from_country": call.from_country} if call.from_country else {}
    metadata |= {} if phone else {"from_raw": call.from_}
    return SupportEvent(
        event_id=call_thread(call.call_sid),
        channel=Channel.VOICE,
        provider=PROVIDER,
        received_at=received_at,
        sender=Sender(name=call.caller_name or None, phone=phone),
        text=f"Incoming call from {who}" + (f" ({place})" if place else ""),
        thread_key=voice_thread(call.call_sid, call.from_, call.to),
        metadata=metadata,
    )


def sms_event(message: IncomingMessage, received_at: datetime) -> SupportEvent:
    metadata = {"message_sid": message.message_sid, "to": message.to, "num_media": str(len(message.media))}
    for i, item in enumerate(message.media):
        metadata |= {f"media_url_{i}": item.url} | ({f"media_type_{i}": item.content_type} if item.content_type else {})
    return SupportEvent(
        event_id=f"{PROVIDER}:sms:{message.message_sid}",
        channel=Channel.SMS,
        provider=PROVIDER,
        received_at=received_at,
        sender=Sender(phone=_phone(message.from_)),
        text=message.body or (f"[{len(message.media)} attachment(s), no text]" if message.media else ""),
        thread_key=pair_thread(message.from_, message.to),
        metadata=metadata,
    )


def recording_event(recording: RecordingDone, received_at: datetime) -> SupportEvent:
    phone = _phone(recording.from_)
    return SupportEvent(
        event_id=f"{PROVIDER}:recording:{recording.recording_sid}",
        channel=Channel.VOICE,
        provider=PROVIDER,
        received_at=received_at,
        sender=Sender(phone=phone),
        text=f"Voicemail ({recording.recording_duration} s)" + (f" from {phone}" if phone else ""),
        thread_key=voice_thread(recording.call_sid, recording.from_, recording.to),
        metadata={
            "call_sid": recording.call_sid,
            "recording_sid": recording.recording_sid,
            "recording_url": recording.recording_url,
            "recording_duration": str(recording.recording_duration),
            # our voicemail TwiML always asks for a transcript; its callback pages, this one attaches
            PAGE_HINT: HOLD,
        },
    )


def transcription_event(transcription: TranscriptionDone, received_at: datetime) -> SupportEvent:
    status = transcription.transcription_status
    metadata = {"call_sid": transcription.call_sid, "recording_sid": transcription.recording_sid, "status": status}
    # the caller's words: news for whoever holds the call's page, even if it is already open
    metadata[PAGE_HINT] = ALWAYS
    metadata |= {"recording_url": transcription.recording_url} if transcription.recording_url else {}
    return SupportEvent(
        event_id=f"{PROVIDER}:transcription:{transcription.transcription_sid}",
        channel=Channel.VOICE,
        provider=PROVIDER,
        received_at=received_at,
        sender=Sender(phone=_phone(transcription.from_)),
        text=transcription.transcription_text.strip() or f"Voicemail with no transcript (transcription {status})",
        thread_key=voice_thread(transcription.call_sid, transcription.from_, transcription.to),
        metadata=metadata,
    )


def to_inbound(webhook: Webhook, received_at: datetime) -> Inbound:
    """Events to queue and the default answer; a live call's TwiML is the route's (it needs ``decide``)."""
    match webhook:
        case IncomingCall():
            return Inbound(events=(call_event(webhook, received_at),))
        case IncomingMessage():
            return Inbound(events=(sms_event(webhook, received_at),), reply=twiml.empty())
        case DialResult():
            return Inbound(skipped=(f"dial result {webhook.dial_call_status}: the route picks the next step",))
        case RecordingDone():
            return Inbound(events=(recording_event(webhook, received_at),), reply=twiml.hang_up())
        case TranscriptionDone():
            return Inbound(events=(transcription_event(webhook, received_at),), reply=twiml.empty())


def handle(request: RawRequest, received_at: datetime) -> Inbound:
    """Parse any Twilio webhook (already verified) and map it; pure."""
    return to_inbound(parse(request), received_at)
