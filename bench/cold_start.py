"""Cold start: import time of the ingest and triage paths against a boto3 + chalice + pydantic floor."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = 15
QUICK_RUNS = 3
#: a path may cost at most this much more than importing its libraries alone
BUDGET_RATIO = 1.3


@dataclass(frozen=True)
class ImportPath:
    name: str
    description: str
    #: the imports a cold Lambda pays before its first invocation can run: budgeted against the floor
    imports: str
    #: what the first invocation then builds (boto3 clients, compiled rules): reported, not budgeted
    first_use: str = ""


# Read from the code, not guessed:
# - ingest: Lambda imports app.py; the first POST /webhooks/widget imports the intake service, the
#   SQS adapter, the secret source and standardwebhooks lazily, then builds the SQS client and reads
#   the secret.
# - triage: Lambda imports app.py; the first batch imports the triage handler, the routing engine
#   and the DynamoDB/SNS adapters lazily, then loads and compiles the rules and builds two clients.
# The budget is on imports, like the floor (which imports boto3 but creates no client). Client
# creation loads botocore's service models (about 100 ms for the first client, whatever the app):
# real cold-start work, reported beside the budget so it is never hidden.
FLOOR = ImportPath("floor", "import boto3, chalice, pydantic", "import boto3, chalice, pydantic")
# The floor's `import pydantic` is lazy: it loads pydantic-core and the version, not BaseModel. The
# architecture gives every payload and the canonical event a pydantic model and logs through
# Powertools, so this row is what those libraries cost with no code of ours: one one-field model and
# one Logger. It is reported beside the budget (which stays against the floor, as the issue sets it)
# so a reader can tell the libraries' share from ours.
STACK = ImportPath(
    "stack",
    "the floor + one pydantic BaseModel + a Powertools Logger, no code of ours",
    "import boto3, chalice, pydantic\n"
    "from pydantic import BaseModel\n"
    "class _Probe(BaseModel):\n    x: int\n"
    "from aws_lambda_powertools import Logger\n"
    "Logger(service='bench')\n",
)
INGEST = ImportPath(
    "ingest",
    "import app + the widget route's lazy imports (boto3 included)",
    # bootstrap imports boto3 on first use; counted here because the floor counts it
    "import boto3\nimport app\n"
    "import chalicelib.services.intake, chalicelib.adapters.event_queue, chalicelib.adapters.secrets\n"
    "import chalicelib.channels.widget\n"
    "import standardwebhooks.webhooks\n",
    "from chalicelib.bootstrap import container\nc = container()\nc.intake\nc.secret('widget').get()\n",
)
TRIAGE = ImportPath(
    "triage",
    "import app + the triage handler's lazy imports (boto3 included)",
    "import boto3\nimport app\n"
    "import chalicelib.api.triage_handler, chalicelib.services.triage, chalicelib.routing.decide\n"
    "import chalicelib.adapters.tickets_table, chalicelib.adapters.customers_table, chalicelib.adapters.pager_topics\n",
    "from chalicelib.bootstrap import container\ncontainer().triage\n",
)
PATHS = (FLOOR, STACK, INGEST, TRIAGE)

# Timed inside the child with perf_counter rather than around the whole process: interpreter
# start-up and site (~20 ms) are the same for every path and not ours, and the parent's
# fork/exec adds scheduler noise; both would dilute the ratio we budget. The module count is
# a noise-free companion figure: it only moves when the import graph does.
_CHILD = """\
import sys, time
_m0 = len(sys.modules)
_t0 = time.perf_counter()
{imports}
_t1 = time.perf_counter()
{first_use}
_t2 = time.perf_counter()
print(f"{{(_t1 - _t0) * 1000:.3f}} {{(_t2 - _t1) * 1000:.3f}} {{len(sys.modules) - _m0}}")
"""

# Dummy settings so Settings.from_env() validates without AWS; the same for every path.
CHILD_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    # a developer's ~/.aws would change what botocore reads at client creation; IMDS must never be asked
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "STAGE": "dev",
    "POWERTOOLS_SERVICE_NAME": "switchboard",
    "POWERTOOLS_LOG_LEVEL": "INFO",  # as deployed (.chalice/config.json)
    "TICKETS_TABLE": "bench-tickets",
    "CUSTOMERS_TABLE": "bench-customers",
    "EVENTS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/bench-events",
    "PAGER_TOPICS": '{"support":"arn:aws:sns:us-east-1:123456789012:x"}',
    "WIDGET_SIGNING_SECRET": "whsec_c3dpdGNoYm9hcmQtbG9jYWwtd2lkZ2V0LXNlY3JldA==",
}


def child_env() -> dict[str, str]:
    # drop the caller's AWS and Powertools settings (a profile, a local endpoint) so every run sees the same
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    # every path must run from cached .pyc files (written by the warm-up round), or the ratio would
    # charge our code for compiling itself on every run; the cache lives outside the checkout (one
    # place per machine, so later runs start warm; the libraries' .pyc files are written there too)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(CHILD_ENV)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "switchboard-bench-pycache")
    return env


@dataclass(frozen=True)
class PathTiming:
    name: str
    description: str
    samples_ms: tuple[float, ...]
    modules: int
    first_use_ms: tuple[float, ...] = ()

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def first_use_median_ms(self) -> float:
        return statistics.median(self.first_use_ms) if self.first_use_ms else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "median_ms": round(self.median_ms, 1),
            "min_ms": round(min(self.samples_ms), 1),
            "max_ms": round(max(self.samples_ms), 1),
            "samples_ms": [round(s, 1) for s in self.samples_ms],
            "modules_imported": self.modules,
            "first_use_median_ms": round(self.first_use_median_ms, 1),
        }


@dataclass(frozen=True)
class ColdStartResult:
    runs: int
    floor: PathTiming
    stack: PathTiming
    ingest: PathTiming
    triage: PathTiming
    budget_ratio: float = BUDGET_RATIO

    @property
    def ratios(self) -> dict[str, float]:
        return {p.name: p.median_ms / self.floor.median_ms for p in (self.stack, self.ingest, self.triage)}

    @property
    def over_stack(self) -> dict[str, float]:
        """Each path against the libraries alone: the part of its cost that is our code."""
        return {p.name: p.median_ms / self.stack.median_ms for p in (self.ingest, self.triage)}

    def verdict(self, name: str) -> str:
        return "PASS" if self.ratios[name] <= self.budget_ratio else "OVER"

    def to_dict(self) -> dict[str, Any]:
        paths: dict[str, Any] = {
            "floor": self.floor.to_dict(),
            "stack": {**self.stack.to_dict(), "ratio": round(self.ratios["stack"], 3)},
        }
        for timing in (self.ingest, self.triage):
            paths[timing.name] = {
                **timing.to_dict(),
                "ratio": round(self.ratios[timing.name], 3),
                "ratio_to_stack": round(self.over_stack[timing.name], 3),
                "verdict": self.verdict(timing.name),
            }
        return {"runs": self.runs, "budget_ratio": self.budget_ratio, "paths": paths}


def time_once(path: ImportPath, python: str = sys.executable) -> tuple[float, float, int]:
    """One fresh process: (ms for the path's imports, ms for its first-use builds, modules imported)."""
    proc = subprocess.run(
        [python, "-c", _CHILD.format(imports=path.imports, first_use=path.first_use)],
        cwd=PROJECT_ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        # a broken path would otherwise show up as a suspiciously fast number
        raise RuntimeError(f"cold-start child for {path.name!r} failed:\n{proc.stderr.strip()}")
    imports_ms, first_use_ms, modules = proc.stdout.split()
    return float(imports_ms), float(first_use_ms), int(modules)


def run(
    runs: int = DEFAULT_RUNS,
    python: str = sys.executable,
    progress: Callable[[int, int], None] | None = None,
) -> ColdStartResult:
    """Time each path in ``runs`` rounds of fresh processes, interleaved, and keep every sample."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    # one discarded round: the first process after an edit compiles .pyc files and fills the page cache
    for path in PATHS:
        time_once(path, python)
    samples: dict[str, list[float]] = {p.name: [] for p in PATHS}
    first_use: dict[str, list[float]] = {p.name: [] for p in PATHS}
    modules: dict[str, int] = {}
    for round_no in range(runs):
        # every path in every round so a noisy moment hits them all; rotating the
        # order keeps any "first process after a pause" effect from always landing on one path
        shift = round_no % len(PATHS)
        for path in PATHS[shift:] + PATHS[:shift]:
            ms, first_ms, modules[path.name] = time_once(path, python)
            samples[path.name].append(ms)
            first_use[path.name].append(first_ms)
        if progress:
            progress(round_no + 1, runs)
    timings = {
        p.name: PathTiming(p.name, p.description, tuple(samples[p.name]), modules[p.name], tuple(first_use[p.name]))
        for p in PATHS
    }
    return ColdStartResult(
        runs=runs, floor=timings["floor"], stack=timings["stack"], ingest=timings["ingest"], triage=timings["triage"]
    )


def format_report(result: ColdStartResult) -> str:
    lines = [
        f"Cold start – imports inside a fresh process, median of {result.runs} interleaved runs",
    ]
    if result.runs < 10:
        lines.append(f"  (only {result.runs} runs: indicative, not a budget measurement; use --runs 10 or more)")
    for timing in (result.floor, result.stack, result.ingest, result.triage):
        spread = f"min {min(timing.samples_ms):6.1f}  max {max(timing.samples_ms):6.1f}"
        lines.append(
            f"  {timing.name:<7} {timing.median_ms:7.1f} ms   ({spread}, {timing.modules:3d} modules)  {timing.description}"
        )
    lines.append(f"  budget: each path ≤ {result.budget_ratio:.2f}× the floor")
    allowed = result.floor.median_ms * result.budget_ratio
    for timing in (result.ingest, result.triage):
        verdict = result.verdict(timing.name)
        # in milliseconds, because that is what a fix has to win back
        excess = timing.median_ms - allowed
        note = (
            f"{-excess:.0f} ms to spare" if verdict == "PASS" else f"{excess:.0f} ms over the {allowed:.0f} ms allowed"
        )
        lines.append(f"  {timing.name:<7} {result.ratios[timing.name]:5.2f}× floor  {verdict} ({note})")
    lines.append(
        f"  the libraries alone (stack) are {result.ratios['stack']:.2f}× the floor; against them, our code makes "
        + ", ".join(f"{name} {ratio:.2f}×" for name, ratio in result.over_stack.items())
    )
    lines.append("  then the first invocation builds (not budgeted; mostly botocore loading its service models):")
    for timing in (result.ingest, result.triage):
        lines.append(f"  {timing.name:<7} {timing.first_use_median_ms:7.1f} ms   {_FIRST_USE[timing.name]}")
    return "\n".join(lines)


_FIRST_USE = {"ingest": "SQS client + signing secret", "triage": "rules loaded and compiled + DynamoDB and SNS clients"}


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.cold_start`: this benchmark alone (`python -m bench` runs it with the others)."""
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"fresh processes per path (default {DEFAULT_RUNS})"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    print(format_report(run(args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
