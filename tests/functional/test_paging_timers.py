"""Held pages and first-response timers against moto, with an injected clock.

A buyer who writes on the evening of Wed 23 Dec 2026 is held past Christmas Eve (closed), Christmas
Day (a US holiday) and the weekend, and reaches sales in one digest at 09:00 on Mon 28 Dec.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import bootstrap
from tests.functional.paging_helpers import deliver, paged, sweep, timeline

WED_EVENING = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)  # Wed 23 Dec 20:00 in New York
MON_OPENING = datetime(2026, 12, 28, 14, 0, tzinfo=UTC)  # Mon 28 Dec 09:00 in New York
OFFICE = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tue 24 Nov 10:00 in New York


def tickets_by_route(aws) -> dict[str, dict[str, Any]]:
    return {t["route"]["S"]: t for t in aws.tickets()}


def test_a_deferred_page_waits_out_a_holiday_and_a_weekend_and_arrives_once_in_the_team_digest(aws, clock):
    # GIVEN a prospect asks for pricing on Wednesday evening, before Christmas
    clock.now = WED_EVENING
    deliver(aws, "widget/prospect-pricing")
    ticket = tickets_by_route(aws)["prospect-buying-after-hours"]
    assert ticket["page_status"]["S"] == "deferred" and paged(aws) == []
    # WHEN the sweep runs through Christmas Eve, Christmas Day and the weekend
    for day in (datetime(2026, 12, 24, 14, 0, tzinfo=UTC), datetime(2026, 12, 25, 14, 0, tzinfo=UTC)):
        clock.now = day
        sweep()
    clock.now = MON_OPENING - timedelta(minutes=1)
    sweep()
    # THEN nothing was sent while the office was closed
    assert paged(aws) == []
    # WHEN the office opens on Monday, and two sweeps run (a duplicate, or a restart)
    clock.now = MON_OPENING + timedelta(seconds=20)
    sweep()
    sweep()
    # THEN sales gets exactly one digest, naming the ticket
    [digest] = paged(aws)
    assert digest["topic"] == "founders"  # the route's page goes to Maya, whose pages go to the founders' topic
    assert digest["kind"] == "digest"
    assert ticket["ticket_id"]["S"] in digest["text"] and "1 held message" in digest["text"]
    # AND the ticket says its page went out
    assert tickets_by_route(aws)["prospect-buying-after-hours"]["page_status"]["S"] == "sent"
    steps = timeline(ticket["ticket_id"]["S"])
    assert [s.split(":")[0] for s in steps if not s.startswith("sla")] == ["deferred", "digest"]


def test_two_held_messages_make_one_digest(aws, clock):
    clock.now = WED_EVENING
    deliver(aws, "widget/prospect-pricing", "sendgrid/raw-mime")
    held = [t for t in aws.tickets() if t["page_status"]["S"] == "deferred"]
    assert len(held) == 2
    clock.now = MON_OPENING
    sweep()
    [digest] = paged(aws)
    assert "2 held messages" in digest["text"]
    assert all(t["ticket_id"]["S"] in digest["text"] for t in held)


def test_a_missed_first_response_pages_the_team_once_at_the_tickets_priority(aws, clock):
    # GIVEN a free user's how-to question on Wednesday evening: P4, no page, a reply promised by Mon 18:00
    clock.now = WED_EVENING
    deliver(aws, "widget/free-howto")
    ticket = tickets_by_route(aws)["free-after-hours"]
    assert paged(aws) == []
    # WHEN nobody has taken it when the promise runs out, and the sweep runs twice
    clock.now = datetime(2026, 12, 28, 23, 0, 30, tzinfo=UTC)  # Mon 18:00:30 in New York
    sweep()
    sweep()
    # THEN support is paged once, at P4, saying the first response is overdue
    [page] = paged(aws)
    assert page["topic"] == "support" and page["text"].startswith("[P4]")
    assert "First response overdue" in page["text"]
    assert any(s.startswith("sla-breached") for s in timeline(ticket["ticket_id"]["S"]))


def test_an_acknowledged_ticket_never_breaches(aws, clock):
    # GIVEN a 3 a.m. call (first response due in 15 minutes) that Leo acknowledges at once
    deliver(aws, "twilio/call-01-incoming")
    paged(aws)
    paging = bootstrap.container().paging
    [page_id] = [
        k.removeprefix("PAGE#") for k in paging.pages.due(clock.now + timedelta(hours=1)) if k.startswith("PAGE#")
    ]
    paging.acknowledge(page_id, "leo", clock.now, via="test")
    paged(aws)
    # WHEN the promised time passes
    clock.now += timedelta(minutes=20)
    sweep()
    # THEN nobody is paged
    assert paged(aws) == []


def test_a_burst_of_p2_pages_beyond_a_persons_rate_limit_waits_for_one_digest(aws, clock):
    # GIVEN Maya may get one page per 10 minutes, in office hours (buyers page her at once, at P2)
    aws.wire(replace(bootstrap.container().settings, page_rate_limit=1), clock)
    clock.now = OFFICE
    # WHEN two prospects write within a minute (two tickets, two P2 pages for Maya)
    deliver(aws, "widget/prospect-pricing")
    clock.now += timedelta(seconds=40)
    deliver(aws, "sendgrid/raw-mime")
    # THEN Maya is paged for the first; the second waits, and its timeline says so, not "notified"
    pages = paged(aws)
    assert [(p["kind"], p["people"]) for p in pages] == [("page", ["maya"])]
    lines = {
        t["ticket_id"]["S"]: [s for s in timeline(t["ticket_id"]["S"]) if "rate limit" in s] for t in aws.tickets()
    }
    [(held_id, held)] = [(ticket_id, found) for ticket_id, found in lines.items() if found]
    assert held_id not in pages[0]["text"]
    assert all(s.startswith("deferred") for s in held)
    assert any("the rate limit batches P2–P4 pages; a P1 or a live call always goes through" in s for s in held)
    # WHEN the window ends
    clock.now = OFFICE + timedelta(minutes=10, seconds=5)
    sweep()
    sweep()
    # THEN Maya gets one digest naming the held message, addressed to her alone
    digests = [p for p in paged(aws) if p["kind"] == "digest"]
    assert len(digests) == 1
    assert digests[0]["people"] == ["maya"] and held_id in digests[0]["text"]


def test_live_calls_are_never_held_by_the_rate_limit(aws, clock):
    # GIVEN the on-call person may get one page per 10 minutes
    aws.wire(replace(bootstrap.container().settings, page_rate_limit=1), clock)
    # WHEN two customers call within a minute (two P1 live calls for Leo)
    deliver(aws, "twilio/call-01-incoming")
    clock.now += timedelta(seconds=40)
    deliver(aws, "twilio/night-call-marco")
    # THEN Leo is paged for both at once: the limit batches P2–P4 only
    pages = paged(aws)
    assert [(p["topic"], p["people"]) for p in pages] == [("support", ["leo"]), ("support", ["leo"])]
    assert "Marco" in pages[1]["text"]
    assert not any("rate limit" in s for t in aws.tickets() for s in timeline(t["ticket_id"]["S"]))


def test_the_rate_count_counts_each_notification_once_in_dynamodb(aws, clock):
    # GIVEN the pages table, and one rate window of Maya's
    pages = bootstrap.container().pages
    window = OFFICE
    # WHEN one page's first notification is counted three times (a retried tick, two containers) and another once
    counts = [pages.count_notification("maya", window, 1200, note) for note in ("P-1#1", "P-1#1", "P-1#1", "P-2#1")]
    # THEN the window holds two notifications, and another window none of them
    assert counts == [1, 1, 1, 2]
    assert pages.count_notification("maya", window + timedelta(minutes=10), 1200, "P-1#2") == 1
