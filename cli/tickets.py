"""`switchboard tickets`: show one ticket (messages, pages, timeline); list the queue; resolve or reopen one."""

from __future__ import annotations

import argparse
import json
import sys

from cli import ticket_list
from cli.aws import LOCAL_ENDPOINT, CliError, table_options
from cli.ticket_reader import gather, tables_for
from cli.ticket_render import as_json, render

SHOW_EPILOG = f"""ID is any of:
  T-79BA30B7D3              a ticket id (in any case)
  P-0C1D2E3F4A              a page id (in any case): the ticket that opened the page
  482913                    a page's SMS ack code (ACK 482913): the ticket that opened the page
  twilio:call:CA…           an event id (the provider's, as stored): the ticket it opened or joined;
                            kept only for the dedup window (14 days by default)

The output: the ticket (times in UTC), the routing reasons, the messages, every page on the ticket with
its state, then the timeline: messages, notifications, escalations, folds, acknowledgements and
deferrals, one line each (HH:MM:SS  kind  text), oldest first, the date once per day.

examples:
  switchboard tickets show --local T-79BA30B7D3
  switchboard tickets show --local p-0c1d2e3f4a                 # the page in an SMS you received
  switchboard tickets show --stage prod T-79BA30B7D3 --json | jq '.timeline[] | .kind'

which table:
  --table NAME, else --stage STAGE (table switchboard-STAGE-tickets), else --local, else $TICKETS_TABLE.
  The endpoint is $AWS_ENDPOINT_URL when set (a moto server), else AWS; --local means both at once:
  AWS_ENDPOINT_URL={LOCAL_ENDPOINT} TICKETS_TABLE=switchboard-local-tickets

exit status:
  0  the ticket was shown
  2  nothing has that id, or the table or AWS could not be used
"""


def register(areas: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    area = areas.add_parser(
        "tickets",
        help="list the queue; show, resolve or reopen a ticket",
        description="Tickets: what came in, how it was routed, who was paged and who took it.",
    )
    commands = area.add_subparsers(dest="command", metavar="{show,list,resolve,reopen,reindex}", required=True)
    show = commands.add_parser(
        "show",
        help="print a ticket's messages, pages and timeline",
        description="Print the ticket ID names, how it was routed, and every step taken on it, in time order.",
        epilog=SHOW_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    show.add_argument("ticket_id", metavar="ID", help="a ticket id (T-…), a page id (P-…), an ack code or an event id")
    show.add_argument("--json", action="store_true", help="one JSON object: ticket, follow_ups, pages, timeline")
    table_options(show, "tickets", "TICKETS_TABLE")
    show.set_defaults(run=run_show)
    listing = commands.add_parser(
        "list",
        help="the open (or resolved) tickets, most urgent first: the console's Tickets view",
        description="List tickets by priority and first-response deadline, a page at a time, with the console's filters.",
        epilog=ticket_list.LIST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ticket_list.add_list_options(listing)
    table_options(listing, "tickets", "TICKETS_TABLE")
    listing.set_defaults(run=ticket_list.run_list)
    for name, help in (
        ("resolve", "resolve an open ticket: its pages stop escalating, the timeline says who"),
        ("reopen", "reopen a resolved ticket: it is listed open again (nobody is paged)"),
    ):
        move = commands.add_parser(
            name,
            help=help,
            description=help,
            epilog=ticket_list.MOVE_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        move.add_argument("ticket_id", metavar="ID", help="the ticket id (T-…, in any case)")
        move.add_argument(
            "--by", default=ticket_list.by_default(), help="who does it (default: $SWITCHBOARD_OPERATOR, else $USER)"
        )
        table_options(move, "tickets", "TICKETS_TABLE")
        move.set_defaults(run=ticket_list.run_move)
    reindex = commands.add_parser(
        "reindex",
        help="give tickets written before the console's indexes their index keys (once, after deploying)",
        description="Give tickets written before the console's indexes existed the keys the indexes list them by.",
        epilog=ticket_list.REINDEX_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    table_options(reindex, "tickets", "TICKETS_TABLE")
    reindex.set_defaults(run=ticket_list.run_reindex)


def run_show(args: argparse.Namespace) -> int:
    from chalicelib.errors import SwitchboardError

    try:
        view = gather(tables_for(args), args.ticket_id)
    except (CliError, SwitchboardError) as exc:
        print(f"switchboard tickets show: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(as_json(view), indent=2, ensure_ascii=False) if args.json else render(view))
    return 0
