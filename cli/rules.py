"""`switchboard rules …`: validate, compile, explain, test and diff the routing rules."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.model.decision import Decision
from chalicelib.routing.decide import decide
from chalicelib.routing.engine import CompiledRules
from chalicelib.routing.loader import CONFIG_DIR
from chalicelib.routing.sentiment import signals_for
from chalicelib.settings import DEFAULT_RULES_FILE
from cli.compile import ROOT, RULES_YAML, RulesFileError, compile_file, compile_text, display, render

TESTS_FILE = CONFIG_DIR / "routing.tests.yaml"
SCHEMA_FILE = CONFIG_DIR / "routing.schema.json"

EPILOG = """\
The config deploy (no code deploy: the stage's containers pick the rules up within a minute):
  1. edit chalicelib/config/routing.yaml
  2. switchboard rules deploy --local         # try it on `make run`: the diff against what runs, applied in seconds
  3. switchboard rules deploy --stage prod    # validate, test, eval's floor, the diff against prod, confirm, wait
  4. switchboard rules status --stage prod    # who deployed what, when; `rules rollback --stage prod` undoes it
  5. make rules, and commit                   # routing.json: the default a fresh stack ships with
A broken rules file fails `make test` and `make package`.
"""


def register(areas: Any) -> None:
    rules = areas.add_parser(
        "rules",
        help="validate, explain, test and diff the routing rules",
        description="Work with the routing rules (chalicelib/config/routing.yaml).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = rules.add_subparsers(
        dest="command",
        metavar="{validate,explain,test,eval,diff,compile,schema,deploy,status,rollback}",
        required=True,
    )

    p = commands.add_parser("validate", help="check a rules file; errors name the file, line and route")
    p.add_argument("file", nargs="?", type=Path, default=RULES_YAML, help="rules YAML (default: %(default)s)")
    p.add_argument(
        "--strict", action="store_true", help="exit 1 on warnings too (a '|' that looks meant between phrases)"
    )
    p.set_defaults(run=cmd_validate)

    p = commands.add_parser(
        "explain",
        help="show the decision for an event at a given time, with every reason",
        description="Decide sample events at a moment you choose and print each decision with its reasons.",
        epilog=textwrap.dedent("""\
            examples:
              switchboard rules explain events/widget/vip-outage.json --at 03:00
              switchboard rules explain events/widget/*.json --at "2026-11-24 14:00"
              switchboard rules explain events/widget/free-howto.json --at 2026-11-24T03:00:00-05:00 --customer sam.lee@gmail.example
            """),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("events", nargs="+", type=Path, help="sample requests from events/ (or SupportEvent JSON files)")
    p.add_argument(
        "--at",
        required=True,
        help="ISO time with offset; without one, the rules' business-hours zone; HH:MM = today there",
    )
    p.add_argument(
        "--customer",
        help="decide as this customer (id, email, phone, handle or domain in --customers); default: look up the sender",
    )
    p.add_argument("--customers", type=Path, default=None, help="customers JSON (default: events/customers.json)")
    p.add_argument("--rules", type=Path, default=RULES_YAML, help="rules YAML (default: %(default)s)")
    p.add_argument(
        "--recent", type=int, default=0, help="earlier messages from this sender in the last hour (default 0)"
    )
    p.set_defaults(run=cmd_explain)

    p = commands.add_parser("test", help="run the routing expectation tests")
    p.add_argument("file", nargs="?", type=Path, default=TESTS_FILE, help="tests YAML (default: %(default)s)")
    p.add_argument("--rules", type=Path, default=None, help="rules YAML (default: the tests file's `rules:`)")
    p.add_argument("-v", "--verbose", action="store_true", help="print every case, not only failures")
    p.set_defaults(run=cmd_test)

    p = commands.add_parser(
        "eval",
        help="score the rules' urgency and intent against the labeled corpus",
        description="Run every message of the labeled corpus through the rules' urgency and intent facts; print "
        "the confusion matrix of labeled against predicted urgency, recall and precision per level and for intent, "
        "and every miss with the reasons the facts give.",
        epilog="The corpus, its labels and its split: tests/corpus/README.md. `make test` runs --goals on the "
        "held-out half (issue 11's bar) and fails below today's floor (tests/unit/test_corpus_quality.py).",
    )
    _corpus_argument(p)
    p.add_argument(
        "--split", choices=("tuning", "held-out", "all"), default="all", help="which half to score (default: all)"
    )
    p.add_argument("--rules", type=Path, default=RULES_YAML, help="rules YAML (default: %(default)s)")
    p.add_argument(
        "--goals",
        action="store_true",
        help="check issue 11's goals and exit 1 if any is unmet (meant for --split held-out)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print the figures only, not every miss")
    p.add_argument(
        "--by-file",
        action="store_true",
        help="also print each corpus file's critical recall, high-or-above, critical given to normal or low and "
        "buying recall: where the misses are, in figures only",
    )
    p.set_defaults(run=cmd_eval)

    p = commands.add_parser(
        "learn",
        help="learn the urgency model's second reading from the labeled corpus's tuning half",
        description="Learn how likely a message is critical from all its words and pairs of words (logistic "
        "regression over the corpus's tuning half, as the model reads each message) and write the weights "
        "table the rules' urgency.learned names. The held-out half is never learned from.",
        epilog="Run it after adding or relabeling corpus messages; `make test` runs --check. How the reading "
        'combines with the word families: README, "A second reading, learned".',
    )
    _corpus_argument(p)
    p.add_argument("--rules", type=Path, default=RULES_YAML, help="rules YAML whose reading normalises the messages")
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        help="the weights table (default: the file the rules' urgency.learned names)",
    )
    p.add_argument(
        "--check", action="store_true", help="fail if the table is missing or is not what the corpus teaches today"
    )
    p.set_defaults(run=cmd_learn)

    p = commands.add_parser(
        "diff",
        help="replay events at a spread of times through old and new rules; print what changes",
        description="Replay events/ (and any event files given) at 3 a.m., 9 a.m., noon, 2 p.m., 7 p.m. and 11 p.m. "
        "on each day of a week, through the old and the new rules, and print every decision that changes.",
    )
    p.add_argument(
        "--against", required=True, help="a git revision (HEAD, main, a1b2c3d) or a rules file to compare with"
    )
    p.add_argument("events", nargs="*", type=Path, help="more event files to replay (events/ is always replayed)")
    p.add_argument("--rules", type=Path, default=RULES_YAML, help="the new rules (default: %(default)s)")
    p.add_argument(
        "--week", type=date.fromisoformat, default=None, help="a date in the week to replay (default: this week)"
    )
    p.set_defaults(run=cmd_diff)

    p = commands.add_parser("compile", help="write routing.json, the compiled rules the Lambda loads")
    p.add_argument("file", nargs="?", type=Path, default=RULES_YAML)
    p.add_argument("--output", type=Path, default=DEFAULT_RULES_FILE)
    p.add_argument("--check", action="store_true", help="fail if the output is missing or out of date")
    p.set_defaults(run=cmd_compile)

    p = commands.add_parser("schema", help="write the JSON Schema editors use to check routing.yaml")
    p.add_argument("--output", type=Path, default=SCHEMA_FILE)
    p.add_argument("--check", action="store_true", help="fail if the schema file is out of date")
    p.set_defaults(run=cmd_schema)

    from cli import rules_deploy

    rules_deploy.register(commands, RULES_YAML)


def _fail(error: RulesFileError) -> int:
    for issue in error.issues:
        print(issue, file=sys.stderr)
    print(f"{len(error.issues)} problem{'s' if len(error.issues) != 1 else ''} in the rules", file=sys.stderr)
    return 1


def _load(path: Path) -> CompiledRules:
    return compile_file(path)[1]


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        rules = _load(args.file)
    except RulesFileError as exc:
        return _fail(exc)
    doc = rules.document
    print(
        f"{display(args.file)}: valid (version {rules.version}): {len(doc.routes)} routes, {len(doc.teams)} teams, "
        f"{len(doc.calendars)} calendars, {len(doc.rotations)} rotations, {len(doc.escalation_policies)} escalation policies"
    )
    from cli.pattern_warnings import pattern_warnings, warning_line

    warnings = pattern_warnings(args.file)
    for warning in warnings:
        print(warning_line(warning), file=sys.stderr)
    if warnings:
        print(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} in the rules", file=sys.stderr)
    return 1 if warnings and args.strict else 0


def cmd_compile(args: argparse.Namespace) -> int:
    try:
        compiled, rules = compile_file(args.file)
    except RulesFileError as exc:
        return _fail(exc)
    text = render(compiled)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{display(args.output)} is out of date with {display(args.file)}: run `make rules`", file=sys.stderr)
            return 1
        print(f"{display(args.output)} is up to date (version {rules.version})")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {display(args.output)} (version {rules.version})")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from chalicelib.routing.schema import rules_json_schema

    text = json.dumps(rules_json_schema(), indent=2, sort_keys=True) + "\n"
    if args.check:
        if not args.output.exists() or args.output.read_text(encoding="utf-8") != text:
            print(
                f"{display(args.output)} is out of date with chalicelib/routing/schema.py: run `make schema`",
                file=sys.stderr,
            )
            return 1
        print(f"{display(args.output)} is up to date")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {display(args.output)}")
    return 0


def parse_at(value: str, zone: ZoneInfo, today: date | None = None) -> datetime:
    """ISO with an offset as given; a naive date-time in ``zone``; HH:MM on ``today`` in ``zone``."""
    try:
        if len(value) <= 5 and ":" in value:
            day = today or datetime.now(zone).date()
            return datetime.combine(day, time.fromisoformat(value), tzinfo=zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--at {value!r}: use 2026-11-24T03:00:00-05:00, '2026-11-24 03:00' or 03:00"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def describe(decision: Decision, zone: ZoneInfo) -> list[str]:
    d = decision
    lines = [f"→ {d.priority.value} {d.team} · route {d.route} · tier {d.tier}"]
    if len(d.route_path) > 1:
        lines.append(f"  routes matched: {' → '.join(d.route_path)}")
    if d.deferred_until:
        lines.append(
            f"  page: held until {d.deferred_until.astimezone(zone):%a %d %b %H:%M %Z}, then {', '.join(d.notify)}"
        )
    elif d.page_targets:
        lines.append(f"  page now: {', '.join(d.notify)} (topics: {', '.join(d.page_targets)})")
    else:
        lines.append("  page: nobody (queued)")
    if d.escalation:
        lines.append(f"  escalation policy: {d.escalation}")
    if d.dial:
        lines.append("  dial: " + " → ".join(f"{c.name} {c.phone}" for c in d.dial) + " → voicemail")
    if d.sla_due:
        lines.append(f"  first response due: {d.sla_due.astimezone(zone):%a %d %b %H:%M %Z} ({d.sla})")
    if d.auto_reply:
        lines.append("  auto-reply: " + textwrap.fill(d.auto_reply, 90, subsequent_indent=" " * 14))
    lines.append("  why:")
    lines += [f"    {i}. {r}" for i, r in enumerate(d.reasons, 1)]
    return lines


def cmd_explain(args: argparse.Namespace) -> int:
    from cli.offline import CUSTOMERS_FILE, MemoryDirectory, customer_for, event_from_file

    try:
        rules = _load(args.rules)
    except RulesFileError as exc:
        return _fail(exc)
    zone = rules.default_calendar.timezone
    try:
        at = parse_at(args.at, zone)
    except argparse.ArgumentTypeError as exc:
        print(f"switchboard rules explain: {exc}", file=sys.stderr)
        return 2
    directory = MemoryDirectory.from_file(args.customers or CUSTOMERS_FILE)
    for i, path in enumerate(args.events):
        try:
            event = event_from_file(path, at)
            customer = customer_for(event, directory, args.customer)
        except (OSError, ValueError) as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
        decision = decide(event, customer, at, rules, signals_for(event, rules, args.recent))
        if i:
            print()
        print(f"{path} at {at.astimezone(zone):%a %d %b %Y %H:%M} {zone.key} ({at.isoformat()})")
        print(f"  {event.summary(100)!r}")
        print(f"  from {customer.name}" + ("" if customer.known else " (not a customer)"))
        print("\n".join("  " + line for line in describe(decision, zone)))
    print(f"\nrules version {rules.version} ({display(args.rules)})")
    return 0


def _corpus_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "corpus", nargs="?", type=Path, default=None, help="a corpus file or directory (default: tests/corpus)"
    )


def cmd_learn(args: argparse.Namespace) -> int:
    from cli.corpus import CORPUS_DIR
    from cli.learn import run_learn

    return run_learn(args.corpus or CORPUS_DIR, args.rules, args.output, args.check)


def cmd_eval(args: argparse.Namespace) -> int:
    from cli.corpus import CORPUS_DIR
    from cli.evaluate import run_eval

    return run_eval(args.corpus or CORPUS_DIR, args.split, args.rules, args.goals, args.quiet, args.by_file)


def cmd_test(args: argparse.Namespace) -> int:
    from cli.expectations import run_expectations

    return run_expectations(args.file, args.rules, args.verbose)


def cmd_diff(args: argparse.Namespace) -> int:
    from cli.replay_diff import diff_rules

    try:
        new = _load(args.rules)
        old = _load_against(args.against, args.rules)
    except RulesFileError as exc:
        return _fail(exc)
    return diff_rules(old, new, list(args.events), args.week)


def _load_against(against: str, rules_path: Path) -> CompiledRules:
    """A rules file, or the rules file as it was at a git revision (with that revision's learned table)."""
    candidate = Path(against)
    if candidate.is_file():
        return _load(candidate)
    try:
        relative = _in_project(rules_path)
    except ValueError:
        raise SystemExit(
            f"--against {against!r}: not a file; a git revision compares the project's own rules, "
            f"and {rules_path} is outside the project"
        ) from None
    try:
        text = _git_show(against, relative)
    except OSError as exc:
        raise SystemExit(f"--against {against!r}: not a file, and {exc.strerror}") from None
    return compile_text(text, f"{relative}@{against}", lambda path: _git_show(against, _in_project(path)))[1]


def _in_project(path: Path) -> Path:
    return path.resolve().relative_to(ROOT)


def _git_show(revision: str, relative: Path) -> str:
    """A project file as it was at ``revision``; OSError saying why git cannot show it."""
    import errno
    import subprocess

    command = ["git", "show", f"{revision}:{relative}"]
    shown = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if shown.returncode != 0:
        raise OSError(errno.ENOENT, f"git cannot show {relative} at {revision}: {shown.stderr.strip()}")
    return shown.stdout


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=i) for i in range(7)]
