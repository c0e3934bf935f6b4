"""`switchboard incident`: list, show, confirm, update, resolve, dismiss, open by hand, announce maintenance."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cli.aws import LOCAL_ENDPOINT, CliError, client, dynamodb_table, table_options

#: `make run`'s API, whose /status customers are sent to by --local
LOCAL_API = "http://127.0.0.1:8000"

#: the CLI's clock (tests replace it): the service stamps each update with it
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731

IMPACTS = ("none", "minor", "major", "critical")
UPDATE_STATUSES = ("investigating", "identified", "monitoring", "resolved", "in_progress", "completed")

EPILOG = f"""A burst of outage reports (the rules' incidents: section) opens a *suspected* incident and pages
the on-call person once; nothing is public until a person confirms it. Each public update (confirm,
update, resolve, open) is also sent to every customer who reported the incident, on their own
channel, with the status page link (by SMS only the confirmation and the resolution); resolving
closes their tickets. Statuses move
investigating → identified → monitoring → resolved (skipping ahead is fine); maintenance moves
scheduled → in_progress → completed. Every change is an update in your words (-m). Times are UTC.

examples:
  switchboard incident list --local
  switchboard incident show --local I-3f2a9c0b1d
  switchboard incident confirm --local I-3f2a9c0b1d --impact major -m "Logins fail for many customers; we are on it."
  switchboard incident update --local I-3f2a9c0b1d --status identified -m "A bad deploy; rolling back."
  switchboard incident resolve --local I-3f2a9c0b1d -m "Rolled back; logins work again."
  switchboard incident dismiss --local I-3f2a9c0b1d -m "Three unrelated reports, not an outage."
  switchboard incident open --local --title "Email delivery delayed" --component messaging -m "Investigating."
  switchboard incident maintenance --local --title "Database upgrade" --start 2026-12-07T02:00Z \\
      --end 2026-12-07T03:00Z --component app -m "The app is read-only for up to an hour."

which table:
  --table NAME, else --stage STAGE (switchboard-STAGE-tickets), else --local ({LOCAL_ENDPOINT}),
  else $TICKETS_TABLE. Incidents live in the tickets table.

exit status:
  0  done
  2  bad input (an unknown incident, a move the lifecycle refuses, a time without a zone), or AWS failed
"""


def register(areas: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    area = areas.add_parser(
        "incident",
        help="list, confirm, update, resolve or dismiss incidents; announce maintenance",
        description="Incidents: one outage, one incident, one honest update to everyone who reported it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = area.add_subparsers(
        dest="command", metavar="{list,show,confirm,update,resolve,dismiss,open,maintenance}", required=True
    )

    def command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help, description=help, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        table_options(sub, "tickets", "TICKETS_TABLE")
        _status_option(sub)
        return sub

    listing = command("list", "the open incidents and maintenance (--days N: every incident of the last N days)")
    listing.add_argument("--days", type=int, metavar="N", help="every incident opened in the last N days, closed too")
    listing.set_defaults(run=_run(_list))
    show = command("show", "an incident: status, impact, components, every update, every linked report")
    show.add_argument("incident_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="the incident and its reports as one JSON object")
    show.set_defaults(run=_run(_show))
    for name, help in (
        ("confirm", "confirm a suspected incident: it becomes public, investigating"),
        ("update", "post an update: a new status (or the same, with news) in your words"),
        ("resolve", "resolve an incident (or complete maintenance) with a final update"),
        ("dismiss", "dismiss a suspected incident as a false alarm: reports page one by one again"),
    ):
        sub = command(name, help)
        sub.add_argument("incident_id", metavar="ID")
        _words(sub)
        if name in ("confirm", "update"):
            sub.add_argument("--impact", choices=IMPACTS, help="none, minor, major or critical")
        if name == "confirm":
            sub.add_argument("--title", help='the public title (default: "Service disruption"; the suspected '
                             "incident's own is the page's words for the on-call person)")  # fmt: skip
        if name == "update":
            sub.add_argument("--status", choices=UPDATE_STATUSES, help="the new status (default: unchanged)")
        sub.set_defaults(run=_run(_move), move=name)
    opened = command("open", "open an incident by hand: public at once, investigating")
    opened.add_argument("--title", required=True, help="what is wrong, as customers should read it (≤ 255)")
    opened.add_argument("--impact", choices=IMPACTS, default="minor")
    opened.add_argument("--component", action="append", default=[], help="an affected component (repeatable)")
    _words(opened)
    opened.set_defaults(run=_run(_open))
    maintenance = command("maintenance", "announce scheduled maintenance: reports inside the window page nobody")
    maintenance.add_argument("--title", required=True)
    maintenance.add_argument("--start", required=True, type=_when, help="ISO 8601 with a zone: 2026-12-07T02:00Z")
    maintenance.add_argument("--end", required=True, type=_when, help="ISO 8601 with a zone")
    maintenance.add_argument("--component", action="append", default=[], help="a component it affects (none: all)")
    _words(maintenance)
    maintenance.set_defaults(run=_run(_maintenance))


def _status_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status-url", metavar="URL", help="the public status page each customer is sent (default: "
                        f"$SWITCHBOARD_STATUS_URL; with --local, {LOCAL_API}/status)")  # fmt: skip


def _words(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--message", required=True, help="the update, in your words (customers read it)")
    parser.add_argument("--by", default=os.environ.get("SWITCHBOARD_OPERATOR") or os.environ.get("USER") or "operator",
                        help="who says it (default: $SWITCHBOARD_OPERATOR, else $USER)")  # fmt: skip


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time (2026-12-07T02:00Z)") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no zone: add Z for UTC or an offset (+01:00)")
    return moment.astimezone(UTC)


def _service(args: argparse.Namespace) -> Any:
    from chalicelib.adapters.incidents_table import DynamoIncidentRepository
    from chalicelib.routing.loader import load_rules
    from chalicelib.services.incidents import IncidentService

    client, table = dynamodb_table(args, "tickets", "TICKETS_TABLE")
    rules = load_rules()
    tells = args.command in ("confirm", "update", "resolve", "open")
    return IncidentService(
        DynamoIncidentRepository(client, table),
        clock,
        rules.incidents.component_names(),
        _notifier(args, client, table, rules) if tells else None,
    )


def _status_url(args: argparse.Namespace) -> str:
    url = getattr(args, "status_url", None) or os.environ.get("SWITCHBOARD_STATUS_URL")
    if url:
        return str(url)
    if args.local:
        return f"{LOCAL_API}/status"
    raise CliError(
        "where is the status page? pass --status-url URL or set SWITCHBOARD_STATUS_URL (customers get the link)"
    )


def _notifier(args: argparse.Namespace, client: Any, table: str, rules: Any) -> Any:
    """Tells each public update to the customers who reported it, through the stage's reply outbox and queue."""
    from chalicelib.adapters.pages_table import DynamoPageRepository
    from chalicelib.adapters.replies_table import DynamoReplyOutbox
    from chalicelib.adapters.tickets_table import DynamoTicketRepository
    from chalicelib.replies.guard import refusal
    from chalicelib.services.incident_updates import IncidentNotifier

    tickets = DynamoTicketRepository(client, table)
    return IncidentNotifier(
        record=DynamoReplyOutbox(client, table).record,
        queue=_reply_queue(args),
        ticket=tickets.get,
        refusal=lambda event: refusal(event, rules.replies),
        close_ticket=tickets.close,
        timeline=DynamoPageRepository(client, table).record,
        status_url=_status_url(args),
        post_to_x=rules.incidents.post_to_x,
    )


def _reply_queue(args: argparse.Namespace) -> Callable[[str], None]:
    """The stage's replies queue; without one, recorded replies wait for the every-minute sweep to queue them."""
    from chalicelib.adapters.reply_queue import SqsReplyQueue
    from chalicelib.errors import SwitchboardError

    sqs = client("sqs", local=args.local, region=args.region)
    name = f"switchboard-{args.stage}-replies" if args.stage else ("switchboard-local-replies" if args.local else None)
    url = os.environ.get("REPLIES_QUEUE_URL")
    if url is None and name is not None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except (BotoCoreError, ClientError):  # no queue reachable: the sweep queues the recorded replies
            url = None
    if url is None:
        return lambda reply_id: None
    queue = SqsReplyQueue(sqs, url)

    def send(reply_id: str) -> None:
        with contextlib.suppress(SwitchboardError):  # recorded: the sweep queues it
            queue.enqueue(reply_id)

    return send


def _run(action: Callable[[argparse.Namespace, Any], str]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from chalicelib.errors import SwitchboardError

        try:
            print(action(args, _service(args)))
        except (CliError, SwitchboardError, ValueError) as exc:
            print(f"switchboard incident {args.command}: error: {exc}", file=sys.stderr)
            return 2
        return 0

    return run


def _at(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _line(incident: Any) -> str:
    window = f"  {_at(incident.starts_at)} → {_at(incident.ends_at)}" if incident.maintenance else ""
    return f"{incident.incident_id}  {incident.status.value:<13} {incident.impact.value:<8} {_at(incident.opened_at)}  {incident.title}{window}"


def _list(args: argparse.Namespace, service: Any) -> str:
    repo = service.repository
    found = repo.since(clock() - timedelta(days=args.days)) if args.days else repo.open_incidents()
    if not found:
        return "no incidents" if args.days else "no open incidents"
    head = f"{'ID':<12}  {'STATUS':<13} {'IMPACT':<8} {'OPENED':<20}  TITLE"
    return "\n".join([head, *(_line(i) for i in found)])


def _show(args: argparse.Namespace, service: Any) -> str:
    incident = service.get(args.incident_id)
    reports = service.reports(incident.incident_id)
    if args.json:
        return json.dumps({"incident": incident.model_dump(mode="json"),
                           "reports": [r.model_dump(mode="json") for r in reports]}, indent=2, ensure_ascii=False)  # fmt: skip
    lines = [
        f"{incident.incident_id}  {incident.title}",
        f"  status {incident.status.value}, impact {incident.impact.value}, opened {_at(incident.opened_at)} ({incident.source})",
    ]
    if incident.components:
        lines.append(f"  components: {', '.join(incident.components)}")
    if incident.maintenance:
        lines.append(f"  window: {_at(incident.starts_at)} → {_at(incident.ends_at)}")
    lines.append(f"updates ({len(incident.updates)}):")
    lines += [f"  {_at(u.at)}  {u.status.value:<13} {u.by}: {u.body}{_told(u)}" for u in incident.updates] or [
        "  none yet"
    ]
    lines.append(f"reports ({len(reports)}):")
    lines += [f"  {_at(r.at)}  {r.ticket_id}  {r.channel:<6} {r.customer}: {r.summary}" for r in reports] or ["  none"]
    return "\n".join(lines)


def _told(update: Any) -> str:
    """Whether the reporters were sent it (a suspected incident's words are for nobody outside)."""
    if not update.status.public:
        return ""
    return "  [told to the reporters]" if update.notified else "  [not yet told: the sweep tells it within a minute]"


def _move(args: argparse.Namespace, service: Any) -> str:
    from chalicelib.incidents.model import Impact, Status

    impact = Impact(args.impact) if getattr(args, "impact", None) else None
    if args.move == "confirm":
        incident = service.confirm(args.incident_id, args.message, args.by, impact, args.title)
    elif args.move == "update":
        incident = service.update(
            args.incident_id, Status(args.status) if args.status else None, args.message, args.by, impact
        )
    elif args.move == "resolve":
        incident = service.resolve(args.incident_id, args.message, args.by)
    else:
        incident = service.dismiss(args.incident_id, args.message, args.by)
    told = f"; {service.told.words()}" if service.told is not None else ""
    return f"{incident.incident_id} is {incident.status.value} ({_at(incident.updates[-1].at)}){told}"


def _open(args: argparse.Namespace, service: Any) -> str:
    from chalicelib.incidents.model import Impact

    incident = service.open(args.title, args.message, args.by, Impact(args.impact), args.component)
    return f"opened {incident.incident_id}: {incident.status.value}, {incident.impact.value}"


def _maintenance(args: argparse.Namespace, service: Any) -> str:
    incident = service.schedule(args.title, args.message, args.by, args.start, args.end, args.component)
    return f"scheduled {incident.incident_id}: {_at(incident.starts_at)} → {_at(incident.ends_at)}"
