"""The reliability benchmark counts what it claims: hand-made observations with known answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bench.reliability_counts import Observed, count, steps_of
from bench.reliability_faults import Published, parse_publish
from chalicelib.model.page import Level, Page, Recipient
from chalicelib.model.timeline import Entry, Kind

T0 = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)
TOPICS = {"support": "arn:support", "founders": "arn:founders"}
LEO = Recipient(person="leo", name="Leo Martins", topic="support")
MAYA = Recipient(person="maya", name="Maya Chen", topic="founders")
TOM = Recipient(person="tom", name="Tom Okafor", topic="founders")
PAGE = Page(
    page_id="P-1",
    ticket_id="T-1",
    ack_code="111111",
    priority="P1",
    team="support",
    tier="vip",
    channel="widget",
    customer="Dana",
    summary="down",
    levels=(
        Level(targets=("rotation:primary",), recipients=(LEO,), ack_timeout_seconds=300),
        Level(targets=("team:founders",), recipients=(MAYA, TOM), ack_timeout_seconds=600),
    ),
    repeat=1,
    opened_at=T0,
)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def notified(minutes: float, text: str) -> Entry:
    return Entry(at=at(minutes), kind=Kind.NOTIFIED, page_id="P-1", actor="switchboard", text=text)


FIRST = notified(0, "opened: paging level 1 of 2 (Leo Martins, on call, rotation primary)")
SECOND = notified(5, "no acknowledgement within 5 minutes: escalating to level 2 of 2 (Maya Chen, Tom Okafor)")
REPEAT = notified(
    15, "no acknowledgement at level 2 of 2: repeating the ladder (round 2 of 2), paging level 1 of 2 (Leo)"
)


def page_message(minutes: float, topic: str, level: int | None, people: tuple[str, ...]) -> Published:
    return Published(at(minutes), TOPICS[topic], "page", "P-1", "T-1", people, level, "…")


LEO_1 = page_message(0, "support", 0, ("leo",))
FOUNDERS_2 = page_message(5, "founders", 1, ("maya", "tom"))
LEO_REPEAT = page_message(15, "support", 0, ("leo",))


def observed(**changes: Any) -> Observed:
    """One event, one ticket, one page notified at three steps, each published once: a clean run."""
    base = Observed(
        events=["e1"],
        delivered={"e1": "T-1"},
        dlq_events={},
        records=[("e1", False)],
        marked_paged=["T-1"],
        timelines={"T-1": [FIRST, SECOND, REPEAT]},
        pages={"P-1": PAGE},
        published=[LEO_1, FOUNDERS_2, LEO_REPEAT],
        topics=TOPICS,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        pytest.param(observed(), {}, id="clean-run-counts-nothing"),
        pytest.param(
            observed(published=[LEO_1, LEO_REPEAT]),
            {"silent_steps": 1, "silent_pages": 1, "notifications": 2},
            id="a-dropped-publish-is-one-silent-page",
        ),
        pytest.param(
            observed(published=[LEO_1, page_message(5, "founders", 1, ("maya",)), LEO_REPEAT]),
            {"silent_steps": 1, "silent_pages": 1},
            id="a-person-left-out-of-the-level-is-silent",
        ),
        pytest.param(
            observed(published=[LEO_1, LEO_1, FOUNDERS_2, LEO_REPEAT]),
            {"extra": 1, "notifications": 4},
            id="a-step-published-twice-is-one-extra",
        ),
        pytest.param(
            observed(published=[LEO_1, FOUNDERS_2, replace(FOUNDERS_2, at=at(6)), LEO_REPEAT]),
            {"extra": 1, "notifications": 4},
            id="a-retry-of-a-published-step-is-extra",
        ),
        pytest.param(
            observed(published=[LEO_1, FOUNDERS_2, LEO_REPEAT, page_message(20, "founders", 1, ("maya", "tom"))]),
            {"extra": 1, "notifications": 4},
            id="a-level-the-timeline-never-recorded-is-extra",
        ),
        pytest.param(
            observed(timelines={"T-1": [FIRST, SECOND, SECOND.model_copy(update={"at": at(6)}), REPEAT]}),
            {},
            id="a-step-claimed-twice-is-one-step",
        ),
        pytest.param(
            observed(
                published=[
                    LEO_1,
                    page_message(5, "founders", None, ("maya",)),
                    Published(
                        at(10), TOPICS["founders"], "digest", None, None, ("tom",), None, "[P1] Dana (T-1, page P-1)"
                    ),
                    LEO_REPEAT,
                ]
            ),
            {"via_digest": 1, "digests": 1},
            id="a-person-held-for-a-rate-limit-digest-is-not-silent",
        ),
        pytest.param(
            observed(delivered={"e1": None}, records=[]),
            {"lost": 1, "tickets": 0},
            id="an-event-with-no-record-and-not-in-the-dlq-is-lost",
        ),
        pytest.param(
            observed(delivered={"e1": None}, records=[], dlq_events={"e1": 2}),
            {"tickets": 0, "dlq_messages": 2, "dlq_events": 1, "dlq_without_ticket": 1},
            id="an-event-in-the-dlq-is-not-lost",
        ),
        pytest.param(
            observed(records=[("e1", False), ("e1", True)]),
            {"duplicates": 1, "follow_ups": 1},
            id="a-second-record-of-one-event-is-a-duplicate",
        ),
        pytest.param(
            observed(marked_paged=["T-1", "T-2"], timelines={"T-1": [FIRST, SECOND, REPEAT], "T-2": []}),
            {"silent_pages": 1, "silent_tickets": 1},
            id="a-ticket-marked-paged-with-no-page-is-silent",
        ),
    ],
)
def test_counts(case: Observed, expected: dict[str, int]) -> None:
    # GIVEN what the tables and SNS said after a run
    clean = {
        "events": 1,
        "tickets": 1,
        "follow_ups": 0,
        "lost": 0,
        "duplicates": 0,
        "dlq_messages": 0,
        "dlq_events": 0,
        "dlq_without_ticket": 0,
        "pages": 1,
        "steps": 3,
        "silent_steps": 0,
        "silent_pages": 0,
        "silent_tickets": 0,
        "notifications": 3,
        "extra": 0,
        "via_digest": 0,
        "digests": 0,
    }
    # WHEN the benchmark counts
    counts = count(case).to_dict()
    # THEN every figure is the known answer
    assert {k: counts[k] for k in clean} == clean | expected


def test_steps_follow_the_rounds_of_the_timeline() -> None:
    # GIVEN a timeline whose ladder repeats, written out of order
    # WHEN its steps are read
    steps = steps_of("P-1", [REPEAT, SECOND, FIRST])
    # THEN each rung of each round is one step, at its first entry
    assert [(s.round, s.level, s.at) for s in steps] == [(0, 0, at(0)), (0, 1, at(5)), (1, 0, at(15))]


def test_a_notified_entry_it_cannot_read_stops_the_count() -> None:
    # GIVEN a timeline entry saying "notified" in words the benchmark does not know
    odd = notified(1, "paged the on-call person")
    # WHEN its steps are read
    # THEN the benchmark refuses rather than count on a misread timeline
    with pytest.raises(ValueError, match="cannot tell which level step"):
        steps_of("P-1", [FIRST, odd])


def test_a_publish_reads_as_its_page_and_level() -> None:
    # GIVEN the arguments the pager publishes with (paging/messages.py's layout)
    params = {
        "TopicArn": "arn:founders",
        "MessageStructure": "json",
        "Message": '{"default": "[P1] Dana: down\\n\\nThis page reaches level 2 of 2: Maya Chen.", "sms": "x"}',
        "MessageAttributes": {
            "kind": {"DataType": "String", "StringValue": "page"},
            "page_id": {"DataType": "String", "StringValue": "P-1"},
            "ticket_id": {"DataType": "String", "StringValue": "T-1"},
            "people": {"DataType": "String.Array", "StringValue": '["maya"]'},
        },
    }
    # WHEN the benchmark records it
    message = parse_publish(params, T0)
    # THEN it names the page, the level (0-based) and the people
    assert (message.kind, message.page_id, message.level, message.people) == ("page", "P-1", 1, ("maya",))
