"""`make run`: Switchboard on this machine: moto, the real app, the samples replayed, then your own curl."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from local.clock import ENV as CLOCK_ENV
from local.clock import from_env
from local.platform import Platform, PlatformOptions, PortInUseError, chalice_config
from local.replay import SIGNATURE_LIFETIME, Delivery, collect, curl_command, fresh_id, send
from local.samples import EVENTS_DIR, SampleRequest, all_samples, local_secrets, signed

CURL_SAMPLE = EVENTS_DIR / "widget" / "vip-outage.json"
DRAIN_TIMEOUT = 30.0


class Console:
    """print() for several threads: the worker, the inbox and the main thread never split a line."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def say(self, text: str = "") -> None:
        with self._lock:
            print(text, flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m local",
        description=(
            "Run Switchboard locally with no AWS account: a moto server with the resources from "
            "infra/template.yaml, the real Chalice app (app.py) on loopback, a worker that feeds the events "
            "queue to the triage handler as Lambda would, and a pager inbox that shows every page. The samples "
            "in events/ are replayed through the API on start; then it keeps serving until Ctrl-C."
        ),
    )
    parser.add_argument("--port", type=int, default=8000, help="the API's port on 127.0.0.1 (default: 8000)")
    parser.add_argument("--moto-port", type=int, default=5001, help="the moto server's port (default: 5001)")
    parser.add_argument(
        "--standin-port",
        type=int,
        default=5002,
        help="the providers' stand-in (Twilio, Slack, X, Meta, the widget backend) on 127.0.0.1 (default: 5002)",
    )
    parser.add_argument(
        "--exit-after-replay",
        "--once",
        action="store_true",
        help="replay the samples, print the ticket table and exit (0 when every request was accepted and handled)",
    )
    parser.add_argument("--no-replay", action="store_true", help="start without replaying events/")
    parser.add_argument(
        "--no-demo",
        action="store_true",
        help="after the replay, skip the two scenes: a live call's page through escalation and an acknowledgement,"
        " and an outage's burst through one incident to its resolution",
    )
    parser.epilog = (
        f"{CLOCK_ENV}=2026-11-17T03:00:00-05:00 starts the platform's clock at that instant (it runs on from"
        " there): routing depends on the hour, so this shows the same tickets and pages whenever you run it."
    )
    return parser


def compile_if_stale(yaml_file: Path, json_file: Path) -> str:
    """Compile the rules when routing.yaml is newer than routing.json: what `make run` decides with follows the YAML.

    Returns the banner's words on the rules; raises RulesFileError when the YAML does not compile.
    """
    from cli.compile import compile_file, render

    if json_file.exists() and json_file.stat().st_mtime >= yaml_file.stat().st_mtime:
        return f"{json_file.name} (up to date with {yaml_file.name})"
    compiled, rules = compile_file(yaml_file)
    json_file.write_text(render(compiled), encoding="utf-8")
    return f"{json_file.name} version {rules.version}, compiled on start: {yaml_file.name} was newer"


def _banner(p: Platform, say: Any, rules: str) -> None:
    assert p.stack is not None and p.worker is not None and p.scheduler is not None
    if p.options.clock is not None:
        say(f"  clock         started at {p.now():%Y-%m-%d %H:%M:%S} UTC ({CLOCK_ENV}), running on")
    say(f"  moto server   {p.moto_url}  (its own process)")
    say(f"  stack         {p.stack.name}: {len(p.stack.physical_ids)} resources from infra/template.yaml")
    say(f"  customers     {p.customers} from events/customers.json")
    say(f"  API           {p.api_url}  (app.py, stage {p.options.stage})")
    say(f"  worker        {p.worker.queue_url.rsplit('/', 1)[-1]} → app.triage, as Lambda's SQS event source")
    if p.email_worker is not None:
        say("  email         the inbound-email topic → app.inbound_email, as SES → SNS → Lambda")
    if p.replies_worker is not None:
        say(f"  replies       {p.replies_worker.queue_url.rsplit('/', 1)[-1]} → app.send_replies")
    if p.standin is not None:
        say(f"  providers     {p.standin.base_url}  (stand-in: Twilio, Slack, X, Meta, widget backend; SES is moto's)")
    for line in p.scheduler.describe():
        say(f"  schedules     {line}")
    say(f"  pager inbox   subscribed to {', '.join(sorted(p.pager_topics))}")
    say(f"  console       {p.api_url}/console  (no passwords: a link signs a person in)")
    say(f"                as Maya Chen, for 15 minutes: {_console_link(p, 'maya')}")
    say(f"  rules         {rules}")
    say(
        f"                new rules without a restart: .venv/bin/switchboard rules deploy --local (looked for every {_refresh()} s)"
    )


def _refresh() -> str:
    return str(chalice_config().environment_variables.get("RULES_REFRESH_SECONDS", "60"))


def ses_samples() -> list[SampleRequest]:
    return sorted((s for s in all_samples() if s.provider == "ses"), key=lambda s: s.name)


def _replay(p: Platform, say: Any) -> list[Delivery]:
    samples = collect([])
    say(f"\nReplaying {len(samples)} requests from events/ through the API, signed with the local secrets:")
    secrets = local_secrets()
    width = max(len(s.name) for s in samples)
    deliveries = []
    for sample in samples:
        delivery = send(signed(sample, secrets, p.now(), p.api_url), p.api_url)
        deliveries.append(delivery)
        note = ""
        if sample.name.endswith("-retry"):
            note = "  (the provider's retry: same message id)"
        say("  " + delivery.line(width) + note)
    # SES does not call the API: its receipt rule publishes each email to the inbound-email topic
    for sample in ses_samples():
        message_id = p.publish_email(sample.body)
        say(f"  {sample.name:<{width}}  SNS  published to the inbound-email topic, as SES does ({message_id[:8]}…)")
    return deliveries


def _report(p: Platform, deliveries: list[Delivery], emails: int, say: Any) -> bool:
    from local.tables import render, tickets

    assert p.worker is not None and p.email_worker is not None and p.inbox is not None and p.stack is not None
    assert p.replies_worker is not None
    # emails first: the inbound-email function queues them for triage, and triage queues the replies
    handled = p.email_worker.drain(DRAIN_TIMEOUT) and p.worker.drain(DRAIN_TIMEOUT)
    handled = p.replies_worker.drain(DRAIN_TIMEOUT) and handled
    p.inbox.drain()
    if not handled:
        say(f"⚠  the events queue is not empty after {DRAIN_TIMEOUT:.0f}s: the table may be incomplete")
    rows = tickets(p.clients["dynamodb"], p.stack.outputs["TicketsTableName"])
    # TwiML answers name no event id: count the tickets themselves (the stack is new for every run)
    made = len(rows)
    retries = sum(1 for d in deliveries if d.sample.name.endswith("-retry"))
    joined = sum(r.messages - 1 for r in rows)
    summary = f"{len(deliveries)} requests and {emails} SES emails → {made} tickets; {joined} follow-ups joined their"
    summary += f" thread's ticket; {retries} retries made no second ticket"
    summary += "; handshakes, echoes, bots and dial callbacks make none"
    say(f"\nTickets ({summary})")
    # as wide as the terminal (120 columns when the output is not one), so routes and pages clip less
    say(render(rows, width=max(80, shutil.get_terminal_size((120, 24)).columns)))
    return handled and all(d.ok for d in deliveries)


def _escalation_demo(p: Platform, say: Any, timeout: float = 60.0) -> bool:
    """Follow one page as an on-call night goes: nobody answers, it escalates, a founder opens the link and acks."""
    from local.escalation_demo import EscalationDemo

    assert p.inbox is not None
    demo = EscalationDemo(p, say)
    return demo.run(timeout)


def _outage_demo(p: Platform, say: Any, timeout: float = 60.0) -> bool:
    """An outage's burst: one incident, one page, confirmed from its link, every reporter told, resolved."""
    from local.outage_demo import OutageDemo

    return OutageDemo(p, say).run(timeout)


def _console_link(p: Platform, person: str) -> str:
    """A sign-in link to the console for ``person`` (from the rules), made as the API makes them."""
    from chalicelib import bootstrap

    link: str = bootstrap.container().sign_in.link(person, "/console")
    return link if link.startswith("http") else f"{p.api_url}{link}"


def _invite(p: Platform, say: Any) -> None:
    from local.samples import load

    request = signed(fresh_id(load(CURL_SAMPLE)), local_secrets(), p.now())
    until = datetime.now(UTC) + SIGNATURE_LIFETIME
    say(f"\nSwitchboard is running. API: {p.api_url}")
    say(f"\nTry it: a freshly signed VIP outage with a new webhook-id (valid until {until:%H:%M:%S} UTC):\n")
    say(curl_command(request, p.api_url))
    say("\nSign and send any sample (or all of events/) to this platform, each with a new id:")
    say(f"  .venv/bin/python -m local.replay {CURL_SAMPLE.relative_to(EVENTS_DIR.parent)} --fresh-id")
    say("  .venv/bin/python -m local.replay --help")
    say("\nThe on-call console, signed in as Maya Chen for 12 hours once opened (this link works for 15 minutes;")
    say("`.venv/bin/switchboard console link maya --local --print` makes another, or ask at /console/sign-in):")
    say(f"  {_console_link(p, 'maya')}")
    say("\nNew tickets and pages show up below. Ctrl-C to stop.\n")


def _announce_new_tickets(p: Platform, say: Any) -> None:
    """From now on, print one line per ticket the worker stores (and say so when a delivery was a duplicate)."""
    from local.tables import ticket_for_event, tickets

    assert p.worker is not None and p.stack is not None
    table = p.stack.outputs["TicketsTableName"]
    seen = {r.ticket_id for r in tickets(p.clients["dynamodb"], table)}

    def announce(records: list[dict[str, Any]]) -> None:
        for record in records:
            event_id = record["messageAttributes"].get("event_id", {}).get("stringValue")
            row = ticket_for_event(p.clients["dynamodb"], table, event_id) if event_id else None
            if row is None:
                continue
            if row.ticket_id in seen:
                say(f"🎫 {row.ticket_id}  duplicate delivery of {event_id}: no new ticket, no new page")
            else:
                seen.add(row.ticket_id)
                say(row.line())

    p.worker.on_success = announce


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes Ctrl-C's path: one clean shutdown for both
    raise KeyboardInterrupt


def run(args: argparse.Namespace, console: Console) -> int:
    say = console.say
    try:
        clock = from_env(os.environ)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = PlatformOptions(
        port=args.port, moto_port=args.moto_port, standin_port=args.standin_port, show=say, clock=clock
    )
    platform = Platform(options)
    try:
        platform.check_ports()
    except PortInUseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from chalicelib.settings import DEFAULT_RULES_FILE
    from cli.compile import RULES_YAML, RulesFileError

    try:
        rules = compile_if_stale(RULES_YAML, DEFAULT_RULES_FILE)
    except RulesFileError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        print(f"error: {RULES_YAML.name} is newer than {DEFAULT_RULES_FILE.name} and does not compile", file=sys.stderr)
        return 2
    ok = True
    try:
        say("Starting Switchboard locally (stage 'local'; nothing leaves this machine)…")
        try:
            platform.start()
        except PortInUseError as exc:  # taken between the check and the bind
            print(f"error: {exc}", file=sys.stderr)
            return 2
        _banner(platform, say, rules)
        assert platform.inbox is not None
        deliveries = [] if args.no_replay else _replay(platform, say)
        # started after the replay lines, so pages print below them instead of between them
        platform.inbox.start()
        if deliveries:
            say("")
            ok = _report(platform, deliveries, len(ses_samples()), say)
            if not args.no_demo:
                ok = _escalation_demo(platform, say) and ok
                ok = _outage_demo(platform, say) and ok
        if args.exit_after_replay:
            return 0 if ok else 1
        _invite(platform, say)
        _announce_new_tickets(platform, say)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        say("")
        return 0
    finally:
        # a second Ctrl-C must not interrupt the shutdown and print a traceback
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        platform.stop()
        if platform.moto_url:
            say("Stopped the API, the worker and the moto server. Bye!")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # SIGINT explicitly too: a shell that starts us in the background has set it to "ignore"
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    return run(args, Console())


if __name__ == "__main__":
    sys.exit(main())
