"""TwiML for a live support call, built with the stdlib (the twilio package is ~25 MB) and the dial-list stepper."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from chalicelib.channels.base import Reply
from chalicelib.errors import PayloadError
from chalicelib.model.decision import Contact

CONTENT_TYPE = "text/xml"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# XML 1.0 forbids these code points even escaped; one in a greeting would make Twilio reject the
# whole document and play its "application error" message to the caller.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: the query parameter that carries the dial-list position between Twilio's requests
ATTEMPT_PARAM = "attempt"
_MAX_ATTEMPT = 99


class DialStatus(StrEnum):
    """``DialCallStatus`` in the ``<Dial action>`` request."""

    COMPLETED = "completed"
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no-answer"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def reached(self) -> bool:
        """Someone picked up: the conversation happened, nobody else should be rung."""
        return self in (DialStatus.COMPLETED, DialStatus.ANSWERED)


class Action(StrEnum):
    DIAL = "dial"
    VOICEMAIL = "voicemail"
    HANG_UP = "hang_up"


@dataclass(frozen=True)
class Step:
    """What to answer a ``<Dial action>`` with; ``attempt`` is the dial-list index to ring for DIAL."""

    action: Action
    attempt: int | None = None


def _document(*verbs: ET.Element) -> Reply:
    root = ET.Element("Response")
    root.extend(verbs)
    return Reply(status=200, body=_DECLARATION + ET.tostring(root, encoding="unicode"), content_type=CONTENT_TYPE)


def _say(text: str) -> ET.Element:
    element = ET.Element("Say")
    element.text = _NOT_XML.sub("", text)
    return element


# built once: every SMS and callback answers with one of these
_EMPTY = _document()
_HANG_UP = _document(ET.Element("Hangup"))


def dial(contact: Contact, caller_id: str, action_url: str, timeout: int = 20) -> Reply:
    """Ring one person; Twilio POSTs the outcome to ``action_url`` and plays whatever we answer there.

    ``caller_id`` should be the company line the customer called (the call's ``To``): the on-call
    person sees "support line" rather than an unknown number, can let that one number through
    Do Not Disturb at night, and Twilio accepts it because the account owns it (an arbitrary
    number would be refused). ``answerOnBridge`` keeps the customer hearing ringback rather than
    silence until someone really picks up; 20 s ends the attempt before most carriers divert to
    the person's own voicemail, which Twilio would otherwise count as an answer.
    """
    element = ET.Element(
        "Dial",
        {
            "action": action_url,
            "method": "POST",
            "timeout": str(timeout),
            "answerOnBridge": "true",
            "callerId": caller_id,
        },
    )
    ET.SubElement(element, "Number").text = contact.phone
    return _document(element)


def voicemail(greeting: str, action_url: str, transcribe_callback_url: str, max_length: int = 120) -> Reply:
    """Greet, record after the beep, transcribe; Twilio's transcription stops at 120 s, hence the default.

    ``action`` must be set: without it Twilio re-requests the current URL and loops. The trailing
    ``<Hangup/>`` only runs when nothing was recorded (Twilio then skips the action request).
    """
    record = ET.Element(
        "Record",
        {
            "action": action_url,
            "method": "POST",
            "maxLength": str(max_length),
            "playBeep": "true",
            "transcribe": "true",
            "transcribeCallback": transcribe_callback_url,
        },
    )
    return _document(_say(greeting), record, ET.Element("Hangup"))


def hang_up() -> Reply:
    return _HANG_UP


def empty() -> Reply:
    """``<Response/>``: an SMS with no reply, or a callback Twilio only wants acknowledged."""
    return _EMPTY


def message(text: str) -> Reply:
    """``<Message>``: the SMS reply to the number that texted us."""
    verb = ET.Element("Message")
    verb.text = _NOT_XML.sub("", text)
    return _document(verb)


def say_and_hang_up(text: str) -> Reply:
    return _document(_say(text), ET.Element("Hangup"))


def next_step(dial_status: DialStatus, attempt: int, dial_list_length: int, *, caller_hung_up: bool = False) -> Step:
    """After ringing ``dial_list[attempt]``: ring the next person, take a voicemail, or end.

    ``caller_hung_up`` (the parent call's ``CallStatus`` is ``completed``) ends it whatever the
    dial status: Twilio ignores TwiML for a call that is gone, and ringing on would wake the
    next person for nobody.
    """
    if caller_hung_up or dial_status.reached:
        return Step(Action.HANG_UP)
    following = attempt + 1
    if following < dial_list_length:
        return Step(Action.DIAL, following)
    return Step(Action.VOICEMAIL)


def action_url(base: str, attempt: int) -> str:
    """``base`` with ``attempt=N`` in its query, so the next request says where we are without stored state.

    The query is written sorted: Twilio has been seen to sort an action URL's query before calling
    it while signing the URL as given (twilio/twilio-php#790), so any other order fails verification.
    """
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != ATTEMPT_PARAM]
    query.append((ATTEMPT_PARAM, str(attempt)))
    return urlunsplit(parts._replace(query=urlencode(sorted(query))))


def attempt_from(query: Mapping[str, str]) -> int:
    """The dial-list index a ``<Dial action>`` request is about; absent means the first person (0)."""
    raw = query.get(ATTEMPT_PARAM)
    if raw is None:
        return 0
    if not (raw.isascii() and raw.isdigit()) or int(raw) > _MAX_ATTEMPT:
        raise PayloadError(f"{ATTEMPT_PARAM}: expected an integer 0–{_MAX_ATTEMPT}, got {raw[:20]!r}", ATTEMPT_PARAM)
    return int(raw)
