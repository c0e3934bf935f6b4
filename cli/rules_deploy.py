"""`switchboard rules deploy | status | rollback`: ship the compiled rules to a stage's rules store, see, undo.

A deploy checks the rules (validate, `rules test`, the corpus's floor), prints the decisions that
change against what the stage runs now, asks, uploads, and waits until the stage answers with the
new version. The Lambda containers refresh at most once a minute, so a deploy lands within about one.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.routing.engine import CompiledRules
from cli.aws import CliError
from cli.rules_store import RESTORED_FROM, RulesStore, StoredVersion, Waiter, canary_version, deploy_metadata

#: `make run`'s API (local/__main__.py --port)
LOCAL_API = "http://127.0.0.1:8000"

EXAMPLES = """\
examples:
  switchboard rules deploy --local                     # try a change against `make run`'s live traffic
  switchboard rules deploy --stage prod                # shows the diff against prod, asks, waits
  switchboard rules deploy --stage prod --yes          # a pipeline, after `rules test` and `rules eval`
  switchboard rules status --stage prod                # the live version, who deployed it, the earlier ones
  switchboard rules rollback --stage prod              # back to the version before the live one
  switchboard rules rollback --stage prod --to 3HL4kq  # back to that version (an id or its start)
"""


@dataclass
class Target:
    """Where a stage's rules live and who answers for it."""

    name: str
    store: RulesStore
    api_url: str | None


def target_options(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--stage", metavar="STAGE", help="the deployed stage (its stack is switchboard-STAGE)")
    which.add_argument("--local", action="store_true", help="`make run`'s platform (moto server, API on :8000)")
    p.add_argument("--bucket", help="the rules bucket (default: the stack's RulesBucketName output)")
    p.add_argument("--api-url", help="the stage's API (default: the stack's EndpointURL; --local: " + LOCAL_API + ")")
    p.add_argument("--region", help="AWS region (default: your AWS configuration, else us-east-1)")


def resolve(args: argparse.Namespace, client: Callable[..., Any] | None = None) -> Target:
    from cli.aws import client as aws_client

    make = client or aws_client
    name = "local" if args.local else str(args.stage)
    if not name.replace("-", "").isalnum():
        raise CliError(f"--stage {name!r}: a stage name is letters, digits and dashes (dev, prod)")
    bucket, api_url = args.bucket, args.api_url or (LOCAL_API if args.local else None)
    if not bucket or not api_url:
        outputs = _stack_outputs(make("cloudformation", local=args.local, region=args.region), f"switchboard-{name}")
        bucket = bucket or outputs.get("RulesBucketName")
        api_url = api_url or outputs.get("EndpointURL")
        if not bucket:
            raise CliError(
                f"stack switchboard-{name} has no RulesBucketName output: deploy the stack first, or pass --bucket"
            )
    return Target(name, RulesStore(make("s3", local=args.local, region=args.region), bucket), api_url)


def _stack_outputs(cfn: Any, stack: str) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    except ClientError as exc:
        raise CliError(f"cannot read stack {stack}: {exc.response.get('Error', {}).get('Message', exc)}") from None
    except BotoCoreError as exc:
        raise CliError(
            f"cannot reach CloudFormation for {stack}: {exc} (is `make run` running, for --local?)"
        ) from None
    return {o["OutputKey"]: o["OutputValue"] for o in found.get("Outputs", [])}


def operator() -> str:
    return os.environ.get("SWITCHBOARD_OPERATOR") or os.environ.get("USER") or getpass.getuser() or "unknown"


def confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise CliError("not a terminal, so nobody can confirm: pass --yes to deploy without asking")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def checks(path: Path, say: Callable[[str], None]) -> tuple[dict[str, Any], CompiledRules] | None:
    """Validate and compile, `rules test`, and the corpus's floor; None (after saying why) when one fails."""
    from cli.compile import RulesFileError, compile_file, display
    from cli.expectations import run_expectations
    from cli.rules import TESTS_FILE

    say(f"1. validate and compile {display(path)}")
    try:
        compiled, rules = compile_file(path)
    except RulesFileError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        say("refused: the rules do not validate")
        return None
    say(f"   valid: version {rules.version}")
    say("2. rules test")
    if run_expectations(TESTS_FILE, path, verbose=False) != 0:
        say("refused: `switchboard rules test` fails")
        return None
    say("3. rules eval --split held-out (the labeled corpus)")
    below = corpus_floor(rules, say)
    if below:
        say("refused: below the floor `make test` holds (tests/unit/test_corpus_quality.py FLOOR): " + "; ".join(below))
        return None
    return compiled, rules


def corpus_floor(rules: CompiledRules, say: Callable[[str], None]) -> list[str]:
    """The held-out figures, printed; what falls below the floor `make test` gates on.

    Issue 11's goals (`rules eval --goals`) are not all met yet, so a deploy is held to the same floor
    as `make test`, not to the goals: the floor is read from that test, so the two cannot drift apart.
    """
    from cli.corpus import CORPUS_DIR, load, split_of
    from cli.eval_metrics import goals, score
    from cli.evaluate import MOMENT, predict, summary

    floor_of = corpus_floor_values()
    at = datetime(*MOMENT, tzinfo=rules.default_calendar.timezone)
    held_out = [e for e in load(CORPUS_DIR) if split_of(e) == "held-out"]
    scores = score([predict(entry, rules, at)[0] for entry in held_out])
    for line in summary(scores):
        say("   " + line)
    below = []
    for g in goals(scores):
        floor = floor_of[g.name]
        if g.value is None or (g.value > floor if g.at_most else g.value < floor):
            value = "n/a" if g.value is None else f"{g.value:.1%}"
            below.append(f"{g.name} {value} ({'ceiling' if g.at_most else 'floor'} {floor:.0%})")
    met = sum(g.met for g in goals(scores))
    say(f"   at or above the floor; {met} of {len(goals(scores))} of issue 11's goals met (not required to deploy)")
    return below


#: where `make test` keeps the corpus's floor (FLOOR): read from there, so the two cannot drift apart
FLOOR_TEST = Path(__file__).resolve().parent.parent / "tests" / "unit" / "test_corpus_quality.py"


def corpus_floor_values(path: Path = FLOOR_TEST) -> dict[str, float]:
    """The FLOOR dict of the corpus quality test, read as a literal (the test module is not imported)."""
    import ast

    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["FLOOR"]:
            value = ast.literal_eval(node.value)
            if isinstance(value, dict):
                return {str(k): float(v) for k, v in value.items()}
    raise CliError(f"{path.name} has no FLOOR = {{...}}: cannot hold the corpus to the floor `make test` holds")


def show_diff(live: CompiledRules, new: CompiledRules) -> None:
    from cli.replay_diff import diff_rules

    diff_rules(live, new, [], None)


def live_or_default(target: Target, say: Callable[[str], None]) -> CompiledRules:
    from chalicelib.routing.loader import load_rules

    live = target.store.live()
    if live is None:
        default = load_rules()
        say(f"   nothing deployed to {target.store.where} yet: the stage runs its packaged rules ({default.version})")
        return default
    if live.rules is None:
        raise CliError(f"the live object {live.version_id} cannot be read ({live.problem}); compare by hand")
    live.rules.source = f"live on {target.name}"
    say(f"   live: {live.version} ({live.who()})")
    return live.rules


def wait_for(target: Target, expected: str, timeout: float, say: Callable[[str], None], waiter: Waiter | None) -> int:
    if not target.api_url:
        say(f"uploaded version {expected}; no API URL to ask (pass --api-url): containers take it within a minute")
        return 0
    say(f"waiting for {target.api_url}/rules/version to answer {expected} (at most {timeout:.0f} s)")
    api_url = target.api_url
    waiter = waiter or Waiter(ask=lambda: canary_version(api_url), say=say)
    ok, answered = waiter.until(expected, timeout)
    if ok:
        say(f"✓ stage {target.name} decides with rules version {expected}")
        return 0
    print(
        f"uploaded version {expected}; the stage still answers with {answered or 'nothing'} after {timeout:.0f} s: "
        f"containers refresh every 60 s (2 s locally); check that the stage's functions may read {target.store.where} "
        "(their logs say 'rules object refused' or 'unreadable'), or run `switchboard rules status`",
        file=sys.stderr,
    )
    return 1


def cmd_deploy(args: argparse.Namespace, waiter: Waiter | None = None) -> int:
    say = print
    if args.timeout <= 0:
        raise CliError(f"--timeout {args.timeout}: give a number of seconds above 0")
    target = resolve(args)
    checked = checks(args.rules, say)
    if checked is None:
        return 1
    compiled, rules = checked
    from cli.compile import render

    say(f"4. the decisions that change against what stage {target.name} runs now")
    live = live_or_default(target, say)
    if live.version.rsplit("/", 1)[-1] == rules.version:
        say(f"nothing to deploy: stage {target.name} already runs rules {rules.version}")
        return 0
    show_diff(live, rules)
    if not confirm(f"deploy rules {rules.version} to stage {target.name}?", args.yes):
        say("not deployed")
        return 1
    metadata = deploy_metadata(operator(), datetime.now(UTC).isoformat(timespec="seconds"), rules.version)
    version_id = target.store.upload(render(compiled).encode(), metadata)
    say(f"5. uploaded {target.store.where} version {version_id} (by {metadata['deployed-by']})")
    return wait_for(target, f"{version_id}/{rules.version}", args.timeout, say, waiter)


def cmd_status(args: argparse.Namespace) -> int:
    target = resolve(args)
    store = target.store
    versions = store.versions()
    if not versions:
        print(f"{store.where}: nothing deployed; stage {target.name} runs its packaged rules")
    for n, listed in enumerate(versions[:10]):
        stored = store.get(listed.version_id)
        mark = "live" if listed.is_latest else "    "
        problem = f"  (unusable: {stored.problem})" if stored.problem else ""
        print(f"{mark}  {stored.version}  {stored.who()}{problem}")
        if n == 0 and len(versions) > 1:
            print("earlier:")
    if len(versions) > 10:
        print(f"      … and {len(versions) - 10} older (kept 90 days after they are replaced)")
    if target.api_url:
        answered = canary_version(target.api_url)
        print(f"the stage answers: {answered or 'nothing (is it up?)'}")
    return 0


def cmd_rollback(args: argparse.Namespace, waiter: Waiter | None = None) -> int:
    say = print
    target = resolve(args)
    store = target.store
    versions = store.versions()
    if not versions:
        raise CliError(f"nothing deployed to {store.where}: the stage runs its packaged rules already")
    if args.to is not None:
        matches = [v for v in versions if v.version_id.startswith(args.to)]
        if len(matches) != 1:
            raise CliError(f"--to {args.to!r}: {'no' if not matches else len(matches)} versions of {store.where} match")
        if matches[0].is_latest:
            raise CliError(f"--to {args.to!r} is the live version already")
        chosen: str | None = matches[0].version_id
    else:
        # the version before the live one; after the first deploy, the rules the package ships
        chosen = versions[1].version_id if len(versions) > 1 else None
    old = store.get(chosen) if chosen else _packaged()
    if old.rules is None:
        raise CliError(f"version {chosen} cannot be used: {old.problem}")
    say(f"the decisions that change if stage {target.name} goes back to {old.version} ({old.who()})")
    live = live_or_default(target, say)
    show_diff(live, old.rules)
    if not confirm(f"restore rules {old.version} on stage {target.name}?", args.yes):
        say("not rolled back")
        return 1
    digest = old.version.rsplit("/", 1)[-1]
    metadata = deploy_metadata(operator(), datetime.now(UTC).isoformat(timespec="seconds"), digest)
    if chosen:
        version_id = store.restore(chosen, metadata)
    else:
        version_id = store.upload(old.body, {**metadata, RESTORED_FROM: "the packaged rules"})
    say(f"restored {chosen or 'the packaged rules'} as {store.where} version {version_id}")
    return wait_for(target, f"{version_id}/{digest}", args.timeout, say, waiter)


def _packaged() -> StoredVersion:
    from chalicelib.routing.loader import load_rules
    from chalicelib.settings import DEFAULT_RULES_FILE

    rules = load_rules()
    return StoredVersion(
        "packaged", DEFAULT_RULES_FILE.read_bytes(), {"deployed-by": "make rules", "deployed-at": "package time"}, rules
    )


def guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Bad input and unreachable stages as one line and exit status 2, no traceback."""

    def run(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return command(args)
        except CliError as exc:
            print(f"switchboard rules {args.command}: {exc}", file=sys.stderr)
            return 2
        except ClientError as exc:
            error = exc.response.get("Error", {})
            print(f"switchboard rules {args.command}: {error.get('Code')}: {error.get('Message')}", file=sys.stderr)
            return 2
        except BotoCoreError as exc:
            print(f"switchboard rules {args.command}: {exc}", file=sys.stderr)
            return 2

    return run


def register(commands: Any, rules_yaml: Path) -> None:
    p = commands.add_parser(
        "deploy",
        help="check the rules, show what changes against the live stage, upload them, wait until they decide",
        description="Validate and compile the rules, run `rules test` and hold the held-out corpus to the floor "
        "`make test` holds, print every decision that changes against the rules the stage runs now, ask, upload "
        "the compiled rules to the stage's rules bucket, and wait until the stage answers with the new version.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target_options(p)
    p.add_argument("--rules", type=Path, default=rules_yaml, help="rules YAML (default: %(default)s)")
    p.add_argument("--yes", action="store_true", help="do not ask (a pipeline)")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the stage (default: 90)")
    p.set_defaults(run=guarded(cmd_deploy))

    p = commands.add_parser(
        "status",
        help="the live rules version, who deployed it and when, the earlier versions",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target_options(p)
    p.set_defaults(run=guarded(cmd_status))

    p = commands.add_parser(
        "rollback",
        help="restore an earlier rules version (the diff first), and wait until it decides",
        description="Copy an earlier version of the stage's rules object back as the current one (a new version: "
        "history is kept), after printing the decisions that change, and wait until the stage answers with it.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target_options(p)
    p.add_argument(
        "--to",
        metavar="VERSION",
        help="the S3 version id (or its start); default: the one before the live one (after the first deploy: "
        "the packaged rules)",
    )
    p.add_argument("--yes", action="store_true", help="do not ask (a pipeline)")
    p.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for the stage (default: 90)")
    p.set_defaults(run=guarded(cmd_rollback))
