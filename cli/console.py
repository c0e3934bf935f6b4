"""`switchboard console link`: send a person a console sign-in link over their pager topic, as the form does."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.settings import DEFAULT_RULES_FILE
from cli.aws import LOCAL_ENDPOINT, CliError, client

#: `make run`'s API, where --local links point
LOCAL_API = "http://127.0.0.1:8000"

#: the CLI's clock (tests replace it): the link works for 15 minutes from it
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731

EPILOG = textwrap.dedent(f"""\
    The link goes to the person alone: published to their pager topic with the `people` attribute
    naming them, so only their own filtered subscriptions (`switchboard pager sync`) let it through,
    as with their pages. It works for 15 minutes and signs them in for 12 hours. The command prints
    where it went, not the link (a terminal's scrollback is no place for a credential), unless --print.

    examples:
      switchboard console link priya --local --print          # `make run`: {LOCAL_API}
      switchboard console link maya --local --next /console/tickets/T-92A037915C
      switchboard console link leo --stage prod --base-url https://abc123.execute-api.us-east-1.amazonaws.com

    where:
      --local  `make run`'s moto server ({LOCAL_ENDPOINT}), its development secret, links to {LOCAL_API}
      --stage  the stage's topics (switchboard-STAGE-<topic>); the secret from SSM
               (/switchboard/STAGE/console-session-secret) unless $CONSOLE_SESSION_SECRET is set; the
               links' base from --base-url or $SWITCHBOARD_PUBLIC_URL

    exit status:
      0  sent
      2  bad input (an unknown person, a --next outside the console, no base URL), or AWS failed
    """)


def register(areas: Any) -> None:
    area = areas.add_parser(
        "console",
        help="send a person a sign-in link to the on-call console",
        description="The on-call console.",
    )
    commands = area.add_subparsers(dest="command", metavar="{link}", required=True)
    p = commands.add_parser(
        "link",
        help="send a person from the rules a console sign-in link over their pager topic",
        description="Send a person from the rules a console sign-in link over their pager topic (SNS).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("person", help="the person's key in the rules (maya, priya, ...)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--stage", metavar="STAGE", help="the stage's topics, switchboard-STAGE-<topic>")
    where.add_argument("--local", action="store_true", help=f"`make run`'s moto server at {LOCAL_ENDPOINT}")
    p.add_argument("--next", default="/console", metavar="PATH", help="where the link lands (default: /console)")
    p.add_argument("--base-url", metavar="URL", help="the API's public URL (default: $SWITCHBOARD_PUBLIC_URL)")
    p.add_argument("--print", action="store_true", help="also print the link (local development)")
    p.add_argument("--region", help="AWS region (default: your AWS configuration, else us-east-1)")
    p.add_argument(
        "--rules", type=Path, default=DEFAULT_RULES_FILE, help="compiled rules JSON (default: the shipped ones)"
    )
    p.set_defaults(run=cmd_link)


def _base_url(args: argparse.Namespace) -> str:
    url = args.base_url or os.environ.get("SWITCHBOARD_PUBLIC_URL") or (LOCAL_API if args.local else None)
    if not url:
        raise CliError("where is the API? pass --base-url URL or set SWITCHBOARD_PUBLIC_URL (the link points there)")
    if not url.startswith(("https://", "http://")):
        raise CliError(f"--base-url must be an http(s) URL, not {url!r}")
    return str(url).rstrip("/")


def _secret(args: argparse.Namespace) -> str:
    if os.environ.get("CONSOLE_SESSION_SECRET"):
        return os.environ["CONSOLE_SESSION_SECRET"]
    if args.local:
        from local.samples import local_secrets

        return local_secrets()["console"]
    from chalicelib.adapters.secrets import SecretSource

    parameter = f"/switchboard/{args.stage}/console-session-secret"
    return str(SecretSource(None, parameter, client("ssm", local=False, region=args.region)).get())


def cmd_link(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.adapters.person_messages import SnsPersonMessenger
    from chalicelib.console.sign_in import safe_next
    from chalicelib.errors import SwitchboardError
    from chalicelib.routing.loader import load_rules
    from chalicelib.services.console_sign_in import SignInService
    from cli.pager import topic_arns

    stage = "local" if args.local else args.stage
    where = f"`make run` ({LOCAL_ENDPOINT})" if args.local else f"stage {stage}"
    try:
        people = load_rules(args.rules).document.people
        if args.person not in people:
            raise CliError(f"no person {args.person!r} in the rules; the people are: {', '.join(sorted(people))}")
        if safe_next(args.next) != args.next:
            raise CliError(f"--next must be a path inside the console (/console/…), not {args.next!r}")
        base = _base_url(args)
        person = people[args.person]
        sns = client("sns", local=args.local, region=args.region)
        messenger = SnsPersonMessenger(sns, topic_arns(sns, stage, [person.topic]))
        service = SignInService(people, _NoLimits(), messenger, lambda: _secret(args), clock, base)
        sent = service.send_link(args.person, args.next)
    except (SwitchboardError, CliError) as exc:
        print(f"switchboard console link: error: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        hint = " (is `make run` running?)" if args.local else ""
        print(f"switchboard console link: error: AWS on {where}: {exc}{hint}", file=sys.stderr)
        return 2
    print(
        f"Sent {person.name} ({sent.person}) a sign-in link over the {sent.topic} topic on {where}, addressed to "
        f"{sent.person} alone; it works for 15 minutes and lands on {args.next} (SNS message {sent.message_id})."
    )
    if args.print:
        print(sent.url)
    return 0


class _NoLimits:
    """An operator's link is not counted: the form's limits are for strangers."""

    def take(self, bucket: Any, limit: Any) -> bool:
        return True
