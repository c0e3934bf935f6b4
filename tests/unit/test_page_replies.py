"""A paged person's reply from the page or by SMS "R <code> <text>", over fakes: who may, what is sent, what it takes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from chalicelib.channels.twilio_forms import reply_command
from chalicelib.errors import PayloadError, SwitchboardError
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel, Sender
from chalicelib.model.page import PageState
from chalicelib.model.ticket import Ticket
from chalicelib.services.page_replies import PageReplyService
from tests.ack_reply_fakes import FakeReplies
from tests.paging_fakes import FakePages, paging_with_fakes, ticket
from tests.paging_fixtures import FOUNDERS, ON_CALL, OPENED, make_page

NOW = OPENED + timedelta(minutes=7)
SID = "SM" + "4" * 32
TOKEN = "qW3rTy_uI0p-aSdFgHjKl1"


@pytest.mark.parametrize(
    ("body", "parsed"),
    [
        pytest.param("R 482913 On it, calling you in 5", ("482913", "On it, calling you in 5"), id="reply"),
        pytest.param("r 482913 two\nlines ", ("482913", "two\nlines"), id="lowercase-multiline"),
        pytest.param("  R   482913   spaced  ", ("482913", "spaced"), id="spaces"),
        pytest.param("R 482913", ("482913", ""), id="no-text"),
        pytest.param("R 4829131 hi", None, id="seven-digits"),
        pytest.param("R482913 hi", None, id="no-space"),
        pytest.param("Re 482913 hi", None, id="re-is-not-r"),
        pytest.param("ACK 482913", None, id="ack"),
        pytest.param("Running late, order 482913", None, id="customer-text"),
        pytest.param(None, None, id="none"),
    ],
)
def test_an_r_command_is_code_then_text(body, parsed):
    # GIVEN an SMS body; WHEN it is read as a command; THEN (code, text) only for "R <6 digits> …"
    assert reply_command(body) == parsed


def _service(state: PageState = PageState.OPEN, **page: Any) -> tuple[PageReplyService, FakePages, FakeReplies]:
    """Priya (on call, +15550100) and the founders paged for Dana's SMS to the company line."""
    pages = FakePages()
    opened = make_page(level=1, step=2, state=state, **page)
    pages.pages[opened.page_id] = opened
    pages.codes[opened.ack_code] = opened.page_id
    base = ticket(opened.ticket_id, Priority.P1, channel=Channel.SMS)
    event = base.event.model_copy(
        update={"sender": Sender(phone="+12125550100"), "metadata": {"to": "+16465550123"}, "text": "Checkout down"}
    )
    the_ticket: Ticket = base.model_copy(update={"event": event})
    replies = FakeReplies(lambda tid: the_ticket if tid == the_ticket.ticket_id else None)
    paging = paging_with_fakes({"urgent": ((ON_CALL, FOUNDERS), 2)}, pages=pages)
    service = PageReplyService(pages, replies, replies.tickets, paging.acknowledge)
    return service, pages, replies


def test_an_sms_reply_from_the_paged_number_goes_to_the_customer_and_takes_the_page():
    # GIVEN Priya was paged on +15550100
    service, pages, replies = _service()
    # WHEN she texts "R 482913 …" (Twilio's MessageSid identifies the text)
    answer = service.by_sms("482913", "+15550100", "On it, calling you in 5", SID, NOW)
    # THEN one reply in her name, keyed by the SMS, and she is told where it went
    [call] = replies.calls
    assert (call.ticket_id, call.person, call.person_name) == ("T-20261124-0001", "priya", "Priya Nair")
    assert (call.text, call.token, call.now) == ("On it, calling you in 5", SID, NOW)
    assert answer == "Switchboard: sent to Dana Whitfield by SMS. You have the ticket; escalation stopped."
    # AND the page is hers: nobody else is woken for a customer who has an answer
    page = pages.pages["P-0a1b2c3d4e"]
    assert (page.state, page.acked_by) == (PageState.ACKED, "priya")
    assert "via a reply by SMS from +15550100" in pages.timelines["T-20261124-0001"][-1].text


@pytest.mark.parametrize(
    ("code", "phone", "text", "answer", "refused_entry"),
    [
        pytest.param(
            "482913", "+12125550199", "hi", "not accepted: this number was not paged", True, id="other-number"
        ),
        pytest.param("111111", "+15550100", "hi", "no page has the code 111111", False, id="unknown-code"),
        pytest.param("482913", "+15550100", "  ", "nothing to send. Text R 482913 followed by", False, id="empty"),
    ],
)
def test_an_sms_reply_that_cannot_be_sent_sends_nothing(code, phone, text, answer, refused_entry):
    # GIVEN a page reaching Priya's number
    service, pages, replies = _service()
    # WHEN an R command comes with a wrong number, a wrong code or no text
    said = service.by_sms(code, phone, text, SID, NOW)
    # THEN the sender hears why, nothing goes to the customer, and the page keeps escalating
    assert answer in said
    assert replies.calls == []
    assert pages.pages["P-0a1b2c3d4e"].state is PageState.OPEN
    entries = pages.timelines.get("T-20261124-0001", [])
    assert [e.kind.value for e in entries] == (["refused"] if refused_entry else [])


def test_the_reply_services_refusal_is_texted_back():
    # GIVEN a ticket the reply service will not answer (closed)
    service, pages, replies = _service()
    replies.refuse = PayloadError("ticket T-20261124-0001 is closed")
    # WHEN Priya texts a reply; THEN she hears why, and the page was not taken on a reply that did not go
    assert (
        service.by_sms("482913", "+15550100", "hi", SID, NOW)
        == "Switchboard: not sent: ticket T-20261124-0001 is closed"
    )
    assert pages.pages["P-0a1b2c3d4e"].state is PageState.OPEN


def test_a_reply_from_the_page_keeps_its_lines_and_cleans_a_browsers_line_ends():
    # GIVEN Maya's verified link on an open page
    service, _pages, replies = _service()
    # WHEN her browser posts a textarea (CRLF line ends, a stray control character, blank margins)
    answered = service.from_page("P-0a1b2c3d4e", "maya", "\r\nHi Dana,\r\n\r\nwe are on it.\x07\r\n", TOKEN, NOW)
    # THEN the customer gets her lines as written, keyed by the form's token
    [call] = replies.calls
    assert (call.text, call.token, call.person_name) == ("Hi Dana,\n\nwe are on it.", TOKEN, "Maya Chen")
    assert answered.to == "Dana Whitfield by SMS" and answered.took


def test_a_reply_to_a_page_someone_else_took_is_sent_and_leaves_the_page_theirs():
    # GIVEN Priya took the page; WHEN Maya replies from her link
    service, pages, replies = _service(PageState.ACKED, acked_by="priya", acked_at=OPENED)
    answered = service.from_page("P-0a1b2c3d4e", "maya", "Adding: a refund is on its way.", TOKEN, NOW)
    # THEN the reply goes, and the page stays Priya's
    assert len(replies.calls) == 1 and not answered.took
    assert pages.pages["P-0a1b2c3d4e"].acked_by == "priya"


@pytest.mark.parametrize(
    ("person", "text", "token", "error"),
    [
        pytest.param("mallory", "hi", TOKEN, "not on page", id="not-on-the-page"),
        pytest.param("maya", "hi", "", "no valid token", id="no-token"),
        pytest.param("maya", "hi", "x" * 65, "no valid token", id="token-too-long"),
        pytest.param("maya", " \r\n ", TOKEN, "empty", id="blank"),
    ],
)
def test_a_reply_from_the_page_that_cannot_be_sent_raises_a_4xx(person, text, token, error):
    service, _pages, replies = _service()
    # WHEN the form is posted; THEN a 4xx error, and nothing reached the reply service
    with pytest.raises(SwitchboardError, match=error) as raised:
        service.from_page("P-0a1b2c3d4e", person, text, token, NOW)
    assert 400 <= raised.value.http_status < 500
    assert replies.calls == []
