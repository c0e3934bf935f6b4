"""The console's reads with 10,000 tickets in a moto server's table: latency and DynamoDB requests per view.

A moto server (the local platform's DynamoDB, over HTTP) gets the stack from infra/template.yaml and
10,000 tickets written with BatchWriteItem (the items triage writes), most resolved, spread over 90
days, 500 customers and 100 callers with no account; 200 of them have a page and timeline entries.
Then each read the console makes is timed: the open queue's first page, a filtered page, the fifth
page (its cursor followed there once, beforehand), a customer's history, and a ticket's page (the
ticket's partition, its pages, its customer's history). Requests are counted with botocore's
``before-call`` event on the client. It reports; it asserts nothing about time: moto answers an
index Query by reading every item of the table, so its latencies grow with the table where
DynamoDB's would not. The request counts are what carries over to AWS.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

from bench.console_report import ConsoleResult, Measured, format_report, summary
from bench.moto_speed import faster_dynamodb
from bench.timing import Timing
from local.samples import ROOT
from local.stack import create_stack

DEFAULT_TICKETS = 10_000
QUICK_TICKETS = 1_000
DEFAULT_REPEATS = 50
QUICK_REPEATS = 10
#: tickets with a page and timeline entries: the ticket pages read
PAGED_TICKETS = 200
CUSTOMERS = 500
CALLERS = 100  # unknown senders, by phone number
#: now, for the seeded tickets: the newest opened just before
NOW = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
PRIORITIES = (("P1", 0.05, timedelta(minutes=15)), ("P2", 0.2, timedelta(hours=1)), ("P3", 0.45, timedelta(hours=8)),
              ("P4", 0.3, None))  # fmt: skip
TEAMS = ("support", "support", "support", "sales", "billing")
CHANNELS = ("widget", "email", "sms", "voice", "slack", "x", "meta")
OPEN_SHARE = 0.3
BATCH = 25  # DynamoDB's most items per BatchWriteItem


class RequestCounter:
    """DynamoDB requests a client makes, by operation (botocore's before-call event fires once per request)."""

    def __init__(self, client: Any) -> None:
        self.counts: Counter[str] = Counter()
        client.meta.events.register("before-call.dynamodb.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.counts[model.name] += 1


def tell(message: str) -> None:
    print(f"  console: {message}", file=sys.stderr, flush=True)


def run(
    tickets: int = DEFAULT_TICKETS, repeats: int = DEFAULT_REPEATS, progress: Callable[[str], None] = lambda _m: None
) -> ConsoleResult:
    rng = random.Random(14)
    with moto_world() as (client, container, counter):
        started = time.perf_counter()
        open_tickets, items, paged = seed(client, container, tickets, rng, progress)
        seeded = time.perf_counter() - started
        progress(f"{tickets} tickets ({open_tickets} open, {items} items) seeded in {seeded:.0f} s; timing reads")
        return ConsoleResult(tickets, open_tickets, items, seeded, measure(container, counter, paged, repeats, rng))


def measure(
    container: Any, counter: RequestCounter, paged: list[str], repeats: int, rng: random.Random
) -> list[Measured]:
    from chalicelib.console.ports import Filters

    queries = container.ticket_queries
    cursor = None
    for _ in range(4):  # the cursor of page 5, found once: the user clicked "next" four times
        cursor = queries.listing(Filters(), cursor).cursor
    customers = [f"cus_{rng.randrange(CUSTOMERS):04d}" for _ in range(repeats)]
    ticket_ids = [rng.choice(paged) for _ in range(repeats)]
    reads: list[tuple[str, Callable[[int], int]]] = [
        ("open queue, first page", lambda _i: len(queries.listing(Filters()).tickets)),
        ("filtered: P2, team sales", lambda _i: len(queries.listing(Filters(priority="P2", team="sales")).tickets)),
        ("open queue, page 5", lambda _i: len(queries.listing(Filters(), cursor).tickets)),
        ("a customer's history", lambda i: len(queries.history(customers[i]))),
        ("a ticket's page", lambda i: shown(container.ticket_page(ticket_ids[i]))),
    ]
    with served(container) as get:
        # the same reads, and the views built and rendered (Jinja2) through the app's own routes
        reads += [
            ("Tickets view, rendered", lambda _i: get("/console/tickets")),
            ("Ticket view, rendered", lambda i: get(f"/console/tickets/{ticket_ids[i]}")),
            ("Now view, rendered", lambda _i: get("/console")),
        ]
        return [timed(name, read, repeats, counter) for name, read in reads]


@contextmanager
def served(container: Any) -> Iterator[Callable[[str], int]]:
    """GET a console page through the app (Chalice's test client) signed in as a person; its size in KB.

    The rows then count kilobytes of HTML, not tickets."""
    from chalice.test import Client

    import app as app_module
    from chalicelib import bootstrap
    from chalicelib.console import session

    bootstrap.use(container)
    bootstrap.use(container, "api_handler")
    cookie = f"{session.COOKIE}={session.issue('maya', NOW, container.secret('console').get())}"
    with Client(app_module.app) as client:

        def get(path: str) -> int:
            response = client.http.get(path, headers={"cookie": cookie})
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}")
            return len(response.body) // 1024

        try:
            yield get
        finally:
            bootstrap.use(None)


def shown(page: Any) -> int:
    return 1 + len(page.follow_ups) + len(page.timeline) + len(page.replies) + len(page.pages) + len(page.history)


def timed(name: str, read: Callable[[int], int], repeats: int, counter: RequestCounter) -> Measured:
    read(0)  # warm: the first call builds clients and imports
    gc.collect()
    counter.counts.clear()
    latencies, rows = [], 0
    start = time.perf_counter_ns()
    for i in range(repeats):
        t0 = time.perf_counter_ns()
        rows += read(i)
        latencies.append(time.perf_counter_ns() - t0)
    elapsed = time.perf_counter_ns() - start
    requests = {op: n / repeats for op, n in counter.counts.items()}
    return Measured(name, Timing(tuple(sorted(latencies)), elapsed), requests, rows / repeats)


@contextmanager
def moto_world() -> Iterator[tuple[Any, Any, RequestCounter]]:
    """A moto server on a free loopback port, the stack created in it, a container whose DynamoDB is counted."""
    import boto3
    from moto.server import ThreadedMotoServer

    from chalicelib import bootstrap
    from chalicelib.settings import Settings

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request would bury the report
    loopback = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1"]))
    env = {"NO_PROXY": loopback, "no_proxy": loopback, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}
    with mock.patch.dict(os.environ, env), faster_dynamodb():
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)
        server.start()
        try:
            host, port = server.get_host_and_port()
            session = boto3.Session(region_name="us-east-1")

            def client(service: str) -> Any:
                return session.client(service, endpoint_url=f"http://{host}:{port}")

            stack = create_stack({s: client(s) for s in ("cloudformation", "dynamodb", "sqs", "sns", "cloudwatch")})
            config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
            settings = Settings.from_env(
                {
                    **stack.environment(),
                    **config["stages"]["local"]["environment_variables"],
                    # the container's other clients (the rules store's S3) talk to the same moto server
                    "AWS_ENDPOINT_URL": f"http://{host}:{port}",
                }
            )
            dynamodb = client("dynamodb")
            counter = RequestCounter(dynamodb)
            container = bootstrap.Container(settings, clock=lambda: NOW, dynamodb=dynamodb)
            yield dynamodb, container, counter
        finally:
            server.stop()


def seed(
    client: Any, container: Any, count: int, rng: random.Random, progress: Callable[[str], None]
) -> tuple[int, int, list[str]]:
    """``count`` tickets in batches, then pages and timelines on PAGED_TICKETS of them: (open, items, paged ids)."""
    from chalicelib.adapters.tickets_table import ticket_item

    table = container.settings.tickets_table
    made = [make_ticket(n, rng) for n in range(count)]
    batch: list[dict[str, Any]] = []
    for n, ticket in enumerate(made, 1):
        batch.append({"PutRequest": {"Item": ticket_item(ticket)}})
        if len(batch) == BATCH or n == count:
            write(client, table, batch)
            batch = []
        if n % 2000 == 0:
            progress(f"seeded {n} of {count} tickets")
    paged = [t.ticket_id for t in rng.sample(made, min(PAGED_TICKETS, count))]
    by_id = {t.ticket_id: t for t in made}
    for ticket_id in paged:
        open_page(container, by_id[ticket_id])
    items = count + len(paged) * 5  # ticket; page, its ack code, its fold pointer, two timeline entries
    return sum(t.is_open for t in made), items, paged


def write(client: Any, table: str, batch: list[dict[str, Any]]) -> None:
    pending = {table: batch}
    while pending:  # what DynamoDB leaves unprocessed is sent again
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def make_ticket(n: int, rng: random.Random) -> Any:
    from chalicelib.model.customer import Customer
    from chalicelib.model.decision import Decision, Priority
    from chalicelib.model.event import Channel, Sender, SupportEvent
    from chalicelib.model.ticket import Ticket

    at = NOW - timedelta(seconds=rng.uniform(60, 90 * 24 * 3600))
    draw, cumulative = rng.random(), 0.0
    priority, within = PRIORITIES[-1][0], PRIORITIES[-1][2]
    for name, share, sla in PRIORITIES:
        cumulative += share
        if draw < cumulative:
            priority, within = name, sla
            break
    if rng.random() < 0.1:
        phone = f"+1555010{rng.randrange(CALLERS):04d}"
        sender, customer = Sender(phone=phone), Customer.unknown(phone)
    else:
        c = rng.randrange(CUSTOMERS)
        customer = Customer(customer_id=f"cus_{c:04d}", name=f"Customer {c}", plan="pro", email=f"ops@c{c}.example")
        sender = Sender(name=f"Contact {c}", email=f"ops@c{c}.example")
    channel = Channel(rng.choice(CHANNELS))
    words = " ".join(rng.choice(("login", "fails", "since", "the", "update", "please", "call", "back", "urgent"))
                     for _ in range(rng.randrange(20, 300)))  # fmt: skip
    event = SupportEvent(
        event_id=f"bench:{n}", channel=channel, provider=channel.value, received_at=at, sender=sender, text=words
    )
    team = rng.choice(TEAMS)
    decision = Decision(
        route="bench", team=team, priority=Priority(priority), sla_due=at + within if within else None,
        page_targets=(team,), reasons=("bench: seeded",), rules_version="bench",
    )  # fmt: skip
    status = "open" if rng.random() < OPEN_SHARE else "resolved"
    return Ticket(
        ticket_id=f"T-{n:010X}", event=event, customer=customer, decision=decision, created_at=at, status=status
    )


def open_page(container: Any, ticket: Any) -> None:
    """A page for the ticket and two timeline entries, as the paging service writes them."""
    from chalicelib.model.page import Level, Page, Recipient
    from chalicelib.model.timeline import Entry, Kind
    from chalicelib.services.paging_ports import ack_code_for, page_id_for

    page_id = page_id_for(ticket.ticket_id, ticket.event.event_id)
    level = Level(targets=("team:support",), recipients=(Recipient(person="leo", name="Leo", topic="support"),),
                  ack_timeout_seconds=300)  # fmt: skip
    page = Page(
        page_id=page_id, ticket_id=ticket.ticket_id, ack_code=ack_code_for(page_id), priority=ticket.decision.priority.value,
        team=ticket.decision.team, tier="standard", channel=ticket.event.channel.value, customer=ticket.customer.name,
        summary=ticket.event.summary(80), levels=(level,), opened_at=ticket.created_at,
    )  # fmt: skip
    at = ticket.created_at
    entries = [
        Entry(at=at, kind=Kind.PAGE_OPENED, page_id=page_id, actor="switchboard", text="page opened"),
        Entry(at=at, kind=Kind.NOTIFIED, page_id=page_id, actor="switchboard", text="paging level 1 of 1 (Leo)"),
    ]
    container.pages.create(page, [f"ticket:{ticket.ticket_id}"], entries)


__all__ = ["ConsoleResult", "Measured", "format_report", "run", "summary", "tell"]
