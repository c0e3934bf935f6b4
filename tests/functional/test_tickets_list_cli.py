"""`switchboard tickets list|resolve|reopen` in-process against moto: the Tickets view in a terminal, and its actions."""

from __future__ import annotations

import shlex

import pytest

from chalicelib import bootstrap
from cli import ticket_list
from cli.main import main
from tests.functional.test_ticket_queries import AT, a_ticket, store


def run(aws, capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*args, "--table", aws.settings.tickets_table])
    out, err = capsys.readouterr()
    return code, out, err


def test_list_prints_the_queue_most_urgent_first_with_due_times_in_the_office_zone(aws, capsys):
    # GIVEN a P2 due in an hour and a P1 due in 15 minutes, from Northwind
    store(a_ticket(1, "P2", due_in=60), a_ticket(2, "P1", due_in=15, customer="northwind"), a_ticket(3, "P3", None))
    # WHEN the queue is listed
    code, out, err = run(aws, capsys, "tickets", "list")
    # THEN a table, P1 first, due in New York time (08:15 UTC is 03:15 there), labelled
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "open tickets, most urgent first"
    assert lines[1].split() == ["TICKET", "PRI", "DUE", "(America/New_York)", "CHANNEL", "CUSTOMER", "SUMMARY"]
    assert lines[2].split() == [
        "T-0000000002",
        "P1",
        "Tue",
        "17",
        "Nov",
        "03:15",
        "widget",
        "Northwind",
        "message",
        "2",
    ]
    assert lines[3].split()[:6] == ["T-0000000001", "P2", "Tue", "17", "Nov", "04:00"]
    assert lines[4].split()[:4] == ["T-0000000003", "P3", "-", "widget"]
    assert not [line for line in lines if line.startswith("more:")]


def test_list_prints_the_next_pages_command_and_that_command_prints_the_rest(aws, capsys):
    # GIVEN three open P2 tickets
    store(*(a_ticket(n, "P2", due_in=n) for n in (1, 2, 3)))
    # WHEN listed two at a time, filtered by team
    code, out, _ = run(aws, capsys, "tickets", "list", "--limit", "2", "--team", "support")
    assert code == 0
    [more] = [line for line in out.splitlines() if line.startswith("more: ")]
    # THEN the last line is the next page's command, with the same table, filter and size
    words = shlex.split(more.removeprefix("more: "))
    assert words[:3] == ["switchboard", "tickets", "list"]
    assert {"--team", "support", "--limit", "2", "--cursor"} <= set(words)
    assert [line.split()[0] for line in out.splitlines()[2:4]] == ["T-0000000001", "T-0000000002"]
    # AND running it lists the third ticket, and no further page
    capsys.readouterr()
    assert main(words[1:]) == 0
    rest = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in rest[2:]] == ["T-0000000003"]


def test_a_bad_cursor_is_one_line_and_exit_2(aws, capsys):
    code, out, err = run(aws, capsys, "tickets", "list", "--cursor", "bm9wZQ")
    assert (code, out) == (2, "")
    assert err == "switchboard tickets list: error: the cursor is not one this list gave out\n"


def test_an_empty_listing_says_what_was_asked_for(aws, capsys):
    code, out, _ = run(aws, capsys, "tickets", "list", "--status", "resolved", "--priority", "P1")
    assert (code, out) == (0, "no resolved tickets, priority P1\n")


def test_resolve_then_reopen_from_the_cli_and_what_each_refuses(aws, capsys, monkeypatch):
    # GIVEN an open ticket, and the CLI's clock at AT
    monkeypatch.setattr(ticket_list, "clock", lambda: AT)
    store(a_ticket(1))
    # WHEN maya resolves it (its id in lower case)
    assert run(aws, capsys, "tickets", "resolve", "t-0000000001", "--by", "maya") == (
        0,
        "T-0000000001 is resolved (resolved by maya)\n",
        "",
    )
    # THEN it leaves the open list, and resolving it again is refused
    assert run(aws, capsys, "tickets", "list")[1] == "no open tickets\n"
    code, _, err = run(aws, capsys, "tickets", "resolve", "T-0000000001", "--by", "leo")
    assert (code, err) == (2, "switchboard tickets resolve: error: ticket T-0000000001 is already resolved\n")
    # AND reopening it lists it again
    assert run(aws, capsys, "tickets", "reopen", "T-0000000001", "--by", "leo")[:2] == (
        0,
        "T-0000000001 is open (reopened by leo)\n",
    )
    assert run(aws, capsys, "tickets", "list")[1].splitlines()[2].startswith("T-0000000001")


@pytest.mark.parametrize("command", ["resolve", "reopen"])
def test_a_ticket_that_is_not_there_is_exit_2(aws, capsys, command):
    code, _, err = run(aws, capsys, "tickets", command, "T-00000000FF")
    assert (code, err) == (2, f"switchboard tickets {command}: error: there is no ticket T-00000000FF\n")


def test_reindex_gives_tickets_written_before_the_indexes_their_keys_once(aws, capsys):
    # GIVEN two tickets as written before the indexes existed (no queue, queue_order or history_key), one resolved
    store(a_ticket(1, "P2"), a_ticket(2, "P1", customer="northwind"))
    bootstrap.container().tickets.close("T-0000000002", AT, "incident I-1")
    for n in (1, 2):
        aws.clients["dynamodb"].update_item(
            TableName=aws.settings.tickets_table,
            Key={"pk": {"S": f"TICKET#T-{n:010X}"}, "sk": {"S": "TICKET"}},
            UpdateExpression="REMOVE queue, queue_order, history_key",
        )
    assert run(aws, capsys, "tickets", "list")[1] == "no open tickets\n"
    # WHEN they are reindexed
    assert run(aws, capsys, "tickets", "reindex")[:2] == (
        0,
        f"2 of 2 unlisted tickets in {aws.settings.tickets_table} given their index keys\n",
    )
    # THEN each is listed under its status, and its history found
    assert run(aws, capsys, "tickets", "list")[1].splitlines()[2].startswith("T-0000000001")
    assert run(aws, capsys, "tickets", "list", "--status", "resolved")[1].splitlines()[2].startswith("T-0000000002")
    assert [t.ticket_id for t in bootstrap.container().ticket_queries.history("northwind")] == ["T-0000000002"]
    # AND a second run finds nothing left to do
    assert run(aws, capsys, "tickets", "reindex")[1].startswith("0 of 0 unlisted tickets")
