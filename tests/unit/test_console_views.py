"""The console's views as data (pure): times in two zones, ordering, who is on call, what a ticket shows and allows;
and the rendered ticket: a hostile message escaped, a long one in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.console.ports import Filters, Listing
from chalicelib.console.views.clock import Time, at, until, viewer_zone
from chalicelib.console.views.now import now_view
from chalicelib.console.views.schedule import schedule_view
from chalicelib.console.views.ticket import Context, ticket_view
from chalicelib.console.views.tickets import filters_from, tickets_view
from chalicelib.errors import PayloadError
from chalicelib.incidents.model import Incident, Status
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel
from chalicelib.model.page import PageState
from chalicelib.model.ticket import FollowUp, Ticket
from cli.compile import RulesFileError, compile_text
from tests.paging_fakes import ticket
from tests.paging_fixtures import make_page
from tests.unit.rules_fixture import LITERAL, literal_rules

NY, BERLIN, LA, KOLKATA = (
    ZoneInfo(z) for z in ("America/New_York", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata")
)
# Tue 24 Nov 2026 08:12 UTC: 03:12 in New York, 09:12 in Berlin
NOW = datetime(2026, 11, 24, 8, 12, tzinfo=UTC)
RULES_WITH_ZONES = LITERAL.replace(
    'leo: {name: Leo Martins, phone: "+12125550104", topic: support}',
    'leo: {name: Leo Martins, phone: "+12125550104", topic: support, zone: Europe/Lisbon}',
).replace(
    "start: 2026-11-23}",
    'start: 2026-11-23, overrides: [{person: maya, start: "2026-11-26T09:00:00-05:00", end: "2026-11-27T09:00:00-05:00"}]}',
)
RULES = literal_rules(RULES_WITH_ZONES)


def _ticket(
    tid: str, priority: Priority, due: datetime | None = None, zone: str = "Europe/Berlin", **changes
) -> Ticket:
    t = ticket(tid, priority)
    decision = t.decision.model_copy(update={"sla_due": due, "reasons": ("route test: because", "P1 at night")})
    customer = t.customer.model_copy(update={"timezone": zone, "mrr": 700.0, "phone": "+12125550100"})
    return t.model_copy(update={"decision": decision, "customer": customer, **changes})


@pytest.mark.parametrize(
    ("moment", "mine", "theirs", "text"),
    [
        pytest.param(NOW, NY, BERLIN, "Tue 24 Nov 03:12 (09:12 their time)", id="night-here-morning-there"),
        pytest.param(NOW, NY, None, "Tue 24 Nov 03:12", id="customer-zone-unknown"),
        pytest.param(NOW, BERLIN, BERLIN, "Tue 24 Nov 09:12", id="same-zone-no-aside"),
        pytest.param(
            NOW - timedelta(hours=3), NY, LA, "Tue 24 Nov 00:12 (Mon 23 Nov 21:12 their time)", id="their-yesterday"
        ),
        pytest.param(NOW, BERLIN, KOLKATA, "Tue 24 Nov 09:12 (13:42 their time)", id="half-hour-zone"),
        # the US springs forward on 8 Mar 2026, Europe on 29 Mar: for three weeks the gap is an hour shorter
        pytest.param(
            datetime(2026, 3, 10, 13, 0, tzinfo=UTC), NY, BERLIN, "Tue 10 Mar 09:00 (14:00 their time)", id="dst-gap"
        ),
    ],
)
def test_times_are_the_viewers_with_the_customers_beside(moment, mine, theirs, text) -> None:
    # GIVEN an instant, the viewer's zone and the customer's, WHEN it is shown
    shown = at(moment, mine, theirs)
    # THEN it reads in the viewer's zone, the customer's clock beside it only when it reads differently
    assert shown == Time(moment.astimezone(UTC).isoformat(), text)


@pytest.mark.parametrize(
    ("later", "words"),
    [
        (NOW + timedelta(minutes=4, seconds=30), "in 4 min"),
        (NOW + timedelta(hours=2, minutes=5), "in 2 h 05 min"),
        (NOW - timedelta(minutes=3), "3 min ago"),
        (NOW + timedelta(seconds=20), "in under a minute"),
        (NOW, "now"),
    ],
)
def test_timers_read_from_now(later, words) -> None:
    assert until(later, NOW) == words


@pytest.mark.parametrize(
    ("person", "zone"), [("leo", "Europe/Lisbon"), ("priya", "America/New_York"), ("ghost", "America/New_York")]
)
def test_the_viewer_zone_is_their_own_else_the_default_calendars(person, zone) -> None:
    assert viewer_zone(RULES, person).key == zone


def test_a_person_zone_must_be_a_real_zone() -> None:
    # GIVEN a rules file naming a zone that does not exist, WHEN it is compiled, THEN it is refused by name
    with pytest.raises(RulesFileError, match="Mars/Olympus"):
        compile_text(RULES_WITH_ZONES.replace("Europe/Lisbon", "Mars/Olympus"), "bad.yaml")


def test_now_shows_who_is_on_call_until_when_and_pages_most_urgent_first() -> None:
    # GIVEN two open pages, the P2 due sooner than the P1, and one open incident
    p2 = make_page(page_id="P-0000000002", priority="P2", level=0, step=1, next_due=NOW + timedelta(minutes=1))
    p1 = make_page(page_id="P-0000000001", priority="P1", level=1, step=2, next_due=NOW + timedelta(minutes=9))
    incident = Incident(incident_id="I-0000000001", title="Checkout down", status=Status.INVESTIGATING, opened_at=NOW)
    # WHEN the Now view is prepared for a viewer in New York
    view = now_view(RULES, [p2, p1], [incident], NY, NOW, "https://x.test/status")
    # THEN Priya holds primary (Mon's 09:00 shift) until Tue 09:00, then Leo
    [row] = view.on_call
    assert (row.rotation, row.name, row.until.text, row.next_name) == (
        "primary",
        "Priya Nair",
        "Tue 24 Nov 09:00",
        "Leo Martins",
    )
    # AND the P1 is first, with its step, everyone reached so far, and its timer
    assert [p.page_id for p in view.pages] == ["P-0000000001", "P-0000000002"]
    assert view.pages[0].step == "level 2 of 2, round 1 of 3"
    assert view.pages[0].notified == ("Priya Nair", "Maya Chen", "Tom Okafor")
    assert (view.pages[0].timer, view.pages[1].timer) == ("in 9 min", "in 1 min")
    assert view.incidents[0].url == "https://x.test/status#I-0000000001"


def test_the_schedule_has_one_row_per_shift_with_the_override_cutting_in() -> None:
    # GIVEN a daily rotation and Maya's override on Thursday, WHEN two weeks are shown to a viewer in Lisbon
    [rotation] = schedule_view(RULES, ZoneInfo("Europe/Lisbon"), NOW)
    shifts = rotation.shifts
    # THEN the first row is the shift holding now, rows follow each other, and 14 daily shifts are covered
    assert shifts[0].current and not any(s.current for s in shifts[1:])
    assert [s.start.iso for s in shifts[1:]] == [s.end.iso for s in shifts[:-1]]
    assert len(shifts) == 15
    # AND the Thursday shift is Maya's by override, instead of the rotation's person, in the viewer's zone
    thursday = [s for s in shifts if s.override]
    assert [(s.name, s.instead_of, s.start.text) for s in thursday] == [
        ("Maya Chen", "Leo Martins", "Thu 26 Nov 14:00")
    ]
    assert rotation.zone == "America/New_York"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Filters()),
        ({"status": "resolved", "priority": "P2", "team": "support"}, Filters("resolved", "P2", "support")),
        ({"channel": "sms", "customer": " c1 "}, Filters(channel="sms", customer_id="c1")),
        ({"priority": ""}, Filters()),
    ],
)
def test_filters_come_from_the_query(params, expected) -> None:
    assert filters_from(params) == expected


@pytest.mark.parametrize("params", [{"status": "all"}, {"priority": "P0"}, {"channel": "fax"}, {"team": "x" * 200}])
def test_filters_outside_their_lists_are_refused(params) -> None:
    with pytest.raises(PayloadError):
        filters_from(params)


def test_the_tickets_view_keeps_the_listings_order_and_shows_due_times_in_both_zones() -> None:
    # GIVEN a page of two tickets from the port (it sorts), the first overdue, and more after them
    overdue = _ticket("T-1", Priority.P1, due=NOW - timedelta(minutes=5))
    later = _ticket("T-2", Priority.P2, due=NOW + timedelta(hours=1), zone="UTC")
    listing = Listing([overdue, later], cursor="abc")
    # WHEN the view is prepared for a viewer in New York, filtered on P1..
    view = tickets_view(listing, Filters(priority="P1"), ["support", "sales"], NY, NOW)
    # THEN rows keep the port's order, with due times in the viewer's zone and the customer's
    assert [(r.ticket_id, r.priority, r.overdue) for r in view.rows] == [("T-1", "P1", True), ("T-2", "P2", False)]
    assert [r.sla_due.text if r.sla_due else None for r in view.rows] == [
        "Tue 24 Nov 03:07 (09:07 their time)",
        "Tue 24 Nov 04:12 (09:12 their time)",
    ]
    # AND the next page keeps the filters
    assert view.next_query == "status=open&priority=P1&cursor=abc"
    assert view.teams == ("sales", "support")


def _follow_up(t: Ticket, minutes: int, text: str) -> FollowUp:
    event = t.event.model_copy(
        update={"event_id": f"e{minutes}", "text": text, "received_at": NOW + timedelta(minutes=minutes)}
    )
    return FollowUp(ticket_id=t.ticket_id, event=event, decision=t.decision, received_at=event.received_at)


def test_a_ticket_shows_every_message_in_full_in_thread_order() -> None:
    # GIVEN a ticket opened with a long message and two follow-ups read back out of order
    long = "The phone number is +1 212 555 0100 and the deadline is 09:30. " * 40
    t = _ticket("T-1", Priority.P1)
    t = t.model_copy(update={"event": t.event.model_copy(update={"text": long, "received_at": NOW})})
    ctx = Context(follow_ups=[_follow_up(t, 20, "third"), _follow_up(t, 10, "second")])
    # WHEN the view is prepared
    view = ticket_view(t, ctx, "priya", NY, NOW)
    # THEN the messages are in arrival order, the first one whole
    assert [m.text for m in view.messages] == [long, "second", "third"]
    assert view.messages[1].at.text == "Tue 24 Nov 03:22 (09:22 their time)"
    # AND the customer's card has their local time, plan and MRR
    assert (view.customer.local_time, view.customer.mrr) == ("Tue 24 Nov 09:12 Europe/Berlin", "$700/month")
    assert view.reasons == ("route test: because", "P1 at night")


@pytest.mark.parametrize(
    ("person", "page_state", "status", "ack", "reply", "resolve", "reopen"),
    [
        pytest.param("priya", PageState.OPEN, "open", "P-0a1b2c3d4e", True, True, False, id="on-the-ladder"),
        pytest.param("leo", PageState.OPEN, "open", None, True, True, False, id="not-on-the-ladder"),
        pytest.param("maya", PageState.EXHAUSTED, "open", "P-0a1b2c3d4e", True, True, False, id="ran-out"),
        pytest.param("priya", PageState.ACKED, "open", None, True, True, False, id="taken"),
        pytest.param("priya", PageState.OPEN, "resolved", None, False, False, True, id="resolved"),
    ],
)
def test_the_actions_offered(person, page_state, status, ack, reply, resolve, reopen) -> None:
    t = _ticket("T-20261124-0001", Priority.P1, status=status)
    page = make_page(state=page_state, level=0, step=1)
    incident = Incident(incident_id="I-0000000001", title="Checkout down", status=Status.INVESTIGATING, opened_at=NOW)
    ctx = Context(pages=[page], incidents=[incident], can_call=True, customer_phone="+12125550100")
    actions = ticket_view(t, ctx, person, NY, NOW).actions
    assert (actions.ack_page, actions.reply, actions.resolve, actions.reopen) == (ack, reply, resolve, reopen)
    assert actions.incidents == (("I-0000000001", "Checkout down"),)
    # a call-back rings the viewer: only someone on the page's ladder
    assert (actions.call_page is not None) == (person != "leo")


def test_the_rendered_ticket_escapes_a_hostile_message_and_shows_it_whole() -> None:
    from chalicelib.console.render import render

    # GIVEN a customer whose message and name carry markup, and a long message
    hostile = '<img src=x onerror="alert(1)"><script>steal()</script> ' + "word " * 3000
    t = _ticket("T-1", Priority.P1)
    t = t.model_copy(
        update={
            "event": t.event.model_copy(update={"text": hostile, "channel": Channel.EMAIL, "subject": "<b>hi</b>"}),
            "customer": t.customer.model_copy(update={"name": 'Evil "Corp" <i>'}),
        }
    )
    view = ticket_view(t, Context(), "priya", NY, NOW)
    # WHEN the ticket page is rendered
    html = render(
        "ticket.html",
        view=view,
        title="t",
        active="tickets",
        prefix="",
        viewer_name="Priya",
        zone="America/New_York",
        csrf="tok",
        notice=None,
        error=None,
        reply_token="r" * 24,
    )
    # THEN nothing they typed is markup, and every word is there
    assert "<script>" not in html and "<img" not in html and "<b>hi" not in html and "<i>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&lt;script&gt;steal()&lt;/script&gt;" in html
    assert "Evil &#34;Corp&#34; &lt;i&gt;" in html
    assert html.count("word ") >= 3000
