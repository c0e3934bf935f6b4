"""SnapStart: how much of each function's cold path moves from its first request into the snapshot.

For each function, fresh processes run its cold start twice: as an on-demand init (import app.py,
then the first request builds what it needs: the handler's lazy imports, botocore's service models,
the compiled rules, the services) and as a SnapStart init (AWS_LAMBDA_INITIALIZATION_TYPE=snap-start:
chalicelib/snapshot.py builds all that during the init, which Lambda snapshots; then the restore hooks
run and the same first request follows). The first request's builds are listed here from the handlers,
apart from the warm-up's own list, so what the warm-up misses shows as time left in the first request.
No AWS request is made: the first request's I/O is the same either way and is not what SnapStart moves.
Lambda's snapshot_restore_py is stood in for by a registry that keeps the hooks and runs them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from bench.cold_start import PROJECT_ROOT, child_env
from chalicelib.settings import SECRET_VARIABLES

DEFAULT_RUNS, QUICK_RUNS = 7, 1

#: function -> what its first request builds (read from chalicelib/api/ and app.py's handlers)
FIRST_REQUEST: dict[str, str] = {
    # a widget webhook: verify the signature, queue the event
    "api_handler": "import chalicelib.channels.widget, standardwebhooks.webhooks\n"
    "c = container(); c.secret('widget'); c.intake",
    # a batch: parse, decide with the rules in use, store, page
    "triage": "import chalicelib.api.triage_handler\nc = container(); c.triage; c.rules",
    # a reply: the outbox's service, then the sender (SES client, HTTP pool, provider credentials' sources)
    "send_replies": "import chalicelib.api.replies_handler\nc = container(); c.replies; c.reply_queue; c.reply_sender\n"
    "c.secret('slack_bot')",
    # an SES notification: parse, queue
    "inbound_email": "import chalicelib.api.inbound_email, chalicelib.channels.ses\nc = container(); c.intake",
    # the sweep: pages, pending replies, incident updates
    "escalate": "import chalicelib.api.escalation_handler\nc = container(); c.paging; c.replies; c.incidents",
}

_CHILD = """\
import sys, time, types
hooks = []
registry = types.ModuleType("snapshot_restore_py")
registry.register_after_restore = lambda f, *a, **k: hooks.append((f, a, k))
registry.register_before_snapshot = lambda f, *a, **k: None
sys.modules["snapshot_restore_py"] = registry
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
from functools import cached_property
from chalicelib.bootstrap import container
c = container()
built = sum(isinstance(getattr(type(c), name, None), cached_property) for name in c.__dict__)
for f, a, k in hooks:
    f(*a, **k)
t2 = time.perf_counter()
{first_request}
t3 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, len(hooks), built)
"""


@dataclass(frozen=True)
class Sample:
    init_ms: float
    restore_ms: float
    first_request_ms: float
    hooks: int
    #: the container's parts (cached properties: settings, clients, services) built before the first request
    built: int


def environment(function: str, snap_start: bool) -> dict[str, str]:
    env = child_env()
    # the settings the functions validate at first use (names only: nothing is sent to them here)
    env.update(
        {
            "STAGE": "dev",
            "TICKETS_TABLE": "bench-tickets",
            "CUSTOMERS_TABLE": "bench-customers",
            "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bench-events",
            "PAGER_TOPICS": '{"support":"arn:aws:sns:us-east-1:123456789012:x"}',
        }
    )
    # as deployed: every secret in SSM (a source builds its SSM client; no value is read here)
    env.update({f"{var}_PARAM": f"/switchboard/dev/{name}" for name, var in SECRET_VARIABLES.items()})
    env["REPLIES_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/123456789012/bench-replies"
    env["PUBLIC_BASE_URL"] = "https://api.example.com/api"
    env["REPLY_FROM_ADDRESS"], env["SUPPORT_ADDRESS"] = "Support <support@example.com>", "support@example.com"
    env["_HANDLER"] = "app.app" if function == "api_handler" else f"app.{function}"
    if snap_start:
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
    return env


def time_once(function: str, snap_start: bool, python: str = sys.executable) -> Sample:
    proc = subprocess.run(
        [python, "-c", _CHILD.format(first_request=FIRST_REQUEST[function])],
        cwd=PROJECT_ROOT,
        env=environment(function, snap_start),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"snapshot child for {function} failed:\n{proc.stderr.strip()}")
    init, restore, first, hooks, built = proc.stdout.split()
    return Sample(float(init), float(restore), float(first), int(hooks), int(built))


@dataclass(frozen=True)
class Row:
    function: str
    on_demand: tuple[Sample, ...]
    snap_start: tuple[Sample, ...]

    def median(self, mode: str, field: str) -> float:
        return float(statistics.median(getattr(s, field) for s in getattr(self, mode)))

    @property
    def moved_ms(self) -> float:
        """What the first request no longer pays, less what the restore hooks cost it."""
        before = self.median("on_demand", "first_request_ms")
        after = self.median("snap_start", "first_request_ms") + self.median("snap_start", "restore_ms")
        return before - after

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for mode in ("on_demand", "snap_start"):
            for field in ("init_ms", "restore_ms", "first_request_ms"):
                out[f"{mode}_{field}"] = round(self.median(mode, field), 1)
            out[f"{mode}_parts_built_in_init"] = self.median(mode, "built")
        out["moved_ms"] = round(self.moved_ms, 1)
        return out


def run(runs: int = DEFAULT_RUNS, functions: tuple[str, ...] = tuple(FIRST_REQUEST)) -> list[Row]:
    if runs < 1:
        raise ValueError("runs must be at least 1")
    for function in functions:  # one discarded round: .pyc files and the page cache
        time_once(function, snap_start=True)
    samples: dict[tuple[str, bool], list[Sample]] = {(f, s): [] for f in functions for s in (False, True)}
    for round_no in range(runs):
        # both modes every round, alternating which goes first, so a noisy moment hits both
        for function in functions:
            for snap in (False, True) if round_no % 2 == 0 else (True, False):
                samples[function, snap].append(time_once(function, snap))
    return [Row(f, tuple(samples[f, False]), tuple(samples[f, True])) for f in functions]


def format_report(rows: list[Row], runs: int) -> str:
    lines = [
        f"SnapStart – what moves from the first request into the snapshot (median of {runs} fresh processes, ms)",
        f"  {'':<14}{'on-demand':^22}|{'snap-start':^36}|",
        f"  {'function':<14}{'init':>10}{'1st request':>12}|{'init (snapshot)':>16}{'restore':>9}{'1st request':>12}"
        f" |{'moved':>8}",
    ]
    for row in rows:
        lines.append(
            f"  {row.function:<14}{row.median('on_demand', 'init_ms'):>10.1f}"
            f"{row.median('on_demand', 'first_request_ms'):>12.1f}|"
            f"{row.median('snap_start', 'init_ms'):>16.1f}{row.median('snap_start', 'restore_ms'):>9.1f}"
            f"{row.median('snap_start', 'first_request_ms'):>12.1f} |{row.moved_ms:>8.1f}"
        )
    lines.append(
        "  init: importing app.py (and, under snap-start, the warm-up Lambda snapshots); restore: the after-restore"
    )
    lines.append("  hooks; moved: the first request's builds no longer paid after a restore, less the hooks' cost.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.snapshot`."""
    parser = argparse.ArgumentParser(prog="python -m bench.snapshot", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"fresh processes per mode (default {DEFAULT_RUNS})"
    )
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    rows = run(args.runs)
    print(
        json.dumps({r.function: r.to_dict() for r in rows}, indent=2) if args.json else format_report(rows, args.runs)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
