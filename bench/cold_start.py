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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.cold_start_report import (
    ALTERNATIVES,
    BUDGETS,
    ColdStartResult,
    PathTiming,
    Sample,
    format_report,
)
from bench.cold_start_world import CREDENTIALS, REGION, World, moto_world

__all__ = ["BUDGETS", "ColdStartResult", "PathTiming", "format_report", "main", "run"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = 15
QUICK_RUNS = 3

#: the clients each path creates, sorted (read from chalicelib/bootstrap.py; each run checks the child's)
CLIENTS = {
    "ingest": ("sqs", "ssm"),  # the widget's signing secret, the events queue
    "triage": ("dynamodb", "s3", "sns", "sqs", "ssm"),  # tables, rules store, pages, replies queue, ack secret
}


@dataclass(frozen=True)
class ColdPath:
    name: str
    description: str
    #: timed as "import": what Lambda runs at init
    imports: str
    #: timed as "first call": the first invocation (for a floor, creating the clients)
    first_call: str = ""
    #: the event the first call handles (given on stdin, parsed before the clock starts, as Lambda's runtime does)
    event: str = ""
    #: the path whose floor this is, or the path this row is an alternative of
    of: str = ""


def floor(path: str, requests: bool = False) -> ColdPath:
    """The stack + the path's clients; with ``requests``, those clients then make the path's requests too."""
    services = ", ".join(repr(s) for s in CLIENTS[path])
    create = (
        "_made = {_s: boto3.client(_s, region_name=os.environ['AWS_DEFAULT_REGION'],\n"
        f"    endpoint_url=os.environ['AWS_ENDPOINT_URL']) for _s in ({services},)}}\n"
    )
    if not requests:
        return ColdPath(
            f"{path} floor",
            f"stack + the {path} path's clients ({', '.join(CLIENTS[path])})",
            _IMPORTS,
            create,
            of=path,
        )
    return ColdPath(
        f"{path} floor+calls",
        f"the {path} floor + the same requests its first invocation makes, through the same clients",
        _IMPORTS,
        create + _REPLAY,
        event=f"calls:{path}",
        of=path,
    )


# The floor's `import pydantic` alone is lazy (no BaseModel); one model and one Logger are what the
# architecture's libraries cost with no code of ours.
STACK = ColdPath(
    "stack",
    "boto3, chalice, pydantic + one BaseModel + a Powertools Logger, no code of ours",
    "import boto3, chalice, pydantic\n"
    "from pydantic import BaseModel\n"
    "class _Probe(BaseModel):\n    x: int\n"
    "from aws_lambda_powertools import Logger\n"
    "Logger(service='bench')\n",
)
_IMPORTS = STACK.imports + "import boto3\n"
# each request the path made, as its code called it (service, operation, parameters), in order
_REPLAY = """\
from botocore import xform_name
from botocore.exceptions import ClientError
for _service, _operation, _params in _event:
    try:
        getattr(_made[_service], xform_name(_operation))(**_params)
    except ClientError:
        pass  # the path met the same answer (no rules object deployed yet, a condition that failed)
"""
INGEST = ColdPath(
    "ingest",
    "import app + a signed widget webhook through app.app(event, context), SQS SendMessage included",
    "import app\n",
    "_answer = app.app(_event, _Context())['statusCode']\n",
    event="widget",
)
TRIAGE = ColdPath(
    "triage",
    "import app + one SQS batch through app.triage(event, context): rules, customer, ticket, page",
    "import app\n",
    "_answer = app.triage(_event, _Context())\n",
    event="batch",
)
# The standard constructs a past change replaced to save cold start, put back for one row each.
# Powertools' batch utility instead of triage_handler.partial_batch:
POWERTOOLS_BATCH = ColdPath(
    "triage, Powertools batch",
    "triage with Powertools' process_partial_response instead of partial_batch",
    "import app\n",
    "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response\n"
    "from chalicelib.api import triage_handler\n"
    "triage_handler.handle_batch = lambda event, context: process_partial_response(\n"
    "    event, triage_handler.triage_record, BatchProcessor(EventType.SQS), context)\n"
    "_answer = app.triage(_event, _Context())\n",
    event="batch",
    of="triage",
)
# The packaged rules validated by their pydantic schema on load (as a deployed rules object is), on top
# of reading them into records: what the reader saves, or a little more.
PYDANTIC_RULES = ColdPath(
    "triage, rules by pydantic",
    "triage with the packaged rules also validated by the pydantic schema on load",
    "import app\n",
    "from chalicelib.routing import loader\n"
    "from chalicelib.adapters.rules_store import _check_schema\n"
    "_load = loader.load_rules\n"
    "def _validated(path):\n"
    "    _check_schema(json.loads(open(path, encoding='utf-8').read())['rules'], str(path))\n"
    "    return _load(path)\n"
    "loader.load_rules = _validated\n"
    "_answer = app.triage(_event, _Context())\n",
    event="batch",
    of="triage",
)
INGEST_FLOOR, TRIAGE_FLOOR = floor("ingest"), floor("triage")
INGEST_CALLS, TRIAGE_CALLS = floor("ingest", requests=True), floor("triage", requests=True)
VARIANTS = (POWERTOOLS_BATCH, PYDANTIC_RULES)
assert {v.name for v in VARIANTS} <= set(ALTERNATIVES)

# Timed inside the child with perf_counter rather than around the process: interpreter start-up (the same
# for every path, and not ours) and the parent's fork/exec would dilute the ratio. After the clock stops,
# the child lists the boto3 clients alive (to check them against the floor's) and, on the triage path,
# times defining its Record classes as typing.NamedTuples (what the Record type saves).
_CHILD = """\
import json, os, sys, time
_event = json.loads(sys.stdin.read() or "null")
_answer = None

class _Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 256
    aws_request_id = "bench-invocation"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self):
        return 10000

_m0 = len(sys.modules)
_t0, _c0 = time.perf_counter(), time.process_time()
{imports}
_t1, _c1 = time.perf_counter(), time.process_time()
{first_call}
_t2, _c2 = time.perf_counter(), time.process_time()
_modules = len(sys.modules) - _m0
import gc, botocore.client
_clients = sorted({{o.meta.service_model.service_name for o in gc.get_objects() if isinstance(o, botocore.client.BaseClient)}})
_records, _namedtuples_ms = 0, 0.0
if "chalicelib.routing.record" in sys.modules:
    import typing
    from chalicelib.routing.record import Record
    _todo, _classes = [Record], []
    while _todo:
        _subclasses = _todo.pop().__subclasses__()
        _classes += _subclasses
        _todo += _subclasses
    _c3 = time.process_time()
    for _c in _classes:
        typing.NamedTuple(_c.__name__, [(_f, typing.Any) for _f in _c._fields])
    _records, _namedtuples_ms = len(_classes), (time.process_time() - _c3) * 1000
print("COLD-START " + json.dumps({{
    "import_ms": (_t1 - _t0) * 1000, "call_ms": (_t2 - _t1) * 1000,
    "import_cpu_ms": (_c1 - _c0) * 1000, "call_cpu_ms": (_c2 - _c1) * 1000, "modules": _modules, "clients": _clients,
    "answer": _answer, "records": _records, "namedtuples_ms": _namedtuples_ms,
}}))
"""


def child_env(world_env: dict[str, str] | None = None) -> dict[str, str]:
    # drop the caller's AWS and Powertools settings (a profile, another endpoint) so every run sees the same
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
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


def time_once(path: ColdPath, world: World, event: Any, python: str = sys.executable) -> Sample:
    """One fresh process for ``path``, against the world as the first run found it."""
    if path.event:
        world.reset()
    world.meter.take()
    proc = subprocess.run(
        [python, "-c", _CHILD.format(imports=path.imports, first_call=path.first_call)],
        cwd=PROJECT_ROOT,
        env=child_env(world.environment),
        input=json.dumps(event),
        capture_output=True,
        text=True,
        check=False,
    )
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


# Registered on the default session before the app creates its clients (from it), so every request is seen.
_RECORDER = """\
import boto3
_seen = []
boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register(
    "provide-client-params",
    lambda params, model, **_: _seen.append((model.service_model.service_name, model.name, json.loads(json.dumps(params)))),
)
"""


def recorded_calls(path: ColdPath, world: World, event: Any, python: str = sys.executable) -> list[Any]:
    """The requests ``path`` makes on its first invocation, in order, as its code called them (not timed)."""
    world.reset()
    first_call = path.first_call + 'print("CALLS " + json.dumps(_seen))\n'
    proc = subprocess.run(
        [python, "-c", _CHILD.format(imports=_RECORDER + path.imports, first_call=first_call)],
        cwd=PROJECT_ROOT,
        env=child_env(world.environment),
        input=json.dumps(event),
        capture_output=True,
        text=True,
        check=False,
    )
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
        (INGEST_FLOOR, INGEST_CALLS, INGEST),
        (TRIAGE_FLOOR, TRIAGE_CALLS, TRIAGE, *(VARIANTS if alternatives else ())),
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
                time_once(path, world, events[path.event], python)
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
