"""The pages' notification outbox under injected faults: never silent, retried at the same level, never resent.

Every fault point of a page's first notification, one at a time (DynamoDB or SNS failing before or
after the call reaches it), and then every call failing at random: the on-call person is paged
at least once and at most a bounded few times, before anyone at the next level.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import datetime, timedelta

import pytest

from chalicelib.errors import DependencyError, SwitchboardError
from chalicelib.model.decision import Priority
from chalicelib.model.page import Level, Page
from chalicelib.services.page_outbox import MAX_ATTEMPTS
from tests.paging_fakes import FakePages, FakePublisher, Faults, paging_with_fakes, ticket
from tests.paging_fixtures import FOUNDERS, MAYA, ON_CALL, OPENED, PRIYA

T0 = OPENED
LADDERS: dict[str | None, tuple[tuple[Level, ...], int]] = {"urgent": ((ON_CALL, FOUNDERS), 0)}
BOTH = Level(targets=("rotation:primary", "team:founders"), recipients=(PRIYA, MAYA), ack_timeout_seconds=300)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def run(paging, tickets, until: float, every: float = 30, receives: int = 5) -> None:
    """Deliver each ticket as SQS would (again on a failure, up to ``receives``), then sweep every ``every`` seconds."""
    for t in tickets:
        for receive in range(receives):
            try:
                paging.page(t, at(receive * 30))
                break
            except SwitchboardError:
                continue
    now = 0.0
    while now < until:
        now += every
        with contextlib.suppress(SwitchboardError):  # the sweep's own read failed: the next one runs later
            paging.sweep(at(now))


@pytest.mark.parametrize(
    ("target", "before", "after", "copies"),
    [
        pytest.param("publisher", {"publish": {1}}, {}, 1, id="sns-fails"),
        pytest.param("publisher", {}, {"publish": {1}}, 2, id="sns-published-but-answer-lost"),
        pytest.param("pages", {"create": {1}}, {}, 1, id="page-write-fails"),
        pytest.param("pages", {"save": {1}}, {}, 1, id="claim-fails"),
        pytest.param("pages", {}, {"save": {1}}, 1, id="claim-written-but-answer-lost"),
        pytest.param("pages", {"settle": {1, 2, 3}}, {}, 2, id="mark-sent-lost"),
        pytest.param("pages", {"settle": {1}}, {}, 1, id="mark-sent-retried-inline"),
        pytest.param("both", {"publish": {1}, "retry": {1}}, {}, 1, id="sns-fails-then-the-retry-claim-fails"),
        pytest.param("both", {"publish": {1, 2}, "get": {3}}, {}, 1, id="sns-fails-twice-then-a-read"),
    ],
)
def test_a_fault_at_any_call_pages_the_on_call_person_late_never_never(target, before, after, copies):
    # GIVEN a P1 page whose first notification meets one fault
    pages, publisher = FakePages(), FakePublisher()
    faulty_pages = Faults(pages, before, after) if target in ("pages", "both") else pages
    faulty_sns = Faults(publisher, before, after) if target in ("publisher", "both") else publisher
    paging = paging_with_fakes(LADDERS, pages=faulty_pages, publisher=faulty_sns)
    # WHEN it is delivered (again if it fails) and swept every 30 seconds for 4 minutes
    run(paging, [ticket("T-1", Priority.P1, escalation="urgent")], until=240)
    # THEN Priya, on call, got it the expected number of times, well before her timeout ran out
    to_priya = [p for p in publisher.sent if p.people == ("priya",)]
    assert len(to_priya) == copies
    assert to_priya[0].level == 0 and to_priya[0].at is not None and to_priya[0].at < at(ON_CALL.ack_timeout_seconds)
    # AND the founders were not paged instead (no skipping to the next level), nor early
    assert not [p for p in publisher.sent if p.topic == "founders"]
    # AND nothing is left pending: every notification is marked sent
    assert {n["outcome"] for n in pages.notes.values()} == {"sent"}


def test_the_next_level_comes_only_after_the_first_was_reached_and_its_timeout_ran():
    # GIVEN SNS is down for the first two minutes of a P1 page
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(LADDERS, pages=pages, publisher=Faults(publisher, before={"publish": {1, 2}}))
    # WHEN the page runs for 6 minutes
    run(paging, [ticket("T-1", Priority.P1, escalation="urgent")], until=360)
    # THEN Priya was paged (late) once, and the founders after her 5 minutes, at level 2
    assert [(p.people, p.level) for p in publisher.sent] == [(("priya",), 0), (("maya", "tom"), 1)]
    [page] = pages.pages.values()
    assert page.level == 1
    # AND the timeline says the notification was retried, and why
    assert any(e.text.startswith("retried: Priya Nair reached") for e in pages.timelines["T-1"])


class OneTopicDown(FakePublisher):
    """SNS refuses the first publish to one topic; every other topic works."""

    def __init__(self, topic: str) -> None:
        super().__init__()
        self.down = topic

    def publish(self, page: Page, level: Level, links: dict[str, str], now: datetime) -> list[str]:
        if self.down in level.topics:
            self.down = ""
            raise DependencyError("sns throttled")
        return super().publish(page, level, links, now)


def test_a_level_with_two_topics_resends_only_the_one_that_failed():
    # GIVEN a level that reaches the on-call person's topic and the founders' topic, and the founders' fails once
    publisher = OneTopicDown("founders")
    paging = paging_with_fakes({"both": ((BOTH,), 0)}, publisher=publisher)
    # WHEN the page opens and the sweep runs after the grace
    outcome = paging.page(ticket("T-1", Priority.P1, escalation="both"), T0)
    assert outcome.notified
    paging.sweep(at(61))
    paging.sweep(at(120))
    # THEN each topic got exactly one message: the platform topic was not sent again
    assert Counter(p.topic for p in publisher.sent) == {"platform": 1, "founders": 1}


def test_a_crash_between_the_claim_and_the_publish_is_sent_by_the_sweep():
    # GIVEN the function dies right after claiming the step (any exception, not only ours)
    class Crash(FakePublisher):
        crashed = False

        def publish(self, page: Page, level: Level, links: dict[str, str], now: datetime) -> list[str]:
            if not self.crashed:
                self.crashed = True
                raise MemoryError("the Lambda ran out of memory")
            return super().publish(page, level, links, now)

    publisher = Crash()
    paging = paging_with_fakes(LADDERS, publisher=publisher)
    with pytest.raises(MemoryError):
        paging.page(ticket("T-1", Priority.P1, escalation="urgent"), T0)
    # WHEN SQS redelivers the message, then the sweep runs
    paging.page(ticket("T-1", Priority.P1, escalation="urgent"), at(30))
    assert publisher.sent == []  # the page is claimed and not due: the redelivery does not page twice
    paging.sweep(at(61))
    # THEN Priya is paged once, at level 1
    assert [(p.people, p.level) for p in publisher.sent] == [(("priya",), 0)]


def test_a_notification_the_page_no_longer_needs_is_dropped_not_sent():
    # GIVEN a page whose first publish failed, and Priya took the page (she saw the ticket) before the retry
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(LADDERS, pages=pages, publisher=Faults(publisher, before={"publish": {1}}))
    opened = paging.page(ticket("T-1", Priority.P1, escalation="urgent"), T0)
    paging.acknowledge(opened.page.page_id, "priya", at(20), via="test")
    # WHEN the sweep comes to the pending notification
    paging.sweep(at(61))
    # THEN nobody is woken for a page someone already has
    assert [p.kind for p in publisher.sent] == ["ack"]
    assert [n["outcome"] for n in pages.notes.values()] == ["dropped: page acked"]


def test_a_notification_that_never_goes_out_is_given_up_after_a_bounded_number_of_attempts():
    # GIVEN SNS refuses every publish
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(LADDERS, pages=pages, publisher=Faults(publisher, rate=2.0))
    paging.page(ticket("T-1", Priority.P1, escalation="urgent"), T0)
    # WHEN the sweep runs every minute for six minutes (as long as the retries last)
    for minute in range(1, 7):
        with contextlib.suppress(DependencyError):  # a sweep with a failed item says so by raising
            paging.sweep(at(minute * 60 + 1))
    [note] = [n for n in pages.notes.values() if n["note"].level == 0]
    # THEN it tried 1 + MAX_ATTEMPTS times before giving up (it stays due at the grace until then)
    assert (note["note"].attempts, note["outcome"]) == (MAX_ATTEMPTS + 1, "gave up")


def test_a_level_keeps_trying_while_its_step_lasts_even_past_the_retry_bound():
    # GIVEN a one-level ladder whose people have 15 minutes to acknowledge, and SNS refusing the first 8 publishes
    pages, publisher = FakePages(), FakePublisher()
    ladders: dict[str | None, tuple[tuple[Level, ...], int]] = {"founders": ((FOUNDERS,), 0)}
    refused = set(range(1, 9))
    paging = paging_with_fakes(ladders, pages=pages, publisher=Faults(publisher, before={"publish": refused}))
    paging.page(ticket("T-1", Priority.P1, escalation="founders"), T0)
    # WHEN the sweep runs every minute for ten minutes
    for minute in range(1, 11):
        with contextlib.suppress(DependencyError):  # a sweep with a failed item says so by raising
            paging.sweep(at(minute * 60 + 1))
    # THEN the founders are paged on the ninth attempt, inside their time to acknowledge, not given up after six
    assert [(p.people, p.level) for p in publisher.sent] == [(("maya", "tom"), 0)]
    [note] = pages.notes.values()
    assert (note["note"].attempts, note["outcome"]) == (8, "sent")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_one_call_in_ten_failing_every_page_reaches_its_people_and_copies_stay_bounded(seed):
    # GIVEN 40 P1 pages (a two-topic level, then the founders) with 10% of every DynamoDB and SNS call failing
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes(
        {"both": ((BOTH, FOUNDERS), 0)},
        last_resort=FOUNDERS,
        pages=Faults(pages, rate=0.1, seed=seed),
        publisher=Faults(publisher, rate=0.1, seed=seed + 100),
    )
    tickets = [ticket(f"T-{n}", Priority.P1, escalation="both", customer=f"c{n}") for n in range(40)]
    # WHEN they run until every ladder has run out (5 + 15 minutes), swept every 30 seconds
    run(paging, tickets, until=35 * 60)
    # THEN no page was silent at any level: each reached both topics at level 1, the founders at level 2,
    # and the founders once more as the last resort
    sent = Counter((p.page_id, p.topic, p.level) for p in publisher.sent if p.kind == "page")
    for page in pages.pages.values():
        assert sent[(page.page_id, "platform", 0)] >= 1
        assert sent[(page.page_id, "founders", 0)] >= 1
        assert sent[(page.page_id, "founders", 1)] >= 1
        assert sent[(page.page_id, "founders", None)] >= 1
    assert len(pages.pages) == 40
    # AND no notification was sent more than a bounded few times; extra copies are rare
    assert max(sent.values()) <= 1 + MAX_ATTEMPTS
    extra = sum(sent.values()) - len(sent)
    assert extra <= len(sent) // 10


@pytest.mark.parametrize(
    ("before", "after", "copies"),
    [
        pytest.param({}, {}, 1, id="no-fault"),
        pytest.param({"held": {1}}, {}, 1, id="read-after-the-claim-fails"),
        pytest.param({}, {"claim": {1}}, 1, id="claim-written-but-answer-lost"),
        pytest.param({"finish": {1}}, {}, 2, id="mark-done-lost"),
    ],
)
def test_a_rate_limit_digest_goes_out_despite_a_fault_after_its_claim(before, after, copies):
    # GIVEN Leo is over his rate limit, so a P2 page for him waits for his digest at the end of the window
    support = Level(targets=("team:support",), recipients=(PRIYA,), ack_timeout_seconds=3600)
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes({None: ((support,), 0)}, pages=Faults(pages, before, after), publisher=publisher)
    paging.rate_limit = 0
    paging.page(ticket("T-1", Priority.P2), T0)
    assert publisher.sent == []
    # WHEN the window ends and the sweeps meet the fault
    for seconds in range(600, 900, 30):
        with contextlib.suppress(SwitchboardError):
            paging.sweep(at(seconds + 5))
    # THEN the digest went out (again only when its mark was lost), naming the held ticket
    digests = [p for p in publisher.sent if p.kind == "digest"]
    assert len(digests) == copies and all("T-1" in d.text for d in digests)
    assert [d["due_at"] for d in pages.digests.values()] == [None]


def test_a_ladder_that_comes_back_to_a_person_counts_its_page_once():
    # GIVEN Priya may get two P2 pages a window, and a ladder that pages her, then her and Maya
    first = Level(targets=("rotation:primary",), recipients=(PRIYA,), ack_timeout_seconds=60)
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes({None: ((first, BOTH), 0)}, pages=pages, publisher=publisher)
    paging.rate_limit = 2
    # WHEN nobody takes the first page, so its second level reaches her again, and then a second page opens
    paging.page(ticket("T-1", Priority.P2, customer="c1"), at(0))
    paging.sweep(at(90))
    paging.page(ticket("T-2", Priority.P2, customer="c2"), at(100))
    # THEN all three notifications go out now: the repeat did not use up her room for the new page
    first_page = publisher.sent[0].page_id
    assert [(p.kind, p.page_id == first_page, p.people) for p in publisher.sent] == [
        ("page", True, ("priya",)),
        ("page", True, ("priya",)),
        ("page", True, ("maya",)),
        ("page", False, ("priya",)),
    ]
    assert pages.holds == {}
    # AND a third page in the same window is held for her digest: the limit counts pages
    paging.page(ticket("T-3", Priority.P2, customer="c3"), at(110))
    assert len(publisher.sent) == 4 and len(pages.holds) == 1


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param({"create": {1}}, {}, id="page-write-fails-after-the-count"),
        pytest.param({"save": {1}}, {}, id="claim-fails-after-the-count"),
        pytest.param({}, {"count_notification": {1}}, id="count-written-but-answer-lost"),
    ],
)
def test_a_retried_notification_is_counted_once_against_the_rate_limit(before, after):
    # GIVEN Priya may get one P2 page per window, and the first try at paging her meets a fault
    support = Level(targets=("team:support",), recipients=(PRIYA,), ack_timeout_seconds=3600)
    pages, publisher = FakePages(), FakePublisher()
    paging = paging_with_fakes({None: ((support,), 0)}, pages=Faults(pages, before, after), publisher=publisher)
    paging.rate_limit = 1
    # WHEN the message is delivered again, as SQS does after a failure
    run(paging, [ticket("T-1", Priority.P2)], until=60)
    # THEN she is paged now, not held for her digest: the retry did not count her one page twice
    assert [p.kind for p in publisher.sent] == ["page"]
    assert [len(counted) for counted in pages.rates.values()] == [1]
    # AND a second page in the same window is held: the limit still counts
    paging.page(ticket("T-2", Priority.P2), at(90))
    assert [p.kind for p in publisher.sent] == ["page"]
