"""TwiML builders: parsed back with ElementTree, compared with the twilio SDK's generator; the dial-list stepper."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from chalicelib.channels import twiml
from chalicelib.channels.base import Reply
from chalicelib.channels.twiml import Action, DialStatus, Step
from chalicelib.errors import PayloadError
from chalicelib.model.decision import Contact

ONCALL = Contact(person="ana", name='Ana "Night" O\'Neil & co', phone="+14155550111", via="rotation primary")
LINE = "+16465550123"
DIAL_URL = "https://switchboard.example/api/webhooks/twilio/dial?attempt=0"
RECORD_URL = "https://switchboard.example/api/webhooks/twilio/recording"
TRANSCRIBE_URL = "https://switchboard.example/api/webhooks/twilio/transcription"
GREETING = "Sorry, nobody could pick up. Leave a message after the beep & we'll call you back."


def _root(reply: Reply) -> ET.Element:
    assert (reply.status, reply.content_type) == (200, "text/xml")
    assert isinstance(reply.body, str) and reply.body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(reply.body)
    assert root.tag == "Response"
    return root


def _shape(element: ET.Element) -> tuple[Any, ...]:
    """Tag, attributes, text and children: what Twilio reads, whatever the attribute order or whitespace."""
    return (element.tag, element.attrib, (element.text or "").strip(), [_shape(child) for child in element])


def _voice_response() -> Any:
    return pytest.importorskip("twilio.twiml.voice_response").VoiceResponse()


def test_dial_rings_one_number_with_the_company_line_as_caller_id():
    # WHEN the on-call person is dialled
    root = _root(twiml.dial(ONCALL, LINE, DIAL_URL))
    # THEN one <Dial> posts its outcome to the action URL and rings their number
    (dial,) = root
    assert dial.tag == "Dial"
    assert dial.attrib == {
        "action": DIAL_URL,
        "method": "POST",
        "timeout": "20",
        "answerOnBridge": "true",
        "callerId": LINE,
    }
    assert [(n.tag, n.text) for n in dial] == [("Number", ONCALL.phone)]


def test_voicemail_greets_records_and_transcribes():
    root = _root(twiml.voicemail(GREETING, RECORD_URL, TRANSCRIBE_URL))
    say, record, hangup = root
    assert (say.tag, say.text) == ("Say", GREETING)
    assert record.tag == "Record"
    assert record.attrib == {
        "action": RECORD_URL,
        "method": "POST",
        "maxLength": "120",
        "playBeep": "true",
        "transcribe": "true",
        "transcribeCallback": TRANSCRIBE_URL,
    }
    assert hangup.tag == "Hangup"  # only reached when nothing was recorded


def _sdk_dial() -> Any:
    response = _voice_response()
    dial = response.dial(action=DIAL_URL, method="POST", timeout=20, answer_on_bridge=True, caller_id=LINE)
    dial.number(ONCALL.phone)
    return response


def _sdk_voicemail() -> Any:
    response = _voice_response()
    response.say(GREETING)
    response.record(
        action=RECORD_URL,
        method="POST",
        max_length=120,
        play_beep=True,
        transcribe=True,
        transcribe_callback=TRANSCRIBE_URL,
    )
    response.hangup()
    return response


def _sdk_say_and_hang_up() -> Any:
    response = _voice_response()
    response.say("Thanks, we got your message. Goodbye.")
    response.hangup()
    return response


def _sdk_hang_up() -> Any:
    response = _voice_response()
    response.hangup()
    return response


@pytest.mark.parametrize(
    ("ours", "sdk"),
    [
        pytest.param(lambda: twiml.dial(ONCALL, LINE, DIAL_URL), _sdk_dial, id="dial"),
        pytest.param(lambda: twiml.voicemail(GREETING, RECORD_URL, TRANSCRIBE_URL), _sdk_voicemail, id="voicemail"),
        pytest.param(
            lambda: twiml.say_and_hang_up("Thanks, we got your message. Goodbye."),
            _sdk_say_and_hang_up,
            id="say-and-hang-up",
        ),
        pytest.param(twiml.hang_up, _sdk_hang_up, id="hang-up"),
        pytest.param(twiml.empty, _voice_response, id="empty"),
    ],
)
def test_the_documents_have_the_sdks_structure(ours, sdk):
    # GIVEN the same TwiML built by us (stdlib) and by the twilio SDK's generator
    expected = ET.fromstring(str(sdk()))
    # THEN Twilio would read the same verbs, attributes and text
    assert _shape(_root(ours())) == _shape(expected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Tom & Jerry <support> \"quoted\" 'single'", id="markup-characters"),
        pytest.param("</Say><Dial><Number>+19005550000</Number></Dial><Say>", id="injection-attempt"),
        pytest.param("Grazie mille, a presto! 🙏", id="non-ascii"),
    ],
)
def test_text_and_attributes_are_escaped_not_interpreted(text):
    # WHEN customer- or config-provided text goes into a <Say> and an attribute
    say_root = _root(twiml.say_and_hang_up(text))
    dial_root = _root(twiml.dial(ONCALL, LINE, f"{DIAL_URL}&note={text}"))
    # THEN it comes back verbatim and adds no verbs
    assert [e.tag for e in say_root] == ["Say", "Hangup"]
    assert say_root[0].text == text
    assert dial_root[0].attrib["action"] == f"{DIAL_URL}&note={text}"
    assert [e.tag for e in dial_root.iter()] == ["Response", "Dial", "Number"]


def test_characters_xml_cannot_carry_are_dropped_so_the_call_still_works():
    # GIVEN a greeting with a control character (pasted from somewhere)
    root = _root(twiml.say_and_hang_up("Hello\x00 there\x1b!"))
    # THEN the document still parses and the rest of the text is kept
    assert root[0].text == "Hello there!"


@pytest.mark.parametrize(
    ("status", "attempt", "length", "hung_up", "expected"),
    [
        pytest.param(DialStatus.NO_ANSWER, 0, 3, False, Step(Action.DIAL, 1), id="no-answer-next"),
        pytest.param(DialStatus.BUSY, 1, 3, False, Step(Action.DIAL, 2), id="busy-next"),
        pytest.param(DialStatus.FAILED, 0, 2, False, Step(Action.DIAL, 1), id="failed-next"),
        pytest.param(DialStatus.CANCELED, 0, 2, False, Step(Action.DIAL, 1), id="canceled-next"),
        pytest.param(DialStatus.NO_ANSWER, 2, 3, False, Step(Action.VOICEMAIL), id="last-no-answer-voicemail"),
        pytest.param(DialStatus.BUSY, 0, 1, False, Step(Action.VOICEMAIL), id="only-person-busy-voicemail"),
        pytest.param(DialStatus.NO_ANSWER, 5, 2, False, Step(Action.VOICEMAIL), id="list-shrank-voicemail"),
        pytest.param(DialStatus.COMPLETED, 0, 3, False, Step(Action.HANG_UP), id="completed-end"),
        pytest.param(DialStatus.ANSWERED, 1, 3, False, Step(Action.HANG_UP), id="answered-end"),
        pytest.param(DialStatus.NO_ANSWER, 0, 3, True, Step(Action.HANG_UP), id="caller-gone-end"),
    ],
)
def test_next_step(status, attempt, length, hung_up, expected):
    # WHEN ringing dial_list[attempt] ended with a status THEN the next step follows the table
    assert twiml.next_step(status, attempt, length, caller_hung_up=hung_up) == expected


@pytest.mark.parametrize(
    ("base", "attempt", "expected"),
    [
        pytest.param(
            "https://s.example/api/webhooks/twilio/dial",
            0,
            "https://s.example/api/webhooks/twilio/dial?attempt=0",
            id="appends",
        ),
        pytest.param("https://s.example/dial?attempt=0", 1, "https://s.example/dial?attempt=1", id="replaces"),
        pytest.param("https://s.example/dial?z=1&b=2", 2, "https://s.example/dial?attempt=2&b=2&z=1", id="sorted"),
    ],
)
def test_action_url_carries_the_attempt_in_a_sorted_query(base, attempt, expected):
    url = twiml.action_url(base, attempt)
    assert url == expected
    # and the route reads it back from the query Twilio sends
    assert twiml.attempt_from(dict(parse_qsl(urlsplit(url).query))) == attempt


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param({}, 0, id="absent-is-first"),
        pytest.param({"attempt": "3"}, 3, id="three"),
        pytest.param({"attempt": "-1"}, None, id="negative"),
        pytest.param({"attempt": "1.5"}, None, id="not-integer"),
        pytest.param({"attempt": "٣"}, None, id="non-ascii-digit"),
        pytest.param({"attempt": "100"}, None, id="absurd"),
    ],
)
def test_attempt_from(query, expected):
    if expected is not None:
        assert twiml.attempt_from(query) == expected
        return
    with pytest.raises(PayloadError) as err:
        twiml.attempt_from(query)
    assert err.value.field == "attempt"
