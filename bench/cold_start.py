"""Cold start: import + the first invocation of the ingest and triage paths, against the libraries plus their clients.

What a message waiting on a cold container waits for is the import of app.py and then its first
invocation: botocore loading service models, the clients, the secrets, the rules, the requests. So a
path's row is both, measured in a fresh process: ingest is a signed widget webhook handed to the Chalice
app as API Gateway hands it (`app.app(event, context)`), through to SQS SendMessage and the 202; triage
is the SQS batch holding the message that ingest sent, handed to the Lambda handler (`app.triage`),
through rules, customer lookup, ticket write and page.

Each path's floor is the "stack" row (boto3, chalice, pydantic, one model, a Powertools Logger: the
libraries with no code of ours) plus creating the same boto3 clients the path creates, the same way
(the default session, the region and endpoint from the environment). The bench checks that the clients
a path leaves behind are exactly its floor's, so the floor cannot drift from the code.

That floor makes no requests, as the issue sets it: what a request costs is partly botocore's work
(each operation's model, serialising, signing, the HTTP stack) and partly the answer's wait. So the
path's requests go to one moto server on loopback (cold_start_world.py), the same requests to the same
stack in every run; moto's time answering them is measured at the server and shown beside each path;
and a second floor, "+calls", has the same clients make the same requests (recorded from the path, in
order, with the same parameters). Against it, what is left is our code's alone. The verdicts read the
issue's floor; the "+calls" ratio is beside them, so a reader can see how much of a path's excess is
botocore making the requests the design needs, and how much is ours.

Verdicts read CPU time, paired per round (cold_start_report.py says why).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.cold_start_paths import (
    CHILD,
    CLIENTS,
    INGEST,
    INGEST_CALLS,
    INGEST_FLOOR,
    RECORDER,
    STACK,
    TRIAGE,
    TRIAGE_CALLS,
    TRIAGE_FLOOR,
    VARIANTS,
    ColdPath,
)
from bench.cold_start_report import (
    BUDGETS,
    ColdStartResult,
    PathTiming,
    Sample,
    format_report,
)
from bench.cold_start_world import CREDENTIALS, REGION, World, moto_world

__all__ = ["BUDGETS", "ColdStartResult", "PathTiming", "format_report", "main", "run"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = 10  # eleven fresh processes a round: about 20 s a round on this busy 2-core machine
QUICK_RUNS = 3


def child_env(world_env: dict[str, str] | None = None) -> dict[str, str]:
    # drop the caller's AWS and Powertools settings (a profile, another endpoint) so every run sees the same
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "_HANDLER"))}
    # every path runs from cached .pyc files (written by the warm-up round), or the ratio would charge our
    # code for compiling itself on every run; the cache lives outside the checkout, one place per machine
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(CREDENTIALS)
    env.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            # a developer's ~/.aws would change what botocore reads at client creation; IMDS must never be asked
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            # as deployed (.chalice/config.json)
            "POWERTOOLS_SERVICE_NAME": "switchboard",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_METRICS_NAMESPACE": "Switchboard",
            "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "switchboard-bench-pycache"),
        }
    )
    env.update(world_env or {})
    return env


def _child(
    imports: str, first_call: str, world: World, event: Any, python: str, handler: str = ""
) -> subprocess.CompletedProcess[str]:
    """A fresh process running CHILD with ``imports`` then ``first_call``, the event on its stdin."""
    # Lambda names each function's handler in _HANDLER, and app.py registers the routes only for the API's
    env = child_env({**world.environment, **({"_HANDLER": handler} if handler else {})})
    return subprocess.run(
        [python, "-c", CHILD.format(imports=imports, first_call=first_call)],
        cwd=PROJECT_ROOT,
        env=env,
        input=json.dumps(event),
        capture_output=True,
        text=True,
        check=False,
    )


def time_once(path: ColdPath, world: World, event: Any, python: str = sys.executable) -> Sample:
    """One fresh process for ``path``, against the world as the first run found it."""
    if path.event:
        world.reset()
    world.meter.take()
    proc = _child(path.imports, path.first_call, world, event, python, path.handler)
    calls, moto_seconds = world.meter.take()
    found = [line for line in proc.stdout.splitlines() if line.startswith("COLD-START ")]
    if proc.returncode != 0 or not found:
        # a broken path would otherwise show up as a suspiciously fast number
        raise RuntimeError(f"cold-start child for {path.name!r} failed:\n{proc.stderr.strip()[-3000:]}")
    out = json.loads(found[-1].removeprefix("COLD-START "))
    expected = {"widget": 202, "batch": {"batchItemFailures": []}}.get(path.event)
    if out["answer"] != expected:
        raise RuntimeError(f"cold-start child for {path.name!r} answered {out['answer']!r}, not {expected!r}")
    clients = CLIENTS.get(path.of or path.name)
    if clients is not None and tuple(out["clients"]) != clients:
        raise RuntimeError(f"{path.name!r} created clients {out['clients']}, its floor creates {list(clients)}")
    return Sample(
        import_ms=out["import_ms"],
        call_ms=out["call_ms"],
        import_cpu_ms=out["import_cpu_ms"],
        call_cpu_ms=out["call_cpu_ms"],
        modules=out["modules"],
        moto_ms=moto_seconds * 1000,
        calls=calls,
        records=out["records"],
        namedtuples_ms=out["namedtuples_ms"],
    )


def recorded_calls(path: ColdPath, world: World, event: Any, python: str = sys.executable) -> list[Any]:
    """The requests ``path`` makes on its first invocation, in order, as its code called them (not timed)."""
    world.reset()
    first_call = path.first_call + 'print("CALLS " + json.dumps(_seen))\n'
    proc = _child(RECORDER + path.imports, first_call, world, event, python, path.handler)
    found = [line for line in proc.stdout.splitlines() if line.startswith("CALLS ")]
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"recording {path.name!r} failed:\n{proc.stderr.strip()[-3000:]}")
    calls: list[Any] = json.loads(found[-1].removeprefix("CALLS "))
    return calls


def _rotated(items: tuple[Any, ...], by: int) -> tuple[Any, ...]:
    shift = by % len(items)
    return items[shift:] + items[:shift]


def run(
    runs: int = DEFAULT_RUNS,
    python: str = sys.executable,
    progress: Callable[[int, int], None] | None = None,
    alternatives: bool = True,
) -> ColdStartResult:
    """Time each path in ``runs`` rounds of fresh processes, interleaved, and keep every sample."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    # a path runs next to its floor in every round: the machine's load drifts over minutes, and the ratio
    # of two runs seconds apart cancels most of that drift (the ratios read are the rounds' ratios)
    groups = (
        (STACK,),
        (INGEST_FLOOR, INGEST_CALLS, INGEST, *(v for v in VARIANTS if alternatives and v.of == "ingest")),
        (TRIAGE_FLOOR, TRIAGE_CALLS, TRIAGE, *(v for v in VARIANTS if alternatives and v.of == "triage")),
    )
    paths = tuple(p for group in groups for p in group)
    with moto_world() as world:
        # one discarded round: the first process after an edit compiles .pyc files and fills the page cache;
        # its ingest run puts on the queue the message every triage run then handles
        time_once(INGEST, world, world.widget_request(), python)
        events: dict[str, Any] = {"widget": None, "batch": world.queued_batch(), "": None}
        events["calls:ingest"] = recorded_calls(INGEST, world, world.widget_request(), python)
        events["calls:triage"] = recorded_calls(TRIAGE, world, events["batch"], python)
        for path in paths:
            if path is not INGEST:
                time_once(path, world, world.widget_request() if path.event == "widget" else events[path.event], python)
        samples: dict[str, list[Sample]] = {p.name: [] for p in paths}
        for round_no in range(runs):
            # rotating the order keeps any "first process after a pause" effect from always landing on one path
            for group in _rotated(groups, round_no):
                for path in _rotated(group, round_no):
                    # signed now: the widget's signature carries a timestamp, checked against a tolerance
                    event = world.widget_request() if path.event == "widget" else events[path.event]
                    samples[path.name].append(time_once(path, world, event, python))
            if progress:
                progress(round_no + 1, runs)
    timings = {p.name: PathTiming(p.name, p.description, tuple(samples[p.name])) for p in paths}
    return ColdStartResult(
        runs=runs,
        stack=timings["stack"],
        ingest_floor=timings["ingest floor"],
        ingest=timings["ingest"],
        triage_floor=timings["triage floor"],
        triage=timings["triage"],
        ingest_calls=timings["ingest floor+calls"],
        triage_calls=timings["triage floor+calls"],
        alternatives=tuple(timings[v.name] for v in VARIANTS if v.name in timings),
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.cold_start`: this benchmark alone (`python -m bench` runs it with the others)."""
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.split("\n", 1)[0])
    runs = parser.add_mutually_exclusive_group()
    runs.add_argument(
        "--runs", type=int, default=DEFAULT_RUNS, help=f"fresh processes per path (default {DEFAULT_RUNS})"
    )
    runs.add_argument(
        "--quick", action="store_true", help=f"{QUICK_RUNS} runs: checks the bench works, figures indicative"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures to PATH as JSON")
    args = parser.parse_args(argv)
    count = QUICK_RUNS if args.quick else args.runs
    if count < 1:
        parser.error("--runs must be at least 1")
    result = run(count)
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
