"""Urgency only goes up: a more urgent fold raises the page, the rate limit batches P2–P4 only, and a
page whose ladder ran out tells the last resort once and can still be taken."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.errors import DependencyError
from chalicelib.model.decision import Priority
from chalicelib.model.event import Channel
from chalicelib.model.page import Level, PageState, Recipient
from chalicelib.model.timeline import Kind
from tests.paging_fakes import FakePages, FakePublisher, Faults, paging_with_fakes, ticket
from tests.paging_fixtures import FOUNDERS, ON_CALL, OPENED

T0 = OPENED
LEO = Recipient(person="leo", name="Leo Martins", phone="+12125550104", topic="support", via="team support")
SUPPORT = Level(targets=("team:support",), recipients=(LEO,), ack_timeout_seconds=900)
#: "none": the team once (a P2 with no policy); "urgent": on call, then the founders
LADDERS: dict[str | None, tuple[tuple[Level, ...], int]] = {None: ((SUPPORT,), 0), "urgent": ((ON_CALL, FOUNDERS), 0)}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_p1_live_call_folding_into_a_p2_page_runs_the_p1_ladder():
    # GIVEN a P2 page with no policy (support, once) opened for Dana's chat message
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(LADDERS, pages=pages, publisher=publisher)
    opened = paging.page(ticket("T-1", Priority.P2), T0)
    # WHEN seconds later her P1 live call arrives (another ticket, the same customer)
    call = ticket("T-2", Priority.P1, Channel.VOICE, escalation="urgent", event_id="twilio:call:CA1")
    folded = paging.page(call, at(20))
    # THEN it folds into the page and raises it: P1, the urgent ladder, level 1 paged at once
    assert not folded.opened and folded.page.page_id == opened.page.page_id
    page = pages.pages[opened.page.page_id]
    assert (page.priority, page.policy, page.channel, page.level, page.count) == ("P1", "urgent", "voice", 0, 2)
    assert [(p.priority, p.people) for p in publisher.sent] == [("P2", ("leo",)), ("P1", ("priya",))]
    # AND the ladder runs to the founders, not "exhausted" after the P2's single level
    paging.sweep(at(20 + 301))
    assert publisher.sent[-1].people == ("maya", "tom") and pages.pages[page.page_id].state is PageState.OPEN
    # AND Leo, whom the P2 reached, can still take it
    assert paging.acknowledge(page.page_id, "leo", at(400), via="test").acked_by == "leo"
    assert any("raised from P2 to P1" in e.text for e in pages.timelines["T-1"])


@pytest.mark.parametrize("later", [Priority.P1, Priority.P3], ids=["same", "less-urgent"])
def test_a_fold_never_lowers_a_page(later):
    # GIVEN a P1 page
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(LADDERS, pages=pages, publisher=publisher)
    opened = paging.page(ticket("T-1", Priority.P1, escalation="urgent"), T0)
    # WHEN an equally or less urgent message from the same customer folds in
    paging.page(ticket("T-2", later, event_id="widget:later"), at(30))
    # THEN the page keeps its priority, ladder and cursor, and nobody is paged again
    page = pages.pages[opened.page.page_id]
    assert (page.priority, page.levels, page.level, page.count) == ("P1", (ON_CALL, FOUNDERS), 0, 2)
    assert len(publisher.sent) == 1


@pytest.mark.parametrize(
    ("priority", "channel", "held"),
    [
        pytest.param(Priority.P1, Channel.WIDGET, False, id="p1"),
        pytest.param(Priority.P2, Channel.VOICE, False, id="p2-live-call"),
        pytest.param(Priority.P2, Channel.WIDGET, True, id="p2"),
        pytest.param(Priority.P4, Channel.EMAIL, True, id="p4"),
    ],
)
def test_the_rate_limit_batches_p2_to_p4_only(priority, channel, held):
    # GIVEN Leo is over his rate limit
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(LADDERS, pages=pages, publisher=publisher)
    paging.rate_limit = 0
    # WHEN a page for him opens
    paging.page(ticket("T-1", priority, channel), T0)
    # THEN a P1 or a live call reaches him now; a P2–P4 waits for his digest, and the timeline says which
    kinds = [e.kind for e in pages.timelines["T-1"]]
    if held:
        assert publisher.sent == [] and Kind.NOTIFIED not in kinds
        assert list(pages.holds) == [f"DIGEST#person:leo#{(T0 + timedelta(minutes=10)).isoformat()}"]
        texts = " ".join(e.text for e in pages.timelines["T-1"])
        assert "nobody notified now: Leo Martins over their rate limit" in texts
        assert "the rate limit batches P2–P4 pages; a P1 or a live call always goes through" in texts
    else:
        assert [p.people for p in publisher.sent] == [("leo",)] and Kind.NOTIFIED in kinds
        assert pages.holds == {} and pages.rates == {}


def test_an_exhausted_page_tells_the_founders_once_and_can_still_be_taken():
    # GIVEN a P2 page (support, once, 15 minutes) and the founders as the last resort
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(LADDERS, last_resort=FOUNDERS, pages=pages, publisher=publisher)
    opened = paging.page(ticket("T-1", Priority.P2), T0)
    # WHEN nobody answers, and the sweep runs on and on
    for minute in (16, 17, 30, 60):
        paging.sweep(at(minute * 60))
    # THEN the page is exhausted, and the founders heard once that nobody answered, with their links
    page = pages.pages[opened.page.page_id]
    assert page.state is PageState.EXHAUSTED
    [told] = publisher.sent[1:]
    assert (told.topic, told.people, told.level) == ("founders", ("maya", "tom"), None)
    assert told.text.startswith("[P2 unanswered]")
    assert "Nobody acknowledged this page" in told.text and f"/ack/{page.page_id}?p=maya" in told.text
    exhausted = [e.text for e in pages.timelines["T-1"] if e.kind is Kind.EXHAUSTED]
    assert exhausted == [
        "no acknowledgement after 1 round: escalation exhausted; telling Maya Chen, Tom Okafor — team founders "
        "that nobody answered (anyone may still take it)"
    ]
    # WHEN Maya takes it with her link, an hour late
    taken = paging.acknowledge(page.page_id, "maya", at(3600), via="the page's link")
    # THEN she has it, and everyone it reached hears so
    assert (taken.state, taken.acked_by) == (PageState.ACKED, "maya")
    assert sorted(p.topic for p in publisher.sent if p.kind == "ack") == ["founders", "support"]
    assert "taken after escalation ran out" in pages.timelines["T-1"][-1].text


def test_an_exhausted_page_can_be_taken_by_sms_from_the_last_resort():
    # GIVEN an exhausted page whose last resort (the founders) was told
    pages = FakePages()
    paging = paging_with_fakes(LADDERS, last_resort=FOUNDERS, pages=pages)
    opened = paging.page(ticket("T-1", Priority.P2), T0)
    paging.sweep(at(16 * 60))
    # WHEN Tom replies ACK <code> from his phone
    tom = FOUNDERS.recipients[1].model_copy(update={"phone": "+12125550102"})
    pages.pages[opened.page.page_id] = pages.pages[opened.page.page_id].model_copy(
        update={"last_resort": FOUNDERS.model_copy(update={"recipients": (FOUNDERS.recipients[0], tom)})}
    )
    reply = paging.acknowledge_by_sms(opened.page.ack_code, "+12125550102", at(17 * 60))
    # THEN he has it
    assert "you have T-1" in reply and pages.pages[opened.page.page_id].acked_by == "tom"


def test_a_redelivered_fold_writes_the_link_a_fault_kept_off_its_own_ticket():
    # GIVEN an open page, and the fold's entry on the second ticket failing once (the page's write went in)
    pages, publisher = FakePages(), FakePublisher()
    faulty = Faults(pages, before={"record": {1}})
    paging = paging_with_fakes(LADDERS, pages=faulty, publisher=publisher)
    opened = paging.page(ticket("T-1", Priority.P2), T0)
    later = ticket("T-2", Priority.P3, event_id="widget:later")
    with pytest.raises(DependencyError):
        paging.page(later, at(30))
    assert "T-2" not in pages.timelines
    # WHEN the queue delivers the message again
    paging.page(later, at(60))
    paging.page(later, at(90))
    # THEN its ticket names the page once, and the page counted the message once
    assert [e.page_id for e in pages.timelines["T-2"]] == [opened.page.page_id]
    assert pages.pages[opened.page.page_id].count == 2
