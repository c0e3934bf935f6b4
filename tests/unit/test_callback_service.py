"""The call-back service over fakes: which numbers it asks Twilio to bridge, what it logs, what it refuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from chalicelib.channels.twilio_calls import TwilioAccount
from chalicelib.errors import DependencyError, SwitchboardError
from chalicelib.model.customer import Customer
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel, Sender
from chalicelib.model.ticket import Ticket
from chalicelib.replies.model import HttpAnswer, TransportError
from chalicelib.services.callback import CallbackError, CallbackService
from tests.ack_reply_fakes import FakeTransport
from tests.paging_fakes import FakePages, ticket
from tests.paging_fixtures import OPENED, make_page

NOW = OPENED + timedelta(minutes=4)
ACCOUNT = TwilioAccount("AC" + "0" * 32, "token", "https://api.twilio.test")
SUPPORT = "+18005550199"


def _ticket(channel: Channel, sender: Sender, to: str | None = None, directory_phone: str | None = None) -> Ticket:
    base = ticket("T-20261124-0001", Priority.P1, channel=channel)
    event = base.event.model_copy(update={"sender": sender, "metadata": {"to": to} if to else {}})
    customer = Customer(customer_id="c1", name="Dana Whitfield", plan="enterprise", phone=directory_phone)
    return base.model_copy(update={"event": event, "customer": customer})


def _service(the_ticket: Ticket | None, transport: FakeTransport | None = None, **changes: Any) -> CallbackService:
    pages = FakePages()
    page = make_page(level=0, step=1)  # Priya (+15550100) on call
    pages.pages[page.page_id] = page
    return CallbackService(
        pages=pages,
        tickets=lambda _tid: the_ticket,
        transport=transport or FakeTransport(),
        account=lambda: ACCOUNT,
        support_phone=changes.get("support_phone", SUPPORT),
    )


def _fields(transport: FakeTransport) -> dict[str, str]:
    [request] = transport.sent
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


@pytest.mark.parametrize(
    ("the_ticket", "customer", "company"),
    [
        pytest.param(
            _ticket(Channel.SMS, Sender(phone="+12125550100"), to="+16465550123"),
            "+12125550100",
            "+16465550123",
            id="sms-from-the-number-they-texted",
        ),
        pytest.param(
            _ticket(Channel.VOICE, Sender(phone="+12125550100"), to="+16465550123"),
            "+12125550100",
            "+16465550123",
            id="voice-from-the-number-they-called",
        ),
        pytest.param(
            _ticket(Channel.WIDGET, Sender(email="dana@northwind.example"), directory_phone="+12125550100"),
            "+12125550100",
            SUPPORT,
            id="widget-directory-phone-support-line",
        ),
    ],
)
def test_a_call_back_rings_the_person_then_the_customer_from_the_company_line(the_ticket, customer, company):
    # GIVEN Priya paged for Dana's message
    transport = FakeTransport()
    service = _service(the_ticket, transport)
    # WHEN Priya presses "Call the customer"
    placed = service.call("P-0a1b2c3d4e", "priya", NOW)
    # THEN Twilio rings Priya from the company line and bridges Dana with the company line as caller id
    fields = _fields(transport)
    assert (fields["To"], fields["From"]) == ("+15550100", company)
    assert fields["Twiml"] == f'<Response><Dial callerId="{company}"><Number>{customer}</Number></Dial></Response>'
    assert placed.call_sid == "CA" + "5" * 32 and placed.company_number == company
    # AND the ticket's timeline says who called whom, through which line
    [entry] = service.pages.timeline("T-20261124-0001")  # type: ignore[attr-defined]
    assert entry.kind.value == "called-back" and entry.actor == "priya" and entry.page_id == "P-0a1b2c3d4e"
    assert entry.text.startswith(f"Priya Nair called Dana Whitfield back through the company line {company}")
    assert f"then {customer} (call CA{'5' * 32})" in entry.text


@pytest.mark.parametrize(
    ("the_ticket", "person", "changes", "error", "reason"),
    [
        pytest.param(
            _ticket(Channel.WIDGET, Sender(email="dana@northwind.example")),
            "priya",
            {},
            CallbackError,
            "no phone number to call back",
            id="customer-without-phone",
        ),
        pytest.param(
            _ticket(Channel.WIDGET, Sender(phone="+12125550100")),
            "priya",
            {"support_phone": None},
            CallbackError,
            "set SUPPORT_PHONE",
            id="no-company-line",
        ),
        pytest.param(
            _ticket(Channel.SMS, Sender(phone="+12125550100"), to="+16465550123"),
            "maya",
            {},
            CallbackError,
            "no phone number for Maya Chen",
            id="person-without-phone",
        ),
        pytest.param(
            _ticket(Channel.SMS, Sender(phone="+12125550100"), to="+16465550123"),
            "mallory",
            {},
            CallbackError,
            "not on page",
            id="not-on-the-page",
        ),
    ],
)
def test_a_call_back_with_nobody_to_ring_asks_twilio_nothing(the_ticket, person, changes, error, reason):
    transport = FakeTransport()
    service = _service(the_ticket, transport, **changes)
    # WHEN the button is pressed; THEN a clear refusal, no request, nothing on the timeline
    with pytest.raises(error, match=reason):
        service.call("P-0a1b2c3d4e", person, NOW)
    assert transport.sent == []
    assert service.pages.timeline("T-20261124-0001") == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("transport", "error", "reason"),
    [
        pytest.param(
            FakeTransport(answer=HttpAnswer(400, {}, b'{"code": 21211, "message": "Invalid \'To\' Phone Number"}')),
            CallbackError,
            "Twilio refused the call: 21211",
            id="twilio-refuses",
        ),
        pytest.param(
            FakeTransport(answer=HttpAnswer(429, {"Retry-After": "2"}, b'{"code": 20429}')),
            DependencyError,
            "try again",
            id="twilio-busy",
        ),
        pytest.param(
            FakeTransport(error=TransportError("read timed out", sent=True)),
            DependencyError,
            "it may still ring",
            id="timeout-after-sending",
        ),
    ],
)
def test_a_call_twilio_did_not_place_is_not_logged_as_placed(transport, error, reason):
    service = _service(_ticket(Channel.SMS, Sender(phone="+12125550100"), to="+16465550123"), transport)
    # WHEN Twilio refuses, is busy, or does not answer; THEN the person hears why, and the timeline has no call
    with pytest.raises(SwitchboardError, match=reason) as raised:
        service.call("P-0a1b2c3d4e", "priya", NOW)
    assert isinstance(raised.value, error)
    assert service.pages.timeline("T-20261124-0001") == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, (None, None, "https://api.twilio.com"), id="defaults"),
        pytest.param(
            {
                "SUPPORT_PHONE": SUPPORT,
                "TWILIO_ACCOUNT_SID": ACCOUNT.account_sid,
                "TWILIO_API_BASE": "http://127.0.0.1:9/",
            },
            (SUPPORT, ACCOUNT.account_sid, "http://127.0.0.1:9"),
            id="local-stand-in",
        ),
    ],
)
def test_the_call_back_settings_come_from_the_environment(env, expected):
    from chalicelib.settings import Settings

    # GIVEN the variables a deployment (or the local platform) sets; WHEN settings are read
    base = {
        "TICKETS_TABLE": "t",
        "CUSTOMERS_TABLE": "c",
        "EVENTS_QUEUE_URL": "q",
        "PAGER_TOPICS": "{}",
        "WIDGET_SIGNING_SECRET": "s",
    }
    s = Settings.from_env({**base, **env})
    # THEN the company line, the account and the API's base (no trailing slash) are what they say
    assert (s.support_phone, s.outbound.twilio_account_sid, s.outbound.twilio_api) == expected
