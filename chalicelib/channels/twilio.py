"""Twilio voice and SMS webhooks, the adapter: verify, parse, and map each webhook to SupportEvents.

The signature is checked in twilio_signature and the forms are modelled in twilio_forms; what the
API routes use from those is re-exported here, so a route imports one adapter.
"""

from __future__ import annotations

import re
from datetime import datetime

from chalicelib.channels import twiml
from chalicelib.channels.base import Inbound, RawRequest
from chalicelib.channels.twilio_forms import (
    DialResult,
    IncomingMessage,
    RecordingDone,
    TranscriptionDone,
    Webhook,
    parse,
)
from chalicelib.channels.twilio_forms import IncomingCall as IncomingCall
from chalicelib.channels.twilio_forms import ack_code as ack_code
from chalicelib.channels.twilio_forms import parse_dial_result as parse_dial_result
from chalicelib.channels.twilio_forms import parse_sms as parse_sms
from chalicelib.channels.twilio_forms import parse_voice as parse_voice
from chalicelib.channels.twilio_forms import reply_command as reply_command
from chalicelib.channels.twilio_signature import verify as verify
from chalicelib.model.event import ALWAYS, HOLD, PAGE_HINT, Channel, Sender, SupportEvent

PROVIDER = "twilio"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


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


#: Twilio's default opt-out and opt-in keywords: it blocks (or unblocks) the number and still forwards the text
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
#: ``metadata[OPT_OUT]``: the text opted the number out of our texts ("stop") or back in ("start")
OPT_OUT = "opt_out"


def opt_out(message: IncomingMessage) -> str | None:
    """ "stop" or "start" when the text is an opt-out or opt-in keyword; None for anything else (HELP too).

    Advanced Opt-Out's ``OptOutType`` wins: it knows the Messaging Service's own keywords ("ARRET").
    Without it, Twilio's rule: the whole body is the keyword, in any case ("Stop" counts, "stop please"
    does not), so a customer writing "please don't stop the import" is not opted out.
    """
    kind = (message.opt_out_type or "").strip().upper()
    if kind in ("STOP", "START"):
        return kind.lower()
    word = message.body.strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return "stop"
    return "start" if word in OPT_IN_KEYWORDS else None


def sms_event(message: IncomingMessage, received_at: datetime) -> SupportEvent:
    metadata = {"message_sid": message.message_sid, "to": message.to, "num_media": str(len(message.media))}
    if keyword := opt_out(message):
        metadata[OPT_OUT] = keyword
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
