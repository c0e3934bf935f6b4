"""The console's lists on moto: the queue by status, priority and due time; filters; paging; a customer's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.ticket_queries import DynamoTicketQueries, encode_cursor
from chalicelib.console.ports import Filters
from chalicelib.errors import PayloadError
from chalicelib.model.customer import Customer
from chalicelib.model.decision import Decision, Priority
from chalicelib.model.event import Channel, Sender, SupportEvent
from chalicelib.model.ticket import Ticket, history_key

AT = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)


def a_ticket(
    n: int,
    priority: str = "P2",
    due_in: int | None = 60,
    team: str = "support",
    channel: Channel = Channel.WIDGET,
    customer: str = "cus_a",
    minutes: int = 0,
    phone: str | None = None,
) -> Ticket:
    """Ticket n, opened ``minutes`` after AT, its first response due ``due_in`` minutes after that (None: no SLA)."""
    at = AT + timedelta(minutes=minutes)
    sender = Sender(phone=phone) if phone else Sender(email=f"{customer}@example.com")
    event = SupportEvent(
        event_id=f"widget:{n}",
        channel=channel,
        provider=channel.value,
        received_at=at,
        sender=sender,
        text=f"message {n}",
    )
    due = at + timedelta(minutes=due_in) if due_in is not None else None
    decision = Decision(
        route="r", team=team, priority=Priority(priority), sla_due=due, page_targets=(team,), rules_version="t"
    )
    who = (
        Customer(customer_id=customer, name=customer.title(), plan="pro")
        if customer != "unknown"
        else Customer.unknown(phone or "someone")
    )
    return Ticket(ticket_id=f"T-{n:010X}", event=event, customer=who, decision=decision, created_at=at)


def store(*tickets: Ticket) -> None:
    repo = bootstrap.container().tickets
    for t in tickets:
        repo.create(t, None)


def ids(tickets: list[Ticket]) -> list[str]:
    return [t.ticket_id for t in tickets]


@pytest.fixture
def queries(aws) -> DynamoTicketQueries:
    # the API function's own container: its IAM policy must allow the index queries
    return bootstrap.container("api_handler").ticket_queries  # type: ignore[no-any-return]


def test_open_tickets_list_p1_before_p2_and_by_due_time_within_a_priority(aws, queries):
    # GIVEN tickets of two priorities, due at different times, one with no deadline, stored out of order
    store(
        a_ticket(1, "P2", due_in=30),
        a_ticket(2, "P1", due_in=None),
        a_ticket(3, "P1", due_in=15),
        a_ticket(4, "P2", due_in=10),
        a_ticket(5, "P1", due_in=15, minutes=-5),  # due 10 minutes after AT: before ticket 3
    )
    # WHEN the open queue is listed
    listing = queries.listing(Filters())
    # THEN P1s come first, soonest due first, a P1 with no deadline last among them; then the P2s
    assert ids(listing.tickets) == ["T-0000000005", "T-0000000003", "T-0000000002", "T-0000000004", "T-0000000001"]
    assert listing.cursor is None


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(priority="P1"), [3, 2]),
        (Filters(team="sales"), [3, 4]),
        (Filters(channel=Channel.EMAIL.value), [4]),
        (Filters(customer_id="cus_b"), [2, 4]),
        (Filters(priority="P2", team="sales", customer_id="cus_b"), [4]),
        (Filters(status="resolved"), []),
    ],
)
def test_filters_narrow_the_queue_and_keep_its_order(aws, queries, filters, expected):
    # GIVEN four open tickets of two teams, channels and customers
    store(
        a_ticket(1, "P2", due_in=50),
        a_ticket(2, "P1", due_in=20, customer="cus_b"),
        a_ticket(3, "P1", due_in=10, team="sales"),
        a_ticket(4, "P2", due_in=5, team="sales", channel=Channel.EMAIL, customer="cus_b"),
    )
    # WHEN the queue is listed with the filters
    listing = queries.listing(filters)
    # THEN only the matching tickets, most urgent first
    assert ids(listing.tickets) == [f"T-{n:010X}" for n in expected]


def test_a_cursor_pages_through_the_queue_in_order_without_repeats(aws, queries):
    # GIVEN 7 open tickets, due one minute apart
    store(*(a_ticket(n, "P2", due_in=n) for n in range(1, 8)))
    # WHEN listed 3 at a time, following each cursor
    pages, cursor = [], None
    for _ in range(3):
        listing = queries.listing(Filters(), cursor, limit=3)
        pages.append(ids(listing.tickets))
        cursor = listing.cursor
    # THEN three pages in due order, the last one short and without a cursor
    assert pages == [[f"T-{n:010X}" for n in chunk] for chunk in ([1, 2, 3], [4, 5, 6], [7])]
    assert cursor is None


def test_a_filtered_page_reads_past_the_rows_the_filter_drops(aws, queries):
    # GIVEN 12 open tickets of which every third is the sales team's
    store(*(a_ticket(n, "P2", due_in=n, team="sales" if n % 3 == 0 else "support") for n in range(1, 13)))
    # WHEN sales' tickets are listed two at a time
    first = queries.listing(Filters(team="sales"), limit=2)
    second = queries.listing(Filters(team="sales"), first.cursor, limit=2)
    # THEN each page is full, and the second starts after the first's last row
    assert ids(first.tickets) == ["T-0000000003", "T-0000000006"]
    assert ids(second.tickets) == ["T-0000000009", "T-000000000C"]


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        encode_cursor({"pk": {"S": "TICKET#T-1"}}),  # not a whole key
        encode_cursor({"pk": {"S": "PAGE#P-1"}, "sk": {"S": "PAGE"}, "queue": {"S": "open"}, "queue_order": {"S": "P1#"}}),
        encode_cursor({"pk": {"S": "TICKET#T-1"}, "sk": {"S": "TICKET"}, "queue": {"S": "resolved"}, "queue_order": {"S": "P1#"}}),
        encode_cursor({"pk": {"S": "TICKET#T-1"}, "sk": {"S": "TICKET"}, "queue": {"S": "open"}, "queue_order": {"N": "1"}}),
        "W10",  # base64 of "[]"
    ],
)  # fmt: skip
def test_a_cursor_this_list_did_not_give_out_is_a_400(aws, queries, cursor):
    # WHEN a listing is asked to start at a garbled, foreign or edited cursor
    with pytest.raises(PayloadError) as raised:
        queries.listing(Filters(status="open"), cursor)
    # THEN it is refused as bad input, naming the cursor
    assert (raised.value.http_status, raised.value.field) == (400, "cursor")


def test_a_priority_filters_cursor_must_stay_within_that_priority(aws, queries):
    store(*(a_ticket(n, "P1", due_in=n) for n in range(1, 4)))
    cursor = queries.listing(Filters(priority="P1"), limit=1).cursor
    assert cursor is not None
    with pytest.raises(PayloadError):
        queries.listing(Filters(priority="P2"), cursor)


def test_history_lists_a_customers_tickets_newest_first_and_an_unknown_callers_by_their_number(aws, queries):
    # GIVEN a customer's three tickets, another customer's, and two calls from one unknown number and one from another
    store(
        a_ticket(1, customer="cus_a", minutes=0),
        a_ticket(2, customer="cus_a", minutes=60),
        a_ticket(3, customer="cus_b", minutes=30),
        a_ticket(4, customer="cus_a", minutes=120),
        a_ticket(5, customer="unknown", phone="+15550100001", minutes=10),
        a_ticket(6, customer="unknown", phone="+15550100002", minutes=20),
        a_ticket(7, customer="unknown", phone="+15550100001", minutes=40),
    )
    # THEN the customer's history is theirs alone, newest first
    assert ids(queries.history("cus_a")) == ["T-0000000004", "T-0000000002", "T-0000000001"]
    assert ids(queries.history("cus_a", limit=1)) == ["T-0000000004"]
    # AND a caller with no account finds their own earlier calls by their number, not every unknown's
    caller = history_key(a_ticket(7, customer="unknown", phone="+15550100001"))
    assert caller is not None and caller.startswith("sender#")
    assert ids(queries.history(caller)) == ["T-0000000007", "T-0000000005"]
    assert queries.history("unknown") == []


def table_items(aws) -> list[dict[str, Any]]:
    return list(aws.clients["dynamodb"].scan(TableName=aws.settings.tickets_table)["Items"])


def test_the_indexes_are_sparse_only_ticket_items_carry_their_keys(aws, queries):
    # GIVEN a ticket, a follow-up on it (another item under its key) and a timeline entry
    from chalicelib.model.ticket import FollowUp
    from chalicelib.model.timeline import Entry, Kind

    ticket = a_ticket(1, "P1")
    store(ticket)
    follow_up = FollowUp(
        ticket_id=ticket.ticket_id,
        event=a_ticket(2).event,
        decision=ticket.decision,
        received_at=AT + timedelta(minutes=5),
    )
    container = bootstrap.container()
    container.tickets.append(follow_up, None)
    container.pages.record(ticket.ticket_id, [Entry(at=AT, kind=Kind.NOTIFIED, text="paged")])
    # THEN only the ticket item has the index keys, and the listing and history show it once
    keyed = [i["sk"]["S"] for i in table_items(aws) if {"queue", "queue_order", "history_key"} & set(i)]
    assert keyed == ["TICKET"]
    assert ids(queries.listing(Filters()).tickets) == [ticket.ticket_id]
    assert ids(queries.history("cus_a")) == [ticket.ticket_id]
