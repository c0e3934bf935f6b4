"""`switchboard tickets list|resolve|reopen`: the console's Tickets view and its two actions, in the terminal."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from cli.aws import LOCAL_ENDPOINT, CliError, dynamodb_table

if TYPE_CHECKING:
    from chalicelib.console.ports import Listing
    from chalicelib.model.ticket import Ticket

#: the CLI's clock (tests replace it): resolve and reopen are stamped with it
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731

CHANNELS = ("widget", "email", "sms", "voice", "slack", "x", "meta")

LIST_EPILOG = f"""The open tickets (or --status resolved), most urgent first: P1 before P2, then the soonest
first-response deadline (a ticket with none after those that have one), then the oldest. One Query on
the tickets table's ByQueue index per page; --team, --channel and --customer filter what it reads.
Due times are in the office's zone (the rules' default calendar), named in the heading.

examples:
  switchboard tickets list --local
  switchboard tickets list --local --priority P1 --team support
  switchboard tickets list --stage prod --customer cus_northwind --status resolved --limit 50
  switchboard tickets list --local --cursor eyJwayI6…                # the next page, as the last line says

which table:
  --table NAME, else --stage STAGE (switchboard-STAGE-tickets), else --local ({LOCAL_ENDPOINT}),
  else $TICKETS_TABLE.

exit status:
  0  listed (also when nothing matches)
  2  bad input (a cursor this list did not give out), or the table or AWS could not be used
"""

MOVE_EPILOG = f"""resolve: the ticket's own pages stop escalating (resolved), its first-response timer stops,
and the timeline records who resolved it. A ticket a person resolved stays resolved when the customer
writes again: their message opens a new ticket. (A ticket an incident closed reopens on its customer's
reply.)
reopen: a resolved ticket is open again and listed; nobody is paged (you have it).

examples:
  switchboard tickets resolve --local T-79BA30B7D3 --by maya
  switchboard tickets reopen --stage prod T-79BA30B7D3

which table:
  --table NAME, else --stage STAGE, else --local ({LOCAL_ENDPOINT}), else $TICKETS_TABLE.

exit status:
  0  done
  2  no such ticket, it is already resolved (or open, for reopen), or AWS could not be used
"""


def by_default() -> str:
    return os.environ.get("SWITCHBOARD_OPERATOR") or os.environ.get("USER") or "operator"


def add_list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=("open", "resolved"), default="open", help="which tickets (default open)")
    parser.add_argument("--priority", choices=("P1", "P2", "P3", "P4"), help="only this priority")
    parser.add_argument("--team", help="only this team's tickets")
    parser.add_argument("--channel", choices=CHANNELS, help="only tickets that came in on this channel")
    parser.add_argument("--customer", metavar="ID", help="only this customer's tickets (their id: cus_…)")
    parser.add_argument("--limit", type=int, default=25, metavar="N", help="rows per page, 1 to 100 (default 25)")
    parser.add_argument("--cursor", metavar="C", help="where the page starts: the last page's next command gives it")


def run_list(args: argparse.Namespace) -> int:
    from chalicelib.adapters.ticket_queries import DynamoTicketQueries
    from chalicelib.console.ports import Filters
    from chalicelib.errors import SwitchboardError

    try:
        client, table = dynamodb_table(args, "tickets", "TICKETS_TABLE")
        filters = Filters(args.status, args.priority, args.team, args.channel, args.customer)
        listing = DynamoTicketQueries(client, table).listing(filters, args.cursor, args.limit)
        zone = office_zone()
    except (CliError, SwitchboardError) as exc:
        print(f"switchboard tickets list: error: {exc}", file=sys.stderr)
        return 2
    print(render(listing, args, zone))
    return 0


def office_zone() -> tzinfo:
    """The rules' default calendar's zone: where the office reads its deadlines."""
    from chalicelib.routing.loader import load_rules

    zone: tzinfo = load_rules().default_calendar.timezone
    return zone


def render(listing: Listing, args: argparse.Namespace, zone: tzinfo) -> str:
    what = f"{args.status} tickets" + "".join(
        f", {name} {value}"
        for name, value in (("priority", args.priority), ("team", args.team), ("channel", args.channel),
                            ("customer", args.customer))
        if value
    )  # fmt: skip
    if not listing.tickets:
        return f"no {what}"
    label = f"DUE ({zone})"
    rows = [row(t, zone) for t in listing.tickets]
    widths = [max(len(r[i]) for r in [*rows, ("TICKET", "PRI", label, "CHANNEL", "CUSTOMER")]) for i in range(5)]
    head = ("TICKET", "PRI", label, "CHANNEL", "CUSTOMER", "SUMMARY")
    lines = [f"{what}, most urgent first"]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, [*widths, 0], strict=True)).rstrip() for r in [head, *rows]]
    if listing.cursor:
        lines.append(f"more: {next_command(args, listing.cursor)}")
    return "\n".join(lines)


def row(ticket: Ticket, zone: tzinfo) -> tuple[str, str, str, str, str, str]:
    due = ticket.decision.sla_due
    return (
        ticket.ticket_id,
        ticket.decision.priority.value,
        due.astimezone(zone).strftime("%a %d %b %H:%M") if due else "-",
        ticket.event.channel.value,
        _clip(ticket.customer.name, 24),
        ticket.event.summary(60),
    )


def next_command(args: argparse.Namespace, cursor: str) -> str:
    """The same listing's next page, as a command to paste."""
    words = ["switchboard", "tickets", "list"]
    for option in ("table", "stage", "region", "status", "priority", "team", "channel", "customer"):
        if (value := getattr(args, option, None)) and not (option == "status" and value == "open"):
            words += [f"--{option}", str(value)]
    if args.local:
        words.append("--local")
    if args.limit != 25:
        words += ["--limit", str(args.limit)]
    return shlex.join([*words, "--cursor", cursor])


def run_move(args: argparse.Namespace) -> int:
    from chalicelib.adapters.pages_table import DynamoPageRepository
    from chalicelib.adapters.tickets_table import DynamoTicketRepository
    from chalicelib.errors import SwitchboardError
    from chalicelib.services.tickets import TicketService

    try:
        client, table = dynamodb_table(args, "tickets", "TICKETS_TABLE")
        service = TicketService(DynamoTicketRepository(client, table), DynamoPageRepository(client, table))
        move = service.resolve if args.command == "resolve" else service.reopen
        ticket = move(args.ticket_id.strip().upper(), args.by, clock())
    except (CliError, SwitchboardError) as exc:
        print(f"switchboard tickets {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{ticket.ticket_id} is {ticket.status} ({'resolved' if args.command == 'resolve' else 'reopened'} by {args.by})"
    )
    return 0


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


REINDEX_EPILOG = """The console lists tickets from two indexes of the tickets table (ByQueue, ByHistory), keyed on
attributes every ticket gets when it is written. Tickets written before those indexes existed lack
them: this gives them theirs, once (a Scan of the table; run it after deploying the indexes).
Running it again changes nothing.

examples:
  switchboard tickets reindex --stage prod
"""


def run_reindex(args: argparse.Namespace) -> int:
    from chalicelib.adapters.ticket_index import backfill
    from chalicelib.errors import SwitchboardError

    try:
        client, table = dynamodb_table(args, "tickets", "TICKETS_TABLE")
        seen, keyed = backfill(client, table)
    except (CliError, SwitchboardError) as exc:
        print(f"switchboard tickets reindex: error: {exc}", file=sys.stderr)
        return 2
    print(f"{keyed} of {seen} unlisted tickets in {table} given their index keys")
    return 0
