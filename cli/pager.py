"""`switchboard pager sync`: each person's phone and email subscribed to their pager topic, filtered to them."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from chalicelib.paging.messages import person_filter
from chalicelib.settings import DEFAULT_RULES_FILE
from cli.aws import LOCAL_ENDPOINT, CliError, client

#: what SNS lists for an email subscription nobody has confirmed yet: it has no ARN to change
PENDING = "PendingConfirmation"
#: the protocols a person is reached by, and the rules field each one's address comes from
PROTOCOLS = {"sms": "phone", "email": "email"}

Action = Literal["create", "update", "remove", "ok", "custom", "pending", "unfiltered"]
#: what each action means, as the plan prints it
MEANING: dict[Action, str] = {
    "create": "to subscribe",
    "update": "to re-filter",
    "remove": "to unsubscribe (no longer theirs)",
    "ok": "in place",
    "custom": "a filter of its own, left alone (it should still select on people)",
    "pending": "waiting for the address to confirm",
    "unfiltered": "not managed here: gets every message on the topic",
}
CHANGES: tuple[Action, ...] = ("create", "update", "remove")


@dataclass(frozen=True)
class Wanted:
    person: str
    topic: str  # the PAGER_TOPICS name, as the rules write it ("support")
    protocol: str
    endpoint: str


@dataclass(frozen=True)
class Existing:
    arn: str
    topic: str
    protocol: str
    endpoint: str
    policy: dict[str, Any] | None  # None: no FilterPolicy


@dataclass(frozen=True)
class Step:
    action: Action
    topic: str
    protocol: str
    endpoint: str
    person: str | None  # None: nobody in the rules owns this subscription
    arn: str | None = None


def register(areas: Any) -> None:
    pager = areas.add_parser(
        "pager",
        help="subscribe each person's phone and email to their pager topic",
        description="Work with the pager topics' subscriptions.",
    )
    commands = pager.add_subparsers(dest="command", metavar="{sync}", required=True)
    p = commands.add_parser(
        "sync",
        help="plan (and with --apply make) one filtered subscription per person and address",
        description=textwrap.fill(
            "Compare the pager topics' SMS and email subscriptions with the people in the compiled rules and "
            "print what differs. Each person gets their phone (sms) and email subscribed to their own topic "
            "with a FilterPolicy on the `people` attribute: they receive the pages addressed to them and their "
            "topic's team digests, not every copy sent to the topic, and their rate limit holds. Subscriptions "
            "made here that no longer match the rules are removed; any other is listed and left alone.",
            width=88,
        ),
        epilog=textwrap.dedent(f"""\
            examples:
              switchboard pager sync --local                 # the plan against `make run` ({LOCAL_ENDPOINT})
              switchboard pager sync --local --apply         # and make it
              switchboard pager sync --stage prod --check    # exit 1 if prod's subscriptions are out of date
            """),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--stage", metavar="STAGE", help="the stage's topics, switchboard-STAGE-<topic>")
    where.add_argument("--local", action="store_true", help=f"`make run`'s moto server at {LOCAL_ENDPOINT}")
    p.add_argument("--region", help="AWS region (default: your AWS configuration, else us-east-1)")
    p.add_argument(
        "--rules", type=Path, default=DEFAULT_RULES_FILE, help="compiled rules JSON (default: the shipped ones)"
    )
    act = p.add_mutually_exclusive_group()
    act.add_argument("--apply", action="store_true", help="make the changes (default: only print the plan)")
    act.add_argument("--check", action="store_true", help="exit 1 if anything would change")
    p.set_defaults(run=cmd_sync)


def wanted(people: Mapping[str, Any]) -> list[Wanted]:
    """A subscription per person and address the rules give them, on the person's own topic."""
    found = []
    for key in sorted(people):
        person = people[key]
        for protocol, field in PROTOCOLS.items():
            if address := getattr(person, field):
                found.append(Wanted(key, person.topic, protocol, address))
    return found


def _address(protocol: str, endpoint: str) -> str:
    return endpoint.lower() if protocol == "email" else endpoint  # SNS matches email case-insensitively


def owner(policy: dict[str, Any] | None) -> str | None:
    """The person a FilterPolicy written by this command is for; None for anyone else's policy."""
    try:
        person = policy["$or"][0]["people"][0] if policy else None
    except (KeyError, IndexError, TypeError):
        return None
    return person if isinstance(person, str) and policy == person_filter(person) else None


def plan(wants: Iterable[Wanted], existing: Iterable[Existing]) -> list[Step]:
    """What to subscribe, re-filter and unsubscribe; pure, so the rules of the comparison are testable."""
    at = {(e.topic, e.protocol, _address(e.protocol, e.endpoint)): e for e in existing if e.protocol in PROTOCOLS}
    steps: list[Step] = []
    for want in wants:
        found = at.pop((want.topic, want.protocol, _address(want.protocol, want.endpoint)), None)
        if found is None:
            action: Action = "create"
        elif found.arn == PENDING:
            action = "pending"
        elif found.policy == person_filter(want.person):
            action = "ok"
        elif found.policy is None or owner(found.policy) is not None:
            action = "update"  # it gets every copy on the topic, or it was filtered for someone else
        else:
            action = "custom"  # someone chose this filter (P1 only, say): theirs to keep
        steps.append(Step(action, want.topic, want.protocol, want.endpoint, want.person, found.arn if found else None))
    for left in at.values():
        person = owner(left.policy)
        if person is not None:
            steps.append(Step("remove", left.topic, left.protocol, left.endpoint, person, left.arn))
        elif left.policy is None:
            steps.append(Step("unfiltered", left.topic, left.protocol, left.endpoint, None, left.arn))
    return steps


def topic_arns(sns: Any, stage: str, names: Iterable[str]) -> dict[str, str]:
    """PAGER_TOPICS name → ARN of the stage's topic, as infra/template.yaml names them."""
    arns: dict[str, str] = {}
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page["Topics"]:
            arns[topic["TopicArn"].rsplit(":", 1)[-1]] = topic["TopicArn"]
    found = {name: arns.get(f"switchboard-{stage}-{name}") for name in sorted(set(names))}
    missing = [f"switchboard-{stage}-{name}" for name, arn in found.items() if arn is None]
    if missing:
        raise CliError(f"no SNS topic {', '.join(missing)}: is the stage {stage!r} deployed (or `make run` running)?")
    return {name: arn for name, arn in found.items() if arn}


def read_subscriptions(sns: Any, topics: Mapping[str, str]) -> list[Existing]:
    existing = []
    for name, arn in topics.items():
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn):
            for sub in page["Subscriptions"]:
                policy = None
                if sub["SubscriptionArn"] != PENDING:
                    attributes = sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
                    policy = json.loads(attributes["FilterPolicy"]) if attributes.get("FilterPolicy") else None
                existing.append(Existing(sub["SubscriptionArn"], name, sub["Protocol"], sub["Endpoint"], policy))
    return existing


def apply(sns: Any, steps: list[Step], topics: Mapping[str, str], say: Callable[[str], None]) -> None:
    todo = [s for s in steps if s.action in CHANGES]
    for n, step in enumerate(todo, 1):
        if step.action == "create":
            assert step.person is not None
            sns.subscribe(
                TopicArn=topics[step.topic],
                Protocol=step.protocol,
                Endpoint=step.endpoint,
                Attributes={"FilterPolicy": json.dumps(person_filter(step.person))},
                ReturnSubscriptionArn=True,
            )
        elif step.action == "update":
            assert step.person is not None
            sns.set_subscription_attributes(
                SubscriptionArn=step.arn,
                AttributeName="FilterPolicy",
                AttributeValue=json.dumps(person_filter(step.person)),
            )
        else:
            sns.unsubscribe(SubscriptionArn=step.arn)
        say(f"  [{n}/{len(todo)}] {step.action + 'd':<8} {_row(step).rstrip()}")  # created, updated, removed


def _row(step: Step) -> str:
    return f"{step.topic:<9} {step.person or '-':<8} {step.protocol:<5} {step.endpoint:<30}"


def render(steps: list[Step], where: str) -> list[str]:
    lines = [f"Pager subscriptions on {where}:", f"  {'action':<10} {'topic':<9} {'person':<8} {'via':<5} address"]
    for step in sorted(steps, key=lambda s: (s.topic, s.person or "~", s.protocol != "sms")):
        lines.append(f"  {step.action:<10} {_row(step)} {MEANING[step.action]}")
    counts = {a: sum(s.action == a for s in steps) for a in MEANING}
    lines.append(
        f"{counts['create']} to subscribe, {counts['update']} to re-filter, {counts['remove']} to unsubscribe; "
        f"{counts['ok']} in place, {counts['custom']} with their own filter, {counts['pending']} awaiting "
        f"confirmation, {counts['unfiltered']} unfiltered"
    )
    return lines


def cmd_sync(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.errors import SwitchboardError
    from chalicelib.routing.loader import load_rules

    stage = "local" if args.local else args.stage
    where = f"`make run` ({LOCAL_ENDPOINT})" if args.local else f"stage {stage}"
    try:
        people = load_rules(args.rules).document.people
        wants = wanted(people)
        sns = client("sns", local=args.local, region=args.region)
        topics = topic_arns(sns, stage, (w.topic for w in wants))
        steps = plan(wants, read_subscriptions(sns, topics))
        print("\n".join(render(steps, where)))
        changes = sum(s.action in CHANGES for s in steps)
        if args.check:
            return 1 if changes else 0
        if not changes:
            return 0
        if not args.apply:
            print("Nothing changed: run again with --apply to make these changes.")
            return 0
        apply(sns, steps, topics, print)
        print(f"Done: {changes} change{'s' if changes != 1 else ''} on {where}.")
        return 0
    except (SwitchboardError, CliError) as exc:
        print(f"switchboard pager sync: error: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        hint = " (is `make run` running?)" if args.local else ""
        print(f"switchboard pager sync: error: SNS on {where}: {exc}{hint}", file=sys.stderr)
        return 2
