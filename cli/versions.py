"""`switchboard versions prune`: delete the Lambda versions a deploy superseded, whose SnapStart caches still bill."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from typing import Any

from cli.aws import CliError, client
from cli.lambda_versions import Failure, Function, delete_versions, read_function, stack_functions
from cli.version_plan import SNAPSTART_CACHE_PRICE, Plan, monthly_cache_cost, plan

#: what the operator running this needs (it runs from a terminal, not as a Lambda function)
PERMISSIONS = (
    "cloudformation:ListStackResources",
    "lambda:ListVersionsByFunction",
    "lambda:ListAliases",
    "lambda:DeleteFunction",
)


def register(areas: Any) -> None:
    versions = areas.add_parser(
        "versions",
        help="delete the Lambda versions a deploy superseded (SnapStart caches each one)",
        description="Work with the stack's published Lambda versions.",
    )
    commands = versions.add_subparsers(dest="command", metavar="{prune}", required=True)
    p = commands.add_parser(
        "prune",
        help="plan (and with --apply make) the deletion of superseded Lambda versions",
        description=textwrap.fill(
            "Every deploy that changes a function publishes a version (AutoPublishAlias: live) and nothing "
            "deletes the old ones; with SnapStart, Lambda bills a cache charge for each version's snapshot "
            "until the version is deleted or its snapshot goes 14 days without an invocation. This lists each "
            "of the stack's functions' versions and deletes those older than the live one, except the ones an "
            "alias names (also as a weighted alias's second version) and the --keep newest older ones, kept "
            "for a quick manual rollback. A version newer than the live one stays: a deploy publishes it "
            "before it moves the alias. $LATEST is never touched. Without --apply it only prints the plan.",
            width=88,
        ),
        epilog=textwrap.dedent(f"""\
            examples:
              switchboard versions prune --stage prod                   # the plan and what it would save
              switchboard versions prune --stage prod --apply           # delete them
              switchboard versions prune --stack my-stack --keep 3 --apply

            exit status: 0 planned or all deleted, 1 a deletion failed (the rest went ahead), 2 an error.
            needs: {", ".join(PERMISSIONS)}
            """),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--stage", metavar="STAGE", help="the stage whose stack to prune, switchboard-STAGE")
    p.add_argument("--stack", metavar="NAME", help="the CloudFormation stack (default: switchboard-STAGE)")
    p.add_argument(
        "--keep",
        metavar="N",
        type=_count,
        default=1,
        help="older versions to keep per function for a quick manual rollback (default: 1)",
    )
    p.add_argument("--region", help="AWS region (default: your AWS configuration, else us-east-1)")
    p.add_argument("--apply", action="store_true", help="delete the versions (default: only print the plan)")
    p.set_defaults(run=cmd_prune)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number 0 or more, not {text!r}")
    return int(text)


def render(plans: list[tuple[Function, Plan]], stack: str, keep: int) -> list[str]:
    lines = [f"Lambda versions in stack {stack} (keeping {keep} older version{'s' if keep != 1 else ''} for rollback):"]
    for function, p in plans:
        memory = sorted({v.memory_mb for v in function.versions})
        sizes = "/".join(str(m) for m in memory) or "-"
        lines.append(f"  {function.name} ({sizes} MB, {len(function.versions)} published)")
        lines.append(f"    delete  {', '.join(str(v) for v in p.delete) or 'nothing'}")
        lines.extend(f"    keep    {k.version:<5} {k.reason}" for k in p.kept)
    return lines


def _cost(function: Function, p: Plan) -> float:
    memory = {int(v.number): v.memory_mb for v in function.versions}
    snapstart = {int(v.number): v.snapstart for v in function.versions}
    return monthly_cache_cost(p, memory, snapstart, SNAPSTART_CACHE_PRICE)


def prune(
    cloudformation: Any, lambda_: Any, stack: str, keep: int, apply: bool, say: Callable[[str], None]
) -> list[Failure]:
    """Print the plan for each of the stack's functions and, with ``apply``, carry it out.

    A deploy running meanwhile only publishes newer versions and moves the alias forward, so what
    the plan deletes stays older than whatever is live by the time it is deleted.
    """
    names = stack_functions(cloudformation, stack)
    if not names:
        raise CliError(f"stack {stack} has no Lambda functions")
    functions = [read_function(lambda_, name) for name in names]
    plans = [(f, plan(f.name, (v.number for v in f.versions), f.aliases, keep)) for f in functions]
    for line in render(plans, stack, keep):
        say(line)
    count = sum(len(p.delete) for _, p in plans)
    monthly = sum(_cost(f, p) for f, p in plans)
    say(
        f"{count} version{'s' if count != 1 else ''} to delete in {len(plans)} functions; their SnapStart "
        f"caches cost at most ${monthly:.2f} a month (an upper bound, at the us-east-1 price: Lambda stops "
        "billing a snapshot that has gone 14 days without an invocation)"
    )
    if not count:
        return []
    if not apply:
        say("Nothing deleted: run again with --apply to delete them.")
        return []
    failures = [failure for f, p in plans if p.delete for failure in delete_versions(lambda_, f.name, p.delete, say)]
    say(f"Done: {count - len(failures)} deleted, {len(failures)} failed (left in place).")
    return failures


def cmd_prune(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    stack = args.stack or (f"switchboard-{args.stage}" if args.stage else None)
    try:
        if stack is None:
            raise CliError("which stack? pass --stage STAGE or --stack NAME")
        cloudformation = client("cloudformation", local=False, region=args.region)
        lambda_ = client("lambda", local=False, region=args.region)
        failures = prune(cloudformation, lambda_, stack, args.keep, args.apply, print)
    except CliError as exc:
        print(f"switchboard versions prune: error: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"switchboard versions prune: error: stack {stack}: {exc}", file=sys.stderr)
        return 2
    return 1 if failures else 0
