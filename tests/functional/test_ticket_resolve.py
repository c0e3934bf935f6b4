"""A person resolves and reopens a ticket on moto: conditional moves, the timeline, the page stops, the lists follow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib import bootstrap
from chalicelib.console.ports import Filters
from chalicelib.errors import NotFoundError
from chalicelib.model.page import PageState
from chalicelib.model.ticket import FollowUp
from chalicelib.services.ports import Write
from chalicelib.services.tickets import TicketStateError
from tests.functional.paging_helpers import deliver, paged, sweep, timeline
from tests.functional.test_ticket_queries import AT, a_ticket, ids, store

CALL = "twilio/call-01-incoming"
TICKET = "T-79BA30B7D3"  # the call's ticket: a hash of its event id


def listed(status: str) -> list[str]:
    return ids(bootstrap.container().ticket_queries.listing(Filters(status=status)).tickets)


def test_resolving_a_paged_ticket_stops_its_escalation_and_says_who_on_the_timeline(aws, clock):
    # GIVEN Dana's 03:00 call paged its first level, and nobody has acknowledged
    deliver(aws, CALL)
    paged(aws)
    [page_id] = {e.page_id for e in bootstrap.container().pages.timeline(TICKET) if e.page_id}
    service = bootstrap.container("api_handler").ticket_service
    # WHEN Maya resolves the ticket a minute later
    clock.now += timedelta(minutes=1)
    resolved = service.resolve(TICKET, "maya", clock.now)
    # THEN it is resolved, its page too, and the timeline says by whom
    assert resolved.status == "resolved"
    assert bootstrap.container().tickets.get(TICKET).status == "resolved"
    assert bootstrap.container().pages.get(page_id).state is PageState.RESOLVED
    log = timeline(TICKET)
    assert "resolved: page resolved with the ticket by maya" in log
    assert f"resolved: resolved by maya at 08:01 UTC on 17 Nov 2026; escalation stopped on page {page_id}" in log
    # AND the sweep escalates nothing afterwards, however late
    clock.now += timedelta(hours=1)
    sweep()
    assert paged(aws) == []
    # AND the lists show it resolved, not open
    assert (listed("open"), listed("resolved")) == ([], [TICKET])


def test_resolve_and_reopen_are_conditional_on_the_status(aws, clock):
    # GIVEN an open ticket with no page
    store(a_ticket(1))
    service = bootstrap.container().ticket_service
    # WHEN it is reopened while open
    with pytest.raises(TicketStateError) as raised:
        service.reopen("T-0000000001", "leo", AT)
    assert raised.value.http_status == 409
    # WHEN it is resolved twice
    service.resolve("T-0000000001", "leo", AT)
    with pytest.raises(TicketStateError, match="already resolved"):
        service.resolve("T-0000000001", "priya", AT + timedelta(minutes=1))
    # THEN the first resolve stands; reopening it works once and says who
    service.reopen("T-0000000001", "priya", AT + timedelta(minutes=2))
    with pytest.raises(TicketStateError, match="already open"):
        service.reopen("T-0000000001", "priya", AT + timedelta(minutes=3))
    assert timeline("T-0000000001") == [
        "resolved: resolved by leo at 08:00 UTC on 17 Nov 2026",
        "reopened: reopened by priya at 08:02 UTC on 17 Nov 2026",
    ]
    assert listed("open") == ["T-0000000001"]
    # AND a ticket that is not there is a 404
    with pytest.raises(NotFoundError):
        service.resolve("T-00000000FF", "leo", AT)


def follow_up(n: int, minutes: int) -> FollowUp:
    ticket = a_ticket(1)
    return FollowUp(
        ticket_id=ticket.ticket_id,
        event=a_ticket(n).event,
        decision=ticket.decision,
        received_at=AT + timedelta(minutes=minutes),
    )


def test_the_lists_follow_an_incidents_close_and_the_customers_reply_that_reopens_it(aws):
    # GIVEN an open ticket an incident's resolution closes
    store(a_ticket(1))
    repo = bootstrap.container().tickets
    assert repo.close("T-0000000001", AT, "incident I-1")
    assert (listed("open"), listed("resolved")) == ([], ["T-0000000001"])
    # WHEN its customer writes again
    assert repo.append(follow_up(2, 5), None) is Write.STORED
    # THEN it is open again, and listed so
    assert (listed("open"), listed("resolved")) == (["T-0000000001"], [])


def test_a_ticket_a_person_resolved_does_not_reopen_on_a_reply(aws):
    # GIVEN a ticket an incident closed, reopened by its customer, then resolved by a person
    store(a_ticket(1))
    container = bootstrap.container()
    container.tickets.close("T-0000000001", AT, "incident I-1")
    container.ticket_service.reopen("T-0000000001", "leo", AT + timedelta(minutes=1))
    container.ticket_service.resolve("T-0000000001", "leo", AT + timedelta(minutes=2))
    # WHEN the customer writes again
    # THEN the message does not join it (triage opens a new ticket that takes the thread over)
    assert container.tickets.append(follow_up(2, 5), None) is Write.CONFLICT
    assert (listed("open"), listed("resolved")) == ([], ["T-0000000001"])


def test_a_tickets_page_reads_its_messages_timeline_pages_and_history_as_the_api_function(aws, clock):
    # GIVEN Dana's call paged, and an earlier ticket of hers
    store(a_ticket(1, customer="cus_northwind", minutes=-600))
    deliver(aws, CALL)
    # WHEN the API function reads the call's ticket page (under its own IAM policy)
    page = bootstrap.container("api_handler").ticket_page(TICKET)
    # THEN the ticket, its timeline and its page, and her history newest first, this call included
    assert page.ticket.ticket_id == TICKET
    assert [p.ticket_id for p in page.pages] == [TICKET]
    assert {"page-opened", "notified"} <= {e.kind.value for e in page.timeline}
    assert ids(page.history) == [TICKET, "T-0000000001"]
    # AND a ticket that is not there is a 404
    with pytest.raises(NotFoundError):
        bootstrap.container("api_handler").ticket_page("T-00000000FF")
