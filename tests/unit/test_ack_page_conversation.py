"""The ack page with its ticket: the whole message, the customer's contact and clock, the reply box, the call button."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest

from chalicelib.model.customer import Customer
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel, Sender
from chalicelib.model.page import PageState
from chalicelib.model.ticket import Ticket
from chalicelib.paging.ack_details import Conversation
from chalicelib.paging.ack_page import confirm_page
from tests.paging_fakes import ticket
from tests.paging_fixtures import OPENED, make_page

HIDDEN = {"p": "priya", "e": "1795593600", "s": "c2lnbmF0dXJl"}
ACTION = "/ack/P-0a1b2c3d4e"
TOKEN = "tOkEn_0123456789abcdefgh"
# a long message whose most useful part comes last, as people write at 3 a.m.
LONG = (
    "Hi,\n\n"
    + "Our checkout has been failing since about two o'clock and every store is affected. " * 30
    + "\n\nPlease call me on +1 212 555 0100 — we need it fixed before 09:00 EST Friday or we cancel the launch."
)


def _ticket(**event: Any) -> Ticket:
    base = ticket("T-20261124-0001", Priority.P1, channel=event.pop("channel", Channel.WIDGET))
    customer = Customer(
        customer_id="cus_northwind",
        name="Northwind Traders",
        contact_name="Dana Whitfield",
        plan="enterprise",
        timezone=event.pop("timezone", "America/New_York"),
    )
    fields = {"sender": Sender(name="Dana W.", email="dana@northwind.example"), "text": LONG, **event}
    return base.model_copy(update={"event": base.event.model_copy(update=fields), "customer": customer})


def _html(the_ticket: Ticket, now: datetime = OPENED, **conversation: Any) -> str:
    c = Conversation(ticket=the_ticket, now=now, token=TOKEN, **conversation)
    return confirm_page(make_page(level=0, step=1), "Priya Nair", ACTION, HIDDEN, c)


def _message(html: str) -> str:
    [text] = re.findall(r'<div class="message">(.*?)</div>', html, re.S)
    return unescape(text)


def test_the_whole_message_is_shown_with_its_line_breaks_not_the_summary():
    # GIVEN a 2,700-character message that ends with a phone number and a deadline
    assert len(LONG) > 2500
    # WHEN Priya opens her link
    html = _html(_ticket(subject="Checkout down at every store"))
    # THEN every character is there, the line breaks kept (the page's CSS shows them), the end intact
    assert _message(html) == LONG.strip()
    assert "+1 212 555 0100" in html and "before 09:00 EST Friday or we cancel the launch." in html
    assert '<p class="subject">Checkout down at every store</p>' in html


def test_what_the_customer_typed_is_escaped_everywhere():
    # GIVEN markup in the subject, the text and the sender's name
    the_ticket = _ticket(
        subject="<img src=x onerror=alert(1)>",
        text="</div><script>alert(2)</script>",
        sender=Sender(name="<b>Dana</b>", handle='x:@"evil"'),
    )
    html = _html(the_ticket.model_copy(update={"customer": Customer.unknown("x")}))
    # THEN none of it is markup on the page
    assert "<script>" not in html and "<img" not in html and "<b>Dana" not in html
    assert _message(html) == "</div><script>alert(2)</script>"
    assert "&lt;b&gt;Dana&lt;/b&gt;" in html and "x:@&quot;evil&quot;" in html


def _rows(html: str) -> dict[str, str]:
    return {unescape(k): unescape(v) for k, v in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html)}


def test_the_contact_is_what_the_message_came_with_and_the_tier_is_shown():
    # GIVEN Dana's SMS to the company line
    the_ticket = _ticket(channel=Channel.SMS, sender=Sender(phone="+12125550100"), metadata={"to": "+16465550123"})
    rows = _rows(_html(the_ticket))
    # THEN the page names her, her number, the account and its tier, and how the reply will travel
    assert rows["From"] == "Dana Whitfield" and rows["Phone"] == "+12125550100"
    assert rows["Account"] == "Northwind Traders" and rows["Tier"] == "enterprise"
    assert rows["Channel"] == "SMS"
    assert "Email" not in rows


@pytest.mark.parametrize(
    ("zone", "now", "local", "utc"),
    [
        pytest.param(
            "America/New_York", OPENED, "03:00 on Tue 24 Nov (America/New_York, UTC-05:00)", "08:00 UTC", id="ny-night"
        ),
        pytest.param(
            "Asia/Kolkata", OPENED, "13:30 on Tue 24 Nov (Asia/Kolkata, UTC+05:30)", "08:00 UTC", id="half-hour-zone"
        ),
        pytest.param(
            "Pacific/Auckland",
            OPENED,
            "21:00 on Tue 24 Nov (Pacific/Auckland, UTC+13:00)",
            "08:00 UTC",
            id="nz-daylight-time",
        ),
        pytest.param(
            "Pacific/Kiritimati",
            datetime(2026, 11, 24, 23, 30, tzinfo=UTC),
            "13:30 on Wed 25 Nov (Pacific/Kiritimati, UTC+14:00)",
            "23:30 UTC",
            id="tomorrow-there",
        ),
        pytest.param(
            # 1 Nov 2026, 05:30 UTC: New York's clocks went back at 06:00 UTC; 01:30 EDT, not EST
            "America/New_York",
            datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            "01:30 on Sun 1 Nov (America/New_York, UTC-04:00)",
            "05:30 UTC",
            id="ny-before-dst-ends",
        ),
        pytest.param(
            "America/New_York",
            datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
            "01:30 on Sun 1 Nov (America/New_York, UTC-05:00)",
            "06:30 UTC",
            id="ny-after-dst-ends",
        ),
        pytest.param(
            "Mars/Olympus",
            OPENED,
            "08:00 on Tue 24 Nov (UTC: their zone 'Mars/Olympus' is unknown, UTC+00:00)",
            "08:00 UTC",
            id="unknown-zone",
        ),
    ],
)
def test_the_customers_clock_is_shown_beside_utc_and_labelled(zone, now, local, utc):
    # GIVEN a customer in ``zone``; WHEN the page is opened at ``now``
    rows = _rows(_html(_ticket(timezone=zone), now=now))
    # THEN their local time, with its weekday, and UTC, each saying which it is
    assert rows["Their local time"] == local
    assert rows["Time now (UTC)"].startswith(utc)


def test_the_reply_box_posts_the_signed_fields_a_one_time_token_and_the_text():
    html = _html(_ticket())
    # THEN a form posts to …/reply with the link's fields and the render's token, and a bounded textarea
    [form] = re.findall(rf'<form method="post" action="{ACTION}/reply">(.*?)</form>', html, re.S)
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form)
    assert hidden == [*HIDDEN.items(), ("token", TOKEN)]
    assert '<textarea id="reply" name="text" rows="5" maxlength="4000" required></textarea>' in form
    assert "Reply to Dana Whitfield by the website widget" in form


def test_an_sms_reply_box_holds_what_one_twilio_message_can():
    # GIVEN Dana texted; THEN the box stops at Twilio's 1,600 characters, not the outbox's 4,000
    html = _html(_ticket(channel=Channel.SMS, sender=Sender(phone="+12125550100"), metadata={"to": "+16465550123"}))
    assert 'maxlength="1600"' in html and "Reply to Dana Whitfield by SMS" in html


def test_a_closed_ticket_has_no_reply_box():
    html = _html(_ticket().model_copy(update={"status": "closed"}))
    assert "/reply" not in html and "replies from here are off" in html


@pytest.mark.parametrize(
    ("numbers", "shown"),
    [
        pytest.param(
            {"person_phone": "+15550100", "customer_phone": "+12125550100", "company_line": "+16465550123"},
            True,
            id="all-numbers",
        ),
        pytest.param(
            {"person_phone": "+15550100", "customer_phone": None, "company_line": "+16465550123"},
            False,
            id="no-customer-phone",
        ),
        pytest.param(
            {"person_phone": None, "customer_phone": "+12125550100", "company_line": "+16465550123"},
            False,
            id="no-phone-for-the-person",
        ),
        pytest.param(
            {"person_phone": "+15550100", "customer_phone": "+12125550100", "company_line": None},
            False,
            id="no-company-line",
        ),
    ],
)
def test_the_call_button_is_there_only_with_a_number_on_each_end(numbers, shown):
    html = _html(_ticket(), **numbers)
    forms = re.findall(rf'<form method="post" action="{ACTION}/call">(.*?)</form>', html, re.S)
    assert len(forms) == (1 if shown else 0)
    if shown:
        [form] = forms
        assert re.findall(r'name="(\w+)"', form) == ["p", "e", "s"]
        assert ">Call the customer</button>" in form
        assert "from the company line +16465550123" in form and "who sees the company line" in form


def test_a_page_someone_took_still_lets_others_answer_the_customer():
    # GIVEN Tom took the page; WHEN Priya opens her link
    page = make_page(level=1, step=2, state=PageState.ACKED, acked_by="tom", acked_at=OPENED)
    c = Conversation(ticket=_ticket(), now=OPENED, token=TOKEN)
    html = confirm_page(page, "Priya Nair", ACTION, HIDDEN, c)
    # THEN she reads who has it, no Acknowledge button, and the reply box (not "nothing more to do")
    assert "Acknowledged by Tom Okafor at 08:00 UTC on 24 Nov 2026." in html
    assert ">Acknowledge</button>" not in html and "Nothing more to do" not in html
    assert f'action="{ACTION}/reply"' in html
