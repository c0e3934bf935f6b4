"""`python -m bench`: run the benchmarks, print a report, optionally write the figures as JSON."""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    budgets,
    burst,
    burst_report,
    cold_start,
    console,
    cost,
    cost_report,
    decisions,
    fuzz,
    package_size,
    reliability,
    replies,
    replies_report,
    rulesets,
    snapshot,
    voice,
    voice_report,
    webhooks,
)
from bench.cold_start import ColdStartResult
from bench.decisions import DecisionsResult
from bench.package_size import MB, PackageSizeResult


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument(
        "--runs",
        type=int,
        default=cold_start.DEFAULT_RUNS,
        metavar="N",
        help=f"fresh processes per cold-start path (default {cold_start.DEFAULT_RUNS}; 10 or more for a budget check)",
    )
    runs.add_argument(
        "--quick",
        action="store_true",
        help=f"{cold_start.QUICK_RUNS} cold-start runs and {decisions.QUICK_DECISIONS} decisions per rule size: "
        "checks the bench works, figures are indicative only",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    parser.add_argument(
        "--zip", type=Path, default=package_size.DEFAULT_ZIP, metavar="PATH", help="deployment.zip to measure"
    )
    parser.add_argument(
        "--skip-decisions", action="store_true", help="leave out the decisions benchmark (decide() throughput, p99)"
    )
    parser.add_argument(
        "--skip-voice", action="store_true", help="leave out the live-call benchmark (TwiML answer, local platform)"
    )
    parser.add_argument(
        "--skip-fuzz", action="store_true", help="leave out the fuzz totals (ten thousand odd requests, every route)"
    )
    parser.add_argument(
        "--skip-reliability",
        action="store_true",
        help="leave out the reliability benchmark (events under injected DynamoDB/SNS faults)",
    )
    parser.add_argument(
        "--skip-replies",
        action="store_true",
        help="leave out the replies benchmark (auto-replies under injected provider failures, their AWS cost)",
    )
    parser.add_argument(
        "--skip-console",
        action="store_true",
        help="leave out the console benchmark (its reads and rendered views with 10,000 tickets in a moto server's table)",
    )
    parser.add_argument(
        "--skip-snapshot",
        action="store_true",
        help="leave out the SnapStart benchmark (what moves from the first request into the snapshot)",
    )
    parser.add_argument(
        "--skip-cost",
        action="store_true",
        help="leave out the cost benchmark (AWS requests and dollars per million messages on the local platform)",
    )
    parser.add_argument(
        "--skip-burst",
        action="store_true",
        help="leave out the burst benchmark (1,000 signed webhooks in a minute on the local platform)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.runs = cold_start.QUICK_RUNS
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def environment() -> str:
    return f"CPython {platform.python_version()} on {platform.machine()}"


def summary(cold: ColdStartResult, package: PackageSizeResult | None, decided: DecisionsResult | None = None) -> str:
    """One line for the README's performance section."""
    r = cold.ratios
    text = (
        f"Cold start ({environment()}, median of {cold.runs} fresh processes, import + first invocation "
        f"against moto, CPU time): ingest {cold.ingest.cpu_median_ms:.0f} ms = {r['ingest']:.2f}× its floor "
        f"of {cold.ingest_floor.cpu_median_ms:.0f} ms ({cold.verdict('ingest')}, budget ≤ {cold.budgets['ingest']}×), "
        f"triage {cold.triage.cpu_median_ms:.0f} ms = {r['triage']:.2f}× its floor of "
        f"{cold.triage_floor.cpu_median_ms:.0f} ms ({cold.verdict('triage')}, budget ≤ {cold.budgets['triage']}×); "
        "a floor is boto3, chalice, pydantic (one model) and a Powertools Logger plus the path's boto3 clients"
    )
    if with_calls := cold.ratios_with_calls:
        text += "; against a floor whose clients also make the path's requests: " + ", ".join(
            f"{name} {ratio:.2f}×" for name, ratio in with_calls.items()
        )
    text += "."
    if package is not None:
        text += (
            f" deployment.zip {package.zip_bytes / MB:.2f} MB "
            f"(budget ≤ {package.budget_bytes / MB:.0f} MB, {package.verdict})."
        )
    if decided is not None and (line := decisions.summary(decided)):
        text += f" {line}"
    return text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # sys.orig_argv is the command line as typed (".venv/bin/python -m bench ..."), not a reconstruction
    command = shlex.join(sys.orig_argv)

    def progress(done: int, total: int) -> None:
        # stderr, so the report on stdout stays clean for redirection; a counter only where one can be redrawn
        if sys.stderr.isatty():
            print(
                f"\r  cold start: round {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True
            )

    print(f"Switchboard benchmarks – {environment()}\n", flush=True)
    cold = cold_start.run(args.runs, progress=progress)
    print(cold_start.format_report(cold), end="\n\n")
    package = package_size.measure(args.zip)
    print(package_size.format_report(package, args.zip), end="\n\n")
    decided = None
    hooks = webhooks.run(repeats=20 if args.quick else 200)
    print(webhooks.format_report(hooks), end="\n\n")

    if not args.skip_decisions:
        decided = decisions.run(
            decisions=decisions.QUICK_DECISIONS if args.quick else None,
            compile_runs=1 if args.quick else rulesets.COMPILE_RUNS,
            progress=decisions.tell,
        )
        print(decisions.format_report(decided), end="\n\n")

    live = None
    if not args.skip_voice:
        live = voice.run(calls=voice.QUICK_CALLS if args.quick else voice.DEFAULT_CALLS, progress=voice.tell)
        print(voice_report.format_report(live), end="\n\n")

    fuzzed = None
    if not args.skip_fuzz:
        fuzzed = fuzz.run(fuzz.QUICK_REQUESTS if args.quick else fuzz.DEFAULT_REQUESTS, progress=fuzz.tell)
        print(fuzz.format_report(fuzzed), end="\n\n")

    reliable = None
    if not args.skip_reliability:
        events = reliability.QUICK_EVENTS if args.quick else reliability.DEFAULT_EVENTS
        reliable = reliability.run(events, progress=reliability.tell)
        print(reliability.format_report(reliable), end="\n\n")

    answered = None
    if not args.skip_replies:
        answered = replies.run(replies.QUICK_TICKETS if args.quick else replies.DEFAULT_TICKETS, progress=replies.tell)
        print(replies_report.format_report(answered), end="\n\n")

    viewed = None
    if not args.skip_console:
        viewed = console.run(
            console.QUICK_TICKETS if args.quick else console.DEFAULT_TICKETS,
            console.QUICK_REPEATS if args.quick else console.DEFAULT_REPEATS,
            progress=console.tell,
        )
        print(console.format_report(viewed), end="\n\n")

    moved = None
    if not args.skip_snapshot:
        snapshot_runs = snapshot.QUICK_RUNS if args.quick else snapshot.DEFAULT_RUNS
        moved = snapshot.run(snapshot_runs)
        print(snapshot.format_report(moved, snapshot_runs), end="\n\n")

    billed = quiet = None
    if not args.skip_cost:
        billed = cost.run(cost.QUICK_MESSAGES if args.quick else cost.DEFAULT_MESSAGES, progress=cost.tell)
        print(cost_report.format_report(billed), end="\n\n")
        if not args.quick:
            quiet = cost.run(cost.QUIET_MESSAGES, progress=cost.tell, batch=cost.QUIET_BATCH)
            print(cost_report.quiet_line(quiet), end="\n\n")

    burst_result = None
    if not args.skip_burst:
        count, seconds = (
            (burst.QUICK_COUNT, burst.QUICK_SECONDS) if args.quick else (burst.DEFAULT_COUNT, burst.DEFAULT_SECONDS)
        )
        burst_result = burst.run(count, seconds, progress=burst.tell)
        print(burst_report.format_report(burst_result), end="\n\n")

    table = budgets.cold_rows(cold) + (budgets.package_rows(package) if package is not None else [])
    table += budgets.webhook_rows(hooks)
    if live is not None:
        table += budgets.voice_rows(live)
    if moved is not None:
        table += budgets.snapshot_rows(moved)
    if decided is not None:
        table += budgets.decision_rows(decided)
    if billed is not None:
        table += budgets.cost_rows(billed, quiet)
    if burst_result is not None:
        table += budgets.burst_rows(burst_result)
    print(f"Budgets, this run ({environment()}):\n{budgets.format_table(table)}", end="\n\n")

    line = summary(cold, package, decided)
    if live is not None:
        line += f" {voice_report.summary(live)}"
    if fuzzed is not None:
        line += f" {fuzz.summary(fuzzed)}"
    if reliable is not None:
        line += f" {reliability.summary(reliable)}"
    if answered is not None:
        line += f" {replies_report.summary(answered)}"
    if viewed is not None:
        line += f" {console.summary(viewed)}"
    if billed is not None:
        line += f" {cost_report.summary(billed)}"
    if burst_result is not None:
        line += f" {burst_report.summary(burst_result)}"
    if args.json:
        figures: dict[str, Any] = {
            "command": command,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cold_start": cold.to_dict(),
            "package_size": package.to_dict() if package else None,
            "decisions": decided.to_dict() if decided else None,
            "webhooks": {h.provider: h.to_dict() for h in hooks},
            "voice": live.to_dict() if live else None,
            "fuzz": fuzzed.to_dict() if fuzzed else None,
            "reliability": reliable.to_dict() if reliable else None,
            "replies": answered.to_dict() if answered else None,
            "console": viewed.to_dict() if viewed else None,
            "snapshot": {r.function: r.to_dict() for r in moved} if moved else None,
            "cost": billed.to_dict() if billed else None,
            "cost_quiet_hour": quiet.to_dict() if quiet else None,
            "burst": burst_result.to_dict() if burst_result else None,
            "budgets": [vars(row) for row in table],
            "summary": line,
        }
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Figures written to {args.json}")
    print(f"Command: {command}")
    print(f"Summary: {line}")
    # a report, not a gate: OVER is news for a human, so the exit code stays 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
