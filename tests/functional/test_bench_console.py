"""The console benchmark on a few hundred tickets: what each read costs in DynamoDB requests, never its timing."""

from __future__ import annotations

import json

import pytest

from bench import console


@pytest.fixture(scope="module")
def result() -> console.ConsoleResult:
    return console.run(tickets=300, repeats=3)


def test_each_console_list_is_one_query_and_one_batch_get_and_a_tickets_page_four_requests(result) -> None:
    reads = {m.name: m for m in result.measured}
    # THEN each list is one Query on its index and one BatchGetItem of the tickets it shows (the indexes project
    # no document), full pages where there are enough tickets
    assert list(reads) == [
        "open queue, first page",
        "filtered: P2, team sales",
        "open queue, page 5",
        "a customer's history",
        "a ticket's page",
        "Tickets view, rendered",
        "Ticket view, rendered",
        "Now view, rendered",
    ]
    for name in ("open queue, first page", "open queue, page 5", "filtered: P2, team sales"):
        assert reads[name].requests == {"Query": 1.0, "BatchGetItem": 1.0}, name
    # (a customer with no tickets yet: the Query finds nothing and nothing is fetched)
    history = reads["a customer's history"].requests
    assert history["Query"] == 1.0 and 0 < history["BatchGetItem"] <= 1.0
    assert reads["open queue, first page"].rows == 25
    # AND a ticket's page reads its partition and its history (two Queries, the history's tickets in a BatchGetItem)
    # and its one page (a GetItem)
    assert reads["a ticket's page"].requests == {"Query": 2.0, "GetItem": 1.0, "BatchGetItem": 1.0}
    # ticket, two timeline entries, the page, and at least itself in its history
    assert reads["a ticket's page"].rows >= 5
    # AND the rendered views cost what their reads cost (the Ticket view also lists open incidents to link to)
    assert reads["Tickets view, rendered"].requests == {"Query": 1.0, "BatchGetItem": 1.0}
    assert reads["Ticket view, rendered"].requests == {"Query": 3.0, "GetItem": 1.0, "BatchGetItem": 1.0}
    assert all(reads[v].rows >= 1 for v in ("Tickets view, rendered", "Ticket view, rendered", "Now view, rendered"))


def test_the_report_and_the_figures_name_every_read(result) -> None:
    figures = json.loads(json.dumps(result.to_dict()))
    assert figures["tickets"] == 300 and 0 < figures["open_tickets"] < 300
    assert figures["reads"]["a ticket's page"]["requests_per_call"] == 4
    report = console.format_report(result)
    assert all(m.name in report for m in result.measured)
    assert "at most 5 DynamoDB requests per view" in console.summary(result)
