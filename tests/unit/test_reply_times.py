"""Promised reply times read naturally: the customer's zone and words, never their night, both zones when they differ."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.model.customer import Customer
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.routing.decide import decide
from chalicelib.routing.times import keepable, promise_words
from cli.compile import RULES_YAML, compile_file

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")  # 6 hours ahead of New York in November
LONDON = ZoneInfo("Europe/London")
LA = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
RULES = compile_file(RULES_YAML)[1]


def ny(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY)


@pytest.mark.parametrize(
    ("now", "reply_by", "zone", "awake", "words"),
    [
        pytest.param(ny(2026, 11, 24, 20, 0), ny(2026, 11, 25, 9, 0), NY, False, "9:00 tomorrow", id="late-evening"),
        pytest.param(ny(2026, 11, 24, 10, 5), ny(2026, 11, 24, 14, 17), NY, False, "14:30 today", id="rounded-up"),
        pytest.param(
            # 01:30 in Berlin, the office still in its evening: "today" is the customer's day
            ny(2026, 11, 24, 19, 30),
            ny(2026, 11, 25, 9, 0),
            BERLIN,
            False,
            "15:00 today your time (9:00 in New York)",
            id="after-midnight-for-the-customer",
        ),
        pytest.param(ny(2026, 11, 27, 20, 0), ny(2026, 11, 30, 9, 0), NY, False, "Monday 9:00", id="friday-night"),
        pytest.param(
            # the evening before Thanksgiving: the office reopens on Friday
            ny(2026, 11, 25, 20, 0),
            ny(2026, 11, 27, 9, 0),
            NY,
            False,
            "Friday 9:00",
            id="over-a-holiday",
        ),
        pytest.param(
            # 18:00 New York, the end of our day, is midnight in Berlin: their next morning is promised
            ny(2026, 11, 24, 4, 0),
            ny(2026, 11, 24, 18, 0),
            BERLIN,
            False,
            "9:00 tomorrow your time",
            id="six-hours-ahead-end-of-our-day",
        ),
        pytest.param(
            # 09:00 New York is 06:00 in Los Angeles: 9:00 their time, later but a time a person says
            ny(2026, 11, 24, 20, 0),
            ny(2026, 11, 25, 9, 0),
            LA,
            False,
            "9:00 tomorrow your time",
            id="behind-us-early-morning",
        ),
        pytest.param(
            # 09:00 New York is 23:00 in Tokyo, whose Wednesday it already is
            ny(2026, 11, 24, 20, 0),
            ny(2026, 11, 25, 9, 0),
            TOKYO,
            False,
            "9:00 tomorrow your time",
            id="far-ahead-late-night",
        ),
        pytest.param(
            ny(2026, 11, 24, 20, 0), ny(2026, 11, 25, 9, 0), None, False, "9:00 tomorrow, New York time", id="unknown"
        ),
        pytest.param(
            # a person is paged now: their 03:15 is honest, not moved to the morning
            ny(2026, 11, 24, 3, 0),
            ny(2026, 11, 24, 3, 15),
            NY,
            True,
            "3:15 today",
            id="someone-awake",
        ),
        pytest.param(
            ny(2026, 12, 24, 8, 0),
            ny(2027, 1, 4, 9, 0),
            NY,
            False,
            "Monday 4 January, 9:00",
            id="more-than-a-week-away",
        ),
        pytest.param(
            # US summer time has begun, the UK's not yet: London is 4 hours ahead, not 5
            datetime(2026, 3, 9, 6, 0, tzinfo=LONDON),
            ny(2026, 3, 9, 9, 0),
            LONDON,
            False,
            "13:00 today your time (9:00 in New York)",
            id="dst-gap-between-zones",
        ),
        pytest.param(
            # 19:00 New York on Monday is 9:00 on Tuesday in Tokyo: the office's day is named
            datetime(2026, 11, 24, 8, 0, tzinfo=TOKYO),
            ny(2026, 11, 23, 19, 0),
            TOKYO,
            False,
            "9:00 today your time (Monday 19:00 in New York)",
            id="office-on-another-day",
        ),
    ],
)
def test_a_promised_time_is_said_in_the_customer_s_zone_and_words(now, reply_by, zone, awake, words):
    # WHEN the reply time is put into words for a message at `now`
    said, promised, _ = promise_words(reply_by, now, zone, NY, awake)
    # THEN it reads naturally, and the time promised is never earlier than the reply is due
    assert said == words
    assert promised >= reply_by


@pytest.mark.parametrize("hour", range(24))
def test_a_promise_never_falls_in_the_customer_s_night(hour):
    # GIVEN a reply due at each hour of a New York day, told to a customer in Berlin
    reply_by = ny(2026, 11, 24, hour, 0)
    # WHEN the promise is made THEN it is never earlier, and between 08:00 and 21:00 their time
    promised, _ = keepable(reply_by, BERLIN, False)
    assert promised >= reply_by
    assert 8 <= promised.astimezone(BERLIN).hour < 21


def widget(text: str, sender: Sender) -> SupportEvent:
    return SupportEvent(
        event_id="widget:t",
        channel=Channel.WIDGET,
        provider="widget",
        received_at=ny(2026, 11, 28, 23, 0),
        sender=sender,
        text=text,
    )


SAM = Sender(name="Sam Lee", email="sam@example.org")
FREE_NY = Customer(customer_id="c-free", name="Lee Design LLC", plan="free", timezone="America/New_York")


def test_today_and_tomorrow_follow_the_message_s_local_date_within_one_closed_stretch():
    # GIVEN a weekend: one closed stretch of the office, so one reply time (8 business hours: Monday 18:00)
    question = widget("How do I export my invoices?", SAM)
    # WHEN a free customer writes on Saturday night and again after midnight
    saturday = decide(question, FREE_NY, ny(2026, 11, 28, 23, 0), RULES)
    sunday = decide(question, FREE_NY, ny(2026, 11, 29, 1, 0), RULES)
    # THEN each reply counts days from its own message, though the stretch's times are kept
    assert saturday.sla_due == sunday.sla_due == ny(2026, 11, 30, 18, 0)
    assert "reply by Monday 18:00." in (saturday.auto_reply or "")
    assert "reply by 18:00 tomorrow." in (sunday.auto_reply or "")


def test_the_reasons_explain_the_promise_and_why_it_moved():
    # GIVEN a free customer in London writing at 02:00 New York: the reply is due 18:00 New York, 23:00 theirs
    london = FREE_NY.model_copy(update={"timezone": "Europe/London"})
    decision = decide(widget("How do I export my invoices?", SAM), london, ny(2026, 11, 24, 2, 0), RULES)
    # THEN the reply promises their next morning and the reasons say why
    assert "reply by 9:00 tomorrow your time." in (decision.auto_reply or "")
    (reason,) = [r for r in decision.reasons if r.startswith("auto-reply")]
    assert "reply promised by Wed 25 Nov 09:00 Europe/London" in reason
    assert "23:00 is in their night" in reason


def test_an_unknown_sender_hears_the_office_time_named():
    # GIVEN an unknown sender at night (a prospect, not buying)
    stranger = Customer.unknown("Ada")
    decision = decide(widget("Hello, a question", Sender(name="Ada King")), stranger, ny(2026, 11, 24, 2, 0), RULES)
    # THEN the promise (4 business hours from 09:00, with the lunch hour) is in New York's time, said so,
    # and the reply does not invite URGENT
    assert decision.auto_reply is not None
    assert "reply by 14:00 today, New York time." in decision.auto_reply
    assert "URGENT" not in decision.auto_reply
