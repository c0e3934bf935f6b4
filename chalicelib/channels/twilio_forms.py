"""Twilio's five webhook forms: strict models told apart by their fields, and ``parse_<kind>`` for each route."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic.alias_generators import to_pascal

from chalicelib.channels import twiml
from chalicelib.channels.base import RawRequest
from chalicelib.channels.bounds import clean_text
from chalicelib.channels.twilio_signature import form_fields
from chalicelib.errors import PayloadError

_MAX_MEDIA = 10  # Twilio's MMS limit

CallSid = Annotated[str, StringConstraints(pattern=r"^CA[0-9a-f]{32}$")]
MessageSid = Annotated[str, StringConstraints(pattern=r"^(SM|MM)[0-9a-f]{32}$")]
RecordingSid = Annotated[str, StringConstraints(pattern=r"^RE[0-9a-f]{32}$")]
TranscriptionSid = Annotated[str, StringConstraints(pattern=r"^TR[0-9a-f]{32}$")]
HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https://\S+$", max_length=2048)]
# Not E.164-only: a withheld caller arrives as "Anonymous" or a placeholder, a SIP caller as sip:…,
# and rejecting those would play Twilio's "application error" to someone calling for help.
Address = Annotated[str, StringConstraints(max_length=128)]


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
    #: Advanced Opt-Out (a Messaging Service) names the keyword's kind: STOP, START or HELP; a string, so a
    #: kind Twilio adds later is ignored rather than rejected
    opt_out_type: str | None = Field(default=None, max_length=16)

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
        # Twilio never repeats these names; the first one wins. Cleaned: an SMS can carry any code point
        fields.setdefault(name, clean_text(value))
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


# "R 482913 On it, calling you in 5 minutes": the text runs to the end, line breaks included
_REPLY = re.compile(r"^\s*r\s+(\d{6})(?:\s+(.*?))?\s*$", re.IGNORECASE | re.DOTALL)


def reply_command(body: str | None) -> tuple[str, str] | None:
    """(code, text) of an on-call person's "R 482913 <text>": a reply to the customer from a phone with no data.

    The text may be empty ("R 482913" alone): the caller answers that with how to use it, rather
    than letting it become a ticket of its own.
    """
    match = _REPLY.match(body or "")
    return (match.group(1), match.group(2) or "") if match else None


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
